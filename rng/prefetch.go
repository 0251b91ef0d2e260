package rng

import (
	"runtime"
	"sync/atomic"
)

// BitsDraw describes one BernoulliBits call: N draws with probability P.
type BitsDraw struct {
	N int
	P float64
}

// PrefetchBernoulliBits announces that the next calls to draw from g will
// be BernoulliBits(dst, draws[0].N, draws[0].P), BernoulliBits(dst,
// draws[1].N, draws[1].P), ..., in that order, and starts computing them on
// another goroutine from g's current state, so that the caller can do other
// work meanwhile (a layer's dropout masks while it computes its products).
//
// It changes no result: a BernoulliBits call that matches the next
// announced draw, made while g is still in the state that draw starts from,
// takes the prefetched bits and the state after them, which are exactly
// what it would have computed; any other use of g leaves the prefetched
// draws unused, and they are dropped at the next BernoulliBits or
// PrefetchBernoulliBits call. A prefetch that is still valid (g has not
// drawn since it started, or has drawn exactly its first draws) is kept and
// the new announcement ignored. With GOMAXPROCS 1 nothing is prefetched.
func (g *Generator) PrefetchBernoulliBits(draws ...BitsDraw) {
	if len(draws) == 0 || runtime.GOMAXPROCS(0) < 2 {
		return
	}
	for _, d := range draws {
		checkProb(d.P)
		if d.N < 0 {
			panic("rng: PrefetchBernoulliBits: negative count")
		}
	}
	g.lock()
	defer g.unlock()
	g.ensureSeeded()
	if pf := g.prefetch; pf != nil {
		if pf.valid(g) {
			return
		}
		g.dropPrefetch()
	}
	pf := &bitsPrefetch{left: g.left, state: g.state, reqs: make([]bitsRequest, len(draws))}
	for i, d := range draws {
		pf.reqs[i] = bitsRequest{n: d.N, p: d.P, bits: make([]uint64, (d.N+63)/64), done: make(chan struct{})}
	}
	g.prefetch = pf
	go pf.run()
}

// bitsPrefetch is a run of BernoulliBits draws computed ahead (see
// PrefetchBernoulliBits).
type bitsPrefetch struct {
	// left and state are the generator state the next request starts from.
	left   int
	state  [mtN]uint32
	reqs   []bitsRequest
	next   int // the first request not yet taken
	cancel atomic.Bool
}

// bitsRequest is one announced BernoulliBits call and, once done is
// closed, its bits and the generator state after it.
type bitsRequest struct {
	n     int
	p     float64
	bits  []uint64
	left  int
	state [mtN]uint32
	done  chan struct{}
}

// run computes the requests in order on a private generator.
func (pf *bitsPrefetch) run() {
	w := &Generator{seeded: true, left: pf.left, state: pf.state}
	for i := range pf.reqs {
		if pf.cancel.Load() {
			return
		}
		r := &pf.reqs[i]
		w.BernoulliBits(r.bits, r.n, r.p)
		r.left, r.state = w.left, w.state
		close(r.done)
	}
}

// valid reports whether g is in the state the next request starts from.
func (pf *bitsPrefetch) valid(g *Generator) bool {
	return g.left == pf.left && g.state == pf.state
}

// takePrefetched sets dst to the draws of BernoulliBits(dst, n, p) and
// advances g past them if they are the next prefetched request and g is in
// the state it starts from, and reports whether it did; otherwise it drops
// the prefetch. g is locked.
func (g *Generator) takePrefetched(dst []uint64, n int, p float64) bool {
	pf := g.prefetch
	r := &pf.reqs[pf.next]
	if r.n != n || r.p != p || !pf.valid(g) {
		g.dropPrefetch()
		return false
	}
	<-r.done
	copy(dst, r.bits)
	g.left, g.state = r.left, r.state
	pf.left, pf.state = r.left, r.state
	r.bits = nil
	pf.next++
	if pf.next == len(pf.reqs) {
		g.prefetch = nil
	}
	return true
}

// dropPrefetch discards g's prefetch; its goroutine stops after the
// request it is computing.
func (g *Generator) dropPrefetch() {
	g.prefetch.cancel.Store(true)
	g.prefetch = nil
}
