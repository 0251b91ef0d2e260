package experiments

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/intercept-ml/intercept/internal/xmath"
	"github.com/intercept-ml/intercept/lab"
	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/nninit"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
	"github.com/intercept-ml/intercept/train"
)

// BiasBeforeBatchNorm compares a layer with and without bias followed by a
// normalization layer (BatchNorm, LayerNorm or GroupNorm), from identical
// weights and on identical batches, for a bias that differs per feature and
// for one that is the same constant for every feature.
func BiasBeforeBatchNorm() *lab.Experiment {
	return &lab.Experiment{
		Name:  "bias-before-batchnorm",
		Title: "9. A bias right before BatchNorm, LayerNorm or GroupNorm",
		Claim: "“If you are using BatchNorm or LayerNorm (they are used to handle bias internally).” " +
			"Method 5 says the opposite for BatchNorm: “If you are using batchnorm, the use of bias is necessary.”",
		Source: "the document, Method 2 (“When to remove bias?”) and Method 5 (“Should you use bias in CNNs?”)",
		Group:  lab.Claims,
		Params: []lab.Param{
			{Name: "steps", Default: "200", Quick: "20", Kind: lab.Int, Min: 1, Max: 1e6, Help: "SGD steps (batch 32) of both networks; at 200, (1 − momentum)^steps = 7e-10 of the bias is missing from BatchNorm's running mean in exact arithmetic, below float32 resolution"},
			{Name: "lr", Default: "0.05", Kind: lab.Float, Min: 1e-8, Max: 100, Help: "learning rate"},
			{Name: "layers", Default: "linear,conv", Quick: "linear", Kind: lab.Strings, Help: "the layer before the normalization: linear (64 units) and/or conv (8 channels, 3×3)"},
			{Name: "norms", Default: "batchnorm,layernorm,groupnorm", Kind: lab.Strings, Help: "the normalization: batchnorm, layernorm (over all features of an example), groupnorm (8 groups for linear, 2 for conv)"},
			{Name: "shifts", Default: "per-feature,constant", Kind: lab.Strings, Help: "the bias given to the layer: per-feature (N(0, 1) per unit or channel) and/or constant (one N(0, 1) value for all)"},
			{Name: "limit", Default: "10000", Kind: lab.Int, Min: 64, Max: 1e7, Help: "at most this many training examples from --data"},
			{Name: "out_margin", Default: "0.001", Kind: lab.Float, Min: 0, Max: 100, Help: "largest |logit difference| at init that still counts as the same function (float32 rounding is ~1e-6)"},
			{Name: "acc_margin", Default: "1", Kind: lab.Float, Min: 0, Max: 100, Help: "accuracy difference (points) within which the trained networks count as equally good"},
		},
		Variants: func(c lab.Config) ([]lab.Variant, error) {
			if _, _, err := loadClassification(c.Data, c.Int("limit")); err != nil {
				return nil, err
			}
			var conds []normCond
			for _, l := range c.Strings("layers") {
				if l != "linear" && l != "conv" {
					return nil, fmt.Errorf("layers: %q is not linear or conv", l)
				}
				for _, n := range c.Strings("norms") {
					if n != "batchnorm" && n != "layernorm" && n != "groupnorm" {
						return nil, fmt.Errorf("norms: %q is not batchnorm, layernorm or groupnorm", n)
					}
					for _, s := range c.Strings("shifts") {
						if s != "per-feature" && s != "constant" {
							return nil, fmt.Errorf("shifts: %q is not per-feature or constant", s)
						}
						conds = append(conds, normCond{Layer: l, Norm: n, Shift: s})
					}
				}
			}
			return variants(conds), nil
		},
		Memory: func(c lab.Config) int64 {
			in := classInputs(c.Data)
			return 2 * mlpBytes(8*in, 64, 2, 10, 64*8, 2*min(c.Int("limit"), 70000))
		},
		Run:     runBiasNorm,
		Analyze: analyzeBiasNorm,
	}
}

