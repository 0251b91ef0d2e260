package kernel

import (
	"sync"
	"sync/atomic"
)

// Blocking of the GEMM (GotoBLAS/BLIS loop order). The depth blocking is part of the numerical
// contract, the same for every implementation and element type ("one arithmetic", see the package
// doc): each element of C is formed as
//
//	c = alpha*s₀ + beta*c, then c = c + alpha*s₁, c = c + alpha*s₂, …
//
// where sᵢ is the sum of the products in the i-th depth block (see gemmProblem.depthBlock), formed
// from +0 in increasing k order by fused multiply-adds (s = a·b + s rounded once), and every alpha
// and beta multiplication and every addition to c is rounded separately. The other sizes only
// affect speed.
const (
	gemmKC = 128  // depth of a packed block (twice that for a wide C and a short k, see gemmWideC)
	gemmMC = 128  // rows of op(A) per packed block (rounded down to a multiple of mr)
	gemmNC = 2048 // columns of op(B) per packed block (rounded down to a multiple of nr)
)

// depthUnit is the multiple that depth blocks are rounded up to (the last block may be shorter).
const depthUnit = 8

// gemmFullN is the widest op(B) that parallelRowsFull packs whole for each
// core (up to gemmSharedPack elements): wider ones are cut into one row
// panel per core (blocked), whose packed blocks of B sit in the shared
// last-level cache while A's block stays in the core's L2.
const gemmFullN = 512

// Parallel partition. Work (m*n*k) below gemmParallelWork is done on the
// calling goroutine: waking a second goroutine on an idle core costs about
// 100µs on the 2-vCPU machines this runs on, as much as a 2^19 GEMM takes
// on one core. Above it, C is cut along its longer side into
// clamp(m*n*k/gemmTaskWork, 2, gemmMaxTasks) panels, rounded to whole
// micro-tiles, which are dealt to the goroutines (see parJob.run). Many
// more panels than cores let a core that falls behind (in a training step
// the caller has just written the operands, so they sit in its cache and
// the other core must fetch them) hand its last panels over; each panel
// costs only the packing of its own part of one operand (the shared one is
// packed once per core). Since each element's arithmetic depends only on k
// (see depthBlock), results do not depend on the cut, on GOMAXPROCS or on
// which goroutine computes which panel.
const (
	gemmParallelWork = 1 << 20
	gemmMaxTasks     = 32
	gemmTaskWork     = 1 << 19
)

// gemmSmallWork is the m*n*k below which packing is skipped and a direct
// loop with exactly the same per-element arithmetic is used instead.
const gemmSmallWork = 2048

// microKernel describes a register-tiled micro-kernel. fn forms the mr×nr
// sums s of a packed mr-row panel of A times a packed nr-column panel of B
// over kc steps (kc a positive multiple of ku), each summed from +0 in
// increasing k order by fused multiply-adds, and stores
// c[i*ldc+j] = alpha*s + beta*c, or alpha*s when beta == 0, rounding each
// multiplication and the addition.
type microKernel[T float] struct {
	mr, nr int
	ku     int // packed panels are zero-padded to a multiple of ku steps
	fn     func(kc int, a, b []T, alpha, beta T, c []T, ldc int)
	// pair, when not nil, is fn for an mr×2nr tile: one panel of A
	// against two B panels bs elements apart (b[bs:] the second), with
	// the same arithmetic per element as fn.
	pair         func(kc int, a, b []T, bs int, alpha, beta T, c []T, ldc int)
	packA, packB packer[T] // for panels of mr and nr
	// directWork is the m*n*k up to which the product is computed by
	// direct, without packing; gemv, whether products with m == 1 or
	// n == 1 take the unpacked matrix-vector path. Both give the packed
	// path's bits.
	directWork int
	gemv       bool
	// dots, when not nil, forms the sums of the matrix-vector path whose
	// terms are contiguous (see gemvDots32): it writes the outs sums
	// s[o] = Σ_p x[o*xo+p]·v[p], p < kb, each formed as the packed path
	// forms an element of C, and returns outs, or 0 when it cannot (buf
	// holds at least 16·kb elements of scratch). The drivers with dots
	// take the matrix-vector path only for those shapes (k ≥ 16).
	dots func(outs, kb int, v, x []T, xo int, s, buf []T) int
	// Parallel split (see gemmPartition): work below parallelWork stays on
	// the calling goroutine; above it C is cut into about work/taskWork
	// panels.
	parallelWork, taskWork int
}

