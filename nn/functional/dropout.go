package functional

import (
	"github.com/intercept-ml/intercept/internal/pyfmt"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

// Dropout zeroes elements of x with probability p and scales the others by
// 1/(1−p) in training, like torch.nn.functional.dropout on a PyTorch build
// without MKL, bit for bit: a mask like x (contiguous, x's type) is filled by
// g.Bernoulli(mask, 1−p) (one float64 uniform per element in row-major order),
// divided in place by 1−p rounded to x's type, and multiplied with x
// (MulBackward0, so the gradient is the scaled mask).
//
// With p = 0, outside training, or for an empty x, x itself is returned and
// no random numbers are drawn. With p = 1 the result is x·0 (zeros, with
// NaN kept and signs of zero as in PyTorch) without drawing. g nil means
// rng.Default(). p outside [0, 1] panics.
func Dropout(x *tensor.Tensor, p float64, training bool, g *rng.Generator) *tensor.Tensor {
	if !(p >= 0 && p <= 1) {
		panic("dropout probability has to be between 0 and 1, but got " + pyfmt.Float(p))
	}
	if p == 0 || !training || x.Numel() == 0 {
		return x
	}
	requireFloat("dropout", "input", x)
	dt := x.DType()
	if p == 1 {
		return x.Mul(tensor.ZerosOf(dt))
	}
	if g == nil {
		g = rng.Default()
	}
	mask := tensor.ZerosOf(dt, x.Shape()...)
	g.Bernoulli(mask, 1-p)
	if dt == tensor.Float32 {
		q := float32(1 - p)
		m := mask.Data32()
		for i := range m {
			m[i] /= q
		}
	} else {
		q := 1 - p
		m := mask.Data64()
		for i := range m {
			m[i] /= q
		}
	}
	return x.Mul(mask)
}
