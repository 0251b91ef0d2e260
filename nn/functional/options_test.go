package functional

import (
	"testing"

	"github.com/intercept-ml/intercept/tensor"
)

// TestOptionsAllocateNothing guards the point of applying options by a type
// switch: a call with options allocates no more than the same call without
// them, even when the option values come from a layer's fields. The values
// are the defaults (kept in variables, so that each option is converted to
// its family at run time), so that both calls compute the same.
func TestOptionsAllocateNothing(t *testing.T) {
	x, w := tensor.Zeros(1, 2, 8, 8), tensor.Zeros(3, 2, 3, 3)
	logits, classes := tensor.Zeros(4, 3), tensor.FromInt64([]int64{0, 1, 2, 1}, 4)
	layer := struct {
		kernel, stride, padding, dilation []int
		ceil                              bool
		groups                            int
		eps                               float64
		reduction                         Reduction
		ignoreIndex                       int
		labelSmoothing, beta, delta       float64
		alpha, softplusBeta, threshold    float64
		minVal, maxVal                    float64
		lrnAlpha, lrnBeta, k              float64
	}{[]int{2}, []int{2}, []int{0}, []int{1}, false, 1, 1e-5,
		Mean, -100, 0, 1, 1,
		1, 1, 20,
		-1, 1,
		1e-4, 0.75, 1}
	pad := []int{1, 1}
	tensor.NoGrad(func() {
		for _, c := range []struct {
			name       string
			bare, opts func()
		}{
			{"Conv2d", func() { Conv2d(x, w, nil) }, func() {
				Conv2d(x, w, nil, Stride(layer.stride...), Padding(layer.padding...), Dilation(layer.dilation...), Groups(layer.groups))
			}},
			{"MaxPool2d", func() { MaxPool2d(x, layer.kernel) }, func() {
				MaxPool2d(x, layer.kernel, Stride(layer.stride...), Padding(layer.padding...), Dilation(layer.dilation...), CeilModeOption(layer.ceil))
			}},
			{"BatchNorm", func() { BatchNorm(x, nil, nil, nil, nil, Training) }, func() {
				BatchNorm(x, nil, nil, nil, nil, Training, Momentum(0.1), Eps(layer.eps))
			}},
			{"CrossEntropy", func() { CrossEntropy(logits, classes) }, func() {
				CrossEntropy(logits, classes, layer.reduction, LabelSmoothing(layer.labelSmoothing), IgnoreIndex(layer.ignoreIndex))
			}},
			{"NLLLoss", func() { NLLLoss(logits, classes) }, func() {
				NLLLoss(logits, classes, layer.reduction, IgnoreIndex(layer.ignoreIndex), Weight(nil))
			}},
			{"SmoothL1Loss", func() { SmoothL1Loss(logits, logits) }, func() {
				SmoothL1Loss(logits, logits, layer.reduction, Beta(layer.beta))
			}},
			{"HuberLoss", func() { HuberLoss(logits, logits) }, func() {
				HuberLoss(logits, logits, layer.reduction, Delta(layer.delta))
			}},
			{"ELU", func() { ELU(x) }, func() { ELU(x, Alpha(layer.alpha)) }},
			{"CELU", func() { CELU(x) }, func() { CELU(x, Alpha(layer.alpha)) }},
			{"Softplus", func() { Softplus(x) }, func() {
				Softplus(x, Beta(layer.softplusBeta), SoftplusThreshold(layer.threshold))
			}},
			{"Hardtanh", func() { Hardtanh(x) }, func() { Hardtanh(x, MinVal(layer.minVal), MaxVal(layer.maxVal)) }},
			{"Pad", func() { Pad(x, pad) }, func() { Pad(x, pad, PadConstant, PadValue(layer.eps)) }},
			{"Interpolate", func() { Interpolate(x, Size(layer.kernel...), ModeBilinear) }, func() {
				Interpolate(x, Size(layer.kernel...), ModeBilinear, AlignCorners(layer.ceil))
			}},
			{"LocalResponseNorm", func() { LocalResponseNorm(x, 2) }, func() {
				LocalResponseNorm(x, 2, Alpha(layer.lrnAlpha), Beta(layer.lrnBeta), K(layer.k))
			}},
		} {
			bare, opts := testing.AllocsPerRun(50, c.bare), testing.AllocsPerRun(50, c.opts)
			if opts > bare {
				t.Errorf("%s: %v allocations with options, %v without", c.name, opts, bare)
			}
		}
	})
}
