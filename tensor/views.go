package tensor

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/intercept-ml/intercept/internal/kernel"
	"github.com/intercept-ml/intercept/internal/pyfmt"
)

// inferShape resolves a single -1 in shape against numel n.
func inferShape(shape []int, n int) []int {
	out := append([]int(nil), shape...)
	neg := -1
	prod := 1
	for i, d := range out {
		switch {
		case d == -1:
			if neg >= 0 {
				panic("only one dimension can be inferred")
			}
			neg = i
		case d < 0:
			panic(fmt.Sprintf("invalid shape dimension %d", d))
		default:
			prod *= d
		}
	}
	if neg >= 0 {
		if prod == 0 || n%prod != 0 {
			panic(fmt.Sprintf("shape '%s' is invalid for input of size %d", pyfmt.List(shape...), n))
		}
		out[neg] = n / prod
		prod *= out[neg]
	}
	if prod != n {
		panic(fmt.Sprintf("shape '%s' is invalid for input of size %d", pyfmt.List(shape...), n))
	}
	return out
}

// viewStrides computes strides that present t with newShape without
// copying, or reports false when the memory layout does not allow it
// (PyTorch's computeStride).
func viewStrides(oldShape, oldStrides, newShape []int) ([]int, bool) {
	n := numelOf(oldShape)
	newStrides := make([]int, len(newShape))
	if n == 0 {
		return contiguousStrides(newShape), true
	}
	viewD := len(newShape) - 1
	chunkBase := 0
	if len(oldStrides) > 0 {
		chunkBase = oldStrides[len(oldStrides)-1]
	}
	tensorNumel, viewNumel := 1, 1
	for d := len(oldShape) - 1; d >= 0; d-- {
		tensorNumel *= oldShape[d]
		if d == 0 || (oldShape[d-1] != 1 && oldStrides[d-1] != tensorNumel*chunkBase) {
			for viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] == 1) {
				newStrides[viewD] = viewNumel * chunkBase
				viewNumel *= newShape[viewD]
				viewD--
			}
			if viewNumel != tensorNumel {
				return nil, false
			}
			if d > 0 {
				chunkBase = oldStrides[d-1]
				tensorNumel, viewNumel = 1, 1
			}
		}
	}
	if viewD != -1 {
		return nil, false
	}
	return newStrides, true
}

// View returns a tensor with the same data and a new shape (one dimension
// may be -1). It panics when the layout of t does not allow a view; use
// Reshape, which copies in that case.
func (t *Tensor) View(shape ...int) *Tensor {
	ns := inferShape(shape, t.Numel())
	st, ok := viewStrides(t.shape, t.strides, ns)
	if !ok {
		panic("view size is not compatible with input tensor's size and stride (at least one dimension spans across two contiguous subspaces). Use .reshape(...) instead.")
	}
	return t.reshapeView(ns, st, "ViewBackward0")
}

func (t *Tensor) reshapeView(ns, st []int, name string) *Tensor {
	out := t.view(ns, st, t.offset)
	in := t.shape
	record(out, name, []*Tensor{t}, func(g *Tensor) []*Tensor { return []*Tensor{g.Reshape(in...)} })
	return out
}

// Reshape returns a tensor with the given shape (one dimension may be -1),
// a view when possible and a copy otherwise.
func (t *Tensor) Reshape(shape ...int) *Tensor {
	ns := inferShape(shape, t.Numel())
	if st, ok := viewStrides(t.shape, t.strides, ns); ok {
		return t.reshapeView(ns, st, "ViewBackward0")
	}
	c := t.Contiguous()
	return c.reshapeView(ns, contiguousStrides(ns), "UnsafeViewBackward0")
}

// Flatten merges dimensions start..end (inclusive, negative allowed) into one.
func (t *Tensor) Flatten(start, end int) *Tensor {
	if t.Dim() == 0 {
		return t.Reshape(1)
	}
	s, e := t.normDim(start), t.normDim(end)
	if s > e {
		panic("flatten() has invalid args: start_dim cannot come after end_dim")
	}
	ns := append([]int(nil), t.shape[:s]...)
	ns = append(ns, numelOf(t.shape[s:e+1]))
	ns = append(ns, t.shape[e+1:]...)
	return t.Reshape(ns...)
}

// Transpose swaps dimensions d0 and d1 (a view).
func (t *Tensor) Transpose(d0, d1 int) *Tensor {
	a, b := t.normDim(d0), t.normDim(d1)
	ns, nst := t.Shape(), t.Strides()
	ns[a], ns[b] = ns[b], ns[a]
	nst[a], nst[b] = nst[b], nst[a]
	out := t.view(ns, nst, t.offset)
	record(out, "TransposeBackward0", []*Tensor{t}, func(g *Tensor) []*Tensor { return []*Tensor{g.Transpose(a, b)} })
	return out
}

// T returns the transpose of a tensor of at most 2 dimensions.
func (t *Tensor) T() *Tensor {
	if t.Dim() > 2 {
		panic(fmt.Sprintf("t() expects a tensor with <= 2 dimensions, but self is %dD", t.Dim()))
	}
	if t.Dim() < 2 {
		return t
	}
	return t.Transpose(0, 1)
}

