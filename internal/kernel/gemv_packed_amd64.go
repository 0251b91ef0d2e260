//go:build amd64 && !purego

package kernel

// gemvPanels32 runs gemvPanelsGo's computation with the active
// implementation's kernels: the AVX-512 ones (8, 4, 2 or 1 panels per
// call) or the AVX2 ones (4, 2 or 1), else the portable loop. c holds
// 16·panels elements.
func gemvPanels32(kb int, x, w []float32, ldw int, c []float32, panels, mode int) {
	var sizes []int
	var kernels []func(kb int, x, w *float32, ldw int, c *float32, mode int)
	switch impl.name {
	case "avx512":
		sizes, kernels = gemvPanelSizes512[:], gemvPanelKernels512[:]
	case "avx2":
		sizes, kernels = gemvPanelSizes2[:], gemvPanelKernels2[:]
	default:
		gemvPanelsGo(kb, x, w, ldw, c, panels, mode)
		return
	}
	_ = x[kb-1]
	_ = w[(panels-1)*ldw+16*kb-1]
	_ = c[16*panels-1]
	g := 0
	for i, size := range sizes {
		for ; g+size <= panels; g += size {
			kernels[i](kb, &x[0], &w[g*ldw], ldw, &c[16*g], mode)
		}
	}
}

var (
	gemvPanelSizes512   = [...]int{8, 4, 2, 1}
	gemvPanelKernels512 = [...]func(kb int, x, w *float32, ldw int, c *float32, mode int){
		gemvPanels8AVX512, gemvPanels4AVX512, gemvPanels2AVX512, gemvPanels1AVX512}
	gemvPanelSizes2   = [...]int{4, 2, 1}
	gemvPanelKernels2 = [...]func(kb int, x, w *float32, ldw int, c *float32, mode int){
		gemvPanels4AVX2, gemvPanels2AVX2, gemvPanels1AVX2}
)

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
