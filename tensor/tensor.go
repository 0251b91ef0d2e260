package tensor

import (
	"fmt"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/intercept-ml/intercept/internal/pyfmt"
)

// DType is the element type of a tensor.
type DType uint8

// The element types a tensor can hold. Float32 is the default, as in PyTorch.
const (
	Float32 DType = iota
	Float64
	Int64
	Bool
)

// String returns PyTorch's name of the type, e.g. "torch.float32".
func (d DType) String() string {
	switch d {
	case Float32:
		return "torch.float32"
	case Float64:
		return "torch.float64"
	case Int64:
		return "torch.int64"
	case Bool:
		return "torch.bool"
	}
	return fmt.Sprintf("DType(%d)", uint8(d))
}

// IsFloat reports whether d is a floating-point type.
func (d DType) IsFloat() bool { return d == Float32 || d == Float64 }

// storage is the memory behind one or more tensor views: n elements of
// type dt from ptr. It is a pointer and a length rather than one slice
// per element type so that it takes 24 bytes of a tensor's block instead
// of 96 (small tensors are allocated by the thousand; see tensorBlock).
type storage struct {
	ptr unsafe.Pointer
	n   int
	dt  DType
	// version numbers the writes through a watched storage, for caches of
	// values derived from its elements (see watchVersion); 0 while nobody
	// watches it. It fits in the padding after dt. Accessed atomically.
	version uint32
}

// versionSaturated is the version of a watched storage that has had 2³²−2
// writes: it keeps it, and watchers must not cache what they derive.
const versionSaturated = math.MaxUint32

// wrote records a write through the storage (or an access of the
// library's own code to its elements for writing, writable32 and
// writable64): a watched storage gets a new version. An unwatched one
// costs a load.
func (st *storage) wrote() {
	for {
		v := atomic.LoadUint32(&st.version)
		if v == 0 || v == versionSaturated || atomic.CompareAndSwapUint32(&st.version, v, v+1) {
			return
		}
	}
}

// handedOut records that a slice of the storage's elements was handed out
// to code that may write through it at any time (Data32, Data64): no write
// can be seen any more, so the version saturates for good and nothing
// derived from the elements may be cached.
func (st *storage) handedOut() {
	if atomic.LoadUint32(&st.version) != versionSaturated {
		atomic.StoreUint32(&st.version, versionSaturated)
	}
}

// watchVersion starts watching t's storage, if nobody did yet, and returns
// its version: a cache of values derived from t's elements is valid as
// long as the version is unchanged, since every write through the
// storage's views (Set, CopyFrom, Fill, MatmulInto) and every access of
// the library's own code to its elements for writing (writable32,
// writable64) gives it a new version. Once Data32 or Data64 has handed
// the elements out (before or after watching started), the version is
// versionSaturated for good and no cache may be kept.
func watchVersion(t *Tensor) uint32 {
	if v := atomic.LoadUint32(&t.st.version); v != 0 {
		return v
	}
	atomic.CompareAndSwapUint32(&t.st.version, 0, 1)
	return atomic.LoadUint32(&t.st.version)
}

// elems returns the n elements of st as a []E if st holds type dt, and
// nil otherwise.
func elems[E any](st *storage, dt DType) []E {
	if st.dt != dt {
		return nil
	}
	return unsafe.Slice((*E)(st.ptr), st.n)
}

// f32, f64, i64 and b return the elements of a storage of that type, nil
// for other types.
func (st *storage) f32() []float32 { return elems[float32](st, Float32) }
func (st *storage) f64() []float64 { return elems[float64](st, Float64) }
func (st *storage) i64() []int64   { return elems[int64](st, Int64) }
func (st *storage) b() []bool      { return elems[bool](st, Bool) }

