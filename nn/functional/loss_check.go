package functional

import (
	"fmt"

	"github.com/intercept-ml/intercept/internal/pyfmt"
	"github.com/intercept-ml/intercept/internal/tensorinternal"
	"github.com/intercept-ml/intercept/tensor"
)

// The argument checks the losses share.

// torchSize formats a shape as PyTorch prints torch.Size: torch.Size([2, 3]).

// requireFloatLoss panics unless t is a float tensor; fn is the loss's
// PyTorch name.
func requireFloatLoss(fn, what string, t *tensor.Tensor) {
	if t == nil {
		panic(fmt.Sprintf("%s: %s is nil", fn, what))
	}
	if !t.DType().IsFloat() {
		panic(fmt.Sprintf("%s: %s must be a floating-point tensor, got %v", fn, what, t.DType()))
	}
}

// sameSizeTarget panics like PyTorch's size check of the element-wise
// losses (fn is the loss's PyTorch name) and returns target converted to the
// input's element type.
func sameSizeTarget(fn string, input, target *tensor.Tensor) *tensor.Tensor {
	requireFloatLoss(fn, "input", input)
	requireFloatLoss(fn, "target", target)
	if !input.SameShape(target) {
		switch fn {
		case "binary_cross_entropy_with_logits":
			panic(fmt.Sprintf("Target size (%s) must be the same as input size (%s)",
				pyfmt.TorchSize(target.Shape()...), pyfmt.TorchSize(input.Shape()...)))
		case "binary_cross_entropy":
			panic(fmt.Sprintf("Using a target size (%s) that is different to the input size (%s) is deprecated. Please ensure they have the same size.",
				pyfmt.TorchSize(target.Shape()...), pyfmt.TorchSize(input.Shape()...)))
		}
		panic(fmt.Sprintf("Using a target size (%s) that is different to the input size (%s). This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.",
			pyfmt.TorchSize(target.Shape()...), pyfmt.TorchSize(input.Shape()...)))
	}
	return target.To(input.DType())
}

// elems returns the elements of the float tensor t (of element type T) in
// row-major order, sharing its storage when it is contiguous: they must not
// be modified.
func elems[T float](t *tensor.Tensor) []T {
	if !t.IsContiguous() {
		t = t.Detach().Contiguous()
	}
	return raw[T](t)
}

// newFloat returns a new contiguous tensor of element type T and its
// elements. A gradient (grad) comes from tensorinternal.EmptyGrad, whose memory
// Backward may recycle: the caller must set every element.
func newFloat[T float](shape []int, grad bool) (*tensor.Tensor, []T) {
	dt := tensor.Float64
	if _, ok := any(T(0)).(float32); ok {
		dt = tensor.Float32
	}
	var t *tensor.Tensor
	if grad {
		t = tensorinternal.EmptyGrad(dt, shape...)
	} else {
		t = tensor.Empty(dt, shape...)
	}
	return t, raw[T](t)
}
