package functional

import (
	"testing"

	"github.com/intercept-ml/intercept/tensor"
)

// TestGradActivationsExt checks the backward passes of the activations of
// activation_ext.go against central differences in float64, on inputs
// spread over [-6, 6] (away from the kinks of the piecewise ones).
func TestGradActivationsExt(t *testing.T) {
	wide := func() *tensor.Tensor { return seq(1, 4, 7).Detach().MulScalar(4).SetRequiresGrad(true) }
	cases := []struct {
		name string
		f    func(x *tensor.Tensor) *tensor.Tensor
	}{
		{"elu", func(x *tensor.Tensor) *tensor.Tensor { return ELU(x) }},
		{"elu alpha", func(x *tensor.Tensor) *tensor.Tensor { return ELU(x, Alpha(0.3)) }},
		{"selu", SELU},
		{"celu", func(x *tensor.Tensor) *tensor.Tensor { return CELU(x, Alpha(1.7)) }},
		{"softplus", func(x *tensor.Tensor) *tensor.Tensor { return Softplus(x) }},
		{"softplus beta threshold", func(x *tensor.Tensor) *tensor.Tensor { return Softplus(x, Beta(2), SoftplusThreshold(3)) }},
		{"mish", Mish},
		{"hardswish", Hardswish},
		{"hardsigmoid", Hardsigmoid},
		{"hardtanh", func(x *tensor.Tensor) *tensor.Tensor { return Hardtanh(x, MinVal(-2), MaxVal(3)) }},
		{"relu6", ReLU6},
		{"logsigmoid", LogSigmoid},
		{"softsign", Softsign},
		{"tanhshrink", Tanhshrink},
		{"softmin", func(x *tensor.Tensor) *tensor.Tensor { return Softmin(x, 1) }},
		{"gelu tanh", func(x *tensor.Tensor) *tensor.Tensor { return GELU(x, ApproximateTanh) }},
		{"gelu", func(x *tensor.Tensor) *tensor.Tensor { return GELU(x) }},
	}
	for _, c := range cases {
		x := wide()
		gradCheck(t, c.name, func() *tensor.Tensor { return c.f(x) }, x)
		// a non-contiguous input
		xt := seq(2, 5, 3).Detach().MulScalar(3).SetRequiresGrad(true)
		gradCheck(t, c.name+" transposed", func() *tensor.Tensor { return c.f(xt.T()) }, xt)
	}
}

func TestGradPReLU(t *testing.T) {
	x := seq(1, 2, 3, 4)
	w := seq(2, 3)
	gradCheck(t, "prelu per channel", func() *tensor.Tensor { return PReLU(x, w) }, x, w)
	w1 := seq(3, 1)
	gradCheck(t, "prelu shared", func() *tensor.Tensor { return PReLU(x, w1) }, x, w1)
	x1 := seq(4, 5)
	gradCheck(t, "prelu 1-d", func() *tensor.Tensor { return PReLU(x1, w1) }, x1, w1)
}

func TestGradGroupNorm(t *testing.T) {
	x := seq(1, 3, 6, 2, 3)
	w, b := seq(2, 6), seq(3, 6)
	gradCheck(t, "group_norm affine", func() *tensor.Tensor { return GroupNorm(x, 2, w, b, Eps(1e-5)) }, x, w, b)
	gradCheck(t, "group_norm weight only", func() *tensor.Tensor { return GroupNorm(x, 3, w, nil, Eps(1e-3)) }, x, w)
	gradCheck(t, "group_norm plain", func() *tensor.Tensor { return GroupNorm(x, 1, nil, nil, Eps(1e-5)) }, x)
	x2 := seq(4, 4, 6)
	gradCheck(t, "group_norm no spatial", func() *tensor.Tensor { return GroupNorm(x2, 3, w, b, Eps(1e-5)) }, x2, w, b)
}

func TestGradInstanceNorm(t *testing.T) {
	x := seq(1, 2, 3, 4, 3)
	w, b := seq(2, 3), seq(3, 3)
	gradCheck(t, "instance_norm affine", func() *tensor.Tensor {
		return InstanceNorm(x, nil, nil, w, b, UseInputStats(true), Momentum(0.1), Eps(1e-5))
	}, x, w, b)
	gradCheck(t, "instance_norm plain", func() *tensor.Tensor {
		return InstanceNorm(x, nil, nil, nil, nil, UseInputStats(true), Momentum(0.1), Eps(1e-5))
	}, x)
	rm, rv := seq(4, 3).Detach(), seq(5, 3).Detach().Abs().AddScalar(0.5)
	gradCheck(t, "instance_norm eval", func() *tensor.Tensor {
		return InstanceNorm(x, rm, rv, w, b, UseInputStats(false), Momentum(0.1), Eps(1e-5))
	}, x, w, b)
}

func TestGradLocalResponseNorm(t *testing.T) {
	x := seq(1, 2, 5, 3)
	gradCheck(t, "local_response_norm 3-d", func() *tensor.Tensor { return LocalResponseNorm(x, 3, Alpha(0.5), Beta(0.6), K(1.5)) }, x)
	x4 := seq(2, 1, 3, 2, 3)
	gradCheck(t, "local_response_norm 4-d even size", func() *tensor.Tensor { return LocalResponseNorm(x4, 4, Alpha(0.3)) }, x4)
}
