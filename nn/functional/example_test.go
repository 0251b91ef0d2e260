package functional_test

import (
	"fmt"

	F "github.com/intercept-ml/intercept/nn/functional"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

// The feature extractor of LeNet-5 on a batch of MNIST-sized images.
func Example_leNet() {
	g := rng.NewGenerator()
	x := tensor.Zeros(8, 1, 28, 28)
	g.Normal(x, 0, 1)
	w1 := tensor.NewParameter(tensor.Zeros(6, 1, 5, 5))
	w2 := tensor.NewParameter(tensor.Zeros(16, 6, 5, 5))
	g.Normal(w1, 0, 0.2)
	g.Normal(w2, 0, 0.1)

	h := F.ReLU(F.Conv2d(x, w1, nil, F.Padding(2)))
	h = F.MaxPool2d(h, []int{2})
	h = F.ReLU(F.Conv2d(h, w2, nil))
	h = F.MaxPool2d(h, []int{2})
	fmt.Println(h.Shape(), h.GradFn())

	h.Sum().Backward()
	fmt.Println(w1.Grad.Shape(), w2.Grad.Shape())
	// Output:
	// [8 16 5 5] MaxPool2DWithIndicesBackward0
	// [6 1 5 5] [16 6 5 5]
}

// PyTorch's padding='same' pads asymmetrically when the total padding is odd.
func ExampleConv2d_same() {
	x := tensor.Ones(1, 1, 4, 4)
	w := tensor.Ones(1, 1, 2, 2)
	y := F.Conv2d(x, w, nil, F.PaddingSame)
	fmt.Println(y)
	// Output:
	// tensor([[[[4., 4., 4., 2.],
	//           [4., 4., 4., 2.],
	//           [4., 4., 4., 2.],
	//           [2., 2., 2., 1.]]]])
}

// Dropout after rng.ManualSeed matches torch.manual_seed + F.dropout bit for
// bit (PyTorch builds without MKL): torch.manual_seed(0);
// F.dropout(torch.ones(8), 0.5) prints the same.
func ExampleDropout() {
	rng.ManualSeed(0)
	y := F.Dropout(tensor.Ones(8), 0.5)
	fmt.Println(y)
	// Output:
	// tensor([0., 0., 2., 0., 0., 0., 2., 2.])
}

func ExampleBatchNorm() {
	x := tensor.New([][]float64{{1, 2}, {3, 6}})
	runningMean, runningVar := tensor.Zeros(2), tensor.Ones(2)
	y := F.BatchNorm(x, runningMean, runningVar, nil, nil, F.Training)
	fmt.Println(y)
	fmt.Println(runningMean, runningVar)
	// Output:
	// tensor([[-1.0000, -1.0000],
	//         [ 1.0000,  1.0000]])
	// tensor([0.2000, 0.4000]) tensor([1.1000, 1.7000])
}

// LinearReLU is Linear followed by ReLU with one tensor fewer: the result,
// its gradients and its GradFn are those of the two operations in sequence.
func ExampleLinearReLU() {
	x := tensor.FromFloat32([]float32{1, -2, 3, 0.5, 1, -1}, 2, 3)
	w := tensor.NewParameter(tensor.FromFloat32([]float32{1, 0, 1, -1, 1, 0}, 2, 3))
	b := tensor.NewParameter(tensor.FromFloat32([]float32{0.5, 0}, 2))
	y := F.LinearReLU(x, w, b)
	fmt.Println(y, y.GradFn())
	y.Sum().Backward()
	fmt.Println(w.Grad)
	// Output:
	// tensor([[4.5000, 0.0000],
	//         [0.0000, 0.5000]], grad_fn=<ReluBackward0>) ReluBackward0
	// tensor([[ 1.0000, -2.0000,  3.0000],
	//         [ 0.5000,  1.0000, -1.0000]])
}
