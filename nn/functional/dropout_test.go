package functional

import (
	"math"
	"testing"

	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

// TestDropoutMatchesMaskProduct checks Dropout, forward and gradient, bit
// for bit against its definition: x times a mask tensor filled by
// Bernoulli(1−p) and divided by 1−p rounded to x's type, through Mul. The
// inputs hold NaN, ±Inf and −0 (whose products with the mask's zeros keep
// their NaN and signs), and are contiguous or transposed views.
func TestDropoutMatchesMaskProduct(t *testing.T) {
	for _, dt := range []tensor.DType{tensor.Float32, tensor.Float64} {
		for _, p := range []float64{0.1, 0.15, 0.45, 0.5, 0.9} {
			for _, transposed := range []bool{false, true} {
				vals := make([]float64, 7*150)
				for i := range vals {
					vals[i] = math.Sin(float64(i)) * 4
				}
				vals[3], vals[70], vals[71], vals[500] = math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1)
				base := tensor.FromFloat64(vals, 7, 150).To(dt)
				up := tensor.FromFloat64(vals, 7, 150).To(dt).MulScalar(0.5)
				mk := func() (*tensor.Tensor, *tensor.Tensor) {
					leaf := base.Detach().SetRequiresGrad(true)
					x := leaf
					if transposed {
						x = leaf.Transpose(0, 1)
					}
					return leaf, x
				}
				upFor := func() *tensor.Tensor {
					if transposed {
						return up.Transpose(0, 1).Contiguous()
					}
					return up
				}

				leafA, xa := mk()
				got := Dropout(xa, p, WithGenerator(seededGen(5)))
				got.BackwardWith(tensor.BackwardOptions{Grad: upFor()})

				leafB, xb := mk()
				mask := tensor.ZerosOf(dt, xb.Shape()...)
				seededGen(5).Bernoulli(mask, 1-p)
				if dt == tensor.Float32 {
					m, q := mask.Data32(), float32(1-p)
					for i := range m {
						m[i] /= q
					}
				} else {
					m, q := mask.Data64(), 1-p
					for i := range m {
						m[i] /= q
					}
				}
				want := xb.Mul(mask)
				want.BackwardWith(tensor.BackwardOptions{Grad: upFor()})

				if got.GradFn() != want.GradFn() {
					t.Errorf("grad_fn %s, want %s", got.GradFn(), want.GradFn())
				}
				for _, c := range []struct {
					what string
					a, b *tensor.Tensor
				}{{"output", got, want}, {"gradient", leafA.Grad, leafB.Grad}} {
					a, b := c.a.Float64s(), c.b.Float64s()
					for i := range a {
						if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
							t.Fatalf("%v p %v transposed %v: %s[%d] = %v, want %v", dt, p, transposed, c.what, i, a[i], b[i])
						}
					}
				}
			}
		}
	}
}

func seededGen(seed uint64) *rng.Generator {
	g := rng.NewGenerator()
	g.ManualSeed(seed)
	return g
}
