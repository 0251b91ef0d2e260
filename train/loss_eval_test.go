package train_test

import (
	"math"
	"testing"

	"github.com/intercept-ml/intercept/data"
	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
	"github.com/intercept-ml/intercept/train"
)

func mse(out, target *tensor.Tensor) *tensor.Tensor { return nn.MSELoss(out, target) }

func TestMeanLoss(t *testing.T) {
	g := rng.NewGenerator()
	g.ManualSeed(3)
	x := g.Randn(10, 4)
	y := tensor.FromInt64([]int64{0, 2, 1, 1, 0, 2, 2, 0, 1, 0})
	model := nn.NewSequential(nn.NewLinear(4, 8, nn.WithGenerator(g)), nn.NewReLU(), nn.NewLinear(8, 3, nn.WithGenerator(g)))
	ds := data.NewTensorDataset(x, y)

	var want float64
	tensor.NoGrad(func() { want = nn.CrossEntropyLoss(model.Forward(x), y).Item() })
	for _, bs := range []int{10, 64} {
		if got := train.MeanLoss(model, ds, bs, train.CrossEntropy); got != want {
			t.Errorf("MeanLoss(batch %d) = %v, want the whole-set loss %v bit for bit", bs, got, want)
		}
	}

	// In batches of 4, 4 and 2: the batch means weighted by their sizes.
	var sum float64
	tensor.NoGrad(func() {
		for _, r := range [][2]int{{0, 4}, {4, 4}, {8, 2}} {
			sum += nn.CrossEntropyLoss(model.Forward(x.Narrow(0, r[0], r[1])), y.Narrow(0, r[0], r[1])).Item() * float64(r[1])
		}
	})
	if got := train.MeanLoss(model, ds, 4, train.CrossEntropy); got != sum/10 {
		t.Errorf("MeanLoss(batch 4) = %v, want %v", got, sum/10)
	}
	if math.Abs(sum/10-want) > 1e-6 {
		t.Errorf("batched mean %v is far from the whole-set mean %v", sum/10, want)
	}
	if x.Grad != nil || model.Layers()[0].(*nn.Linear).Weight.Grad != nil {
		t.Error("MeanLoss left gradients")
	}
}

func TestMeanLossEvalMode(t *testing.T) {
	g := rng.NewGenerator()
	g.ManualSeed(1)
	model := nn.NewSequential(nn.NewLinear(3, 2, nn.WithGenerator(g)), nn.NewDropout(0.5))
	ds := data.NewTensorDataset(g.Randn(6, 3), g.Randn(6, 2))
	a := train.MeanLoss(model, ds, 6, mse)
	b := train.MeanLoss(model, ds, 6, mse)
	if a != b {
		t.Errorf("MeanLoss is not deterministic (%v, %v): dropout was active", a, b)
	}
}

func TestMeanLossPanics(t *testing.T) {
	model := nn.NewLinear(2, 1)
	for name, f := range map[string]func(){
		"empty":     func() { train.MeanLoss(model, data.NewTensorDataset(tensor.Zeros(0, 2), tensor.Zeros(0, 1)), 4, mse) },
		"batch 0":   func() { train.MeanLoss(model, data.NewTensorDataset(tensor.Zeros(3, 2), tensor.Zeros(3, 1)), 0, mse) },
		"no labels": func() { train.MeanLoss(model, data.NewTensorDataset(tensor.Zeros(3, 2), nil), 4, mse) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}
