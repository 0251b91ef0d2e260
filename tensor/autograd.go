package tensor

import (
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/intercept-ml/intercept/internal/kernel"
	"github.com/intercept-ml/intercept/internal/pyfmt"
)

// node is one recorded operation of the autograd graph: the function that
// maps the gradient of its output to the gradients of its inputs.
type node struct {
	name     string
	inputs   []*Tensor
	backward func(g *Tensor) []*Tensor
	out      *Tensor // the tensor this node produced (for RetainGrad)
	// mark is the number of the last Backward that reached the node, and
	// pos its place in that Backward's order (see runBackward).
	mark     uint64
	pos      int32
	released bool
	// recycle is out's memory, to reuse once the node is released (see
	// recycleAfterBackward).
	recycle *Tensor
}

// backwardRuns numbers the Backward calls, for node.mark.
var backwardRuns atomic.Uint64

// Record makes out the result of a differentiable operation on inputs, for
// operations implemented outside this package (the role of
// torch.autograd.Function). If gradients are enabled on the calling
// goroutine and any input requires grad, out becomes a non-leaf that
// requires grad, and Backward will call backward with the gradient of out
// (same shape as out, not requiring grad) and expect one gradient per input,
// each with that input's shape, or nil for an input that needs none.
// backward must not capture inputs that require grad in computations that
// record (use Detach), and must not keep grad after it returns: Backward
// may reuse its memory once the node has returned (unless a returned
// gradient shares it). name is what GradFn reports, in PyTorch's style (for
// example ConvolutionBackward0).
// out must be a fresh tensor that is not yet part of a graph.
func Record(out *Tensor, name string, inputs []*Tensor, backward func(grad *Tensor) []*Tensor) {
	if out.fn != nil || out.requiresGrad {
		panic("tensor.Record: out is already part of a graph")
	}
	record(out, name, inputs, backward)
}

// record attaches a graph node to out if gradients are enabled and any of
// the inputs requires grad. backward receives the gradient of out (same
// shape as out) and returns one gradient per input (nil for none); the
// tensors it sees and returns are detached.
func record(out *Tensor, name string, inputs []*Tensor, backward func(g *Tensor) []*Tensor) {
	need := false
	for _, in := range inputs {
		if in != nil && in.requiresGrad {
			need = true
			break
		}
	}
	if !need || !gradEnabled() {
		return
	}
	out.requiresGrad = true
	out.fn = &node{name: name, inputs: inputs, backward: backward, out: out}
}

// ---------------------------------------------------------------- grad mode

var (
	noGradDepth sync.Map     // goroutine id -> *int (nesting depth)
	noGradCount atomic.Int64 // goroutines currently inside NoGrad
)

// gradEnabled reports whether operations on the calling goroutine are
// recorded: one atomic load when no goroutine is inside NoGrad, and a
// lookup of the calling goroutine in noGradDepth otherwise.
func gradEnabled() bool {
	if noGradCount.Load() == 0 {
		return true
	}
	_, inside := noGradDepth.Load(goroutineKey())
	return !inside
}

// IsGradEnabled reports whether operations run on the calling goroutine are
// recorded for autograd (false inside NoGrad).
func IsGradEnabled() bool { return gradEnabled() }

// NoGrad runs fn with gradient recording disabled on the calling goroutine,
// like PyTorch's `with torch.no_grad():`. Tensors computed inside do not
// require grad, and in-place updates of leaves that require grad (as
// optimizers and initializers do) are allowed. NoGrad scopes nest.
//
// The mode belongs to the goroutine, as PyTorch's belongs to the thread:
// other goroutines are not affected, and goroutines that fn starts do not
// inherit it (they record unless they call NoGrad themselves). fn's
// goroutine must therefore do the work that should not be recorded, or
// each goroutine it starts must wrap its own work in NoGrad.
//
// Cost: while no goroutine is inside NoGrad, checking the mode is one
// atomic load. While some goroutine is, every recording operation on every
// goroutine also looks its goroutine up in a sync.Map: tens of nanoseconds
// on amd64, where the goroutine is identified by its runtime descriptor,
// and microseconds on other architectures and with the purego tag, where
// its id is parsed from runtime.Stack (see BenchmarkGradEnabled).
func NoGrad(fn func()) {
	id := goroutineKey()
	if v, ok := noGradDepth.Load(id); ok {
		*(v.(*int))++
		defer func() { *(v.(*int))-- }()
		fn()
		return
	}
	depth := 1
	noGradDepth.Store(id, &depth)
	noGradCount.Add(1)
	defer func() {
		noGradDepth.Delete(id)
		noGradCount.Add(-1)
	}()
	fn()
}

