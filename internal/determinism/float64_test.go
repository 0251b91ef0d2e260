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

// newMLP64 returns Linear(784, 256) → ReLU → Linear(256, 256) → ReLU → Linear(256, 10) in
// float64: its products run on the float64 GEMM micro-kernels, the larger ones split across
// goroutines.
func newMLP64() nn.Module {
	f64 := nn.WithDType(tensor.Float64)
	return nn.NewSequential(
		nn.NewLinear(784, 256, f64), nn.NewReLU(),
		nn.NewLinear(256, 256, f64), nn.NewReLU(),
		nn.NewLinear(256, 10, f64),
	)
}

// trainHash64 trains the float64 model made by build for steps steps (SGD with momentum, or
// Adam) on float64 random inputs of the given shape from a fixed seed, and returns a hash of the
// bits of every loss and every parameter.
func trainHash64(build func() nn.Module, shape []int, steps int, adam bool) uint64 {
	batch := shape[0]
	rng.ManualSeed(5)
	m := build()
	var opt optim.Optimizer
	if adam {
		opt = optim.NewAdam(nn.Parameters(m), optim.LR(0.01))
	} else {
		opt = optim.NewSGD(nn.Parameters(m), optim.LR(0.05), optim.Momentum(0.9))
	}
	x := rng.RandnOf(tensor.Float64, shape...)
	labels := make([]int64, batch)
	for i := range labels {
		labels[i] = int64(i*7) % 10
	}
	y := tensor.FromInt64(labels, batch)
	h := fnv.New64a()
	var buf [8]byte
	put := func(v float64) {
		u := math.Float64bits(v)
		for i := range buf {
			buf[i] = byte(u >> (8 * i))
		}
		h.Write(buf[:])
	}
	for range steps {
		opt.ZeroGrad()
		loss := nn.CrossEntropyLoss(m.Forward(x), y)
		loss.Backward()
		opt.Step()
		put(loss.Item())
	}
	for _, p := range nn.Parameters(m) {
		if p.DType() != tensor.Float64 {
			panic("determinism: the float64 model has a " + p.DType().String() + " parameter")
		}
		for _, v := range p.Float64s() {
			put(v)
		}
	}
	return h.Sum64()
}

// TestFloat64TrainingBitIdentical trains a float64 MLP (SGD with momentum, and Adam) with every
// kernel implementation this CPU can run, at GOMAXPROCS 1, 2 and 8, and requires the same bits
// from each: the AVX-512 and AVX2 float64 micro-kernels and element-wise kernels follow the
// portable code's arithmetic.
func TestFloat64TrainingBitIdentical(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	active := kernel.Name()
	defer kernel.Use(active)
	avail := kernel.Available()
	for _, adam := range []bool{false, true} {
		var ref uint64
		var refName string
		for _, name := range avail {
			if err := kernel.Use(name); err != nil {
				t.Fatal(err)
			}
			for _, procs := range []int{1, 2, 8} {
				runtime.GOMAXPROCS(procs)
				got := trainHash64(newMLP64, []int{64, 784}, 3, adam)
				if refName == "" {
					ref, refName = got, name+" at GOMAXPROCS=1"
					continue
				}
				if got != ref {
					t.Errorf("adam=%v: kernel %s at GOMAXPROCS=%d gives hash %#x, %s %#x", adam, name, procs, got, refName, ref)
				}
			}
		}
		t.Logf("adam=%v: %#x with %v", adam, ref, avail)
	}
}
