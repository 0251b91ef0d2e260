package optim

// config is what the optimizer options set: the hyperparameters of a
// parameter group, and whether LR was given (torch.optim.SGD requires it).
type config struct {
	Hyper
	lrSet bool
}

// SGDOption configures NewSGD and SGD.AddParamGroup. The SGD options are LR,
// Momentum, Dampening, WeightDecay, Nesterov and Maximize.
type SGDOption interface{ applySGD(*config) }

// AdamOption configures NewAdam, NewAdamW and their AddParamGroup. The Adam
// options are LR, Betas, Eps, WeightDecay, AMSGrad and Maximize.
type AdamOption interface{ applyAdam(*config) }

// RMSpropOption configures NewRMSprop and RMSprop.AddParamGroup. The
// RMSprop options are LR, Alpha, Eps, WeightDecay, Momentum, Centered and
// Maximize.
type RMSpropOption interface{ applyRMSprop(*config) }

// LROption sets the learning rate (PyTorch's lr). It is an SGDOption, an
// AdamOption and an RMSpropOption. SGD has no default and requires it;
// Adam's and AdamW's default is 1e-3, RMSprop's 1e-2.
type LROption float64

// LR sets the learning rate (PyTorch's lr).
func LR(lr float64) LROption { return LROption(lr) }

func (o LROption) applySGD(c *config)     { c.LR, c.lrSet = float64(o), true }
func (o LROption) applyAdam(c *config)    { c.LR, c.lrSet = float64(o), true }
func (o LROption) applyRMSprop(c *config) { c.LR, c.lrSet = float64(o), true }

// WeightDecayOption sets the weight decay (PyTorch's weight_decay): an L2
// term added to the gradient, or for AdamW the decoupled decay. It is an
// SGDOption, an AdamOption and an RMSpropOption. The default is 0, and
// 1e-2 for AdamW.
type WeightDecayOption float64

// WeightDecay sets the weight decay (PyTorch's weight_decay).
func WeightDecay(wd float64) WeightDecayOption { return WeightDecayOption(wd) }

func (o WeightDecayOption) applySGD(c *config)     { c.WeightDecay = float64(o) }
func (o WeightDecayOption) applyAdam(c *config)    { c.WeightDecay = float64(o) }
func (o WeightDecayOption) applyRMSprop(c *config) { c.WeightDecay = float64(o) }

// MaximizeOption makes the optimizer maximize the objective instead of
// minimizing it (PyTorch's maximize). It is an SGDOption, an AdamOption and
// an RMSpropOption. Maximize switches it on; MaximizeOption(on) sets it
// from a bool (to switch it off in a group).
type MaximizeOption bool

// Maximize is PyTorch's maximize=True.
const Maximize MaximizeOption = true

func (o MaximizeOption) applySGD(c *config)     { c.Maximize = bool(o) }
func (o MaximizeOption) applyAdam(c *config)    { c.Maximize = bool(o) }
func (o MaximizeOption) applyRMSprop(c *config) { c.Maximize = bool(o) }

// MomentumOption sets the momentum factor (PyTorch's momentum, default 0).
// It is an SGDOption and an RMSpropOption.
type MomentumOption float64

// Momentum sets the momentum factor (PyTorch's momentum).
func Momentum(m float64) MomentumOption { return MomentumOption(m) }

func (o MomentumOption) applySGD(c *config)     { c.Momentum = float64(o) }
func (o MomentumOption) applyRMSprop(c *config) { c.Momentum = float64(o) }

// EpsOption sets the term added to the denominator for numerical stability
// (PyTorch's eps, default 1e-8). It is an AdamOption and an RMSpropOption,
// and ReduceLROnPlateau's smallest applied change of a learning rate (a
// ReduceLROnPlateauOption, same default).
type EpsOption float64

// Eps sets the denominator's stability term (PyTorch's eps).
func Eps(eps float64) EpsOption { return EpsOption(eps) }

func (o EpsOption) applyAdam(c *config)    { c.Eps = float64(o) }
func (o EpsOption) applyRMSprop(c *config) { c.Eps = float64(o) }

// DampeningOption sets SGD's dampening of the momentum (PyTorch's
// dampening, default 0). It is an SGDOption.
type DampeningOption float64

// Dampening sets SGD's momentum dampening (PyTorch's dampening).
func Dampening(d float64) DampeningOption { return DampeningOption(d) }

func (o DampeningOption) applySGD(c *config) { c.Dampening = float64(o) }

// NesterovOption switches SGD's Nesterov momentum on or off (PyTorch's
// nesterov, default off). It is an SGDOption. Nesterov switches it on;
// NesterovOption(on) sets it from a bool.
type NesterovOption bool

// Nesterov is PyTorch's nesterov=True.
const Nesterov NesterovOption = true

func (o NesterovOption) applySGD(c *config) { c.Nesterov = bool(o) }

// BetasOption holds Adam's coefficients for the running averages of the
// gradient and of its square (PyTorch's betas, default (0.9, 0.999)). It is
// an AdamOption.
type BetasOption [2]float64

// Betas sets Adam's running-average coefficients (PyTorch's betas).
func Betas(beta1, beta2 float64) BetasOption { return BetasOption{beta1, beta2} }

func (o BetasOption) applyAdam(c *config) { c.Beta1, c.Beta2 = o[0], o[1] }

// AMSGradOption switches Adam's AMSGrad variant on or off (PyTorch's
// amsgrad, default off). It is an AdamOption. AMSGrad switches it on;
// AMSGradOption(on) sets it from a bool.
type AMSGradOption bool

// AMSGrad is PyTorch's amsgrad=True.
const AMSGrad AMSGradOption = true

func (o AMSGradOption) applyAdam(c *config) { c.AMSGrad = bool(o) }

// AlphaOption sets RMSprop's smoothing constant (PyTorch's alpha, default
// 0.99). It is an RMSpropOption.
type AlphaOption float64

// Alpha sets RMSprop's smoothing constant (PyTorch's alpha).
func Alpha(alpha float64) AlphaOption { return AlphaOption(alpha) }

func (o AlphaOption) applyRMSprop(c *config) { c.Alpha = float64(o) }

// CenteredOption switches centered RMSprop on or off (PyTorch's centered,
// default off): the second moment is centered by the running mean of the
// gradient. It is an RMSpropOption. Centered switches it on;
// CenteredOption(on) sets it from a bool.
type CenteredOption bool

// Centered is PyTorch's centered=True.
const Centered CenteredOption = true

func (o CenteredOption) applyRMSprop(c *config) { c.Centered = bool(o) }

// ZeroGradOption configures Optimizer.ZeroGrad. SetToNone is the only one.
//
// Its method takes and returns the configuration by value: ZeroGrad runs
// every step, and a pointer passed to an interface method would make the
// configuration escape to the heap.
type ZeroGradOption interface {
	applyZeroGrad(zeroGradConfig) zeroGradConfig
}

type zeroGradConfig struct{ setToNone bool }

// SetToNoneOption makes ZeroGrad set each gradient to nil instead of
// zeroing it (PyTorch's set_to_none, default off in 1.13, on in 2.x). It is
// a ZeroGradOption. SetToNone switches it on; SetToNoneOption(on) sets it
// from a bool.
type SetToNoneOption bool

// SetToNone is zero_grad(set_to_none=True): the next Backward allocates
// fresh gradients, and a parameter that gets no gradient is skipped by Step.
const SetToNone SetToNoneOption = true

func (o SetToNoneOption) applyZeroGrad(c zeroGradConfig) zeroGradConfig {
	c.setToNone = bool(o)
	return c
}
