package tensor

import (
	"fmt"
	"slices"
	"sync"

	"github.com/intercept-ml/intercept/internal/pyfmt"
)

// GradHook is a hook on the gradient of a tensor (see RegisterHook). It
// returns the gradient to use instead of grad, or nil to keep grad.
type GradHook func(grad *Tensor) *Tensor

// HookHandle removes a registered hook (PyTorch's RemovableHandle).
type HookHandle struct {
	remove func()
	once   sync.Once
}

// NewHookHandle returns a handle whose Remove calls remove once. Packages
// that keep hooks of their own (nn's module hooks) return such handles.
func NewHookHandle(remove func()) *HookHandle { return &HookHandle{remove: remove} }

// Remove removes the hook; later calls do nothing.
func (h *HookHandle) Remove() {
	if h == nil {
		return
	}
	h.once.Do(func() {
		if h.remove != nil {
			h.remove()
		}
	})
}

// gradHookEntry is one hook of a tensor, or (hook nil) the place where
// RetainGrad was called among its hooks.
type gradHookEntry struct {
	id   uint64
	hook GradHook
}

// gradHooks are a tensor's hooks, in registration order. They live in the
// tensor, so that they go with it: a hook registered on an intermediate
// result at every step and never removed holds nothing alive.
type gradHooks struct {
	list []gradHookEntry
}

var (
	// gradHooksMu guards every tensor's hooks field and list.
	gradHooksMu sync.Mutex
	gradHookIDs uint64
)

// RegisterHook registers a hook on the gradient of t, as PyTorch's
// tensor.register_hook: each time Backward computes the gradient of t, it
// calls hook with it and, if hook returns a tensor (of t's shape), uses
// that instead. For a leaf the hook runs before the gradient is added to
// Grad, once per Backward with the sum of every contribution; for a
// non-leaf it runs before the gradient flows on to t's inputs, and
// changes what they receive. Several hooks run in the order of
// registration, each seeing what the previous one returned; RetainGrad
// keeps the gradient as it is at the point of the hooks where RetainGrad
// was called, as in PyTorch 1.13.
//
// hook may keep grad: Backward does not reuse the memory of a gradient it
// has shown a hook. It panics, as PyTorch, on a tensor that does not
// require grad. Backward checks for hooks with a field load per edge of
// the graph, so tensors without hooks cost nothing.
func (t *Tensor) RegisterHook(hook GradHook) *HookHandle {
	if !t.requiresGrad {
		panic("cannot register a hook on a tensor that doesn't require gradient")
	}
	if hook == nil {
		panic("tensor.RegisterHook: nil hook")
	}
	gradHooksMu.Lock()
	defer gradHooksMu.Unlock()
	if t.hooks == nil {
		t.hooks = &gradHooks{}
	}
	h := t.hooks
	list := slices.Clone(h.list)
	if len(list) == 0 && t.retainGrad {
		list = append(list, gradHookEntry{}) // RetainGrad came first
	}
	gradHookIDs++
	id := gradHookIDs
	h.list = append(list, gradHookEntry{id: id, hook: hook})
	return NewHookHandle(func() {
		gradHooksMu.Lock()
		defer gradHooksMu.Unlock()
		i := slices.IndexFunc(h.list, func(e gradHookEntry) bool { return e.id == id })
		if i >= 0 {
			h.list = slices.Delete(slices.Clone(h.list), i, i+1)
		}
	})
}

// retainAmongHooks records that RetainGrad was called on the hooked t now.
func retainAmongHooks(t *Tensor) {
	gradHooksMu.Lock()
	defer gradHooksMu.Unlock()
	h := t.hooks
	if h == nil || slices.ContainsFunc(h.list, func(e gradHookEntry) bool { return e.hook == nil }) {
		return
	}
	h.list = append(slices.Clone(h.list), gradHookEntry{})
}

