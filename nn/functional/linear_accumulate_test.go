package functional

import (
	"math"
	"testing"

	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

// TestLinearWeightGradAccumulates checks the weight gradient that Linear's
// backward adds straight into an existing Grad (a weight of 2^17 elements
// or more, see kernel.GemmAccumulate32 and GemmAccumulate64): after a first backward, which
// creates the Grad, a second one must leave exactly Grad + gyᵀ·x, with the
// product computed apart and added once per element, as Backward adds a
// returned gradient. Batches of 64 and 256 and a Linear followed by ReLU
// are checked, with the first layer of the benchmark's MLP, in float32
// and float64.
func TestLinearWeightGradAccumulates(t *testing.T) {
	for _, dt := range []tensor.DType{tensor.Float32, tensor.Float64} {
		for _, batch := range []int{64, 256} {
			for _, relu := range []bool{false, true} {
				g := rng.NewGenerator()
				g.ManualSeed(uint64(batch))
				const in, out = 784, 256
				x := g.RandnOf(dt, batch, in)
				w := tensor.NewParameter(g.RandnOf(dt, out, in).MulScalar(0.05))
				b := tensor.NewParameter(g.RandnOf(dt, out))
				pass := func() *tensor.Tensor {
					r := g.RandnOf(dt, batch, out)
					var y *tensor.Tensor
					if relu {
						y = LinearReLU(x, w, b)
					} else {
						y = Linear(x, w, b)
					}
					// The gradient reaching the product: r, masked by the ReLU.
					gy := r.Detach()
					if relu {
						gy = tensor.Mul(r, y.Detach().Gt(tensor.Scalar(0)).To(dt))
					}
					tensor.Mul(y, r).Sum().Backward()
					return gy
				}
				pass()
				// Float32s and Float64s copy: first keeps the Grad of the
				// first pass.
				first32, first64 := w.Grad.Float32s(), w.Grad.Float64s()
				gy := pass()
				if dt == tensor.Float32 {
					checkAccumulated(t, batch, relu, first32, gy.Float32s(), x.Float32s(), w.Grad.Float32s(), in, out)
				} else {
					checkAccumulated(t, batch, relu, first64, gy.Float64s(), x.Float64s(), w.Grad.Float64s(), in, out)
				}
			}
		}
	}
}

// checkAccumulated requires got == first + gyᵀ·x element by element, the
// product computed apart.
func checkAccumulated[T float](t *testing.T, batch int, relu bool, first, gy, x, got []T, in, out int) {
	t.Helper()
	p := make([]T, out*in)
	gemm(true, false, out, in, batch, 1, gy, out, x, in, 0, p, in)
	for i := range got {
		want := first[i] + p[i]
		if math.Float64bits(float64(got[i])) != math.Float64bits(float64(want)) {
			t.Fatalf("%T batch %d relu %v: grad[%d] = %v, want %v + %v = %v", want, batch, relu, i, got[i], first[i], p[i], want)
		}
	}
}
