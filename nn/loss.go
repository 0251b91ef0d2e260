package nn

import (
	"fmt"
	"math"
	"strings"

	"github.com/intercept-ml/intercept/internal/fp"
	"github.com/intercept-ml/intercept/internal/pyfmt"
	"github.com/intercept-ml/intercept/internal/tensorinternal"
	"github.com/intercept-ml/intercept/tensor"
)

// This file holds the losses of torch.nn.functional (1.13): MSELoss, L1Loss,
// SmoothL1Loss, HuberLoss, BCELoss, BCEWithLogitsLoss, NLLLoss and
// CrossEntropyLoss. See Reduction for what they share.

// Reduction selects how a loss reduces its element-wise terms (PyTorch's
// reduction argument). It is a LossOption: nn.MSELoss(pred, y, nn.Sum).
//
// The losses (MSELoss, L1Loss, SmoothL1Loss, HuberLoss, BCELoss,
// BCEWithLogitsLoss, NLLLoss, CrossEntropyLoss) mirror
// torch.nn.functional's of PyTorch 1.13. Each returns a tensor that records
// itself for autograd under PyTorch's grad_fn name (MseLossBackward0,
// NllLossBackward0, ...), with a hand-written backward pass for the input
// and, where PyTorch has one, for the target. The terms are computed in the
// input's element type with PyTorch's formulas and order of operations
// (cross entropy's log-softmax included), sums accumulated in float64:
// values and gradients agree with PyTorch's to within a few float32 ulps
// (most bit for bit). Misuse panics with PyTorch's message: a target whose
// shape differs from the input's (for the regression losses PyTorch only
// warns and broadcasts, which is almost always a bug such as (N, 1) against
// (N)), a class index out of range, BCE probabilities outside [0, 1].
type Reduction int

const (
	// Mean averages the terms (PyTorch's default, reduction='mean'); for
	// NLLLoss and CrossEntropyLoss with class weights it is the weighted
	// mean.
	Mean Reduction = iota
	// Sum adds the terms (reduction='sum').
	Sum
	// None returns the terms unreduced (reduction='none').
	None
)

// String returns PyTorch's name: "mean", "sum" or "none".
func (r Reduction) String() string {
	switch r {
	case Mean:
		return "mean"
	case Sum:
		return "sum"
	case None:
		return "none"
	}
	return fmt.Sprintf("Reduction(%d)", int(r))
}

func (r Reduction) applyLoss(c *lossConfig) {
	if r < Mean || r > None {
		panic(fmt.Sprintf("%v is not a valid value for reduction", r))
	}
	c.reduction = r
}

func (r Reduction) lossOptionName() string { return "reduction" }

// LossOption configures a loss function: a Reduction, Weight, IgnoreIndex or
// LabelSmoothing. An option that a loss does not take panics.
type LossOption interface {
	applyLoss(c *lossConfig)
	lossOptionName() string
}

type lossConfig struct {
	reduction      Reduction
	weight         *tensor.Tensor
	ignoreIndex    int64
	labelSmoothing float64
}

type lossOpt struct {
	name string
	fn   func(c *lossConfig)
}

func (o lossOpt) applyLoss(c *lossConfig) { o.fn(c) }
func (o lossOpt) lossOptionName() string  { return o.name }

// Weight gives a rescaling weight: per class (shape (C)) for NLLLoss and
// CrossEntropyLoss, per element (broadcast to the input's shape) for
// BCEWithLogitsLoss. Weights are constants: no gradient flows to them.
func Weight(w *tensor.Tensor) LossOption {
	return lossOpt{"weight", func(c *lossConfig) { c.weight = w }}
}

// IgnoreIndex sets the class index whose targets are left out of NLLLoss
// and CrossEntropyLoss (loss and gradient 0, not counted by Mean); the
// default is -100, as in PyTorch.
func IgnoreIndex(i int) LossOption {
	return lossOpt{"ignore_index", func(c *lossConfig) { c.ignoreIndex = int64(i) }}
}

