package experiments

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/intercept-ml/intercept/lab"
	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/nn/stats"
	"github.com/intercept-ml/intercept/tensor"
	"github.com/intercept-ml/intercept/train"
)

// DyingReLU measures the share of dead ReLU units against the bias and
// weight initialization.
func DyingReLU() *lab.Experiment {
	return &lab.Experiment{
		Name:   "dying-relu",
		Title:  "8. Dying ReLU units against bias and weight init",
		Claim:  "He initialization prevents neurons from becoming inactive in ReLU networks; a small positive bias keeps ReLU units alive, a negative one kills them.",
		Source: "the document, He initialization: “It prevents neurons from becoming inactive in ReLU networks”; the common advice to start ReLU biases at 0.01 (e.g. cs231n)",
		Params: []lab.Param{
			{Name: "bias_inits", Default: "0,0.01,0.1,-0.5", Kind: lab.Floats, Min: -100, Max: 100, Help: "constant bias inits of the hidden layers"},
			{Name: "weight_inits", Default: "kaiming,xavier", Kind: lab.Strings, Help: "weight inits"},
			{Name: "hidden", Default: "128", Kind: lab.Int, Min: 1, Max: 4096, Help: "width of the three hidden layers"},
			{Name: "steps", Default: "300", Quick: "40", Kind: lab.Int, Min: 1, Max: 1e6, Help: "SGD steps (batch 64)"},
			{Name: "lr", Default: "0.2", Kind: lab.Float, Min: 1e-8, Max: 100, Help: "learning rate (a large one, where units die)"},
		},
		Variants: func(c lab.Config) ([]lab.Variant, error) {
			if _, _, err := loadClassification(c.Data, 0); err != nil {
				return nil, err
			}
			ws, err := parseWeightInits(c.Strings("weight_inits"))
			if err != nil {
				return nil, fmt.Errorf("weight_inits: %w", err)
			}
			return variants(grid(ws, c.Floats("bias_inits"), func(w weightInit, b float64) dyingCond { return dyingCond{w, b} })), nil
		},
		Memory:  func(c lab.Config) int64 { return mlpBytes(classInputs(c.Data), c.Int("hidden"), 3, 10, 64, 70000) },
		Run:     runDyingReLU,
		Analyze: analyzeDyingReLU,
	}
}

// dyingCond is a variant of DyingReLU: the weight initialization and the
// constant the hidden layers' biases start at.
type dyingCond struct {
	Weight weightInit
	Bias   float64
}

func (c dyingCond) Settings() []lab.Setting {
	return []lab.Setting{lab.Set("weight", string(c.Weight)), lab.Set("bias", trimFloat(c.Bias))}
}

// deadShare returns the share of hidden ReLU units that output 0 for every
// example of x (NaN is not positive), as a stats.Recorder counts them over
// one forward of x.
func deadShare(model *nn.Sequential, x *tensor.Tensor) float64 {
	rec := stats.Attach(model, stats.Only(stats.DeadUnits))
	defer rec.Close()
	tensor.NoGrad(func() { model.Forward(x) })
	dead, total := 0, 0
	for _, l := range rec.Step().Layers {
		dead += l.DeadUnits
		total += l.Units
	}
	return float64(dead) / float64(total)
}

