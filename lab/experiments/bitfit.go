package experiments

import (
	"context"
	"fmt"
	"math"

	"github.com/intercept-ml/intercept/data"
	"github.com/intercept-ml/intercept/lab"
	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/optim"
	"github.com/intercept-ml/intercept/tensor"
	"github.com/intercept-ml/intercept/train"
)

// BitFit pre-trains an MLP on one task and fine-tunes it on another with
// only a new output layer, with that layer and every bias (BitFit), or
// with every parameter.
func BitFit() *lab.Experiment {
	return &lab.Experiment{
		Name:  "bitfit",
		Title: "Fine-tuning only the biases (BitFit)",
		Claim: "Fine-tuning only the bias terms of a pre-trained network (and the new task's output layer) recovers most of the accuracy of " +
			"fine-tuning every parameter: BitFit, changing under 0.1% of BERT's parameters, is competitive with full fine-tuning on GLUE.",
		Source: "Ben Zaken, Ravfogel & Goldberg 2022, “BitFit: simple parameter-efficient fine-tuning for transformer-based masked language-models”",
		Group:  lab.Literature,
		Params: []lab.Param{
			{Name: "hidden", Default: "64", Kind: lab.Int, Min: 1, Max: 4096, Help: "width of the two hidden layers"},
			{Name: "pretrain_steps", Default: "300", Quick: "20", Kind: lab.Int, Min: 1, Max: 1e6, Help: "Adam steps on the source task (digits 0–4)"},
			{Name: "steps", Default: "200", Quick: "20", Kind: lab.Int, Min: 1, Max: 1e6, Help: "Adam steps on the target task (digits 5–9)"},
			{Name: "lr", Default: "0.01", Kind: lab.Float, Min: 1e-8, Max: 10, Help: "learning rate of both phases (batch 64)"},
		},
		Variants: func(c lab.Config) ([]lab.Variant, error) {
			if _, _, err := loadClassification(c.Data, 0); err != nil {
				return nil, err
			}
			return variants([]tuneCond{{"head"}, {"bias"}, {"full"}}), nil
		},
		Memory:  func(c lab.Config) int64 { return mlpBytes(classInputs(c.Data), c.Int("hidden"), 2, 5, 64, 70000) },
		Run:     runBitFit,
		Analyze: analyzeBitFit,
	}
}

// tuneCond is a variant of BitFit: what fine-tuning trains — "head" (the
// new output layer only: the pre-trained network untouched), "bias" (the
// new output layer and every bias) or "full" (every parameter).
type tuneCond struct{ Tune string }

func (c tuneCond) Settings() []lab.Setting { return []lab.Setting{lab.Set("tune", c.Tune)} }

// bitfitNet is a pre-trained body and a task's output layer.
type bitfitNet struct {
	Body *nn.Sequential
	Head *nn.Linear
}

func (m *bitfitNet) Forward(x *tensor.Tensor) *tensor.Tensor {
	return m.Head.Forward(m.Body.Forward(x))
}

// classRange returns the examples of ds with labels in [lo, lo+n), relabelled
// to [0, n).
func classRange(ds *data.TensorDataset, lo, n int) *data.TensorDataset {
	var idx []int64
	var ys []int64
	for i, y := range ds.Y().Int64s() {
		if y >= int64(lo) && y < int64(lo+n) {
			idx = append(idx, int64(i))
			ys = append(ys, y-int64(lo))
		}
	}
	return data.NewTensorDataset(ds.X().IndexSelect(0, tensor.FromInt64(idx, len(idx))), tensor.FromInt64(ys, len(ys)))
}

func runBitFit(ctx context.Context, t lab.Trial) (*lab.TrialResult, error) {
	c, v := t.Config, t.Variant.Cond.(tuneCond)
	trainSet, testSet, err := loadClassification(c.Data, 0)
	if err != nil {
		return nil, err
	}
	srcTrain, srcTest := classRange(trainSet, 0, 5), classRange(testSet, 0, 5)
	dstTrain, dstTest := classRange(trainSet, 5, 5), classRange(testSet, 5, 5)
	h, lr := c.Int("hidden"), c.Float("lr")
	// pre-training draws the same numbers in every variant of a seed, so
	// the three fine-tunings start from the same network
	body := mlp(t.Gen, []int{trainSet.X().Size(1), h, h}, "relu", true)
	body.Append(nn.NewReLU())
	model := &bitfitNet{body, nn.NewLinear(h, 5, nn.WithGenerator(t.Gen))}
	pre, err := fit(ctx, model, srcTrain, train.CrossEntropy, trainConfig{steps: c.Int("pretrain_steps"), lr: lr, opt: "adam", batch: 64, every: 2, maxLoss: 1e6, log: prefixed(t.Log, "pretrain/")}, t.Gen)
	if err != nil {
		return nil, err
	}
	res := lab.NewResult()
	record(res, pre, "pretrain_loss")
	if pre.diverged {
		for _, k := range []string{"source_accuracy", "test_accuracy", "test_loss", "trainable"} {
			res.Scalars[k] = math.NaN()
		}
		return res, nil
	}
	res.Scalars["source_accuracy"] = accuracy(model, srcTest)

	model.Head = nn.NewLinear(h, 5, nn.WithGenerator(t.Gen))
	trainable := nn.Parameters(model.Head)
	for _, np := range nn.NamedParameters(model.Body) {
		isBias := np.Tensor.Dim() == 1
		if v.Tune == "full" || v.Tune == "bias" && isBias {
			trainable = append(trainable, np.Tensor)
		} else {
			np.Tensor.SetRequiresGrad(false)
		}
	}
	n := 0
	for _, p := range trainable {
		n += p.Numel()
	}
	res.Scalars["trainable"] = float64(n)
	tr, err := fitOptimizer(ctx, model, dstTrain, train.CrossEntropy, trainConfig{steps: c.Int("steps"), lr: lr, opt: "adam", batch: 64, every: 2, maxLoss: 1e6, log: prefixed(t.Log, "finetune/")},
		optim.NewAdam(trainable, optim.LR(lr)), t.Gen)
	if err != nil {
		return nil, err
	}
	record(res, tr, "loss")
	if tr.diverged {
		res.Scalars["test_accuracy"], res.Scalars["test_loss"] = math.NaN(), math.NaN()
		return res, nil
	}
	res.Scalars["test_accuracy"] = accuracy(model, dstTest)
	res.Scalars["test_loss"] = evalLoss(model, dstTest, train.CrossEntropy)
	return res, nil
}