// normCond is a variant of BiasBeforeBatchNorm: the layer before the
// normalization, the normalization, and the kind of bias given to the layer.
type normCond struct {
	Layer string // "linear" or "conv"
	Norm  string // "batchnorm", "layernorm" or "groupnorm"
	Shift string // "per-feature" or "constant"
}

func (c normCond) Settings() []lab.Setting {
	return []lab.Setting{lab.Set("layer", c.Layer), lab.Set("norm", c.Norm), lab.Set("shift", c.Shift)}
}

// normNet is layer → normalization → ReLU → Linear head; a conv layer sees
// each example as a square image.
type normNet struct {
	Body *nn.Sequential
	Side int // image side for a conv layer, 0 for a Linear one
}

func (n *normNet) Forward(x *tensor.Tensor) *tensor.Tensor {
	if n.Side > 0 {
		x = x.Reshape(x.Size(0), 1, n.Side, n.Side)
	}
	return n.Body.Forward(x)
}

// layerBias is the bias of the layer before the normalization (nil without).
func (n *normNet) layerBias() *tensor.Tensor {
	switch l := n.Body.Layers()[0].(type) {
	case *nn.Linear:
		return l.Bias
	case *nn.Conv2d:
		return l.Bias
	}
	return nil
}

// batchNorm returns the net's running mean, or nil when its normalization
// keeps no running statistics.
func (n *normNet) runningMean() *tensor.Tensor {
	switch b := n.Body.Layers()[1].(type) {
	case *nn.BatchNorm1d:
		return b.RunningMean
	case *nn.BatchNorm2d:
		return b.RunningMean
	}
	return nil
}

func newNormNet(v normCond, in int, bias bool, g *rng.Generator) (*normNet, error) {
	n := &normNet{Body: nn.NewSequential()}
	units := 64
	if v.Layer == "conv" {
		side := int(math.Round(math.Sqrt(float64(in))))
		if side*side != in {
			return nil, fmt.Errorf("layer conv needs square images, but the examples have %d features", in)
		}
		n.Side, units = side, 8
		n.Body.Append(nn.NewConv2d(1, 8, 3, nn.Bias(bias), nn.WithGenerator(g), nn.Padding(1)))
		switch v.Norm {
		case "batchnorm":
			n.Body.Append(nn.NewBatchNorm2d(8))
		case "layernorm":
			n.Body.Append(nn.NewLayerNorm([]int{8, side, side}))
		case "groupnorm":
			n.Body.Append(nn.NewGroupNorm(2, 8))
		}
		n.Body.Append(nn.NewReLU())
		n.Body.Append(nn.NewFlatten())
		n.Body.Append(nn.NewLinear(8*in, 10, nn.WithGenerator(g)))
		return n, nil
	}
	n.Body.Append(nn.NewLinear(in, units, nn.Bias(bias), nn.WithGenerator(g)))
	switch v.Norm {
	case "batchnorm":
		n.Body.Append(nn.NewBatchNorm1d(units))
	case "layernorm":
		n.Body.Append(nn.NewLayerNorm([]int{units}))
	case "groupnorm":
		n.Body.Append(nn.NewGroupNorm(8, units))
	}
	n.Body.Append(nn.NewReLU())
	n.Body.Append(nn.NewLinear(units, 10, nn.WithGenerator(g)))
	return n, nil
}

func maxAbsDiff(a, b *tensor.Tensor) float64 {
	x, y := a.Float64s(), b.Float64s()
	m := 0.0
	for i := range x {
		m = math.Max(m, math.Abs(x[i]-y[i]))
	}
	return m
}

// copySharedParams copies every parameter of from that to also has (by
// name) into to; buffers (running statistics) are left alone.
func copySharedParams(to, from nn.Module) {
	src := map[string]*tensor.Tensor{}
	for _, p := range nn.NamedParameters(from) {
		src[p.Name] = p.Tensor
	}
	tensor.NoGrad(func() {
		for _, p := range nn.NamedParameters(to) {
			if s := src[p.Name]; s != nil {
				p.Tensor.CopyFrom(s)
			}
		}
	})
}

