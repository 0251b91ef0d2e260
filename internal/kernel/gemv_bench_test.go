package kernel

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkGemv measures x·Wᵀ at batch 1 (a Linear layer's forward pass)
// with each implementation.
func BenchmarkGemv(b *testing.B) {
	for _, sh := range [][2]int{{784, 256}, {256, 256}, {256, 10}} {
		k, n := sh[0], sh[1]
		r := rand.New(rand.NewPCG(1, 1))
		x := randSlice[float32](r, k)
		w := randSlice[float32](r, n*k)
		c := make([]float32, n)
		for _, im := range implementations() {
			b.Run(fmt.Sprintf("%s/k=%d/n=%d", im.name, k, n), func(b *testing.B) {
				saved := impl
				defer func() { impl = saved }()
				impl = im
				for b.Loop() {
					Gemm32(false, true, 1, n, k, 1, x, k, w, k, 0, c, n)
				}
			})
		}
	}
}
