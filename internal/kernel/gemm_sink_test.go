package kernel

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestGemmSinkBits checks, in every implementation, that GemmSink32 and
// GemmSink64 hand over exactly the bits Gemm32 and Gemm64 store with beta
// 0, every row once and in increasing order, for shapes that take the
// strip path (one depth block, n ≤ gemmNC, with edge tiles) and the
// buffered fallback (tiny, matrix-vector, several depth blocks, wide).
func TestGemmSinkBits(t *testing.T) {
	shapes := [][3]int{{1, 1, 1}, {3, 5, 2}, {1, 40, 30}, {30, 1, 40}, {7, 33, 19}, {5, 200, 64},
		{576, 1024, 64}, {37, 77, 129}, {20, 300, 700}, {17, 2100, 16}}
	forEachImpl(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(5, 6))
		for _, s := range shapes {
			m, n, k := s[0], s[1], s[2]
			for _, tA := range []bool{false, true} {
				for _, tB := range []bool{false, true} {
					a := make([]float32, m*k)
					b := make([]float32, k*n)
					for i := range a {
						a[i] = float32(r.NormFloat64())
					}
					for i := range b {
						b[i] = float32(r.NormFloat64())
					}
					lda, ldb := k, n
					if tA {
						lda = m
					}
					if tB {
						ldb = k
					}
					want := make([]float32, m*n)
					Gemm32(tA, tB, m, n, k, 1.25, a, lda, b, ldb, 0, want, n)
					got := make([]float32, m*n)
					next := 0
					GemmSink32(tA, tB, m, n, k, 1.25, a, lda, b, ldb, func(c []float32, ld, r0, rows int) {
						if r0 != next {
							t.Fatalf("%v: strip at row %d, want %d", s, r0, next)
						}
						next += rows
						for i := range rows {
							copy(got[(r0+i)*n:(r0+i+1)*n], c[i*ld:i*ld+n])
						}
					})
					if next != m {
						t.Fatalf("%v: strips covered %d rows of %d", s, next, m)
					}
					for i := range want {
						if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
							t.Fatalf("float32 %v tA=%v tB=%v: element %d is %v, want %v", s, tA, tB, i, got[i], want[i])
						}
					}
					a64, b64 := make([]float64, len(a)), make([]float64, len(b))
					for i, v := range a {
						a64[i] = float64(v) / 3
					}
					for i, v := range b {
						b64[i] = float64(v)
					}
					want64 := make([]float64, m*n)
					Gemm64(tA, tB, m, n, k, 1.25, a64, lda, b64, ldb, 0, want64, n)
					got64 := make([]float64, m*n)
					GemmSink64(tA, tB, m, n, k, 1.25, a64, lda, b64, ldb, func(c []float64, ld, r0, rows int) {
						for i := range rows {
							copy(got64[(r0+i)*n:(r0+i+1)*n], c[i*ld:i*ld+n])
						}
					})
					for i := range want64 {
						if math.Float64bits(got64[i]) != math.Float64bits(want64[i]) {
							t.Fatalf("float64 %v tA=%v tB=%v: element %d is %v, want %v", s, tA, tB, i, got64[i], want64[i])
						}
					}
				}
			}
		}
	})
}
