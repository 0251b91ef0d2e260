package kernel

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// gemmCase is one GEMM test problem; pad is added to each leading dimension.
type gemmCase struct {
	transA, transB bool
	m, n, k        int
	pad            int
	alpha, beta    float64
}

func (tc gemmCase) String() string {
	return fmt.Sprintf("tA=%v tB=%v m=%d n=%d k=%d pad=%d alpha=%g beta=%g",
		tc.transA, tc.transB, tc.m, tc.n, tc.k, tc.pad, tc.alpha, tc.beta)
}

// operands returns stored shapes and leading dimensions.
func (tc gemmCase) dims() (ar, ac, lda, br, bc, ldb, ldc int) {
	ar, ac = tc.m, tc.k
	if tc.transA {
		ar, ac = tc.k, tc.m
	}
	br, bc = tc.k, tc.n
	if tc.transB {
		br, bc = tc.n, tc.k
	}
	return ar, ac, ac + tc.pad, br, bc, bc + tc.pad, tc.n + tc.pad
}

// matLen is the exact slice length for rows×cols with stride ld (the last
// row is not padded, to catch reads past the end).
func matLen(rows, cols, ld int) int {
	if rows == 0 || cols == 0 {
		return 0
	}
	return (rows-1)*ld + cols
}

func randSlice[T float](r *rand.Rand, n int) []T {
	s := make([]T, n)
	for i := range s {
		s[i] = T(2*r.Float64() - 1)
	}
	return s
}

// gemmRef computes the exact-ish result in float64 and an error scale
// |alpha|·Σ|a||b| + |beta·c| for each element.
func gemmRef[T float](tc gemmCase, a, b, c []T) (want, scale []float64) {
	_, _, lda, _, _, ldb, ldc := tc.dims()
	want = make([]float64, len(c))
	scale = make([]float64, len(c))
	for i := range c {
		want[i] = float64(c[i])
	}
	for i := range tc.m {
		for j := range tc.n {
			var s, sa float64
			for p := range tc.k {
				var x, y float64
				if tc.transA {
					x = float64(a[p*lda+i])
				} else {
					x = float64(a[i*lda+p])
				}
				if tc.transB {
					y = float64(b[j*ldb+p])
				} else {
					y = float64(b[p*ldb+j])
				}
				s += x * y
				sa += math.Abs(x * y)
			}
			idx := i*ldc + j
			old := float64(c[idx])
			if tc.beta == 0 {
				want[idx] = tc.alpha * s
				scale[idx] = math.Abs(tc.alpha) * sa
			} else {
				want[idx] = tc.alpha*s + tc.beta*old
				scale[idx] = math.Abs(tc.alpha)*sa + math.Abs(tc.beta*old)
			}
		}
	}
	return want, scale
}

type gemmFunc[T float] func(transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int)

// checkGemmCase runs one case through gemm and compares with gemmRef.
func checkGemmCase[T float](t *testing.T, r *rand.Rand, tc gemmCase, gemm gemmFunc[T], eps float64, nanC bool) {
	t.Helper()
	ar, ac, lda, br, bc, ldb, ldc := tc.dims()
	a := randSlice[T](r, matLen(ar, ac, lda))
	b := randSlice[T](r, matLen(br, bc, ldb))
	c := randSlice[T](r, matLen(tc.m, tc.n, ldc))
	if nanC {
		for i := range c {
			c[i] = T(math.NaN())
		}
	}
	// Padding between rows of C must be left alone.
	const sentinel = 12345
	for i := range tc.m {
		for j := tc.n; j < ldc && i*ldc+j < len(c); j++ {
			c[i*ldc+j] = sentinel
		}
	}
	want, scale := gemmRef(tc, a, b, c)
	gemm(tc.transA, tc.transB, tc.m, tc.n, tc.k, T(tc.alpha), a, lda, b, ldb, T(tc.beta), c, ldc)
	bad := 0
	for i := range tc.m {
		for j := range ldc {
			idx := i*ldc + j
			if idx >= len(c) {
				break
			}
			got := float64(c[idx])
			if j >= tc.n {
				if got != sentinel {
					t.Fatalf("%v: padding C[%d,%d] overwritten with %v", tc, i, j, got)
				}
				continue
			}
			tol := 2 * float64(tc.k+2) * eps * scale[idx]
			if d := math.Abs(got - want[idx]); !(d <= tol) {
				if bad++; bad <= 5 {
					t.Errorf("%v: C[%d,%d] = %v, want %v (diff %g > tol %g)", tc, i, j, got, want[idx], d, tol)
				}
			}
		}
	}
	if bad > 0 {
		t.Fatalf("%v: %d bad elements", tc, bad)
	}
}

