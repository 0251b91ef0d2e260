package nn

import (
	"math"
	"testing"

	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

// embeddedLinear is a user module built on Linear with its own Forward;
// Sequential must call that Forward rather than fuse the Linear inside.
type embeddedLinear struct{ *Linear }

func (e embeddedLinear) Forward(x *tensor.Tensor) *tensor.Tensor {
	return e.Linear.Forward(x).MulScalar(2)
}

// TestSequentialFusionMatchesLayers checks that Sequential's fused
// Linear-ReLU and Conv2d-ReLU pairs give the output, GradFn and parameter
// gradients of calling each layer's Forward in turn, for a LeNet-like stack
// (with a trailing ReLU) and an MLP with a user module that embeds Linear.
func TestSequentialFusionMatchesLayers(t *testing.T) {
	g := rng.NewGenerator()
	models := map[string]struct {
		layers []Module
		input  []int
	}{}
	g.ManualSeed(1)
	models["lenet"] = struct {
		layers []Module
		input  []int
	}{[]Module{
		NewConv2d(1, 3, 3, Padding(1), WithGenerator(g)), NewReLU(), NewMaxPool2d(2),
		NewConv2d(3, 4, 3, WithGenerator(g)), NewReLU(),
		NewFlatten(), NewLinear(4*2*2, 5, WithGenerator(g)), NewReLU(),
	}, []int{6, 1, 8, 8}}
	models["mlp"] = struct {
		layers []Module
		input  []int
	}{[]Module{
		NewLinear(7, 9, WithGenerator(g)), NewReLU(),
		embeddedLinear{NewLinear(9, 9, WithGenerator(g))}, NewReLU(),
		NewLinear(9, 9, Bias(false), WithGenerator(g)), NewReLU(), NewReLU(),
		NewLinear(9, 3, WithGenerator(g)),
	}, []int{4, 5, 7}}
	for name, m := range models {
		seq := NewSequential(m.layers...)
		x := g.Randn(m.input...)
		var outs [2]*tensor.Tensor
		var grads [2][][]float32
		var wts *tensor.Tensor // weights of the summed output, the same for both runs
		for i := range 2 {
			for _, p := range Parameters(seq) {
				p.Grad = nil
			}
			y := x
			if i == 0 {
				for _, l := range m.layers {
					y = l.Forward(y)
				}
			} else {
				y = seq.Forward(x)
			}
			outs[i] = y
			if wts == nil {
				wts = g.Randn(y.Shape()...)
			}
			tensor.Mul(y, wts).Sum().Backward()
			for _, p := range Parameters(seq) {
				grads[i] = append(grads[i], p.Grad.Float32s())
			}
		}
		if outs[0].GradFn() != outs[1].GradFn() {
			t.Errorf("%s: GradFn %q, want %q", name, outs[1].GradFn(), outs[0].GradFn())
		}
		want, got := outs[0].Float32s(), outs[1].Float32s()
		for j := range want {
			if math.Float32bits(got[j]) != math.Float32bits(want[j]) {
				t.Fatalf("%s: output %d = %v, want %v", name, j, got[j], want[j])
			}
		}
		for k := range grads[0] {
			for j := range grads[0][k] {
				if math.Float32bits(grads[1][k][j]) != math.Float32bits(grads[0][k][j]) {
					t.Fatalf("%s: parameter %d gradient %d = %v, want %v", name, k, j, grads[1][k][j], grads[0][k][j])
				}
			}
		}
	}
}
