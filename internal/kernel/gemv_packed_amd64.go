//go:build amd64 && !purego

package kernel

// gemvPanels32 runs gemvPanelsGo's computation with the active
// implementation's kernels: the AVX-512 ones (8, 4, 2 or 1 panels per
// call) or the AVX2 ones (4, 2 or 1), else the portable loop. c holds
// 16·panels elements.
func gemvPanels32(kb int, x, w []float32, ldw int, c []float32, panels, mode int) {
	avx512 := impl.name == "avx512"
	if !avx512 && impl.name != "avx2" {
		gemvPanelsGo(kb, x, w, ldw, c, panels, mode)
		return
	}
	_ = x[kb-1]
	_ = w[(panels-1)*ldw+16*kb-1]
	_ = c[16*panels-1]
	// The kernels are called directly, not through func values, so that
	// c (a caller's local array, say) does not escape.
	for g := 0; g < panels; {
		xp, wp, cp := &x[0], &w[g*ldw], &c[16*g]
		switch left := panels - g; {
		case avx512 && left >= 8:
			gemvPanels8AVX512(kb, xp, wp, ldw, cp, mode)
			g += 8
		case avx512 && left >= 4:
			gemvPanels4AVX512(kb, xp, wp, ldw, cp, mode)
			g += 4
		case avx512 && left >= 2:
			gemvPanels2AVX512(kb, xp, wp, ldw, cp, mode)
			g += 2
		case avx512:
			gemvPanels1AVX512(kb, xp, wp, ldw, cp, mode)
			g++
		case left >= 4:
			gemvPanels4AVX2(kb, xp, wp, ldw, cp, mode)
			g += 4
		case left >= 2:
			gemvPanels2AVX2(kb, xp, wp, ldw, cp, mode)
			g += 2
		default:
			gemvPanels1AVX2(kb, xp, wp, ldw, cp, mode)
			g++
		}
	}
}

// gemvRows4 reports whether GemvPacked32 takes rows four at a time, with
// the AVX-512 four-row kernels.
var gemvRows4 = hasAVX512

// gemvRows4Panels32 runs gemvPanels32 for four rows of x (leading dimension
// ldx) into four rows of c (leading dimension ldc): with the four-row
// AVX-512 kernels (4, 2 or 1 panels per call) in the avx512
// implementation, else row by row.
func gemvRows4Panels32(kb int, x []float32, ldx int, w []float32, ldw int, c []float32, ldc, panels, mode int) {
	if impl.name != "avx512" {
		for r := range 4 {
			gemvPanels32(kb, x[r*ldx:], w, ldw, c[r*ldc:], panels, mode)
		}
		return
	}
	_ = x[3*ldx+kb-1]
	_ = w[(panels-1)*ldw+16*kb-1]
	_ = c[3*ldc+16*panels-1]
	for g := 0; g < panels; {
		wp, cp := &w[g*ldw], &c[16*g]
		switch left := panels - g; {
		case left >= 4:
			gemvRows4Panels4AVX512(kb, &x[0], ldx, wp, ldw, cp, ldc, mode)
			g += 4
		case left >= 2:
			gemvRows4Panels2AVX512(kb, &x[0], ldx, wp, ldw, cp, ldc, mode)
			g += 2
		default:
			gemvRows4Panels1AVX512(kb, &x[0], ldx, wp, ldw, cp, ldc, mode)
			g++
		}
	}
}

// packGemvPanel packs the first depth steps of the 16 rows of w (leading
// dimension k) into panel, PackGemv32's layout, with the AVX-512
// transposing packer where the CPU has it (a copy: the same bits whatever
// the implementation), and returns how many it packed: a multiple of 16,
// or 0.
func packGemvPanel(panel, w []float32, k int) int {
	blocks := k / 16
	if !hasAVX512 || blocks == 0 {
		return 0
	}
	_ = w[15*k+16*blocks-1]
	_ = panel[16*16*blocks-1]
	packCols16AVX512(blocks, &w[0], k, &panel[0])
	return 16 * blocks
}
