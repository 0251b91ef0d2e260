package functional

import (
	"fmt"

	"github.com/intercept-ml/intercept/internal/pyfmt"
	"github.com/intercept-ml/intercept/tensor"
)

// The options of the losses. Each loss takes its own family of options (an
// interface with an unexported method, such as CrossEntropyOption), so that
// an option a loss does not take is a compile error. An option taken by
// several losses is a named type implementing each of their families. The
// losses and the options (PyTorch keywords) they take:
//
//	MSELoss, L1Loss                Reduction
//	SmoothL1Loss                   Reduction, Beta
//	HuberLoss                      Reduction, Delta
//	BinaryCrossEntropy             Reduction, Weight
//	BinaryCrossEntropyWithLogits   Reduction, Weight, PosWeight
//	NLLLoss                        Reduction, Weight, IgnoreIndex
//	CrossEntropy                   Reduction, Weight, IgnoreIndex, LabelSmoothing
//
// Option values are checked when the loss is called, with PyTorch's
// message (LabelSmoothing(1.5) panics "label_smoothing must be between 0.0
// and 1.0. Got: 1.5").

// MSELossOption configures MSELoss (and nn.MSELoss): a Reduction.
type MSELossOption interface{ applyMSELoss(*lossConfig) }

// L1LossOption configures L1Loss (and nn.L1Loss): a Reduction.
type L1LossOption interface{ applyL1Loss(*lossConfig) }

// SmoothL1LossOption configures SmoothL1Loss (and nn.SmoothL1Loss): a
// Reduction or Beta.
type SmoothL1LossOption interface{ applySmoothL1Loss(*lossConfig) }

// HuberLossOption configures HuberLoss (and nn.HuberLoss): a Reduction or
// Delta.
type HuberLossOption interface{ applyHuberLoss(*lossConfig) }

// BinaryCrossEntropyOption configures BinaryCrossEntropy (and nn.BCELoss):
// a Reduction or Weight.
type BinaryCrossEntropyOption interface{ applyBinaryCrossEntropy(*lossConfig) }

// BinaryCrossEntropyWithLogitsOption configures
// BinaryCrossEntropyWithLogits (and nn.BCEWithLogitsLoss): a Reduction,
// Weight or PosWeight.
type BinaryCrossEntropyWithLogitsOption interface {
	applyBinaryCrossEntropyWithLogits(*lossConfig)
}

// NLLLossOption configures NLLLoss (and nn.NLLLoss): a Reduction, Weight or
// IgnoreIndex.
type NLLLossOption interface{ applyNLLLoss(*lossConfig) }

// CrossEntropyOption configures CrossEntropy (and nn.CrossEntropyLoss): a
// Reduction, Weight, IgnoreIndex or LabelSmoothing.
type CrossEntropyOption interface{ applyCrossEntropy(*lossConfig) }

// lossConfig holds the options of a loss; each loss reads those it takes.
type lossConfig struct {
	reduction      Reduction
	weight         *tensor.Tensor
	posWeight      *tensor.Tensor
	ignoreIndex    int64
	labelSmoothing float64
	beta, delta    float64
}

// defaultLossConfig is the configuration of a loss given no options:
// PyTorch's defaults.
var defaultLossConfig = lossConfig{reduction: Mean, ignoreIndex: -100, beta: 1, delta: 1}

// configure applies opts (nil ones are skipped) to the default
// configuration.
func configure[O any](opts []O, apply func(O, *lossConfig)) lossConfig {
	if len(opts) == 0 {
		// Not through c, which escapes (by apply): a call without options
		// then allocates nothing.
		return defaultLossConfig
	}
	c := defaultLossConfig
	for _, o := range opts {
		if any(o) != nil {
			apply(o, &c)
		}
	}
	return c
}

// Reduction selects how a loss reduces its element-wise terms (PyTorch's
// reduction keyword): Mean (the default), Sum or None. Every loss takes it:
// MSELoss(pred, y, Sum).
type Reduction int

