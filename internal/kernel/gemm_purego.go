package kernel

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// Blocking of the portable GEMM (GotoBLAS/BLIS loop order). gemmKC is part of
// the numerical contract: each element of C is formed as
//
//	c = beta*c + alpha*s₀, then c = c + alpha*s₁, c = c + alpha*s₂, …
//
// where sᵢ is the sum, from zero in increasing k order, of the products in
// the i-th depth block of gemmKC. The other sizes only affect speed.
const (
	gemmKC = 256  // depth of a packed block
	gemmMC = 128  // rows of op(A) per packed block (rounded down to a multiple of mr)
	gemmNC = 1024 // columns of op(B) per packed block (rounded down to a multiple of nr)
)

// Parallel partition. Work (m*n*k) below gemmParallelWork is done on the
// calling goroutine. Above it C is cut into up to gemmMaxTasks panels along
// its longer side. The cut depends only on the shape, and since each
// element's arithmetic depends only on k (see gemmKC), results do not depend
// on GOMAXPROCS or on which goroutine computes which panel.
const (
	gemmParallelWork = 1 << 18
	gemmMaxTasks     = 4
	gemmTaskWork     = 1 << 19 // minimum work per task
)

// gemmSmallWork is the m*n*k below which packing is skipped and a direct
// loop with exactly the same per-element arithmetic is used instead.
const gemmSmallWork = 2048

// microKernel describes a register-tiled micro-kernel: fn sets acc (mr*nr
// values, row-major) to the products of a packed mr-row panel of A and a
// packed nr-column panel of B summed over kc steps, kc a positive multiple
// of microUnroll.
type microKernel[T float] struct {
	mr, nr int
	fn     func(kc int, a, b, acc []T)
}

// gemmWorkspace holds one task's packing buffers.
type gemmWorkspace[T float] struct {
	a, b, acc []T
}

var (
	pool32 sync.Pool // *gemmWorkspace[float32]
	pool64 sync.Pool // *gemmWorkspace[float64]
)

func getWorkspace[T float](pool *sync.Pool) *gemmWorkspace[T] {
	if ws, ok := pool.Get().(*gemmWorkspace[T]); ok {
		return ws
	}
	return new(gemmWorkspace[T])
}