// alloc gives st new zeroed memory for n elements of type dt.
func (st *storage) alloc(dt DType, n int) {
	var p unsafe.Pointer
	switch dt {
	case Float32:
		p = unsafe.Pointer(unsafe.SliceData(make([]float32, n)))
	case Float64:
		p = unsafe.Pointer(unsafe.SliceData(make([]float64, n)))
	case Int64:
		p = unsafe.Pointer(unsafe.SliceData(make([]int64, n)))
	case Bool:
		p = unsafe.Pointer(unsafe.SliceData(make([]bool, n)))
	default:
		panic(fmt.Sprintf("tensor: unknown dtype %d", dt))
	}
	*st = storage{ptr: p, n: n, dt: dt}
}

// inlineDims is the rank up to which a new tensor's shape and strides are
// part of the allocation of its header (see newContiguous).
const inlineDims = 4

// tensorBlock is the single allocation behind a new contiguous tensor's
// header, its storage descriptor and, up to inlineDims dimensions, its
// shape and strides: a small tensor then costs two allocations (this and
// its elements) instead of five, which matters for the small networks the
// lab trains by the thousand. Tensors of at most two dimensions, the
// most common, take the smaller matrixBlock (160 bytes against 192 in
// Go's size classes), and those of more than inlineDims a bareBlock.
type tensorBlock struct {
	t    Tensor
	st   storage
	dims [2 * inlineDims]int
}

// matrixBlock is tensorBlock for at most two dimensions.
type matrixBlock struct {
	t    Tensor
	st   storage
	dims [4]int
}

// bareBlock is tensorBlock for more than inlineDims dimensions, whose
// shape and strides are allocated apart.
type bareBlock struct {
	t  Tensor
	st storage
}

// newContiguous returns a contiguous tensor of type dt with a copy of
// shape, over st or, when st is nil, over new zeroed storage.
func newContiguous(dt DType, shape []int, st *storage) *Tensor {
	return newBlock(dt, shape, st, false)
}

// newBlock is newContiguous, except that when st is nil and pooled is set
// the new storage's memory comes from bufPool (see bufPoolGet), with
// unspecified elements; pooled requires a float dt and a positive size.
func newBlock(dt DType, shape []int, st *storage, pooled bool) *Tensor {
	nd := len(shape)
	var t *Tensor
	var own *storage
	var dims []int
	switch {
	case nd <= 2:
		blk := new(matrixBlock)
		t, own, dims = &blk.t, &blk.st, blk.dims[:2*nd]
	case nd <= inlineDims:
		blk := new(tensorBlock)
		t, own, dims = &blk.t, &blk.st, blk.dims[:2*nd]
	default:
		blk := new(bareBlock)
		t, own, dims = &blk.t, &blk.st, make([]int, 2*nd)
	}
	sh, strides := dims[:nd:nd], dims[nd:2*nd:2*nd]
	copy(sh, shape)
	acc := 1
	for i := nd - 1; i >= 0; i-- {
		strides[i] = acc
		acc *= sh[i]
	}
	if st == nil {
		if pooled {
			*own = storage{ptr: bufPoolGet(dt, acc), n: acc, dt: dt}
		} else {
			own.alloc(dt, acc)
		}
		st = own
	}
	*t = Tensor{dtype: dt, shape: sh, strides: strides, st: st}
	return t
}

// Tensor is an N-dimensional array with optional gradient tracking.
// The zero value is not usable; create tensors with the constructors of this
// package (Zeros, FromFloat32, Arange, ...).
type Tensor struct {
	dtype   DType
	shape   []int
	strides []int
	offset  int
	st      *storage

	requiresGrad bool
	isParam      bool
	retainGrad   bool
	// scratch marks a tensor made by emptyGrad whose storage Backward may
	// recycle once it has been added into a leaf's Grad. (It sits with the
	// other flags: a tensorBlock then fills a 256-byte size class instead
	// of spilling into the 288-byte one.)
	scratch bool
	fn      *node
	// hooks are the gradient hooks of the tensor (see RegisterHook), nil
	// until one is registered. (The pointer keeps each block in its size
	// class: 128, 160 and 192 bytes.)
	hooks *gradHooks

	// Grad holds the gradient accumulated by Backward for a leaf tensor that
	// requires grad (and for a non-leaf after RetainGrad). It is nil until
	// the first Backward reaches the tensor, and Backward adds to it until
	// the caller zeroes it (as PyTorch's .grad).
	Grad *Tensor
}