// newMicroKernel describes a portable fn with packers for its tile shape.
func newMicroKernel[T float](mr, nr int, fn func(kc int, a, b []T, alpha, beta T, c []T, ldc int)) *microKernel[T] {
	return &microKernel[T]{mr: mr, nr: nr, ku: 1, fn: fn, packA: newPacker[T](mr), packB: newPacker[T](nr),
		directWork: gemmSmallWork, gemv: true, parallelWork: gemmParallelWork, taskWork: gemmTaskWork}
}

// depthBlockMax returns the depth of the blocks k is cut into: the fewest
// blocks of at most maxKC, made as even as possible and rounded up to a
// multiple of depthUnit (the last block may be shorter).
func depthBlockMax(k, maxKC int) int {
	blocks := (k + maxKC - 1) / maxKC
	kc := (k + blocks - 1) / blocks
	return (kc + depthUnit - 1) / depthUnit * depthUnit
}

// Products with a large C (at least gemmWideC elements) and a short depth
// (at most gemmShortK) use blocks of up to 2*gemmKC: each block's sum is
// short either way, and longer blocks update C half as often. Long sums
// into a small C (weight gradients of convolutions) keep gemmKC, which
// bounds their rounding error.
const (
	gemmWideC  = 1 << 16
	gemmShortK = 2048
)

// depthBlock returns the depth block of this product. It depends on the
// shape (m, n, k) alone: never on the implementation, the element type or
// the partition of C.
func (g *gemmProblem[T]) depthBlock() int { return gemmDepthBlock(g.m, g.n, g.k) }

// gemmDepthBlock is the depth block of an m×n×k product (see gemmProblem.depthBlock).
func gemmDepthBlock(m, n, k int) int {
	if m*n >= gemmWideC && k <= gemmShortK {
		return depthBlockMax(k, 2*gemmKC)
	}
	return depthBlockMax(k, gemmKC)
}

// gemmWorkspace holds one task's packing buffers.
type gemmWorkspace[T float] struct {
	a, b, acc []T
	// src holds the blocks a Source writes before they are packed (see
	// packSourceB).
	src []T
	// token identifies the parallel GEMM call whose whole packed shared
	// operand a or b holds (see parallelRowsFull), 0 for none.
	token uint64
}

// packTokens numbers the parallel GEMM calls for gemmWorkspace.token.
var packTokens atomic.Uint64

var (
	pool32 wsPool // *gemmWorkspace[float32]
	pool64 wsPool // *gemmWorkspace[float64]
)

// wsPool keeps GEMM packing buffers between calls. Unlike a sync.Pool it
// is not emptied by garbage collections, which otherwise make the next
// products allocate, zero and fault in fresh buffers; it holds at most
// wsPoolMax workspaces of at most wsKeepMax elements each.
type wsPool struct {
	mu   sync.Mutex
	free []any
	// slots[w] is the workspace of participant w of the running parallel
	// loop (see parallelForW). Only that participant touches it, and
	// loops run one at a time, so it needs no lock; it stays with one
	// worker goroutine, and so mostly with one core's caches, from call
	// to call. Rewriting packing buffers that another core has read is
	// slow (each cache line must be invalidated there first), which made
	// two cores only 1.3-1.6 times as fast as one when all tasks shared
	// packed blocks and took workspaces from the free list.
	slots [wsSlots]any
}

