// Package tensorinternal is the part of package tensor that the module's
// own layers, losses and containers use and users of tensor do not see: a
// memory pool for gradients and intermediate results, a fused
// Record-then-ReLU, and ATen's names of the dtypes for error messages. Their contracts rest on guarantees of the caller that
// the compiler cannot check, which is why they are not exported from
// tensor. Package tensor implements them unexported and hands them over
// through internal/tensorhook; this package asserts their types once, at
// initialization, so a call costs one indirect call (shapes are passed by
// value, see tensorhook.Shape, so that the call allocates nothing more).
package tensorinternal

import (
	"math"
	"slices"

	"github.com/intercept-ml/intercept/internal/tensorhook"
	"github.com/intercept-ml/intercept/tensor"
)

// The implementations, set by package tensor's init, which runs before this
// package's variables are initialized since this package imports tensor.
var (
	emptyGrad            = tensorhook.EmptyGrad.(func(tensor.DType, tensorhook.Shape) *tensor.Tensor)
	emptyReused          = tensorhook.EmptyReused.(func(tensor.DType, tensorhook.Shape) *tensor.Tensor)
	recycle              = tensorhook.Recycle.(func(*tensor.Tensor))
	recycleAfterBackward = tensorhook.RecycleAfterBackward.(func(*tensor.Tensor))
	leafGrad             = tensorhook.LeafGrad.(func(*tensor.Tensor) *tensor.Tensor)
	recordReLU           = tensorhook.RecordReLU.(func(*tensor.Tensor, string, []*tensor.Tensor, func(*tensor.Tensor) []*tensor.Tensor) *tensor.Tensor)
	scalarTypeName       = tensorhook.ScalarTypeName.(func(tensor.DType) string)
	keepGrad             = tensorhook.KeepGrad.(func(*tensor.Tensor))
	watchVersion         = tensorhook.WatchVersion.(func(*tensor.Tensor) uint32)
	writable32           = tensorhook.Writable32.(func(*tensor.Tensor) []float32)
	writable64           = tensorhook.Writable64.(func(*tensor.Tensor) []float64)
)

// EmptyGrad returns a new contiguous float tensor whose elements are
// unspecified: its memory may be that of a gradient that an earlier Backward
// added into a leaf's Grad and then recycled. It is meant for backward
// functions (see tensor.Record) that overwrite every element of a gradient
// they return and keep no other reference to it: once Backward has added
// such a gradient into a leaf's Grad, or the node that received it has
// returned without returning a view of it, Backward reuses the memory,
// which saves allocating and zeroing it on every training step. Other
// tensors behave as tensor.Empty's.
func EmptyGrad(dt tensor.DType, shape ...int) *tensor.Tensor { return emptyGrad(dt, pack(shape)) }

// EmptyReused returns a new contiguous float tensor whose elements are
// unspecified: its memory may be that of a gradient or an intermediate
// result that Backward or its owner has finished with (see EmptyGrad,
// RecycleAfterBackward and Recycle), or that of a tensor the garbage
// collector found unreachable, which saves allocating and zeroing it.
// It is meant for operations that write every element of their result.
// Other types and small tensors are allocated as by tensor.Empty.
func EmptyReused(dt tensor.DType, shape ...int) *tensor.Tensor { return emptyReused(dt, pack(shape)) }

// Recycle gives t's memory back now, for EmptyReused and EmptyGrad to
// reuse, and leaves t without elements: using t afterwards panics. It is
// meant for an intermediate result computed with nothing recorded, such as
// the output of a layer inside nn.Sequential under tensor.NoGrad once the
// next layer has read it. The caller guarantees that nothing references t,
// a view of t or its elements any more, and that no autograd node saved t.
// Recycle does nothing for a tensor that is part of a graph (see
// RecycleAfterBackward for those), that requires grad, or that is not the
// whole of a contiguous float storage.
func Recycle(t *tensor.Tensor) { recycle(t) }

