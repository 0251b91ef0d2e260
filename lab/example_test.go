package lab_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/intercept-ml/intercept/lab"
	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/optim"
	"github.com/intercept-ml/intercept/tensor"
)

// An experiment is a value: parameters, the variants it compares, a trial
// function and an analysis. The Runner runs every variant with every seed
// (in parallel, with a per-trial generator) and WriteReport turns the
// results into report.html, results.json and plots.
func Example() {
	exp := &lab.Experiment{
		Name:  "offset",
		Title: "Fitting y = 2x + 3 with and without a bias",
		Claim: "A neuron without bias cannot fit a target with an offset.",
		Params: []lab.Param{
			{Name: "steps", Default: "200", Kind: lab.Int, Help: "SGD steps"},
		},
		Variants: func(lab.Config) ([]lab.Variant, error) {
			return []lab.Variant{
				{Key: "bias=on", Label: "with bias", Params: map[string]string{"bias": "on"}},
				{Key: "bias=off", Label: "without bias", Params: map[string]string{"bias": "off"}},
			}, nil
		},
		Run: func(ctx context.Context, t lab.Trial) (*lab.TrialResult, error) {
			x := tensor.Linspace(-1, 1, 32).Reshape(32, 1)
			y := x.MulScalar(2).AddScalar(3)
			model := nn.NewLinear(1, 1, nn.Bias(t.Variant.Params["bias"] == "on"), nn.WithGenerator(t.Gen))
			opt := optim.NewSGD(nn.Parameters(model), optim.LR(0.1))
			for range t.Config.Int("steps") {
				opt.ZeroGrad()
				nn.MSELoss(model.Forward(x), y).Backward()
				opt.Step()
			}
			res := lab.NewResult()
			tensor.NoGrad(func() { res.Scalars["loss"] = nn.MSELoss(model.Forward(x), y).Item() })
			return res, nil
		},
		Analyze: func(r *lab.ExperimentResult) lab.Analysis {
			on, off := r.Variant("bias=on").Scalar("loss"), r.Variant("bias=off").Scalar("loss")
			v := lab.Verdict{Status: lab.Supported, Text: fmt.Sprintf("final MSE %.4f with bias, %.4f without", on.Mean, off.Mean)}
			return lab.Analysis{Verdict: v}
		},
	}
	reg := &lab.Registry{}
	reg.Register(exp)
	cfg, err := exp.Resolve(false, map[string]string{"steps": "300"}, "")
	if err != nil {
		log.Fatal(err)
	}

	dir, _ := os.MkdirTemp("", "lab-example")
	defer os.RemoveAll(dir)
	runner := &lab.Runner{Dir: dir}
	results, err := runner.Run(context.Background(), []lab.Plan{{Exp: exp, Config: cfg, Seeds: []uint64{0, 1, 2}}})
	if err != nil {
		log.Fatal(err)
	}
	lab.Analyze(reg, results)
	if err := lab.WriteReport(dir, &lab.Results{Experiments: results}); err != nil {
		log.Fatal(err)
	}
	v := results[0].Analysis.Verdict
	fmt.Printf("%s: %s\n", v.Status, v.Text)
	// Output:
	// supported: final MSE 0.0000 with bias, 9.0000 without
}
