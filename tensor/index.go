package tensor

import (
	"fmt"
	"math"
	"slices"

	"github.com/intercept-ml/intercept/internal/kernel"
	"github.com/intercept-ml/intercept/internal/pyfmt"
)

// Cat concatenates tensors along dim. All must have the same shape except
// in dim and the same number of dimensions; the result has the promoted
// type of the inputs.
func Cat(ts []*Tensor, dim int) *Tensor {
	if len(ts) == 0 {
		panic("torch.cat(): expected a non-empty list of Tensors")
	}
	ref := ts[0]
	d := ref.normDim(dim)
	dt := ref.dtype
	total := 0
	for i, t := range ts {
		if t.Dim() != ref.Dim() {
			panic(fmt.Sprintf("Tensors must have same number of dimensions: got %d and %d", ref.Dim(), t.Dim()))
		}
		for k := range t.shape {
			if k != d && t.shape[k] != ref.shape[k] {
				panic(fmt.Sprintf("Sizes of tensors must match except in dimension %d. Expected size %d but got size %d for tensor number %d in the list.",
					d, ref.shape[k], t.shape[k], i))
			}
		}
		if i > 0 {
			dt = resultType(&Tensor{dtype: dt, shape: ref.shape}, t)
		}
		total += t.shape[d]
	}
	shape := ref.Shape()
	shape[d] = total
	out := Empty(dt, shape...)
	off := 0
	sizes := make([]int, len(ts))
	for i, t := range ts {
		n := t.shape[d]
		out.Slice(d, off, off+n, 1).copyFrom(t)
		sizes[i] = n
		off += n
	}
	record(out, "CatBackward0", ts, func(g *Tensor) []*Tensor {
		gs := make([]*Tensor, len(ts))
		o := 0
		for i, n := range sizes {
			gs[i] = g.Slice(d, o, o+n, 1).contiguousCopy().To(ts[i].dtype)
			o += n
		}
		return gs
	})
	return out
}

// Stack joins tensors of equal shape along a new dimension dim.
func Stack(ts []*Tensor, dim int) *Tensor {
	if len(ts) == 0 {
		panic("stack expects a non-empty TensorList")
	}
	d := normDimN(dim, ts[0].Dim()+1)
	us := make([]*Tensor, len(ts))
	for i, t := range ts {
		if !slices.Equal(t.shape, ts[0].shape) {
			panic(fmt.Sprintf("stack expects each tensor to be equal size, but got %s at entry 0 and %s at entry %d",
				pyfmt.List(ts[0].shape...), pyfmt.List(t.shape...), i))
		}
		us[i] = t.Unsqueeze(d)
	}
	return Cat(us, d)
}

// indexValues checks that idx is an integer tensor and returns its values.
func indexValues(op string, idx *Tensor) []int64 {
	if idx.dtype != Int64 {
		panic(fmt.Sprintf("%s(): Expected dtype int64 for index, got %v", op, idx.dtype))
	}
	return idx.Int64s()
}

// IndexSelect returns the entries of t along dim at the positions in the
// 1-D int64 tensor index.
func (t *Tensor) IndexSelect(dim int, index *Tensor) *Tensor {
	d := t.normDim(dim)
	if index.Dim() > 1 {
		panic("index_select(): Index is supposed to be a vector")
	}
	iv := indexValues("index_select", index)
	n := t.shape[d]
	for _, k := range iv {
		if k < 0 || int(k) >= n {
			panic(fmt.Sprintf("index out of range in self: index %d is out of bounds for dimension %d with size %d", k, d, n))
		}
	}
	shape := t.Shape()
	shape[d] = len(iv)
	out := Empty(t.dtype, shape...)
	// View t and out as (outer, size along d, inner) and copy whole inner
	// runs: out[o, i, :] = t[o, iv[i], :].
	src := t.Detach().Contiguous()
	outer, inner := numelOf(t.shape[:d]), numelOf(t.shape[d+1:])
	for o := range outer {
		for i, k := range iv {
			copyRun(out.st, ((o*len(iv))+i)*inner, src.st, src.offset+(o*n+int(k))*inner, inner)
		}
	}
	in := t.shape
	dt := t.dtype
	record(out, "IndexSelectBackward0", []*Tensor{t}, func(g *Tensor) []*Tensor {
		// z[o, iv[i], :] += g[o, i, :] in increasing i, from zero.
		z := Empty(dt, in...)
		gc := g.Detach().Contiguous()
		if gc.dtype != dt {
			gc = gc.To(dt)
		}
		for o := range outer {
			for i, k := range iv {
				addRun(z.st, (o*n+int(k))*inner, gc.st, gc.offset+((o*len(iv))+i)*inner, inner)
			}
		}
		return []*Tensor{z}
	})
	return out
}

// copyRun copies n elements of src from offset so to dst from offset do.
func copyRun(dst *storage, do int, src *storage, so, n int) {
	switch {
	case dst.f32() != nil:
		copy(dst.f32()[do:do+n], src.f32()[so:so+n])
	case dst.f64() != nil:
		copy(dst.f64()[do:do+n], src.f64()[so:so+n])
	case dst.i64() != nil:
		copy(dst.i64()[do:do+n], src.i64()[so:so+n])
	case dst.b() != nil:
		copy(dst.b()[do:do+n], src.b()[so:so+n])
	}
}

