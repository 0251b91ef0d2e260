package train_test

import (
	"testing"

	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/optim"
)

// smallStep returns one training step (zero grad, forward, MSE, backward,
// SGD) of Linear(3, 1) on a batch of 4, the size of the lab's networks.
func smallStep() func() {
	g := seeded(0)
	layer := nn.NewLinear(3, 1, nn.WithGenerator(g))
	opt := optim.NewSGD(nn.Parameters(layer), optim.SGDConfig{LR: 0.01})
	x, y := g.Randn(4, 3), g.Randn(4, 1)
	return func() {
		opt.ZeroGrad()
		loss := nn.MSELoss(layer.Forward(x), y)
		loss.Backward()
		opt.Step()
	}
}

// TestSmallStepAllocations guards the allocation count of a small training
// step: the lab trains thousands of such networks, and each allocation
// costs time and garbage collection. It was 69 before tensors were
// allocated in one block with their shape and storage, small optimizer
// and element-wise steps stopped building closures for the worker pool,
// losses and Linear stopped copying shapes and results, the optimizers
// stopped detaching contiguous parameters and small bias gradients were
// summed on the stack; it is 23 now.
func TestSmallStepAllocations(t *testing.T) {
	step := smallStep()
	step()
	const budget = 26
	if got := testing.AllocsPerRun(200, step); got > budget {
		t.Errorf("Linear(3,1) training step: %.0f allocations, want at most %d", got, budget)
	}
}

// BenchmarkSmallStep measures the latency of smallStep.
func BenchmarkSmallStep(b *testing.B) {
	step := smallStep()
	b.ReportAllocs()
	for b.Loop() {
		step()
	}
}