func runDyingReLU(ctx context.Context, t lab.Trial) (*lab.TrialResult, error) {
	c := t.Config
	trainSet, testSet, err := loadClassification(c.Data, 0)
	if err != nil {
		return nil, err
	}
	xtr := trainSet.X()
	h := c.Int("hidden")
	model := mlp(t.Gen, []int{xtr.Size(1), h, h, h, 10}, "relu", true)
	ls := linears(model)
	v := t.Variant.Cond.(dyingCond)
	for i, l := range ls {
		v.Weight.apply(l.Weight, t.Gen)
		if i < len(ls)-1 {
			constantBias(v.Bias).apply(l.Bias, t.Gen)
		} else {
			zeroBias.apply(l.Bias, t.Gen)
		}
	}
	res := lab.NewResult()
	res.Scalars["dead_at_init"] = deadShare(model, xtr)
	var deadCurve []float64
	deadCurve = append(deadCurve, res.Scalars["dead_at_init"])
	onStep := func(step int) {
		if step%25 == 24 {
			deadCurve = append(deadCurve, deadShare(model, xtr))
		}
	}
	tr, err := fit(ctx, model, trainSet, train.CrossEntropy, trainConfig{steps: c.Int("steps"), lr: c.Float("lr"), opt: "sgd", batch: 64, every: 2, onStep: onStep, maxLoss: 1e6, log: t.Log}, t.Gen)
	if err != nil {
		return nil, err
	}
	record(res, tr, "loss")
	res.Series["dead_share"] = deadCurve
	if tr.diverged {
		res.Scalars["dead_after"] = math.NaN()
		res.Scalars["test_accuracy"] = math.NaN()
	} else {
		res.Scalars["dead_after"] = deadShare(model, xtr)
		res.Scalars["test_accuracy"] = accuracy(model, testSet)
	}
	return res, nil
}

func analyzeDyingReLU(r *lab.ExperimentResult) lab.Analysis {
	a := lab.Analysis{}
	a.Tables = append(a.Tables, scalarTable(r, "Share of dead hidden units (never active on the training set)",
		[]string{"dead_at_init", "dead_after", "test_accuracy"}, []string{"dead at init", "dead after training", "test accuracy"}))
	dp := lab.Plot{Name: "dead-share", Kind: lab.LinePlot, Title: "Share of dead ReLU units during training", XLabel: "training step / 25", YLabel: "dead share"}
	for _, v := range r.Variants {
		b := lab.SeriesBand(v.Series("dead_share"))
		dp.Lines = append(dp.Lines, lab.Line{Label: v.Label, Y: b.Mean, Low: b.Low, High: b.High, Dashed: v.Cond.(dyingCond).Weight != "kaiming"})
	}
	a.Plots = append(a.Plots, dp, barPlot(r, "dead-after", "Dead units after training", "dead share", "dead_after"))

	get := func(w weightInit, b float64) lab.Summary {
		if v := r.VariantOf(dyingCond{w, b}); v != nil {
			return v.Scalar("dead_after")
		}
		return lab.Summary{Mean: math.NaN()}
	}
	var parts []string
	for _, w := range []weightInit{"kaiming", "xavier"} {
		var cells []string
		for _, b := range []float64{0, 0.01, 0.1, -0.5} {
			s := get(w, b)
			if s.N > 0 {
				cells = append(cells, fmt.Sprintf("bias %s: %.1f%%", trimFloat(b), 100*s.Mean))
			}
		}
		if len(cells) > 0 {
			parts = append(parts, string(w)+" — "+strings.Join(cells, ", "))
		}
	}
	k0, k001, kneg, x0 := get("kaiming", 0), get("kaiming", 0.01), get("kaiming", -0.5), get("xavier", 0)
	txt := "dead units after training: " + strings.Join(parts, "; ")
	negKills := kneg.N > 0 && k0.N > 0 && kneg.Mean > k0.Mean+0.05
	smallHelps := k001.N > 0 && k0.N > 0 && k001.Mean < k0.Mean-0.02
	heBetter := x0.N > 0 && k0.N > 0 && k0.Mean < x0.Mean-0.02
	switch {
	case negKills && smallHelps && heBetter:
		a.Verdict = lab.Verdict{Status: lab.Supported, Text: txt + "."}
	case negKills:
		a.Verdict = lab.Verdict{Status: lab.Depends, Text: txt + fmt.Sprintf(". A negative bias does kill units, but a bias of 0.01 changes the dead share by %+.1f points and He instead of Xavier by %+.1f points: the remedies the claim names matter little here.",
			100*(k001.Mean-k0.Mean), 100*(k0.Mean-x0.Mean))}
	default:
		a.Verdict = lab.Verdict{Status: lab.NotSupported, Text: txt + "."}
	}
	return a
}
