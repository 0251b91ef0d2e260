package determinism

import (
	"hash/fnv"
	"math"
	"runtime"
	"testing"

	"github.com/intercept-ml/intercept/internal/kernel"
	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/optim"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

// mlp is Linear(784, 256) → ReLU → Linear(256, 10): its first layer's
// products are large enough to be split across goroutines.
type mlp struct {
	FC1, FC2 *nn.Linear
}

func (m *mlp) Forward(x *tensor.Tensor) *tensor.Tensor {
	return m.FC2.Forward(m.FC1.Forward(x).ReLU())
}

// newMLP returns the MLP.
func newMLP() nn.Module { return &mlp{FC1: nn.NewLinear(784, 256), FC2: nn.NewLinear(256, 10)} }

// newConvNet returns a LeNet-like network on 1×28×28 inputs: its
// convolutions cut the batch into tasks whose weight gradients are summed
// afterwards, and its products are split across goroutines.
func newConvNet() nn.Module {
	return nn.NewSequential(
		nn.NewConv2d(1, 6, 5, nn.Padding(2)), nn.NewReLU(), nn.NewMaxPool2d(2),
		nn.NewConv2d(6, 16, 5), nn.NewReLU(), nn.NewMaxPool2d(2),
		nn.NewFlatten(), nn.NewLinear(400, 10),
	)
}

// trainModelHash trains the model made by build for steps SGD steps on random inputs
// of the given shape from a fixed seed, and returns a hash of the bits of every loss
// and of every parameter.
func trainModelHash(build func() nn.Module, shape []int, steps int) uint64 {
	batch := shape[0]
	rng.ManualSeed(7)
	m := build()
	opt := optim.NewSGD(nn.Parameters(m), optim.LR(0.05), optim.Momentum(0.9))
	x := rng.Randn(shape...)
	labels := make([]int64, batch)
	for i := range labels {
		labels[i] = int64(i*7) % 10
	}
	y := tensor.FromInt64(labels, batch)
	h := fnv.New64a()
	var buf [4]byte
	put := func(v float32) {
		u := math.Float32bits(v)
		buf[0], buf[1], buf[2], buf[3] = byte(u), byte(u>>8), byte(u>>16), byte(u>>24)
		h.Write(buf[:])
	}
	for range steps {
		opt.ZeroGrad()
		loss := nn.CrossEntropyLoss(m.Forward(x), y)
		loss.Backward()
		opt.Step()
		put(float32(loss.Item()))
	}
	for _, p := range nn.Parameters(m) {
		for _, v := range p.Float32s() {
			put(v)
		}
	}
	return h.Sum64()
}

// TestTrainingBitIdenticalAcrossGOMAXPROCS runs the same short training at
// GOMAXPROCS 1, 2 and 8 with each available kernel implementation and
// requires identical bits.
func TestTrainingBitIdenticalAcrossGOMAXPROCS(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	active := kernel.Name()
	defer kernel.Use(active)
	for _, name := range kernel.Available() {
		t.Run(name, func(t *testing.T) {
			if err := kernel.Use(name); err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				name  string
				build func() nn.Module
				shape []int
			}{
				{"mlp", newMLP, []int{64, 784}},
				{"convnet", newConvNet, []int{32, 1, 28, 28}},
			} {
				var ref uint64
				for i, procs := range []int{1, 2, 8} {
					runtime.GOMAXPROCS(procs)
					got := trainModelHash(c.build, c.shape, 4)
					if i == 0 {
						ref = got
						continue
					}
					if got != ref {
						t.Errorf("%s, GOMAXPROCS=%d: hash %#x, want %#x (GOMAXPROCS=1)", c.name, procs, got, ref)
					}
				}
			}
		})
	}
}

// BenchmarkTrainStep reports the time and allocations of one training step
// (zero grad, forward, loss, backward, SGD step) of the MLP at batch 64.
func BenchmarkTrainStep(b *testing.B) {
	rng.ManualSeed(7)
	m := &mlp{FC1: nn.NewLinear(784, 256), FC2: nn.NewLinear(256, 10)}
	opt := optim.NewSGD(nn.Parameters(m), optim.LR(0.01))
	x := rng.Randn(64, 784)
	labels := make([]int64, 64)
	y := tensor.FromInt64(labels, 64)
	b.ReportAllocs()
	for range b.N {
		opt.ZeroGrad()
		loss := nn.CrossEntropyLoss(m.Forward(x), y)
		loss.Backward()
		opt.Step()
	}
}
