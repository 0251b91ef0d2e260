package nninit

import (
	"fmt"
	"math"

	"github.com/intercept-ml/intercept/tensor"
)

// CalculateGain returns the recommended gain for a nonlinearity, like
// torch.nn.init.calculate_gain:
//
//	Linear, Conv1d, Conv2d, Conv3d,
//	ConvTranspose1d, ConvTranspose2d, ConvTranspose3d, Sigmoid  1
//	Tanh                                                        5/3
//	ReLU                                                        √2
//	LeakyReLU                                                   √(2 / (1 + negative_slope²))
//	SELU                                                        3/4
//
// param is the negative slope of LeakyReLU (0.01 when omitted); the other
// nonlinearities ignore it, as PyTorch does. The values are computed in
// PyTorch's float64 expression order, so they are bit-identical. It panics
// for a value that is not one of the constants, or more than one param.
func CalculateGain(nl Nonlinearity, param ...float64) float64 {
	if len(param) > 1 {
		panic(fmt.Sprintf("nninit: CalculateGain: at most one parameter, got %d", len(param)))
	}
	switch nl {
	case Linear, Conv1d, Conv2d, Conv3d, ConvTranspose1d, ConvTranspose2d, ConvTranspose3d, Sigmoid:
		return 1
	case Tanh:
		return 5.0 / 3
	case ReLU:
		return math.Sqrt(2.0)
	case LeakyReLU:
		slope := 0.01
		if len(param) == 1 {
			slope = param[0]
		}
		// Python: math.sqrt(2.0 / (1 + negative_slope ** 2)); the explicit
		// conversion keeps the compiler from fusing 1 + s*s.
		return math.Sqrt(2.0 / (1 + float64(slope*slope)))
	case SELU:
		return 3.0 / 4
	}
	panic(fmt.Sprintf("nninit: Unsupported nonlinearity %v", nl))
}

// FanInOut returns the fan-in and fan-out of a weight tensor as PyTorch
// computes them (torch.nn.init._calculate_fan_in_and_fan_out): with
// receptive = the product of the sizes from dimension 2 on (1 for a matrix),
// fanIn = size(1)·receptive and fanOut = size(0)·receptive. For a Linear
// weight (out, in) that is (in, out); for a convolution weight
// (out, in/groups, k…) fanIn = in/groups·∏k; for a transposed convolution
// weight (in, out/groups, k…) fanIn = out/groups·∏k. It panics for tensors
// with fewer than 2 dimensions.
func FanInOut(t *tensor.Tensor) (fanIn, fanOut int) {
	shape := t.Shape()
	if len(shape) < 2 {
		panic(fmt.Sprintf("nninit: Fan in and fan out can not be computed for tensor with fewer than 2 dimensions (shape %v)", shape))
	}
	receptive := 1
	for _, s := range shape[2:] {
		receptive *= s
	}
	return shape[1] * receptive, shape[0] * receptive
}

// fan returns the fan selected by mode, checking the mode first as
// PyTorch's _calculate_correct_fan does.
func fan(t *tensor.Tensor, mode FanMode) int {
	if mode != FanIn && mode != FanOut {
		panic(fmt.Sprintf("nninit: Mode %v not supported, please use one of FanIn (fan_in), FanOut (fan_out)", mode))
	}
	fanIn, fanOut := FanInOut(t)
	if mode == FanIn {
		return fanIn
	}
	return fanOut
}
