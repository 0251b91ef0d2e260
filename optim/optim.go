package optim

import (
	"fmt"

	"github.com/intercept-ml/intercept/tensor"
)

// Optimizer updates parameters from their gradients, like
// torch.optim.Optimizer. SGD, Adam, AdamW and RMSprop implement it.
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
	// AddParamGroup adds a group of parameters; unset hyperparameters take
	// the optimizer's defaults (PyTorch's add_param_group).
	AddParamGroup(g ParamGroup)
	// StateDict returns a deep copy of the optimizer's state: per-parameter
	// step counts and buffers, and the groups' hyperparameters.
	StateDict() *StateDict
	// LoadStateDict replaces the optimizer's state and hyperparameters with
	// those of sd, which must come from an optimizer of the same kind with
	// groups of the same sizes. It validates everything first and returns
	// an error naming the problem; on error nothing is changed.
	LoadStateDict(sd *StateDict) error
}

// ZeroGradOption modifies Optimizer.ZeroGrad.
type ZeroGradOption int

// SetToNone makes ZeroGrad set each gradient to nil instead of zeroing it
// (PyTorch's zero_grad(set_to_none=True), the default of PyTorch 2.x). The
// next Backward then allocates fresh gradients, and a parameter that gets
// no gradient is skipped by Step.
const SetToNone ZeroGradOption = 1

// F returns a pointer to v: the way to set the optional float fields of
// ParamGroup and of the optimizer configurations, e.g. LR: optim.F(0.1).
func F(v float64) *float64 { return &v }

// B returns a pointer to v, for the optional bool fields of ParamGroup.
func B(v bool) *bool { return &v }

// Params is what the optimizer constructors accept: a plain parameter list
// (one group with the configuration's hyperparameters) or parameter groups.
type Params interface {
	[]*tensor.Tensor | []ParamGroup
}

// ParamGroup is a set of parameters with its own hyperparameters, as the
// dicts of PyTorch's param_groups. A nil field inherits the value of the
// optimizer's configuration. Setting a field the optimizer does not use (say
// Beta1 for SGD) panics, so a misconfigured group never passes silently.
type ParamGroup struct {
	Params []*tensor.Tensor

	LR          *float64
	WeightDecay *float64
	Momentum    *float64 // SGD, RMSprop
	Dampening   *float64 // SGD
	Beta1       *float64 // Adam, AdamW (PyTorch's betas[0])
	Beta2       *float64 // Adam, AdamW (PyTorch's betas[1])
	Eps         *float64 // Adam, AdamW, RMSprop
	Alpha       *float64 // RMSprop

	Nesterov *bool // SGD
	AMSGrad  *bool // Adam, AdamW
	Centered *bool // RMSprop
	Maximize *bool
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
	name     string
	defaults Hyper
	// uses lists the hyperparameters a group may set, by Go field name.
	uses  map[string]bool
	check func(h *Hyper)
	// bufNames lists the state buffers this optimizer keeps, in the order
	// PyTorch creates them.
	bufNames []string
	groups   []*Group
	state    map[*tensor.Tensor]*paramState
}

func newBase[P Params](name string, params P, defaults Hyper, uses []string, bufNames []string, check func(h *Hyper)) base {
	b := base{name: name, defaults: defaults, uses: map[string]bool{}, check: check,
		bufNames: bufNames, state: map[*tensor.Tensor]*paramState{}}
	for _, u := range uses {
		b.uses[u] = true
	}
	check(&defaults)
	var groups []ParamGroup
	switch ps := any(params).(type) {
	case []*tensor.Tensor:
		if len(ps) == 0 {
			panic("optimizer got an empty parameter list")
		}
		groups = []ParamGroup{{Params: ps}}
	case []ParamGroup:
		groups = ps
	}
	if len(groups) == 0 {
		panic("optimizer got an empty parameter list")
	}
	for _, g := range groups {
		b.AddParamGroup(g)
	}
	return b
}

// AddParamGroup adds a parameter group (PyTorch's add_param_group).
func (b *base) AddParamGroup(pg ParamGroup) {
	h := b.defaults
	set := func(field string, dst *float64, src *float64) {
		if src == nil {
			return
		}
		if !b.uses[field] {
			panic(fmt.Sprintf("optim: %s has no hyperparameter %s (ParamGroup.%s is set)", b.name, field, field))
		}
		*dst = *src
	}
	setB := func(field string, dst *bool, src *bool) {
		if src == nil {
			return
		}
		if !b.uses[field] {
			panic(fmt.Sprintf("optim: %s has no hyperparameter %s (ParamGroup.%s is set)", b.name, field, field))
		}
		*dst = *src
	}
	set("LR", &h.LR, pg.LR)
	set("WeightDecay", &h.WeightDecay, pg.WeightDecay)
	set("Momentum", &h.Momentum, pg.Momentum)
	set("Dampening", &h.Dampening, pg.Dampening)
	set("Beta1", &h.Beta1, pg.Beta1)
	set("Beta2", &h.Beta2, pg.Beta2)
	set("Eps", &h.Eps, pg.Eps)
	set("Alpha", &h.Alpha, pg.Alpha)
	setB("Nesterov", &h.Nesterov, pg.Nesterov)
	setB("AMSGrad", &h.AMSGrad, pg.AMSGrad)
	setB("Centered", &h.Centered, pg.Centered)
	setB("Maximize", &h.Maximize, pg.Maximize)
	b.check(&h)

	seen := map[*tensor.Tensor]bool{}
	for _, g := range b.groups {
		for _, p := range g.Params {
			seen[p] = true
		}
	}
	params := make([]*tensor.Tensor, len(pg.Params))
	mine := map[*tensor.Tensor]bool{}
	for i, p := range pg.Params {
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
	none := false
	for _, o := range opts {
		if o == SetToNone {
			none = true
		}
	}
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
