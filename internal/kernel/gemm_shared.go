package kernel

import (
	"runtime"
	"sync/atomic"
	"unsafe"
)

// A parallel product whose shared operand (op(B) when C is cut into row panels, op(A) when it is
// cut into column panels) is too large for every participant to pack whole for itself, but at most
// gemmSharedWhole elements (with depth blocks larger than gemmSharedMinBlock bytes), is cut into
// one panel of C per participant, and the shared operand is
// packed once, into one buffer that all of them read (parallelRowsShared, parallelColsShared).
// The participants pack it together, a depth block at a time, as the first of them reaches the
// block: each block is cut into pieces of a few micro-panels, claimed in turn by whichever
// participant reaches the block, so the participants share the packing (and the reading of the
// unpacked operand from memory) whatever their pace; a participant that starts late, or never,
// only leaves more pieces to the others, and nobody waits for a piece that no running participant
// has claimed. Each panel then runs blocked's loops, so each element gets blocked's arithmetic.

// gemmSharedWhole is the largest shared operand, in elements, that parallelRowsShared and
// parallelColsShared pack once for all participants; larger ones are packed by each participant
// for its own panel of C, block by block (see gemmProblem.parallel). A variable so that tests can
// reach both paths with small products.
var gemmSharedWhole = 1 << 22

// gemmSharedMinBlock is the size in bytes of one packed depth block of the shared operand from
// which a parallel product packs that operand once for all participants (see
// gemmProblem.sharesOperand): a smaller block, packed by each core for itself into the same
// workspace at every depth, stays in the core's L2 cache, which is worth more than sharing the
// packing. A variable so that tests can reach both paths with small products.
var gemmSharedMinBlock = 1 << 20

// sharesOperand reports whether a parallel product cut into one panel per participant packs its
// shared operand, of width lanes (n columns of op(B) or m rows of op(A)), once for all of them.
func (g *gemmProblem[T]) sharesOperand(width int) bool {
	return width*g.k <= gemmSharedWhole && g.depthBlock()*width*int(unsafe.Sizeof(T(0))) > gemmSharedMinBlock
}

// gemmPiecePanels is the number of micro-panels in one piece of a shared packed block.
const gemmPiecePanels = 4

// sharedPack is one shared packed operand: every depth block of an operand of width lanes (n
// columns of op(B) or m rows of op(A)) in panels of r lanes, block b (depth pc = b*kc) at
// b*blockSize, its panels panelStride(r, kp) apart (kp its padded depth).
type sharedPack[T float] struct {
	buf       []T
	kc        int
	blockSize int
	r, width  int
	pieces    int // pieces per depth block, of gemmPiecePanels panels
	// pack packs lanes [l0, l0+lanes) of the depth block at pc (kb steps padded to kp) into dst.
	pack func(ws *gemmWorkspace[T], dst []T, l0, lanes, pc, kb, kp int)
	// next and done count, for each depth block, the pieces claimed and the pieces packed.
	next, done []atomic.Int32
}

// newSharedPack describes the shared packed form of an operand of width lanes in panels of r
// lanes for g, in a buffer taken from pool (or allocated).
func newSharedPack[T float](g *gemmProblem[T], pool *wsPool, r, width int, pack func(ws *gemmWorkspace[T], dst []T, l0, lanes, pc, kb, kp int)) *sharedPack[T] {
	kc := g.depthBlock()
	kcp := (kc + g.mk.ku - 1) / g.mk.ku * g.mk.ku
	np := (width + r - 1) / r
	blocks := (g.k + kc - 1) / kc
	s := &sharedPack[T]{kc: kc, blockSize: np * panelStride(r, kcp), r: r, width: width,
		pieces: (np + gemmPiecePanels - 1) / gemmPiecePanels, pack: pack,
		next: make([]atomic.Int32, blocks), done: make([]atomic.Int32, blocks)}
	buf, _ := pool.takeShared().([]T)
	s.buf = grow(buf, blocks*s.blockSize)
	return s
}

