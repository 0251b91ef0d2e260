package train_test

import (
	"runtime"
	"testing"

	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/optim"
)

// smallStep returns one training step (zero grad, forward, MSE, backward,
// SGD) of Linear(3, 1) on a batch of 4, the size of the lab's networks.
func smallStep() func() {
	g := seeded(0)
	layer := nn.NewLinear(3, 1, nn.WithGenerator(g))
	opt := optim.NewSGD(nn.Parameters(layer), optim.LR(0.01))
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
// costs time and garbage collection.
func TestSmallStepAllocations(t *testing.T) {
	step := smallStep()
	step()
	const budget = 24
	if got := testing.AllocsPerRun(200, step); got > budget {
		t.Errorf("Linear(3,1) training step: %.0f allocations, want at most %d", got, budget)
	}
}

// TestMLPStepBytes guards the memory allocated by a training step of the
// MLP 784-256-256-10 at batch 64: what a step allocates decides how often
// the garbage collector runs, and each collection stalls the steps it
// overlaps. A step allocated 347 KB before Sequential fused each Linear
// with the ReLU after it (one activation of 64 KB fewer per pair) and
// recycled gradients survived collections, 180 KB before Backward recycled
// the fused layers' outputs (tensorinternal.RecycleAfterBackward), 49 KB before
// storage descriptors shrank, cross-entropy stopped copying its results
// and gradients from 4 KiB on were recycled, and about 24 KB now.
//
// It runs on two goroutines whatever the machine, and takes the least of
// three windows of steps: the packing buffers of each participant in the
// parallel loops grow at whichever step it first takes a task of a given
// product, which can fall in a measured step (more often with more
// goroutines, or on a loaded machine: CI once measured 34.6 KB in one
// window). That growth happens once; what a step allocates every time
// shows in every window.
func TestMLPStepBytes(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	step, _ := mlpStep()
	for range 5 {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	const steps, windows = 20, 3
	got := uint64(1 << 62)
	for range windows {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for range steps {
			if err := step(); err != nil {
				t.Fatal(err)
			}
		}
		runtime.ReadMemStats(&after)
		got = min(got, (after.TotalAlloc-before.TotalAlloc)/steps)
	}
	const budget = 32 << 10
	t.Logf("%d bytes per step (least of %d windows)", got, windows)
	if got > budget {
		t.Errorf("MLP b64 training step allocates %d bytes, want at most %d", got, budget)
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
