//go:build amd64 && !purego

package kernel

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestPackF64Asm checks the float64 assembly packers (AVX-512: 8 and 16 lanes, rows and cols;
// AVX2: the 8-lane cols packer of micro64AVX2) against the portable ones: the whole packed buffer, padding included, for depths on both
// sides of the 8-step transpose blocks and the 4-step copy trips, widths with partial panels, and
// leading dimensions wider than the block, starting from a buffer full of NaN.
func TestPackF64Asm(t *testing.T) {
	if !hasAVX2 {
		t.Skip("no AVX2")
	}
	r := rand.New(rand.NewPCG(64, 8))
	for _, tc := range []struct {
		lanes  int
		avx512 bool
		asm    packer[float64]
	}{
		{8, true, packer[float64]{packRowsF64Asm(8), packColsF64Asm(8, 8, packCols8F64AVX512)}},
		{16, true, packer[float64]{packRowsF64Asm(16), packColsF64Asm(16, 8, packCols8F64AVX512)}},
		{8, false, packer[float64]{packRowsR[float64](8), packColsF64Asm(8, 4, packCols4F64AVX2)}},
	} {
		if tc.avx512 && !hasAVX512 {
			continue
		}
		lanes, asm := tc.lanes, tc.asm
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
