package lab_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/intercept-ml/intercept/data"
	"github.com/intercept-ml/intercept/lab"
	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/optim"
	"github.com/intercept-ml/intercept/tensor"
	"github.com/intercept-ml/intercept/train"
)

// withBias is the typed condition of the example's variants.
type withBias bool

func (b withBias) Settings() []lab.Setting {
	if b {
		return []lab.Setting{lab.Set("bias", "on")}
	}
	return []lab.Setting{lab.Set("bias", "off")}
}

func mse(out, target *tensor.Tensor) *tensor.Tensor { return nn.MSELoss(out, target) }

// An experiment is a value: parameters, the variants it compares (typed
// conditions), a trial function that trains with the train and data
// packages, and an analysis. The pipeline plans it (NewPlans), runs every
// variant with every seed (Runner.Run, in parallel, with a per-trial
// generator), then analyzes the results and writes report.html,
// results.json, metrics.parquet and plots (Report).
func Example() {
	exp := &lab.Experiment{
		Name:  "offset",
		Title: "Fitting y = 2x + 3 with and without a bias",
		Claim: "A neuron without bias cannot fit a target with an offset.",
		Params: []lab.Param{
			{Name: "steps", Default: "200", Kind: lab.Int, Min: 1, Max: 100000, Help: "SGD steps"},
		},
		Variants: func(lab.Config) ([]lab.Variant, error) {
			return []lab.Variant{lab.NewVariant(withBias(true)), lab.NewVariant(withBias(false))}, nil
		},
		Run: func(ctx context.Context, t lab.Trial) (*lab.TrialResult, error) {
			x := tensor.Linspace(-1, 1, 32).Reshape(32, 1)
			set := data.NewTensorDataset(x, x.MulScalar(2).AddScalar(3))
			bias := bool(t.Variant.Cond.(withBias))
			model := nn.NewLinear(1, 1, nn.Bias(bias), nn.WithGenerator(t.Gen))
			tr := &train.Trainer{
				Model:     model,
				Optimizer: optim.NewSGD(nn.Parameters(model), optim.LR(0.1)),
				Loader:    data.NewLoader(set, set.Len(), data.WithGenerator(t.Gen)), // full batch
				Loss:      mse,
				OnStep:    func(int, float64) error { return ctx.Err() },
			}
			defer tr.Close()
			res := lab.NewResult()
			if err := tr.Run(t.Config.Int("steps")); err != nil {
				return nil, err // a *train.NonFiniteLossError would be recorded as res.Diverged
			}
			res.Scalars["loss"] = train.MeanLoss(model, set, set.Len(), mse)
			return res, nil
		},
		Analyze: func(r *lab.ExperimentResult) lab.Analysis {
			on, off := r.VariantOf(withBias(true)).Scalar("loss"), r.VariantOf(withBias(false)).Scalar("loss")
			v := lab.Verdict{Status: lab.Supported, Text: fmt.Sprintf("final MSE %.4f with bias, %.4f without", on.Mean, off.Mean)}
			return lab.Analysis{Verdict: v}
		},
	}
	reg := &lab.Registry{}
	reg.Register(exp)
	plans, err := lab.NewPlans(reg.All(), lab.PlanOptions{Overrides: map[string]string{"steps": "300"}, Seeds: []uint64{0, 1, 2}})
	if err != nil {
		log.Fatal(err)
	}

	dir, _ := os.MkdirTemp("", "lab-example")
	defer os.RemoveAll(dir)
	results, err := (&lab.Runner{Dir: dir}).Run(context.Background(), plans)
	if err != nil {
		log.Fatal(err)
	}
	if err := lab.Report(reg, dir, &lab.Results{Experiments: results}); err != nil {
		log.Fatal(err)
	}
	v := results[0].Analysis.Verdict
	fmt.Printf("%s: %s\n", v.Status, v.Text)
	// Output:
	// supported: final MSE 0.0000 with bias, 9.0000 without
}
