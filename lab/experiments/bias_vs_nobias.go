package experiments

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/intercept-ml/intercept/data"
	"github.com/intercept-ml/intercept/internal/xmath"
	"github.com/intercept-ml/intercept/lab"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

// BiasVsNoBias trains the same MLP with and without bias on regression data
// whose target is shifted by a swept offset.
func BiasVsNoBias() *lab.Experiment {
	return &lab.Experiment{
		Name:   "bias-vs-nobias",
		Title:  "2. With and without bias, on data that is not zero-centered",
		Claim:  "A model with bias reaches a lower loss than one without; without bias the model struggles with data that is not zero-centered.",
		Source: "the document, “What happens if we remove bias?” and Method 7",
		Group:  lab.Claims,
		Params: []lab.Param{
			{Name: "offsets", Default: "0,1,2,4,8", Kind: lab.Floats, Min: -1e4, Max: 1e4, Help: "target offsets c in y = g(x) + c"},
			{Name: "hidden", Default: "32", Kind: lab.Int, Min: 1, Max: 4096, Help: "width of the two hidden layers"},
			{Name: "samples", Default: "256", Kind: lab.Int, Min: 1, Max: 1e6, Help: "training examples (4 features, N(0,1))"},
			{Name: "steps", Default: "400", Quick: "150", Kind: lab.Int, Min: 1, Max: 1e6, Help: "training steps (full batch, Adam)"},
			{Name: "lr", Default: "0.01", Kind: lab.Float, Min: 1e-8, Max: 100, Help: "learning rate"},
			{Name: "margin_ratio", Default: "1.25", Kind: lab.Float, Min: 1, Max: 1e6, Help: "the claim's margin: \"lower loss\" means the test loss without bias is at least this many times the loss with bias (paired by seed)"},
		},
		Variants: func(c lab.Config) ([]lab.Variant, error) {
			return variants(grid(c.Floats("offsets"), bothBias, func(off float64, bias bool) offsetBias {
				return offsetBias{Offset: off, Bias: bias}
			})), nil
		},
		Memory: func(c lab.Config) int64 {
			return mlpBytes(4, c.Int("hidden"), 2, 1, c.Int("samples"), c.Int("samples")+512)
		},
		Run:     runBiasVsNoBias,
		Analyze: analyzeBiasVsNoBias,
	}
}

// offsetBias is a variant of BiasVsNoBias: the target's offset, and whether
// the model has biases.
type offsetBias struct {
	Offset float64
	Bias   bool
}

func (c offsetBias) Settings() []lab.Setting {
	return []lab.Setting{lab.Set("offset", trimFloat(c.Offset)), lab.Set("bias", onOff(c.Bias))}
}

// regressionData draws x ~ N(0,1)^(n×4) and y = sin(x1) + x2·x3 - 0.5·x4 + offset.
func regressionData(g *rng.Generator, n int, offset float64) (x, y *tensor.Tensor) {
	x = g.Randn(n, 4)
	c := func(i int) *tensor.Tensor { return x.Narrow(1, i, 1) }
	y = c(0).Sin().Add(c(1).Mul(c(2))).Sub(c(3).MulScalar(0.5)).AddScalar(offset)
	return x, y
}

func runBiasVsNoBias(ctx context.Context, t lab.Trial) (*lab.TrialResult, error) {
	c := t.Config
	v := t.Variant.Cond.(offsetBias)
	// the data depends on the seed only, so both variants see the same data
	dg := rng.NewGenerator()
	dg.ManualSeed(1000 + t.Seed)
	x, y := regressionData(dg, c.Int("samples"), v.Offset)
	trainSet, testSet := data.NewTensorDataset(x, y), data.NewTensorDataset(regressionData(dg, 512, v.Offset))
	h := c.Int("hidden")
	model := mlp(t.Gen, []int{4, h, h, 1}, "relu", v.Bias)
	tr, err := fit(ctx, model, trainSet, mse, trainConfig{steps: c.Int("steps"), lr: c.Float("lr"), opt: "adam", every: 4, log: t.Log}, t.Gen)
	if err != nil {
		return nil, err
	}
	res := lab.NewResult()
	record(res, tr, "loss")
	res.Scalars["final_loss"] = evalLoss(model, trainSet, mse)
	res.Scalars["test_loss"] = evalLoss(model, testSet, mse)
	// the loss of predicting the target's variance: how much is left to learn
	res.Scalars["target_var"] = y.VarCorrection(0, false).Item()
	return res, nil
}

