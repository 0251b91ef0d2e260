package experiments

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/intercept-ml/intercept/internal/xmath"
	"github.com/intercept-ml/intercept/lab"
	"github.com/intercept-ml/intercept/nninit"
	"github.com/intercept-ml/intercept/tensor"
	"github.com/intercept-ml/intercept/train"
)

// BiasGradInit measures, at initialization, the gradient reaching the
// biases of a ReLU MLP and the biases' share of the whole gradient (of an
// SGD update), with N(0, σ) weights for several σ and with Xavier and He
// weights.
func BiasGradInit() *lab.Experiment {
	return &lab.Experiment{
		Name:  "bias-grad-init",
		Title: "The bias gradient under normal, Xavier and He weights",
		Claim: "Random normal initialization: “Bias can be ineffective due to large weights.” “The bias gradient may explode or vanish.” " +
			"Xavier: “Weights are balanced, which allows bias to adjust outputs effectively.”",
		Source: "the document, “How different weight initializations impact bias?”, Method 2 (random normal) and Method 3 (Xavier)",
		Group:  lab.Claims,
		Params: []lab.Param{
			{Name: "stds", Default: "0.01,0.1,1", Kind: lab.Floats, Min: 1e-6, Max: 100, Help: "standard deviations σ of the N(0, σ) weights (the document's example uses 1)"},
			{Name: "others", Default: "xavier,kaiming", Kind: lab.Strings, Help: "reference initializations: xavier (uniform), kaiming (He uniform); the first is the reference of the verdict"},
			{Name: "depth", Default: "4", Quick: "2", Kind: lab.Int, Min: 1, Max: 64, Help: "hidden layers (ReLU)"},
			{Name: "width", Default: "64", Kind: lab.Int, Min: 1, Max: 4096, Help: "width of every hidden layer"},
			{Name: "batch", Default: "256", Kind: lab.Int, Min: 1, Max: 65536, Help: "examples in the batch whose gradient is measured"},
			{Name: "factor", Default: "10", Kind: lab.Float, Min: 1, Max: 1e6, Help: "a ratio to the reference beyond this factor counts as exploding, vanishing or ineffective"},
		},
		Variants: func(c lab.Config) ([]lab.Variant, error) {
			if _, _, err := loadClassification(c.Data, 0); err != nil {
				return nil, err
			}
			var conds []gradInitCond
			for _, s := range c.Floats("stds") {
				conds = append(conds, gradInitCond{Init: "normal", Std: s})
			}
			others := c.Strings("others")
			if len(others) == 0 {
				return nil, fmt.Errorf("others: need at least one reference initialization")
			}
			for _, o := range others {
				if o != "xavier" && o != "kaiming" {
					return nil, fmt.Errorf("others: %q is not xavier or kaiming", o)
				}
				conds = append(conds, gradInitCond{Init: o})
			}
			return variants(conds), nil
		},
		Memory: func(c lab.Config) int64 {
			return mlpBytes(classInputs(c.Data), c.Int("width"), c.Int("depth"), 10, c.Int("batch"), 2*70000)
		},
		Run:     runBiasGradInit,
		Analyze: analyzeBiasGradInit,
	}
}

// gradInitCond is a variant of BiasGradInit: the weights' initialization
// (normal with its σ, xavier or kaiming).
type gradInitCond struct {
	Init string
	Std  float64
}

func (c gradInitCond) Settings() []lab.Setting {
	if c.Init == "normal" {
		return []lab.Setting{lab.Set("init", "normal-"+trimFloat(c.Std))}
	}
	return []lab.Setting{lab.Set("init", c.Init)}
}