const (
	wsPoolMax = 8
	wsKeepMax = 1 << 21
	wsSlots   = 64
)

// size returns the capacity of the workspace's buffers in elements.
func (ws *gemmWorkspace[T]) size() int { return cap(ws.a) + cap(ws.b) + cap(ws.acc) + cap(ws.src) }

// Get returns a cached workspace or nil.
func (p *wsPool) Get() any {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := len(p.free); n > 0 {
		ws := p.free[n-1]
		p.free[n-1] = nil
		p.free = p.free[:n-1]
		return ws
	}
	return nil
}

// Put caches a workspace, dropping it when the pool is full or the
// workspace is larger than wsKeepMax elements.
func (p *wsPool) Put(ws any) {
	if s, ok := ws.(interface{ size() int }); ok && s.size() > wsKeepMax {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.free) < wsPoolMax {
		p.free = append(p.free, ws)
	}
}

func getWorkspace[T float](pool *wsPool) *gemmWorkspace[T] {
	if ws, ok := pool.Get().(*gemmWorkspace[T]); ok {
		return ws
	}
	return new(gemmWorkspace[T])
}

// taskWorkspaces hands out the workspaces of the tasks of one parallelForW
// call: participant w's slot (see wsPool.slots); for a loop running
// serially on the caller (w == -1), one workspace from the free list for
// all its tasks, so that an operand packed whole is packed once; and for
// participants beyond the slots, one from the free list per task.
type taskWorkspaces[T float] struct {
	pool   *wsPool
	serial *gemmWorkspace[T]
}

// get returns the workspace for a task run by participant w.
func (tw *taskWorkspaces[T]) get(w int) *gemmWorkspace[T] {
	switch {
	case w < 0:
		if tw.serial == nil {
			tw.serial = getWorkspace[T](tw.pool)
			tw.serial.token = 0
		}
		return tw.serial
	case w < wsSlots:
		if ws, ok := tw.pool.slots[w].(*gemmWorkspace[T]); ok {
			return ws
		}
		ws := new(gemmWorkspace[T])
		tw.pool.slots[w] = ws
		return ws
	}
	ws := getWorkspace[T](tw.pool)
	ws.token = 0
	return ws
}

// put gives back the workspace of a task run by participant w, dropping a
// slot's workspace when it has grown beyond wsKeepMax elements.
func (tw *taskWorkspaces[T]) put(w int, ws *gemmWorkspace[T]) {
	switch {
	case w < 0:
	case w < wsSlots:
		if ws.size() > wsKeepMax {
			tw.pool.slots[w] = nil
		}
	default:
		tw.pool.Put(ws)
	}
}

// done returns the serial workspace, if any, to the free list; call it
// after the loop.
func (tw *taskWorkspaces[T]) done() {
	if tw.serial != nil {
		tw.serial.token = 0
		tw.pool.Put(tw.serial)
		tw.serial = nil
	}
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
	// src, when not nil, produces B in place of b and ldb (see
	// GemmSource32).
	src Source[T]
}

// gemmDriver returns a complete GEMM built from a micro-kernel. pool caches
// packing buffers between calls.
func gemmDriver[T float](mk *microKernel[T], pool *wsPool) func(transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	return func(transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
		if m == 0 || n == 0 {
			return
		}
		if alpha == 0 || k == 0 {
			scaleMatrix(m, n, beta, c, ldc)
			return
		}
		g := gemmProblem[T]{transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, beta: beta, a: a, lda: lda, b: b, ldb: ldb, c: c, ldc: ldc, mk: mk}
		if m*n*k <= mk.directWork {
			g.direct(0, m, 0, n)
			return
		}
		if (m == 1 || n == 1) && (mk.gemv || mk.dots != nil && k >= 16 && gemvContiguous(transA, transB, m)) {
			ws := getWorkspace[T](pool)
			g.gemv(ws)
			pool.Put(ws)
			return
		}
		tasks, splitM, chunk := mk.partition(m, n, k)
		// With the pool busy (this product is a task of a parallel loop,
		// or another goroutine's loop is running) the panels would run
		// one after another here anyway: skip the parallel set-up.
		if tasks == 1 || poolBusy() {
			ws := getWorkspace[T](pool)
			g.blocked(0, m, 0, n, ws)
			pool.Put(ws)
			return
		}
		g.parallel(pool, tasks, splitM, chunk)
	}
}