// Permute reorders the dimensions (a view).
func (t *Tensor) Permute(dims ...int) *Tensor {
	if len(dims) != t.Dim() {
		panic(fmt.Sprintf("permute(sparse_coo): number of dimensions in the tensor input does not match the length of the desired ordering of dimensions i.e. input.dim() = %d is not equal to len(dims) = %d", t.Dim(), len(dims)))
	}
	ns := make([]int, len(dims))
	nst := make([]int, len(dims))
	seen := make([]bool, len(dims))
	inv := make([]int, len(dims))
	for i, d := range dims {
		d = t.normDim(d)
		if seen[d] {
			panic("permute(): duplicate dims are not allowed.")
		}
		seen[d] = true
		ns[i], nst[i] = t.shape[d], t.strides[d]
		inv[d] = i
	}
	out := t.view(ns, nst, t.offset)
	record(out, "PermuteBackward0", []*Tensor{t}, func(g *Tensor) []*Tensor { return []*Tensor{g.Permute(inv...)} })
	return out
}

// Narrow returns the slice start..start+length of dimension dim (a view).
func (t *Tensor) Narrow(dim, start, length int) *Tensor {
	d := t.normDim(dim)
	n := t.shape[d]
	if start < 0 {
		start += n
	}
	if start < 0 || length < 0 || start+length > n {
		panic(fmt.Sprintf("start (%d) + length (%d) exceeds dimension size (%d).", start, length, n))
	}
	return t.Slice(d, start, start+length, 1)
}

// Slice returns elements start, start+step, ... < end of dimension dim (a
// view), like Python's t[..., start:end:step]. Negative start/end count from
// the end and out-of-range bounds are clipped, as in Python.
func (t *Tensor) Slice(dim, start, end, step int) *Tensor {
	d := t.normDim(dim)
	if step <= 0 {
		panic("slice step must be positive")
	}
	n := t.shape[d]
	clip := func(v int) int {
		if v < 0 {
			v += n
		}
		if v < 0 {
			v = 0
		}
		if v > n {
			v = n
		}
		return v
	}
	start, end = clip(start), clip(end)
	length := 0
	if end > start {
		length = (end - start + step - 1) / step
	}
	ns, nst := t.Shape(), t.Strides()
	ns[d] = length
	nst[d] *= step
	out := t.view(ns, nst, t.offset+start*t.strides[d])
	in := t.shape
	dt := t.dtype
	record(out, "SliceBackward0", []*Tensor{t}, func(g *Tensor) []*Tensor {
		z := Empty(dt, in...)
		z.Slice(d, start, end, step).copyFrom(g)
		return []*Tensor{z}
	})
	return out
}

// Select returns the index-th entry along dim, removing that dimension (a
// view).
func (t *Tensor) Select(dim, index int) *Tensor {
	d := t.normDim(dim)
	n := t.shape[d]
	if index < -n || index >= n {
		panic(fmt.Sprintf("select(): index %d out of range for tensor of size %s at dimension %d", index, pyfmt.List(t.shape...), d))
	}
	if index < 0 {
		index += n
	}
	ns := append(append([]int(nil), t.shape[:d]...), t.shape[d+1:]...)
	nst := append(append([]int(nil), t.strides[:d]...), t.strides[d+1:]...)
	out := t.view(ns, nst, t.offset+index*t.strides[d])
	in := t.shape
	dt := t.dtype
	record(out, "SelectBackward0", []*Tensor{t}, func(g *Tensor) []*Tensor {
		z := Empty(dt, in...)
		z.Select(d, index).copyFrom(g)
		return []*Tensor{z}
	})
	return out
}

// Index returns t[i] (Select along dimension 0).
func (t *Tensor) Index(i int) *Tensor { return t.Select(0, i) }

// Expand returns a view in which dimensions of size 1 are repeated to the
// given sizes without copying; -1 keeps a size. New leading dimensions may
// be added.
func (t *Tensor) Expand(shape ...int) *Tensor {
	if len(shape) < t.Dim() {
		panic(fmt.Sprintf("expand(%s{%s}, size=%s): the number of sizes provided (%d) must be greater or equal to the number of dimensions in the tensor (%d)",
			t.dtype, strings.Trim(pyfmt.List(t.shape...), "[]"), pyfmt.List(shape...), len(shape), t.Dim()))
	}
	off := len(shape) - t.Dim()
	ns := make([]int, len(shape))
	nst := make([]int, len(shape))
	for i := range shape {
		if i < off {
			if shape[i] < 0 {
				panic(fmt.Sprintf("The expanded size of the tensor (%d) isn't allowed in a leading, non-existing dimension %d", shape[i], i))
			}
			ns[i] = shape[i]
			continue
		}
		cur := t.shape[i-off]
		want := shape[i]
		if want == -1 {
			want = cur
		}
		switch {
		case want == cur:
			ns[i], nst[i] = cur, t.strides[i-off]
		case cur == 1:
			ns[i] = want
		default:
			panic(fmt.Sprintf("The expanded size of the tensor (%d) must match the existing size (%d) at non-singleton dimension %d.  Target sizes: %s.  Tensor sizes: %s",
				want, cur, i, pyfmt.List(shape...), pyfmt.List(t.shape...)))
		}
	}
	out := t.view(ns, nst, t.offset)
	in := t.shape
	record(out, "ExpandBackward0", []*Tensor{t}, func(g *Tensor) []*Tensor { return []*Tensor{sumTo(g, in)} })
	return out
}

