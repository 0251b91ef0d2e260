package kernel

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestGemvMatchesPacked checks, with every implementation, that float32 and
// float64 products with m == 1 or n == 1 (the matrix-vector path, and its
// dots kernels where each output's terms are contiguous) give exactly the bits
// of the portable direct loop and of the implementation's own packed path
// (the same row or column of a product of two rows or columns): depths
// that are not multiples of the vector width or span several depth
// blocks, output counts around the 16- and 32-row groups, both transposes
// of each operand, padded leading dimensions, beta 0, 1 and other.
func TestGemvMatchesPacked(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(19, 2))
		ks := []int{1, 7, 15, 16, 17, 33, 112, 128, 129, 200, 784, 1030}
		outs := []int{1, 10, 16, 17, 31, 32, 33, 50, 64, 100, 256}
		if testing.Short() {
			ks = []int{15, 16, 129, 784}
			outs = []int{10, 16, 33, 256}
		}
		for _, k := range ks {
			for _, o := range outs {
				for variant := range 4 {
					for _, beta := range []float64{0, 1, 0.5} {
						alpha := 1.0
						if variant == 3 {
							alpha = -0.75
						}
						tc := gemmCase{m: 1, n: o, k: k, transA: variant&1 == 1, transB: variant&2 == 0, pad: 3 * (variant & 1), alpha: alpha, beta: beta}
						checkGemvCase(t, r, tc, Gemm32, micro32)
						checkGemvCase(t, r, tc, Gemm64, micro64)
						tc = gemmCase{m: o, n: 1, k: k, transA: variant&1 == 1, transB: variant&2 == 2, pad: 3 * (variant & 1), alpha: alpha, beta: beta}
						checkGemvCase(t, r, tc, Gemm32, micro32)
						checkGemvCase(t, r, tc, Gemm64, micro64)
					}
				}
			}
		}
	})
}

// checkGemvCase runs the matrix-vector case tc through gemm (Gemm32 or
// Gemm64) and compares it bit for bit with the portable direct loop (of
// micro, the portable micro-kernel of T) and with the packed path.
func checkGemvCase[T float](t *testing.T, r *rand.Rand, tc gemmCase,
	gemm func(transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int), micro *microKernel[T]) {
	t.Helper()
	ar, ac, lda, br, bc, ldb, ldc := tc.dims()
	a := randSlice[T](r, matLen(ar, ac, lda))
	b := randSlice[T](r, matLen(br, bc, ldb))
	// Some zero weights of either sign, so that signed zeros are checked.
	for i := 0; i < len(b); i += 7 {
		b[i] = T(math.Copysign(0, float64(i%2)-0.5))
	}
	c := randSlice[T](r, matLen(tc.m, tc.n, ldc))
	c0 := append([]T(nil), c...)
	alpha, beta := T(tc.alpha), T(tc.beta)
	gemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, alpha, a, lda, b, ldb, beta, c, ldc)

	want := append([]T(nil), c0...)
	g := gemmProblem[T]{transA: tc.transA, transB: tc.transB, m: tc.m, n: tc.n, k: tc.k, alpha: alpha, beta: beta, a: a, lda: lda, b: b, ldb: ldb, c: want, ldc: ldc, mk: micro}
	g.direct(0, tc.m, 0, tc.n)
	for i := range c {
		if !sameBits(c[i], want[i]) {
			t.Fatalf("%s %v: gemv and direct differ at %d: %v vs %v", impl.name, tc, i, c[i], want[i])
		}
	}

	// The packed path: the same product as the first row (m == 1) or
	// column (n == 1) of one with two, the second filled with other values.
	if tc.m == 1 {
		// op(A) becomes 2×k.
		a2, lda2 := make([]T, 2*tc.k), tc.k
		if tc.transA {
			lda2 = 2
		}
		for p := range tc.k {
			v := a[p]
			if tc.transA {
				v = a[p*lda]
			}
			if tc.transA {
				a2[p*2], a2[p*2+1] = v, T(r.Float64())
			} else {
				a2[p], a2[tc.k+p] = v, T(r.Float64())
			}
		}
		c2 := make([]T, 2*tc.n)
		copy(c2, c0[:tc.n])
		gemm(tc.transA, tc.transB, 2, tc.n, tc.k, alpha, a2, lda2, b, ldb, beta, c2, tc.n)
		for j := range tc.n {
			if !sameBits(c[j], c2[j]) {
				t.Fatalf("%s %v: gemv and packed differ at %d: %v vs %v", impl.name, tc, j, c[j], c2[j])
			}
		}
		return
	}
	// op(B) becomes k×2.
	b2, ldb2 := make([]T, 2*tc.k), 2
	if tc.transB {
		ldb2 = tc.k
	}
	for p := range tc.k {
		if tc.transB {
			v := b[p]
			b2[p], b2[tc.k+p] = v, T(r.Float64())
		} else {
			b2[2*p], b2[2*p+1] = b[p*ldb], T(r.Float64())
		}
	}
	c2 := make([]T, 2*tc.m)
	for i := range tc.m {
		c2[2*i] = c0[i*ldc]
	}
	gemm(tc.transA, tc.transB, tc.m, 2, tc.k, alpha, a, lda, b2, ldb2, beta, c2, 2)
	for i := range tc.m {
		if !sameBits(c[i*ldc], c2[2*i]) {
			t.Fatalf("%s %v: gemv and packed differ at row %d: %v vs %v", impl.name, tc, i, c[i*ldc], c2[2*i])
		}
	}
}