// LabelSmoothing mixes the target of CrossEntropyLoss with the uniform
// distribution: eps in [0, 1] is the weight of the uniform part (PyTorch's
// label_smoothing).
func LabelSmoothing(eps float64) LossOption {
	return lossOpt{"label_smoothing", func(c *lossConfig) {
		if !(eps >= 0 && eps <= 1) {
			panic("label_smoothing must be between 0.0 and 1.0. Got: " + pyfmt.Float(eps))
		}
		c.labelSmoothing = eps
	}}
}

// defaultLossConfig is the configuration of a loss given no options.
var defaultLossConfig = lossConfig{reduction: Mean, ignoreIndex: -100}

// lossOptions applies opts, allowing only the named options besides the
// reduction.
func lossOptions(fn string, opts []LossOption, allowed ...string) lossConfig {
	if len(opts) == 0 {
		// Not through c, which escapes (by applyLoss): a call without
		// options then allocates nothing.
		return defaultLossConfig
	}
	c := defaultLossConfig
	for _, o := range opts {
		if o == nil {
			continue
		}
		name := o.lossOptionName()
		ok := name == "reduction"
		for _, a := range allowed {
			ok = ok || a == name
		}
		if !ok {
			panic(fmt.Sprintf("nn.%s: the %s option does not apply", fn, name))
		}
		o.applyLoss(&c)
	}
	return c
}

// ---------------------------------------------------------------- checks

func torchShape(s []int) string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = fmt.Sprint(d)
	}
	return "torch.Size([" + strings.Join(parts, ", ") + "])"
}

