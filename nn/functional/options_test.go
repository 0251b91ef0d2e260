package functional

import (
	"testing"

	"github.com/intercept-ml/intercept/tensor"
)

// TestOptionsAllocateNothing guards the point of applying options by a type
// switch: a call with options allocates no more than the same call without
// them, even when the option values come from a layer's fields.
func TestOptionsAllocateNothing(t *testing.T) {
	x, w := tensor.Zeros(1, 2, 8, 8), tensor.Zeros(3, 2, 3, 3)
	layer := struct {
		kernel, stride, padding, dilation []int
		ceil                              bool
		groups                            int
		eps                               float64
	}{[]int{2}, []int{2}, []int{0}, []int{1}, false, 1, 1e-5}
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
		} {
			bare, opts := testing.AllocsPerRun(50, c.bare), testing.AllocsPerRun(50, c.opts)
			if opts > bare {
				t.Errorf("%s: %v allocations with options, %v without", c.name, opts, bare)
			}
		}
	})
}
