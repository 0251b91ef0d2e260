//go:build amd64 && !purego

package kernel

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestDirectFusedMatchesAsm checks that direct, which small products on the
// assembly kernels take, gives exactly the bits of the packed path
// through each assembly micro-kernel (with AVX-512 also their pair
// kernels, 16×32 and 6×32, which products with two full 16-column panels
// of B left take): over every transpose, the alpha and beta paths, edge
// tiles, depths across a depth block, and operands with signed zeros,
// infinities and NaNs (and NaN in C with beta 0, which must not come
// through).
func TestDirectFusedMatchesAsm(t *testing.T) {
	var kernels []*microKernel[float32]
	if hasAVX2 {
		kernels = append(kernels, microAVX2)
	}
	if hasAVX512 {
		// microAVX2in512 packs with the AVX-512 packers and has the
		// AVX-512 6×32 pair kernel.
		kernels = append(kernels, microAVX2in512, microAVX512, microAVX512PrefetchC)
	}
	if len(kernels) == 0 {
		t.Skip("no assembly micro-kernel on this CPU")
	}
	r := rand.New(rand.NewPCG(51, 52))
	special := []float32{0, float32(math.Copysign(0, -1)), 1, -1, float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 0x1p-140, 3e38}
	shapes := [][3]int{{4, 1, 3}, {1, 3, 4}, {1, 1, 1}, {3, 1, 4}, {1, 1, 200}, {1, 2, 128}, {2, 1, 129}, {5, 7, 6}, {17, 3, 5}, {3, 17, 5}, {16, 16, 1}, {7, 6, 6},
		{16, 32, 1}, {16, 32, 7}, {21, 50, 130}, {32, 80, 33}, {48, 64, 300}, {6, 32, 5}, {6, 70, 140}, {4, 48, 9}}
	coef := [][2]float32{{1, 0}, {1, 1}, {-0.5, 0}, {2, -1.5}, {0.25, 1}, {1, float32(math.Copysign(0, -1))}}
	checked := 0
	for _, mk := range kernels {
		for _, s := range shapes {
			for _, tA := range []bool{false, true} {
				for _, tB := range []bool{false, true} {
					for _, ab := range coef {
						tc := gemmCase{tA, tB, s[0], s[1], s[2], r.IntN(3), float64(ab[0]), float64(ab[1])}
						ar, ac, lda, br, bc, ldb, ldc := tc.dims()
						a := randSlice[float32](r, matLen(ar, ac, lda))
						b := randSlice[float32](r, matLen(br, bc, ldb))
						c1 := randSlice[float32](r, matLen(tc.m, tc.n, ldc))
						if r.IntN(2) == 0 {
							a[r.IntN(len(a))] = special[r.IntN(len(special))]
							b[r.IntN(len(b))] = special[r.IntN(len(special))]
							c1[r.IntN(len(c1))] = special[r.IntN(len(special))]
						}
						c2 := append([]float32(nil), c1...)
						g1 := gemmProblem[float32]{transA: tA, transB: tB, m: tc.m, n: tc.n, k: tc.k, alpha: ab[0], beta: ab[1], a: a, lda: lda, b: b, ldb: ldb, c: c1, ldc: ldc, mk: mk}
						g2 := g1
						g2.c = c2
						g1.direct(0, tc.m, 0, tc.n)
						g2.blocked(0, tc.m, 0, tc.n, new(gemmWorkspace[float32]))
						for i := range c1 {
							if math.Float32bits(c1[i]) != math.Float32bits(c2[i]) && !(c1[i] != c1[i] && c2[i] != c2[i]) {
								t.Fatalf("mr %d: %v: direct and the packed path differ at %d: %v vs %v", mk.mr, tc, i, c1[i], c2[i])
							}
						}
						checked++
					}
				}
			}
		}
	}
	t.Logf("%d products compared", checked)
}