func gemmCases(r *rand.Rand) []gemmCase {
	var cases []gemmCase
	sizes := []int{0, 1, 2, 3, 4, 5, 7, 8, 9, 13, 16, 17, 31, 33, 64, 65}
	coef := [][2]float64{{1, 0}, {1, 1}, {-0.5, 0}, {2, -1.5}, {0.25, 1}, {0, 0.5}, {0, 0}}
	for _, tA := range []bool{false, true} {
		for _, tB := range []bool{false, true} {
			// Small exhaustive-ish grid.
			for _, m := range []int{0, 1, 2, 3, 5, 7, 9} {
				for _, n := range []int{0, 1, 2, 3, 4, 6} {
					for _, k := range []int{0, 1, 2, 3, 5, 8} {
						ab := coef[r.IntN(len(coef))]
						cases = append(cases, gemmCase{tA, tB, m, n, k, r.IntN(3), ab[0], ab[1]})
					}
				}
			}
			// Random medium shapes.
			for range 40 {
				m, n, k := sizes[r.IntN(len(sizes))], sizes[r.IntN(len(sizes))], sizes[r.IntN(len(sizes))]
				ab := coef[r.IntN(len(coef))]
				cases = append(cases, gemmCase{tA, tB, m, n, k, r.IntN(5), ab[0], ab[1]})
			}
			// Shapes that cross the blocking sizes and the parallel threshold.
			for _, s := range [][3]int{
				{129, 131, 257}, {1, 300, 600}, {300, 1, 600}, {257, 1030, 3},
				{64, 256, 784}, {130, 2, 513}, {2, 130, 513}, {67, 1100, 70},
			} {
				ab := coef[r.IntN(len(coef)-2)]
				cases = append(cases, gemmCase{tA, tB, s[0], s[1], s[2], r.IntN(4), ab[0], ab[1]})
			}
		}
	}
	return cases
}

// forEachImpl runs f as a subtest with each implementation this CPU and
// build can run (AVX-512, AVX2, purego) made the active one.
func forEachImpl(t *testing.T, f func(t *testing.T)) {
	saved := impl
	defer func() { impl = saved }()
	for _, im := range implementations() {
		impl = im
		t.Run(im.name, f)
	}
}

func TestGemm32(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(1, 2))
		for i, tc := range gemmCases(r) {
			checkGemmCase(t, r, tc, Gemm32, 0x1p-24, tc.beta == 0 && i%2 == 0)
		}
	})
}

// TestGemm32Large checks shapes that cross every blocking size of the
// assembly kernels (depth blocks, row and column blocks, edge tiles in both
// directions, the parallel split) against the float64 reference.
func TestGemm32Large(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(21, 22))
		shapes := [][3]int{{17, 33, 1}, {16, 16, 16}, {6, 16, 5}, {31, 47, 300}, {200, 150, 513},
			{97, 1100, 40}, {1030, 70, 45}, {258, 259, 260}, {64, 10, 256}, {4, 1, 3}, {1, 700, 300}, {700, 1, 300},
			// More columns than one block of gemmNC, on one core.
			{3, 2100, 50}, {7, 2100, 30}}
		if testing.Short() {
			shapes = shapes[:6]
		}
		for _, s := range shapes {
			for _, tA := range []bool{false, true} {
				for _, tB := range []bool{false, true} {
					tc := gemmCase{tA, tB, s[0], s[1], s[2], r.IntN(3), []float64{1, 0.5, -2}[r.IntN(3)], []float64{0, 1, 0.25}[r.IntN(3)]}
					checkGemmCase(t, r, tc, Gemm32, 0x1p-24, false)
				}
			}
		}
	})
}

