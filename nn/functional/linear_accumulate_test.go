package functional

import (
	"math"
	"testing"

	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

// TestLinearWeightGradAccumulates checks the weight gradient that Linear's
// backward adds straight into an existing Grad (a weight of 2^17 elements
// or more, see kernel.GemmAccumulate32): after a first backward, which
// creates the Grad, a second one must leave exactly Grad + gyᵀ·x, with the
// product computed apart and added once per element, as Backward adds a
// returned gradient. Batches of 64 and 256 and a Linear followed by ReLU
// are checked, with the first layer of the benchmark's MLP.
func TestLinearWeightGradAccumulates(t *testing.T) {
	for _, batch := range []int{64, 256} {
		for _, relu := range []bool{false, true} {
			g := rng.NewGenerator()
			g.ManualSeed(uint64(batch))
			const in, out = 784, 256
			x := g.Randn(batch, in)
			w := tensor.NewParameter(g.Randn(out, in).MulScalar(0.05))
			b := tensor.NewParameter(g.Randn(out))
			pass := func() *tensor.Tensor {
				r := g.Randn(batch, out)
				var y *tensor.Tensor
				if relu {
					y = LinearReLU(x, w, b)
				} else {
					y = Linear(x, w, b)
				}
				// The gradient reaching the product: r, masked by the ReLU.
				gy := r.Detach()
				if relu {
					gy = tensor.Mul(r, y.Detach().Gt(tensor.Scalar(0)).To(tensor.Float32))
				}
				tensor.Mul(y, r).Sum().Backward()
				return gy
			}
			pass()
			first := w.Grad.Float32s()
			gy := pass()
			p := make([]float32, out*in)
			gemm(true, false, out, in, batch, 1, gy.Float32s(), out, x.Float32s(), in, 0, p, in)
			got := w.Grad.Float32s()
			for i := range got {
				want := first[i] + p[i]
				if math.Float32bits(got[i]) != math.Float32bits(want) {
					t.Fatalf("batch %d relu %v: grad[%d] = %v, want %v + %v = %v", batch, relu, i, got[i], first[i], p[i], want)
				}
			}
		}
	}
}
