package experiments

import (
	"context"
	"math"
	"testing"

	"github.com/intercept-ml/intercept/data"
	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/optim"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/train"
)

func fitSetup(seed uint64) (*nn.Sequential, *data.TensorDataset, *rng.Generator) {
	g := rng.NewGenerator()
	g.ManualSeed(seed)
	x := g.Randn(40, 3)
	y := x.Narrow(1, 0, 1).MulScalar(2).AddScalar(1)
	return mlp(g, []int{3, 8, 1}, "relu", true), data.NewTensorDataset(x, y), g
}

// fit is train.Step on the batches of a data.Loader drawing from the
// trial's generator: the same losses, bit for bit, as the loop written out.
func TestFitIsTrainStepOverALoader(t *testing.T) {
	for _, batch := range []int{0, 16} {
		model, ds, g := fitSetup(1)
		got, err := fit(context.Background(), model, ds, mse, trainConfig{steps: 7, lr: 0.05, opt: "sgd", batch: batch}, g)
		if err != nil {
			t.Fatal(err)
		}

		model, ds, g = fitSetup(1)
		opt := optim.NewSGD(nn.Parameters(model), optim.LR(0.05))
		opts := []data.LoaderOption{data.WithGenerator(g)}
		size := ds.Len()
		if batch > 0 {
			size, opts = batch, append(opts, data.Shuffle, data.DropLast)
		}
		loader := data.NewLoader(ds, size, opts...)
		var want []float64
	loop:
		for {
			for x, y := range loader.Epoch() {
				v, err := train.Step(len(want), model, opt, mse, x, y)
				if err != nil {
					t.Fatal(err)
				}
				want = append(want, v)
				if len(want) == 7 {
					break loop
				}
			}
		}
		if len(got.losses) != 7 || got.diverged {
			t.Fatalf("batch %d: %d losses recorded, diverged %v", batch, len(got.losses), got.diverged)
		}
		for i := range want {
			if got.losses[i] != want[i] || got.steps[i] != float64(i) {
				t.Errorf("batch %d, step %d: loss %v at step %v, want %v", batch, i, got.losses[i], got.steps[i], want[i])
			}
		}
	}
}

// A NaN loss (a *train.NonFiniteLossError) and a loss above maxLoss are
// recorded as divergence at their step, not returned as errors.
func TestFitDivergence(t *testing.T) {
	model, ds, g := fitSetup(2)
	got, err := fit(context.Background(), model, ds, mse, trainConfig{steps: 50, lr: 1e3, opt: "sgd", every: 10}, g)
	if err != nil {
		t.Fatal(err)
	}
	if !got.diverged || !(math.IsNaN(got.divergedValue) || math.IsInf(got.divergedValue, 0)) || got.divergedStep == 0 {
		t.Fatalf("lr 1e3: diverged %v at step %d with loss %v", got.diverged, got.divergedStep, got.divergedValue)
	}
	if last := len(got.losses) - 1; got.steps[last] != float64(got.divergedStep) || !(math.IsNaN(got.losses[last]) || math.IsInf(got.losses[last], 0)) {
		t.Errorf("the diverged step is not the curve's last point: %v at %v", got.losses[last], got.steps[last])
	}

	model, ds, g = fitSetup(2)
	got, err = fit(context.Background(), model, ds, mse, trainConfig{steps: 50, lr: 0.01, opt: "sgd", maxLoss: 1e-9}, g)
	if err != nil {
		t.Fatal(err)
	}
	if !got.diverged || got.divergedStep != 0 || got.divergedValue <= 1e-9 || len(got.losses) != 1 {
		t.Errorf("maxLoss: diverged %v at step %d with loss %v, %d points", got.diverged, got.divergedStep, got.divergedValue, len(got.losses))
	}
}

func TestFitCancel(t *testing.T) {
	model, ds, g := fitSetup(3)
	ctx, cancel := context.WithCancel(context.Background())
	steps := 0
	_, err := fit(ctx, model, ds, mse, trainConfig{steps: 100, lr: 0.01, opt: "sgd", onStep: func(int) {
		if steps++; steps == 5 {
			cancel()
		}
	}}, g)
	if err != context.Canceled || steps != 5 {
		t.Errorf("err %v after %d steps, want context.Canceled after 5", err, steps)
	}
}