func TestGemm64(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i, tc := range gemmCases(r) {
		checkGemmCase(t, r, tc, Gemm64, 0x1p-53, tc.beta == 0 && i%2 == 0)
	}
}

// TestGemmBetaZeroNaN checks that beta == 0 overwrites NaN and Inf in C,
// on both the direct and the packed paths and with alpha == 0.
func TestGemmBetaZeroNaN(t *testing.T) { forEachImpl(t, testGemmBetaZeroNaN) }

func testGemmBetaZeroNaN(t *testing.T) {
	for _, s := range [][3]int{{2, 3, 4}, {40, 50, 60}, {3, 3, 0}} {
		for _, alpha := range []float32{0, 1} {
			m, n, k := s[0], s[1], s[2]
			a := make([]float32, m*k)
			b := make([]float32, k*n)
			for i := range a {
				a[i] = 1
			}
			for i := range b {
				b[i] = 2
			}
			c := make([]float32, m*n)
			for i := range c {
				c[i] = float32(math.NaN())
			}
			c[0] = float32(math.Inf(1))
			Gemm32(false, false, m, n, k, alpha, a, max(k, 1), b, n, 0, c, n)
			want := float32(2*k) * alpha
			for i, v := range c {
				if v != want {
					t.Fatalf("m,n,k=%v alpha=%v: c[%d]=%v, want %v", s, alpha, i, v, want)
				}
			}
		}
	}
}

// TestGemmDirectMatchesBlocked checks that the unpacked small-problem path,
// the matrix-vector path and the packed path give the same bits, so the choice between them (by
// size) is invisible.
func TestGemmDirectMatchesBlocked(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, tc := range gemmCases(r) {
		if tc.m == 0 || tc.n == 0 || tc.k == 0 || tc.alpha == 0 {
			continue
		}
		ar, ac, lda, br, bc, ldb, ldc := tc.dims()
		a := randSlice[float32](r, matLen(ar, ac, lda))
		b := randSlice[float32](r, matLen(br, bc, ldb))
		c1 := randSlice[float32](r, matLen(tc.m, tc.n, ldc))
		c0 := append([]float32(nil), c1...)
		c2 := append([]float32(nil), c1...)
		g1 := gemmProblem[float32]{transA: tc.transA, transB: tc.transB, m: tc.m, n: tc.n, k: tc.k, alpha: float32(tc.alpha), beta: float32(tc.beta), a: a, lda: lda, b: b, ldb: ldb, c: c1, ldc: ldc, mk: micro32}
		g2 := g1
		g2.c = c2
		g1.direct(0, tc.m, 0, tc.n)
		g2.blocked(0, tc.m, 0, tc.n, new(gemmWorkspace[float32]))
		for i := range c1 {
			if math.Float32bits(c1[i]) != math.Float32bits(c2[i]) {
				t.Fatalf("%v: direct and blocked differ at %d: %v vs %v", tc, i, c1[i], c2[i])
			}
		}
		if tc.m == 1 || tc.n == 1 {
			c3 := append([]float32(nil), c0...)
			g3 := g1
			g3.c = c3
			g3.gemv(new(gemmWorkspace[float32]))
			for i := range c1 {
				if math.Float32bits(c1[i]) != math.Float32bits(c3[i]) {
					t.Fatalf("%v: direct and gemv differ at %d: %v vs %v", tc, i, c1[i], c3[i])
				}
			}
		}
	}
}

func TestGemmPanics(t *testing.T) {
	a := make([]float32, 6)
	for _, f := range []func(){
		func() { Gemm32(false, false, -1, 2, 3, 1, a, 3, a, 2, 0, a, 2) },
		func() { Gemm32(false, false, 2, 2, 3, 1, a, 2, a, 2, 0, a, 2) },     // lda < k
		func() { Gemm32(false, false, 2, 2, 3, 1, a, 3, a, 2, 0, a[:3], 2) }, // c short
		func() { Gemm32(true, false, 2, 2, 4, 1, a, 2, a, 2, 0, a, 2) },      // a short (4×2)
		func() { Gemm32(false, true, 2, 3, 3, 1, a, 3, a, 3, 0, a, 3) },      // b short (3×3)
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("expected panic")
				}
			}()
			f()
		}()
	}
}

