package functional

import (
	"fmt"
	"math"
	"slices"

	"github.com/intercept-ml/intercept/internal/pyfmt"
	"github.com/intercept-ml/intercept/tensor"
)

// CrossEntropy returns the cross entropy between the logits input and
// target (torch.nn.functional.cross_entropy), which is either
//
//   - class indices (int64): NLLLoss(input.LogSoftmax(class dim), target),
//     bit for bit, with the shapes of NLLLoss; grad_fn NllLossBackward0, or
//     AddBackward0 with label smoothing (PyTorch adds a smoothing term), or
//   - class probabilities (a float tensor of the input's shape):
//     −Σ_c weight[c]·target[c]·log_softmax(input)[c] per sample; with Mean
//     divided by the number of samples (grad_fn DivBackward1), NegBackward0
//     otherwise.
//
// The class dimension is 1, or 0 for an unbatched input (C). Options: a
// Reduction, Weight (shape (C)), IgnoreIndex (class indices only; default
// -100) and LabelSmoothing(eps), which replaces the target by
// (1 − eps)·target + eps/C, as in PyTorch 1.13.
func CrossEntropy(input, target *tensor.Tensor, opts ...CrossEntropyOption) *tensor.Tensor {
	c := lossOptions(opts)
	requireFloatLoss("cross_entropy", "input", input)
	if target == nil {
		panic("cross_entropy: target is nil")
	}
	classDim := 1
	if input.Dim() == 1 {
		classDim = 0
	}
	if input.Dim() == 0 {
		panic("input tensor should be 1D or more")
	}
	nc := input.Size(classDim)
	if target.DType().IsFloat() {
		if !slices.Equal(input.Shape(), target.Shape()) {
			panic(fmt.Sprintf("cross_entropy: a class-probability target must have the input's shape %s, got %s (class-index targets are int64)",
				pyfmt.List(input.Shape()...), pyfmt.List(target.Shape()...)))
		}
		return crossEntropyProbs(input, target.To(input.DType()), c, classDim, nc)
	}
	logp := input.LogSoftmax(classDim)
	nll := nllLoss(logp, target, c)
	if c.labelSmoothing == 0 {
		return nll
	}
	ls := c.labelSmoothing
	// smooth_loss = −Σ_c weight[c]·logp[c], zero at ignored positions
	w := classWeight(input, c.weight, nc)
	var smooth *tensor.Tensor
	if w != nil {
		smooth = logp.Mul(w.Reshape(broadcastClassShape(input.Dim(), classDim, nc)...)).Sum(classDim).Neg()
	} else {
		smooth = logp.Sum(classDim).Neg()
	}
	ignore := target.EqScalar(float64(c.ignoreIndex))
	smooth = tensor.Where(ignore, tensor.ZerosLike(smooth), smooth)
	var ret *tensor.Tensor
	switch c.reduction {
	case Mean:
		// divided by the total weight of the counted targets, as nll_loss
		den := 0.0
		var wv []float64
		if w != nil {
			wv = w.Float64s()
		}
		for _, t := range target.Int64s() {
			if t != c.ignoreIndex {
				if wv != nil {
					den += wv[t]
				} else {
					den++
				}
			}
		}
		ret = smooth.Sum().Div(tensor.FullOf(input.DType(), den))
	case Sum:
		ret = smooth.Sum()
	default:
		ret = smooth
	}
	return nll.MulScalar(1 - ls).Add(ret.MulScalar(ls / float64(nc)))
}

func broadcastClassShape(dim, classDim, nc int) []int {
	s := make([]int, dim)
	for i := range s {
		s[i] = 1
	}
	s[classDim] = nc
	return s
}

func crossEntropyProbs(input, target *tensor.Tensor, c callConfig, classDim, nc int) *tensor.Tensor {
	if c.ignoreIndex != -100 {
		panic("ignore_index is not supported for floating point target")
	}
	logp := input.LogSoftmax(classDim)
	if ls := c.labelSmoothing; ls > 0 {
		target = target.MulScalar(1 - ls).AddScalar(ls / float64(nc))
	}
	prod := logp.Mul(target)
	if w := classWeight(input, c.weight, nc); w != nil {
		prod = prod.Mul(w.Reshape(broadcastClassShape(input.Dim(), classDim, nc)...))
	}
	switch c.reduction {
	case Sum:
		return prod.Sum().Neg()
	case None:
		return prod.Sum(classDim).Neg()
	}
	neg := prod.Sum().Neg()
	d := float64(input.Numel() / nc)
	if input.Numel() == 0 {
		d = math.NaN()
	}
	return divScalarNamed(neg, d, "DivBackward1")
}

// divScalarNamed returns t / d recorded under name (PyTorch's C++
// Tensor / int64 is div.Scalar, whose grad_fn is DivBackward1).
func divScalarNamed(t *tensor.Tensor, d float64, name string) *tensor.Tensor {
	var out *tensor.Tensor
	tensor.NoGrad(func() { out = t.DivScalar(d) })
	tensor.Record(out, name, []*tensor.Tensor{t}, func(g *tensor.Tensor) []*tensor.Tensor {
		return []*tensor.Tensor{g.DivScalar(d)}
	})
	return out
}
