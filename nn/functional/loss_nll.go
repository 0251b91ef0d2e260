package functional

import (
	"fmt"
	"slices"

	"github.com/intercept-ml/intercept/internal/pyfmt"
	"github.com/intercept-ml/intercept/internal/tensorinternal"
	"github.com/intercept-ml/intercept/tensor"
)

// NLLLoss returns the negative log-likelihood loss of log-probabilities
// input and class indices target (torch.nn.functional.nll_loss; grad_fn
// NllLossBackward0): −weight[t]·input[t] per sample. Shapes: input (C) with
// a 0-d target, (N, C) with target (N), or (N, C, d1, ...) with target
// (N, d1, ...); target is int64 with values in [0, C) or the ignore index.
// Mean divides by the sum of the weights of the counted targets (NaN if
// there are none, as in PyTorch). Options: a Reduction, Weight (shape (C)),
// IgnoreIndex (default -100).
func NLLLoss(input, target *tensor.Tensor, opts ...NLLLossOption) *tensor.Tensor {
	c := lossOptions(opts)
	return nllLoss(input, target, c)
}

// nllGeometry checks the shapes of NLLLoss and returns the number of
// samples N, classes C and positions per sample S (the product of the
// extra dimensions).
func nllGeometry(input, target *tensor.Tensor) (n, c, s int) {
	requireFloatLoss("nll_loss", "input", input)
	if target == nil {
		panic("nll_loss: target is nil")
	}
	if target.DType() != tensor.Int64 {
		panic(fmt.Sprintf("expected scalar type Long but found %s", tensorinternal.ScalarTypeName(target.DType())))
	}
	in, tg := input.Shape(), target.Shape()
	switch {
	case len(in) == 0:
		panic("input tensor should be 1D or more")
	case len(in) == 1:
		if len(tg) != 0 {
			panic("0D target tensor expected, multi-target not supported")
		}
		return 1, in[0], 1
	case len(in) == 2:
		if len(tg) != 1 {
			panic("0D or 1D target tensor expected, multi-target not supported")
		}
		if in[0] != tg[0] {
			panic(fmt.Sprintf("Expected input batch_size (%d) to match target batch_size (%d).", in[0], tg[0]))
		}
		return in[0], in[1], 1
	}
	want := append([]int{in[0]}, in[2:]...)
	if !slices.Equal(want, tg) {
		panic(fmt.Sprintf("Expected target size %s, got %s", pyfmt.List(want...), pyfmt.List(tg...)))
	}
	s = 1
	for _, d := range in[2:] {
		s *= d
	}
	return in[0], in[1], s
}

func classWeight(input, w *tensor.Tensor, c int) *tensor.Tensor {
	if w == nil {
		return nil
	}
	requireFloatLoss("nll_loss", "weight", w)
	if w.Dim() != 1 || w.Size(0) != c {
		panic(fmt.Sprintf("weight tensor should be defined either for all %d classes or no classes but got weight tensor of shape: %s",
			c, pyfmt.List(w.Shape()...)))
	}
	return w.Detach().To(input.DType()).Contiguous()
}

func nllLoss(input, target *tensor.Tensor, c callConfig) *tensor.Tensor {
	n, nc, s := nllGeometry(input, target)
	w := classWeight(input, c.weight, nc)
	if input.DType() == tensor.Float32 {
		return nllT[float32](input, target, w, n, nc, s, c)
	}
	return nllT[float64](input, target, w, n, nc, s, c)
}

func nllT[T float](input, target, weight *tensor.Tensor, n, nc, s int, c callConfig) *tensor.Tensor {
	x := elems[T](input)
	tg := target.Int64s()
	var w []T
	if weight != nil {
		w = elems[T](weight)
	}
	// PyTorch's nll_loss_nd calls nll_loss for 1-D and 2-D inputs and
	// nll_loss2d otherwise, viewing other than 4-D inputs as (N, C, 1, S)
	// and, unreduced, the (N, 1, S) result back to the target's shape.
	name := "NllLossBackward0"
	dim := input.Dim()
	view := false
	if dim > 2 {
		name = "NllLoss2DBackward0"
		view = dim != 4 && c.reduction == None
	}
	// Unreduced, the terms are the result's elements (zero where ignored).
	var out *tensor.Tensor
	var terms []T
	switch {
	case view:
		out, terms = newFloat[T]([]int{n, 1, s}, false)
	case c.reduction == None:
		out, terms = newFloat[T](target.Shape(), false)
	default:
		terms = make([]T, n*s)
	}
	wsum := 0.0
	for j := range tg { // j = sample·s + position
		t := tg[j]
		if t == c.ignoreIndex {
			continue
		}
		if t < 0 || t >= int64(nc) {
			panic(fmt.Sprintf("Target %d is out of bounds.", t))
		}
		wt := T(1)
		if w != nil {
			wt = w[t]
		}
		i, p := j/s, j%s
		terms[j] = T(-x[(i*nc+int(t))*s+p] * wt)
		wsum += float64(wt)
	}
	totalWeight := T(wsum)
	if c.reduction != None {
		sum := 0.0
		for _, v := range terms {
			sum += float64(v)
		}
		r := T(sum)
		if c.reduction == Mean {
			r = r / totalWeight
		}
		var rv []T
		out, rv = newFloat[T](nil, false)
		rv[0] = r
	}
	shape := input.Shape()
	// The backward pass keeps the two values it needs, not c (too large to
	// be captured by value, it would move to the heap).
	ignoreIndex, reduction := c.ignoreIndex, c.reduction
	tensor.Record(out, name, []*tensor.Tensor{input}, func(g *tensor.Tensor) []*tensor.Tensor {
		gv := elems[T](g)
		gxT, gx := newFloat[T](shape, true)
		clear(gx) // only the targets' elements are set below
		for j, t := range tg {
			if t == ignoreIndex {
				continue
			}
			var gj T
			switch reduction {
			case None:
				gj = -gv[j]
			case Mean:
				gj = -(gv[0] / totalWeight)
			default:
				gj = -gv[0]
			}
			if w != nil {
				gj = T(gj * w[t])
			}
			i, p := j/s, j%s
			gx[(i*nc+int(t))*s+p] = gj
		}
		return []*tensor.Tensor{gxT}
	})
	if view {
		return out.View(target.Shape()...)
	}
	return out
}