// ExpandAs expands t to the shape of other.
func (t *Tensor) ExpandAs(other *Tensor) *Tensor { return t.Expand(other.shape...) }

// Squeeze removes the given dimensions if they have size 1, or every
// dimension of size 1 when none is given (a view).
func (t *Tensor) Squeeze(dims ...int) *Tensor {
	drop := make([]bool, t.Dim())
	if len(dims) == 0 {
		for i, d := range t.shape {
			drop[i] = d == 1
		}
	}
	for _, d := range dims {
		d = t.normDim(d)
		drop[d] = t.shape[d] == 1
	}
	var ns []int
	for i, d := range t.shape {
		if !drop[i] {
			ns = append(ns, d)
		}
	}
	if ns == nil {
		ns = []int{}
	}
	return t.Reshape(ns...)
}

// Unsqueeze inserts a dimension of size 1 at position dim (a view); dim may
// be in [-Dim()-1, Dim()].
func (t *Tensor) Unsqueeze(dim int) *Tensor {
	d := normDimN(dim, t.Dim()+1)
	ns := append(append(append([]int(nil), t.shape[:d]...), 1), t.shape[d:]...)
	return t.Reshape(ns...)
}

// copyFrom copies src (broadcast to t's shape, converted to t's type) into
// t's elements, through the view, without recording.
func (t *Tensor) copyFrom(src *Tensor) {
	bs := broadcastStrides(src.shape, src.strides, t.shape)
	if len(src.shape) > len(t.shape) {
		BroadcastShapes(t.shape, src.shape) // panics with a clear message
		panic(fmt.Sprintf("tensor: cannot copy a tensor of shape %s into one of shape %s", pyfmt.List(src.shape...), pyfmt.List(t.shape...)))
	}
	if !slices.Equal(BroadcastShapes(t.shape, src.shape), t.shape) {
		panic(fmt.Sprintf("tensor: cannot copy a tensor of shape %s into one of shape %s", pyfmt.List(src.shape...), pyfmt.List(t.shape...)))
	}
	s := src.To(t.dtype)
	if s != src {
		bs = broadcastStrides(s.shape, s.strides, t.shape)
	}
	switch t.dtype {
	case Float32:
		d, x := t.st.f32(), s.st.f32()
		iterBinary(t.shape, t.strides, t.offset, bs, s.offset, func(_, i, j int) { d[i] = x[j] })
	case Float64:
		d, x := t.st.f64(), s.st.f64()
		iterBinary(t.shape, t.strides, t.offset, bs, s.offset, func(_, i, j int) { d[i] = x[j] })
	case Int64:
		d, x := t.st.i64(), s.st.i64()
		iterBinary(t.shape, t.strides, t.offset, bs, s.offset, func(_, i, j int) { d[i] = x[j] })
	case Bool:
		d, x := t.st.b(), s.st.b()
		iterBinary(t.shape, t.strides, t.offset, bs, s.offset, func(_, i, j int) { d[i] = x[j] })
	}
}

// CopyFrom copies the values of src (broadcast to t's shape and converted to
// t's type) into t in place, through views. Like every in-place write it is
// not recorded and panics on a leaf that requires grad outside NoGrad.
func (t *Tensor) CopyFrom(src *Tensor) *Tensor {
	t.checkInPlace()
	t.copyFrom(src)
	return t
}

// Fill sets every element of t to v in place (see CopyFrom for autograd).
func (t *Tensor) Fill(v float64) *Tensor {
	t.checkInPlace()
	if t.IsContiguous() && t.dtype.IsFloat() {
		// Fast path (optimizers zero gradients this way every step).
		n := t.Numel()
		if t.dtype == Float32 {
			d := t.st.f32()[t.offset : t.offset+n]
			if v32 := float32(v); math.Float32bits(v32) == 0 {
				if n <= serialPassMax {
					clear(d)
				} else {
					kernel.Clear32(d)
				}
			} else {
				for i := range d {
					d[i] = v32
				}
			}
		} else {
			d := t.st.f64()[t.offset : t.offset+n]
			if math.Float64bits(v) == 0 {
				clear(d)
			} else {
				for i := range d {
					d[i] = v
				}
			}
		}
		return t
	}
	t.copyFrom(scalarLike(t, v).To(t.dtype))
	return t
}

// Zero sets every element of t to zero in place.
func (t *Tensor) Zero() *Tensor { return t.Fill(0) }