// block returns the packed depth block at depth pc (kb steps padded to kp), first packing the
// pieces of it that no participant has claimed yet and then waiting for those that others are
// packing. ws provides scratch for the packer.
func (s *sharedPack[T]) block(ws *gemmWorkspace[T], pc, kb, kp int) []T {
	b := pc / s.kc
	blk := s.buf[b*s.blockSize:]
	pieces := int32(s.pieces)
	if s.done[b].Load() == pieces {
		return blk
	}
	stride := panelStride(s.r, kp)
	for {
		p := int(s.next[b].Add(1) - 1)
		if p >= s.pieces {
			break
		}
		l0 := p * gemmPiecePanels * s.r
		s.pack(ws, blk[p*gemmPiecePanels*stride:], l0, min(gemmPiecePanels*s.r, s.width-l0), pc, kb, kp)
		s.done[b].Add(1)
	}
	for i := 0; s.done[b].Load() < pieces; i++ {
		if i%1024 == 1023 {
			runtime.Gosched()
		}
	}
	return blk
}

// release gives the buffer back to pool.
func (s *sharedPack[T]) release(pool *wsPool) {
	pool.putShared(s.buf)
	s.buf = nil
}

// parallelRowsShared computes C in one panel of rows per participant (see parallelParticipants),
// with op(B) packed once for all of them (see sharedPack): each panel runs blocked's loops over
// the shared blocks, every column at once.
func (g *gemmProblem[T]) parallelRowsShared(pool *wsPool, tasks int) {
	mr, nr := g.mk.mr, g.mk.nr
	mc := gemmMC / mr * mr
	sh := newSharedPack(g, pool, nr, g.n, func(ws *gemmWorkspace[T], dst []T, j0, cols, pc, kb, kp int) {
		g.packB(ws, dst, pc, kb, kp, j0, cols)
	})
	parts, chunk := participantPanels(g.m, mr, tasks)
	tw := taskWorkspaces[T]{pool: pool}
	parallelForW(parts, func(t, w int) {
		ws := tw.get(w)
		ws.acc = grow(ws.acc, mr*nr)
		i0, i1 := t*chunk, min(g.m, (t+1)*chunk)
		for pc := 0; pc < g.k; pc += sh.kc {
			kb := min(sh.kc, g.k-pc)
			kp := (kb + g.mk.ku - 1) / g.mk.ku * g.mk.ku
			blk := sh.block(ws, pc, kb, kp)
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
	sh.release(pool)
}

// parallelColsShared computes C in one panel of columns per participant (see
// parallelParticipants), with op(A) packed once for all of them (see sharedPack): each panel runs
// blocked's loops over the shared blocks, at most gemmNC columns at a time.
func (g *gemmProblem[T]) parallelColsShared(pool *wsPool, tasks int) {
	mr, nr := g.mk.mr, g.mk.nr
	mc := gemmMC / mr * mr
	nc := gemmNC / nr * nr
	sh := newSharedPack(g, pool, mr, g.m, func(_ *gemmWorkspace[T], dst []T, i0, rows, pc, kb, kp int) {
		g.packA(dst, i0, rows, pc, kb, kp)
	})
	parts, chunk := participantPanels(g.n, nr, tasks)
	tw := taskWorkspaces[T]{pool: pool}
	parallelForW(parts, func(t, w int) {
		ws := tw.get(w)
		ws.acc = grow(ws.acc, mr*nr)
		j0, j1 := t*chunk, min(g.n, (t+1)*chunk)
		for jc := j0; jc < j1; jc += nc {
			nb := min(nc, j1-jc)
			nbp := (nb + nr - 1) / nr * nr
			for pc := 0; pc < g.k; pc += sh.kc {
				kb := min(sh.kc, g.k-pc)
				kp := (kb + g.mk.ku - 1) / g.mk.ku * g.mk.ku
				as := panelStride(mr, kp)
				ws.b = grow(ws.b, nbp/nr*panelStride(nr, kp))
				g.packB(ws, ws.b, pc, kb, kp, jc, nb)
				blk := sh.block(ws, pc, kb, kp)
				for ic := 0; ic < g.m; ic += mc {
					g.macro(blk[ic/mr*as:], ws.b, ws.acc, ic, min(mc, g.m-ic), jc, nb, kp, pc == 0)
				}
			}
		}
		tw.put(w, ws)
	})
	tw.done()
	sh.release(pool)
}

// participantPanels cuts dim lanes into one panel per participant of a parallel loop of tasks
// tasks, in whole tiles of tile lanes, returning the panel count and size.
func participantPanels(dim, tile, tasks int) (parts, chunk int) {
	parts = parallelParticipants(tasks)
	chunk = (dim + parts - 1) / parts
	chunk = (chunk + tile - 1) / tile * tile
	return (dim + chunk - 1) / chunk, chunk
}
