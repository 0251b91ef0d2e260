package experiments

import (
	"context"
	"fmt"
	"math"

	"github.com/intercept-ml/intercept/lab"
	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/tensor"
	"github.com/intercept-ml/intercept/train"
)

// BiasBeforeBatchNorm compares a layer with and without bias followed by
// BatchNorm, from identical weights.
func BiasBeforeBatchNorm() *lab.Experiment {
	return &lab.Experiment{
		Name:   "bias-before-batchnorm",
		Title:  "9. A bias right before BatchNorm",
		Claim:  "If you are using batchnorm, the use of bias is necessary.",
		Source: "the document, Method 5 (“Should you use bias in CNNs?”); Method 2 says the opposite: BatchNorm “handles bias internally”",
		Params: []lab.Param{
			{Name: "steps", Default: "200", Quick: "60", Kind: lab.Int, Min: 1, Max: 1e6, Help: "SGD steps (batch 64)"},
			{Name: "lr", Default: "0.05", Kind: lab.Float, Min: 1e-8, Max: 100, Help: "learning rate"},
			{Name: "layers", Default: "linear,conv", Kind: lab.Strings, Help: "the layer before BatchNorm: linear and/or conv"},
		},
		Variants: func(c lab.Config) ([]lab.Variant, error) {
			var conds []layerCond
			for _, l := range c.Strings("layers") {
				if l != "linear" && l != "conv" {
					return nil, fmt.Errorf("layers: %q is not linear or conv", l)
				}
				conds = append(conds, layerCond{Conv: l == "conv"})
			}
			return variants(conds), nil
		},
		Memory:  func(c lab.Config) int64 { return mlpBytes(8*64, 64, 2, 10, 64*8*4, 2000) },
		Run:     runBiasBN,
		Analyze: analyzeBiasBN,
	}
}

// layerCond is a variant of BiasBeforeBatchNorm: a convolution or a
// Linear layer before BatchNorm.
type layerCond struct{ Conv bool }

func (c layerCond) Settings() []lab.Setting {
	if c.Conv {
		return []lab.Setting{lab.Set("layer", "conv")}
	}
	return []lab.Setting{lab.Set("layer", "linear")}
}

// bnNet is layer → BatchNorm → ReLU → Linear head.
type bnNet struct {
	Conv *nn.Conv2d
	FC   *nn.Linear
	BN1  *nn.BatchNorm1d
	BN2  *nn.BatchNorm2d
	Head *nn.Linear
}

func (n *bnNet) Forward(x *tensor.Tensor) *tensor.Tensor {
	var h *tensor.Tensor
	if n.Conv != nil {
		h = n.BN2.Forward(n.Conv.Forward(x.Reshape(x.Size(0), 1, 8, 8))).ReLU().Flatten(1, -1)
	} else {
		h = n.BN1.Forward(n.FC.Forward(x)).ReLU()
	}
	return n.Head.Forward(h)
}

func newBNNet(t lab.Trial, in int, bias bool) *bnNet {
	n := &bnNet{}
	if t.Variant.Cond.(layerCond).Conv {
		n.Conv = nn.NewConv2d(1, 8, 3, nn.Bias(bias), nn.WithGenerator(t.Gen), nn.Padding(1))
		n.BN2 = nn.NewBatchNorm2d(8)
		n.Head = nn.NewLinear(8*64, 10, nn.WithGenerator(t.Gen))
	} else {
		n.FC = nn.NewLinear(in, 64, nn.Bias(bias), nn.WithGenerator(t.Gen))
		n.BN1 = nn.NewBatchNorm1d(64)
		n.Head = nn.NewLinear(64, 10, nn.WithGenerator(t.Gen))
	}
	return n
}

func maxAbsDiff(a, b *tensor.Tensor) float64 {
	x, y := a.Float64s(), b.Float64s()
	m := 0.0
	for i := range x {
		m = math.Max(m, math.Abs(x[i]-y[i]))
	}
	return m
}

