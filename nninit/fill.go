package nninit

import (
	"fmt"
	"github.com/intercept-ml/intercept/internal/tensorinternal"
	"sort"

	"github.com/intercept-ml/intercept/tensor"
)

// requireFloat panics unless t holds float32 or float64 elements, the only
// types PyTorch's random fills support.
func requireFloat(t *tensor.Tensor, fn string) {
	if dt := t.DType(); dt != tensor.Float32 && dt != tensor.Float64 {
		panic(fmt.Sprintf("nninit: %s: not implemented for %v tensors", fn, dt))
	}
}

// memoryOrder returns a view of t whose row-major order is the order of its
// elements in memory (dimensions sorted by decreasing stride), the order in
// which PyTorch's TensorIterator visits a non-contiguous tensor.
func memoryOrder(t *tensor.Tensor) *tensor.Tensor {
	st := t.Strides()
	perm := make([]int, len(st))
	for i := range perm {
		perm[i] = i
	}
	sort.SliceStable(perm, func(a, b int) bool { return st[perm[a]] > st[perm[b]] })
	return t.Detach().Permute(perm...)
}

// fillInMemoryOrder lets f32 or f64 (by t's type) write every element of t,
// in memory order: directly into the storage of a contiguous tensor (or of a
// permuted view of it), otherwise into a temporary that is then copied in.
// Nothing is recorded for autograd.
func fillInMemoryOrder(t *tensor.Tensor, fn string, f32 func([]float32), f64 func([]float64)) {
	requireFloat(t, fn)
	v := t
	if !v.IsContiguous() {
		v = memoryOrder(t)
	}
	if v.IsContiguous() {
		if v.DType() == tensor.Float32 {
			f32(tensorinternal.Writable32(v))
		} else {
			f64(tensorinternal.Writable64(v))
		}
		return
	}
	var src *tensor.Tensor
	if v.DType() == tensor.Float32 {
		tmp := make([]float32, v.Numel())
		f32(tmp)
		src = tensor.FromFloat32(tmp, v.Shape()...)
	} else {
		tmp := make([]float64, v.Numel())
		f64(tmp)
		src = tensor.FromFloat64(tmp, v.Shape()...)
	}
	tensor.NoGrad(func() { v.CopyFrom(src) })
}

// store writes vals, in t's logical row-major order, into t without
// recording anything for autograd. vals is a []float32 for float32 tensors
// and a []float64 for float64 ones.
func store(t *tensor.Tensor, vals32 []float32, vals64 []float64) {
	if t.IsContiguous() {
		if t.DType() == tensor.Float32 {
			copy(tensorinternal.Writable32(t), vals32)
		} else {
			copy(tensorinternal.Writable64(t), vals64)
		}
		return
	}
	var src *tensor.Tensor
	if t.DType() == tensor.Float32 {
		src = tensor.FromFloat32(vals32, t.Shape()...)
	} else {
		src = tensor.FromFloat64(vals64, t.Shape()...)
	}
	tensor.NoGrad(func() { t.CopyFrom(src) })
}