func analyzeBiasVsNoBias(r *lab.ExperimentResult) lab.Analysis {
	a := lab.Analysis{}
	a.Plots = append(a.Plots, curvePlot(r, "loss", "Training loss, with (solid) and without (dashed) bias", "MSE loss", "loss", true, nil))
	// final test loss against the offset
	p := lab.Plot{Name: "offset", Kind: lab.LinePlot, Title: "Final test loss against the target offset", XLabel: "target offset c", YLabel: "test MSE", LogY: true}
	tbl := lab.Table{Title: "Final test MSE (mean ± std [95% CI])", Columns: []string{"offset", "with bias", "without bias"}}
	var offsets []float64
	for _, bias := range bothBias {
		l := lab.Line{Label: "bias " + onOff(bias), Dashed: !bias}
		for _, v := range r.Variants {
			c := v.Cond.(offsetBias)
			if c.Bias != bias {
				continue
			}
			s := v.Scalar("test_loss")
			l.X = append(l.X, c.Offset)
			l.Y = append(l.Y, s.Mean)
			l.Low = append(l.Low, s.CILow)
			l.High = append(l.High, s.CIHigh)
			if bias {
				offsets = append(offsets, c.Offset)
			}
		}
		p.Lines = append(p.Lines, l)
	}
	// Every offset is its own test: the paired, same-seed ratio of the test
	// loss without bias to the loss with bias (both models see the same data
	// on a seed), against the stated margin.
	margin := xmath.Log(r.Resolved.Float("margin_ratio"))
	var ds []decision
	for _, off := range offsets {
		on, offv := r.VariantOf(offsetBias{off, true}), r.VariantOf(offsetBias{off, false})
		if on == nil || offv == nil {
			continue
		}
		tbl.Rows = append(tbl.Rows, []string{trimFloat(off), lab.FmtSummary(on.Scalar("test_loss")), lab.FmtSummary(offv.Scalar("test_loss"))})
		ds = append(ds, decide("offset "+trimFloat(off), on, offv, "test_loss", math.Log, margin, lab.Greater).ratio())
	}
	a.Plots = append(a.Plots, p)
	a.Tables = append(a.Tables, tbl, decisionTable("Each offset decided by the paired rule: test loss without bias / with bias", "no-bias / bias loss ratio", ds))
	status, held := combine(statusesOf(ds))
	var txt []string
	for _, d := range ds {
		txt = append(txt, d.What+": loss without bias / with bias "+d.diff()+" → "+d.Status)
	}
	text := fmt.Sprintf("the claim needs the loss without bias to be more than %s× the loss with bias; %s", trimFloat(r.Resolved.Float("margin_ratio")), strings.Join(txt, "; "))
	switch {
	case len(ds) == 0:
		text = "not enough finished trials to compare."
	case status == lab.Supported:
		text += ". The model with bias reaches a lower loss at every offset tested."
	case status == lab.Depends || (status == lab.Inconclusive && held):
		status = lab.Depends
		text += ". It depends on the offset: " + summarizeDecisions(ds) + "."
	default:
		text += "."
	}
	a.Verdict = lab.Verdict{Status: status, Text: text}
	a.Notes = append(a.Notes, "A ReLU network without any bias is positively homogeneous, f(α·x) = α·f(x) for α > 0, so f(0) = 0: "+
		"with inputs centred on 0 it cannot produce a constant shift, and its loss keeps at least the part of offset² it cannot reach.")
	return a
}
