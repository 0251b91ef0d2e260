package optim_test

import (
	"math"
	"testing"

	"github.com/intercept-ml/intercept/internal/golden"
	"github.com/intercept-ml/intercept/internal/kernel"
	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/optim"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

// TestGoldenOptim replays the golden "optim" section: the MLP of the
// "mlp" section (manual_seed(42); Linear(3,4)-ReLU-Linear(4,1)), trained
// for 3 steps of zero_grad, mse_loss(...).backward(), step with each of
// seven optimizer settings, entirely in Go (forward, loss, backward,
// update). Every parameter after every step must equal PyTorch's within
// 1e-5 relative to the tensor's largest value with the active kernel. Not
// bit for bit in general: the forward and backward products go through the
// matrix kernel, whose rounding depends on the BLAS (PyTorch with the
// reference BLAS, which made these values, sums without FMA; OpenBLAS, MKL
// and every intercept kernel with it). With kernel.UseReference, the
// test-only GEMM that sums as the reference BLAS does, every value must be
// bit-identical. The update rules themselves are compared bit for bit from
// identical gradients in pytorch_test.go.
func TestGoldenOptim(t *testing.T) {
	t.Run("active", func(t *testing.T) { replayGoldenOptim(t, false) })
	t.Run("reference", func(t *testing.T) {
		defer kernel.UseReference()()
		replayGoldenOptim(t, true)
	})
}

// replayGoldenOptim runs TestGoldenOptim with the active kernel, requiring
// bit-identical values when bits is set.
func replayGoldenOptim(t *testing.T, bits bool) {
	var mlp struct{ X, Y golden.Tensor }
	golden.Section(t, "mlp", &mlp)
	var cases []struct {
		Optimizer  string
		StepsAfter []map[string]golden.Tensor `json:"steps_after"`
	}
	golden.Section(t, "optim", &cases)
	x := tensor.FromFloat32(f32s(mlp.X.Values), mlp.X.Shape...)
	y := tensor.FromFloat32(f32s(mlp.Y.Values), mlp.Y.Shape...)
	build := map[string]func(p []*tensor.Tensor) optim.Optimizer{
		"SGD(lr=0.1)": func(p []*tensor.Tensor) optim.Optimizer { return optim.NewSGD(p, optim.LR(0.1)) },
		"SGD(lr=0.1,momentum=0.9)": func(p []*tensor.Tensor) optim.Optimizer {
			return optim.NewSGD(p, optim.LR(0.1), optim.Momentum(0.9))
		},
		"SGD(lr=0.1,momentum=0.9,dampening=0.1,weight_decay=0.01)": func(p []*tensor.Tensor) optim.Optimizer {
			return optim.NewSGD(p, optim.LR(0.1), optim.Momentum(0.9), optim.Dampening(0.1), optim.WeightDecay(0.01))
		},
		"SGD(lr=0.1,momentum=0.9,nesterov=True)": func(p []*tensor.Tensor) optim.Optimizer {
			return optim.NewSGD(p, optim.LR(0.1), optim.Momentum(0.9), optim.Nesterov)
		},
		"Adam(lr=0.01)": func(p []*tensor.Tensor) optim.Optimizer { return optim.NewAdam(p, optim.LR(0.01)) },
		"Adam(lr=0.01,weight_decay=0.1)": func(p []*tensor.Tensor) optim.Optimizer {
			return optim.NewAdam(p, optim.LR(0.01), optim.WeightDecay(0.1))
		},
		"AdamW(lr=0.01,weight_decay=0.1)": func(p []*tensor.Tensor) optim.Optimizer {
			return optim.NewAdamW(p, optim.LR(0.01), optim.WeightDecay(0.1))
		},
	}
	total, diff, worst := 0, 0, 0.0
	for _, c := range cases {
		mk, ok := build[c.Optimizer]
		if !ok {
			t.Errorf("no Go optimizer for golden case %q", c.Optimizer)
			continue
		}
		rng.ManualSeed(42)
		model := nn.NewSequential(nn.NewLinear(3, 4), nn.NewReLU(), nn.NewLinear(4, 1))
		opt := mk(nn.Parameters(model))
		for step, want := range c.StepsAfter {
			opt.ZeroGrad()
			nn.MSELoss(model.Forward(x), y).Backward()
			opt.Step()
			for _, p := range nn.NamedParameters(model) {
				w, ok := want[p.Name]
				if !ok {
					t.Fatalf("%s: golden has no %s", c.Optimizer, p.Name)
				}
				got := p.Tensor.Float32s()
				scale := 0.0 // relative to the tensor's largest value: elements near 0 carry others' rounding
				for _, b := range w.Bits32() {
					scale = math.Max(scale, math.Abs(float64(math.Float32frombits(b))))
				}
				for i, b := range w.Bits32() {
					total++
					want := math.Float32frombits(b)
					if math.Float32bits(got[i]) != b {
						diff++
					}
					rel := math.Abs(float64(got[i])-float64(want)) / math.Max(scale, 1e-30)
					worst = math.Max(worst, rel)
					if rel > 1e-5 {
						t.Errorf("%s step %d %s[%d]: %g, PyTorch %g (relative difference %.2g)", c.Optimizer, step+1, p.Name, i, got[i], want, rel)
					}
				}
			}
		}
	}
	if bits && diff > 0 {
		t.Errorf("with the reference GEMM every value should be bit-identical to PyTorch's; %d are not", diff)
	}
	t.Logf("golden optim (kernel %s): %d cases, %d parameter values compared, %d not bit-identical, max relative difference %.3g",
		kernel.Name(), len(cases), total, diff, worst)
}

func f32s(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}
