package experiments

import (
	"context"
	"fmt"
	"math"

	"github.com/intercept-ml/intercept/lab"
	"github.com/intercept-ml/intercept/tensor"
)

// Digits trains an MLP with and without bias on real handwritten digits
// (the embedded UCI digits, or Fashion-MNIST/MNIST IDX files via --data).
func Digits() *lab.Experiment {
	return &lab.Experiment{
		Name:   "digits",
		Title:  "3. Handwritten digits, with and without bias",
		Claim:  "Bias helps the network capture patterns more effectively when recognizing handwritten digits.",
		Source: "the document, “Why is bias important? 2: It allows the model to learn patterns better”",
		Params: []lab.Param{
			{Name: "hidden", Default: "64", Kind: lab.Int, Help: "width of the two hidden layers"},
			{Name: "epochs", Default: "15", Quick: "4", Kind: lab.Int, Help: "passes over the training set"},
			{Name: "batch", Default: "64", Kind: lab.Int, Help: "minibatch size"},
			{Name: "lr", Default: "0.002", Kind: lab.Float, Help: "learning rate (Adam)"},
			{Name: "limit", Default: "10000", Quick: "3000", Kind: lab.Int, Help: "at most this many training examples from --data (IDX sets have 60000)"},
			{Name: "inputs", Default: "raw,centered", Kind: lab.Strings, Help: "raw pixels in [0, 1], and/or centered: minus the training set's mean image (so no input is a constant offset the weights could use as a bias)"},
		},
		Variants: func(c lab.Config) ([]lab.Variant, error) {
			if _, _, _, _, err := loadClassification(c.Data, c.Int("limit")); err != nil {
				return nil, err
			}
			for _, in := range c.Strings("inputs") {
				if in != "raw" && in != "centered" {
					return nil, fmt.Errorf("inputs: %q is not raw or centered", in)
				}
			}
			return variantGrid([2]any{"inputs", c.Strings("inputs")}, [2]any{"bias", []string{"on", "off"}}), nil
		},
		Run:     runDigits,
		Analyze: analyzeDigits,
	}
}

func runDigits(ctx context.Context, t lab.Trial) (*lab.TrialResult, error) {
	c := t.Config
	xtr, ytr, xte, yte, err := loadClassification(c.Data, c.Int("limit"))
	if err != nil {
		return nil, err
	}
	bias := t.Variant.Params["bias"] == "on"
	if t.Variant.Params["inputs"] == "centered" {
		var mean *tensor.Tensor
		tensor.NoGrad(func() {
			mean = xtr.MeanKeep(0)
			xtr, xte = xtr.Sub(mean), xte.Sub(mean)
		})
	}
	h := c.Int("hidden")
	model := mlp(t.Gen, []int{xtr.Size(1), h, h, 10}, "relu", bias)
	batch := c.Int("batch")
	stepsPerEpoch := (xtr.Size(0) + batch - 1) / batch
	res := lab.NewResult()
	var accs []float64
	onStep := func(step int) {
		if (step+1)%stepsPerEpoch == 0 {
			accs = append(accs, accuracy(model, xte, yte))
		}
	}
	tr, err := train(ctx, model, xtr, ytr, crossEntropy,
		trainConfig{steps: c.Int("epochs") * stepsPerEpoch, lr: c.Float("lr"), opt: "adam", batch: batch, every: 5, onStep: onStep}, t.Gen)
	if err != nil {
		return nil, err
	}
	record(res, tr, "loss")
	res.Series["test_accuracy"] = accs
	res.Scalars["test_accuracy"] = accuracy(model, xte, yte)
	res.Scalars["train_loss"] = evalLoss(model, xtr, ytr, crossEntropy)
	res.Scalars["test_loss"] = evalLoss(model, xte, yte, crossEntropy)
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
		acc.Lines = append(acc.Lines, lab.Line{Label: v.Label, X: x, Y: b.Mean, Low: b.Low, High: b.High, Dashed: v.Params["bias"] == "off", Group: biasGroup(v)})
	}
	a.Plots = append(a.Plots, acc)
	a.Tables = append(a.Tables, scalarTable(r, "Final results (mean ± std [95% CI] over seeds)",
		[]string{"test_accuracy", "test_loss", "train_loss"}, []string{"test accuracy", "test loss", "train loss"}))
	data := "the embedded digits"
	if r.Data != "" {
		data = r.Data
	}
	type cmp struct {
		ok             bool
		on, off, diff  float64
		p              float64
		significantGap bool
	}
	compare := func(inputs string) cmp {
		on, off := r.Variant("inputs="+inputs+",bias=on"), r.Variant("inputs="+inputs+",bias=off")
		if on == nil || off == nil || on.Scalar("test_accuracy").N < 2 || off.Scalar("test_accuracy").N < 2 {
			return cmp{}
		}
		sOn, sOff := on.Scalar("test_accuracy"), off.Scalar("test_accuracy")
		c := cmp{ok: true, on: sOn.Mean, off: sOff.Mean, diff: 100 * (sOn.Mean - sOff.Mean), p: lab.Welch(sOn, sOff)}
		c.significantGap = math.Abs(c.diff) >= 1 && c.p < 0.05
		return c
	}
	raw, cen := compare("raw"), compare("centered")
	if !raw.ok && !cen.ok {
		a.Verdict = lab.Verdict{Status: lab.Inconclusive, Text: "not enough finished trials."}
		return a
	}
	sentence := func(what string, c cmp) string {
		return fmt.Sprintf("%s the test accuracy is %.2f%% with bias and %.2f%% without (difference %+.2f points, Welch p = %s)",
			what, 100*c.on, 100*c.off, c.diff, lab.Fmt(c.p))
	}
	var txt string
	main := raw
	if raw.ok {
		txt = sentence("on "+data+" (raw pixels)", raw)
		if cen.ok {
			txt += "; " + sentence("with zero-centred inputs", cen)
		}
	} else {
		main = cen
		txt = sentence("on "+data+" (zero-centred inputs)", cen)
	}
	switch {
	case main.significantGap && main.diff > 0:
		a.Verdict = lab.Verdict{Status: lab.Supported, Text: txt + "."}
	case main.significantGap:
		a.Verdict = lab.Verdict{Status: lab.NotSupported, Text: txt + ": the network without bias did better."}
	case raw.ok && cen.ok && cen.significantGap && cen.diff > 0:
		a.Verdict = lab.Verdict{Status: lab.Depends, Text: txt + ". With raw pixels removing every bias costs nothing measurable, because always-on inputs (pixel values are never centred) let the first layer's weights build the constant a bias would give; once the inputs are centred that stand-in is gone and the bias matters."}
	default:
		txt += ": removing every bias costs this network no measurable accuracy"
		if cen.ok {
			txt += ", even with zero-centred inputs, where no input can stand in for the first layer's bias: later layers take non-negative ReLU outputs and build their constants from them"
		}
		a.Verdict = lab.Verdict{Status: lab.NotSupported, Text: txt + "."}
	}
	return a
}

// loadClassification returns train and test tensors: x float32 (N, D)
// scaled to [0, 1], y int64 (N).
func loadClassification(source string, limit int) (xtr, ytr, xte, yte *tensor.Tensor, err error) {
	return loadDataSource(source, limit)
}