// ---------------------------------------------------------------- backward

// BackwardOptions controls Tensor.BackwardWith.
type BackwardOptions struct {
	// Grad is the gradient of some scalar with respect to the tensor
	// (PyTorch's `gradient` argument). It must have the tensor's shape.
	// Nil means 1, which is only allowed for single-element tensors.
	Grad *Tensor
	// RetainGraph keeps the graph so that Backward can run through it again.
	RetainGraph bool
}

// Backward computes the gradient of the scalar t with respect to every leaf
// tensor that requires grad and adds it to the leaf's Grad. The graph is
// released afterwards.
func (t *Tensor) Backward() { t.BackwardWith(BackwardOptions{}) }

// BackwardWith is Backward with an explicit upstream gradient and options.
func (t *Tensor) BackwardWith(opt BackwardOptions) {
	if !t.requiresGrad {
		panic("element 0 of tensors does not require grad and does not have a grad_fn")
	}
	g := opt.Grad
	if g == nil {
		if t.Numel() != 1 {
			panic("grad can be implicitly created only for scalar outputs")
		}
		g = OnesOf(t.dtype, t.shape...)
	} else {
		if !slices.Equal(g.shape, t.shape) {
			panic(fmt.Sprintf("Mismatch in shape: grad_output[0] has a shape of %s and output[0] has a shape of %s.",
				pyfmt.List(g.shape...), pyfmt.List(t.shape...)))
		}
		g = g.Detach().To(t.dtype)
	}
	if t.fn == nil { // a leaf
		if t.hooks != nil {
			g, _ = runGradHooks(t, g)
		}
		accumulateLeaf(t, g, false)
		return
	}
	runBackward(t.fn, g, opt.RetainGraph)
}

// leafGrad implements tensorinternal.LeafGrad (its contract is there).
func leafGrad(in *Tensor) *Tensor {
	if in == nil || !in.requiresGrad || in.fn != nil || in.Grad == nil {
		return nil
	}
	g := in.Grad
	if g.dtype != in.dtype || !g.IsContiguous() || !slices.Equal(g.shape, in.shape) {
		return nil
	}
	return g
}

// recycleAfterBackward implements tensorinternal.RecycleAfterBackward (its
// contract is there).
func recycleAfterBackward(t *Tensor) {
	if t.fn == nil || t.fn.released || !t.IsContiguous() || !recyclable(t) {
		return
	}
	t.fn.recycle = t
}

// recycle implements tensorinternal.Recycle (its contract is there).
func recycle(t *Tensor) {
	if t.fn != nil || t.requiresGrad || !t.IsContiguous() || !recyclable(t) {
		return
	}
	recycleStorage(t)
}

// accumulateLeaf adds g into leaf.Grad. It reports whether g itself became
// leaf.Grad: with mayAdopt (nothing else references g), a scratch gradient
// from emptyGrad is adopted rather than copied.
func accumulateLeaf(leaf *Tensor, g *Tensor, mayAdopt bool) (adopted bool) {
	if g.dtype != leaf.dtype {
		g = g.To(leaf.dtype)
	}
	if leaf.Grad == nil {
		if mayAdopt && g.scratch && g.st != nil && g.IsContiguous() && g.offset == 0 {
			g.scratch = false
			leaf.Grad = g
			return true
		}
		leaf.Grad = g.contiguousCopy()
		return false
	}
	addInto(leaf.Grad, g)
	return false
}

// addInto adds src to dst elementwise in place (same shape; dst contiguous).
func addInto(dst, src *Tensor) {
	if !slices.Equal(dst.shape, src.shape) {
		panic(fmt.Sprintf("tensor: gradient of shape %s cannot be accumulated into %s", pyfmt.List(src.shape...), pyfmt.List(dst.shape...)))
	}
	if !dst.IsContiguous() {
		c := dst.contiguousCopy()
		*dst = *c
	}
	if addTransposed(dst, src) {
		return
	}
	switch dst.dtype {
	case Float32:
		d := dst.Data32()
		s := src.To(Float32).Float32sShared()
		add32(d, s)
	case Float64:
		d := dst.Data64()
		s := src.To(Float64).Float64sShared()
		kernel.Add64(d, d, s)
	}
}