// parallel computes C as tasks panels of chunk rows (splitM) or columns.
// It takes g by value so that only this path pays for the closures
// escaping to the heap.
//
// Each participant of the parallel loop packs into its own workspace
// (see wsPool.slots): when the operand shared by all panels is small
// enough it packs that operand whole once per call (parallelRowsFull,
// parallelColsFull), otherwise C is cut into one panel per participant,
// each computed by blocked. Packing twice is much cheaper than sharing
// packed blocks between cores, whose caches then pass every rewritten
// line back and forth. The cut, which may depend on GOMAXPROCS here,
// never changes the results: each element's arithmetic depends only on
// the shape (see depthBlock).
//
//go:noinline
func (g gemmProblem[T]) parallel(pool *wsPool, tasks int, splitM bool, chunk int) {
	if !splitM && g.m*g.k <= gemmSharedPack {
		g.parallelColsFull(pool, tasks, chunk)
		return
	}
	if splitM && g.n*g.k <= gemmSharedPack && g.n <= gemmFullN {
		g.parallelRowsFull(pool, tasks, chunk)
		return
	}
	parts := parallelParticipants(tasks)
	dim, tile := g.n, g.mk.nr
	if splitM {
		dim, tile = g.m, g.mk.mr
	}
	chunk = (dim + parts - 1) / parts
	chunk = (chunk + tile - 1) / tile * tile
	parts = (dim + chunk - 1) / chunk
	tw := taskWorkspaces[T]{pool: pool}
	parallelForW(parts, func(t, w int) {
		ws := tw.get(w)
		if splitM {
			g.blocked(t*chunk, min(g.m, (t+1)*chunk), 0, g.n, ws)
		} else {
			g.blocked(0, g.m, t*chunk, min(g.n, (t+1)*chunk), ws)
		}
		tw.put(w, ws)
	})
	tw.done()
}

// partition returns how many panels C is cut into, whether the cut is
// along rows (else columns), and the panel size. It depends on the shape
// and the micro-kernel only: never on GOMAXPROCS.
func (mk *microKernel[T]) partition(m, n, k int) (tasks int, splitM bool, chunk int) {
	return gemmPartition(m, n, k, mk.mr, mk.nr, mk.parallelWork, mk.taskWork)
}

// gemmSharedPack is the largest operand (in elements) that
// parallelRowsFull and parallelColsFull pack whole.
const gemmSharedPack = 1 << 20

