package functional

import "github.com/intercept-ml/intercept/tensor"

// ReLU returns max(x, 0) elementwise (torch.nn.functional.relu).
func ReLU(x *tensor.Tensor) *tensor.Tensor { return x.ReLU() }

// LeakyReLU returns x where x > 0 and slope·x elsewhere
// (torch.nn.functional.leaky_relu; PyTorch's default slope is 0.01).
func LeakyReLU(x *tensor.Tensor, slope float64) *tensor.Tensor { return x.LeakyReLU(slope) }

// Sigmoid returns 1/(1 + e^−x) elementwise (torch.sigmoid).
func Sigmoid(x *tensor.Tensor) *tensor.Tensor { return x.Sigmoid() }

// Tanh returns tanh(x) elementwise (torch.tanh).
func Tanh(x *tensor.Tensor) *tensor.Tensor { return x.Tanh() }

// SiLU returns x·sigmoid(x) elementwise (torch.nn.functional.silu).
func SiLU(x *tensor.Tensor) *tensor.Tensor { return x.SiLU() }

// Softmax returns exp(x)/Σexp(x) along dim (torch.nn.functional.softmax):
// x.Softmax(dim), ATen's algorithm.
func Softmax(x *tensor.Tensor, dim int) *tensor.Tensor { return x.Softmax(dim) }

// LogSoftmax returns log(softmax(x)) along dim
// (torch.nn.functional.log_softmax): x.LogSoftmax(dim), ATen's algorithm,
// which CrossEntropy uses too.
func LogSoftmax(x *tensor.Tensor, dim int) *tensor.Tensor { return x.LogSoftmax(dim) }