// grow returns s resliced to n elements, reallocating if needed.
func grow[T float](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

// gemmProblem is one validated GEMM call.
type gemmProblem[T float] struct {
	transA, transB bool
	m, n, k        int
	alpha, beta    T
	a              []T
	lda            int
	b              []T
	ldb            int
	c              []T
	ldc            int
	mk             *microKernel[T]
}

// gemmDriver returns a complete GEMM built from a micro-kernel. pool caches
// packing buffers between calls.
func gemmDriver[T float](mk *microKernel[T], pool *sync.Pool) func(transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	return func(transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
		if m == 0 || n == 0 {
			return
		}
		if alpha == 0 || k == 0 {
			scaleMatrix(m, n, beta, c, ldc)
			return
		}
		g := gemmProblem[T]{transA, transB, m, n, k, alpha, beta, a, lda, b, ldb, c, ldc, mk}
		if m*n*k <= gemmSmallWork {
			g.direct(0, m, 0, n)
			return
		}
		tasks, splitM, chunk := gemmPartition(m, n, k, mk.mr, mk.nr)
		run := func(t int) {
			ws := getWorkspace[T](pool)
			if splitM {
				g.blocked(t*chunk, min(m, (t+1)*chunk), 0, n, ws)
			} else {
				g.blocked(0, m, t*chunk, min(n, (t+1)*chunk), ws)
			}
			pool.Put(ws)
		}
		parallelFor(tasks, run)
	}
}

// gemmPartition returns how many panels C is cut into, whether the cut is
// along rows (else columns), and the panel size. It depends on the shape
// only.
func gemmPartition(m, n, k, mr, nr int) (tasks int, splitM bool, chunk int) {
	work := m * n * k
	if work < gemmParallelWork {
		return 1, true, m
	}
	tasks = min(gemmMaxTasks, max(2, work/gemmTaskWork))
	dim, tile := n, nr
	if splitM = m >= n; splitM {
		dim, tile = m, mr
	}
	chunk = (dim + tasks - 1) / tasks
	chunk = (chunk + tile - 1) / tile * tile
	tasks = (dim + chunk - 1) / chunk
	return tasks, splitM, chunk
}

// parallelFor runs f(0), …, f(tasks-1), on up to GOMAXPROCS goroutines
// including the caller. Which goroutine runs which task is unspecified.
func parallelFor(tasks int, f func(int)) {
	workers := min(tasks, runtime.GOMAXPROCS(0))
	if workers <= 1 {
		for t := range tasks {
			f(t)
		}
		return
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	work := func() {
		for {
			t := int(next.Add(1) - 1)
			if t >= tasks {
				return
			}
			f(t)
		}
	}
	wg.Add(workers - 1)
	for range workers - 1 {
		go func() {
			defer wg.Done()
			work()
		}()
	}
	work()
	wg.Wait()
}

// scaleMatrix sets C = beta*C, writing zeros when beta == 0.
func scaleMatrix[T float](m, n int, beta T, c []T, ldc int) {
	for i := range m {
		row := c[i*ldc:][:n]
		switch beta {
		case 0:
			clear(row)
		case 1:
		default:
			for j := range row {
				row[j] *= beta
			}
		}
	}
}

// opA returns op(A)[i, p].
func (g *gemmProblem[T]) opA(i, p int) T {
	if g.transA {
		return g.a[p*g.lda+i]
	}
	return g.a[i*g.lda+p]
}

// opB returns op(B)[p, j].
func (g *gemmProblem[T]) opB(p, j int) T {
	if g.transB {
		return g.b[j*g.ldb+p]
	}
	return g.b[p*g.ldb+j]
}

// direct computes rows [i0,i1) × columns [j0,j1) of C without packing,
// with the same per-element arithmetic as blocked.
func (g *gemmProblem[T]) direct(i0, i1, j0, j1 int) {
	for pc := 0; pc < g.k; pc += gemmKC {
		pend := min(g.k, pc+gemmKC)
		first := pc == 0
		for i := i0; i < i1; i++ {
			row := g.c[i*g.ldc:]
			for j := j0; j < j1; j++ {
				var s T
				for p := pc; p < pend; p++ {
					s += T(g.opA(i, p) * g.opB(p, j))
				}
				row[j] = g.update(row[j], s, first)
			}
		}
	}
}

// update folds one depth block's sum s into the old value c of an element.
func (g *gemmProblem[T]) update(c, s T, first bool) T {
	if !first || g.beta == 1 {
		return c + T(g.alpha*s)
	}
	if g.beta == 0 {
		return T(g.alpha * s)
	}
	return T(g.alpha*s) + T(g.beta*c)
}

// blocked computes rows [i0,i1) × columns [j0,j1) of C with packing.
func (g *gemmProblem[T]) blocked(i0, i1, j0, j1 int, ws *gemmWorkspace[T]) {
	mr, nr := g.mk.mr, g.mk.nr
	mc := gemmMC / mr * mr
	nc := gemmNC / nr * nr
	ws.acc = grow(ws.acc, mr*nr)
	for jc := j0; jc < j1; jc += nc {
		nb := min(nc, j1-jc)
		nbp := (nb + nr - 1) / nr * nr
		for pc := 0; pc < g.k; pc += gemmKC {
			kb := min(gemmKC, g.k-pc)
			kp := (kb + microUnroll - 1) / microUnroll * microUnroll
			ws.b = grow(ws.b, nbp*kp)
			g.packB(ws.b, pc, kb, kp, jc, nb)
			for ic := i0; ic < i1; ic += mc {
				mb := min(mc, i1-ic)
				mbp := (mb + mr - 1) / mr * mr
				ws.a = grow(ws.a, mbp*kp)
				g.packA(ws.a, ic, mb, pc, kb, kp)
				g.macro(ws, ic, mb, jc, nb, kp, pc == 0)
			}
		}
	}
}

// macro multiplies the packed blocks in ws into C[ic:ic+mb, jc:jc+nb].
func (g *gemmProblem[T]) macro(ws *gemmWorkspace[T], ic, mb, jc, nb, kp int, first bool) {
	mr, nr := g.mk.mr, g.mk.nr
	acc := ws.acc
	fn := g.mk.fn
	for jr := 0; jr < nb; jr += nr {
		bp := ws.b[jr*kp:][:nr*kp]
		w := min(nr, nb-jr)
		for ir := 0; ir < mb; ir += mr {
			ap := ws.a[ir*kp:][:mr*kp]
			fn(kp, ap, bp, acc)
			h := min(mr, mb-ir)
			for r := range h {
				row := g.c[(ic+ir+r)*g.ldc+jc+jr:][:w]
				t := acc[r*nr:][:w]
				for q := range row {
					row[q] = g.update(row[q], t[q], first)
				}
			}
		}
	}
}

// packA copies op(A)[i0:i0+mb, p0:p0+kb] into dst as consecutive mr-row
// micro-panels, each stored k-major (mr values per k step) and zero-padded
// to mr rows and kp steps.
func (g *gemmProblem[T]) packA(dst []T, i0, mb, p0, kb, kp int) {
	mr := g.mk.mr
	for ir := 0; ir < mb; ir += mr {
		panel := dst[ir*kp:][:mr*kp]
		h := min(mr, mb-ir)
		if h < mr || kb < kp {
			clear(panel)
		}
		if g.transA {
			// op(A)[i, p] = a[p*lda + i]: each k step is contiguous.
			for p := range kb {
				src := g.a[(p0+p)*g.lda+i0+ir:][:h]
				dp := panel[p*mr:][:h]
				for r, v := range src {
					dp[r] = v
				}
			}
		} else {
			// op(A)[i, p] = a[i*lda + p]: each row is contiguous.
			for r := range h {
				src := g.a[(i0+ir+r)*g.lda+p0:][:kb]
				dp := panel[r:]
				for p, v := range src {
					dp[p*mr] = v
				}
			}
		}
	}
}

// packB copies op(B)[p0:p0+kb, j0:j0+nb] into dst as consecutive nr-column
// micro-panels, each stored k-major (nr values per k step) and zero-padded
// to nr columns and kp steps.
func (g *gemmProblem[T]) packB(dst []T, p0, kb, kp, j0, nb int) {
	nr, ldb := g.mk.nr, g.ldb
	for jr := 0; jr < nb; jr += nr {
		panel := dst[jr*kp:][:nr*kp]
		w := min(nr, nb-jr)
		if w < nr || kb < kp {
			clear(panel)
		}
		j := j0 + jr
		switch {
		case g.transB && w == 2 && nr == 2:
			// op(B)[p, j] = b[j*ldb + p]: two contiguous columns.
			s0 := g.b[j*ldb+p0:][:kb]
			s1 := g.b[(j+1)*ldb+p0:][:kb]
			d := panel[:2*kb]
			for p := range s0 {
				d[2*p] = s0[p]
				d[2*p+1] = s1[p]
			}
		case g.transB:
			for q := range w {
				src := g.b[(j+q)*ldb+p0:][:kb]
				d := panel[q:]
				for p, v := range src {
					d[p*nr] = v
				}
			}
		case w == 2 && nr == 2:
			// op(B)[p, j] = b[p*ldb + j]: pairs from consecutive rows.
			src := g.b[p0*ldb+j:]
			for p := range kb {
				s := (*[2]T)(src[p*ldb:])
				d := (*[2]T)(panel[2*p:])
				*d = *s
			}
		default:
			for p := range kb {
				src := g.b[(p0+p)*ldb+j:][:w]
				d := panel[p*nr:][:w]
				copy(d, src)
			}
		}
	}
}