// addRun adds n float elements of src from offset so into dst from
// offset do.
func addRun(dst *storage, do int, src *storage, so, n int) {
	switch {
	case dst.f32() != nil:
		d := dst.f32()[do : do+n]
		kernel.Add32(d, d, src.f32()[so:so+n])
	case dst.f64() != nil:
		d := dst.f64()[do : do+n]
		kernel.Add64(d, d, src.f64()[so:so+n])
	}
}

// gatherOffsets walks index (shape s) and returns, for every element in
// row-major order, the storage offset into t selected along dim.
func (t *Tensor) gatherOffsets(op string, d int, index *Tensor) []int {
	if index.Dim() != t.Dim() {
		panic(fmt.Sprintf("%s(): Index tensor must have the same number of dimensions as input tensor", op))
	}
	for k := range index.shape {
		if k != d && index.shape[k] > t.shape[k] {
			panic(fmt.Sprintf("Size does not match at dimension %d expected index %s to be smaller than self %s apart from dimension %d",
				k, pyfmt.List(index.shape...), pyfmt.List(t.shape...), d))
		}
	}
	iv := indexValues(op, index)
	offs := make([]int, len(iv))
	pos := make([]int, index.Dim())
	for i, k := range iv {
		if k < 0 || int(k) >= t.shape[d] {
			panic(fmt.Sprintf("index %d is out of bounds for dimension %d with size %d", k, d, t.shape[d]))
		}
		o := t.offset
		for a := range pos {
			p := pos[a]
			if a == d {
				p = int(k)
			}
			o += p * t.strides[a]
		}
		offs[i] = o
		for a := len(pos) - 1; a >= 0; a-- {
			pos[a]++
			if pos[a] < index.shape[a] {
				break
			}
			pos[a] = 0
		}
	}
	return offs
}

// Gather picks values along dim: out[i][j] = t[index[i][j]][j] for dim 0,
// and so on (torch.gather). index is int64 with t's number of dimensions.
func (t *Tensor) Gather(dim int, index *Tensor) *Tensor {
	d := t.normDim(dim)
	offs := t.gatherOffsets("gather", d, index)
	out := Empty(t.dtype, index.shape...)
	for i, o := range offs {
		switch t.dtype {
		case Float32:
			out.st.f32()[i] = t.st.f32()[o]
		case Float64:
			out.st.f64()[i] = t.st.f64()[o]
		case Int64:
			out.st.i64()[i] = t.st.i64()[o]
		case Bool:
			out.st.b()[i] = t.st.b()[o]
		}
	}
	in := t.shape
	dt := t.dtype
	idx := index.Detach()
	record(out, "GatherBackward0", []*Tensor{t}, func(g *Tensor) []*Tensor {
		return []*Tensor{Empty(dt, in...).scatterAdd(d, idx, g)}
	})
	return out
}

// scatterAdd adds src into t (contiguous, fresh) at index along d, in place,
// without recording, and returns t.
func (t *Tensor) scatterAdd(d int, index, src *Tensor) *Tensor {
	offs := t.gatherOffsets("scatter_add", d, index)
	s := src.To(t.dtype)
	if !slices.Equal(s.shape, index.shape) {
		s = s.Expand(index.shape...)
	}
	switch t.dtype {
	case Float32:
		v := s.Float32s()
		for i, o := range offs {
			t.st.f32()[o] += v[i]
		}
	case Float64:
		v := s.Float64s()
		for i, o := range offs {
			t.st.f64()[o] += v[i]
		}
	default:
		panic(fmt.Sprintf("scatter_add: not implemented for %v", t.dtype))
	}
	return t
}

// ScatterAdd returns a copy of t with src added at the positions given by
// index along dim (torch.scatter_add). Gradients flow to t and src.
func (t *Tensor) ScatterAdd(dim int, index, src *Tensor) *Tensor {
	d := t.normDim(dim)
	out := t.Detach().contiguousCopy().scatterAdd(d, index, src)
	idx := index.Detach()
	record(out, "ScatterAddBackward0", []*Tensor{t, src}, func(g *Tensor) []*Tensor {
		return []*Tensor{g, g.Gather(d, idx)}
	})
	return out
}

// OneHot returns an int64 tensor of shape index.Shape()+[numClasses] with a
// 1 at each index, like torch.nn.functional.one_hot. numClasses -1 means
// max(index)+1.
func OneHot(index *Tensor, numClasses int) *Tensor {
	iv := indexValues("one_hot", index)
	if numClasses == -1 {
		for _, v := range iv {
			if int(v)+1 > numClasses {
				numClasses = int(v) + 1
			}
		}
		if numClasses < 0 {
			numClasses = 0
		}
	}
	out := Empty(Int64, append(index.Shape(), numClasses)...)
	for i, v := range iv {
		if v < 0 {
			panic("Class values must be non-negative.")
		}
		if int(v) >= numClasses {
			panic("Class values must be smaller than num_classes.")
		}
		out.st.i64()[i*numClasses+int(v)] = 1
	}
	return out
}

