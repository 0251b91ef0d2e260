package functional

import (
	"fmt"
	"slices"

	"github.com/intercept-ml/intercept/internal/pyfmt"
	"github.com/intercept-ml/intercept/internal/xmath"
	"github.com/intercept-ml/intercept/tensor"
)

// The engine of the element-wise losses (MSELoss, SmoothL1Loss, HuberLoss,
// BinaryCrossEntropy, BinaryCrossEntropyWithLogits): each term is computed
// in the input's element type with PyTorch's formula and order of
// operations, the reductions sum the terms in float64 in index order, and
// the backward pass uses PyTorch's backward formulas.

type pointKind int

const (
	kindMSE pointKind = iota
	kindSmoothL1
	kindHuber
	kindBCE
	kindBCELogits
)

// pointLoss describes an element-wise loss.
type pointLoss struct {
	fn     string // PyTorch name, for messages
	kind   pointKind
	gradFn string
	param  float64        // beta (SmoothL1), delta (Huber)
	weight *tensor.Tensor // per element, broadcast to the input's shape
	posW   *tensor.Tensor // BCEWithLogits pos_weight, broadcast
}

// pointwise computes the loss pl of input and target with reduction red
// and records it.
func pointwise(pl pointLoss, input, target *tensor.Tensor, red Reduction) *tensor.Tensor {
	expand := func(w *tensor.Tensor, what string) *tensor.Tensor {
		if w == nil {
			return nil
		}
		requireFloatLoss(pl.fn, what, w)
		shape := tensor.BroadcastShapes(w.Shape(), input.Shape())
		if !slices.Equal(shape, input.Shape()) {
			panic(fmt.Sprintf("%s: %s of shape %s does not broadcast to the input's shape %s", pl.fn, what, pyfmt.List(w.Shape()...), pyfmt.List(input.Shape()...)))
		}
		return w.Detach().To(input.DType()).Expand(input.Shape()...).Contiguous()
	}
	pl.weight = expand(pl.weight, "weight")
	pl.posW = expand(pl.posW, "pos_weight")
	if input.DType() == tensor.Float32 {
		return pointwiseT[float32](pl, input, target, red)
	}
	return pointwiseT[float64](pl, input, target, red)
}

func pointwiseT[T float](pl pointLoss, input, target *tensor.Tensor, red Reduction) *tensor.Tensor {
	x, y := elems[T](input), elems[T](target)
	var w, pw []T
	if pl.weight != nil {
		w = elems[T](pl.weight)
	}
	if pl.posW != nil {
		pw = elems[T](pl.posW)
	}
	n := len(x)
	// Each term is rounded to T; the reductions sum them in float64 in
	// index order.
	var out *tensor.Tensor
	var terms []T
	if red == None {
		out, terms = newFloat[T](input.Shape(), false)
	}
	s := 0.0
	rest := x // the elements not summed yet
	if pl.kind == kindMSE && w == nil && terms == nil {
		// The reduced MSE: pointTerm's kindMSE case in one loop.
		for i := range x {
			d := x[i] - y[i]
			s += float64(T(d * d))
		}
		rest = nil
	}
	for i := range rest {
		l := pointTerm(pl, x[i], y[i], pw, i)
		if w != nil {
			l = T(l * w[i])
		}
		if terms != nil {
			terms[i] = l
		} else {
			s += float64(l)
		}
	}
	if red != None {
		r := T(s)
		if red == Mean {
			r = r / T(n)
		}
		var rv []T
		out, rv = newFloat[T](nil, false)
		rv[0] = r
	}
	tensor.Record(out, pl.gradFn, []*tensor.Tensor{input, target}, func(g *tensor.Tensor) []*tensor.Tensor {
		gv := elems[T](g)
		shape := input.Shape()
		gxT, gx := newFloat[T](shape, true)
		var gyT *tensor.Tensor
		var gy []T
		if target.RequiresGrad() {
			gyT, gy = newFloat[T](shape, true)
		}
		if pl.kind == kindMSE && w == nil && gy == nil {
			// diffGrad's kindMSE case, elementwise in parallel chunks.
			norm := T(2.0)
			if red == Mean {
				norm = T(2. / float64(n))
			}
			parallelChunks(n, n, func(lo, hi int) {
				for i := lo; i < hi; i++ {
					gi := gv[0]
					if red == None {
						gi = gv[i]
					}
					gx[i] = T(T(norm*(x[i]-y[i])) * gi)
				}
			})
			return []*tensor.Tensor{gxT, nil}
		}
		for i := range x {
			gi := gv[0]
			if red == None {
				gi = gv[i]
			}
			dx, dy := pointGrad(pl, x[i], y[i], gi, pw, i, red, n, gy != nil)
			if w != nil {
				dx = T(dx * w[i])
				dy = T(dy * w[i])
			}
			if red == Mean && (pl.kind == kindBCE || pl.kind == kindBCELogits) {
				dx = dx / T(n) // grad_input.div_(input.numel())
				dy = dy / T(n)
			}
			gx[i] = dx
			if gy != nil {
				gy[i] = dy
			}
		}
		return []*tensor.Tensor{gxT, gyT}
	})
	return out
}

