package experiments

import (
	"context"
	"fmt"
	"math"

	"github.com/intercept-ml/intercept/lab"
	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/optim"
	"github.com/intercept-ml/intercept/tensor"
	"github.com/intercept-ml/intercept/train"
)

// BiasWeightDecay trains the same MLP with weight decay on every parameter
// and with the biases left out of the decay, over decay strengths.
func BiasWeightDecay() *lab.Experiment {
	return &lab.Experiment{
		Name:  "bias-weight-decay",
		Title: "Weight decay on biases",
		Claim: "Biases (and normalization parameters) should be left out of weight decay: the common recipe decays only the weights, " +
			"as Goyal et al. do for the BatchNorm coefficients γ and β, and He et al. report that this “no bias decay” improves accuracy. " +
			"Decaying a bias pulls it towards 0, which its role — a shift the data needs — does not call for.",
		Source: "Goyal et al. 2017, “Accurate, large minibatch SGD: training ImageNet in 1 hour”; " +
			"He, Zhang, Zhang, Zhang, Xie & Li 2019, “Bag of tricks for image classification with convolutional neural networks” (“no bias decay”)",
		Group: lab.Literature,
		Params: []lab.Param{
			{Name: "decays", Default: "0.0001,0.001,0.01,0.1", Quick: "0.01", Kind: lab.Floats, Min: 0, Max: 10, Help: "weight decay strengths λ (SGD's L2 term)"},
			{Name: "hidden", Default: "64", Kind: lab.Int, Min: 1, Max: 4096, Help: "width of the two hidden layers"},
			{Name: "steps", Default: "300", Quick: "20", Kind: lab.Int, Min: 1, Max: 1e6, Help: "SGD steps (batch 64, momentum 0.9)"},
			{Name: "lr", Default: "0.05", Kind: lab.Float, Min: 1e-8, Max: 10, Help: "learning rate"},
			{Name: "margin", Default: "0.005", Kind: lab.Float, Min: 0, Max: 1, Help: "test-accuracy gain (fraction) below which the two count as equivalent"},
		},
		Variants: func(c lab.Config) ([]lab.Variant, error) {
			if _, _, err := loadClassification(c.Data, 0); err != nil {
				return nil, err
			}
			return variants(grid(c.Floats("decays"), bothBias, func(d float64, b bool) decayCond { return decayCond{d, b} })), nil
		},
		Memory:  func(c lab.Config) int64 { return mlpBytes(classInputs(c.Data), c.Int("hidden"), 2, 10, 64, 70000) },
		Run:     runBiasWeightDecay,
		Analyze: analyzeBiasWeightDecay,
	}
}

// decayCond is a variant of BiasWeightDecay: the decay strength and whether
// the biases are decayed too.
type decayCond struct {
	Decay     float64
	DecayBias bool
}

func (c decayCond) Settings() []lab.Setting {
	return []lab.Setting{lab.Set("decay", trimFloat(c.Decay)), lab.Set("bias_decay", onOff(c.DecayBias))}
}

// rms is the root mean square of the elements of ts.
func rms(ts []*tensor.Tensor) float64 {
	var sum float64
	n := 0
	for _, t := range ts {
		for _, x := range t.Float32s() {
			sum += float64(float64(x) * float64(x))
		}
		n += t.Numel()
	}
	return math.Sqrt(sum / float64(n))
}

func runBiasWeightDecay(ctx context.Context, t lab.Trial) (*lab.TrialResult, error) {
	c, v := t.Config, t.Variant.Cond.(decayCond)
	trainSet, testSet, err := loadClassification(c.Data, 0)
	if err != nil {
		return nil, err
	}
	h := c.Int("hidden")
	model := mlp(t.Gen, []int{trainSet.X().Size(1), h, h, 10}, "relu", true)
	lr := c.Float("lr")
	weights, biases := optim.SplitDecay(model)
	var opt optim.Optimizer
	if v.DecayBias {
		opt = optim.NewSGD(nn.Parameters(model), optim.LR(lr), optim.Momentum(0.9), optim.WeightDecay(v.Decay))
	} else {
		sgd := optim.NewSGD(weights, optim.LR(lr), optim.Momentum(0.9), optim.WeightDecay(v.Decay))
		sgd.AddParamGroup(biases, optim.WeightDecay(0))
		opt = sgd
	}
	tr, err := fitOptimizer(ctx, model, trainSet, train.CrossEntropy, trainConfig{steps: c.Int("steps"), lr: lr, opt: "sgd", batch: 64, every: 2, maxLoss: 1e6, log: t.Log}, opt, t.Gen)
	if err != nil {
		return nil, err
	}
	res := lab.NewResult()
	record(res, tr, "loss")
	if tr.diverged {
		for _, k := range []string{"test_accuracy", "test_loss", "train_loss", "bias_rms", "weight_rms"} {
			res.Scalars[k] = math.NaN()
		}
		return res, nil
	}
	res.Scalars["test_accuracy"] = accuracy(model, testSet)
	res.Scalars["test_loss"] = evalLoss(model, testSet, train.CrossEntropy)
	res.Scalars["train_loss"] = evalLoss(model, trainSet, train.CrossEntropy)
	res.Scalars["bias_rms"] = rms(biases)
	res.Scalars["weight_rms"] = rms(weights)
	return res, nil
}

