// Package optim holds the optimizers, learning-rate schedulers and gradient
// clipping of torch.optim and torch.nn.utils, with PyTorch 1.13's
// arithmetic: SGD (momentum, dampening, Nesterov, weight decay, maximize),
// Adam and AdamW (AMSGrad, maximize) and RMSprop (centered, momentum);
// StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, LinearLR (and the
// LinearWarmup shorthand) and OneCycleLR; ClipGradNorm and ClipGradValue.
//
// A training loop reads like PyTorch's:
//
//	opt := optim.NewSGD(nn.Parameters(model), optim.SGDConfig{LR: 0.01, Momentum: 0.9})
//	for step := range steps {
//		opt.ZeroGrad()
//		loss := nn.MSELoss(model.Forward(x), y)
//		loss.Backward()
//		opt.Step()
//	}
//
// # Configuration and parameter groups
//
// Each optimizer takes its hyperparameters as a config struct (SGDConfig,
// AdamConfig, RMSpropConfig) with PyTorch's names, and its parameters either
// as a plain list — nn.Parameters(model) — or as parameter groups with their
// own settings:
//
//	opt := optim.NewSGD([]optim.ParamGroup{
//		{Params: nn.Parameters(model.Backbone)},                     // lr 0.01, momentum 0.9
//		{Params: nn.Parameters(model.Head), LR: optim.F(0.1)},      // lr 0.1, momentum 0.9
//	}, optim.SGDConfig{LR: 0.01, Momentum: 0.9})
//
// Why structs and pointers: a config struct shows every setting and its
// default in one place (in go doc and at the call site), needs no option
// functions per hyperparameter, and is a plain value that can be logged,
// compared and filled from a sweep file. The one difficulty of structs is
// the zero value. The rule here is that a zero or nil field means PyTorch's
// default: fields whose PyTorch default is zero (momentum, weight decay,
// flags) are plain values; fields with a non-zero default for which zero is
// still a meaningful choice (β1 = 0 is used, as is eps = 0) are pointers,
// set with F (F(0.99)), and nil means the default; LR is a plain value
// because a learning rate of zero is never what a configuration means (SGD,
// which has no default in PyTorch, panics without one; a single group can
// still be frozen with LR: F(0)). A ParamGroup uses pointers throughout, and
// nil means "inherit from the configuration" — unlike a NaN sentinel, nil
// cannot be produced by arithmetic by accident, and F(x) reads as the value
// it sets. A group that sets a hyperparameter its optimizer does not have
// (Beta1 for SGD) panics, so a typo never passes silently.
//
// After construction the groups, with their resolved values, are available
// as Optimizer.ParamGroups; changing a field there (g.LR = …) takes effect
// at the next Step, which is how the schedulers work. NoDecayGroups builds
// the two groups of the usual "no weight decay on biases and norm weights"
// recipe.
//
// # Bit-exact arithmetic
//
// Float32 parameters are updated with the exact sequence of roundings of
// PyTorch 1.13's CPU kernels as compiled for AVX2, including the fused
// multiply-adds that compiler made (see the pytorch-parity spec, §6): from the
// same parameters and gradients, SGD, Adam, AdamW and RMSprop produce the
// same bits as PyTorch. This holds on every platform and GOAMD64 level: fused
// operations use an exact float32 FMA (internal/fp), and the others are
// written so that the Go compiler cannot fuse them. Float64 parameters are
// updated by the same rules in float64. Adam's bias corrections β^t use a
// correctly rounded power, which equals glibc's pow (what Python's ** calls)
// except in rare cases, where the two differ by one float64 ulp (and, for
// float32 parameters, almost never after rounding to float32).
//
// PyTorch 1.13 behaviour is the reference where later versions differ:
// ZeroGrad zeroes gradients in place unless given SetToNone (2.x sets them to
// None by default), and Adam updates its first moment with mul/add rather
// than 2.x's lerp.
//
// # State
//
// StateDict returns the per-parameter state (step counts, momentum buffers,
// exp_avg, exp_avg_sq, ...) keyed by parameter index as PyTorch numbers them,
// together with the groups' hyperparameters; Flatten turns it into named
// tensors and metadata that safetensors.Save writes, StateDictFromFlat
// reads them back, and LoadStateDict validates and restores them, so that a
// run resumed from a checkpoint continues exactly as an uninterrupted one.
// Schedulers have StateDict/LoadStateDict too.
//
// # Not covered
//
// foreach/fused implementations (on CPU PyTorch uses the single-tensor code
// mirrored here), closures for Step (LBFGS), sparse gradients, complex
// parameters, and the differentiable/capturable modes.
package optim
