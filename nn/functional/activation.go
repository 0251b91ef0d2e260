package functional

import "github.com/intercept-ml/intercept/tensor"

// ReLU returns max(x, 0) elementwise (torch.nn.functional.relu).
func ReLU(x *tensor.Tensor) *tensor.Tensor { return x.ReLU() }

// LeakyReLU returns x where x > 0 and negative_slope·x elsewhere
// (torch.nn.functional.leaky_relu). Option (LeakyReLUOption):
// NegativeSlope (default 0.01).
func LeakyReLU(x *tensor.Tensor, opts ...LeakyReLUOption) *tensor.Tensor {
	c := callConfig{negativeSlope: 0.01}
	applyOptions(&c, opts)
	return x.LeakyReLU(c.negativeSlope)
}

// Sigmoid returns 1/(1 + e^−x) elementwise (torch.sigmoid).
func Sigmoid(x *tensor.Tensor) *tensor.Tensor { return x.Sigmoid() }

// Tanh returns tanh(x) elementwise (torch.tanh).
func Tanh(x *tensor.Tensor) *tensor.Tensor { return x.Tanh() }

// GELU returns x·Φ(x) elementwise (torch.nn.functional.gelu). Option
// (GELUOption): ApproximateNone (the exact form with erf, the default) or
// ApproximateTanh (PyTorch's tanh approximation); another Approximation
// panics as in PyTorch.
func GELU(x *tensor.Tensor, opts ...GELUOption) *tensor.Tensor {
	var c callConfig
	applyOptions(&c, opts)
	switch c.approximate {
	case "", ApproximateNone:
		return x.GELU(false)
	case ApproximateTanh:
		return x.GELU(true)
	}
	panic("approximate argument must be either none or tanh.")
}

// SiLU returns x·sigmoid(x) elementwise (torch.nn.functional.silu).
func SiLU(x *tensor.Tensor) *tensor.Tensor { return x.SiLU() }

// Softmax returns exp(x)/Σexp(x) along dim (torch.nn.functional.softmax):
// x.Softmax(dim), ATen's algorithm.
func Softmax(x *tensor.Tensor, dim int) *tensor.Tensor { return x.Softmax(dim) }

// LogSoftmax returns log(softmax(x)) along dim
// (torch.nn.functional.log_softmax): x.LogSoftmax(dim), ATen's algorithm,
// which CrossEntropy uses too.
func LogSoftmax(x *tensor.Tensor, dim int) *tensor.Tensor { return x.LogSoftmax(dim) }
