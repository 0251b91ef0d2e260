package functional_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/intercept-ml/intercept/nn/functional"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

// fusedCase is one layer call, run fused (relu set) or as the layer and
// ReLU in sequence, on inputs made fresh for each run.
type fusedCase struct {
	name string
	run  func(g *rng.Generator, relu bool) (out *tensor.Tensor, leaves []*tensor.Tensor)
}

// checkFusedReLU runs c both ways from the same seed and checks that the
// outputs, their GradFn and the gradients of every leaf have the same bits.
func checkFusedReLU(t *testing.T, c fusedCase) {
	t.Helper()
	results := [2][]*tensor.Tensor{}
	var fns [2]string
	for i, relu := range []bool{false, true} {
		g := rng.NewGenerator()
		g.ManualSeed(11)
		out, leaves := c.run(g, relu)
		fns[i] = out.GradFn()
		// A weighted sum, so that every element's gradient differs.
		wts := g.RandnOf(out.DType(), out.Shape()...)
		tensor.Mul(out, wts).Sum().Backward()
		results[i] = append(results[i], out.Detach())
		for _, l := range leaves {
			results[i] = append(results[i], l.Grad)
		}
	}
	if fns[0] != fns[1] {
		t.Errorf("%s: GradFn %q, want %q", c.name, fns[1], fns[0])
	}
	for k := range results[0] {
		want, got := results[0][k].Float64s(), results[1][k].Float64s()
		if !results[0][k].SameShape(results[1][k]) {
			t.Fatalf("%s: tensor %d has shape %v, want %v", c.name, k, results[1][k].Shape(), results[0][k].Shape())
		}
		for j := range want {
			if math.Float64bits(got[j]) != math.Float64bits(want[j]) && !(math.IsNaN(got[j]) && math.IsNaN(want[j])) {
				t.Fatalf("%s: tensor %d (0 is the output, then the leaves' gradients) element %d = %v, want %v", c.name, k, j, got[j], want[j])
			}
		}
	}
}

// withSpecials puts NaN, -0 and +0 at the front of x's elements.
func withSpecials(x *tensor.Tensor) *tensor.Tensor {
	v := x.Float64s()
	copy(v, []float64{math.NaN(), math.Copysign(0, -1), 0})
	return tensor.FromFloat64(v, x.Shape()...).To(x.DType())
}

// TestLinearReLUMatchesSequence checks functional.LinearReLU against
// Linear followed by ReLU: values, gradients and GradFn, for float32 and
// float64, 1-D to 3-D inputs, with a bias, without one and with a bias that
// broadcasts, for inputs and weights that require grad or not, with NaN and
// -0 reaching the ReLU (a zero weight row makes the bias the output).
func TestLinearReLUMatchesSequence(t *testing.T) {
	for _, dt := range []tensor.DType{tensor.Float32, tensor.Float64} {
		for _, xs := range [][]int{{5}, {7, 5}, {3, 4, 5}, {64, 5}} {
			for _, bias := range []string{"bias", "none", "broadcast"} {
				for _, xGrad := range []bool{false, true} {
					c := fusedCase{name: fmt.Sprintf("%v x%v %s xGrad=%v", dt, xs, bias, xGrad)}
					c.run = func(g *rng.Generator, relu bool) (*tensor.Tensor, []*tensor.Tensor) {
						x := withSpecials(g.RandnOf(dt, xs...))
						wv := g.RandnOf(dt, 6, 5).Float64s()
						for j := range 5 { // row 1: zero weights
							wv[5+j] = 0
						}
						w := tensor.NewParameter(tensor.FromFloat64(wv, 6, 5).To(dt))
						leaves := []*tensor.Tensor{w}
						var b *tensor.Tensor
						switch bias {
						case "bias":
							bv := g.RandnOf(dt, 6).Float64s()
							bv[1] = math.Copysign(0, -1)
							b = tensor.NewParameter(tensor.FromFloat64(bv, 6).To(dt))
						case "broadcast":
							b = tensor.NewParameter(g.RandnOf(dt, 1))
						}
						if b != nil {
							leaves = append(leaves, b)
						}
						if xGrad {
							x = x.Detach().SetRequiresGrad(true)
							leaves = append(leaves, x)
						}
						if relu {
							return functional.LinearReLU(x, w, b), leaves
						}
						return functional.Linear(x, w, b).ReLU(), leaves
					}
					checkFusedReLU(t, c)
				}
			}
		}
	}
}