func runBiasBN(ctx context.Context, t lab.Trial) (*lab.TrialResult, error) {
	c := t.Config
	trainSet, testSet, err := loadClassification("", 0) // the 8x8 digits: the conv variant needs images
	if err != nil {
		return nil, err
	}
	xtr := trainSet.X()
	with := newBNNet(t, xtr.Size(1), true)
	without := newBNNet(t, xtr.Size(1), false)
	// identical weights: copy every parameter the two share
	if err := nn.LoadStateDict(without, nn.StateDictOf(with), false); err != nil {
		return nil, err
	}
	// give the bias a non-trivial value, so that "redundant" is tested, not "zero"
	for _, p := range nn.NamedParameters(with) {
		if p.Name == "fc.bias" || p.Name == "conv.bias" {
			tensor.NoGrad(func() { p.Tensor.CopyFrom(t.Gen.Randn(p.Tensor.Shape()...)) })
		}
	}
	res := lab.NewResult()
	batch := xtr.Narrow(0, 0, 64)
	res.Scalars["init_output_diff"] = maxAbsDiff(with.Forward(batch), without.Forward(batch))
	// reset running stats touched by that forward
	nn.LoadStateDict(without, nn.StateDictOf(with), false)

	// train both on the same batches
	g1, g2 := t.Gen.Clone(), t.Gen.Clone()
	var biasGrad float64
	onStep := func(int) {
		for _, p := range nn.NamedParameters(with) {
			if (p.Name == "fc.bias" || p.Name == "conv.bias") && p.Tensor.Grad != nil {
				biasGrad = math.Max(biasGrad, p.Tensor.Grad.Abs().Max().Item())
			}
		}
	}
	cfg := trainConfig{steps: c.Int("steps"), lr: c.Float("lr"), opt: "sgd", batch: 64, every: 1, log: prefixed(t.Log, "with_bias/")}
	cfg.onStep = onStep
	tw, err := fit(ctx, with, trainSet, train.CrossEntropy, cfg, g1)
	if err != nil {
		return nil, err
	}
	cfg.onStep, cfg.log = nil, prefixed(t.Log, "without_bias/")
	to, err := fit(ctx, without, trainSet, train.CrossEntropy, cfg, g2)
	if err != nil {
		return nil, err
	}
	record(res, tw, "loss_with_bias")
	record(res, to, "loss_without_bias")
	maxDiff := 0.0
	for i := range tw.losses {
		if i < len(to.losses) {
			maxDiff = math.Max(maxDiff, math.Abs(tw.losses[i]-to.losses[i]))
		}
	}
	res.Scalars["max_loss_diff"] = maxDiff
	res.Scalars["bias_grad_max"] = biasGrad
	nn.Eval(with)
	nn.Eval(without)
	res.Scalars["eval_output_diff"] = maxAbsDiff(with.Forward(testSet.X()), without.Forward(testSet.X()))
	res.Scalars["acc_with_bias"] = accuracy(with, testSet)
	res.Scalars["acc_without_bias"] = accuracy(without, testSet)
	return res, nil
}

func analyzeBiasBN(r *lab.ExperimentResult) lab.Analysis {
	a := lab.Analysis{}
	a.Tables = append(a.Tables, scalarTable(r, "Same weights, with and without the bias before BatchNorm",
		[]string{"init_output_diff", "max_loss_diff", "bias_grad_max", "eval_output_diff", "acc_with_bias", "acc_without_bias"},
		[]string{"max |output diff| at init", "max |loss diff| in training", "max |bias gradient|", "max |output diff| in eval", "accuracy with bias", "accuracy without"}))
	for _, v := range r.Variants {
		p := lab.Plot{Name: "loss-" + safe(v.Key), Kind: lab.LinePlot, Title: "Training loss with and without the bias, " + v.Label, XLabel: "training step", YLabel: "cross-entropy loss", LogY: true}
		for _, s := range []string{"loss_with_bias", "loss_without_bias"} {
			b := lab.SeriesBand(v.Series(s))
			p.Lines = append(p.Lines, lab.Line{Label: s, Y: b.Mean, Low: b.Low, High: b.High, Dashed: s == "loss_without_bias"})
		}
		a.Plots = append(a.Plots, p)
	}
	worstTrain, worstEval, worstLoss, worstGrad := 0.0, 0.0, 0.0, 0.0
	for _, v := range r.Variants {
		worstTrain = math.Max(worstTrain, v.Scalar("init_output_diff").Max)
		worstEval = math.Max(worstEval, v.Scalar("eval_output_diff").Max)
		worstLoss = math.Max(worstLoss, v.Scalar("max_loss_diff").Max)
		worstGrad = math.Max(worstGrad, v.Scalar("bias_grad_max").Max)
	}
	steps := r.Resolved.Int("steps")
	txt := fmt.Sprintf("from the same weights, adding a random N(0, 1) bias before BatchNorm changes the training-mode outputs by at most %s, the training loss by at most %s at any of %d steps, and the bias never receives a gradient above %s",
		lab.Fmt(worstTrain), lab.Fmt(worstLoss), steps, lab.Fmt(worstGrad))
	evalNote := fmt.Sprintf("In eval mode the outputs differ by at most %s: the running mean starts at 0 and absorbs the bias only gradually ((1 − momentum)^steps = %s of it is still missing after %d steps), and the two runs' float rounding drifts apart slightly.",
		lab.Fmt(worstEval), lab.Fmt(math.Pow(0.9, float64(steps))), steps)
	a.Notes = append(a.Notes, evalNote)
	if worstTrain < 1e-3 && worstLoss < 1e-3 {
		a.Verdict = lab.Verdict{Status: lab.NotSupported, Text: txt + ": the bias is redundant, not necessary. BatchNorm subtracts the batch mean, which removes any constant added before it; its own β plays the bias's role. " + evalNote}
	} else {
		a.Verdict = lab.Verdict{Status: lab.Inconclusive, Text: txt + "."}
	}
	return a
}
