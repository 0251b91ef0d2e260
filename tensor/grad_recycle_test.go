package tensor

import "testing"

// TestEmptyGradRecycling runs backward functions that return EmptyGrad
// gradients (adopted as a leaf's first Grad, then added and recycled) and
// checks the accumulated gradients over several steps, with a leaf used
// twice in one graph and a retained graph run twice.
func TestEmptyGradRecycling(t *testing.T) {
	const n = 1 << 13 // above gradPoolMin
	w := Zeros(n).SetRequiresGrad(true)
	// scale returns w*s (element-wise) with a backward that writes its
	// gradient into an EmptyGrad tensor.
	scale := func(s float32) *Tensor {
		out := Empty(Float32, n)
		wd := w.Detach()
		for i, v := range wd.Data32() {
			out.Data32()[i] = v * s
		}
		Record(out, "ScaleBackward", []*Tensor{w}, func(g *Tensor) []*Tensor {
			gw := EmptyGrad(Float32, n)
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
	// Fresh EmptyGrad tensors must not alias the leaf's gradient.
	g := EmptyGrad(Float32, n)
	g.Data32()[0] = -1
	if w.Grad.Data32()[0] != 40 {
		t.Fatal("EmptyGrad returned memory still used by a gradient")
	}
}