// parallelColsFull computes C as tasks panels of chunk columns. Each
// participant packs all of op(A), every depth block, into its workspace
// before its first panel, and then runs blocked's loops over its panels'
// columns with it, so each element of C gets exactly the arithmetic of
// blocked.
func (g *gemmProblem[T]) parallelColsFull(pool *wsPool, tasks, chunk int) {
	mr, nr := g.mk.mr, g.mk.nr
	mc := gemmMC / mr * mr
	nc := gemmNC / nr * nr
	kc := g.depthBlock()
	kcp := (kc + g.mk.ku - 1) / g.mk.ku * g.mk.ku
	mp := (g.m + mr - 1) / mr // row panels of A
	blockSize := mp * panelStride(mr, kcp)
	nblocks := (g.k + kc - 1) / kc
	token := packTokens.Add(1)
	tw := taskWorkspaces[T]{pool: pool}
	parallelForW(tasks, func(t, w int) {
		ws := tw.get(w)
		if ws.token != token {
			ws.a = grow(ws.a, nblocks*blockSize)
			g.packWhole(ws.a, blockSize, kc, func(dst []T, pc, kb, kp int) { g.packA(dst, 0, g.m, pc, kb, kp) })
			ws.token = token
		}
		ws.acc = grow(ws.acc, mr*nr)
		j0, j1 := t*chunk, min(g.n, (t+1)*chunk)
		for jc := j0; jc < j1; jc += nc {
			nb := min(nc, j1-jc)
			nbp := (nb + nr - 1) / nr * nr
			for pc := 0; pc < g.k; pc += kc {
				kb := min(kc, g.k-pc)
				kp := (kb + g.mk.ku - 1) / g.mk.ku * g.mk.ku
				as := panelStride(mr, kp)
				ws.b = grow(ws.b, nbp/nr*panelStride(nr, kp))
				g.packB(ws, ws.b, pc, kb, kp, jc, nb)
				blk := ws.a[pc/kc*blockSize:]
				for ic := 0; ic < g.m; ic += mc {
					mb := min(mc, g.m-ic)
					g.macro(blk[ic/mr*as:], ws.b, ws.acc, ic, mb, jc, nb, kp, pc == 0)
				}
			}
		}
		tw.put(w, ws)
	})
	tw.done()
}

// packWhole packs every depth block of a whole operand into buf, block b
// (depth pc = b*kc, kb steps padded to kp) at b*blockSize, with pack.
func (g *gemmProblem[T]) packWhole(buf []T, blockSize, kc int, pack func(dst []T, pc, kb, kp int)) {
	for pc := 0; pc < g.k; pc += kc {
		kb := min(kc, g.k-pc)
		pack(buf[pc/kc*blockSize:], pc, kb, (kb+g.mk.ku-1)/g.mk.ku*g.mk.ku)
	}
}

// parallelRowsFull computes C as tasks panels of chunk rows. Each
// participant packs all of op(B) (at most gemmFullN columns,
// every depth block) into its workspace before its first panel, and then
// runs blocked's loops over its panels' rows with it, so each element of C
// gets exactly the arithmetic of blocked.
func (g *gemmProblem[T]) parallelRowsFull(pool *wsPool, tasks, chunk int) {
	mr, nr := g.mk.mr, g.mk.nr
	mc := gemmMC / mr * mr
	kc := g.depthBlock()
	kcp := (kc + g.mk.ku - 1) / g.mk.ku * g.mk.ku
	np := (g.n + nr - 1) / nr // column panels of B
	blockSize := np * panelStride(nr, kcp)
	nblocks := (g.k + kc - 1) / kc
	token := packTokens.Add(1)
	tw := taskWorkspaces[T]{pool: pool}
	parallelForW(tasks, func(t, w int) {
		ws := tw.get(w)
		if ws.token != token {
			ws.b = grow(ws.b, nblocks*blockSize)
			g.packWhole(ws.b, blockSize, kc, func(dst []T, pc, kb, kp int) { g.packB(ws, dst, pc, kb, kp, 0, g.n) })
			ws.token = token
		}
		ws.acc = grow(ws.acc, mr*nr)
		i0, i1 := t*chunk, min(g.m, (t+1)*chunk)
		for pc := 0; pc < g.k; pc += kc {
			kb := min(kc, g.k-pc)
			kp := (kb + g.mk.ku - 1) / g.mk.ku * g.mk.ku
			blk := ws.b[pc/kc*blockSize:]
			for ic := i0; ic < i1; ic += mc {
				mb := min(mc, i1-ic)
				mbp := (mb + mr - 1) / mr * mr
				ws.a = grow(ws.a, mbp/mr*panelStride(mr, kp))
				g.packA(ws.a, ic, mb, pc, kb, kp)
				g.macro(ws.a, blk, ws.acc, ic, mb, 0, g.n, kp, pc == 0)
			}
		}
		tw.put(w, ws)
	})
	tw.done()
}

