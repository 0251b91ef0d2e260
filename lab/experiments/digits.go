package experiments

import (
	"context"
	"fmt"
	"strings"

	"github.com/intercept-ml/intercept/data"
	"github.com/intercept-ml/intercept/lab"
	"github.com/intercept-ml/intercept/tensor"
	"github.com/intercept-ml/intercept/train"
)

// Digits trains an MLP with and without bias on real handwritten digits
// (the embedded UCI digits, or Fashion-MNIST/MNIST IDX files via --data).
func Digits() *lab.Experiment {
	return &lab.Experiment{
		Name:   "digits",
		Title:  "3. Handwritten digits, with and without bias",
		Claim:  "Bias helps the network capture patterns more effectively when recognizing handwritten digits.",
		Source: "the document, “Why is bias important? 2: It allows the model to learn patterns better”",
		Group:  lab.Claims,
		Params: []lab.Param{
			{Name: "hidden", Default: "64", Kind: lab.Int, Min: 1, Max: 4096, Help: "width of the two hidden layers"},
			{Name: "epochs", Default: "15", Quick: "4", Kind: lab.Int, Min: 1, Max: 10000, Help: "passes over the training set"},
			{Name: "batch", Default: "64", Kind: lab.Int, Min: 1, Max: 65536, Help: "minibatch size"},
			{Name: "lr", Default: "0.002", Kind: lab.Float, Min: 1e-8, Max: 100, Help: "learning rate (Adam)"},
			{Name: "limit", Default: "10000", Quick: "3000", Kind: lab.Int, Min: 1, Max: 1e7, Help: "at most this many training examples from --data (IDX sets have 60000)"},
			{Name: "margin", Default: "1", Kind: lab.Float, Min: 0, Max: 100, Help: "the claim's margin, in points of test accuracy: \"helps capture patterns\" means bias gains more than this (1 point ≈ 3.6 of the 359 embedded test digits)"},
			{Name: "inputs", Default: "raw,centered", Kind: lab.Strings, Help: "raw pixels in [0, 1], and/or centered: minus the training set's mean image (so no input is a constant offset the weights could use as a bias)"},
		},
		Variants: func(c lab.Config) ([]lab.Variant, error) {
			if _, _, err := loadClassification(c.Data, c.Int("limit")); err != nil {
				return nil, err
			}
			var centered []bool
			for _, in := range c.Strings("inputs") {
				if in != "raw" && in != "centered" {
					return nil, fmt.Errorf("inputs: %q is not raw or centered", in)
				}
				centered = append(centered, in == "centered")
			}
			return variants(grid(centered, bothBias, func(cen, bias bool) digitsCond { return digitsCond{Centered: cen, Bias: bias} })), nil
		},
		Memory: func(c lab.Config) int64 {
			return mlpBytes(classInputs(c.Data), c.Int("hidden"), 2, 10, c.Int("batch"), 2*min(c.Int("limit"), 70000))
		},
		Run:     runDigits,
		Analyze: analyzeDigits,
	}
}

// digitsCond is a variant of Digits: raw or centered inputs, and whether
// the network has biases.
type digitsCond struct {
	Centered bool
	Bias     bool
}

func (c digitsCond) Settings() []lab.Setting {
	inputs := "raw"
	if c.Centered {
		inputs = "centered"
	}
	return []lab.Setting{lab.Set("inputs", inputs), lab.Set("bias", onOff(c.Bias))}
}

func runDigits(ctx context.Context, t lab.Trial) (*lab.TrialResult, error) {
	c := t.Config
	v := t.Variant.Cond.(digitsCond)
	trainSet, testSet, err := loadClassification(c.Data, c.Int("limit"))
	if err != nil {
		return nil, err
	}
	if v.Centered {
		tensor.NoGrad(func() {
			mean := trainSet.X().MeanKeep(0)
			trainSet = data.NewTensorDataset(trainSet.X().Sub(mean), trainSet.Y())
			testSet = data.NewTensorDataset(testSet.X().Sub(mean), testSet.Y())
		})
	}
	h := c.Int("hidden")
	model := mlp(t.Gen, []int{trainSet.X().Size(1), h, h, 10}, "relu", v.Bias)
	// Epochs are whole passes over the training set, the last batch smaller.
	batch := c.Int("batch")
	stepsPerEpoch := (trainSet.Len() + batch - 1) / batch
	epochs := c.Int("epochs")
	tr := newTrainer(model, trainSet, train.CrossEntropy,
		trainConfig{steps: epochs * stepsPerEpoch, lr: c.Float("lr"), opt: "adam", batch: batch, partial: true, every: 5, log: t.Log}, t.Gen)
	defer tr.close()
	res := lab.NewResult()
	var accs []float64
	for e := 1; e <= epochs && !tr.diverged; e++ {
		if err := tr.run(ctx, e*stepsPerEpoch); err != nil {
			return nil, err
		}
		if !tr.diverged {
			accs = append(accs, accuracy(model, testSet))
		}
	}
	record(res, tr.trainResult, "loss")
	res.Series["test_accuracy"] = accs
	res.Scalars["test_accuracy"] = accuracy(model, testSet)
	res.Scalars["train_loss"] = evalLoss(model, trainSet, train.CrossEntropy)
	res.Scalars["test_loss"] = evalLoss(model, testSet, train.CrossEntropy)
	return res, nil
}