// gemmChecksum hashes the bits of a fixed set of GEMM results. The inputs
// come from a fixed PCG stream, so the hash pins the arithmetic.
func gemmChecksum() (uint64, uint64) {
	h32, h64 := fnv.New64a(), fnv.New64a()
	r := rand.New(rand.NewPCG(7, 8))
	var buf [8]byte
	for _, s := range [][3]int{{3, 5, 7}, {64, 256, 784}, {784, 256, 64}, {129, 131, 600}, {200, 300, 100}, {1, 300, 500}, {300, 1, 500}, {1, 1, 1000}} {
		for _, tA := range []bool{false, true} {
			for _, tB := range []bool{false, true} {
				tc := gemmCase{tA, tB, s[0], s[1], s[2], 1, 0.75, -0.5}
				ar, ac, lda, br, bc, ldb, ldc := tc.dims()
				a := randSlice[float64](r, matLen(ar, ac, lda))
				b := randSlice[float64](r, matLen(br, bc, ldb))
				c := randSlice[float64](r, matLen(tc.m, tc.n, ldc))
				a32, b32, c32 := to32(a), to32(b), to32(c)
				Gemm64(tA, tB, tc.m, tc.n, tc.k, tc.alpha, a, lda, b, ldb, tc.beta, c, ldc)
				Gemm32(tA, tB, tc.m, tc.n, tc.k, float32(tc.alpha), a32, lda, b32, ldb, float32(tc.beta), c32, ldc)
				for i := range c {
					u := math.Float64bits(c[i])
					for j := range buf {
						buf[j] = byte(u >> (8 * j))
					}
					h64.Write(buf[:])
					v := math.Float32bits(c32[i])
					for j := range 4 {
						buf[j] = byte(v >> (8 * j))
					}
					h32.Write(buf[:4])
				}
			}
		}
	}
	return h32.Sum64(), h64.Sum64()
}

func to32(x []float64) []float32 {
	y := make([]float32, len(x))
	for i, v := range x {
		y[i] = float32(v)
	}
	return y
}

// TestGemmDeterministicGOMAXPROCS checks bit-identical results at
// GOMAXPROCS 1, 2 and 8.
func TestGemmDeterministicGOMAXPROCS(t *testing.T) { forEachImpl(t, testGemmDeterministicGOMAXPROCS) }

func testGemmDeterministicGOMAXPROCS(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	var ref32, ref64 uint64
	for i, procs := range []int{1, 2, 8} {
		runtime.GOMAXPROCS(procs)
		h32, h64 := gemmChecksum()
		if i == 0 {
			ref32, ref64 = h32, h64
			continue
		}
		if h32 != ref32 || h64 != ref64 {
			t.Errorf("GOMAXPROCS=%d: checksums %#x %#x, want %#x %#x (GOMAXPROCS=1)", procs, h32, h64, ref32, ref64)
		}
	}
}

// Golden checksums of gemmChecksum. Every implementation gives these bits ("one arithmetic", see
// the package doc), at every GOAMD64 level and on every GOARCH: the float32 one was first computed
// by the AVX-512 and AVX2 assembly kernels, whose fused multiply-adds are the CPU's; the float64
// one by the portable kernel with math.FMA. Run `GOAMD64=v3 go test` and `go test -tags purego`
// to check the other builds.
const (
	goldenGemm32 = 0x29424bbe9214a023
	goldenGemm64 = 0x29dad5642162c91e
)

func TestGemmGolden(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		h32, h64 := gemmChecksum()
		if h32 != goldenGemm32 || h64 != goldenGemm64 {
			t.Errorf("checksums %#x %#x, want %#x %#x", h32, h64, uint64(goldenGemm32), uint64(goldenGemm64))
		}
	})
}