const (
	// Mean averages the terms (PyTorch's default, reduction='mean'); for
	// NLLLoss and CrossEntropy with class weights it is the weighted mean.
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

func (r Reduction) apply(c *lossConfig) {
	if r < Mean || r > None {
		panic(fmt.Sprintf("%v is not a valid value for reduction", r))
	}
	c.reduction = r
}

func (r Reduction) applyMSELoss(c *lossConfig)                      { r.apply(c) }
func (r Reduction) applyL1Loss(c *lossConfig)                       { r.apply(c) }
func (r Reduction) applySmoothL1Loss(c *lossConfig)                 { r.apply(c) }
func (r Reduction) applyHuberLoss(c *lossConfig)                    { r.apply(c) }
func (r Reduction) applyBinaryCrossEntropy(c *lossConfig)           { r.apply(c) }
func (r Reduction) applyBinaryCrossEntropyWithLogits(c *lossConfig) { r.apply(c) }
func (r Reduction) applyNLLLoss(c *lossConfig)                      { r.apply(c) }
func (r Reduction) applyCrossEntropy(c *lossConfig)                 { r.apply(c) }

// WeightOption is a rescaling weight (PyTorch's weight keyword), made by
// Weight. It is an option of NLLLoss, CrossEntropy, BinaryCrossEntropy and
// BinaryCrossEntropyWithLogits.
type WeightOption struct{ w *tensor.Tensor }

// Weight gives a rescaling weight: per class (shape (C)) for NLLLoss and
// CrossEntropy, per element (broadcast to the input's shape) for
// BinaryCrossEntropy and BinaryCrossEntropyWithLogits (PyTorch's weight).
// Weights are constants: no gradient flows to them. A nil w means none.
func Weight(w *tensor.Tensor) WeightOption { return WeightOption{w} }

func (o WeightOption) applyBinaryCrossEntropy(c *lossConfig)           { c.weight = o.w }
func (o WeightOption) applyBinaryCrossEntropyWithLogits(c *lossConfig) { c.weight = o.w }
func (o WeightOption) applyNLLLoss(c *lossConfig)                      { c.weight = o.w }
func (o WeightOption) applyCrossEntropy(c *lossConfig)                 { c.weight = o.w }

// PosWeightOption is the weight of positive examples of
// BinaryCrossEntropyWithLogits (PyTorch's pos_weight), made by PosWeight.
type PosWeightOption struct{ w *tensor.Tensor }

// PosWeight gives the weight of positive examples of
// BinaryCrossEntropyWithLogits (PyTorch's pos_weight), broadcast to the
// input's shape along the last dimension, e.g. one per class. It is a
// constant: no gradient flows to it. A nil w means none.
func PosWeight(w *tensor.Tensor) PosWeightOption { return PosWeightOption{w} }

func (o PosWeightOption) applyBinaryCrossEntropyWithLogits(c *lossConfig) { c.posWeight = o.w }

// IgnoreIndexOption is the class index left out of NLLLoss and CrossEntropy
// (PyTorch's ignore_index), made by IgnoreIndex.
type IgnoreIndexOption int

// IgnoreIndex sets the class index whose targets are left out of NLLLoss and
// CrossEntropy (loss and gradient 0, not counted by Mean); PyTorch's
// ignore_index, default -100.
func IgnoreIndex(i int) IgnoreIndexOption { return IgnoreIndexOption(i) }

func (o IgnoreIndexOption) applyNLLLoss(c *lossConfig)      { c.ignoreIndex = int64(o) }
func (o IgnoreIndexOption) applyCrossEntropy(c *lossConfig) { c.ignoreIndex = int64(o) }

// LabelSmoothingOption is CrossEntropy's label smoothing (PyTorch's
// label_smoothing), made by LabelSmoothing.
type LabelSmoothingOption float64

// LabelSmoothing mixes the target of CrossEntropy with the uniform
// distribution: eps in [0, 1] is the weight of the uniform part (PyTorch's
// label_smoothing, default 0). Other values panic when the loss is called.
func LabelSmoothing(eps float64) LabelSmoothingOption { return LabelSmoothingOption(eps) }

func (o LabelSmoothingOption) applyCrossEntropy(c *lossConfig) {
	eps := float64(o)
	if !(eps >= 0 && eps <= 1) {
		panic("label_smoothing must be between 0.0 and 1.0. Got: " + pyfmt.Float(eps))
	}
	c.labelSmoothing = eps
}

// BetaOption is SmoothL1Loss's threshold (PyTorch's beta), made by Beta.
type BetaOption float64

// Beta sets the threshold of SmoothL1Loss at which it changes from
// quadratic to linear (PyTorch's beta, default 1; 0 gives the L1 loss).
// Negative values panic when the loss is called.
func Beta(beta float64) BetaOption { return BetaOption(beta) }

func (o BetaOption) applySmoothL1Loss(c *lossConfig) {
	if !(o >= 0) {
		panic("smooth_l1_loss does not support negative values for beta.")
	}
	c.beta = float64(o)
}

// DeltaOption is HuberLoss's threshold (PyTorch's delta), made by Delta.
type DeltaOption float64

// Delta sets the threshold of HuberLoss at which it changes from quadratic
// to linear (PyTorch's delta, default 1). Values that are not positive
// panic when the loss is called.
func Delta(delta float64) DeltaOption { return DeltaOption(delta) }

func (o DeltaOption) applyHuberLoss(c *lossConfig) {
	if !(o > 0) {
		panic("huber_loss does not support non-positive values for delta.")
	}
	c.delta = float64(o)
}
