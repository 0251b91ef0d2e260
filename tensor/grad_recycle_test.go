package tensor

import (
	"runtime"
	"testing"
	"unsafe"
)

// TestEmptyGradRecycling runs backward functions that return emptyGrad
// gradients (adopted as a leaf's first Grad, then added and recycled) and
// checks the accumulated gradients over several steps, with a leaf used
// twice in one graph and a retained graph run twice.
func TestEmptyGradRecycling(t *testing.T) {
	const n = 1 << 13 // above gradPoolMin
	w := Zeros(n).SetRequiresGrad(true)
	// scale returns w*s (element-wise) with a backward that writes its
	// gradient into an emptyGrad tensor.
	scale := func(s float32) *Tensor {
		out := Empty(Float32, n)
		wd := w.Detach()
		for i, v := range wd.Data32() {
			out.Data32()[i] = v * s
		}
		Record(out, "ScaleBackward", []*Tensor{w}, func(g *Tensor) []*Tensor {
			gw := emptyGrad(Float32, n)
			for i, v := range g.Float32sShared() {
				gw.Data32()[i] = v * s
			}
			return []*Tensor{gw}
		})
		return out
	}
	for step := 1; step <= 4; step++ {
		loss := Add(scale(2), scale(3)).Sum()
		loss.BackwardWith(BackwardOptions{RetainGraph: true})
		loss.Backward()
		// Each pass adds 2 + 3 per element; two passes per step.
		want := float32(10 * step)
		for i, v := range w.Grad.Data32() {
			if v != want {
				t.Fatalf("step %d: grad[%d] = %v, want %v", step, i, v, want)
			}
		}
	}
	// Fresh emptyGrad tensors must not alias the leaf's gradient.
	g := emptyGrad(Float32, n)
	g.Data32()[0] = -1
	if w.Grad.Data32()[0] != 40 {
		t.Fatal("emptyGrad returned memory still used by a gradient")
	}
}

// TestGradPoolSurvivesCollections checks that recycled gradient memory is
// handed out again after garbage collections (a training step's buffers
// outlive the collections between steps), and that the pool keeps no more
// than gradPoolMaxBytes.
func TestGradPoolSurvivesCollections(t *testing.T) {
	const n = 1 << 14
	g := emptyGrad(Float32, n)
	for i := range g.st.f32() {
		g.st.f32()[i] = 7
	}
	recycleGrad(g)
	runtime.GC()
	runtime.GC()
	h := emptyGrad(Float32, n)
	if h.st.f32()[n-1] != 7 {
		t.Fatal("emptyGrad after two collections did not reuse the recycled gradient")
	}
	recycleGrad(h)
	// Fill the pool past its bound with gradients of another length.
	const big = 1 << 20 // 4 MiB each
	var grads []*Tensor
	for range gradPoolMaxBytes/(4*big) + 4 {
		grads = append(grads, emptyGrad(Float32, big))
	}
	for _, g := range grads {
		recycleGrad(g)
	}
	gradPool.mu.Lock()
	bytes, kept := gradPool.bytes, len(gradPool.free[[2]int{int(Float32), big}])
	gradPool.mu.Unlock()
	if bytes > gradPoolMaxBytes || kept < gradPoolMaxBytes/(4*big)-1 {
		t.Fatalf("pool holds %d bytes (%d gradients of %d elements), want at most %d, nearly full", bytes, kept, big, gradPoolMaxBytes)
	}
	for range kept { // leave the pool as other tests expect it
		gradPoolGet(Float32, big)
	}
}