// Where returns elements of a where cond is true and of b elsewhere, with
// broadcasting of all three. cond must be a bool tensor.
func Where(cond, a, b *Tensor) *Tensor {
	if cond.dtype != Bool {
		panic(fmt.Sprintf("where expected condition to be a boolean tensor, but got a tensor with dtype %v", cond.dtype))
	}
	shape := BroadcastShapes(cond.shape, a.shape, b.shape)
	dt := resultType(a, b)
	c := cond.Expand(shape...).Bools()
	av := a.Detach().To(dt).Expand(shape...).contiguousCopy()
	bv := b.Detach().To(dt).Expand(shape...).contiguousCopy()
	out := Empty(dt, shape...)
	switch dt {
	case Float32:
		for i, ok := range c {
			if ok {
				out.st.f32()[i] = av.st.f32()[i]
			} else {
				out.st.f32()[i] = bv.st.f32()[i]
			}
		}
	case Float64:
		for i, ok := range c {
			if ok {
				out.st.f64()[i] = av.st.f64()[i]
			} else {
				out.st.f64()[i] = bv.st.f64()[i]
			}
		}
	case Int64:
		for i, ok := range c {
			if ok {
				out.st.i64()[i] = av.st.i64()[i]
			} else {
				out.st.i64()[i] = bv.st.i64()[i]
			}
		}
	case Bool:
		for i, ok := range c {
			if ok {
				out.st.b()[i] = av.st.b()[i]
			} else {
				out.st.b()[i] = bv.st.b()[i]
			}
		}
	}
	mask := fromFloat64s(dt, boolsToFloat(c), shape)
	as, bs := a.shape, b.shape
	record(out, "WhereBackward0", []*Tensor{a, b}, func(g *Tensor) []*Tensor {
		m := mask.To(g.dtype)
		return []*Tensor{sumTo(Mul(g, m), as).To(a.dtype), sumTo(Mul(g, m.RSubScalar(1)), bs).To(b.dtype)}
	})
	return out
}

func boolsToFloat(b []bool) []float64 {
	f := make([]float64, len(b))
	for i, v := range b {
		if v {
			f[i] = 1
		}
	}
	return f
}

// compare applies a comparison with broadcasting and returns a bool tensor.
func compare(a, b *Tensor, f func(x, y float64) bool) *Tensor {
	shape := broadcast2(a.shape, b.shape)
	out := Empty(Bool, shape...)
	x, y := a.Detach().To(Float64), b.Detach().To(Float64)
	iterBinary(shape, broadcastStrides(x.shape, x.strides, shape), x.offset, broadcastStrides(y.shape, y.strides, shape), y.offset,
		func(i, ia, ib int) { out.st.b()[i] = f(x.st.f64()[ia], y.st.f64()[ib]) })
	return out
}

// Eq returns a == b elementwise (bool, with broadcasting).
func (a *Tensor) Eq(b *Tensor) *Tensor {
	return compare(a, b, func(x, y float64) bool { return x == y })
}

// Ne returns a != b elementwise.
func (a *Tensor) Ne(b *Tensor) *Tensor {
	return compare(a, b, func(x, y float64) bool { return x != y })
}

// Lt returns a < b elementwise.
func (a *Tensor) Lt(b *Tensor) *Tensor {
	return compare(a, b, func(x, y float64) bool { return x < y })
}

// Le returns a <= b elementwise.
func (a *Tensor) Le(b *Tensor) *Tensor {
	return compare(a, b, func(x, y float64) bool { return x <= y })
}

// Gt returns a > b elementwise.
func (a *Tensor) Gt(b *Tensor) *Tensor {
	return compare(a, b, func(x, y float64) bool { return x > y })
}

// Ge returns a >= b elementwise.
func (a *Tensor) Ge(b *Tensor) *Tensor {
	return compare(a, b, func(x, y float64) bool { return x >= y })
}

// EqScalar returns t == s elementwise.
func (t *Tensor) EqScalar(s float64) *Tensor { return t.Eq(FullOf(Float64, s)) }

// GtScalar returns t > s elementwise.
func (t *Tensor) GtScalar(s float64) *Tensor { return t.Gt(FullOf(Float64, s)) }

// LtScalar returns t < s elementwise.
func (t *Tensor) LtScalar(s float64) *Tensor { return t.Lt(FullOf(Float64, s)) }

// IsNaN returns a bool tensor that is true where t is NaN.
func (t *Tensor) IsNaN() *Tensor {
	return compare(t, t, func(x, _ float64) bool { return x != x })
}

// IsFinite returns a bool tensor that is true where t is neither NaN nor
// infinite.
func (t *Tensor) IsFinite() *Tensor {
	return compare(t, t, func(x, _ float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) })
}

// LogicalNot negates a bool tensor.
func (t *Tensor) LogicalNot() *Tensor {
	return compare(t, t, func(x, _ float64) bool { return x == 0 })
}