func runBiasGradInit(ctx context.Context, t lab.Trial) (*lab.TrialResult, error) {
	c := t.Config
	v := t.Variant.Cond.(gradInitCond)
	trainSet, _, err := loadClassification(t.Config.Data, 0)
	if err != nil {
		return nil, err
	}
	sizes := []int{trainSet.X().Size(1)}
	for range c.Int("depth") {
		sizes = append(sizes, c.Int("width"))
	}
	model := mlp(t.Gen, append(sizes, 10), "relu", true)
	gen := nninit.WithGenerator(t.Gen)
	for _, l := range linears(model) {
		switch v.Init {
		case "normal":
			nninit.Normal(l.Weight, 0, v.Std, gen)
		case "xavier":
			nninit.XavierUniform(l.Weight, gen)
		case "kaiming":
			nninit.KaimingUniform(l.Weight, nninit.ReLU, gen)
		}
		nninit.Zeros(l.Bias) // every variant starts its biases at 0
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// one batch drawn from the trial's generator
	n := min(c.Int("batch"), trainSet.Len())
	idx := t.Gen.Randperm(trainSet.Len())[:n]
	rows := make([]int, n)
	for i, j := range idx {
		rows[i] = int(j)
	}
	x, y := trainSet.Batch(rows)
	loss := train.CrossEntropy(model.Forward(x), y)
	loss.Backward()
	res := lab.NewResult()
	res.Scalars["loss"] = loss.Item()
	var sb, sw float64
	var perLayer []float64
	for _, l := range linears(model) {
		b2, w2 := sumSq(l.Bias.Grad), sumSq(l.Weight.Grad)
		sb += b2
		sw += w2
		perLayer = append(perLayer, math.Sqrt(b2/(b2+w2)))
	}
	res.Scalars["bias_grad_norm"] = math.Sqrt(sb)
	res.Scalars["weight_grad_norm"] = math.Sqrt(sw)
	res.Scalars["bias_share"] = math.Sqrt(sb / (sb + sw))
	res.Series["bias_share_by_layer"] = perLayer
	if !gradFinite(res.Scalars["loss"]) || !gradFinite(sb) || !gradFinite(sw) {
		res.Diverged, res.DivergedValue = true, res.Scalars["loss"]
	}
	return res, nil
}

func sumSq(t *tensor.Tensor) float64 {
	if t == nil {
		return 0
	}
	s := 0.0
	for _, x := range t.Float64s() {
		s += float64(x * x)
	}
	return s
}

func gradFinite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

func analyzeBiasGradInit(r *lab.ExperimentResult) lab.Analysis {
	a := lab.Analysis{}
	factor := r.Resolved.Float("factor")
	margin := xmath.Log(factor)
	a.Tables = append(a.Tables, scalarTable(r, "At initialization, one batch (mean ± std [95% CI] over seeds); the biases start at 0 everywhere",
		[]string{"bias_grad_norm", "weight_grad_norm", "bias_share", "loss"},
		[]string{"‖bias gradient‖", "‖weight gradient‖", "bias share of the gradient (of an SGD update)", "loss"}))
	refName := r.Resolved.Strings("others")[0]
	ref := r.VariantOf(gradInitCond{Init: refName})
	tbl := lab.Table{Title: fmt.Sprintf("Against %s, paired by seed: log of the ratio (margin log %s = %s)", refName, lab.Fmt(factor), lab.Fmt(margin)),
		Columns: []string{"init", "log ratio of ‖bias gradient‖", "explodes?", "vanishes?", "log ratio of the bias share", "bias ineffective?"}}
	var gradParts, shareParts []string
	var explode, vanish, ineffective, largeIneffective []string
	var largeSts []string
	largest := 0.0
	for _, v := range r.Variants {
		if c := v.Cond.(gradInitCond); c.Init == "normal" {
			largest = math.Max(largest, c.Std)
		}
	}
	for _, v := range r.Variants {
		c := v.Cond.(gradInitCond)
		if v == ref {
			continue
		}
		pg := lab.Pair(ref, v, "bias_grad_norm", math.Log)
		ps := lab.Pair(ref, v, "bias_share", math.Log)
		ex, va, in := pg.Decide(margin, lab.Greater), pg.Decide(margin, lab.Less), ps.Decide(margin, lab.Less)
		tbl.Rows = append(tbl.Rows, []string{v.Label, pg.String(), ex, va, ps.String(), in})
		name := strings.TrimPrefix(v.Label, "init=")
		gradParts = append(gradParts, fmt.Sprintf("%s ×%s (log %s)", name, lab.Fmt(xmath.Exp(pg.Diff.Mean)), pg.String()))
		shareParts = append(shareParts, fmt.Sprintf("%s %s of the gradient, ×%s of %s's (log %s)", name, fmtPct(v.Scalar("bias_share").Mean), lab.Fmt(xmath.Exp(ps.Diff.Mean)), refName, ps.String()))
		if ex == lab.Supported {
			explode = append(explode, name)
		}
		if va == lab.Supported {
			vanish = append(vanish, name)
		}
		if in == lab.Supported {
			ineffective = append(ineffective, name)
		}
		if c.Init == "normal" && c.Std == largest {
			largeSts = append(largeSts, in)
			if in == lab.Supported {
				largeIneffective = append(largeIneffective, name)
			}
		}
	}
	a.Tables = append(a.Tables, tbl)
	plot := lab.Plot{Name: "bias-share-by-layer", Kind: lab.LinePlot, Title: "The biases' share of each layer's gradient at initialization", XLabel: "layer (1 = first)", YLabel: "‖bias gradient‖ / ‖layer gradient‖", LogY: true}
	for _, v := range r.Variants {
		b := lab.SeriesBand(v.Series("bias_share_by_layer"))
		x := make([]float64, len(b.Mean))
		for i := range x {
			x[i] = float64(i + 1)
		}
		plot.Lines = append(plot.Lines, lab.Line{Label: v.Label, X: x, Y: b.Mean, Low: b.Low, High: b.High})
	}
	a.Plots = append(a.Plots, plot)
	list := func(xs []string) string {
		if len(xs) == 0 {
			return "none"
		}
		return strings.Join(xs, ", ")
	}
	txt := fmt.Sprintf("against %s, the bias gradient's norm is %s; it explodes (more than ×%s) under %s and vanishes (less than 1/%s) under %s. "+
		"The biases' share of the gradient: %s; it is more than %s× smaller, the bias ineffective, under %s.",
		refName, strings.Join(gradParts, "; "), lab.Fmt(factor), list(explode), lab.Fmt(factor), list(vanish), strings.Join(shareParts, "; "), lab.Fmt(factor), list(ineffective))
	decided := len(explode)+len(vanish) > 0
	switch {
	case decided && len(largeIneffective) > 0:
		a.Verdict = lab.Verdict{Status: lab.Supported, Text: txt}
	case decided:
		a.Verdict = lab.Verdict{Status: lab.Depends, Text: txt + fmt.Sprintf(" So the gradient does explode (or vanish) with the σ, but the bias does not become ineffective: under the largest σ, %s, its share of the update stays within ×%s of %s's.", trimFloat(largest), lab.Fmt(factor), refName)}
	case len(largeIneffective) > 0:
		a.Verdict = lab.Verdict{Status: lab.Depends, Text: txt + fmt.Sprintf(" So large weights make the bias ineffective, but its gradient neither explodes nor vanishes beyond ×%s.", lab.Fmt(factor))}
	case len(largeSts) > 0 && largeSts[0] == lab.NotSupported:
		a.Verdict = lab.Verdict{Status: lab.NotSupported, Text: txt}
	default:
		a.Verdict = lab.Verdict{Status: lab.Inconclusive, Text: txt}
	}
	a.Notes = append(a.Notes, "Every bias starts at 0 so that only the weights differ; the gradient is that of the cross-entropy on one batch at initialization, and with plain SGD an update is the learning rate times it, so the share of the gradient is the share of the update. "+
		"A layer's bias gradient is the sum over the batch of the gradient reaching its outputs, while its weight gradient multiplies that by the layer's inputs: large weights make the inputs of the later layers large, so their weight gradients dwarf the bias gradients.")
	return a
}
