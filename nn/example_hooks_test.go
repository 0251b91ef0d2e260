package nn_test

import (
	"fmt"

	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

// Hooks on the layers of a Sequential: a forward hook printing each
// layer's output shape, a backward hook printing the gradient shapes (the
// first layer's input needs no gradient: nil, PyTorch's None), and a
// forward hook that doubles the last layer's output. PyTorch prints the
// same for the same model after torch.manual_seed(0).
func ExampleRegisterForwardHook() {
	rng.ManualSeed(0)
	model := nn.NewSequential(nn.NewLinear(4, 8), nn.NewReLU(), nn.NewLinear(8, 2))
	var handles []*nn.HookHandle
	for _, m := range nn.NamedModules(model)[1:] {
		name := m.Name
		handles = append(handles,
			nn.RegisterForwardHook(m.Module, func(mod any, in, out []*tensor.Tensor) []*tensor.Tensor {
				fmt.Printf("forward  %s %T: %v -> %v\n", name, mod, in[0].Shape(), out[0].Shape())
				return nil
			}),
			nn.RegisterFullBackwardHook(m.Module, func(_ any, gradIn, gradOut []*tensor.Tensor) []*tensor.Tensor {
				fmt.Printf("backward %s: grad_output %v, grad_input nil: %v\n", name, gradOut[0].Shape(), gradIn[0] == nil)
				return nil
			}))
	}
	x := tensor.Ones(3, 4)
	y := model.Forward(x)
	y.Sum().Backward()
	before := y.Sum().Item()
	for _, h := range handles {
		h.Remove()
	}
	double := nn.RegisterForwardHook(model.At(2), func(_ any, _, out []*tensor.Tensor) []*tensor.Tensor {
		return []*tensor.Tensor{out[0].MulScalar(2)}
	})
	y = model.Forward(x)
	double.Remove()
	fmt.Printf("sum of the output: %.4f, doubled by the hook: %.4f\n", before, y.Sum().Item())
	// Output:
	// forward  0 *nn.Linear: [3 4] -> [3 8]
	// forward  1 *nn.ReLU: [3 8] -> [3 8]
	// forward  2 *nn.Linear: [3 8] -> [3 2]
	// backward 2: grad_output [3 2], grad_input nil: false
	// backward 1: grad_output [3 8], grad_input nil: false
	// backward 0: grad_output [3 8], grad_input nil: true
	// sum of the output: -0.9510, doubled by the hook: -1.9020
}
