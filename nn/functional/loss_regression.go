package functional

import "github.com/intercept-ml/intercept/tensor"

// The regression losses: MSELoss, L1Loss, SmoothL1Loss and HuberLoss. A
// target whose shape differs from the input's panics (PyTorch only warns
// and broadcasts, which is almost always a bug such as (N, 1) against (N)).

// MSELoss returns the mean squared error between input and target of the
// same shape: mean((input − target)²) (torch.nn.functional.mse_loss;
// grad_fn MseLossBackward0). Options: a Reduction.
func MSELoss(input, target *tensor.Tensor, opts ...MSELossOption) *tensor.Tensor {
	c := lossOptions(opts)
	target = sameSizeTarget("mse_loss", input, target)
	return pointwise(pointLoss{fn: "mse_loss", kind: kindMSE, gradFn: "MseLossBackward0"}, input, target, c.reduction)
}

// L1Loss returns the mean absolute error mean(|input − target|)
// (torch.nn.functional.l1_loss). In PyTorch 1.13 l1_loss is a composite of
// sub, abs and mean/sum, so the result's grad_fn is MeanBackward0,
// SumBackward0 or AbsBackward0 (None), and so it is here; the gradient is
// sign(input − target)·g (0 where they are equal). Options: a Reduction.
func L1Loss(input, target *tensor.Tensor, opts ...L1LossOption) *tensor.Tensor {
	c := lossOptions(opts)
	target = sameSizeTarget("l1_loss", input, target)
	d := input.Sub(target).Abs()
	switch c.reduction {
	case Sum:
		return d.Sum()
	case None:
		return d
	}
	return d.Mean()
}

// SmoothL1Loss returns the smooth L1 loss
// (torch.nn.functional.smooth_l1_loss; grad_fn SmoothL1LossBackward0): for
// z = |input − target|, 0.5·z²/beta where z < beta and z − 0.5·beta
// elsewhere; beta 0 gives the L1 loss. Options: a Reduction, Beta (default
// 1).
func SmoothL1Loss(input, target *tensor.Tensor, opts ...SmoothL1LossOption) *tensor.Tensor {
	c := lossOptions(opts)
	target = sameSizeTarget("smooth_l1_loss", input, target)
	return pointwise(pointLoss{fn: "smooth_l1_loss", kind: kindSmoothL1, gradFn: "SmoothL1LossBackward0", param: c.beta},
		input, target, c.reduction)
}

// HuberLoss returns the Huber loss (torch.nn.functional.huber_loss;
// grad_fn HuberLossBackward0): for z = |input − target|, 0.5·z² where
// z < delta and delta·(z − 0.5·delta) elsewhere — SmoothL1Loss times delta.
// Options: a Reduction, Delta (default 1).
func HuberLoss(input, target *tensor.Tensor, opts ...HuberLossOption) *tensor.Tensor {
	c := lossOptions(opts)
	target = sameSizeTarget("huber_loss", input, target)
	return pointwise(pointLoss{fn: "huber_loss", kind: kindHuber, gradFn: "HuberLossBackward0", param: c.delta},
		input, target, c.reduction)
}