func analyzeDigits(r *lab.ExperimentResult) lab.Analysis {
	a := lab.Analysis{}
	a.Plots = append(a.Plots, curvePlot(r, "loss", "Training loss (cross-entropy), with (solid) and without (dashed) bias", "loss", "loss", true, nil))
	acc := lab.Plot{Name: "accuracy", Kind: lab.LinePlot, Title: "Test accuracy after each epoch", XLabel: "epoch", YLabel: "test accuracy"}
	for _, v := range r.Variants {
		b := lab.SeriesBand(v.Series("test_accuracy"))
		x := make([]float64, len(b.Mean))
		for i := range x {
			x[i] = float64(i + 1)
		}
		acc.Lines = append(acc.Lines, lab.Line{Label: v.Label, X: x, Y: b.Mean, Low: b.Low, High: b.High, Dashed: !v.Cond.(digitsCond).Bias, Group: biasGroup(v)})
	}
	a.Plots = append(a.Plots, acc)
	a.Tables = append(a.Tables, scalarTable(r, "Final results (mean ± std [95% CI] over seeds)",
		[]string{"test_accuracy", "test_loss", "train_loss"}, []string{"test accuracy", "test loss", "train loss"}))
	data := "the embedded digits"
	if r.Data != "" {
		data = r.Data
	}
	// Each input preparation is its own test: the paired, same-seed gain
	// of test accuracy that the biases bring, against the stated margin.
	margin := r.Resolved.Float("margin") / 100
	var ds []decision
	for _, cen := range []bool{false, true} {
		on, off := r.VariantOf(digitsCond{cen, true}), r.VariantOf(digitsCond{cen, false})
		if on == nil || off == nil {
			continue
		}
		what := "raw pixels"
		if cen {
			what = "zero-centred inputs"
		}
		ds = append(ds, decide(what, off, on, "test_accuracy", nil, margin, lab.Greater).points())
	}
	a.Tables = append(a.Tables, decisionTable("Test accuracy with bias − without, decided by the paired rule", "accuracy gain of bias", ds))
	status, held := combine(statusesOf(ds))
	var parts []string
	for _, d := range ds {
		on, off := r.VariantOf(digitsCond{d.What != "raw pixels", true}), r.VariantOf(digitsCond{d.What != "raw pixels", false})
		parts = append(parts, fmt.Sprintf("%s: %.2f%% with bias, %.2f%% without, gain %s (claim needs %s) → %s",
			d.What, 100*on.Scalar("test_accuracy").Mean, 100*off.Scalar("test_accuracy").Mean, d.diff(), d.margin(), d.Status))
	}
	text := "on " + data + ", " + strings.Join(parts, "; ")
	switch {
	case len(ds) == 0:
		a.Verdict = lab.Verdict{Status: lab.Inconclusive, Text: "not enough finished trials."}
		return a
	case status == lab.NotSupported:
		text += fmt.Sprintf(". The gain of the biases is smaller than the margin (%s points) or negative: removing every bias does not cost this network a meaningful accuracy, even where no input can stand in for the first layer's bias (later layers build their constants from non-negative ReLU outputs)", trimFloat(100*margin))
	case status == lab.Depends || (status == lab.Inconclusive && held):
		status = lab.Depends
		text += ". It depends on the inputs: " + summarizeDecisions(ds) + "; with raw pixels (never centred) the first layer's weights can build the constant a bias would give, with centred inputs that stand-in is gone"
	}
	a.Verdict = lab.Verdict{Status: status, Text: text + "."}
	return a
}

// loadClassification returns the training and test sets of a --data
// source: examples x float32 (D) scaled to [0, 1], labels y int64.
func loadClassification(source string, limit int) (trainSet, testSet *data.TensorDataset, err error) {
	return loadDataSource(source, limit)
}