// gemmPartition cuts C along its longer side (in whole tiles of mr rows or
// nr columns) into a power of two of panels, about work/taskWork and at
// most gemmMaxTasks, when work = m*n*k ≥ parallelWork. A power of two
// keeps the panels evenly shared on machines with 2, 4 or 8 cores.
func gemmPartition(m, n, k, mr, nr, parallelWork, taskWork int) (tasks int, splitM bool, chunk int) {
	work := m * n * k
	if work < parallelWork {
		return 1, true, m
	}
	tasks = 2
	for tasks*2 <= gemmMaxTasks && tasks*2*taskWork <= work {
		tasks *= 2
	}
	dim, tile := n, nr
	if splitM = m >= n; splitM {
		dim, tile = m, mr
	}
	chunk = (dim + tasks - 1) / tasks
	chunk = (chunk + tile - 1) / tile * tile
	tasks = (dim + chunk - 1) / chunk
	return tasks, splitM, chunk
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
// with the same per-element arithmetic as blocked: each step of a depth
// block's sum is a fused multiply-add (fmaTry, redone with fmaExact where
// it cannot tell).
func (g *gemmProblem[T]) direct(i0, i1, j0, j1 int) {
	kc := g.depthBlock()
	for pc := 0; pc < g.k; pc += kc {
		pend := min(g.k, pc+kc)
		first := pc == 0
		for i := i0; i < i1; i++ {
			row := g.c[i*g.ldc:]
			for j := j0; j < j1; j++ {
				var s T
				good := true
				for p := pc; p < pend; p++ {
					var ok bool
					s, ok = fmaTry(g.opA(i, p), g.opB(p, j), s)
					good = good && ok
				}
				if !good {
					s = 0
					for p := pc; p < pend; p++ {
						s = fmaExact(g.opA(i, p), g.opB(p, j), s)
					}
				}
				row[j] = g.update(row[j], s, first)
			}
		}
	}
}

// fusedDirectWork is the m*n*k up to which a GEMM built on an assembly micro-kernel computes C
// with direct instead of packing: only the tiniest products (a Linear(3, 1) layer on a small
// batch), where getting a workspace and packing and padding the operands to whole tiles cost more
// than the products.
const fusedDirectWork = 32

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
	kc := g.depthBlock()
	ws.acc = grow(ws.acc, mr*nr)
	for jc := j0; jc < j1; jc += nc {
		nb := min(nc, j1-jc)
		nbp := (nb + nr - 1) / nr * nr
		for pc := 0; pc < g.k; pc += kc {
			kb := min(kc, g.k-pc)
			kp := (kb + g.mk.ku - 1) / g.mk.ku * g.mk.ku
			ws.b = grow(ws.b, nbp/nr*panelStride(nr, kp))
			g.packB(ws, ws.b, pc, kb, kp, jc, nb)
			for ic := i0; ic < i1; ic += mc {
				mb := min(mc, i1-ic)
				mbp := (mb + mr - 1) / mr * mr
				ws.a = grow(ws.a, mbp/mr*panelStride(mr, kp))
				g.packA(ws.a, ic, mb, pc, kb, kp)
				g.macro(ws.a, ws.b, ws.acc, ic, mb, jc, nb, kp, pc == 0)
			}
		}
	}
}

