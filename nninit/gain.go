package nninit

import (
	"fmt"
	"math"

	"github.com/intercept-ml/intercept/tensor"
)

// CalculateGain returns the recommended gain for a nonlinearity, like
// torch.nn.init.calculate_gain:
//
//	"linear", "conv1d", "conv2d", "conv3d",
//	"conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "sigmoid"  1
//	"tanh"                                                                 5/3
//	"relu"                                                                 √2
//	"leaky_relu"                                                           √(2 / (1 + negative_slope²))
//	"selu"                                                                 3/4
//
// param is the negative slope of "leaky_relu" (0.01 when omitted); the other
// nonlinearities ignore it, as PyTorch does. The values are computed in
// PyTorch's float64 expression order, so they are bit-identical. An unknown
// name, or more than one param, is an error.
func CalculateGain(nonlinearity string, param ...float64) (float64, error) {
	if len(param) > 1 {
		return 0, fmt.Errorf("nninit: calculate gain: at most one parameter, got %d", len(param))
	}
	switch nonlinearity {
	case "linear", "conv1d", "conv2d", "conv3d",
		"conv_transpose1d", "conv_transpose2d", "conv_transpose3d", "sigmoid":
		return 1, nil
	case "tanh":
		return 5.0 / 3, nil
	case "relu":
		return math.Sqrt(2.0), nil
	case "leaky_relu":
		slope := 0.01
		if len(param) == 1 {
			slope = param[0]
		}
		// Python: math.sqrt(2.0 / (1 + negative_slope ** 2)); the explicit
		// conversion keeps the compiler from fusing 1 + s*s.
		return math.Sqrt(2.0 / (1 + float64(slope*slope))), nil
	case "selu":
		return 3.0 / 4, nil
	}
	return 0, fmt.Errorf("nninit: unsupported nonlinearity %q", nonlinearity)
}

// MustCalculateGain is CalculateGain for names known to be valid: it panics
// on error.
func MustCalculateGain(nonlinearity string, param ...float64) float64 {
	g, err := CalculateGain(nonlinearity, param...)
	if err != nil {
		panic(err.Error())
	}
	return g
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