// contiguousStrides returns the row-major strides of shape.
func contiguousStrides(shape []int) []int {
	s := make([]int, len(shape))
	acc := 1
	for i := len(shape) - 1; i >= 0; i-- {
		s[i] = acc
		acc *= shape[i]
	}
	return s
}

func numelOf(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

func checkShape(shape []int) {
	for _, d := range shape {
		if d < 0 {
			panic(fmt.Sprintf("tensor: negative dimension %d in shape %s", d, pyfmt.List(shape...)))
		}
	}
}

// Empty returns a new contiguous tensor of the given type and shape whose
// elements are zero (Go memory is always initialized).
func Empty(dt DType, shape ...int) *Tensor {
	checkShape(shape)
	return newContiguous(dt, shape, nil)
}

// emptyGrad implements tensorinternal.EmptyGrad (its contract is there).
func emptyGrad(dt DType, shape ...int) *Tensor {
	t := emptyReused(dt, shape...)
	t.scratch = true
	return t
}

// emptyReused implements tensorinternal.EmptyReused (its contract is there).
// A float tensor of at least gradPoolMin elements takes recycled storage
// from the gradient pool, else memory from bufPool; its elements are then
// unspecified.
func emptyReused(dt DType, shape ...int) *Tensor {
	checkShape(shape)
	if n := numelOf(shape); dt.IsFloat() && n >= gradPoolMin {
		if st := gradPoolGet(dt, n); st != nil {
			return newContiguous(dt, shape, st)
		}
		return newBlock(dt, shape, nil, true)
	}
	return newContiguous(dt, shape, nil)
}

// gradPoolMin is the smallest gradient (in elements) worth recycling:
// from 4 KiB of float32, taking one from the pool (a lock and a map
// lookup) costs less than allocating and zeroing it, and the garbage it
// would become.
const gradPoolMin = 1 << 10

// gradPoolMaxBytes bounds the memory the gradient pool keeps for reuse.
// Storage put back beyond it is left to the garbage collector.
const gradPoolMaxBytes = 64 << 20

// gradPool holds recycled gradient storage, by element type and exact
// length. Unlike a sync.Pool it survives garbage collections: a training
// step gets back the buffers of the previous one even when a collection ran
// in between, instead of allocating (and zeroing) them again, which would
// in turn bring the next collection closer.
var gradPool struct {
	mu    sync.Mutex
	free  map[[2]int][]*storage
	bytes int // total size of the storage in free
}

// floatSize is the size in bytes of an element of the float type dt.
func floatSize(dt DType) int {
	if dt == Float64 {
		return 8
	}
	return 4
}

func gradPoolGet(dt DType, n int) *storage {
	key := [2]int{int(dt), n}
	gradPool.mu.Lock()
	defer gradPool.mu.Unlock()
	list := gradPool.free[key]
	if len(list) == 0 {
		return nil
	}
	st := list[len(list)-1]
	list[len(list)-1] = nil
	gradPool.free[key] = list[:len(list)-1]
	gradPool.bytes -= n * floatSize(dt)
	return st
}

// recycleGrad returns the storage of a scratch gradient to the pool. The
// caller guarantees that nothing references g any more.
func recycleGrad(g *Tensor) {
	if g.scratch {
		recycleStorage(g)
	}
}

// recyclable reports whether t is the whole of a float storage large
// enough for the pool to keep.
func recyclable(t *Tensor) bool {
	n := t.Numel()
	if !t.dtype.IsFloat() || n < gradPoolMin || t.offset != 0 || t.st == nil {
		return false
	}
	return (t.dtype == Float32 && len(t.st.f32()) == n) || (t.dtype == Float64 && len(t.st.f64()) == n)
}

// recycleStorage returns the storage of the float tensor t, which must be
// the whole of it, to the pool and detaches it from t. The caller
// guarantees that nothing else references the storage.
func recycleStorage(t *Tensor) {
	if !recyclable(t) {
		return
	}
	n := t.Numel()
	st := t.st
	t.st = nil
	size := n * floatSize(t.dtype)
	key := [2]int{int(t.dtype), n}
	gradPool.mu.Lock()
	defer gradPool.mu.Unlock()
	if gradPool.bytes+size > gradPoolMaxBytes {
		return
	}
	if gradPool.free == nil {
		gradPool.free = map[[2]int][]*storage{}
	}
	gradPool.free[key] = append(gradPool.free[key], st)
	gradPool.bytes += size
}

// DType returns the element type.
func (t *Tensor) DType() DType { return t.dtype }

// Shape returns a copy of the tensor's shape.
func (t *Tensor) Shape() []int { return append([]int(nil), t.shape...) }

// SameShape reports whether t and u have the same shape (torch's
// t.shape == u.shape), without copying either.
func (t *Tensor) SameShape(u *Tensor) bool { return slices.Equal(t.shape, u.shape) }

// Size returns the length of dimension dim (negative dims count from the end).
func (t *Tensor) Size(dim int) int { return t.shape[t.normDim(dim)] }

// Strides returns a copy of the tensor's strides, in elements.
func (t *Tensor) Strides() []int { return append([]int(nil), t.strides...) }

// Dim returns the number of dimensions.
func (t *Tensor) Dim() int { return len(t.shape) }

// Numel returns the number of elements.
func (t *Tensor) Numel() int { return numelOf(t.shape) }

// IsContiguous reports whether the elements are laid out in row-major order
// without gaps (dimensions of size 1 may have any stride).
func (t *Tensor) IsContiguous() bool {
	acc := 1
	for i := len(t.shape) - 1; i >= 0; i-- {
		if t.shape[i] == 1 {
			continue
		}
		if t.strides[i] != acc {
			return false
		}
		acc *= t.shape[i]
	}
	return true
}

// RequiresGrad reports whether gradients are computed for this tensor.
func (t *Tensor) RequiresGrad() bool { return t.requiresGrad }

// IsLeaf reports whether the tensor was created by the user rather than by
// a recorded operation.
func (t *Tensor) IsLeaf() bool { return t.fn == nil }

// SetRequiresGrad turns gradient tracking on or off for a leaf tensor and
// returns t. It panics on a non-leaf tensor, as PyTorch does.
func (t *Tensor) SetRequiresGrad(on bool) *Tensor {
	if t.fn != nil {
		panic("tensor: you can only change requires_grad flags of leaf variables.")
	}
	if on && !t.dtype.IsFloat() {
		panic(fmt.Sprintf("tensor: only Tensors of floating point dtype can require gradients (got %v)", t.dtype))
	}
	t.requiresGrad = on
	return t
}

// RetainGrad makes Backward store the gradient of a non-leaf tensor in its
// Grad field. It has no effect on leaves.
func (t *Tensor) RetainGrad() *Tensor {
	if t.fn != nil && !t.retainGrad {
		t.retainGrad = true
		if t.hooks != nil {
			retainAmongHooks(t)
		}
	}
	return t
}

// GradFn returns the name of the operation that produced t, as PyTorch names
// its grad_fn (e.g. "MulBackward0"), or "" for a leaf or untracked tensor.
func (t *Tensor) GradFn() string {
	if t.fn == nil {
		return ""
	}
	return t.fn.name
}

// NewParameter returns a leaf tensor that shares t's storage, requires grad
// and prints as "Parameter containing:" like torch.nn.Parameter.
func NewParameter(t *Tensor) *Tensor {
	p := t.Detach()
	p.requiresGrad = t.dtype.IsFloat()
	p.isParam = true
	return p
}

// IsParameter reports whether t was created by NewParameter.
func (t *Tensor) IsParameter() bool { return t.isParam }

// Detach returns a tensor that shares t's storage but is cut off from the
// graph: it does not require grad.
func (t *Tensor) Detach() *Tensor {
	return &Tensor{dtype: t.dtype, shape: t.shape, strides: t.strides, offset: t.offset, st: t.st}
}

// view returns a new tensor header over t's storage (no grad information).
func (t *Tensor) view(shape, strides []int, offset int) *Tensor {
	return &Tensor{dtype: t.dtype, shape: shape, strides: strides, offset: offset, st: t.st}
}

// normDim maps a possibly negative dim into [0, Dim()), panicking like
// PyTorch when it is out of range.
func (t *Tensor) normDim(dim int) int {
	return normDimN(dim, len(t.shape))
}

func normDimN(dim, n int) int {
	lo, hi := -n, n-1
	if n == 0 {
		lo, hi = -1, 0
	}
	if dim < lo || dim > hi {
		panic(fmt.Sprintf("Dimension out of range (expected to be in range of [%d, %d], but got %d)", lo, hi, dim))
	}
	if dim < 0 {
		dim += n
	}
	if n == 0 {
		return 0
	}
	return dim
}

// forEachOffset calls fn with the storage offset of every element of a
// tensor of the given shape and strides, in row-major order.
func forEachOffset(shape, strides []int, offset int, fn func(off int)) {
	n := numelOf(shape)
	if n == 0 {
		return
	}
	nd := len(shape)
	if nd == 0 {
		fn(offset)
		return
	}
	idx := make([]int, nd)
	last := nd - 1
	inner, innerStride := shape[last], strides[last]
	off := offset
	for {
		o := off
		for i := 0; i < inner; i++ {
			fn(o)
			o += innerStride
		}
		// advance outer index
		d := last - 1
		for ; d >= 0; d-- {
			idx[d]++
			off += strides[d]
			if idx[d] < shape[d] {
				break
			}
			off -= strides[d] * shape[d]
			idx[d] = 0
		}
		if d < 0 {
			return
		}
	}
}

// Float32s returns the elements in row-major order as a new []float32,
// converting from the tensor's type.
func (t *Tensor) Float32s() []float32 {
	out := make([]float32, 0, t.Numel())
	st := t.st
	forEachOffset(t.shape, t.strides, t.offset, func(o int) {
		switch t.dtype {
		case Float32:
			out = append(out, st.f32()[o])
		case Float64:
			out = append(out, float32(st.f64()[o]))
		case Int64:
			out = append(out, float32(st.i64()[o]))
		case Bool:
			out = append(out, b2f32(st.b()[o]))
		}
	})
	return out
}

// Float64s returns the elements in row-major order as a new []float64.
func (t *Tensor) Float64s() []float64 {
	out := make([]float64, 0, t.Numel())
	st := t.st
	forEachOffset(t.shape, t.strides, t.offset, func(o int) {
		switch t.dtype {
		case Float32:
			out = append(out, float64(st.f32()[o]))
		case Float64:
			out = append(out, st.f64()[o])
		case Int64:
			out = append(out, float64(st.i64()[o]))
		case Bool:
			out = append(out, float64(b2f32(st.b()[o])))
		}
	})
	return out
}

// Int64s returns the elements in row-major order as a new []int64
// (floating-point values are truncated toward zero).
func (t *Tensor) Int64s() []int64 {
	out := make([]int64, 0, t.Numel())
	st := t.st
	forEachOffset(t.shape, t.strides, t.offset, func(o int) {
		switch t.dtype {
		case Float32:
			out = append(out, int64(st.f32()[o]))
		case Float64:
			out = append(out, int64(st.f64()[o]))
		case Int64:
			out = append(out, st.i64()[o])
		case Bool:
			if st.b()[o] {
				out = append(out, 1)
			} else {
				out = append(out, 0)
			}
		}
	})
	return out
}

// Bools returns the elements in row-major order as a new []bool (non-zero
// is true).
func (t *Tensor) Bools() []bool {
	out := make([]bool, 0, t.Numel())
	st := t.st
	forEachOffset(t.shape, t.strides, t.offset, func(o int) {
		switch t.dtype {
		case Float32:
			out = append(out, st.f32()[o] != 0)
		case Float64:
			out = append(out, st.f64()[o] != 0)
		case Int64:
			out = append(out, st.i64()[o] != 0)
		case Bool:
			out = append(out, st.b()[o])
		}
	})
	return out
}

func b2f32(b bool) float32 {
	if b {
		return 1
	}
	return 0
}

// Item returns the value of a one-element tensor as a float64. It panics if
// the tensor has more than one element, as PyTorch does.
func (t *Tensor) Item() float64 {
	if t.Numel() != 1 {
		panic(fmt.Sprintf("a Tensor with %d elements cannot be converted to Scalar", t.Numel()))
	}
	return t.Float64s()[0]
}

// At returns the element at the given index (one index per dimension,
// negative indices count from the end) as a float64.
func (t *Tensor) At(index ...int) float64 {
	o := t.elemOffset(index)
	switch t.dtype {
	case Float32:
		return float64(t.st.f32()[o])
	case Float64:
		return t.st.f64()[o]
	case Int64:
		return float64(t.st.i64()[o])
	default:
		return float64(b2f32(t.st.b()[o]))
	}
}

// Set writes v (converted to the tensor's type) at the given index. Set
// writes through views into the shared storage and is not recorded by
// autograd; it panics on a leaf that requires grad outside NoGrad, like an
// in-place operation in PyTorch.
func (t *Tensor) Set(v float64, index ...int) {
	t.checkInPlace()
	o := t.elemOffset(index)
	switch t.dtype {
	case Float32:
		t.st.f32()[o] = float32(v)
	case Float64:
		t.st.f64()[o] = v
	case Int64:
		t.st.i64()[o] = int64(v)
	default:
		t.st.b()[o] = v != 0
	}
}

func (t *Tensor) elemOffset(index []int) int {
	if len(index) != len(t.shape) {
		panic(fmt.Sprintf("tensor: %d indices given for a tensor of %d dimensions (shape %s)", len(index), len(t.shape), pyfmt.List(t.shape...)))
	}
	o := t.offset
	for d, i := range index {
		n := t.shape[d]
		if i < -n || i >= n {
			panic(fmt.Sprintf("index %d is out of bounds for dimension %d with size %d", i, d, n))
		}
		if i < 0 {
			i += n
		}
		o += i * t.strides[d]
	}
	return o
}

// checkInPlace panics when an in-place write would bypass autograd on a
// tensor that is part of a graph.
func (t *Tensor) checkInPlace() {
	t.st.wrote()
	if t.requiresGrad && gradEnabled() {
		if t.fn == nil {
			panic("a leaf Variable that requires grad is being used in an in-place operation.")
		}
		panic("tensor: in-place operations on tensors that are part of an autograd graph are not supported")
	}
}

// Data32 returns the storage of a contiguous float32 tensor as a slice of
// its Numel elements, without copying: writes are visible through every
// view of the storage, whenever they happen. It panics for other types or
// non-contiguous tensors. Data32 is meant for kernels, optimizers and
// initializers that update parameters in place; it bypasses autograd.
//
// Because the slice can be written at any later time, the library stops
// caching values derived from this storage's elements for good once
// Data32 has handed it out (a Linear layer then no longer keeps a packed
// copy of its weight for small-batch inference: same results, a little
// slower). To read elements without that, use Float32sShared.
func (t *Tensor) Data32() []float32 {
	if t.dtype != Float32 {
		panic(fmt.Sprintf("tensor: Data32 on a %v tensor", t.dtype))
	}
	if !t.IsContiguous() {
		panic("tensor: Data32 on a non-contiguous tensor; call Contiguous first")
	}
	t.st.handedOut()
	return t.st.f32()[t.offset : t.offset+t.Numel()]
}

// Data64 is Data32 for float64 tensors.
func (t *Tensor) Data64() []float64 {
	if t.dtype != Float64 {
		panic(fmt.Sprintf("tensor: Data64 on a %v tensor", t.dtype))
	}
	if !t.IsContiguous() {
		panic("tensor: Data64 on a non-contiguous tensor; call Contiguous first")
	}
	t.st.handedOut()
	return t.st.f64()[t.offset : t.offset+t.Numel()]
}

// writable32 is Data32 for the library's own kernels, optimizers and
// initializers, which write through the slice only before they return:
// the storage gets a new version (see watchVersion) rather than losing
// its caches for good.
func writable32(t *Tensor) []float32 {
	if t.dtype != Float32 {
		panic(fmt.Sprintf("tensor: Data32 on a %v tensor", t.dtype))
	}
	if !t.IsContiguous() {
		panic("tensor: Data32 on a non-contiguous tensor; call Contiguous first")
	}
	t.st.wrote()
	return t.st.f32()[t.offset : t.offset+t.Numel()]
}

// writable64 is writable32 for float64 tensors.
func writable64(t *Tensor) []float64 {
	if t.dtype != Float64 {
		panic(fmt.Sprintf("tensor: Data64 on a %v tensor", t.dtype))
	}
	if !t.IsContiguous() {
		panic("tensor: Data64 on a non-contiguous tensor; call Contiguous first")
	}
	t.st.wrote()
	return t.st.f64()[t.offset : t.offset+t.Numel()]
}

// DataInt64 is Data32 for int64 tensors.
func (t *Tensor) DataInt64() []int64 {
	if t.dtype != Int64 {
		panic(fmt.Sprintf("tensor: DataInt64 on a %v tensor", t.dtype))
	}
	if !t.IsContiguous() {
		panic("tensor: DataInt64 on a non-contiguous tensor; call Contiguous first")
	}
	return t.st.i64()[t.offset : t.offset+t.Numel()]
}

// DataBool is Data32 for bool tensors.
func (t *Tensor) DataBool() []bool {
	if t.dtype != Bool {
		panic(fmt.Sprintf("tensor: DataBool on a %v tensor", t.dtype))
	}
	if !t.IsContiguous() {
		panic("tensor: DataBool on a non-contiguous tensor; call Contiguous first")
	}
	return t.st.b()[t.offset : t.offset+t.Numel()]
}

// SharesStorage reports whether t and u are views of the same storage.
func (t *Tensor) SharesStorage(u *Tensor) bool { return t.st == u.st }

// To returns t converted to dtype dt (t itself when it already has that
// type). Conversions between float types are recorded by autograd.
func (t *Tensor) To(dt DType) *Tensor {
	if t.dtype == dt {
		return t
	}
	out := Empty(dt, t.shape...)
	switch dt {
	case Float32:
		copy(out.st.f32(), t.Float32s())
	case Float64:
		copy(out.st.f64(), t.Float64s())
	case Int64:
		copy(out.st.i64(), t.Int64s())
	case Bool:
		copy(out.st.b(), t.Bools())
	}
	if dt.IsFloat() && t.dtype.IsFloat() {
		src := t.dtype
		record(out, "ToCopyBackward0", []*Tensor{t}, func(g *Tensor) []*Tensor { return []*Tensor{g.To(src)} })
	}
	return out
}

// Float returns t converted to float32.
func (t *Tensor) Float() *Tensor { return t.To(Float32) }

// Double returns t converted to float64.
func (t *Tensor) Double() *Tensor { return t.To(Float64) }

// Clone returns a contiguous copy of t. The copy is recorded by autograd.
func (t *Tensor) Clone() *Tensor {
	out := t.contiguousCopy()
	record(out, "CloneBackward0", []*Tensor{t}, func(g *Tensor) []*Tensor { return []*Tensor{g} })
	return out
}

// contiguousCopy copies the elements into a new contiguous tensor without
// recording anything.
func (t *Tensor) contiguousCopy() *Tensor {
	if t.dtype.IsFloat() {
		// Every element is written below.
		out := emptyReused(t.dtype, t.shape...)
		if t.dtype == Float32 {
			gatherStrided(out.st.f32(), t.st.f32(), t.shape, t.strides, t.offset)
		} else {
			gatherStrided(out.st.f64(), t.st.f64(), t.shape, t.strides, t.offset)
		}
		return out
	}
	out := Empty(t.dtype, t.shape...)
	i := 0
	st := t.st
	switch t.dtype {
	case Int64:
		d := out.st.i64()
		forEachOffset(t.shape, t.strides, t.offset, func(o int) { d[i] = st.i64()[o]; i++ })
	case Bool:
		d := out.st.b()
		forEachOffset(t.shape, t.strides, t.offset, func(o int) { d[i] = st.b()[o]; i++ })
	}
	return out
}

// gatherStrided copies the elements of the strided view (shape, strides,
// offset) of src into dst in row-major order, a row of the last dimension
// at a time.
func gatherStrided[T float32 | float64](dst, src []T, shape, strides []int, offset int) {
	if len(dst) == 0 {
		return
	}
	nd := len(shape)
	if nd == 0 {
		dst[0] = src[offset]
		return
	}
	n, s := shape[nd-1], strides[nd-1]
	if s == 1 && contiguousFrom(shape, strides) {
		copy(dst, src[offset:offset+len(dst)])
		return
	}
	var idxBuf [8]int
	var idx []int
	if nd-1 > len(idxBuf) {
		idx = make([]int, nd-1)
	} else {
		idx = idxBuf[:nd-1]
	}
	o := offset
	for d := 0; d < len(dst); d += n {
		row := dst[d : d+n]
		if s == 1 {
			copy(row, src[o:o+n])
		} else {
			for j := range row {
				row[j] = src[o+j*s]
			}
		}
		for k := nd - 2; k >= 0; k-- {
			idx[k]++
			o += strides[k]
			if idx[k] < shape[k] {
				break
			}
			o -= idx[k] * strides[k]
			idx[k] = 0
		}
	}
}

// contiguousFrom reports whether strides are the row-major strides of
// shape (dimensions of size 1 take any stride).
func contiguousFrom(shape, strides []int) bool {
	want := 1
	for d := len(shape) - 1; d >= 0; d-- {
		if shape[d] != 1 && strides[d] != want {
			return false
		}
		want *= shape[d]
	}
	return true
}

// Contiguous returns t if it is contiguous with zero offset in a storage of
// exactly its size, otherwise a contiguous copy (recorded by autograd).
func (t *Tensor) Contiguous() *Tensor {
	if t.IsContiguous() {
		return t
	}
	out := t.contiguousCopy()
	record(out, "CloneBackward0", []*Tensor{t}, func(g *Tensor) []*Tensor { return []*Tensor{g} })
	return out
}

// Equal reports whether t and u have the same shape and the same values
// (NaN never equals NaN), like torch.equal.
func Equal(t, u *Tensor) bool {
	if !slices.Equal(t.shape, u.shape) {
		return false
	}
	a, b := t.Float64s(), u.Float64s()
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// AllClose reports whether |t - u| <= atol + rtol*|u| elementwise (NaNs
// compare unequal), like torch.allclose.
func AllClose(t, u *Tensor, rtol, atol float64) bool {
	if !slices.Equal(t.shape, u.shape) {
		return false
	}
	a, b := t.Float64s(), u.Float64s()
	for i := range a {
		if math.IsInf(a[i], 0) || math.IsInf(b[i], 0) {
			if a[i] != b[i] {
				return false
			}
			continue
		}
		if !(math.Abs(a[i]-b[i]) <= atol+float64(rtol*math.Abs(b[i]))) {
			return false
		}
	}
	return true
}
