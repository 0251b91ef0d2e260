package nn_test

import (
	"fmt"

	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/tensor"
)

// InstanceNorm has no parameters and no running statistics unless asked,
// as in PyTorch; with them it has BatchNorm's state-dict keys.
func ExampleNewInstanceNorm2d() {
	fmt.Println(nn.NewInstanceNorm2d(3))
	m := nn.NewInstanceNorm2d(3, nn.Affine(true), nn.TrackRunningStats(true))
	fmt.Println(nn.StateDictOf(m).Keys())
	// Output:
	// InstanceNorm2d(3, eps=1e-05, momentum=0.1, affine=False, track_running_stats=False)
	// [weight bias running_mean running_var num_batches_tracked]
}

// GroupNorm normalizes groups of channels of each sample; its weight starts
// at ones and its bias at zeros.
func ExampleNewGroupNorm() {
	m := nn.NewGroupNorm(2, 4)
	fmt.Println(m)
	x := tensor.FromFloat32([]float32{1, 3, 10, 30}, 1, 4)
	fmt.Printf("%.4f\n", m.Forward(x).Float32s())
	// Output:
	// GroupNorm(2, 4, eps=1e-05, affine=True)
	// [-1.0000 1.0000 -1.0000 1.0000]
}

// PReLU's slope is a parameter, "weight" in the state dict, 0.25 at first.
func ExampleNewPReLU() {
	m := nn.NewPReLU(nn.PReLUParameters(3))
	fmt.Println(m, nn.StateDictOf(m).Keys(), m.Weight.Float32s())
	fmt.Println(m.Forward(tensor.FromFloat32([]float32{-4, 2, -8}, 1, 3)).Float32s())
	// Output:
	// PReLU(num_parameters=3) [weight] [0.25 0.25 0.25]
	// [-1 2 -2]
}

// The activations take their function's options under the same names.
func ExampleNewSoftplus() {
	fmt.Println(nn.NewSoftplus())
	fmt.Println(nn.NewSoftplus(nn.Beta(2), nn.SoftplusThreshold(10)))
	fmt.Println(nn.NewELU(nn.Alpha(0.5)), nn.NewHardtanh(nn.MinVal(-2), nn.MaxVal(3)), nn.NewGELU(nn.ApproximateTanh))
	// Output:
	// Softplus(beta=1, threshold=20)
	// Softplus(beta=2, threshold=10)
	// ELU(alpha=0.5) Hardtanh(min_val=-2.0, max_val=3.0) GELU(approximate='tanh')
}
