package functional_test

import (
	"math"
	"testing"

	"github.com/intercept-ml/intercept/internal/tensorinternal"
	"github.com/intercept-ml/intercept/nn/functional"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

// TestRecycledGradientsAreNotReadEarly runs the same backward pass (a
// Linear-ReLU network with a branch, a pass-through add and a gradient
// used twice) several times. Backward reuses the memory of intermediate
// gradients between and within passes; the first pass gets fresh zeroed
// memory and later ones get memory holding old gradients, so every pass
// must give the same bits, and the same as with gradients kept alive
// (RetainGrad on every intermediate, which stops their reuse).
func TestRecycledGradientsAreNotReadEarly(t *testing.T) {
	g := rng.NewGenerator()
	g.ManualSeed(5)
	x := g.Randn(64, 96)
	w1 := tensor.NewParameter(g.Randn(128, 96))
	b1 := tensor.NewParameter(g.Randn(128))
	w2 := tensor.NewParameter(g.Randn(128, 128))
	w3 := tensor.NewParameter(g.Randn(128, 128))
	params := []*tensor.Tensor{w1, b1, w2, w3}
	run := func(retain bool) [][]float32 {
		for _, p := range params {
			p.Grad = nil
		}
		h := functional.Linear(x, w1, b1).ReLU()
		a := functional.Linear(h, w2, nil).ReLU()
		c := functional.Linear(h, w3, nil)
		s := a.Add(c).Add(a) // a's gradient arrives twice; Add passes gradients through
		s = functional.Linear(s, w2, nil)
		// Reshape's backward returns a view of its incoming gradient.
		r := functional.Linear(s, w3, nil).Reshape(128, 64).Reshape(64, 128).ReLU()
		// twin's backward returns one scratch gradient for both inputs.
		out := twin(r, s.ReLU()).Sum()
		if retain {
			for _, v := range []*tensor.Tensor{h, a, c, s} {
				v.RetainGrad()
			}
		}
		out.Backward()
		var grads [][]float32
		for _, p := range params {
			grads = append(grads, append([]float32(nil), p.Grad.Float32s()...))
		}
		return grads
	}
	want := run(true)
	for pass := range 4 {
		got := run(pass%2 == 1)
		for i := range want {
			for j := range want[i] {
				if math.Float32bits(got[i][j]) != math.Float32bits(want[i][j]) {
					t.Fatalf("pass %d: gradient %d element %d = %v, want %v", pass, i, j, got[i][j], want[i][j])
				}
			}
		}
	}
}

// twin returns x+y through a custom node whose backward returns the same
// EmptyGrad tensor as the gradient of both inputs.
func twin(x, y *tensor.Tensor) *tensor.Tensor {
	out := x.Detach().Add(y.Detach())
	tensor.Record(out, "TwinBackward", []*tensor.Tensor{x, y}, func(g *tensor.Tensor) []*tensor.Tensor {
		gx := tensorinternal.EmptyGrad(g.DType(), g.Shape()...)
		copy(gx.Data32(), g.Float32s())
		return []*tensor.Tensor{gx, gx}
	})
	return out
}

// TestRecycledConvPoolGradients is TestRecycledGradientsAreNotReadEarly
// for convolutions and max pooling, whose input gradients come from
// EmptyGrad and are zeroed by the backward pass itself: a second pass gets
// memory holding the first pass's gradients and must give the same bits.
func TestRecycledConvPoolGradients(t *testing.T) {
	g := rng.NewGenerator()
	g.ManualSeed(6)
	x := tensor.NewParameter(g.Randn(8, 2, 24, 24)) // gradients above gradPoolMin elements
	w1 := tensor.NewParameter(g.Randn(4, 2, 3, 3))
	w2 := tensor.NewParameter(g.Randn(5, 4, 3, 3))
	wt := tensor.NewParameter(g.Randn(5, 3, 2, 2))
	params := []*tensor.Tensor{x, w1, w2, wt}
	run := func() [][]float32 {
		for _, p := range params {
			p.Grad = nil
		}
		h := functional.Conv2d(x, w1, nil, functional.Padding(1)).ReLU()
		p := functional.MaxPool2d(h, []int{2})
		c := functional.Conv2d(p, w2, nil)
		u := functional.ConvTranspose2d(c, wt, nil, functional.Stride(2))
		u.Mul(u).Sum().Backward()
		var grads [][]float32
		for _, p := range params {
			grads = append(grads, append([]float32(nil), p.Grad.Float32s()...))
		}
		return grads
	}
	want := run()
	for pass := range 3 {
		got := run()
		for i := range want {
			for j := range want[i] {
				if math.Float32bits(got[i][j]) != math.Float32bits(want[i][j]) {
					t.Fatalf("pass %d: gradient %d element %d = %v, want %v", pass, i, j, got[i][j], want[i][j])
				}
			}
		}
	}
}
