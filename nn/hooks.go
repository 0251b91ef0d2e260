package nn

import (
	"fmt"
	"reflect"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/intercept-ml/intercept/internal/tensorinternal"
	"github.com/intercept-ml/intercept/tensor"
)

// HookHandle removes a registered hook (PyTorch's RemovableHandle): call
// Remove once the hook is no longer wanted.
type HookHandle = tensor.HookHandle

// ForwardPreHook runs before a module's forward (PyTorch's
// register_forward_pre_hook). It sees the module and its inputs, and
// returns the inputs to use instead, or nil to keep them.
type ForwardPreHook func(m any, inputs []*tensor.Tensor) []*tensor.Tensor

// ForwardHook runs after a module's forward (PyTorch's
// register_forward_hook). It sees the module, its inputs and its outputs
// (one for a Module, two for MultiheadAttention: the output and the
// attention weights, nil when not computed), and returns the outputs to
// use instead, or nil to keep them.
type ForwardHook func(m any, inputs, outputs []*tensor.Tensor) []*tensor.Tensor

// BackwardHook runs when the gradients with respect to a module's inputs
// have been computed (PyTorch's register_full_backward_hook). gradInputs
// has one entry per input and gradOutputs one per output, nil where there
// is none (for an input that does not require grad, such as the data fed
// to the first layer). It returns the gradients to use instead of
// gradInputs, or nil to keep them; the hook must not modify its arguments
// in place.
type BackwardHook func(m any, gradInputs, gradOutputs []*tensor.Tensor) []*tensor.Tensor

// moduleHooks are the hooks of one module, in registration order.
type moduleHooks struct {
	mu   sync.Mutex
	dead bool // removed from the registry
	pre  []hookEntry[ForwardPreHook]
	fwd  []hookEntry[ForwardHook]
	bwd  []hookEntry[BackwardHook]
}

type hookEntry[F any] struct {
	id uint64
	fn F
}

var (
	// hookRegistry maps a module (a pointer) to its *moduleHooks.
	hookRegistry sync.Map
	// hookCount is the number of module hooks registered: while it is
	// zero, HooksActive is one atomic load and a layer's Forward runs as
	// if hooks did not exist.
	hookCount atomic.Int64
	hookIDs   atomic.Uint64
)

// HooksActive reports whether any module hook is registered anywhere. A
// module's Forward checks it first (see the package documentation, Hooks):
// it is one atomic load, so hooks cost nothing while none is registered.
func HooksActive() bool { return hookCount.Load() != 0 }

// hooksOf returns m's hooks, or nil.
func hooksOf(m any) *moduleHooks {
	if v, ok := hookRegistry.Load(m); ok {
		return v.(*moduleHooks)
	}
	return nil
}

// HasHooks reports whether m has hooks registered.
func HasHooks(m any) bool {
	if !HooksActive() {
		return false
	}
	h := hooksOf(m)
	if h == nil {
		return false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.pre)+len(h.fwd)+len(h.bwd) > 0
}

func checkHookTarget(m any, fn string) {
	v := reflect.ValueOf(m)
	if !v.IsValid() || v.Kind() != reflect.Pointer || v.IsNil() {
		panic(fmt.Sprintf("nn.%s: the module must be a non-nil pointer, got %T", fn, m))
	}
}

// register adds a hook with add and returns its handle, whose Remove
// deletes it with del. A module's entry leaves the registry with its last
// hook, so that the registry keeps no module alive.
func register(m any, add func(h *moduleHooks, id uint64), del func(h *moduleHooks, id uint64)) *HookHandle {
	id := hookIDs.Add(1)
	var h *moduleHooks
	for {
		v, _ := hookRegistry.LoadOrStore(m, &moduleHooks{})
		h = v.(*moduleHooks)
		h.mu.Lock()
		if !h.dead {
			break
		}
		h.mu.Unlock() // removed meanwhile: store a new entry
	}
	add(h, id)
	h.mu.Unlock()
	hookCount.Add(1)
	return tensor.NewHookHandle(func() {
		h.mu.Lock()
		del(h, id)
		if len(h.pre)+len(h.fwd)+len(h.bwd) == 0 {
			h.dead = true
			hookRegistry.CompareAndDelete(m, h)
		}
		h.mu.Unlock()
		hookCount.Add(-1)
	})
}

func deleteID[F any](list []hookEntry[F], id uint64) []hookEntry[F] {
	return slices.DeleteFunc(slices.Clone(list), func(e hookEntry[F]) bool { return e.id == id })
}

