package functional

import (
	"github.com/intercept-ml/intercept/internal/pyfmt"
	"github.com/intercept-ml/intercept/internal/tensorinternal"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

// Dropout zeroes elements of x with probability p and scales the others by
// 1/(1−p) in training, like torch.nn.functional.dropout on a PyTorch build
// without MKL, bit for bit: a mask like x (contiguous, x's type) is filled by
// g.Bernoulli(mask, 1−p), g the generator (one float64 uniform per element in
// row-major order),
// divided in place by 1−p rounded to x's type, and multiplied with x
// (MulBackward0, so the gradient is the scaled mask).
//
// Options (DropoutOption): Training (TrainingOption(false) turns dropout
// off; on by default, as in F.dropout) and WithGenerator (default
// rng.Default()).
//
// With p = 0, outside training, or for an empty x, x itself is returned and
// no random numbers are drawn. With p = 1 the result is x·0 (zeros, with
// NaN kept and signs of zero as in PyTorch) without drawing. p outside
// [0, 1] panics.
func Dropout(x *tensor.Tensor, p float64, opts ...DropoutOption) *tensor.Tensor {
	c := callConfig{training: true}
	for _, o := range opts {
		if g, ok := o.(GeneratorOption); ok {
			c.gen = g.g
		} else {
			c.set(o)
		}
	}
	if !(p >= 0 && p <= 1) {
		panic("dropout probability has to be between 0 and 1, but got " + pyfmt.Float(p))
	}
	g := c.gen
	if p == 0 || !c.training || x.Numel() == 0 {
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
	// bernoulli_(1−p) then mask / (1−p): the quotient is 1/(1−p) where the
	// draw is 1 and 0 where it is 0, written in one pass.
	mask := tensorinternal.EmptyReused(dt, x.Shape()...)
	if dt == tensor.Float32 {
		g.BernoulliScaled32(mask.Data32(), 1-p, 1/float32(1-p))
	} else {
		g.BernoulliScaled64(mask.Data64(), 1-p, 1/(1-p))
	}
	return x.Mul(mask)
}
