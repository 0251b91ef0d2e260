package tensor_test

import (
	"fmt"

	"github.com/intercept-ml/intercept/tensor"
)

// A tensor prints exactly as PyTorch prints the same tensor.
func ExampleTensor_String() {
	x := tensor.New([][]float64{{0.5, -1, 2}, {1.5, 0.25, -0.75}})
	fmt.Println(x)
	fmt.Println(x.Sum(1))
	// Output:
	// tensor([[ 0.5000, -1.0000,  2.0000],
	//         [ 1.5000,  0.2500, -0.7500]])
	// tensor([1.5000, 1.0000])
}

// Broadcasting follows NumPy/PyTorch rules: a (3, 1) column and a (2,) row
// give a (3, 2) result.
func ExampleAdd() {
	col := tensor.New([][]float64{{1}, {2}, {3}})
	row := tensor.New([]float64{10, 20})
	fmt.Println(tensor.Add(col, row))
	// Output:
	// tensor([[11., 21.],
	//         [12., 22.],
	//         [13., 23.]])
}

func ExampleMatmul() {
	a := tensor.Arange(0, 6, 1).Reshape(2, 3)
	b := tensor.Arange(0, 6, 1).Reshape(3, 2)
	fmt.Println(tensor.Matmul(a, b))
	// Output:
	// tensor([[10., 13.],
	//         [28., 40.]])
}

// Backward computes d(loss)/dw for every leaf that requires grad and
// accumulates it into Grad, as loss.backward() does in PyTorch.
// MatmulInto reuses one result tensor for a product formed again and
// again, as torch.mm(a, b, out=c) does.
func ExampleMatmulInto() {
	a := tensor.New([][]float64{{1, 2}, {3, 4}})
	b := tensor.New([][]float64{{1, 0}, {1, 1}})
	c := tensor.Empty(tensor.Float32, 2, 2)
	for range 3 {
		tensor.MatmulInto(c, a, b)
		a = tensor.Add(a, a)
	}
	fmt.Println(c)
	// Output:
	// tensor([[12.,  8.],
	//         [28., 16.]])
}

func ExampleTensor_Backward() {
	w := tensor.New([]float64{0.5, -0.25}).SetRequiresGrad(true)
	b := tensor.Scalar(0.1).SetRequiresGrad(true)
	x := tensor.New([][]float64{{1, 2}, {3, 4}})
	y := tensor.New([]float64{1, 0})
	pred := tensor.Matmul(x, w).Add(b)
	loss := pred.Sub(y).Square().Mean()
	fmt.Println(loss)
	loss.Backward()
	fmt.Println(w.Grad)
	fmt.Println(b.Grad)
	// Output:
	// tensor(0.5850, grad_fn=<MeanBackward0>)
	// tensor([0.9000, 0.6000])
	// tensor(-0.3000)
}

// NoGrad stops recording on the calling goroutine, like torch.no_grad().
func ExampleNoGrad() {
	w := tensor.Ones(2).SetRequiresGrad(true)
	var y *tensor.Tensor
	tensor.NoGrad(func() { y = w.MulScalar(2) })
	fmt.Println(y.RequiresGrad(), w.MulScalar(2).RequiresGrad())
	// Output:
	// false true
}

// Views share storage with the tensor they come from.
func ExampleTensor_Transpose() {
	x := tensor.Arange(0, 6, 1).Reshape(2, 3)
	t := x.Transpose(0, 1)
	fmt.Println(t.Shape(), t.IsContiguous(), t.SharesStorage(x))
	fmt.Println(t)
	// Output:
	// [3 2] false true
	// tensor([[0., 3.],
	//         [1., 4.],
	//         [2., 5.]])
}
