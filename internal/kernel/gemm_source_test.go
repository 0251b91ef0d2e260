package kernel

import (
	"math"
	"math/rand/v2"
	"testing"
)

// sourceOf returns a Source reading the stored matrix v of stride ld.
func sourceOf[T float](v []T, ld int) Source[T] {
	return func(dst []T, dld, r0, rows, s0, cols int) {
		for r := range rows {
			copy(dst[r*dld:r*dld+cols], v[(r0+r)*ld+s0:][:cols])
		}
	}
}

// TestGemmSourceBits checks, in every implementation, that GemmSource32
// and GemmSource64 give exactly the bits of Gemm32 and Gemm64 on the stored
// B, for shapes that take the direct, matrix-vector, serial packed and
// parallel packed paths, with edge tiles, several depth blocks, both
// transpositions and both betas.
func TestGemmSourceBits(t *testing.T) {
	shapes := [][3]int{{1, 1, 1}, {3, 5, 2}, {1, 40, 30}, {30, 1, 40}, {7, 33, 19}, {16, 48, 300},
		{64, 130, 576}, {70, 1100, 64}, {5, 200, 140}, {64, 576, 1024}}
	forEachImpl(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(3, 4))
		for _, s := range shapes {
			m, n, k := s[0], s[1], s[2]
			for _, tA := range []bool{false, true} {
				for _, tB := range []bool{false, true} {
					for _, beta := range []float32{0, 1, 0.5} {
						a := make([]float32, m*k)
						b := make([]float32, k*n)
						c := make([]float32, m*n)
						for i := range a {
							a[i] = float32(r.NormFloat64())
						}
						for i := range b {
							b[i] = float32(r.NormFloat64())
						}
						for i := range c {
							c[i] = float32(r.NormFloat64())
						}
						lda, ldb := k, n
						if tA {
							lda = m
						}
						if tB {
							ldb = k
						}
						want := append([]float32(nil), c...)
						Gemm32(tA, tB, m, n, k, 0.75, a, lda, b, ldb, beta, want, n)
						got := append([]float32(nil), c...)
						GemmSource32(tA, tB, m, n, k, 0.75, a, lda, sourceOf(b, ldb), beta, got, n)
						for i := range want {
							if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
								t.Fatalf("float32 %v tA=%v tB=%v beta=%v: element %d is %v, want %v", s, tA, tB, beta, i, got[i], want[i])
							}
						}
						a64, b64, c64 := make([]float64, len(a)), make([]float64, len(b)), make([]float64, len(c))
						for i, v := range a {
							a64[i] = float64(v)
						}
						for i, v := range b {
							b64[i] = float64(v) / 3
						}
						for i, v := range c {
							c64[i] = float64(v)
						}
						want64 := append([]float64(nil), c64...)
						Gemm64(tA, tB, m, n, k, 0.75, a64, lda, b64, ldb, float64(beta), want64, n)
						GemmSource64(tA, tB, m, n, k, 0.75, a64, lda, sourceOf(b64, ldb), float64(beta), c64, n)
						for i := range want64 {
							if math.Float64bits(c64[i]) != math.Float64bits(want64[i]) {
								t.Fatalf("float64 %v tA=%v tB=%v beta=%v: element %d is %v, want %v", s, tA, tB, beta, i, c64[i], want64[i])
							}
						}
					}
				}
			}
		}
	})
}