// RegisterForwardPreHook registers hook to run before every forward of m
// (PyTorch's module.register_forward_pre_hook); m is a layer of this
// package or a module of one's own following the pattern of the package
// documentation. Hooks of one kind run in registration order.
func RegisterForwardPreHook(m any, hook ForwardPreHook) *HookHandle {
	checkHookTarget(m, "RegisterForwardPreHook")
	return register(m, func(h *moduleHooks, id uint64) {
		h.pre = append(slices.Clone(h.pre), hookEntry[ForwardPreHook]{id, hook})
	},
		func(h *moduleHooks, id uint64) { h.pre = deleteID(h.pre, id) })
}

// RegisterForwardHook registers hook to run after every forward of m
// (PyTorch's module.register_forward_hook).
func RegisterForwardHook(m any, hook ForwardHook) *HookHandle {
	checkHookTarget(m, "RegisterForwardHook")
	return register(m, func(h *moduleHooks, id uint64) { h.fwd = append(slices.Clone(h.fwd), hookEntry[ForwardHook]{id, hook}) },
		func(h *moduleHooks, id uint64) { h.fwd = deleteID(h.fwd, id) })
}

// RegisterFullBackwardHook registers hook to run during Backward, once the
// gradients with respect to m's inputs of a forward are known (PyTorch's
// module.register_full_backward_hook). As in PyTorch, the inputs and
// outputs of each forward of m run through an identity operation named
// BackwardHookFunctionBackward, which is where the gradients are seen.
func RegisterFullBackwardHook(m any, hook BackwardHook) *HookHandle {
	checkHookTarget(m, "RegisterFullBackwardHook")
	return register(m, func(h *moduleHooks, id uint64) {
		h.bwd = append(slices.Clone(h.bwd), hookEntry[BackwardHook]{id, hook})
	},
		func(h *moduleHooks, id uint64) { h.bwd = deleteID(h.bwd, id) })
}

// CallHooked runs forward(x) as the forward of module m, with m's hooks:
// forward pre-hooks, then forward, then forward hooks, the inputs and
// outputs wrapped for m's backward hooks. A module's Forward calls it when
// HooksActive (see the package documentation, Hooks); without hooks on m
// it returns forward(x).
func CallHooked(m any, x *tensor.Tensor, forward func(*tensor.Tensor) *tensor.Tensor) *tensor.Tensor {
	h := hooksOf(m)
	if h == nil {
		return forward(x)
	}
	out := h.call(m, []*tensor.Tensor{x}, func(in []*tensor.Tensor) []*tensor.Tensor {
		if len(in) != 1 {
			panic(fmt.Sprintf("nn: a forward pre-hook of %T returned %d inputs for a forward that takes 1", m, len(in)))
		}
		return []*tensor.Tensor{forward(in[0])}
	})
	return out[0]
}

// CallHookedN is CallHooked for a forward of several tensor inputs and
// outputs (nil for an absent one), such as MultiheadAttention's.
func CallHookedN(m any, inputs []*tensor.Tensor, forward func([]*tensor.Tensor) []*tensor.Tensor) []*tensor.Tensor {
	h := hooksOf(m)
	if h == nil {
		return forward(inputs)
	}
	return h.call(m, inputs, forward)
}

// call is PyTorch 1.13's Module._call_impl.
func (h *moduleHooks) call(m any, inputs []*tensor.Tensor, forward func([]*tensor.Tensor) []*tensor.Tensor) []*tensor.Tensor {
	h.mu.Lock()
	pre, fwd, bwd := h.pre, h.fwd, h.bwd
	h.mu.Unlock()
	inputs = slices.Clone(inputs)
	for _, e := range pre {
		if r := e.fn(m, inputs); r != nil {
			inputs = slices.Clone(r)
		}
	}
	var bh *backwardHook
	if len(bwd) > 0 {
		bh = &backwardHook{module: m, hooks: bwd}
		inputs = bh.setupInput(inputs)
	}
	outputs := forward(inputs)
	for _, e := range fwd {
		if r := e.fn(m, inputs, outputs); r != nil {
			if len(r) != len(outputs) {
				panic(fmt.Sprintf("nn: a forward hook of %T returned %d outputs for a forward that returns %d", m, len(r), len(outputs)))
			}
			outputs = slices.Clone(r)
		}
	}
	if bh != nil {
		outputs = bh.setupOutput(outputs)
	}
	return outputs
}

