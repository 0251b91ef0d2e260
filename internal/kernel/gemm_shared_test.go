package kernel

import (
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// TestGemmSharedPackBits checks the products whose shared operand is packed once for all
// participants (parallelRowsShared, parallelColsShared) against blocked on one core, with the
// portable micro-kernels: bit for bit at GOMAXPROCS 1, 2, 3 and 8, and when the parallel loop runs
// serially on the caller (another loop holds the pool), which then packs every piece of every
// block itself. Shapes have edge tiles in both directions, depth blocks of several lengths,
// padded leading dimensions, every transposition and every kind of beta; one pool serves every
// call, so its shared buffer is reused at other sizes.
func TestGemmSharedPackBits(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	r := rand.New(rand.NewPCG(41, 42))
	var pool wsPool
	for _, tc := range []gemmCase{
		{false, false, 150, 90, 300, 0, 1, 0},
		{true, true, 77, 131, 520, 2, 0.5, 0.25},
		{false, true, 64, 200, 40, 1, 1.5, 1},
		{true, false, 33, 9, 700, 0, -1, 0.5},
		{false, false, 5, 3, 1, 0, 2, 0},
	} {
		ar, ac, lda, br, bc, ldb, ldc := tc.dims()
		a := randSlice[float64](r, matLen(ar, ac, lda))
		b := randSlice[float64](r, matLen(br, bc, ldb))
		c0 := randSlice[float64](r, matLen(tc.m, tc.n, ldc))
		a32, b32, c032 := to32(a), to32(b), to32(c0)
		g := gemmProblem[float64]{transA: tc.transA, transB: tc.transB, m: tc.m, n: tc.n, k: tc.k, alpha: tc.alpha, beta: tc.beta,
			a: a, lda: lda, b: b, ldb: ldb, ldc: ldc, mk: micro64}
		g32 := gemmProblem[float32]{transA: tc.transA, transB: tc.transB, m: tc.m, n: tc.n, k: tc.k, alpha: float32(tc.alpha), beta: float32(tc.beta),
			a: a32, lda: lda, b: b32, ldb: ldb, ldc: ldc, mk: micro32}
		g.c = append([]float64(nil), c0...)
		g.blocked(0, tc.m, 0, tc.n, new(gemmWorkspace[float64]))
		want := g.c
		g32.c = append([]float32(nil), c032...)
		g32.blocked(0, tc.m, 0, tc.n, new(gemmWorkspace[float32]))
		want32 := g32.c
		for _, procs := range []int{1, 2, 3, 8} {
			runtime.GOMAXPROCS(procs)
			for _, rows := range []bool{true, false} {
				for _, serial := range []bool{false, true} {
					g.c = append([]float64(nil), c0...)
					g32.c = append([]float32(nil), c032...)
					if serial {
						workers.submit.Lock()
					}
					if rows {
						g.parallelRowsShared(&pool, 8)
						g32.parallelRowsShared(&pool32Test, 8)
					} else {
						g.parallelColsShared(&pool, 8)
						g32.parallelColsShared(&pool32Test, 8)
					}
					if serial {
						workers.submit.Unlock()
					}
					for i := range want {
						if math.Float64bits(g.c[i]) != math.Float64bits(want[i]) {
							t.Fatalf("%v GOMAXPROCS=%d rows=%v serial=%v: float64 C[%d] = %v, want %v", tc, procs, rows, serial, i, g.c[i], want[i])
						}
						if math.Float32bits(g32.c[i]) != math.Float32bits(want32[i]) {
							t.Fatalf("%v GOMAXPROCS=%d rows=%v serial=%v: float32 C[%d] = %v, want %v", tc, procs, rows, serial, i, g32.c[i], want32[i])
						}
					}
				}
			}
		}
	}
}

// pool32Test is the float32 workspace pool of TestGemmSharedPackBits.
var pool32Test wsPool
