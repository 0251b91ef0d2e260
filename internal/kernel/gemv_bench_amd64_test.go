//go:build amd64 && !purego

package kernel

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkGemvPacked measures x·Wᵀ at batch 1 with the AVX-512 GEMM
// without its dots kernels (the packed path), for comparison with
// BenchmarkGemv.
func BenchmarkGemvPacked(b *testing.B) {
	if !hasAVX512 {
		b.Skip("no AVX-512")
	}
	for _, sh := range [][2]int{{784, 256}, {256, 256}, {256, 10}} {
		k, n := sh[0], sh[1]
		r := rand.New(rand.NewPCG(1, 1))
		x := randSlice[float32](r, k)
		w := randSlice[float32](r, n*k)
		c := make([]float32, n)
		b.Run(fmt.Sprintf("k=%d/n=%d", k, n), func(b *testing.B) {
			saved, dots := impl, microAVX2in512.dots
			defer func() { impl, microAVX2in512.dots = saved, dots }()
			impl = implementations()[0]
			microAVX2in512.dots = nil
			for b.Loop() {
				Gemm32(false, true, 1, n, k, 1, x, k, w, k, 0, c, n)
			}
		})
	}
}