// TestLeafGrad checks which tensors leafGrad offers their Grad for: only
// leaves that require grad and have a contiguous Grad of their own type and
// shape.
func TestLeafGrad(t *testing.T) {
	w := NewParameter(Zeros(2, 3))
	if leafGrad(w) != nil || leafGrad(nil) != nil {
		t.Fatal("leafGrad of a leaf without Grad (or of nil) is not nil")
	}
	w.Grad = Ones(2, 3)
	if leafGrad(w) != w.Grad {
		t.Fatal("leafGrad of a parameter with a contiguous Grad is not its Grad")
	}
	nonLeaf := w.MulScalar(2)
	nonLeaf.RetainGrad()
	nonLeaf.Sum().Backward()
	if nonLeaf.Grad == nil || leafGrad(nonLeaf) != nil {
		t.Fatal("leafGrad offers the Grad of a non-leaf")
	}
	for name, g := range map[string]*Tensor{
		"transposed": Ones(3, 2).T(),
		"float64":    OnesOf(Float64, 2, 3),
		"reshaped":   Ones(6),
	} {
		w.Grad = g
		if leafGrad(w) != nil {
			t.Errorf("leafGrad offers a %s Grad", name)
		}
	}
	c := Zeros(2, 3)
	c.Grad = Ones(2, 3)
	if leafGrad(c) != nil {
		t.Fatal("leafGrad offers the Grad of a tensor that does not require grad")
	}
}

// TestRecycleAfterBackward checks that an intermediate marked with
// recycleAfterBackward gives its memory to emptyReused once Backward has
// released its node, and not before: not while the graph is retained, and
// not without a node.
func TestRecycleAfterBackward(t *testing.T) {
	const n = 1 << 13
	w := NewParameter(Ones(n))
	mid := func() *Tensor {
		h := w.MulScalar(3) // elements 3, a node that reads only w
		recycleAfterBackward(h)
		return h
	}
	reused := func() bool {
		e := emptyReused(Float32, n)
		return e.st.f32()[n-1] == 3
	}
	h := mid()
	loss := h.MulScalar(2).Sum()
	loss.BackwardWith(BackwardOptions{RetainGraph: true})
	if reused() {
		t.Fatal("memory reused while the graph is retained")
	}
	loss.Backward()
	if !reused() {
		t.Fatal("memory not reused after the graph was released")
	}
	if g := w.Grad.Float32s(); g[0] != 12 {
		t.Fatalf("grad = %v, want 12 (two passes of 6)", g[0])
	}
	// Without a node (NoGrad) nothing is recycled.
	NoGrad(func() { mid() })
	if reused() {
		t.Fatal("memory of a tensor without a node was reused")
	}
}

// TestRecycle checks that recycle hands a result computed with nothing
// recorded to emptyReused at once and leaves it without elements, and
// that it leaves alone tensors in a graph, tensors that require grad,
// views, and tensors too small for the pool.
func TestRecycle(t *testing.T) {
	const n = 1 << 13
	fresh := func(v float32) *Tensor {
		x := Full(float64(v), n)
		return x
	}
	// reused reports whether emptyReused hands out the memory at p (while
	// p's owner is alive, so that no finalizer can recycle it meanwhile).
	reused := func(p unsafe.Pointer) bool {
		e := emptyReused(Float32, n)
		return e.st != nil && e.st.ptr == p
	}
	x := fresh(5)
	px := x.st.ptr
	recycle(x)
	if x.st != nil {
		t.Fatal("a recycled tensor keeps its elements")
	}
	if !reused(px) {
		t.Fatal("the memory of a recycled tensor was not reused")
	}
	w := NewParameter(Full(1, n))
	recycle(w)
	if w.st == nil || reused(w.st.ptr) {
		t.Fatal("a tensor that requires grad was recycled")
	}
	h := w.MulScalar(7) // a node
	recycle(h)
	if h.st == nil || reused(h.st.ptr) {
		t.Fatal("a tensor in a graph was recycled")
	}
	v := fresh(6).Reshape(2, n/2).T() // a view, not contiguous
	recycle(v)
	if v.st == nil || reused(v.st.ptr) {
		t.Fatal("a non-contiguous view was recycled")
	}
	part := fresh(8).Narrow(0, 0, n/2) // part of its storage
	recycle(part)
	if part.st == nil {
		t.Fatal("a tensor that is part of a storage was recycled")
	}
	small := Full(9, 16)
	recycle(small)
	if small.st == nil {
		t.Fatal("a tensor too small for the pool was recycled")
	}
}