func logT[T float](x T) T { return T(xmath.Log(float64(x))) }
func expT[T float](x T) T { return T(xmath.Exp(float64(x))) }

// sigmoidT is ATen's sigmoid, 1 / (1 + exp(−x)) in T.
func sigmoidT[T float](x T) T {
	return 1 / (1 + expT(-x))
}

// pointTerm is the unweighted loss of one element, in PyTorch's order of
// operations.
func pointTerm[T float](pl pointLoss, x, y T, pw []T, i int) T {
	switch pl.kind {
	case kindMSE:
		d := x - y
		return T(d * d)
	case kindSmoothL1:
		z := x - y
		if z < 0 {
			z = -z
		}
		beta := T(pl.param)
		if pl.param == 0 {
			return z // l1_loss
		}
		if z < beta {
			return T(T(T(0.5*z)*z) / beta)
		}
		return z - T(0.5*beta)
	case kindHuber:
		z := x - y
		if z < 0 {
			z = -z
		}
		delta := T(pl.param)
		if z < delta {
			return T(T(0.5*z) * z)
		}
		return T(delta * (z - T(0.5*delta)))
	case kindBCE:
		if !(x >= 0 && x <= 1) {
			panic("all elements of input should be between 0 and 1")
		}
		a := max(logT(1-x), -100)
		b := max(logT(x), -100)
		return T((y-1)*a) - T(y*b)
	case kindBCELogits:
		m := max(-x, 0) // (-input).clamp_min_(0)
		e := logT(expT(-m) + expT(-x-m))
		if pw != nil {
			lw := T(T((pw[i]-1)*y) + 1)
			return T((1-y)*x) + T(lw*(e+m))
		}
		return T((1-y)*x) + m + e
	}
	panic("unreachable")
}

// pointGrad returns the derivatives of one element's loss with respect to
// input and target, times the upstream gradient g (and, except for BCE,
// the 1/n of Mean), by PyTorch's backward formulas. For the losses of
// x − y, PyTorch computes the target's gradient with the input's formula
// and the arguments swapped; so does this (it differs from the negated input
// gradient where x = y: SmoothL1Loss with beta 0 gives −g for both there).
func pointGrad[T float](pl pointLoss, x, y, g T, pw []T, i int, red Reduction, n int, wantY bool) (dx, dy T) {
	switch pl.kind {
	case kindMSE, kindSmoothL1, kindHuber:
		dx = diffGrad(pl, x, y, g, red, n)
		if wantY {
			dy = diffGrad(pl, y, x, g, red, n)
		}
		return dx, dy
	case kindBCE:
		dx = T(g*(x-y)) / max(T((1-x)*x), T(1e-12))
		if wantY {
			dy = T(-logT(x/(1-x)) * g) // −logit(x)·g
		}
		return dx, dy
	case kindBCELogits:
		s := sigmoidT(x)
		if pw != nil {
			t := T(pw[i] * y)
			dx = T((T(T(t+1-y)*s) - t) * g) // t.add(1).sub_(target).mul_(sigmoid).sub_(t).mul_(grad)
			if wantY {
				dy = T(T(logT(1-s)-T(pw[i]*logT(s))) * g)
			}
		} else {
			dx = T((s - y) * g)
			if wantY {
				dy = T(x * -g)
			}
		}
		return dx, dy
	}
	panic("unreachable")
}

// diffGrad is the backward kernel of mse_loss, smooth_l1_loss and
// huber_loss for input x and target y.
func diffGrad[T float](pl pointLoss, x, y, g T, red Reduction, n int) T {
	d := x - y
	switch pl.kind {
	case kindMSE:
		norm := T(2.0)
		if red == Mean {
			norm = T(2. / float64(n))
		}
		return T(T(norm*d) * g)
	case kindSmoothL1: // beta 0 included: then x = y gives −norm·g
		norm := T(1.0)
		if red == Mean {
			norm = T(1. / float64(n))
		}
		beta := T(pl.param)
		switch {
		case d <= -beta:
			return T(-norm * g)
		case d >= beta:
			return T(norm * g)
		}
		return T(T(T(norm*d)*g) / beta)
	default: // Huber
		norm := T(1.0)
		if red == Mean {
			norm = T(1. / float64(n))
		}
		delta := T(pl.param)
		switch {
		case d <= -delta:
			return T(T(-norm*g) * delta)
		case d >= delta:
			return T(T(norm*g) * delta)
		}
		return T(T(norm*d) * g)
	}
}