// maxParamDiff is the largest difference between the parameters to and
// from share (by name).
func maxParamDiff(a, b nn.Module) float64 {
	src := map[string]*tensor.Tensor{}
	for _, p := range nn.NamedParameters(a) {
		src[p.Name] = p.Tensor
	}
	m := 0.0
	for _, p := range nn.NamedParameters(b) {
		if s := src[p.Name]; s != nil {
			m = math.Max(m, maxAbsDiff(s, p.Tensor))
		}
	}
	return m
}

func runBiasNorm(ctx context.Context, t lab.Trial) (*lab.TrialResult, error) {
	c := t.Config
	v := t.Variant.Cond.(normCond)
	trainSet, testSet, err := loadClassification(c.Data, c.Int("limit"))
	if err != nil {
		return nil, err
	}
	in := trainSet.X().Size(1)
	with, err := newNormNet(v, in, true, t.Gen)
	if err != nil {
		return nil, err
	}
	// the network without bias gets the same weights: its own draws are
	// overwritten, so they come from a throwaway generator
	without, _ := newNormNet(v, in, false, rng.NewGenerator())
	copySharedParams(without, with)
	// the batches: both networks see the same ones
	g1, g2 := t.Gen.Clone(), t.Gen.Clone()
	// give the bias a non-trivial value, so that "redundant" is tested, not "zero"
	b := with.layerBias()
	tensor.NoGrad(func() {
		if v.Shift == "constant" {
			nninit.Constant(b, t.Gen.Randn(1).Item())
		} else {
			b.CopyFrom(t.Gen.Randn(b.Shape()...))
		}
	})
	bias0 := b.Clone()
	res := lab.NewResult()
	batch := trainSet.X().Narrow(0, 0, 64)
	var initDiff float64
	tensor.NoGrad(func() { initDiff = maxAbsDiff(with.Forward(batch), without.Forward(batch)) })
	res.Scalars["init_output_diff"] = initDiff
	// that forward moved BatchNorm's running statistics: start both again
	// from PyTorch's initial ones
	for _, m := range []*normNet{with, without} {
		switch bn := m.Body.Layers()[1].(type) {
		case *nn.BatchNorm1d:
			nninit.Zeros(bn.RunningMean)
			nninit.Ones(bn.RunningVar)
			nninit.Zeros(bn.NumBatchesTracked)
		case *nn.BatchNorm2d:
			nninit.Zeros(bn.RunningMean)
			nninit.Ones(bn.RunningVar)
			nninit.Zeros(bn.NumBatchesTracked)
		}
	}

	var biasGrad float64
	onStep := func(int) {
		if b.Grad != nil {
			biasGrad = math.Max(biasGrad, b.Grad.Abs().Max().Item())
		}
	}
	cfg := trainConfig{steps: c.Int("steps"), lr: c.Float("lr"), opt: "sgd", batch: 32, every: 1, log: prefixed(t.Log, "with_bias/")}
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
	// how far the bias moved from its initial value, and how far from a
	// constant vector it is now
	res.Scalars["bias_moved"] = maxAbsDiff(b, bias0)
	res.Scalars["param_drift"] = maxParamDiff(with, without)
	nn.Eval(with)
	nn.Eval(without)
	xte := testSet.X()
	tensor.NoGrad(func() {
		res.Scalars["eval_output_diff"] = maxAbsDiff(with.Forward(xte), without.Forward(xte))
	})
	res.Scalars["acc_with_bias"] = accuracy(with, testSet)
	res.Scalars["acc_without_bias"] = accuracy(without, testSet)
	if rmW, rmO := with.runningMean(), without.runningMean(); rmW != nil {
		// the share of the bias the running mean misses: in exact arithmetic
		// (1 − momentum)^steps of it
		gap := 0.0
		bw, mw, mo := b.Float64s(), rmW.Float64s(), rmO.Float64s()
		scale := 0.0
		for j := range bw {
			gap = math.Max(gap, math.Abs(mw[j]-mo[j]-bw[j]))
			scale = math.Max(scale, math.Abs(bw[j]))
		}
		res.Scalars["running_mean_gap"] = gap / scale
		// the eval-mode difference left when the weights are made identical
		// again: what the running statistics alone account for
		copySharedParams(without, with)
		tensor.NoGrad(func() {
			res.Scalars["eval_diff_same_weights"] = maxAbsDiff(with.Forward(xte), without.Forward(xte))
		})
	}
	return res, nil
}

