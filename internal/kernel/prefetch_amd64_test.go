//go:build amd64 && !purego

package kernel

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestPrefetchCKernelSameBits checks that the AVX-512 micro-kernel variant
// that prefetches C gives exactly the bits of the plain one, over shapes
// with edge tiles, transposes, every alpha/beta path and depths on both
// sides of a trip and of a depth block.
func TestPrefetchCKernelSameBits(t *testing.T) {
	if !hasAVX512 {
		t.Skip("no AVX-512")
	}
	plain, pf := gemmDriver(microAVX512, &pool32), gemmDriver(microAVX512PrefetchC, &pool32)
	r := rand.New(rand.NewPCG(41, 42))
	for range 40 {
		alphas, betas := []float64{1, 1.5}, []float64{0, 1, 0.5}
		tc := gemmCase{r.IntN(2) == 0, r.IntN(2) == 0, 1 + r.IntN(300), 1 + r.IntN(300), 1 + r.IntN(400), r.IntN(3),
			alphas[r.IntN(2)], betas[r.IntN(3)]}
		ar, ac, lda, br, bc, ldb, ldc := tc.dims()
		a := randSlice[float32](r, matLen(ar, ac, lda))
		b := randSlice[float32](r, matLen(br, bc, ldb))
		c1 := randSlice[float32](r, matLen(tc.m, tc.n, ldc))
		c2 := append([]float32(nil), c1...)
		plain(tc.transA, tc.transB, tc.m, tc.n, tc.k, float32(tc.alpha), a, lda, b, ldb, float32(tc.beta), c1, ldc)
		pf(tc.transA, tc.transB, tc.m, tc.n, tc.k, float32(tc.alpha), a, lda, b, ldb, float32(tc.beta), c2, ldc)
		for i := range c1 {
			if math.Float32bits(c1[i]) != math.Float32bits(c2[i]) {
				t.Fatalf("%v: C[%d] = %v with the prefetching kernel, %v without", tc, i, c2[i], c1[i])
			}
		}
	}
}