func TestGemmPartition(t *testing.T) {
	for _, s := range [][3]int{{64, 256, 784}, {784, 256, 64}, {64, 784, 256}, {1024, 1024, 1024}, {10, 10, 10}, {1, 5000, 100}} {
		m, n, k := s[0], s[1], s[2]
		tasks, splitM, chunk := micro32.partition(m, n, k)
		dim, tile := n, micro32.nr
		if splitM {
			dim, tile = m, micro32.mr
		}
		if tasks < 1 || tasks > gemmMaxTasks || (tasks-1)*chunk >= dim || tasks*chunk < dim || (tasks > 1 && chunk%tile != 0) {
			t.Errorf("%v: bad partition tasks=%d splitM=%v chunk=%d", s, tasks, splitM, chunk)
		}
	}
}

func TestName(t *testing.T) {
	list := implementations()
	if list[len(list)-1].name != "purego" {
		t.Errorf("last implementation %q, want purego", list[len(list)-1].name)
	}
	found := false
	for _, im := range list {
		found = found || im.name == Name()
	}
	if !found {
		t.Errorf("Name() = %q, not among the implementations", Name())
	}
	t.Logf("active kernel implementation: %s", Name())
}

// TestGemmAsmPartitionInvariance checks, for each fused (assembly)
// micro-kernel, that computing C in arbitrary row or column panels gives
// the same bits as computing it whole: the property the parallel split
// relies on.
func TestGemmAsmPartitionInvariance(t *testing.T) {
	for _, im := range implementations() {
		if im.name == "purego" {
			continue
		}
		t.Run(im.name, func(t *testing.T) {
			saved := impl
			defer func() { impl = saved }()
			impl = im
			r := rand.New(rand.NewPCG(19, 20))
			for range 30 {
				tc := gemmCase{r.IntN(2) == 0, r.IntN(2) == 0, 1 + r.IntN(150), 1 + r.IntN(150), 1 + r.IntN(700), r.IntN(3), 1.5, 0.5}
				ar, ac, lda, br, bc, ldb, ldc := tc.dims()
				a := randSlice[float32](r, matLen(ar, ac, lda))
				b := randSlice[float32](r, matLen(br, bc, ldb))
				c1 := randSlice[float32](r, matLen(tc.m, tc.n, ldc))
				c2 := append([]float32(nil), c1...)
				Gemm32(tc.transA, tc.transB, tc.m, tc.n, tc.k, 1.5, a, lda, b, ldb, 0.5, c1, ldc)
				split := r.IntN(2) == 0
				for i0 := 0; i0 < tc.m; {
					i1 := min(tc.m, i0+1+r.IntN(40))
					if !split {
						i1 = tc.m
					}
					for j0 := 0; j0 < tc.n; {
						j1 := min(tc.n, j0+1+r.IntN(40))
						if split {
							j1 = tc.n
						}
						aa := a[i0*lda:]
						if tc.transA {
							aa = a[i0:]
						}
						bb := b[j0:]
						if tc.transB {
							bb = b[j0*ldb:]
						}
						Gemm32(tc.transA, tc.transB, i1-i0, j1-j0, tc.k, 1.5, aa, lda, bb, ldb, 0.5, c2[i0*ldc+j0:], ldc)
						j0 = j1
					}
					i0 = i1
				}
				for i := range c1 {
					if math.Float32bits(c1[i]) != math.Float32bits(c2[i]) {
						t.Fatalf("%v: panel split changed C[%d]: %v vs %v", tc, i, c1[i], c2[i])
					}
				}
			}
		})
	}
}

