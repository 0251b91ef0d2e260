package functional

import (
	"fmt"

	"github.com/intercept-ml/intercept/tensor"
)

// The options of the losses. Each loss takes its own family of options (an
// interface with an unexported marker method, such as CrossEntropyOption),
// so that an option a loss does not take is a compile error. An option taken
// by several losses is a named type implementing each of their families. The
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
// As for the other functions (options.go), a loss reads its options with
// lossOptions: PyTorch's defaults, then the options in order, applied by
// the one type switch callConfig.set, except the pointer-holding Weight and
// PosWeight, which lossOptions reads itself. A call with options then
// allocates no more than one without (TestOptionsAllocateNothing).
//
// Option values are checked when the loss is called, with PyTorch's
// message (LabelSmoothing(1.5) panics "label_smoothing must be between 0.0
// and 1.0. Got: 1.5").

// MSELossOption configures MSELoss (and nn.MSELoss): a Reduction.
type MSELossOption interface{ mseLossOption() }

// L1LossOption configures L1Loss (and nn.L1Loss): a Reduction.
type L1LossOption interface{ l1LossOption() }

// SmoothL1LossOption configures SmoothL1Loss (and nn.SmoothL1Loss): a
// Reduction or Beta.
type SmoothL1LossOption interface{ smoothL1LossOption() }

// HuberLossOption configures HuberLoss (and nn.HuberLoss): a Reduction or
// Delta.
type HuberLossOption interface{ huberLossOption() }

// BinaryCrossEntropyOption configures BinaryCrossEntropy (and nn.BCELoss):
// a Reduction or Weight.
type BinaryCrossEntropyOption interface{ binaryCrossEntropyOption() }

// BinaryCrossEntropyWithLogitsOption configures
// BinaryCrossEntropyWithLogits (and nn.BCEWithLogitsLoss): a Reduction,
// Weight or PosWeight.
type BinaryCrossEntropyWithLogitsOption interface {
	binaryCrossEntropyWithLogitsOption()
}

// NLLLossOption configures NLLLoss (and nn.NLLLoss): a Reduction, Weight or
// IgnoreIndex.
type NLLLossOption interface{ nllLossOption() }

// CrossEntropyOption configures CrossEntropy (and nn.CrossEntropyLoss): a
// Reduction, Weight, IgnoreIndex or LabelSmoothing.
type CrossEntropyOption interface{ crossEntropyOption() }

// lossOptions returns the configuration of a loss given opts (nil ones are
// skipped): PyTorch's defaults, then the options in order. It reads Weight and
// PosWeight itself, into a configuration it returns by value, so that
// their pointers never pass through callConfig.set (see there); the other
// options go to set. Beta is a loss option of SmoothL1Loss only, whose beta
// must not be negative: checked here, in order with the other options,
// since Softplus and LocalResponseNorm take any beta.
func lossOptions[O any](opts []O) callConfig {
	c := callConfig{reduction: Mean, ignoreIndex: -100, beta: 1, delta: 1}
	for _, o := range opts {
		switch o := any(o).(type) {
		case WeightOption:
			c.weight = o.w
			continue
		case PosWeightOption:
			c.posWeight = o.w
			continue
		case BetaOption:
			if !(o >= 0) {
				panic("smooth_l1_loss does not support negative values for beta.")
			}
		}
		c.set(any(o))
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

func (Reduction) mseLossOption()                      {}
func (Reduction) l1LossOption()                       {}
func (Reduction) smoothL1LossOption()                 {}
func (Reduction) huberLossOption()                    {}
func (Reduction) binaryCrossEntropyOption()           {}
func (Reduction) binaryCrossEntropyWithLogitsOption() {}
func (Reduction) nllLossOption()                      {}
func (Reduction) crossEntropyOption()                 {}

// WeightOption is a rescaling weight (PyTorch's weight keyword), made by
// Weight. It is an option of NLLLoss, CrossEntropy, BinaryCrossEntropy and
// BinaryCrossEntropyWithLogits.
type WeightOption struct{ w *tensor.Tensor }

// Weight gives a rescaling weight: per class (shape (C)) for NLLLoss and
// CrossEntropy, per element (broadcast to the input's shape) for
// BinaryCrossEntropy and BinaryCrossEntropyWithLogits (PyTorch's weight).
// Weights are constants: no gradient flows to them. A nil w means none.
func Weight(w *tensor.Tensor) WeightOption { return WeightOption{w} }

func (WeightOption) binaryCrossEntropyOption()           {}
func (WeightOption) binaryCrossEntropyWithLogitsOption() {}
func (WeightOption) nllLossOption()                      {}
func (WeightOption) crossEntropyOption()                 {}

// PosWeightOption is the weight of positive examples of
// BinaryCrossEntropyWithLogits (PyTorch's pos_weight), made by PosWeight.
type PosWeightOption struct{ w *tensor.Tensor }

// PosWeight gives the weight of positive examples of
// BinaryCrossEntropyWithLogits (PyTorch's pos_weight), broadcast to the
// input's shape along the last dimension, e.g. one per class. It is a
// constant: no gradient flows to it. A nil w means none.
func PosWeight(w *tensor.Tensor) PosWeightOption { return PosWeightOption{w} }

func (PosWeightOption) binaryCrossEntropyWithLogitsOption() {}

// IgnoreIndexOption is the class index left out of NLLLoss and CrossEntropy
// (PyTorch's ignore_index), made by IgnoreIndex.
type IgnoreIndexOption int

// IgnoreIndex sets the class index whose targets are left out of NLLLoss and
// CrossEntropy (loss and gradient 0, not counted by Mean); PyTorch's
// ignore_index, default -100.
func IgnoreIndex(i int) IgnoreIndexOption { return IgnoreIndexOption(i) }

func (IgnoreIndexOption) nllLossOption()      {}
func (IgnoreIndexOption) crossEntropyOption() {}

// LabelSmoothingOption is CrossEntropy's label smoothing (PyTorch's
// label_smoothing), made by LabelSmoothing.
type LabelSmoothingOption float64

// LabelSmoothing mixes the target of CrossEntropy with the uniform
// distribution: eps in [0, 1] is the weight of the uniform part (PyTorch's
// label_smoothing, default 0). Other values panic when the loss is called.
func LabelSmoothing(eps float64) LabelSmoothingOption { return LabelSmoothingOption(eps) }

func (LabelSmoothingOption) crossEntropyOption() {}

// BetaOption is SmoothL1Loss's threshold (PyTorch's beta), made by Beta.
// It is a SmoothL1LossOption, and also a SoftplusOption and a
// LocalResponseNormOption (options.go).
type BetaOption float64

// Beta sets the threshold of SmoothL1Loss at which it changes from
// quadratic to linear (PyTorch's beta, default 1; 0 gives the L1 loss);
// negative values panic when the loss is called. It is also the beta of
// Softplus (default 1) and of LocalResponseNorm (default 0.75).
func Beta(beta float64) BetaOption { return BetaOption(beta) }

func (BetaOption) smoothL1LossOption() {}

// DeltaOption is HuberLoss's threshold (PyTorch's delta), made by Delta.
type DeltaOption float64

// Delta sets the threshold of HuberLoss at which it changes from quadratic
// to linear (PyTorch's delta, default 1). Values that are not positive
// panic when the loss is called.
func Delta(delta float64) DeltaOption { return DeltaOption(delta) }

func (DeltaOption) huberLossOption() {}
