//go:build !amd64 || purego

package kernel

// gemvPanels32 is gemvPanelsGo (see gemv_packed_amd64.go).
func gemvPanels32(kb int, x, w []float32, ldw int, c []float32, panels, mode int) {
	gemvPanelsGo(kb, x, w, ldw, c, panels, mode)
}

// packGemvPanel packs nothing: PackGemv32 packs every depth step.
func packGemvPanel(panel, w []float32, k int) int { return 0 }

// gemvRows4 reports whether GemvPacked32 takes rows four at a time: never
// in the portable code.
const gemvRows4 = false

// gemvRows4Panels32 is not called (gemvRows4 is false).
func gemvRows4Panels32(kb int, x []float32, ldx int, w []float32, ldw int, c []float32, ldc, panels, mode int) {
	panic("unreachable")
}