// serialPassMax is the longest element-wise pass over a gradient (its
// accumulation into a leaf's Grad, ZeroGrad's clearing) that runs on the
// calling goroutine rather than split across the kernel package's worker
// pool. A core does such a pass over a few megabytes in about the time it
// takes to wake a worker, and in the training step of a small batch,
// whose products are too small to split, waking one for these passes
// alone would keep it spinning through the whole step.
const serialPassMax = 1 << 20

// serialChunk is shorter than the shortest slice that kernel.Add32 splits
// across the worker pool, so that add32 keeps a pass on one core.
const serialChunk = 1 << 15

// add32 sets d[i] += s[i] with kernel.Add32, on the calling goroutine
// when d has at most serialPassMax elements.
func add32(d, s []float32) {
	if len(d) > serialPassMax {
		kernel.Add32(d, d, s)
		return
	}
	for len(d) > 0 {
		k := min(len(d), serialChunk)
		kernel.Add32(d[:k], d[:k], s[:k])
		d, s = d[k:], s[k:]
	}
}

// addTransposed adds src into the contiguous dst of the same type and 2-D
// shape when src is the transpose of a contiguous matrix (as the gradient
// of a weight used through W.T() is), in cache-sized tiles, and reports
// whether it did. Each element gets the same single addition as in addInto.
func addTransposed(dst, src *Tensor) bool {
	if len(dst.shape) != 2 || dst.dtype != src.dtype || src.strides[0] != 1 || src.strides[1] != dst.shape[0] {
		return false
	}
	r, c := dst.shape[0], dst.shape[1]
	const tile = 32
	switch dst.dtype {
	case Float32:
		addTransposedT(dst.st.f32()[dst.offset:dst.offset+r*c], src.st.f32()[src.offset:src.offset+r*c], r, c, tile)
	case Float64:
		addTransposedT(dst.st.f64()[dst.offset:dst.offset+r*c], src.st.f64()[src.offset:src.offset+r*c], r, c, tile)
	default:
		return false
	}
	return true
}

// addTransposedT sets d[i*c+j] += s[j*r+i] for an r×c matrix d.
func addTransposedT[T float32 | float64](d, s []T, r, c, tile int) {
	for i0 := 0; i0 < r; i0 += tile {
		i1 := min(r, i0+tile)
		for j0 := 0; j0 < c; j0 += tile {
			j1 := min(c, j0+tile)
			for i := i0; i < i1; i++ {
				row := d[i*c+j0 : i*c+j1]
				for j := range row {
					row[j] += s[(j0+j)*r+i]
				}
			}
		}
	}
}

// Float32sShared returns the row-major float32 elements, sharing storage
// when t is contiguous (so the result must not be modified) and copying
// otherwise.
func (t *Tensor) Float32sShared() []float32 {
	if t.dtype == Float32 && t.IsContiguous() {
		return t.st.f32()[t.offset : t.offset+t.Numel()]
	}
	return t.Float32s()
}

// Float64sShared is Float32sShared for float64 elements.
func (t *Tensor) Float64sShared() []float64 {
	if t.dtype == Float64 && t.IsContiguous() {
		return t.st.f64()[t.offset : t.offset+t.Numel()]
	}
	return t.Float64s()
}

