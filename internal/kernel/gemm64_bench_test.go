package kernel

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// benchGemm64 times C = op(A)·op(B) for an m×k by k×n float64 product.
func benchGemm64(b *testing.B, transA, transB bool, m, n, k int) {
	r := rand.New(rand.NewPCG(1, 1))
	a := randSlice[float64](r, m*k)
	bb := randSlice[float64](r, k*n)
	c := make([]float64, m*n)
	lda, ldb := k, n
	if transA {
		lda = m
	}
	if transB {
		ldb = k
	}
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		Gemm64(transA, transB, m, n, k, 1, a, lda, bb, ldb, 0, c, n)
	}
	b.ReportMetric(2*float64(m)*float64(n)*float64(k)*float64(b.N)/float64(b.Elapsed().Nanoseconds()), "GFLOP/s")
}

// BenchmarkGemm64Shapes times float64 products: squares, and the products of one training step
// of the float64 MLP 784-256-256-10 at batch 64 (cmd/bench's mlp_f64_b64; names give m×n×k).
func BenchmarkGemm64Shapes(b *testing.B) {
	for _, s := range []int{256, 1024} {
		b.Run(fmt.Sprintf("square%d", s), func(b *testing.B) { benchGemm64(b, false, false, s, s, s) })
	}
	b.Run("fwd_64x256x784", func(b *testing.B) { benchGemm64(b, false, true, 64, 256, 784) })
	b.Run("dX_64x784x256", func(b *testing.B) { benchGemm64(b, false, false, 64, 784, 256) })
	b.Run("dW_256x784x64", func(b *testing.B) { benchGemm64(b, true, false, 256, 784, 64) })
}
