// Package optim holds the optimizers, learning-rate schedulers and gradient
// clipping of torch.optim and torch.nn.utils, with PyTorch 1.13's arithmetic
// bit for bit: SGD, Adam, AdamW and RMSprop; StepLR, MultiStepLR,
// ExponentialLR, CosineAnnealingLR, LinearLR, OneCycleLR, LambdaLR and
// ReduceLROnPlateau (whose Step takes the metric); ClipGradNorm and
// ClipGradValue.
//
// A training loop reads like PyTorch's:
//
//	opt := optim.NewSGD(nn.Parameters(model), optim.LR(0.01), optim.Momentum(0.9), optim.Nesterov)
//	sched := optim.NewStepLR(opt, 30, optim.Gamma(0.5))
//	for epoch := range epochs {
//		for _, b := range batches {
//			opt.ZeroGrad()
//			nn.MSELoss(model.Forward(b.X), b.Y).Backward()
//			opt.Step()
//		}
//		sched.Step()
//	}
//
// # Options
//
// PyTorch's keyword arguments are options named like the keyword:
// optim.LR(0.01) is lr=0.01, optim.Nesterov is nesterov=True. Each
// optimizer has its own option family (SGDOption; AdamOption for Adam and
// AdamW; RMSpropOption), as each scheduler has, so an option the optimizer
// does not take, such as Betas for SGD, does not compile. Options not given
// take PyTorch's defaults; SGD requires LR, as torch.optim.SGD 1.13 does.
// Invalid values panic with PyTorch's message.
//
// # Parameter groups
//
// The parameters given to the constructor form the first group.
// AddParamGroup adds another, with the optimizer's own options; what they
// do not set is what the constructor was given (PyTorch's
// add_param_group). SplitDecay sorts a model's parameters for the usual
// "no weight decay on biases and norm weights" recipe:
//
//	decay, noDecay := optim.SplitDecay(model)
//	opt := optim.NewAdamW(decay, optim.LR(1e-3), optim.WeightDecay(0.05))
//	opt.AddParamGroup(noDecay, optim.WeightDecay(0))
//
// Optimizer.ParamGroups returns the groups with their hyperparameters;
// changing a field (g.LR = …) takes effect at the next Step, as assigning
// to param_groups[i]['lr'] does in PyTorch. The schedulers work this way.
//
// # Arithmetic
//
// Float32 parameters are updated with the sequence of roundings of PyTorch
// 1.13's CPU kernels as compiled for AVX2, fused multiply-adds included
// (internal/kernel's optimizers.go lists them), on every platform, kernel
// implementation (AVX-512, AVX2 or portable) and GOAMD64 level; float64
// parameters by the same rules in float64. Adam's bias corrections β^t are
// correctly rounded; glibc's pow, which PyTorch calls, differs from that by
// one ulp in rare cases. Where later PyTorch versions differ, 1.13 is the
// reference: ZeroGrad zeroes gradients in place unless given SetToNone, and
// Adam updates its first moment with mul/add rather than lerp.
//
// # State
//
// Optimizer.StateDict returns the per-parameter state (step counts,
// momentum_buffer, exp_avg, ...) keyed by parameter index as PyTorch
// numbers them, and the groups' hyperparameters; StateDict.Flatten turns it
// into named tensors and metadata for safetensors.Save, StateDictFromFlat
// reads them back, and LoadStateDict validates and restores them, so that a
// resumed run continues exactly as an uninterrupted one. Schedulers have
// StateDict and LoadStateDict too.
//
// Not covered: the foreach and fused implementations (on CPU PyTorch uses
// the single-tensor code mirrored here), Step closures (LBFGS), sparse
// gradients, complex parameters, and the differentiable and capturable
// modes.
package optim
