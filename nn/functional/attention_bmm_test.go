package functional

import (
	"fmt"
	"math"
	"testing"

	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

// TestHeadProductsMatchBmm checks headScores and headValues, forward and
// backward, bit for bit against the batched matmuls on PyTorch's
// (N·H, L, d) head views, in float32 and float64, for shapes that run in
// one chunk and in several.
func TestHeadProductsMatchBmm(t *testing.T) {
	for _, c := range []struct{ L, S, N, E, H int }{{3, 5, 2, 8, 2}, {64, 64, 8, 128, 4}, {7, 130, 3, 12, 3}} {
		for _, dt := range []tensor.DType{tensor.Float32, tensor.Float64} {
			t.Run(fmt.Sprintf("%v/%v", c, dt), func(t *testing.T) {
				g := rng.NewGenerator()
				g.ManualSeed(uint64(c.L + c.S))
				mk := func(shape ...int) *tensor.Tensor { return g.Randn(shape...).To(dt).SetRequiresGrad(true) }
				q, k, v := mk(c.L, c.N, c.E), mk(c.S, c.N, c.E), mk(c.S, c.N, c.E)
				gs := g.Randn(c.N*c.H, c.L, c.S).To(dt)
				go_ := g.Randn(c.L, c.N, c.E).To(dt)
				d := c.E / c.H
				heads := func(x *tensor.Tensor) *tensor.Tensor {
					return x.View(x.Size(0), c.N*c.H, d).Transpose(0, 1)
				}

				// Reference: bmm on the head views.
				sRef := tensor.Matmul(heads(q), heads(k).Transpose(-2, -1))
				a := sRef.Detach().Softmax(-1).SetRequiresGrad(true)
				oRef := tensor.Matmul(a, heads(v)).Transpose(0, 1).Contiguous().View(c.L, c.N, c.E)
				sRef.Mul(gs).Sum().Add(oRef.Mul(go_).Sum()).Backward()
				refGrads := []*tensor.Tensor{q.Grad, k.Grad, v.Grad, a.Grad}
				q.Grad, k.Grad, v.Grad = nil, nil, nil

				s := headScores(q, k, c.H)
				a2 := s.Detach().Softmax(-1).SetRequiresGrad(true)
				o := headValues(a2, v, c.H)
				s.Mul(gs).Sum().Add(o.Mul(go_).Sum()).Backward()
				same(t, "scores", s, sRef)
				same(t, "output", o, oRef)
				for i, gr := range []*tensor.Tensor{q.Grad, k.Grad, v.Grad, a2.Grad} {
					same(t, []string{"dq", "dk", "dv", "dattn"}[i], gr, refGrads[i])
				}
			})
		}
	}
}

// same fails unless got and want have the same shape and bits.
func same(t *testing.T, what string, got, want *tensor.Tensor) {
	t.Helper()
	if !got.SameShape(want) {
		t.Fatalf("%s: shape %v, want %v", what, got.Shape(), want.Shape())
	}
	g, w := got.Float64s(), want.Float64s()
	for i := range g {
		if math.Float64bits(g[i]) != math.Float64bits(w[i]) {
			t.Fatalf("%s: element %d = %v, want %v", what, i, g[i], w[i])
		}
	}
}
