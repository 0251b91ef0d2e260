package optim

import (
	"fmt"

	"github.com/intercept-ml/intercept/tensor"
)

// Optimizer updates parameters from their gradients, like
// torch.optim.Optimizer. SGD, Adam, AdamW and RMSprop implement it. Each
// also has AddParamGroup, which takes that optimizer's own options.
type Optimizer interface {
	// Step performs one update of every parameter that has a gradient.
	// Parameters whose Grad is nil are skipped and get no state, as in
	// PyTorch.
	Step()
	// ZeroGrad zeroes the gradients of all parameters in place (PyTorch
	// 1.13's default), or sets them to nil with SetToNone.
	ZeroGrad(opts ...ZeroGradOption)
	// ParamGroups returns the parameter groups with their hyperparameters.
	// The groups are the optimizer's own: changing a field (a learning rate,
	// say) changes the next Step, as assigning to
	// optimizer.param_groups[i]['lr'] does in PyTorch. Schedulers work this
	// way.
	ParamGroups() []*Group
	// StateDict returns a deep copy of the optimizer's state: per-parameter
	// step counts and buffers, and the groups' hyperparameters.
	StateDict() *StateDict
	// LoadStateDict replaces the optimizer's state and hyperparameters with
	// those of sd, which must come from an optimizer of the same kind with
	// groups of the same sizes. It validates everything first and returns
	// an error naming the problem; on error nothing is changed.
	LoadStateDict(sd *StateDict) error
}

// Hyper holds the hyperparameters of a parameter group. Fields that the
// optimizer does not use are zero. The JSON names are PyTorch's keys
// (betas is split into beta1 and beta2).
type Hyper struct {
	LR          float64 `json:"lr"`
	WeightDecay float64 `json:"weight_decay"`
	Momentum    float64 `json:"momentum"`
	Dampening   float64 `json:"dampening"`
	Beta1       float64 `json:"beta1"`
	Beta2       float64 `json:"beta2"`
	Eps         float64 `json:"eps"`
	Alpha       float64 `json:"alpha"`
	Nesterov    bool    `json:"nesterov"`
	AMSGrad     bool    `json:"amsgrad"`
	Centered    bool    `json:"centered"`
	Maximize    bool    `json:"maximize"`
	// InitialLR is the learning rate a scheduler started from (PyTorch's
	// group['initial_lr']); the first scheduler attached to the optimizer
	// sets it, and it is 0 before.
	InitialLR float64 `json:"initial_lr"`
}

// Group is a parameter group as the optimizer uses it: its parameters and
// its resolved hyperparameters.
type Group struct {
	Params []*tensor.Tensor
	Hyper
}

// paramState is the per-parameter state: a step count and named buffers
// with PyTorch's names (momentum_buffer, exp_avg, exp_avg_sq, ...).
type paramState struct {
	step int64
	bufs map[string]*tensor.Tensor
}

// base holds what every optimizer shares: groups, defaults, state.
type base struct {
	name string
	// defaults are the hyperparameters given to the constructor, which
	// groups added later start from.
	defaults Hyper
	check    func(h *Hyper)
	// bufNames lists the state buffers this optimizer keeps, in the order
	// PyTorch creates them.
	bufNames []string
	groups   []*Group
	state    map[*tensor.Tensor]*paramState
}

func newBase(name string, params []*tensor.Tensor, defaults Hyper, bufNames []string, check func(h *Hyper)) base {
	if len(params) == 0 {
		panic("optimizer got an empty parameter list")
	}
	b := base{name: name, defaults: defaults, check: check, bufNames: bufNames, state: map[*tensor.Tensor]*paramState{}}
	b.addGroup(params, defaults)
	return b
}

// addGroup validates h and adds a group of params with it (PyTorch's
// add_param_group).
func (b *base) addGroup(ps []*tensor.Tensor, h Hyper) {
	b.check(&h)
	seen := map[*tensor.Tensor]bool{}
	for _, g := range b.groups {
		for _, p := range g.Params {
			seen[p] = true
		}
	}
	params := make([]*tensor.Tensor, len(ps))
	mine := map[*tensor.Tensor]bool{}
	for i, p := range ps {
		switch {
		case p == nil:
			panic(fmt.Sprintf("optim: parameter %d of the group is nil", i))
		case !p.DType().IsFloat():
			panic(fmt.Sprintf("optim: can only optimize floating-point tensors, but parameter %d is %v", i, p.DType()))
		case !p.IsLeaf():
			panic("can't optimize a non-leaf Tensor")
		case seen[p]:
			panic("some parameters appear in more than one parameter group")
		case mine[p]:
			panic(fmt.Sprintf("optim: parameter %d appears twice in its parameter group", i))
		}
		mine[p] = true
		params[i] = p
	}
	b.groups = append(b.groups, &Group{Params: params, Hyper: h})
}

// ParamGroups returns the optimizer's parameter groups.
func (b *base) ParamGroups() []*Group { return b.groups }

// ZeroGrad zeroes every gradient in place, or sets it to nil with
// SetToNone.
func (b *base) ZeroGrad(opts ...ZeroGradOption) {
	var c zeroGradConfig
	for _, o := range opts {
		c = o.applyZeroGrad(c)
	}
	none := c.setToNone
	for _, g := range b.groups {
		for _, p := range g.Params {
			if p.Grad == nil {
				continue
			}
			if none {
				p.Grad = nil
			} else {
				p.Grad.Zero()
			}
		}
	}
}

// stateOf returns the state of p, creating it with zeroed buffers named in
// zeroBufs when p has none yet.
func (b *base) stateOf(p *tensor.Tensor, zeroBufs ...string) *paramState {
	s := b.state[p]
	if s == nil {
		s = &paramState{bufs: map[string]*tensor.Tensor{}}
		for _, n := range zeroBufs {
			s.bufs[n] = tensor.ZerosOf(p.DType(), p.Shape()...)
		}
		b.state[p] = s
	}
	return s
}

// forEach calls fn for every parameter that has a gradient, with
// contiguous views of its data and gradient of the parameter's type. Writes
// to data reach the parameter. fn must only read and write their elements
// (Data32, Data64): data is the parameter itself when it is contiguous,
// so tensor operations on it would be recorded by autograd.
func (b *base) forEach(fn func(g *Group, p *tensor.Tensor, data, grad *tensor.Tensor)) {
	for _, g := range b.groups {
		for _, p := range g.Params {
			if p.Grad == nil {
				continue
			}
			grad := p.Grad
			if grad.DType() != p.DType() {
				grad = grad.Detach().To(p.DType())
			}
			if !grad.SameShape(p) {
				panic(fmt.Sprintf("optim: gradient of shape %v for a parameter of shape %v", grad.Shape(), p.Shape()))
			}
			if grad.RequiresGrad() || !grad.IsContiguous() {
				grad = grad.Detach().Contiguous()
			}
			if p.IsContiguous() {
				fn(g, p, p, grad)
				continue
			}
			data := p.Detach().Contiguous()
			fn(g, p, data, grad)
			tensor.NoGrad(func() { p.CopyFrom(data) })
		}
	}
}
