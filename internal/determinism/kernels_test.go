package determinism

import (
	"hash/fnv"
	"math"
	"testing"

	"github.com/intercept-ml/intercept/internal/kernel"
	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/optim"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

// lstmNet is LSTM(8, 16, batch first) over 6 steps, then Linear(96, 10).
type lstmNet struct {
	LSTM *nn.LSTM
	FC   *nn.Linear
}

func (m *lstmNet) Forward(x *tensor.Tensor) *tensor.Tensor {
	return m.FC.Forward(nn.NewFlatten().Forward(m.LSTM.Forward(x)))
}

// transformerNet is a TransformerEncoderLayer(16, 2) with GELU over 6 steps, then Linear(96, 10).
type transformerNet struct {
	Enc *nn.TransformerEncoderLayer
	FC  *nn.Linear
}

func (m *transformerNet) Forward(x *tensor.Tensor) *tensor.Tensor {
	return m.FC.Forward(nn.NewFlatten().Forward(m.Enc.Forward(x)))
}

// trainHashAdam is trainModelHash with Adam: the hash of every loss and every parameter after
// steps steps on random inputs of the given shape from a fixed seed.
func trainHashAdam(build func() nn.Module, shape []int, steps int) uint64 {
	batch := shape[0]
	rng.ManualSeed(11)
	m := build()
	opt := optim.NewAdam(nn.Parameters(m), optim.LR(0.01))
	x := rng.Randn(shape...)
	labels := make([]int64, batch)
	for i := range labels {
		labels[i] = int64(i*3) % 10
	}
	y := tensor.FromInt64(labels, batch)
	h := fnv.New64a()
	put := func(v float32) {
		u := math.Float32bits(v)
		h.Write([]byte{byte(u), byte(u >> 8), byte(u >> 16), byte(u >> 24)})
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

// TestTrainingBitIdenticalAcrossKernels trains an MLP and a LeNet-like CNN (SGD with momentum),
// an LSTM and a Transformer encoder layer with GELU (Adam), forward, backward and optimizer
// steps, with every kernel implementation this CPU can run, and requires the same bits from
// each: every implementation follows one arithmetic (see internal/kernel). Implementations the
// CPU lacks are skipped with a message.
func TestTrainingBitIdenticalAcrossKernels(t *testing.T) {
	active := kernel.Name()
	defer kernel.Use(active)
	avail := kernel.Available()
	for _, name := range []string{"avx512", "avx2", "purego"} {
		found := false
		for _, a := range avail {
			found = found || a == name
		}
		if !found {
			t.Logf("kernel %s: not available on this CPU or build, skipped", name)
		}
	}
	if len(avail) < 2 {
		t.Skipf("only %v available: nothing to compare", avail)
	}
	cases := []struct {
		name  string
		train func() uint64
	}{
		{"mlp", func() uint64 { return trainModelHash(newMLP, []int{32, 784}, 3) }},
		{"convnet", func() uint64 { return trainModelHash(newConvNet, []int{16, 1, 28, 28}, 2) }},
		{"lstm", func() uint64 {
			return trainHashAdam(func() nn.Module {
				return &lstmNet{LSTM: nn.NewLSTM(8, 16, nn.BatchFirst), FC: nn.NewLinear(96, 10)}
			}, []int{16, 6, 8}, 4)
		}},
		{"transformer", func() uint64 {
			return trainHashAdam(func() nn.Module {
				return &transformerNet{
					Enc: nn.NewTransformerEncoderLayer(16, 2, nn.DimFeedforward(32), nn.DropoutProb(0), nn.ActivationGELU, nn.BatchFirst),
					FC:  nn.NewLinear(96, 10),
				}
			}, []int{16, 6, 16}, 4)
		}},
	}
	for _, c := range cases {
		var ref uint64
		for i, name := range avail {
			if err := kernel.Use(name); err != nil {
				t.Fatal(err)
			}
			got := c.train()
			if i == 0 {
				ref = got
				continue
			}
			if got != ref {
				t.Errorf("%s: kernel %s gives hash %#x, kernel %s %#x", c.name, name, got, avail[0], ref)
			}
		}
		t.Logf("%s: %#x with %v", c.name, ref, avail)
	}
}