// hooksOf returns t's hooks (nil if none).
func hooksOf(t *Tensor) []gradHookEntry {
	gradHooksMu.Lock()
	defer gradHooksMu.Unlock()
	if t.hooks == nil {
		return nil
	}
	return t.hooks.list
}

// runGradHooks passes g through t's hooks and returns the gradient to use.
// retain is whether the caller must still honour t.retainGrad itself (no
// place among the hooks was recorded for it).
func runGradHooks(t *Tensor, g *Tensor) (out *Tensor, retain bool) {
	list := hooksOf(t)
	if len(list) == 0 {
		return g, t.retainGrad
	}
	for _, e := range list {
		// A hook may keep the gradient it sees: its memory must not be
		// recycled.
		g.scratch = false
		if e.hook == nil {
			if t.retainGrad && t.fn != nil {
				accumulateLeaf(t, g, false)
			}
			continue
		}
		r := e.hook(g)
		if r == nil {
			continue
		}
		if !slices.Equal(r.shape, g.shape) {
			panic(fmt.Sprintf("hook 'hook' has changed the size of value: expected %s, got %s",
				pyfmt.List(g.shape...), pyfmt.List(r.shape...)))
		}
		g = r.Detach()
		if g.dtype != t.dtype {
			g = g.To(t.dtype)
		}
	}
	return g, false
}

// leafHooks gathers, during one Backward, the gradient contributions to
// leaves that have hooks: as PyTorch's AccumulateGrad, a hooked leaf's
// hooks see the sum of its contributions once every node of the graph that
// feeds it has run.
type leafHooks struct {
	pending map[*Tensor]int     // edges still to run, per hooked leaf
	sum     map[*Tensor]*Tensor // contributions so far
	ready   []*Tensor           // leaves whose edges have all run
	order   []*Tensor           // hooked leaves in order of first contribution
}

// newLeafHooks counts the edges of order's nodes into hooked leaves.
func newLeafHooks(order []*node) *leafHooks {
	h := &leafHooks{pending: map[*Tensor]int{}, sum: map[*Tensor]*Tensor{}}
	for _, n := range order {
		for _, in := range n.inputs {
			if in != nil && in.hooks != nil && in.fn == nil && in.requiresGrad {
				h.pending[in]++
			}
		}
	}
	return h
}

// add records the contribution g (nil for none) of one edge into leaf.
func (h *leafHooks) add(leaf, g *Tensor) {
	if g != nil {
		if !slices.Equal(g.shape, leaf.shape) {
			panic(fmt.Sprintf("tensor: internal error: a gradient of shape %s for a leaf of shape %s",
				pyfmt.List(g.shape...), pyfmt.List(leaf.shape...)))
		}
		if prev, ok := h.sum[leaf]; ok && prev != nil {
			h.sum[leaf] = rawAdd(prev, g)
		} else {
			g.scratch = false
			h.sum[leaf] = g
			h.order = append(h.order, leaf)
		}
	}
	h.pending[leaf]--
	if h.pending[leaf] == 0 {
		h.ready = append(h.ready, leaf)
	}
}

// flushReady runs the hooks of the leaves whose contributions are all in
// and accumulates the result.
func (h *leafHooks) flushReady() {
	for len(h.ready) > 0 {
		leaf := h.ready[0]
		h.ready = h.ready[1:]
		h.flush(leaf)
	}
}

func (h *leafHooks) flush(leaf *Tensor) {
	g, ok := h.sum[leaf]
	if !ok {
		return
	}
	delete(h.sum, leaf)
	g, _ = runGradHooks(leaf, g)
	accumulateLeaf(leaf, g, false)
}

// flushAll handles the leaves whose remaining edges did not run (their
// nodes received no gradient), in order of first contribution.
func (h *leafHooks) flushAll() {
	h.flushReady()
	for _, leaf := range h.order {
		h.flush(leaf)
	}
}

// keepGrad implements tensorinternal.KeepGrad (its contract is there).
func keepGrad(g *Tensor) {
	if g != nil {
		g.scratch = false
	}
}
