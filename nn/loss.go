package nn

import (
	F "github.com/intercept-ml/intercept/nn/functional"
	"github.com/intercept-ml/intercept/tensor"
)

// The losses of torch.nn (1.13) as functions: MSELoss, L1Loss, SmoothL1Loss,
// HuberLoss, BCELoss, BCEWithLogitsLoss, NLLLoss and CrossEntropyLoss. Each
// is the function of package functional of the same PyTorch name
// (F.mse_loss is functional.MSELoss, F.binary_cross_entropy is
// functional.BinaryCrossEntropy, F.cross_entropy is functional.CrossEntropy,
// ...), and its options are functional's, under the same names here, so that
// a loss reads as in PyTorch: nn.CrossEntropyLoss(logits, y, nn.Sum,
// nn.LabelSmoothing(0.1)). Each loss takes its own option family, so an
// option it does not take (nn.MSELoss(x, y, nn.LabelSmoothing(0.1))) does not
// compile.
//
// Each loss returns a tensor that records itself for autograd under
// PyTorch's grad_fn name (MseLossBackward0, NllLossBackward0, ...), with a
// hand-written backward pass for the input and, where PyTorch has one, for
// the target. The terms are computed in the input's element type with
// PyTorch's formulas and order of operations (cross entropy's log-softmax is
// tensor.LogSoftmax, ATen's algorithm), sums accumulated in float64: values
// and gradients agree with PyTorch's to within a few float32 ulps (most bit
// for bit). Misuse panics with PyTorch's message: a target whose shape
// differs from the input's (for the regression losses PyTorch only warns and
// broadcasts, which is almost always a bug such as (N, 1) against (N)), a
// class index out of range, BCE probabilities outside [0, 1].

// Reduction selects how a loss reduces its element-wise terms (PyTorch's
// reduction keyword): Mean (the default), Sum or None. Every loss takes it:
// nn.MSELoss(pred, y, nn.Sum).
type Reduction = F.Reduction

const (
	// Mean averages the terms (PyTorch's default, reduction='mean'); for
	// NLLLoss and CrossEntropyLoss with class weights it is the weighted
	// mean.
	Mean = F.Mean
	// Sum adds the terms (reduction='sum').
	Sum = F.Sum
	// None returns the terms unreduced (reduction='none').
	None = F.None
)

// The option families of the losses, one per loss (see functional).
type (
	// MSELossOption configures MSELoss: a Reduction.
	MSELossOption = F.MSELossOption
	// L1LossOption configures L1Loss: a Reduction.
	L1LossOption = F.L1LossOption
	// SmoothL1LossOption configures SmoothL1Loss: a Reduction or Beta.
	SmoothL1LossOption = F.SmoothL1LossOption
	// HuberLossOption configures HuberLoss: a Reduction or Delta.
	HuberLossOption = F.HuberLossOption
	// BinaryCrossEntropyOption configures BCELoss: a Reduction or Weight.
	BinaryCrossEntropyOption = F.BinaryCrossEntropyOption
	// BinaryCrossEntropyWithLogitsOption configures BCEWithLogitsLoss: a
	// Reduction, Weight or PosWeight.
	BinaryCrossEntropyWithLogitsOption = F.BinaryCrossEntropyWithLogitsOption
	// NLLLossOption configures NLLLoss: a Reduction, Weight or IgnoreIndex.
	NLLLossOption = F.NLLLossOption
	// CrossEntropyOption configures CrossEntropyLoss: a Reduction, Weight,
	// IgnoreIndex or LabelSmoothing.
	CrossEntropyOption = F.CrossEntropyOption
)

// The options taken by more than one loss, or with a value to check.
type (
	// WeightOption is a rescaling weight (PyTorch's weight), made by
	// Weight: an option of NLLLoss, CrossEntropyLoss, BCELoss and
	// BCEWithLogitsLoss.
	WeightOption = F.WeightOption
	// PosWeightOption is BCEWithLogitsLoss's pos_weight, made by PosWeight.
	PosWeightOption = F.PosWeightOption
	// IgnoreIndexOption is the ignore_index of NLLLoss and
	// CrossEntropyLoss, made by IgnoreIndex.
	IgnoreIndexOption = F.IgnoreIndexOption
	// LabelSmoothingOption is CrossEntropyLoss's label_smoothing, made by
	// LabelSmoothing.
	LabelSmoothingOption = F.LabelSmoothingOption
	// BetaOption is SmoothL1Loss's beta, made by Beta.
	BetaOption = F.BetaOption
	// DeltaOption is HuberLoss's delta, made by Delta.
	DeltaOption = F.DeltaOption
)

// Weight gives a rescaling weight (PyTorch's weight): per class (shape (C))
// for NLLLoss and CrossEntropyLoss, per element (broadcast to the input's
// shape) for BCELoss and BCEWithLogitsLoss. Weights are constants: no
// gradient flows to them. A nil w means none.
func Weight(w *tensor.Tensor) WeightOption { return F.Weight(w) }