func runBackward(root *node, g *Tensor, retain bool) {
	// Topological order by depth-first search (iterative to survive deep
	// graphs such as long training loops recorded by mistake). A node is
	// visited once it carries this run's mark; small graphs keep their
	// bookkeeping on the stack.
	run := backwardRuns.Add(1)
	order := make([]*node, 0, 64)
	root.mark = run
	type frame struct {
		n *node
		i int
	}
	var frames [32]frame
	hookedLeaf := false // some leaf reached has gradient hooks
	stack := append(frames[:0], frame{root, 0})
	for len(stack) > 0 {
		top := &stack[len(stack)-1]
		if top.n.released {
			panic("Trying to backward through the graph a second time (or directly access saved tensors after they have already been freed). " +
				"Saved intermediate values of the graph are freed when you call Backward(). " +
				"Set BackwardOptions.RetainGraph if you need to backward through the graph a second time.")
		}
		if top.i < len(top.n.inputs) {
			in := top.n.inputs[top.i]
			top.i++
			if in != nil && in.hooks != nil && in.fn == nil {
				hookedLeaf = true
			}
			if in != nil && in.fn != nil && in.requiresGrad && in.fn.mark != run {
				in.fn.mark = run
				stack = append(stack, frame{in.fn, 0})
			}
			continue
		}
		order = append(order, top.n)
		stack = stack[:len(stack)-1]
	}
	// grads[i] is the gradient flowing into order[i], the root being last.
	for i, n := range order {
		n.pos = int32(i)
	}
	var gradBuf [32]*Tensor
	grads := gradBuf[:]
	if len(order) > len(gradBuf) {
		grads = make([]*Tensor, len(order))
	}
	grads = grads[:len(order)]
	grads[root.pos] = g
	// Leaves with gradient hooks get the sum of their contributions, then
	// their hooks, once every node feeding them has run (see leafHooks).
	var hooked *leafHooks
	if hookedLeaf {
		hooked = newLeafHooks(order)
	}
	for i := len(order) - 1; i >= 0; i-- {
		n := order[i]
		gn := grads[i]
		grads[i] = nil
		if gn == nil {
			continue
		}
		if n.out != nil && n.out.hooks != nil {
			var retain bool
			if gn, retain = runGradHooks(n.out, gn); retain {
				accumulateLeaf(n.out, gn, false)
			}
		} else if n.out != nil && n.out.retainGrad {
			accumulateLeaf(n.out, gn, false)
		}
		ins := n.backward(gn)
		// A scratch gradient returned for more than one input must not
		// be recycled after the first of them has consumed it.
		for j, gi := range ins {
			if gi != nil && gi.scratch {
				for _, gk := range ins[j+1:] {
					if gk != nil && gk.st == gi.st {
						gi.scratch, gk.scratch = false, false
					}
				}
			}
		}
		// The node's incoming gradient is dead once its backward has
		// returned, unless a returned gradient shares its memory (a view
		// or the tensor itself, as for Add or Reshape): recycle it, or
		// let the one whole contiguous view that took it over (as from
		// View or Flatten) be recycled in its turn.
		if gn.scratch && gn.st != nil {
			switch v := viewsOf(ins, gn); {
			case v == nil:
				recycleGrad(gn)
			case v != gn && v.IsContiguous() && v.offset == 0 && v.Numel() == gn.Numel():
				v.scratch = true
			}
		}
		for j, in := range n.inputs {
			if hooked != nil && in != nil && in.hooks != nil && in.fn == nil && in.requiresGrad {
				var gi *Tensor
				if j < len(ins) {
					gi = ins[j]
				}
				hooked.add(in, gi)
				continue
			}
			if in == nil || !in.requiresGrad || j >= len(ins) || ins[j] == nil {
				continue
			}
			gi := ins[j]
			if !slices.Equal(gi.shape, in.shape) {
				panic(fmt.Sprintf("tensor: internal error: %s returned a gradient of shape %s for an input of shape %s",
					n.name, pyfmt.List(gi.shape...), pyfmt.List(in.shape...)))
			}
			if in.fn == nil {
				once := gi.scratch && countIn(ins, gi) == 1
				if !accumulateLeaf(in, gi, once) && once {
					recycleGrad(gi)
				}
				continue
			}
			if prev := grads[in.fn.pos]; prev != nil {
				grads[in.fn.pos] = rawAdd(prev, gi)
			} else {
				grads[in.fn.pos] = gi
			}
		}
		if hooked != nil {
			hooked.flushReady()
		}
		if !retain {
			n.released = true
			n.backward = nil
			n.inputs = nil
			if r := n.recycle; r != nil {
				n.recycle = nil
				recycleStorage(r)
			}
		}
	}
	if hooked != nil {
		hooked.flushAll()
	}
}

// viewsOf returns the one tensor of ts that uses the storage of t (t
// itself or a view of it), t when several do, and nil when none does.
func viewsOf(ts []*Tensor, t *Tensor) *Tensor {
	var found *Tensor
	for _, u := range ts {
		if u == nil || u.st != t.st {
			continue
		}
		if found != nil && found != u {
			return t
		}
		found = u
	}
	return found
}

// countIn returns how many times t appears in ts.
func countIn(ts []*Tensor, t *Tensor) int {
	c := 0
	for _, u := range ts {
		if u == t {
			c++
		}
	}
	return c
}
