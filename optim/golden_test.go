package optim_test

import (
	"math"
	"testing"

	"github.com/intercept-ml/intercept/internal/golden"
	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/optim"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

// TestGoldenOptim replays the golden "optim" section: the MLP of the
// "mlp" section (manual_seed(42); Linear(3,4)-ReLU-Linear(4,1)), trained
// for 3 steps of zero_grad, mse_loss(...).backward(), step with each of
// seven optimizer settings, entirely in Go (forward, loss, backward,
// update). Every parameter after every step must equal PyTorch's bit for
// bit.
func TestGoldenOptim(t *testing.T) {
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
		"SGD(lr=0.1)": func(p []*tensor.Tensor) optim.Optimizer { return optim.NewSGD(p, optim.SGDConfig{LR: 0.1}) },
		"SGD(lr=0.1,momentum=0.9)": func(p []*tensor.Tensor) optim.Optimizer {
			return optim.NewSGD(p, optim.SGDConfig{LR: 0.1, Momentum: 0.9})
		},
		"SGD(lr=0.1,momentum=0.9,dampening=0.1,weight_decay=0.01)": func(p []*tensor.Tensor) optim.Optimizer {
			return optim.NewSGD(p, optim.SGDConfig{LR: 0.1, Momentum: 0.9, Dampening: 0.1, WeightDecay: 0.01})
		},
		"SGD(lr=0.1,momentum=0.9,nesterov=True)": func(p []*tensor.Tensor) optim.Optimizer {
			return optim.NewSGD(p, optim.SGDConfig{LR: 0.1, Momentum: 0.9, Nesterov: true})
		},
		"Adam(lr=0.01)": func(p []*tensor.Tensor) optim.Optimizer { return optim.NewAdam(p, optim.AdamConfig{LR: 0.01}) },
		"Adam(lr=0.01,weight_decay=0.1)": func(p []*tensor.Tensor) optim.Optimizer {
			return optim.NewAdam(p, optim.AdamConfig{LR: 0.01, WeightDecay: optim.F(0.1)})
		},
		"AdamW(lr=0.01,weight_decay=0.1)": func(p []*tensor.Tensor) optim.Optimizer {
			return optim.NewAdamW(p, optim.AdamConfig{LR: 0.01, WeightDecay: optim.F(0.1)})
		},
	}
	total, diff := 0, 0
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
				bad := 0
				for i, b := range w.Bits32() {
					total++
					if math.Float32bits(got[i]) != b {
						bad++
					}
				}
				diff += bad
				if bad > 0 {
					t.Errorf("%s step %d %s: %d of %d values differ from PyTorch", c.Optimizer, step+1, p.Name, bad, len(got))
				}
			}
		}
	}
	t.Logf("golden optim: %d cases, %d parameter values compared, %d differ", len(cases), total, diff)
}

func f32s(v []float64) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x)
	}
	return out
}