// macro multiplies the packed blocks pa and pb into C[ic:ic+mb, jc:jc+nb].
// Full tiles are updated in place by the micro-kernel (two B panels at a
// time when it has a pair kernel); edge tiles go through acc (mr*nr
// values) and then get the same update element by element.
func (g *gemmProblem[T]) macro(pa, pb, acc []T, ic, mb, jc, nb, kp int, first bool) {
	mr, nr := g.mk.mr, g.mk.nr
	fn, pair := g.mk.fn, g.mk.pair
	alpha, beta := g.alpha, g.beta
	if !first {
		beta = 1
	}
	as, bs := panelStride(mr, kp), panelStride(nr, kp)
	for jr := 0; jr < nb; jr += nr {
		bp := pb[jr/nr*bs:][:nr*kp]
		w := min(nr, nb-jr)
		if pair != nil && nb-jr >= 2*nr {
			// Two full B panels: pairs of full tiles, and any edge row
			// tile one panel at a time.
			bp2 := pb[jr/nr*bs:][:bs+nr*kp]
			for ir := 0; ir < mb; ir += mr {
				ap := pa[ir/mr*as:][:mr*kp]
				h := min(mr, mb-ir)
				c := g.c[(ic+ir)*g.ldc+jc+jr:]
				if h == mr {
					pair(kp, ap, bp2, bs, alpha, beta, c, g.ldc)
					continue
				}
				g.edgeTile(ap, bp, acc, c, h, nr, kp, first)
				g.edgeTile(ap, bp2[bs:], acc, c[nr:], h, nr, kp, first)
			}
			jr += nr
			continue
		}
		for ir := 0; ir < mb; ir += mr {
			ap := pa[ir/mr*as:][:mr*kp]
			h := min(mr, mb-ir)
			c := g.c[(ic+ir)*g.ldc+jc+jr:]
			if h == mr && w == nr {
				fn(kp, ap, bp, alpha, beta, c, g.ldc)
				continue
			}
			g.edgeTile(ap, bp, acc, c, h, w, kp, first)
		}
	}
}

// edgeTile updates the h×w corner of the C tile at c with the product of
// the packed panels ap and bp, formed in acc by the micro-kernel.
func (g *gemmProblem[T]) edgeTile(ap, bp, acc, c []T, h, w, kp int, first bool) {
	nr := g.mk.nr
	g.mk.fn(kp, ap, bp, 1, 0, acc, nr)
	for r := range h {
		row := c[r*g.ldc:][:w]
		t := acc[r*nr:][:w]
		for q := range row {
			row[q] = g.update(row[q], t[q], first)
		}
	}
}

// packA copies op(A)[i0:i0+mb, p0:p0+kb] into dst as consecutive mr-row
// micro-panels, panelStride(mr, kp) apart, each stored k-major (mr values
// per k step) and zero-padded to mr rows and kp steps.
func (g *gemmProblem[T]) packA(dst []T, i0, mb, p0, kb, kp int) {
	if g.transA {
		// op(A)[i, p] = a[p*lda + i]
		g.mk.packA.rows(dst, g.a[p0*g.lda+i0:], g.lda, kb, mb, kp)
	} else {
		// op(A)[i, p] = a[i*lda + p]
		g.mk.packA.cols(dst, g.a[i0*g.lda+p0:], g.lda, kb, mb, kp)
	}
}

// packB copies op(B)[p0:p0+kb, j0:j0+nb] into dst as consecutive nr-column
// micro-panels, panelStride(nr, kp) apart, each stored k-major (nr values
// per k step) and zero-padded to nr columns and kp steps. A B given by a
// source (see GemmSource32) is packed by packSourceB, with ws's scratch.
func (g *gemmProblem[T]) packB(ws *gemmWorkspace[T], dst []T, p0, kb, kp, j0, nb int) {
	if g.src != nil {
		g.packSourceB(ws, dst, p0, kb, kp, j0, nb)
		return
	}
	if g.transB {
		// op(B)[p, j] = b[j*ldb + p]
		g.mk.packB.cols(dst, g.b[j0*g.ldb+p0:], g.ldb, kb, nb, kp)
	} else {
		// op(B)[p, j] = b[p*ldb + j]
		g.mk.packB.rows(dst, g.b[p0*g.ldb+j0:], g.ldb, kb, nb, kp)
	}
}