// backwardHook is PyTorch's torch.utils.hooks.BackwardHook for one forward
// call: the outputs' identity records the gradients w.r.t. the outputs, the
// inputs' identity calls the hooks with them and the gradients w.r.t. the
// inputs.
type backwardHook struct {
	module      any
	hooks       []hookEntry[BackwardHook]
	nIn         int
	inputsHook  bool // some input requires grad (its identity calls the hooks)
	gradOutputs []*tensor.Tensor
}

func (b *backwardHook) setupInput(inputs []*tensor.Tensor) []*tensor.Tensor {
	b.nIn = len(inputs)
	out, ok := identity(inputs, func(grads []*tensor.Tensor) []*tensor.Tensor {
		if b.gradOutputs == nil {
			// The gradient reached the inputs without passing through
			// the outputs.
			return grads
		}
		res := grads
		for _, e := range b.hooks {
			r := e.fn(b.module, slices.Clone(res), b.gradOutputs)
			if r == nil {
				continue
			}
			if len(r) != len(res) {
				panic(fmt.Sprintf("Backward hook returned an invalid number of grad_input, got %d, but expected %d", len(r), len(res)))
			}
			res = r
		}
		b.gradOutputs = nil
		return res
	})
	b.inputsHook = ok
	return out
}

func (b *backwardHook) setupOutput(outputs []*tensor.Tensor) []*tensor.Tensor {
	out, _ := identity(outputs, func(grads []*tensor.Tensor) []*tensor.Tensor {
		b.gradOutputs = slices.Clone(grads)
		if !b.inputsHook {
			// No input requires grad: the hooks run now, with no
			// gradient w.r.t. the inputs.
			gradInputs := make([]*tensor.Tensor, b.nIn)
			for _, e := range b.hooks {
				if r := e.fn(b.module, gradInputs, b.gradOutputs); r != nil && slices.ContainsFunc(r, func(t *tensor.Tensor) bool { return t != nil }) {
					panic("Backward hook for Modules where no input requires gradient should always return None or None for all gradients.")
				}
			}
			b.gradOutputs = nil
		}
		return grads
	})
	return out
}

const backwardHookName = "BackwardHookFunctionBackward"

// identity returns ts with each tensor that requires grad replaced by an
// identity of it (sharing its memory) whose backward calls onGrads once
// with the gradients of all of them (nil for the others and for those
// that received none) and passes on what onGrads returns: PyTorch's
// BackwardHookFunction. ok is false, and ts returned as is, when no tensor
// requires grad or gradients are disabled.
func identity(ts []*tensor.Tensor, onGrads func(grads []*tensor.Tensor) []*tensor.Tensor) (out []*tensor.Tensor, ok bool) {
	var idx []int
	for i, t := range ts {
		if t != nil && t.RequiresGrad() {
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 || !tensor.IsGradEnabled() {
		return ts, false
	}
	out = slices.Clone(ts)
	n := len(ts)
	if len(idx) == 1 {
		i := idx[0]
		w := ts[i].Detach()
		tensor.Record(w, backwardHookName, []*tensor.Tensor{ts[i]}, func(g *tensor.Tensor) []*tensor.Tensor {
			tensorinternal.KeepGrad(g) // the hooks may keep it
			grads := make([]*tensor.Tensor, n)
			grads[i] = g
			return []*tensor.Tensor{onGrads(grads)[i]}
		})
		out[i] = w
		return out, true
	}
	// Several tensors: each identity hands its gradient to a common node
	// that every one of them depends on, so that it runs after all of
	// them and sees every gradient at once.
	ins := make([]*tensor.Tensor, len(idx))
	for k, i := range idx {
		ins[k] = ts[i]
	}
	slots := make([]*tensor.Tensor, n)
	gather := tensor.Zeros()
	tensor.Record(gather, backwardHookName, ins, func(*tensor.Tensor) []*tensor.Tensor {
		grads := slots
		slots = make([]*tensor.Tensor, n)
		r := onGrads(grads)
		res := make([]*tensor.Tensor, len(idx))
		for k, i := range idx {
			res[k] = r[i]
		}
		return res
	})
	for _, i := range idx {
		w := ts[i].Detach()
		tensor.Record(w, backwardHookName, []*tensor.Tensor{gather}, func(g *tensor.Tensor) []*tensor.Tensor {
			// g's memory may be reused once this returns: keep a copy.
			if slots[i] == nil {
				slots[i] = g.Clone()
			} else {
				slots[i] = slots[i].Add(g)
			}
			return []*tensor.Tensor{tensor.Zeros()}
		})
		out[i] = w
	}
	return out, true
}
