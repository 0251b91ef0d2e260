package optim

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/intercept-ml/intercept/internal/strictjson"
	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/tensor"
)

// StateDict is the serializable state of an optimizer, shaped like
// PyTorch's optimizer.state_dict(): per-parameter state keyed by the
// parameter's index (counting through the groups in order, as PyTorch
// numbers them) and the groups' hyperparameters with the indices of their
// parameters. Flatten turns it into named tensors and string metadata for a
// checkpoint file (safetensors.Save writes exactly that);
// StateDictFromFlat reads it back.
type StateDict struct {
	// Optimizer is the kind of optimizer: "SGD", "Adam", "AdamW" or
	// "RMSprop". LoadStateDict refuses a state dict of another kind.
	Optimizer string
	// State holds the state of each parameter that has one (parameters that
	// never had a gradient have none).
	State map[int]*ParamState
	// Groups holds each group's hyperparameters and parameter indices.
	Groups []GroupState
}

// ParamState is the state of one parameter.
type ParamState struct {
	// Step is the number of updates the parameter has had (Adam, AdamW,
	// RMSprop; 0 for SGD, which does not count).
	Step int64
	// Buffers holds the state tensors under PyTorch's names:
	// "momentum_buffer" (SGD, RMSprop), "exp_avg", "exp_avg_sq",
	// "max_exp_avg_sq" (Adam, AdamW), "square_avg", "grad_avg" (RMSprop).
	// Each has the parameter's shape.
	Buffers map[string]*tensor.Tensor
}

// GroupState is a parameter group in a StateDict.
type GroupState struct {
	Hyper
	// Params are the indices of the group's parameters.
	Params []int `json:"params"`
}

// StateDict returns a deep copy of the optimizer's state: later steps do
// not change it (PyTorch returns references; a copy is what a checkpoint
// needs).
func (b *base) StateDict() *StateDict {
	sd := &StateDict{Optimizer: b.name, State: map[int]*ParamState{}}
	idx := 0
	for _, g := range b.groups {
		gs := GroupState{Hyper: g.Hyper, Params: make([]int, len(g.Params))}
		for j, p := range g.Params {
			gs.Params[j] = idx
			if st := b.state[p]; st != nil {
				ps := &ParamState{Step: st.step, Buffers: map[string]*tensor.Tensor{}}
				for k, v := range st.bufs {
					ps.Buffers[k] = v.Clone()
				}
				sd.State[idx] = ps
			}
			idx++
		}
		sd.Groups = append(sd.Groups, gs)
	}
	return sd
}

// LoadStateDict replaces the state and hyperparameters of the optimizer with
// those of sd (deep copies, converted to each parameter's element type),
// after checking that sd comes from an optimizer of the same kind with
// groups of the same sizes, that every state belongs to a parameter and has
// the buffers this optimizer needs, with the parameter's shape. On error the
// optimizer is unchanged.
func (b *base) LoadStateDict(sd *StateDict) error {
	if sd == nil {
		return fmt.Errorf("optim: %s.LoadStateDict: nil state dict", b.name)
	}
	if sd.Optimizer != "" && sd.Optimizer != b.name {
		return fmt.Errorf("optim: loaded state dict is for %s, not %s", sd.Optimizer, b.name)
	}
	if len(sd.Groups) != len(b.groups) {
		return fmt.Errorf("optim: loaded state dict has a different number of parameter groups (%d, optimizer has %d)",
			len(sd.Groups), len(b.groups))
	}
	params := map[int]*tensor.Tensor{}
	hypers := make([]Hyper, len(sd.Groups))
	for i, gs := range sd.Groups {
		g := b.groups[i]
		if len(gs.Params) != len(g.Params) {
			return fmt.Errorf("optim: loaded state dict contains a parameter group that doesn't match the size of optimizer's group (group %d: %d parameters, optimizer's has %d)",
				i, len(gs.Params), len(g.Params))
		}
		for j, id := range gs.Params {
			if _, dup := params[id]; dup {
				return fmt.Errorf("optim: loaded state dict lists parameter index %d twice", id)
			}
			params[id] = g.Params[j]
		}
		h := gs.Hyper
		if err := catch(func() { b.check(&h) }); err != nil {
			return fmt.Errorf("optim: loaded state dict, group %d: %v", i, err)
		}
		hypers[i] = h
	}
	groupOf := map[*tensor.Tensor]Hyper{}
	for i, g := range b.groups {
		for _, p := range g.Params {
			groupOf[p] = hypers[i]
		}
	}
	ids := make([]int, 0, len(sd.State))
	for id := range sd.State {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	newState := map[*tensor.Tensor]*paramState{}
	for _, id := range ids {
		ps := sd.State[id]
		p, ok := params[id]
		if !ok {
			return fmt.Errorf("optim: loaded state dict has state for parameter index %d, which is in no parameter group", id)
		}
		if ps == nil {
			continue
		}
		if ps.Step < 0 {
			return fmt.Errorf("optim: state of parameter %d: negative step %d", id, ps.Step)
		}
		st := &paramState{step: ps.Step, bufs: map[string]*tensor.Tensor{}}
		names := make([]string, 0, len(ps.Buffers))
		for k := range ps.Buffers {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			v := ps.Buffers[k]
			if !slices.Contains(b.bufNames, k) {
				return fmt.Errorf("optim: state of parameter %d: %s keeps no buffer %q (it keeps %s)",
					id, b.name, k, strings.Join(b.bufNames, ", "))
			}
			if v == nil {
				continue
			}
			if !v.DType().IsFloat() {
				return fmt.Errorf("optim: state of parameter %d: %s has element type %v, want a floating-point type", id, k, v.DType())
			}
			if !slices.Equal(v.Shape(), p.Shape()) {
				return fmt.Errorf("optim: state of parameter %d: %s has shape %v, but the parameter has shape %v",
					id, k, v.Shape(), p.Shape())
			}
			c := tensor.ZerosOf(p.DType(), p.Shape()...)
			c.CopyFrom(v)
			st.bufs[k] = c
		}
		if missing := b.missingBuffers(groupOf[p], st); missing != "" {
			return fmt.Errorf("optim: state of parameter %d: missing buffer %q", id, missing)
		}
		newState[p] = st
	}
	for i, g := range b.groups {
		g.Hyper = hypers[i]
	}
	b.state = newState
	return nil
}

// missingBuffers returns the name of a buffer the next step needs but st
// lacks, or "".
func (b *base) missingBuffers(h Hyper, st *paramState) string {
	var need []string
	switch b.name {
	case "Adam", "AdamW":
		need = []string{"exp_avg", "exp_avg_sq"}
		if h.AMSGrad {
			need = append(need, "max_exp_avg_sq")
		}
	case "RMSprop":
		need = []string{"square_avg"}
		if h.Momentum > 0 {
			need = append(need, "momentum_buffer")
		}
		if h.Centered {
			need = append(need, "grad_avg")
		}
	}
	for _, n := range need {
		if st.bufs[n] == nil {
			return n
		}
	}
	return ""
}

// catch runs fn and returns the value it panics with as an error.
func catch(fn func()) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	fn()
	return nil
}