// PosWeight gives the weight of positive examples of BCEWithLogitsLoss
// (PyTorch's pos_weight), broadcast to the input's shape along the last
// dimension, e.g. one per class. A nil w means none.
func PosWeight(w *tensor.Tensor) PosWeightOption { return F.PosWeight(w) }

// IgnoreIndex sets the class index whose targets are left out of NLLLoss
// and CrossEntropyLoss (loss and gradient 0, not counted by Mean); PyTorch's
// ignore_index, default -100.
func IgnoreIndex(i int) IgnoreIndexOption { return F.IgnoreIndex(i) }

// LabelSmoothing mixes the target of CrossEntropyLoss with the uniform
// distribution: eps in [0, 1] is the weight of the uniform part (PyTorch's
// label_smoothing, default 0). Other values panic when the loss is called.
func LabelSmoothing(eps float64) LabelSmoothingOption { return F.LabelSmoothing(eps) }

// Beta sets the threshold of SmoothL1Loss at which it changes from
// quadratic to linear (PyTorch's beta, default 1; 0 gives the L1 loss).
func Beta(beta float64) BetaOption { return F.Beta(beta) }

// Delta sets the threshold of HuberLoss at which it changes from quadratic
// to linear (PyTorch's delta, default 1).
func Delta(delta float64) DeltaOption { return F.Delta(delta) }

// MSELoss returns the mean squared error between input and target of the
// same shape, mean((input − target)²): torch.nn.MSELoss, see
// functional.MSELoss. Options: a Reduction.
func MSELoss(input, target *tensor.Tensor, opts ...MSELossOption) *tensor.Tensor {
	return F.MSELoss(input, target, opts...)
}

// L1Loss returns the mean absolute error mean(|input − target|):
// torch.nn.L1Loss, see functional.L1Loss. Options: a Reduction.
func L1Loss(input, target *tensor.Tensor, opts ...L1LossOption) *tensor.Tensor {
	return F.L1Loss(input, target, opts...)
}

// SmoothL1Loss returns the smooth L1 loss: torch.nn.SmoothL1Loss, see
// functional.SmoothL1Loss. Options: a Reduction, Beta (default 1).
func SmoothL1Loss(input, target *tensor.Tensor, opts ...SmoothL1LossOption) *tensor.Tensor {
	return F.SmoothL1Loss(input, target, opts...)
}

// HuberLoss returns the Huber loss: torch.nn.HuberLoss, see
// functional.HuberLoss. Options: a Reduction, Delta (default 1).
func HuberLoss(input, target *tensor.Tensor, opts ...HuberLossOption) *tensor.Tensor {
	return F.HuberLoss(input, target, opts...)
}

// BCELoss returns the binary cross entropy between probabilities input (in
// [0, 1]) and targets of the same shape: torch.nn.BCELoss, see
// functional.BinaryCrossEntropy. Options: a Reduction, Weight (per element,
// broadcast). For logits, BCEWithLogitsLoss is more stable.
func BCELoss(input, target *tensor.Tensor, opts ...BinaryCrossEntropyOption) *tensor.Tensor {
	return F.BinaryCrossEntropy(input, target, opts...)
}

// BCEWithLogitsLoss returns the binary cross entropy of sigmoid(input) and
// target, computed stably: torch.nn.BCEWithLogitsLoss, see
// functional.BinaryCrossEntropyWithLogits. Options: a Reduction, Weight (per
// element, broadcast), PosWeight.
func BCEWithLogitsLoss(input, target *tensor.Tensor, opts ...BinaryCrossEntropyWithLogitsOption) *tensor.Tensor {
	return F.BinaryCrossEntropyWithLogits(input, target, opts...)
}

// NLLLoss returns the negative log-likelihood loss of log-probabilities
// input and class indices target: torch.nn.NLLLoss, see functional.NLLLoss.
// Options: a Reduction, Weight (shape (C)), IgnoreIndex (default -100).
func NLLLoss(input, target *tensor.Tensor, opts ...NLLLossOption) *tensor.Tensor {
	return F.NLLLoss(input, target, opts...)
}

// CrossEntropyLoss returns the cross entropy between the logits input and
// target (class indices or class probabilities): torch.nn.CrossEntropyLoss,
// see functional.CrossEntropy. With class indices it is
// NLLLoss(input.LogSoftmax(1), target, ...) bit for bit, forward and
// backward. Options: a Reduction, Weight (shape (C)), IgnoreIndex (default
// -100), LabelSmoothing.
func CrossEntropyLoss(input, target *tensor.Tensor, opts ...CrossEntropyOption) *tensor.Tensor {
	return F.CrossEntropy(input, target, opts...)
}
