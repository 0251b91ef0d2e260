// Package tensor provides N-dimensional tensors of float32 (the default),
// float64, int64 and bool elements with PyTorch 1.13 semantics: shapes,
// strides and views that share storage, NumPy/PyTorch broadcasting, the usual
// elementwise, reduction and matrix operations, and define-by-run
// reverse-mode automatic differentiation.
//
// # Tensors and views
//
// A Tensor is a view (shape, strides, offset) of a storage. Reshape, View,
// Transpose, Permute, Narrow, Select, Expand, Squeeze and Unsqueeze return
// views that share the storage of their input, as in PyTorch; Contiguous and
// Clone copy.
//
// # Autograd
//
// A leaf tensor created with SetRequiresGrad(true) (or a Parameter) records
// every operation applied to it. Backward on a scalar result computes the
// gradient of that result with respect to every leaf that requires grad and
// accumulates it into the leaf's Grad field, until the caller zeroes it. The
// recorded graph is released after Backward, as in PyTorch; a second Backward
// through the same graph panics unless BackwardOptions.RetainGraph was set.
// Inside NoGrad nothing is recorded.
//
// # Grad mode and goroutines
//
// The grad mode belongs to a goroutine, as PyTorch's belongs to a thread.
// NoGrad disables recording on the calling goroutine only, for the duration
// of its function: goroutines that train and evaluate side by side do not
// disturb each other, and a goroutine started inside NoGrad does not
// inherit it (it records unless it calls NoGrad itself). Checking the mode
// costs one atomic load while no goroutine is inside NoGrad, and a lookup
// of the calling goroutine otherwise (see NoGrad).
//
// # Errors
//
// Misuse of tensor math (shapes that do not broadcast, matrices that cannot
// be multiplied, a dimension out of range) is a programming error and panics
// with a message in the style of PyTorch's, naming the shapes involved, for
// example "mat1 and mat2 shapes cannot be multiplied (4x3 and 2x1)". NaN and
// Inf propagate through every operation as they do in PyTorch.
package tensor