// midpoint is a pseudo-variant whose scalar metric is, seed by seed, the
// mean of a's and b's: the halfway point between two variants.
func midpoint(a, b *lab.VariantResult, metric string) *lab.VariantResult {
	m := &lab.VariantResult{Variant: lab.Variant{Key: "midpoint(" + a.Key + ", " + b.Key + ")"}}
	bySeed := map[uint64]float64{}
	for _, t := range b.Trials {
		if t.Result != nil {
			if x, ok := t.Result.Scalars[metric]; ok {
				bySeed[t.Seed] = x
			}
		}
	}
	for _, t := range a.Trials {
		if t.Result == nil {
			continue
		}
		xa, okA := t.Result.Scalars[metric]
		xb, okB := bySeed[t.Seed]
		if !okA || !okB {
			continue
		}
		res := lab.NewResult()
		res.Scalars[metric] = (xa + xb) / 2
		m.Trials = append(m.Trials, lab.TrialRecord{Seed: t.Seed, Result: res})
	}
	return m
}

func analyzeBitFit(r *lab.ExperimentResult) lab.Analysis {
	a := lab.Analysis{}
	tbl := scalarTable(r, "Accuracy on the target task (digits 5–9) after fine-tuning, and what was trained",
		[]string{"test_accuracy", "test_loss", "source_accuracy", "trainable"},
		[]string{"target test accuracy", "target test loss", "source accuracy (pre-trained)", "trained parameters"})
	tbl.Columns = append(tbl.Columns, "diverged")
	for i, v := range r.Variants {
		tbl.Rows[i] = append(tbl.Rows[i], fmt.Sprint(v.Diverged))
	}
	a.Tables = append(a.Tables, tbl)
	a.Plots = append(a.Plots, curvePlot(r, "loss", "Fine-tuning loss on the target task", "cross-entropy", "loss", false, nil),
		barPlot(r, "accuracy", "Target test accuracy", "accuracy", "test_accuracy"))

	head, bias, full := r.VariantOf(tuneCond{"head"}), r.VariantOf(tuneCond{"bias"}), r.VariantOf(tuneCond{"full"})
	if head == nil || bias == nil || full == nil {
		a.Verdict = lab.Verdict{Status: lab.Inconclusive, Text: "a variant is missing."}
		return a
	}
	gain := lab.Pair(head, bias, "test_accuracy", nil)
	gap := lab.Pair(bias, full, "test_accuracy", nil)
	mid := midpoint(head, full, "test_accuracy")
	most := lab.Pair(mid, bias, "test_accuracy", nil)
	cases := []pairedCase{
		{"bias − head", gain, gain.Decide(0, lab.Greater), nil},
		{"full − bias", gap, gap.Decide(0, lab.Greater), nil},
		{"bias − halfway(head, full)", most, most.Decide(0, lab.Greater), mid},
	}
	a.Tables = append(a.Tables, pairedTable(r, "Paired target test accuracy (B − A); the claim is the last row: bias-only tuning lies beyond the halfway point between head-only and full fine-tuning", cases))
	sh, sb, sf := head.Scalar("test_accuracy"), bias.Scalar("test_accuracy"), full.Scalar("test_accuracy")
	share := (sb.Mean - sh.Mean) / (sf.Mean - sh.Mean)
	a.Verdict = lab.Verdict{Status: cases[2].status, Text: fmt.Sprintf(
		"bias-only fine-tuning reaches %s target accuracy against %s for the new output layer alone and %s for full fine-tuning: it recovers %s of the gap "+
			"(bias − halfway point %s, paired by seed; bias − head %s; full − bias %s).",
		lab.Fmt(sb.Mean), lab.Fmt(sh.Mean), lab.Fmt(sf.Mean), fmt.Sprintf("%.0f%%", 100*share), most.String(), gain.String(), gap.String())}
	a.Notes = append(a.Notes,
		"Setup: a 64-64-64 ReLU MLP pre-trained with Adam (lr 0.01, batch 64, 300 steps) to tell the digits 0–4 apart, then given a new output layer "+
			"for the digits 5–9 and fine-tuned for 200 steps in three ways from the same pre-trained network: head (only the new output layer — the pre-trained network "+
			"is not tuned; the new task's labels need a new layer in every variant), bias (the new output layer and every bias of the network, as BitFit trains "+
			"the biases and the task's classifier) and full (every parameter). Same learning rate everywhere; BitFit tunes it per method, this run does not.",
		"“Most” is read as more than half: the verdict pairs, seed by seed, the bias-only accuracy with the point halfway between head-only and full "+
			"fine-tuning and asks that the 95% CI of the difference lie above 0 (margin 0; the halfway point is the margin). The recovered share is a ratio of means.")
	return a
}