// TestConv2dReLUMatchesSequence checks functional.Conv2dReLU against
// Conv2d followed by ReLU, batched and unbatched, with and without bias,
// padding and stride.
func TestConv2dReLUMatchesSequence(t *testing.T) {
	for _, dt := range []tensor.DType{tensor.Float32, tensor.Float64} {
		for _, xs := range [][]int{{2, 3, 9, 8}, {3, 9, 8}} {
			for _, withBias := range []bool{false, true} {
				for _, opts := range [][]functional.ConvOption{nil, {functional.Padding(2), functional.Stride(2)}} {
					c := fusedCase{name: fmt.Sprintf("%v x%v bias=%v %+v", dt, xs, withBias, opts)}
					c.run = func(g *rng.Generator, relu bool) (*tensor.Tensor, []*tensor.Tensor) {
						x := withSpecials(g.RandnOf(dt, xs...)).SetRequiresGrad(true)
						w := tensor.NewParameter(g.RandnOf(dt, 4, 3, 3, 3))
						leaves := []*tensor.Tensor{x, w}
						var b *tensor.Tensor
						if withBias {
							b = tensor.NewParameter(g.RandnOf(dt, 4))
							leaves = append(leaves, b)
						}
						if relu {
							return functional.Conv2dReLU(x, w, b, opts...), leaves
						}
						return functional.Conv2d(x, w, b, opts...).ReLU(), leaves
					}
					checkFusedReLU(t, c)
				}
			}
		}
	}
}

// TestLinearReLUNoGrad checks the fused layer outside autograd: under
// NoGrad and with nothing requiring grad it gives the values of the
// sequence and records no node.
func TestLinearReLUNoGrad(t *testing.T) {
	g := rng.NewGenerator()
	g.ManualSeed(3)
	x, w, b := g.Randn(8, 5), tensor.NewParameter(g.Randn(4, 5)), tensor.NewParameter(g.Randn(4))
	want := functional.Linear(x, w, b).ReLU().Float32s()
	var got *tensor.Tensor
	tensor.NoGrad(func() { got = functional.LinearReLU(x, w, b) })
	plain := functional.LinearReLU(x, w.Detach(), b.Detach())
	for _, y := range []*tensor.Tensor{got, plain} {
		if y.RequiresGrad() || y.GradFn() != "" {
			t.Fatalf("result requires grad (GradFn %q)", y.GradFn())
		}
		for i, v := range y.Float32s() {
			if math.Float32bits(v) != math.Float32bits(want[i]) {
				t.Fatalf("element %d = %v, want %v", i, v, want[i])
			}
		}
	}
}

// TestLinearNoGradBatch1 checks Linear and LinearReLU at batch 1 (the
// matrix-vector path) and at batch 3, in float32 and float64: under
// NoGrad they record nothing and give the bits of the recorded forward
// pass.
func TestLinearNoGradBatch1(t *testing.T) {
	g := rng.NewGenerator()
	g.ManualSeed(19)
	for _, dt := range []tensor.DType{tensor.Float32, tensor.Float64} {
		for _, rows := range []int{1, 3} {
			x := g.Randn(rows, 100).To(dt)
			w := tensor.NewParameter(g.Randn(40, 100).To(dt))
			b := tensor.NewParameter(g.Randn(40).To(dt))
			for _, relu := range []bool{false, true} {
				f := functional.Linear
				if relu {
					f = functional.LinearReLU
				}
				want := f(x, w, b)
				if !want.RequiresGrad() {
					t.Fatal("the recorded pass does not require grad")
				}
				var got *tensor.Tensor
				tensor.NoGrad(func() { got = f(x, w, b) })
				if got.RequiresGrad() || got.GradFn() != "" {
					t.Fatalf("%v rows=%d relu=%v: result requires grad (GradFn %q)", dt, rows, relu, got.GradFn())
				}
				wv, gv := want.Detach().To(tensor.Float64).Float64s(), got.To(tensor.Float64).Float64s()
				for i := range wv {
					if math.Float64bits(wv[i]) != math.Float64bits(gv[i]) {
						t.Fatalf("%v rows=%d relu=%v: element %d = %v, want %v", dt, rows, relu, i, gv[i], wv[i])
					}
				}
			}
		}
	}
}
