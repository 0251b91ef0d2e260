package functional

import "github.com/intercept-ml/intercept/tensor"

// The binary cross-entropy losses: BinaryCrossEntropy and
// BinaryCrossEntropyWithLogits.

// BinaryCrossEntropy returns the binary cross entropy between probabilities
// input (in [0, 1]) and targets of the same shape
// (torch.nn.functional.binary_cross_entropy; grad_fn
// BinaryCrossEntropyBackward0):
//
//	−weight·(target·log(input) + (1 − target)·log(1 − input))
//
// with each log clamped to ≥ −100, as PyTorch does, so that the loss stays
// finite at 0 and 1. Options: a Reduction, Weight (per element, broadcast to
// the input's shape). For logits, BinaryCrossEntropyWithLogits is more
// stable.
func BinaryCrossEntropy(input, target *tensor.Tensor, opts ...BinaryCrossEntropyOption) *tensor.Tensor {
	c := lossOptions(opts)
	target = sameSizeTarget("binary_cross_entropy", input, target)
	return pointwise(pointLoss{fn: "binary_cross_entropy", kind: kindBCE, gradFn: "BinaryCrossEntropyBackward0", weight: c.weight},
		input, target, c.reduction)
}

// BinaryCrossEntropyWithLogits returns the binary cross entropy of
// sigmoid(input) and target (torch.nn.functional.binary_cross_entropy_with_logits;
// grad_fn BinaryCrossEntropyWithLogitsBackward0), computed stably as
// PyTorch does:
//
//	m = max(−x, 0);  ℓ = (1 − y)·x + lw·(log(e^(−m) + e^(−x−m)) + m),  lw = 1 + (pos_weight − 1)·y
//
// Options: a Reduction, Weight (per element, broadcast to the input's
// shape), PosWeight (the weight of positive examples, broadcast along the
// last dimension, e.g. one per class).
func BinaryCrossEntropyWithLogits(input, target *tensor.Tensor, opts ...BinaryCrossEntropyWithLogitsOption) *tensor.Tensor {
	c := lossOptions(opts)
	target = sameSizeTarget("binary_cross_entropy_with_logits", input, target)
	return pointwise(pointLoss{fn: "binary_cross_entropy_with_logits", kind: kindBCELogits,
		gradFn: "BinaryCrossEntropyWithLogitsBackward0", weight: c.weight, posW: c.posWeight}, input, target, c.reduction)
}