func analyzeBiasWeightDecay(r *lab.ExperimentResult) lab.Analysis {
	a := lab.Analysis{}
	margin := r.Resolved.Float("margin")
	tbl := scalarTable(r, "Test accuracy and loss, training loss and the size of biases and weights (RMS) after training",
		[]string{"test_accuracy", "test_loss", "train_loss", "bias_rms", "weight_rms"},
		[]string{"test accuracy", "test loss", "training loss", "bias RMS", "weight RMS"})
	tbl.Columns = append(tbl.Columns, "diverged")
	for i, v := range r.Variants {
		tbl.Rows[i] = append(tbl.Rows[i], fmt.Sprint(v.Diverged))
	}
	a.Tables = append(a.Tables, tbl)
	p := lab.Plot{Name: "accuracy", Kind: lab.LinePlot, Title: "Test accuracy against the decay strength", XLabel: "weight decay λ (log10)", YLabel: "test accuracy"}
	for _, bias := range bothBias {
		l := lab.Line{Label: "biases decayed: " + onOff(bias), Dashed: !bias}
		for _, d := range r.Resolved.Floats("decays") {
			v := r.VariantOf(decayCond{d, bias})
			if v == nil || d <= 0 {
				continue
			}
			s := v.Scalar("test_accuracy")
			l.X, l.Y, l.Low, l.High = append(l.X, math.Log10(d)), append(l.Y, s.Mean), append(l.Low, s.CILow), append(l.High, s.CIHigh)
		}
		p.Lines = append(p.Lines, l)
	}
	a.Plots = append(a.Plots, p)

	var cases []pairedCase
	for _, d := range r.Resolved.Floats("decays") {
		on, off := r.VariantOf(decayCond{d, true}), r.VariantOf(decayCond{d, false})
		pc := lab.Pair(on, off, "test_accuracy", nil)
		cases = append(cases, pairedCase{"λ " + trimFloat(d), pc, pc.Decide(margin, lab.Greater), nil})
	}
	a.Tables = append(a.Tables, pairedTable(r, fmt.Sprintf("Paired test accuracy, biases not decayed (B) − decayed (A), margin %s", lab.Fmt(margin)), cases))
	collapsed := ""
	for _, d := range r.Resolved.Floats("decays") {
		on, off := r.VariantOf(decayCond{d, true}), r.VariantOf(decayCond{d, false})
		if on != nil && off != nil && on.Scalar("test_accuracy").N > 0 && off.Scalar("test_accuracy").N > 0 &&
			on.Scalar("test_accuracy").Mean < 0.2 && off.Scalar("test_accuracy").Mean < 0.2 {
			collapsed += fmt.Sprintf(" At λ %s both collapse to chance (test accuracy %s and %s): the decay shrinks the weights to nothing whichever group the biases are in.",
				trimFloat(d), lab.Fmt(on.Scalar("test_accuracy").Mean), lab.Fmt(off.Scalar("test_accuracy").Mean))
		}
	}
	a.Verdict = lab.Verdict{Status: overallStatus(cases), Text: fmt.Sprintf("test-accuracy gain from leaving the biases out of weight decay, paired by seed (margin %s): %s.%s",
		lab.Fmt(margin), casesText(cases), collapsed)}
	a.Notes = append(a.Notes,
		"Setup, after Goyal et al.'s recipe (SGD with momentum 0.9 and L2 weight decay, λ = 1e-4 there) scaled down: a 64-64-64-10 ReLU MLP on the digits (8×8, pixels in [0, 1], "+
			"so the data is not centred and the biases have work to do), batch 64, lr 0.05, 300 steps, λ swept over four decades. "+
			"bias_decay=off puts every bias in a parameter group with weight_decay 0 (optim.SplitDecay: parameters named …bias or with one dimension); "+
			"this MLP has no normalization layers, so that group holds exactly the biases.",
		"The decays were chosen before running and not changed after.")
	return a
}
