// Package functional holds the stateless operations behind the layers of
// package nn, mirroring torch.nn.functional of PyTorch 1.13. It is meant to
// be imported as
//
//	F "github.com/intercept-ml/intercept/nn/functional"
//
// Every function takes and returns *tensor.Tensor values, records itself for
// autograd, and works for float32 (the default) and float64 tensors; the
// float64 forms exist mainly so that gradients can be checked by finite
// differences.
//
// # Shapes and conventions
//
// Arguments follow PyTorch's order and meaning. PyTorch's required
// arguments are positional (input, weight, bias — nil for none —,
// kernel_size, p, normalized_shape); its keyword arguments with defaults are
// options, each function taking its own family (ConvOption,
// MaxPool2dOption, BatchNormOption, ...), so that an option a function does
// not take is a compile error:
//
//	F.Conv2d(x, w, b, F.Stride(2), F.Padding(1))
//	F.MaxPool2d(x, []int{2}, F.Stride(1), F.CeilMode)
//	F.BatchNorm(x, runningMean, runningVar, weight, bias, F.Training, F.Momentum(0.1))
//
// Size arguments and options (kernel, Stride, Padding, ...) hold one value
// for every spatial dimension or one value per spatial dimension; an option
// left out is PyTorch's default. Enumerations are typed constants
// (F.PaddingSame, F.ApproximateTanh). Passing options allocates nothing.
// Convolutions and pooling accept batched (N, C, ...) and unbatched (C, ...)
// inputs as PyTorch does.
//
// # Losses
//
// MSELoss, L1Loss, SmoothL1Loss, HuberLoss, BinaryCrossEntropy,
// BinaryCrossEntropyWithLogits, NLLLoss and CrossEntropy are
// torch.nn.functional's mse_loss, l1_loss, smooth_l1_loss, huber_loss,
// binary_cross_entropy, binary_cross_entropy_with_logits, nll_loss and
// cross_entropy (package nn wraps them under torch.nn's class names:
// nn.BCELoss, nn.CrossEntropyLoss, ...). Their keyword arguments are
// options, each loss taking its own family (CrossEntropyOption, ...), so that
// an option a loss does not take is a compile error:
//
//	F.CrossEntropy(logits, y, F.Sum, F.LabelSmoothing(0.1))
//
// CrossEntropy with class indices is NLLLoss(input.LogSoftmax(1), ...) bit
// for bit, forward and backward, as in PyTorch.
//
// # Activations and normalization
//
// ReLU, LeakyReLU, PReLU, ELU, SELU, CELU, GELU, SiLU, Mish, Softplus,
// Hardswish, Hardsigmoid, Hardtanh, ReLU6, Sigmoid, LogSigmoid, Tanh,
// Tanhshrink, Softsign, Softmax, Softmin and LogSoftmax are
// torch.nn.functional's; keyword arguments with defaults are options of a
// per-function family (F.ELU(x, F.Alpha(0.5)), F.Hardtanh(x, F.MinVal(-2)),
// F.GELU(x, F.ApproximateTanh)). BatchNorm, LayerNorm, GroupNorm and
// InstanceNorm take their weight, bias and running statistics as tensors
// (nil for none), as F.batch_norm does; LocalResponseNorm takes Alpha, Beta
// and K.
//
// # Implementation
//
// Convolutions are computed by im2col (the Unfold operation) and a matrix
// product with the weight (internal/kernel's GEMM), per group of channels;
// their gradients use the same GEMM and col2im (the Fold operation).
// A recurrent layer (RNNLayer, used by the cells and by nn's RNN, LSTM and
// GRU for each layer and direction) computes the input projection of all
// steps and gates as one matrix product, then per step one product with
// W_hh and one fused pass over the gates; its backward pass
// (backpropagation through time) is hand-written too.
// Convolution, pooling, normalization, Linear, Embedding and RNNLayer are single
// autograd nodes (tensor.Record) with hand-written backward passes whose
// names are PyTorch's grad_fn names (ConvolutionBackward0,
// MaxPool2DWithIndicesBackward0, NativeBatchNormBackward0, ...). Other
// functions are compositions of tensor operations. Results are deterministic:
// they do not depend on GOMAXPROCS.
//
// # Errors
//
// Misuse (shapes that do not fit, negative sizes, channels that do not divide
// by groups, a kernel larger than the padded input, ...) is a programming
// error and panics with PyTorch's message, naming the argument and the
// values, for example
//
//	Given groups=2, weight of size [6, 3, 3, 3], expected input[1, 4, 5, 5] to have 6 channels, but got 4 channels instead
//	Calculated padded input size per channel: (2 x 2). Kernel size: (3 x 3). Kernel size can't be greater than actual input size
//
// Messages are PyTorch 1.13's verbatim, quirks included (the groups
// divisibility message prints the weight size in double brackets, unfold's
// size message prints the input height twice). Where PyTorch has no message
// of its own for a Go-specific misuse (say, a weight of the wrong rank), the
// message starts with the function's PyTorch name.
//
// # Differences from PyTorch
//
// Floating-point results match PyTorch 1.13 to rounding (the summation order
// of matrix products and reductions differs from BLAS's), not bit for bit,
// except Dropout, whose mask and arithmetic are bit-exact for a PyTorch build
// without MKL. The losses, Softmax and LogSoftmax follow ATen's formulas and
// order of operations in the input's element type: most of their values are
// bit-identical to PyTorch's, the others an ulp or two apart. Double backward
// (create_graph) is not supported by the tensor package and therefore not
// here.
package functional