// RecycleAfterBackward lets Backward reuse t's memory for new tensors (see
// EmptyReused and EmptyGrad) once it has released t's node, that is after
// a Backward through t without RetainGraph. It is meant for an
// intermediate result that nothing outside the graph references, such as
// the output of a layer inside nn.Sequential that only the next layer
// reads. The caller guarantees that once it returns t is reachable only
// through the graph: it keeps no reference to t or its elements and hands
// out no view of t, and the operations that read t come after it in the
// graph, so that Backward releases them first. RecycleAfterBackward does
// nothing for a tensor without a node (gradients disabled, or nothing
// requiring grad) or that is not the whole of a contiguous float storage.
func RecycleAfterBackward(t *tensor.Tensor) { recycleAfterBackward(t) }

// LeafGrad returns the gradient that Backward would add a gradient for in
// into, for a backward function (see tensor.Record) that adds its gradient
// there itself: in must be a leaf that requires grad and already has a
// contiguous Grad of its own type and shape, otherwise LeafGrad returns nil
// and the gradient is returned as usual. A backward function that adds
// into the result returns nil for in; it must round each element once, as
// Grad + g, for the same bits as Backward's own addition, and in must not
// be another of the node's inputs as well (Backward adds those in order,
// after the backward function returns). It saves Backward a pass over the
// gradient and the gradient's memory.
func LeafGrad(in *tensor.Tensor) *tensor.Tensor { return leafGrad(in) }

// RecordReLU is tensor.Record followed by ReLU, for an operation whose
// backward does not read the elements of out, such as a linear layer or a
// convolution: it records out's node as Record does and returns out.ReLU(),
// computed in place in out's memory, so that the pair allocates one tensor
// and makes one pass fewer. The result has exactly the values, gradients
// and GradFn (ReluBackward0) of out.ReLU(); out itself must not be used
// afterwards, since it now holds the ReLU's values. out must be a fresh
// tensor, as for Record, that the caller has not handed to anyone else.
// Tensors other than contiguous float32 and float64 ones get out.ReLU().
func RecordReLU(out *tensor.Tensor, name string, inputs []*tensor.Tensor, backward func(grad *tensor.Tensor) []*tensor.Tensor) *tensor.Tensor {
	return recordReLU(out, name, inputs, backward)
}

// ScalarTypeName returns ATen's name of a dtype as its error messages print
// it ("Float", "Double", "Long", "Bool"), for messages such as "expected
// scalar type Float but found Double".
func ScalarTypeName(dt tensor.DType) string { return scalarTypeName(dt) }

// KeepGrad marks the gradient g, received by a backward function, as
// referenced elsewhere: Backward will not reuse its memory (see EmptyGrad).
// Module hooks call it on the gradients they show user code, which may keep
// them.
func KeepGrad(g *tensor.Tensor) { keepGrad(g) }

// WatchVersion returns the version of t's storage, starting to watch it:
// every later write through any view of the storage (Set, CopyFrom, Fill,
// MatmulInto) and every Writable32 or Writable64 access gives it a new
// version, so a cache of values derived from t's elements (a packed copy
// of a weight, say) is valid as long as the version it was made at is
// current. The version is never 0. It is VersionSaturated, for good, once
// the storage is written too often to number its writes or once Data32 or
// Data64 has handed its elements out (a slice that can be written at any
// time, unseen): a cache must not be kept then.
func WatchVersion(t *tensor.Tensor) uint32 { return watchVersion(t) }

// Writable32 is tensor.Data32 for the library's kernels, optimizers and
// initializers, which write through the slice only until they return: the
// storage gets a new version (see WatchVersion) instead of losing its
// caches for good. The slice must not be kept past the call that got it.
func Writable32(t *tensor.Tensor) []float32 { return writable32(t) }

// Writable64 is Writable32 for float64 tensors.
func Writable64(t *tensor.Tensor) []float64 { return writable64(t) }

// VersionSaturated is the version of a storage whose writes cannot be
// numbered (see WatchVersion).
const VersionSaturated = math.MaxUint32

// pack copies shape into a tensorhook.Shape.
func pack(shape []int) tensorhook.Shape {
	s := tensorhook.Shape{Len: len(shape)}
	if len(shape) > tensorhook.MaxDims {
		s.More = slices.Clone(shape)
		return s
	}
	copy(s.Dims[:], shape)
	return s
}