func analyzeBiasNorm(r *lab.ExperimentResult) lab.Analysis {
	a := lab.Analysis{}
	outMargin, accMargin := r.Resolved.Float("out_margin"), r.Resolved.Float("acc_margin")
	steps := r.Resolved.Int("steps")
	a.Tables = append(a.Tables, scalarTable(r, "Same weights and batches, with and without the bias before the normalization",
		[]string{"init_output_diff", "max_loss_diff", "bias_grad_max", "acc_with_bias", "acc_without_bias"},
		[]string{"max |logit diff| at init", "max |loss diff| in training", "max |bias gradient|", "test accuracy with bias", "without"}))
	verdicts := lab.Table{Title: fmt.Sprintf("Paired, same-seed differences (95%% CI): the logit difference at init against 0 (margin %s) and the test accuracy without − with bias, in points (margin ±%s)", lab.Fmt(outMargin), lab.Fmt(accMargin)),
		Columns: []string{"variant", "max |logit diff| at init", "bias removed at init?", "accuracy without − with (points)", "trained networks"}}
	var removed, kept, open []string
	for _, v := range r.Variants {
		c := v.Cond.(normCond)
		d := seedScalars(v, "init_output_diff")
		pInit := pairSeeds("init_output_diff", "zero", v.Key, zeroSeeds(d), d, nil)
		init := pInit.Decide(outMargin, lab.Greater)
		pct := func(x float64) float64 { return 100 * x }
		on := mapSeeds(seedScalars(v, "acc_with_bias"), func(_ uint64, x float64) float64 { return pct(x) })
		off := mapSeeds(seedScalars(v, "acc_without_bias"), func(_ uint64, x float64) float64 { return pct(x) })
		pAcc := pairSeeds("accuracy", "with bias", "without bias", on, off, nil)
		acc := decideTwoSided(pAcc, accMargin)
		initTxt := map[string]string{lab.Supported: "no: the outputs differ", lab.NotSupported: "yes", lab.Inconclusive: "inconclusive"}[init]
		accTxt := map[string]string{sameWithin: "equally good", bigger: "better without bias", smaller: "better with bias", unresolved: "inconclusive"}[acc]
		verdicts.Rows = append(verdicts.Rows, []string{v.Label, pInit.String(), initTxt, pAcc.String(), accTxt})
		what := fmt.Sprintf("%s before %s with a %s bias", c.Layer, c.Norm, c.Shift)
		line := fmt.Sprintf("%s (max |logit difference| at init %s; test accuracy without − with bias, in points, %s: %s)", what, pInit.String(), pAcc.String(), accTxt)
		switch init {
		case lab.NotSupported:
			removed = append(removed, line)
		case lab.Supported:
			kept = append(kept, line)
		default:
			open = append(open, line)
		}
	}
	a.Tables = append(a.Tables, verdicts)
	var bnRows []string
	for _, v := range r.Variants {
		if v.Cond.(normCond).Norm != "batchnorm" {
			continue
		}
		gap := v.Scalar("running_mean_gap").Mean
		bnRows = append(bnRows, fmt.Sprintf("%s: the running mean misses %s of the bias (mean over seeds, %s× the exact-arithmetic share), the eval-mode outputs differ by %s, and by %s once the weights are made identical again; the trained weights differ by %s",
			v.Label, lab.Fmt(gap), lab.Fmt(gap/xmath.Pow(0.9, float64(steps))), lab.Fmt(v.Scalar("eval_output_diff").Mean), lab.Fmt(v.Scalar("eval_diff_same_weights").Mean), lab.Fmt(v.Scalar("param_drift").Mean)))
	}
	if len(bnRows) > 0 {
		a.Tables = append(a.Tables, scalarTable(r, "BatchNorm in eval mode: where the remaining difference comes from",
			[]string{"eval_output_diff", "running_mean_gap", "eval_diff_same_weights", "param_drift"},
			[]string{"max |eval output diff|", "share of the bias the running mean misses", "eval diff with identical weights", "max |weight diff| after training"}))
		a.Notes = append(a.Notes, fmt.Sprintf("In eval mode BatchNorm subtracts its running mean instead of the batch mean. After %d steps the running mean holds all but (1 − momentum)^steps = %s of the bias in exact arithmetic, far too little to see. "+
			"Measured: %s. The running means differ from the bias by far more than %s: float32 rounding makes the two trainings drift apart (their weights and their running statistics alike), and that drift, not a missing part of the bias, is the eval-mode difference.",
			steps, lab.Fmt(xmath.Pow(0.9, float64(steps))), strings.Join(bnRows, "; "), lab.Fmt(xmath.Pow(0.9, float64(steps)))))
	}
	for _, v := range r.Variants {
		p := lab.Plot{Name: "loss-" + safe(v.Key), Kind: lab.LinePlot, Title: "Training loss with and without the bias, " + v.Label, XLabel: "training step", YLabel: "cross-entropy loss", LogY: true}
		for _, s := range []string{"loss_with_bias", "loss_without_bias"} {
			b := lab.SeriesBand(v.Series(s))
			p.Lines = append(p.Lines, lab.Line{Label: s, Y: b.Mean, Low: b.Low, High: b.High, Dashed: s == "loss_without_bias"})
		}
		a.Plots = append(a.Plots, p)
	}
	a.Notes = append(a.Notes, "BatchNorm subtracts each feature's mean over the batch, which removes any bias added before it, per-feature or constant, and the bias receives no gradient; its own β plays the bias's role. "+
		"LayerNorm subtracts the mean over the features of each example, and GroupNorm over each group of channels: a constant bias is removed, but one that differs between features changes the normalized values. "+
		"And since the gradient reaching a bias before LayerNorm is orthogonal to the constant direction, a bias that starts constant learns per-feature values during training: before LayerNorm or GroupNorm a trainable bias is a real parameter. "+
		"The per-feature bias is drawn from N(0, 1), far larger than PyTorch's default bias initialization, so that a removal is unmistakable; where it is not removed, that large random offset is what costs the accuracy.")
	join := func(xs []string) string { return strings.Join(xs, "; ") }
	switch {
	case len(removed) == 0 && len(kept) == 0:
		a.Verdict = lab.Verdict{Status: lab.Inconclusive, Text: "no variant decided: " + join(open) + "."}
	case len(kept) == 0 && len(open) == 0:
		a.Verdict = lab.Verdict{Status: lab.Supported, Text: "every normalization removes the bias before it: " + join(removed) + ". Method 5's “the use of bias is necessary” is not supported."}
	case len(removed) == 0 && len(open) == 0:
		a.Verdict = lab.Verdict{Status: lab.NotSupported, Text: "no normalization removes the bias before it: " + join(kept) + "."}
	case len(removed) == 0:
		a.Verdict = lab.Verdict{Status: lab.Inconclusive, Text: "not removed: " + join(kept) + ". Undecided: " + join(open) + "."}
	case len(kept) == 0:
		a.Verdict = lab.Verdict{Status: lab.Inconclusive, Text: "removed (same outputs from the same weights): " + join(removed) + ". Undecided: " + join(open) + "."}
	default:
		txt := "depends on the normalization and on the bias. Removed (same outputs from the same weights): " + join(removed) + ". Not removed: " + join(kept)
		if len(open) > 0 {
			txt += ". Undecided: " + join(open)
		}
		a.Verdict = lab.Verdict{Status: lab.Depends, Text: txt + ". Method 5's “with batchnorm the use of bias is necessary” is contradicted wherever BatchNorm removes it."}
	}
	return a
}
