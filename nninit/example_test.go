package nninit_test

import (
	"fmt"
	"math"

	"github.com/intercept-ml/intercept/nninit"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

// torch.manual_seed(0)
// nn.init.kaiming_uniform_(torch.empty(3, 4), nonlinearity='relu')
func ExampleKaimingUniform() {
	rng.ManualSeed(0)
	w := nninit.KaimingUniform(tensor.Zeros(3, 4), nninit.ReLU)
	fmt.Println(w)
	// Output:
	// tensor([[-0.0092,  0.6570, -1.0080, -0.9013],
	//         [-0.4717,  0.3284, -0.0243,  0.9711],
	//         [-0.1087,  0.3241, -0.3701, -0.2407]])
}

// PyTorch's default initialization of a Linear weight, applied to a
// parameter that requires grad:
//
//	torch.manual_seed(0)
//	p = nn.Parameter(torch.empty(2, 3))
//	nn.init.kaiming_uniform_(p, a=math.sqrt(5))
func ExampleKaimingUniform_parameter() {
	rng.ManualSeed(0)
	p := tensor.NewParameter(tensor.Zeros(2, 3))
	nninit.KaimingUniform(p, nninit.A(math.Sqrt(5)))
	fmt.Println(p)
	// Output:
	// Parameter containing:
	// tensor([[-0.0043,  0.3097, -0.4752],
	//         [-0.4249, -0.2224,  0.1548]], requires_grad=True)
}

// torch.manual_seed(0)
// nn.init.kaiming_normal_(torch.empty(2, 4), mode='fan_out', nonlinearity='relu')
func ExampleKaimingNormal() {
	rng.ManualSeed(0)
	w := nninit.KaimingNormal(tensor.Zeros(2, 4), nninit.FanOut, nninit.ReLU)
	fmt.Println(w)
	// Output:
	// tensor([[ 1.5410, -0.2934, -2.1788,  0.5684],
	//         [-1.0845, -1.3986,  0.4033,  0.8380]])
}

func ExampleCalculateGain() {
	fmt.Println(nninit.CalculateGain(nninit.LeakyReLU, 0.2))
	fmt.Println(nninit.CalculateGain(nninit.Tanh))
	fmt.Println(nninit.CalculateGain(nninit.ReLU))
	fmt.Println(nninit.LeakyReLU)
	// Output:
	// 1.3867504905630728
	// 1.6666666666666667
	// 1.4142135623730951
	// leaky_relu
}

// torch.manual_seed(0)
// nn.init.xavier_uniform_(torch.empty(2, 5), gain=nn.init.calculate_gain('tanh'))
func ExampleXavierUniform() {
	rng.ManualSeed(0)
	w := nninit.XavierUniform(tensor.Zeros(2, 5), nninit.Gain(nninit.CalculateGain(nninit.Tanh)))
	fmt.Println(w)
	// Output:
	// tensor([[-0.0116,  0.8278, -1.2700, -1.1356, -0.5943],
	//         [ 0.4138, -0.0306,  1.2235, -0.1369,  0.4083]])
}

// torch.manual_seed(0); nn.init.normal_(torch.empty(2, 3), 0, 0.1)
func ExampleNormal() {
	rng.ManualSeed(0)
	fmt.Println(nninit.Normal(tensor.Zeros(2, 3), 0, 0.1))
	// Output:
	// tensor([[ 0.1541, -0.0293, -0.2179],
	//         [ 0.0568, -0.1085, -0.1399]])
}

// torch.manual_seed(0); nn.init.trunc_normal_(torch.empty(2, 3), 0, 0.02, -0.04, 0.04)
func ExampleTruncNormal() {
	rng.ManualSeed(0)
	fmt.Println(nninit.TruncNormal(tensor.Zeros(2, 3), 0, 0.02, -0.04, 0.04))
	// Output:
	// tensor([[-0.0002,  0.0139, -0.0248],
	//         [-0.0208, -0.0096,  0.0065]])
}

// torch.manual_seed(0); nn.init.sparse_(torch.empty(4, 3), 0.5, 1.0)
func ExampleSparse() {
	rng.ManualSeed(0)
	fmt.Println(nninit.Sparse(tensor.Zeros(4, 3), 0.5, 1.0))
	// Output:
	// tensor([[ 0.0000,  0.0000,  0.0000],
	//         [ 0.5684,  0.0000,  0.0000],
	//         [ 0.4033,  0.8380, -0.7193],
	//         [ 0.0000, -0.5966,  0.1820]])
}

// torch.manual_seed(0); nn.init.orthogonal_(torch.empty(2, 3))
func ExampleOrthogonal() {
	rng.ManualSeed(0)
	w := nninit.Orthogonal(tensor.Zeros(2, 3))
	fmt.Println(w)
	// Output:
	// tensor([[ 0.5740, -0.1093, -0.8115],
	//         [-0.3454, -0.9309, -0.1189]])
}

// nn.init.eye_(torch.empty(2, 3))
func ExampleEye() {
	fmt.Println(nninit.Eye(tensor.Zeros(2, 3)))
	// Output:
	// tensor([[1., 0., 0.],
	//         [0., 1., 0.]])
}

// nn.init.dirac_(torch.empty(2, 2, 3)): a Conv1d weight that passes its
// input through unchanged.
func ExampleDirac() {
	fmt.Println(nninit.Dirac(tensor.Zeros(2, 2, 3), 1))
	// Output:
	// tensor([[[0., 1., 0.],
	//          [0., 0., 0.]],
	//
	//         [[0., 0., 0.],
	//          [0., 1., 0.]]])
}

// nn.init.constant_(torch.empty(2, 2, dtype=torch.float64), 0.5)
func ExampleConstant() {
	fmt.Println(nninit.Constant(tensor.ZerosOf(tensor.Float64, 2, 2), 0.5))
	// Output:
	// tensor([[0.5000, 0.5000],
	//         [0.5000, 0.5000]], dtype=torch.float64)
}

// The fans of a Conv2d(8, 16, 3) weight.
func ExampleFanInOut() {
	fmt.Println(nninit.FanInOut(tensor.Zeros(16, 8, 3, 3)))
	// Output: 72 144
}

// A generator of one's own, like PyTorch 2.x's generator= argument:
//
//	g = torch.Generator().manual_seed(123)
//	nn.init.kaiming_uniform_(torch.empty(2, 3), generator=g)   # PyTorch >= 2.1
func ExampleWithGenerator() {
	g := rng.NewGenerator()
	g.ManualSeed(123)
	fmt.Println(nninit.KaimingUniform(tensor.Zeros(2, 3), nninit.WithGenerator(g)))
	// Output:
	// tensor([[-0.5767,  0.0468, -0.7024],
	//         [ 0.5333, -1.2050,  1.0367]])
}
