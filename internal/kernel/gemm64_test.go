package kernel

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// gemm64Bits runs Gemm64 with implementation im on copies of the operands and returns C.
func gemm64Bits(im implementation, tc gemmCase, a, b, c []float64) []float64 {
	saved := impl
	defer func() { impl = saved }()
	impl = im
	_, _, lda, _, _, ldb, ldc := tc.dims()
	out := append([]float64(nil), c...)
	Gemm64(tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, out, ldc)
	return out
}

// gemm64CrossCases are float64 GEMM shapes around the tiles of every micro-kernel (4×2 portable,
// 6×8 AVX2, 8×16 AVX-512), the depth unroll and blocks (4, 128, 256), the direct path and the
// parallel split, with every transpose and several alpha and beta (beta == 0 with a C full of
// NaN, which must be overwritten).
func gemm64CrossCases(r *rand.Rand) []gemmCase {
	coef := [][2]float64{{1, 0}, {1, 1}, {-0.5, 0}, {2, -1.5}, {0.25, 1}, {1, -0.75}, {0, 0.5}}
	ms := []int{1, 2, 5, 6, 7, 8, 9, 12, 13, 16, 17, 23, 24, 25, 64}
	ns := []int{1, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 48}
	ks := []int{1, 2, 3, 4, 5, 9, 128, 129, 300}
	var cases []gemmCase
	for _, tA := range []bool{false, true} {
		for _, tB := range []bool{false, true} {
			for range 60 {
				ab := coef[r.IntN(len(coef))]
				cases = append(cases, gemmCase{tA, tB, ms[r.IntN(len(ms))], ns[r.IntN(len(ns))], ks[r.IntN(len(ks))], r.IntN(4), ab[0], ab[1]})
			}
			for _, s := range [][3]int{{64, 256, 784}, {256, 784, 64}, {97, 130, 600}, {300, 41, 2100}, {1, 200, 300}, {200, 1, 300}} {
				ab := coef[r.IntN(len(coef)-1)]
				cases = append(cases, gemmCase{tA, tB, s[0], s[1], s[2], r.IntN(3), ab[0], ab[1]})
			}
		}
	}
	return cases
}

// TestGemm64CrossImplementation requires bit-for-bit identical float64 products from every
// implementation this CPU and build can run (the AVX-512 and AVX2 double-precision micro-kernels
// against the portable one), at GOMAXPROCS 1 and 2.
func TestGemm64CrossImplementation(t *testing.T) {
	list := implementations()
	if len(list) < 2 {
		t.Skipf("only %q available: nothing to compare", list[0].name)
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	r := rand.New(rand.NewPCG(64, 19))
	for _, tc := range gemm64CrossCases(r) {
		ar, ac, lda, br, bc, ldb, ldc := tc.dims()
		a := randSlice[float64](r, matLen(ar, ac, lda))
		b := randSlice[float64](r, matLen(br, bc, ldb))
		c := randSlice[float64](r, matLen(tc.m, tc.n, ldc))
		if tc.beta == 0 {
			for i := range c {
				c[i] = math.NaN()
			}
		}
		runtime.GOMAXPROCS(1 + r.IntN(2))
		want := gemm64Bits(list[len(list)-1], tc, a, b, c) // purego
		for _, im := range list[:len(list)-1] {
			got := gemm64Bits(im, tc, a, b, c)
			for i := range got {
				if math.Float64bits(got[i]) != math.Float64bits(want[i]) {
					t.Fatalf("%s %v: c[%d] = %v (%#x), purego %v (%#x)", im.name, tc, i, got[i], math.Float64bits(got[i]), want[i], math.Float64bits(want[i]))
				}
			}
		}
	}
}

// TestVector64CrossImplementation requires the float64 element-wise kernels (Add64, Sub64, Mul64,
// Div64, ReLU64, ReLUForward64, ReLUBackward64) of every implementation to give the portable ones'
// bits, special values included.
func TestVector64CrossImplementation(t *testing.T) {
	list := implementations()
	ref := list[len(list)-1]
	r := rand.New(rand.NewPCG(64, 20))
	for _, im := range list[:len(list)-1] {
		for _, n := range []int{1, 3, 4, 5, 15, 16, 17, 33, 100} {
			x, y := specials[float64](r, n), specials[float64](r, n)
			for _, op := range []struct {
				name     string
				got, ref func(dst, x, y []float64)
			}{
				{"add", im.f64.add, ref.f64.add}, {"sub", im.f64.sub, ref.f64.sub},
				{"mul", im.f64.mul, ref.f64.mul}, {"div", im.f64.div, ref.f64.div},
				{"relu", func(d, x, _ []float64) { im.f64.relu(d, x) }, func(d, x, _ []float64) { ref.f64.relu(d, x) }},
				{"reluForward", func(d, x, _ []float64) { im.reluForward64(d, x) }, func(d, x, _ []float64) { ref.reluForward64(d, x) }},
				{"reluBackward", im.reluBackward64, ref.reluBackward64},
			} {
				got, want := make([]float64, n), make([]float64, n)
				op.got(got, x, y)
				op.ref(want, x, y)
				checkSame(t, im.name+" "+op.name, got, want)
			}
		}
	}
}