// TestGemmPartitionInvariance checks the property the parallel split relies
// on: computing C in arbitrary row or column panels gives the same bits as
// computing it whole.
func TestGemmPartitionInvariance(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	for range 40 {
		tc := gemmCase{r.IntN(2) == 0, r.IntN(2) == 0, 1 + r.IntN(150), 1 + r.IntN(150), 1 + r.IntN(700), r.IntN(3), 1.5, 0.5}
		ar, ac, lda, br, bc, ldb, ldc := tc.dims()
		a := randSlice[float64](r, matLen(ar, ac, lda))
		b := randSlice[float64](r, matLen(br, bc, ldb))
		c1 := randSlice[float64](r, matLen(tc.m, tc.n, ldc))
		c2 := append([]float64(nil), c1...)
		g := gemmProblem[float64]{transA: tc.transA, transB: tc.transB, m: tc.m, n: tc.n, k: tc.k, alpha: tc.alpha, beta: tc.beta, a: a, lda: lda, b: b, ldb: ldb, c: c1, ldc: ldc, mk: micro64}
		g.blocked(0, tc.m, 0, tc.n, new(gemmWorkspace[float64]))
		g.c = c2
		ws := new(gemmWorkspace[float64])
		if r.IntN(2) == 0 {
			for i0 := 0; i0 < tc.m; {
				i1 := min(tc.m, i0+1+r.IntN(40))
				g.blocked(i0, i1, 0, tc.n, ws)
				i0 = i1
			}
		} else {
			for j0 := 0; j0 < tc.n; {
				j1 := min(tc.n, j0+1+r.IntN(40))
				g.blocked(0, tc.m, j0, j1, ws)
				j0 = j1
			}
		}
		for i := range c1 {
			if math.Float64bits(c1[i]) != math.Float64bits(c2[i]) {
				t.Fatalf("%v: panel split changed C[%d]: %v vs %v", tc, i, c1[i], c2[i])
			}
		}
	}
}

// TestGemm32Exact uses small integer operands, whose products and sums are
// exact in float32, so every implementation must match the reference
// exactly: a dropped, repeated or misplaced term cannot hide in a
// rounding tolerance.
func TestGemm32Exact(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		r := rand.New(rand.NewPCG(31, 32))
		for range 150 {
			tc := gemmCase{r.IntN(2) == 0, r.IntN(2) == 0, 1 + r.IntN(70), 1 + r.IntN(70), 1 + r.IntN(600), r.IntN(3), 1, []float64{0, 1, 2}[r.IntN(3)]}
			if r.IntN(8) == 0 {
				tc.m, tc.n = 100+r.IntN(300), 100+r.IntN(300)
			}
			ar, ac, lda, br, bc, ldb, ldc := tc.dims()
			ints := func(n int) []float32 {
				s := make([]float32, n)
				for i := range s {
					s[i] = float32(r.IntN(7) - 3)
				}
				return s
			}
			a, b, c := ints(matLen(ar, ac, lda)), ints(matLen(br, bc, ldb)), ints(matLen(tc.m, tc.n, ldc))
			want, _ := gemmRef(tc, a, b, c)
			Gemm32(tc.transA, tc.transB, tc.m, tc.n, tc.k, 1, a, lda, b, ldb, float32(tc.beta), c, ldc)
			for i := range tc.m {
				for j := range tc.n {
					if got := float64(c[i*ldc+j]); got != want[i*ldc+j] {
						t.Fatalf("%v: C[%d,%d] = %v, want %v", tc, i, j, got, want[i*ldc+j])
					}
				}
			}
		}
	})
}

// TestGemmLargeOperandsAnyGOMAXPROCS covers products whose shared operand
// is too large to pack whole, where C is cut into one panel per
// participant of the parallel loop, so the cut depends on GOMAXPROCS: the
// results must still be correct and bit-identical at GOMAXPROCS 1, 2, 3
// and 8.
func TestGemmLargeOperandsAnyGOMAXPROCS(t *testing.T) {
	forEachImpl(t, func(t *testing.T) {
		if testing.Short() && Name() == "purego" {
			t.Skip("slow with the portable kernel in -short mode")
		}
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
		r := rand.New(rand.NewPCG(31, 32))
		for _, tc := range []gemmCase{
			// Rows cut: wider than gemmFullN.
			{false, true, 1100, 1030, 20, 1, 1, 0},
			// Columns cut: op(A) beyond gemmSharedPack elements.
			{true, false, 260, 270, 4100, 0, 0.5, 0.25},
		} {
			runtime.GOMAXPROCS(2)
			checkGemmCase(t, r, tc, Gemm32, 0x1p-24, false)
			ar, ac, lda, br, bc, ldb, ldc := tc.dims()
			a := randSlice[float32](r, matLen(ar, ac, lda))
			b := randSlice[float32](r, matLen(br, bc, ldb))
			c0 := randSlice[float32](r, matLen(tc.m, tc.n, ldc))
			var ref []float32
			for _, procs := range []int{1, 2, 3, 8} {
				runtime.GOMAXPROCS(procs)
				c := append([]float32(nil), c0...)
				Gemm32(tc.transA, tc.transB, tc.m, tc.n, tc.k, float32(tc.alpha), a, lda, b, ldb, float32(tc.beta), c, ldc)
				if ref == nil {
					ref = c
					continue
				}
				for i := range c {
					if math.Float32bits(c[i]) != math.Float32bits(ref[i]) {
						t.Fatalf("%v: GOMAXPROCS=%d: c[%d] = %v, want %v (GOMAXPROCS=1)", tc, procs, i, c[i], ref[i])
					}
				}
			}
		}
	})
}

