package functional

import (
	"github.com/intercept-ml/intercept/internal/pyfmt"
	"github.com/intercept-ml/intercept/internal/tensorinternal"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

// Dropout zeroes elements of x with probability p and scales the others by
// 1/(1−p) in training, like torch.nn.functional.dropout on a PyTorch build
// without MKL, bit for bit: a mask like x is drawn as g.Bernoulli(mask, 1−p)
// draws it, g the generator (one float64 uniform per element in row-major
// order), divided by 1−p rounded to x's type, and multiplied with x
// (MulBackward0, so the gradient is the upstream gradient times the scaled
// mask). The mask is kept as one bit per element.
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
	// The mask bernoulli_(1−p) / (1−p) is 1/(1−p) where the draw is 1 and
	// 0 where it is 0: the draws are kept as bits and the product
	// x·mask is formed from them, forward and backward.
	n := x.Numel()
	keep := make([]uint64, (n+63)/64)
	g.BernoulliBits(keep, n, 1-p)
	out := tensorinternal.EmptyReused(dt, x.Shape()...)
	xc := contig(x)
	if dt == tensor.Float32 {
		maskedScale(raw[float32](out), raw[float32](xc), keep, 1/float32(1-p))
	} else {
		maskedScale(raw[float64](out), raw[float64](xc), keep, 1/(1-p))
	}
	if !x.IsContiguous() {
		tensorinternal.Recycle(xc) // a copy of x, read only here
	}
	tensor.Record(out, "MulBackward0", []*tensor.Tensor{x}, func(gy *tensor.Tensor) []*tensor.Tensor {
		gy = contig(gy)
		gx := tensorinternal.EmptyGrad(gy.DType(), gy.Shape()...)
		if gy.DType() == tensor.Float32 {
			maskedScale(raw[float32](gx), raw[float32](gy), keep, 1/float32(1-p))
		} else {
			maskedScale(raw[float64](gx), raw[float64](gy), keep, 1/(1-p))
		}
		return []*tensor.Tensor{gx}
	})
	return out
}

// maskedScale sets dst[i] = x[i]·m[i], m[i] = s where bit i of keep is set
// and 0 where it is not: the product with dropout's mask, whose zeros keep
// x's NaNs and signs.
func maskedScale[T float](dst, x []T, keep []uint64, s T) {
	x = x[:len(dst)]
	parallelChunks(len(keep), len(dst), func(lo, hi int) { maskedScaleWords(dst, x, keep, s, lo, hi) })
}

// maskedScaleWords is maskedScale on the elements of words [lo, hi) of keep.
func maskedScaleWords[T float](dst, x []T, keep []uint64, s T, lo, hi int) {
	m := [2]T{0, s}
	for w := lo; w < hi; w++ {
		bits := keep[w]
		e := w * 64
		d := dst[e:min(e+64, len(dst))]
		xs := x[e : e+len(d)]
		for i := range d {
			d[i] = xs[i] * m[bits&1]
			bits >>= 1
		}
	}
}
