//go:build amd64 && !purego

package kernel

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestPackF64Asm checks the AVX-512 float64 packers of micro64AVX512 (8 and 16 lanes, rows and
// cols) against the portable ones: the whole packed buffer, padding included, for depths on both
// sides of the 8-step transpose blocks and the 4-step copy trips, widths with partial panels, and
// leading dimensions wider than the block, starting from a buffer full of NaN.
func TestPackF64Asm(t *testing.T) {
	if !hasAVX512 {
		t.Skip("no AVX-512")
	}
	r := rand.New(rand.NewPCG(64, 8))
	for _, lanes := range []int{8, 16} {
		asm := packer[float64]{packRowsF64Asm(lanes), packColsF64Asm(lanes)}
		ref := packer[float64]{
			func(dst, x []float64, ld, kb, width, kp int) { packRowsAny(dst, x, ld, kb, width, lanes, kp, 0) },
			func(dst, x []float64, ld, kb, width, kp int) { packColsAny(dst, x, ld, kb, width, lanes, kp, 0) },
		}
		for _, kb := range []int{1, 3, 4, 7, 8, 9, 16, 17, 64, 112, 129} {
			for _, width := range []int{1, 7, 8, 9, 16, 17, 33, 48} {
				kp := kb + r.IntN(3)
				panels := (width + lanes - 1) / lanes
				size := panels * panelStride(lanes, kp)
				for _, cols := range []bool{false, true} {
					// rows: x is kb × width (stride ld); cols: width × kb.
					rowsOfX, colsOfX := kb, width
					if cols {
						rowsOfX, colsOfX = width, kb
					}
					ld := colsOfX + r.IntN(5)
					x := randSlice[float64](r, (rowsOfX-1)*ld+colsOfX)
					got, want := make([]float64, size), make([]float64, size)
					for i := range got {
						got[i], want[i] = math.NaN(), math.NaN()
					}
					if cols {
						asm.cols(got, x, ld, kb, width, kp)
						ref.cols(want, x, ld, kb, width, kp)
					} else {
						asm.rows(got, x, ld, kb, width, kp)
						ref.rows(want, x, ld, kb, width, kp)
					}
					for i := range want {
						if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
							t.Fatalf("lanes %d cols %v kb %d width %d kp %d ld %d: dst[%d] = %v, want %v", lanes, cols, kb, width, kp, ld, i, got[i], want[i])
						}
					}
				}
			}
		}
	}
}