func listShape(s []int) string {
	parts := make([]string, len(s))
	for i, d := range s {
		parts[i] = fmt.Sprint(d)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func requireFloatLoss(fn, what string, t *tensor.Tensor) {
	if t == nil {
		panic(fmt.Sprintf("nn.%s: %s is nil", fn, what))
	}
	if !t.DType().IsFloat() {
		panic(fmt.Sprintf("nn.%s: %s must be a floating-point tensor, got %v", fn, what, t.DType()))
	}
}

// sameSizeTarget panics like PyTorch's size check of the element-wise
// losses and returns target converted to the input's element type.
func sameSizeTarget(fn string, input, target *tensor.Tensor, bce bool) *tensor.Tensor {
	requireFloatLoss(fn, "input", input)
	requireFloatLoss(fn, "target", target)
	if !input.SameShape(target) {
		switch {
		case bce && fn == "BCEWithLogitsLoss":
			panic(fmt.Sprintf("Target size (%s) must be the same as input size (%s)",
				torchShape(target.Shape()), torchShape(input.Shape())))
		case bce:
			panic(fmt.Sprintf("Using a target size (%s) that is different to the input size (%s) is deprecated. Please ensure they have the same size.",
				torchShape(target.Shape()), torchShape(input.Shape())))
		}
		panic(fmt.Sprintf("Using a target size (%s) that is different to the input size (%s). This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.",
			torchShape(target.Shape()), torchShape(input.Shape())))
	}
	return target.To(input.DType())
}

func sameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// ---------------------------------------------------------------- element-wise losses

type float interface{ float32 | float64 }

// values returns the elements of t (of element type T) in row-major order,
// without copying when t is contiguous. They must not be modified.
func values[T float](t *tensor.Tensor) []T {
	var z T
	switch any(z).(type) {
	case float32:
		return any(t.Float32sShared()).([]T)
	default:
		return any(t.Float64sShared()).([]T)
	}
}

// fromValues returns a new tensor of element type T holding v.
func fromValues[T float](v []T, shape []int) *tensor.Tensor {
	t, data := newValues[T](shape, false)
	copy(data, v)
	return t
}

// newValues returns a new contiguous tensor of element type T and its
// elements, which the caller must all set. A gradient (grad) comes from
// tensorinternal.EmptyGrad, whose memory Backward may recycle.
func newValues[T float](shape []int, grad bool) (*tensor.Tensor, []T) {
	dt := tensor.Float64
	if _, ok := any(T(0)).(float32); ok {
		dt = tensor.Float32
	}
	var t *tensor.Tensor
	if grad {
		t = tensorinternal.EmptyGrad(dt, shape...)
	} else {
		t = tensor.Empty(dt, shape...)
	}
	if dt == tensor.Float32 {
		return t, any(t.Data32()).([]T)
	}
	return t, any(t.Data64()).([]T)
}

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
	fn     string // Go function name, for messages
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
		if !sameShape(shape, input.Shape()) {
			panic(fmt.Sprintf("nn.%s: %s of shape %v does not broadcast to the input's shape %v", pl.fn, what, w.Shape(), input.Shape()))
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
	x, y := values[T](input), values[T](target)
	var w, pw []T
	if pl.weight != nil {
		w = values[T](pl.weight)
	}
	if pl.posW != nil {
		pw = values[T](pl.posW)
	}
	n := len(x)
	shape := input.Shape()
	// Each term is rounded to T; the reductions sum them in float64 in
	// index order.
	var out *tensor.Tensor
	var terms []T
	if red == None {
		out, terms = newValues[T](shape, false)
	}
	s := 0.0
	for i := range x {
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
		out, rv = newValues[T](nil, false)
		rv[0] = r
	}
	tensor.Record(out, pl.gradFn, []*tensor.Tensor{input, target}, func(g *tensor.Tensor) []*tensor.Tensor {
		gv := values[T](g)
		gxT, gx := newValues[T](shape, true)
		var gyT *tensor.Tensor
		var gy []T
		if target.RequiresGrad() {
			gyT, gy = newValues[T](shape, true)
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

func logT[T float](x T) T { return T(math.Log(float64(x))) }
func expT[T float](x T) T { return T(math.Exp(float64(x))) }

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

// MSELoss returns the mean squared error between input and target of the
// same shape: mean((input − target)²) (torch.nn.functional.mse_loss;
// grad_fn MseLossBackward0). Options: a Reduction.
func MSELoss(input, target *tensor.Tensor, opts ...LossOption) *tensor.Tensor {
	c := lossOptions("MSELoss", opts)
	target = sameSizeTarget("MSELoss", input, target, false)
	return pointwise(pointLoss{fn: "MSELoss", kind: kindMSE, gradFn: "MseLossBackward0"}, input, target, c.reduction)
}

// L1Loss returns the mean absolute error mean(|input − target|)
// (torch.nn.functional.l1_loss). In PyTorch 1.13 l1_loss is a composite of
// sub, abs and mean/sum, so the result's grad_fn is MeanBackward0,
// SumBackward0 or AbsBackward0 (none), and so it is here; the gradient is
// sign(input − target)·g (0 where they are equal). Options: a Reduction.
func L1Loss(input, target *tensor.Tensor, opts ...LossOption) *tensor.Tensor {
	c := lossOptions("L1Loss", opts)
	target = sameSizeTarget("L1Loss", input, target, false)
	d := input.Sub(target).Abs()
	switch c.reduction {
	case Sum:
		return d.Sum()
	case None:
		return d
	}
	return d.Mean()
}

// SmoothL1Loss returns the smooth L1 loss (torch.nn.functional.smooth_l1_loss;
// grad_fn SmoothL1LossBackward0): for z = |input − target|, 0.5·z²/beta
// where z < beta and z − 0.5·beta elsewhere; beta 0 gives the L1 loss.
// PyTorch's default beta is 1. Options: a Reduction.
func SmoothL1Loss(input, target *tensor.Tensor, beta float64, opts ...LossOption) *tensor.Tensor {
	c := lossOptions("SmoothL1Loss", opts)
	if !(beta >= 0) {
		panic("smooth_l1_loss does not support negative values for beta.")
	}
	target = sameSizeTarget("SmoothL1Loss", input, target, false)
	return pointwise(pointLoss{fn: "SmoothL1Loss", kind: kindSmoothL1, gradFn: "SmoothL1LossBackward0", param: beta},
		input, target, c.reduction)
}

// HuberLoss returns the Huber loss (torch.nn.functional.huber_loss;
// grad_fn HuberLossBackward0): for z = |input − target|, 0.5·z² where
// z < delta and delta·(z − 0.5·delta) elsewhere — SmoothL1Loss times delta.
// PyTorch's default delta is 1. Options: a Reduction.
func HuberLoss(input, target *tensor.Tensor, delta float64, opts ...LossOption) *tensor.Tensor {
	c := lossOptions("HuberLoss", opts)
	if !(delta > 0) {
		panic("huber_loss does not support non-positive values for delta.")
	}
	target = sameSizeTarget("HuberLoss", input, target, false)
	return pointwise(pointLoss{fn: "HuberLoss", kind: kindHuber, gradFn: "HuberLossBackward0", param: delta},
		input, target, c.reduction)
}

// BCELoss returns the binary cross entropy between probabilities input (in
// [0, 1]) and targets of the same shape (torch.nn.functional.binary_cross_entropy;
// grad_fn BinaryCrossEntropyBackward0):
//
//	−weight·(target·log(input) + (1 − target)·log(1 − input))
//
// with each log clamped to ≥ −100, as PyTorch does, so that the loss stays
// finite at 0 and 1. weight, broadcast to the input's shape, may be nil.
// Options: a Reduction. For logits, BCEWithLogitsLoss is more stable.
func BCELoss(input, target, weight *tensor.Tensor, opts ...LossOption) *tensor.Tensor {
	c := lossOptions("BCELoss", opts)
	target = sameSizeTarget("BCELoss", input, target, true)
	return pointwise(pointLoss{fn: "BCELoss", kind: kindBCE, gradFn: "BinaryCrossEntropyBackward0", weight: weight},
		input, target, c.reduction)
}

// BCEWithLogitsLoss returns the binary cross entropy of sigmoid(input) and
// target (torch.nn.functional.binary_cross_entropy_with_logits; grad_fn
// BinaryCrossEntropyWithLogitsBackward0), computed stably as PyTorch does:
//
//	m = max(−x, 0);  ℓ = (1 − y)·x + lw·(log(e^(−m) + e^(−x−m)) + m),  lw = 1 + (posWeight − 1)·y
//
// posWeight (the weight of positive examples, broadcast along the last
// dimension, e.g. one per class) may be nil. Options: a Reduction, Weight
// (per element, broadcast).
func BCEWithLogitsLoss(input, target, posWeight *tensor.Tensor, opts ...LossOption) *tensor.Tensor {
	c := lossOptions("BCEWithLogitsLoss", opts, "weight")
	target = sameSizeTarget("BCEWithLogitsLoss", input, target, true)
	return pointwise(pointLoss{fn: "BCEWithLogitsLoss", kind: kindBCELogits, gradFn: "BinaryCrossEntropyWithLogitsBackward0",
		weight: c.weight, posW: posWeight}, input, target, c.reduction)
}

// ---------------------------------------------------------------- NLL and cross entropy

// nllGeometry checks the shapes of NLLLoss and returns the number of
// samples N, classes C and positions per sample S (the product of the
// extra dimensions).
func nllGeometry(input, target *tensor.Tensor) (n, c, s int) {
	requireFloatLoss("NLLLoss", "input", input)
	if target == nil {
		panic("nn.NLLLoss: target is nil")
	}
	if target.DType() != tensor.Int64 {
		panic(fmt.Sprintf("expected scalar type Long but found %s", scalarTypeName(target.DType())))
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
	if !sameShape(want, tg) {
		panic(fmt.Sprintf("Expected target size %s, got %s", listShape(want), listShape(tg)))
	}
	s = 1
	for _, d := range in[2:] {
		s *= d
	}
	return in[0], in[1], s
}

func scalarTypeName(dt tensor.DType) string {
	switch dt {
	case tensor.Float32:
		return "Float"
	case tensor.Float64:
		return "Double"
	case tensor.Int64:
		return "Long"
	case tensor.Bool:
		return "Bool"
	}
	return dt.String()
}

func classWeight(input, w *tensor.Tensor, c int) *tensor.Tensor {
	if w == nil {
		return nil
	}
	requireFloatLoss("NLLLoss", "weight", w)
	if w.Dim() != 1 || w.Size(0) != c {
		panic(fmt.Sprintf("weight tensor should be defined either for all %d classes or no classes but got weight tensor of shape: %s",
			c, listShape(w.Shape())))
	}
	return w.Detach().To(input.DType()).Contiguous()
}

// NLLLoss returns the negative log-likelihood loss of log-probabilities
// input and class indices target (torch.nn.functional.nll_loss; grad_fn
// NllLossBackward0): −weight[t]·input[t] per sample. Shapes: input (C) with
// a 0-d target, (N, C) with target (N), or (N, C, d1, ...) with target
// (N, d1, ...); target is int64 with values in [0, C) or the ignore index.
// Mean divides by the sum of the weights of the counted targets (NaN if
// there are none, as in PyTorch). Options: a Reduction, Weight (shape (C)),
// IgnoreIndex (default -100).
func NLLLoss(input, target *tensor.Tensor, opts ...LossOption) *tensor.Tensor {
	c := lossOptions("NLLLoss", opts, "weight", "ignore_index")
	return nllLoss(input, target, c)
}

func nllLoss(input, target *tensor.Tensor, c lossConfig) *tensor.Tensor {
	n, nc, s := nllGeometry(input, target)
	w := classWeight(input, c.weight, nc)
	if input.DType() == tensor.Float32 {
		return nllT[float32](input, target, w, n, nc, s, c)
	}
	return nllT[float64](input, target, w, n, nc, s, c)
}

func nllT[T float](input, target, weight *tensor.Tensor, n, nc, s int, c lossConfig) *tensor.Tensor {
	x := values[T](input)
	tg := target.Int64s()
	var w []T
	if weight != nil {
		w = values[T](weight)
	}
	terms := make([]T, n*s)
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
	var out *tensor.Tensor
	totalWeight := T(wsum)
	switch {
	case view:
		out = fromValues(terms, []int{n, 1, s})
	case c.reduction == None:
		out = fromValues(terms, target.Shape())
	default:
		sum := 0.0
		for _, v := range terms {
			sum += float64(v)
		}
		r := T(sum)
		if c.reduction == Mean {
			r = r / totalWeight
		}
		out = fromValues([]T{r}, nil)
	}
	shape := input.Shape()
	tensor.Record(out, name, []*tensor.Tensor{input}, func(g *tensor.Tensor) []*tensor.Tensor {
		gv := values[T](g)
		gxT, gx := newValues[T](shape, true)
		clear(gx) // only the targets' elements are set below
		for j, t := range tg {
			if t == c.ignoreIndex {
				continue
			}
			var gj T
			switch c.reduction {
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

// CrossEntropyLoss returns the cross entropy between the logits input and
// target (torch.nn.functional.cross_entropy), which is either
//
//   - class indices (int64): NLLLoss(LogSoftmax(input, class dim), target),
//     with the shapes of NLLLoss; grad_fn NllLossBackward0, or
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
func CrossEntropyLoss(input, target *tensor.Tensor, opts ...LossOption) *tensor.Tensor {
	c := lossOptions("CrossEntropyLoss", opts, "weight", "ignore_index", "label_smoothing")
	requireFloatLoss("CrossEntropyLoss", "input", input)
	if target == nil {
		panic("nn.CrossEntropyLoss: target is nil")
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
		if !sameShape(input.Shape(), target.Shape()) {
			panic(fmt.Sprintf("nn.CrossEntropyLoss: a class-probability target must have the input's shape %s, got %s (class-index targets are int64)",
				listShape(input.Shape()), listShape(target.Shape())))
		}
		return crossEntropyProbs(input, target.To(input.DType()), c, classDim, nc)
	}
	logp := logSoftmax(input, classDim)
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

func crossEntropyProbs(input, target *tensor.Tensor, c lossConfig, classDim, nc int) *tensor.Tensor {
	if c.ignoreIndex != -100 {
		panic("ignore_index is not supported for floating point target")
	}
	logp := logSoftmax(input, classDim)
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

// logSoftmax is log_softmax(input, dim) computed as ATen's CPU kernel does
// in the input's element type — the maximum, then the sum of exp(x − max)
// (in vector lanes of 8 floats or 4 doubles when dim is the last dimension,
// in order otherwise), then (x − max) − log(sum) — so that its small
// rounding differences from a correctly rounded result are PyTorch's too:
// cross-entropy gradients, softmax − one-hot, cancel where a class is
// confidently predicted and would magnify them. The backward is
// g − exp(y)·Σg, read from the output's own elements: callers must not
// modify the output in place.
func logSoftmax(input *tensor.Tensor, dim int) *tensor.Tensor {
	if input.DType() == tensor.Float32 {
		return logSoftmaxT[float32](input, dim)
	}
	return logSoftmaxT[float64](input, dim)
}

func logSoftmaxT[T float](input *tensor.Tensor, dim int) *tensor.Tensor {
	shape := input.Shape()
	nc := shape[dim]
	outer, inner := 1, 1
	for _, d := range shape[:dim] {
		outer *= d
	}
	for _, d := range shape[dim+1:] {
		inner *= d
	}
	x := values[T](input)
	// The backward pass reads y, the output's own elements: the callers
	// (the cross-entropy losses) never modify it in place.
	out, y := newValues[T](shape, false)
	lanes := 8
	if _, ok := any(T(0)).(float64); ok {
		lanes = 4
	}
	row := make([]T, nc)
	for o := range outer {
		for p := range inner {
			base := o*nc*inner + p
			m := x[base]
			for c := 1; c < nc; c++ {
				v := x[base+c*inner]
				if v > m || v != v {
					m = v
				}
			}
			for c := range nc {
				row[c] = expT(x[base+c*inner] - m)
			}
			var s T
			if inner == 1 {
				s = laneSum(row, lanes)
			} else {
				for _, v := range row {
					s += v
				}
			}
			ls := logT(s)
			for c := range nc {
				i := base + c*inner
				y[i] = (x[i] - m) - ls
			}
		}
	}
	tensor.Record(out, "LogSoftmaxBackward0", []*tensor.Tensor{input}, func(g *tensor.Tensor) []*tensor.Tensor {
		gv := values[T](g)
		gxT, gx := newValues[T](shape, true) // every element is written below
		for o := range outer {
			for p := range inner {
				base := o*nc*inner + p
				for c := range nc {
					row[c] = gv[base+c*inner]
				}
				var s T
				if inner == 1 {
					s = laneSum(row, lanes)
				} else {
					for _, v := range row {
						s += v
					}
				}
				for c := range nc {
					i := base + c*inner
					gx[i] = fmaT(-expT(y[i]), s, gv[i])
				}
			}
		}
		return []*tensor.Tensor{gxT}
	})
	return out
}

// laneSum adds v as ATen's vectorized reduction does: in order when v is
// shorter than a vector, otherwise in lanes accumulated vector by vector
// (the tail added to the first lanes) and the lanes then added pairwise
// (lane i with lane i + lanes/2, and so on).
func laneSum[T float](v []T, lanes int) T {
	if len(v) < lanes {
		s := v[0]
		for _, x := range v[1:] {
			s += x
		}
		return s
	}
	acc := make([]T, lanes)
	copy(acc, v[:lanes])
	d := lanes
	for ; d+lanes <= len(v); d += lanes {
		for k := range lanes {
			acc[k] += v[d+k]
		}
	}
	for k := 0; d+k < len(v); k++ {
		acc[k] += v[d+k]
	}
	for half := lanes / 2; half >= 1; half /= 2 {
		for k := range half {
			acc[k] += acc[k+half]
		}
	}
	return acc[0]
}

func fmaT[T float](a, b, c T) T {
	if _, ok := any(a).(float32); ok {
		return T(fp.FMA32(float32(a), float32(b), float32(c)))
	}
	return T(math.FMA(float64(a), float64(b), float64(c)))
}
