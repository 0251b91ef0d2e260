package stats_test

import (
	"os"

	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/nn/stats"
	"github.com/intercept-ml/intercept/optim"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

// Attach a recorder to an MLP, run one training step, and print the
// per-layer table: activation and gradient spread, weight spread, the
// update-to-weight ratio of SGD's step, dead ReLU units and saturated
// tanh outputs. PyTorch gives the same figures for the same model and
// seed, computed with hooks.
func ExampleAttach() {
	rng.ManualSeed(0)
	model := nn.NewSequential(
		nn.NewLinear(16, 32), nn.NewReLU(),
		nn.NewLinear(32, 32), nn.NewTanh(),
		nn.NewLinear(32, 4))
	opt := optim.NewSGD(nn.Parameters(model), optim.LR(0.1))
	rec := stats.Attach(model)
	defer rec.Close()

	x := rng.Default().Randn(64, 16)
	labels := make([]int64, 64)
	for i := range labels {
		labels[i] = int64(i % 4)
	}
	y := tensor.FromInt64(labels)
	opt.ZeroGrad()
	nn.CrossEntropyLoss(model.Forward(x), y).Backward()
	opt.Step()
	stats.WriteTable(os.Stdout, rec.Step())
	// Output:
	// layer    type   act mean  act std   grad std  weight std  w.grad std  update/w  bias std  dead  saturated
	//       0  Linear    -0.0175   0.5978  0.0005001      0.1459    0.004111   0.00282    0.1262     -          -
	//       1    ReLU     0.2291   0.3504  0.0007274           -           -         -         -  0.0%          -
	//       2  Linear   0.001881   0.2896   0.001287      0.1047    0.003441   0.00329   0.09006     -          -
	//       3    Tanh  0.0008551   0.2681   0.001388           -           -         -         -     -       0.0%
	//       4  Linear    0.06988   0.1434   0.006805      0.1007     0.01056    0.0105     0.104     -          -
}