// flatMeta is the JSON stored in the metadata by Flatten.
type flatMeta struct {
	Optimizer   string           `json:"optimizer"`
	ParamGroups []GroupState     `json:"param_groups"`
	Steps       map[string]int64 `json:"steps"`
}

// MetadataKey is the metadata key (after the prefix) under which Flatten
// stores the optimizer kind, the parameter groups and the step counts as
// JSON.
const MetadataKey = "optimizer"

// Flatten returns the state dict as named tensors, "<prefix>state.<index>.<buffer>"
// (e.g. "optim.state.0.exp_avg"), in index order, and metadata holding, under
// "<prefix>optimizer", a JSON object with the optimizer kind, the parameter
// groups (PyTorch's keys; betas as beta1 and beta2) and the step counts.
// The prefix lets an optimizer's state share a file with a model's weights:
//
//	tensors, meta := opt.StateDict().Flatten("optim.")
//	err := safetensors.Save("ckpt.safetensors", append(nn.StateDictOf(model), tensors...), meta)
func (sd *StateDict) Flatten(prefix string) ([]nn.Named, map[string]string) {
	m := flatMeta{Optimizer: sd.Optimizer, ParamGroups: sd.Groups, Steps: map[string]int64{}}
	ids := make([]int, 0, len(sd.State))
	for id := range sd.State {
		ids = append(ids, id)
	}
	sort.Ints(ids)
	var out []nn.Named
	for _, id := range ids {
		ps := sd.State[id]
		if ps == nil {
			continue
		}
		m.Steps[strconv.Itoa(id)] = ps.Step
		names := make([]string, 0, len(ps.Buffers))
		for k := range ps.Buffers {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			if ps.Buffers[k] != nil {
				out = append(out, nn.Named{Name: fmt.Sprintf("%sstate.%d.%s", prefix, id, k), Tensor: ps.Buffers[k]})
			}
		}
	}
	js, err := json.Marshal(m)
	if err != nil {
		panic(err) // plain numbers and strings: cannot fail (NaN hyperparameters aside)
	}
	return out, map[string]string{prefix + MetadataKey: string(js)}
}

// StateDictFromFlat rebuilds a StateDict from the output of Flatten (as read
// back from a file): the metadata entry "<prefix>optimizer" and the tensors
// named "<prefix>state.<index>.<buffer>". Tensors without the prefix are
// ignored, so a checkpoint may hold the model's weights too. The result is
// validated against an optimizer by its LoadStateDict.
func StateDictFromFlat(tensors []nn.Named, metadata map[string]string, prefix string) (*StateDict, error) {
	js, ok := metadata[prefix+MetadataKey]
	if !ok {
		return nil, fmt.Errorf("optim: no metadata entry %q", prefix+MetadataKey)
	}
	var m flatMeta
	if err := strictjson.Unmarshal([]byte(js), &m); err != nil {
		return nil, fmt.Errorf("optim: metadata entry %q: %v", prefix+MetadataKey, err)
	}
	sd := &StateDict{Optimizer: m.Optimizer, State: map[int]*ParamState{}, Groups: m.ParamGroups}
	get := func(id int) *ParamState {
		ps := sd.State[id]
		if ps == nil {
			ps = &ParamState{Buffers: map[string]*tensor.Tensor{}}
			sd.State[id] = ps
		}
		return ps
	}
	for k, step := range m.Steps {
		id, err := strconv.Atoi(k)
		if err != nil || id < 0 {
			return nil, fmt.Errorf("optim: metadata entry %q: bad parameter index %q in steps", prefix+MetadataKey, k)
		}
		get(id).Step = step
	}
	for _, nt := range tensors {
		rest, ok := strings.CutPrefix(nt.Name, prefix+"state.")
		if !ok {
			continue
		}
		idStr, buf, ok := strings.Cut(rest, ".")
		id, err := strconv.Atoi(idStr)
		if !ok || err != nil || id < 0 || buf == "" {
			return nil, fmt.Errorf("optim: tensor %q: want a name of the form %sstate.<index>.<buffer>", nt.Name, prefix)
		}
		ps := get(id)
		if _, dup := ps.Buffers[buf]; dup {
			return nil, fmt.Errorf("optim: tensor %q appears twice", nt.Name)
		}
		ps.Buffers[buf] = nt.Tensor
	}
	return sd, nil
}