// TestGemmAccumulate32 checks GemmAccumulate32 on every implementation:
// where it accumulates, C ends as exactly C + P (P the product computed by
// Gemm32 with beta 0), with -0 and NaN in C and zero products; it does so
// for the weight gradients of the MLP's first layer at batch 64 and 256 and
// other large C of one depth block, and declines (leaving C untouched) for
// a small C, a depth of several blocks and k = 0.
func TestGemmAccumulate32(t *testing.T) {
	forEachImpl(t, func(t *testing.T) { testGemmAccumulate(t, GemmAccumulate32, Gemm32) })
}

// TestGemmAccumulate64 is TestGemmAccumulate32 for GemmAccumulate64.
func TestGemmAccumulate64(t *testing.T) {
	forEachImpl(t, func(t *testing.T) { testGemmAccumulate(t, GemmAccumulate64, Gemm64) })
}

func testGemmAccumulate[T float](t *testing.T,
	accumulate func(transA, transB bool, m, n, k int, a []T, lda int, b []T, ldb int, c []T, ldc int) bool,
	gemm func(transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int)) {
	{
		r := rand.New(rand.NewPCG(31, 32))
		shapes := []struct {
			m, n, k int
			acc     bool
		}{
			{256, 784, 64, true}, {256, 784, 256, true}, {512, 256, 100, true}, {300, 500, 7, true},
			{1, 1 << 17, 3, true}, {1 << 17, 1, 5, true}, {515, 257, 1, true},
			{3, 5, 7, false}, {256, 256, 64, false}, {600, 600, 5000, false}, {400, 400, 0, false},
		}
		for _, s := range shapes {
			m, n, k := s.m, s.n, s.k
			for _, tA := range []bool{false, true} {
				a := randSlice[T](r, m*k)
				b := randSlice[T](r, k*n)
				lda := k
				if tA {
					lda = m
				}
				lda = max(lda, 1)
				// A zero first row of op(A) makes zero products, whose
				// sign the addition to C decides.
				for p := range k {
					i := p
					if tA {
						i = p * m
					}
					a[i] = T(math.Copysign(0, float64(a[i])))
				}
				c0 := randSlice[T](r, m*n)
				c0[0] = T(math.Copysign(0, -1))
				if m*n > 1 {
					c0[1] = T(math.NaN())
				}
				got := append([]T(nil), c0...)
				did := accumulate(tA, false, m, n, k, a, lda, b, n, got, n)
				if did != s.acc {
					t.Fatalf("%dx%dx%d transA=%v: accumulated %v, want %v", m, n, k, tA, did, s.acc)
				}
				p := make([]T, m*n)
				if did {
					gemm(tA, false, m, n, k, 1, a, lda, b, n, 0, p, n)
				}
				for i := range got {
					want := c0[i] + p[i]
					if !did {
						want = c0[i]
					}
					if !sameBits(got[i], want) && !(got[i] != got[i] && want != want) {
						t.Fatalf("%dx%dx%d transA=%v accumulated=%v: c[%d] = %v, want %v (C %v, P %v)", m, n, k, tA, did, i, got[i], want, c0[i], p[i])
					}
				}
			}
		}
	}
}
