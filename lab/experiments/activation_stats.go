package experiments

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/intercept-ml/intercept/internal/xmath"
	"github.com/intercept-ml/intercept/lab"
	"github.com/intercept-ml/intercept/nn/stats"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
	"github.com/intercept-ml/intercept/train"
)

// ActivationStats records per-layer activation and gradient distributions
// at initialization, in the style of Glorot & Bengio (2010).
func ActivationStats() *lab.Experiment {
	return &lab.Experiment{
		Name:   "activation-stats",
		Title:  "7. Activations and gradients per layer at initialization",
		Claim:  "With the standard initialization U[−1/√n, 1/√n] the variance of activations and back-propagated gradients changes from layer to layer; the normalized (Xavier) initialization keeps it roughly constant.",
		Source: "Glorot & Bengio 2010, “Understanding the difficulty of training deep feedforward neural networks”, §4.2; PyTorch's default Linear init is that standard initialization",
		Group:  lab.Claims,
		Params: []lab.Param{
			{Name: "layers", Default: "5", Kind: lab.Int, Min: 1, Max: 100, Help: "hidden layers"},
			{Name: "width", Default: "256", Kind: lab.Int, Min: 1, Max: 4096, Help: "hidden width"},
			{Name: "batch", Default: "256", Kind: lab.Int, Min: 1, Max: 65536, Help: "inputs per measurement (N(0, 1))"},
			{Name: "activations", Default: "tanh,sigmoid,relu", Kind: lab.Strings, Help: "activations"},
			{Name: "inits", Default: "default,xavier", Kind: lab.Strings, Help: "weight inits (default = PyTorch's = Glorot's standard init)"},
		},
		Variants: func(c lab.Config) ([]lab.Variant, error) {
			acts, err := parseActivations(c.Strings("activations"))
			if err != nil {
				return nil, fmt.Errorf("activations: %w", err)
			}
			inits, err := parseWeightInits(c.Strings("inits"))
			if err != nil {
				return nil, fmt.Errorf("inits: %w", err)
			}
			return variants(grid(acts, inits, func(a activation, w weightInit) actInit { return actInit{a, w} })), nil
		},
		Memory: func(c lab.Config) int64 {
			return mlpBytes(c.Int("width"), c.Int("width"), c.Int("layers"), 1, c.Int("batch"), c.Int("batch"))
		},
		Run:     runActivationStats,
		Analyze: analyzeActivationStats,
	}
}

// actInit is a variant of ActivationStats: the hidden activation and the
// weight initialization.
type actInit struct {
	Act  activation
	Init weightInit
}

func (c actInit) Settings() []lab.Setting {
	return []lab.Setting{lab.Set("act", string(c.Act)), lab.Set("init", string(c.Init))}
}

func runActivationStats(ctx context.Context, t lab.Trial) (*lab.TrialResult, error) {
	c := t.Config
	w, L := c.Int("width"), c.Int("layers")
	sizes := []int{w}
	for i := 0; i < L; i++ {
		sizes = append(sizes, w)
	}
	sizes = append(sizes, 10)
	v := t.Variant.Cond.(actInit)
	model := mlp(t.Gen, sizes, v.Act, true)
	for _, l := range linears(model) {
		v.Init.apply(l.Weight, t.Gen)
		zeroBias.apply(l.Bias, t.Gen)
	}
	dg := rng.NewGenerator()
	dg.ManualSeed(3000 + t.Seed)
	x := dg.Randn(c.Int("batch"), w)
	labels := dg.Randperm(c.Int("batch"))
	for i := range labels {
		labels[i] %= 10
	}
	y := tensor.FromInt64(labels)
	res := lab.NewResult()
	// The recorder hooks every layer: the std of each activation layer's
	// output and of the gradient w.r.t. it, and 2000 values of each for
	// the histograms.
	rec := stats.Attach(model, stats.Only(stats.Activations, stats.Gradients), stats.Samples(2000))
	train.CrossEntropy(model.Forward(x), y).Backward()
	st := rec.Step()
	rec.Close()
	var actStd, gradStd []float64
	n := 0
	for _, l := range st.Layers {
		if l.Type == "Linear" {
			continue
		}
		n++
		res.Series[fmt.Sprintf("act_L%d", n)] = l.ActSample
		actStd = append(actStd, l.Act.Std)
		if l.Grad.N > 0 {
			res.Series[fmt.Sprintf("grad_L%d", n)] = l.GradSample
			gradStd = append(gradStd, l.Grad.Std)
		}
	}
	res.Series["act_std"] = actStd
	res.Series["grad_std"] = gradStd
	res.Scalars["act_std_ratio"] = actStd[len(actStd)-1] / actStd[0]
	res.Scalars["grad_std_ratio"] = gradStd[0] / gradStd[len(gradStd)-1]
	// How far the spread is from constant over the layers: |log| of both
	// ratios (0 = constant).
	res.Scalars["spread_change"] = math.Abs(xmath.Log(res.Scalars["act_std_ratio"])) + math.Abs(xmath.Log(res.Scalars["grad_std_ratio"]))
	return res, ctx.Err()
}

func analyzeActivationStats(r *lab.ExperimentResult) lab.Analysis {
	a := lab.Analysis{}
	for _, v := range r.Variants {
		if len(v.Trials) == 0 || v.Trials[0].Result == nil {
			continue
		}
		first := v.Trials[0].Result
		for _, kind := range []string{"act", "grad"} {
			p := lab.Plot{Name: kind + "-" + safe(v.Key), Kind: lab.HistPlot, XLabel: "value", YLabel: "density"}
			if kind == "act" {
				p.Title = "Activation values per layer at init, " + v.Label + " (first seed)"
			} else {
				p.Title = "Back-propagated gradients per layer at init, " + v.Label + " (first seed)"
			}
			for i := 1; ; i++ {
				vals, ok := first.Series[fmt.Sprintf("%s_L%d", kind, i)]
				if !ok {
					break
				}
				p.Lines = append(p.Lines, lab.Line{Label: fmt.Sprintf("layer %d", i), Values: vals})
			}
			a.Plots = append(a.Plots, p)
		}
	}
	sp := lab.Plot{Name: "act-std", Kind: lab.LinePlot, Title: "Std of activations per layer", XLabel: "layer", YLabel: "std", LogY: true}
	gp := lab.Plot{Name: "grad-std", Kind: lab.LinePlot, Title: "Std of back-propagated gradients per layer", XLabel: "layer", YLabel: "std", LogY: true}
	for _, v := range r.Variants {
		for _, pair := range []struct {
			pl *lab.Plot
			s  string
		}{{&sp, "act_std"}, {&gp, "grad_std"}} {
			b := lab.SeriesBand(v.Series(pair.s))
			x := make([]float64, len(b.Mean))
			for i := range x {
				x[i] = float64(i + 1)
			}
			pair.pl.Lines = append(pair.pl.Lines, lab.Line{Label: v.Label, X: x, Y: b.Mean, Low: b.Low, High: b.High, Dashed: v.Cond.(actInit).Init == "default"})
		}
	}
	a.Plots = append([]lab.Plot{sp, gp}, a.Plots...)
	a.Tables = append(a.Tables, scalarTable(r, "How much the spread changes across the layers (1 = constant)",
		[]string{"act_std_ratio", "grad_std_ratio"}, []string{"activation std, last / first layer", "gradient std, first / last layer"}))

	// Glorot & Bengio's claim, for every activation, in two parts decided
	// on CIs over the seeds:
	//   - the standard init changes the spread: the CI of the log of the
	//     activation (or of the gradient) std ratio, last layer / first,
	//     lies outside ±log spreadFactor;
	//   - Xavier keeps it roughly constant: both CIs lie inside
	//     ±log spreadFactor.
	// The paired, same-seed difference of their distance from constant
	// (spread_change, Xavier − standard) is shown beside them.
	m := xmath.Log(spreadFactor)
	band := func(v *lab.VariantResult, metric string) (string, lab.Summary) {
		s := lab.Summarize(scalarValues(v, metric, math.Log))
		return within(s, m), s
	}
	var ds []decision
	var statuses, parts []string
	var acts, decided []activation
	for _, v := range r.Variants {
		c := v.Cond.(actInit)
		if c.Init == "default" {
			acts = append(acts, c.Act)
		}
	}
	tbl := lab.Table{Title: fmt.Sprintf("Is the spread roughly constant (within ×%s from first to last layer)? 95%% CI of the ratio over seeds", trimFloat(spreadFactor)),
		Columns: []string{"activation", "init", "activation std, last / first", "within?", "gradient std, first / last", "within?"}}
	ratioCI := func(s lab.Summary) string {
		if s.N == 0 {
			return "n/a"
		}
		return fmt.Sprintf("×%s [×%s, ×%s]", lab.Fmt(xmath.Exp(s.Mean)), lab.Fmt(xmath.Exp(s.CILow)), lab.Fmt(xmath.Exp(s.CIHigh)))
	}
	for _, act := range acts {
		std, nor := r.VariantOf(actInit{act, "default"}), r.VariantOf(actInit{act, "xavier"})
		if std == nil || nor == nil {
			continue
		}
		sa, ssa := band(std, "act_std_ratio")
		sg, ssg := band(std, "grad_std_ratio")
		na, sna := band(nor, "act_std_ratio")
		ng, sng := band(nor, "grad_std_ratio")
		tbl.Rows = append(tbl.Rows, []string{string(act), "standard", ratioCI(ssa), sa, ratioCI(ssg), sg},
			[]string{string(act), "xavier", ratioCI(sna), na, ratioCI(sng), ng})
		// The standard init changes the spread when either ratio is shown
		// outside the band; it keeps it when both are shown inside.
		changes := lab.Inconclusive
		switch {
		case sa == lab.NotSupported || sg == lab.NotSupported:
			changes = lab.Supported
		case sa == lab.Supported && sg == lab.Supported:
			changes = lab.NotSupported
		}
		keeps := lab.Inconclusive
		switch {
		case na == lab.Supported && ng == lab.Supported:
			keeps = lab.Supported
		case na == lab.NotSupported || ng == lab.NotSupported:
			keeps = lab.NotSupported
		}
		st := lab.Inconclusive
		switch {
		case changes == lab.Supported && keeps == lab.Supported:
			st = lab.Supported
		case changes == lab.NotSupported || keeps == lab.NotSupported:
			st = lab.NotSupported
		}
		statuses = append(statuses, st)
		decided = append(decided, act)
		d := decide(string(act)+": xavier − standard", std, nor, "spread_change", nil, m, lab.Less)
		ds = append(ds, d)
		parts = append(parts, fmt.Sprintf("%s: the standard init takes the activation std ×%s and the gradient std ×%s from one end to the other (changes: %s); Xavier ×%s and ×%s (roughly constant: %s) → %s",
			act, lab.Fmt(xmath.Exp(ssa.Mean)), lab.Fmt(xmath.Exp(ssg.Mean)), changes, lab.Fmt(xmath.Exp(sna.Mean)), lab.Fmt(xmath.Exp(sng.Mean)), keeps, st))
	}
	a.Tables = append(a.Tables, tbl, decisionTable("Distance from a constant spread (|log act ratio| + |log grad ratio|), Xavier − standard, paired by seed", "change", ds))
	if len(statuses) == 0 {
		a.Verdict = lab.Verdict{Status: lab.Inconclusive, Text: "each activation is needed under both inits."}
		return a
	}
	status, held := combine(statuses)
	text := fmt.Sprintf("\"roughly constant\" = within ×%s from the first to the last of %d layers, decided on the 95%% CI over seeds; %s", trimFloat(spreadFactor), r.Resolved.Int("layers"), strings.Join(parts, "; "))
	if status == lab.Depends || (status == lab.Inconclusive && held) {
		status = lab.Depends
		text += ". It depends on the activation: the claim holds for " + strings.Join(holdsFor(decided, statuses, lab.Supported), ", ")
		if no := holdsFor(decided, statuses, lab.NotSupported); len(no) > 0 {
			text += ", not for " + strings.Join(no, ", ")
		}
	}
	a.Verdict = lab.Verdict{Status: status, Text: text + "."}
	return a
}

// spreadFactor is activation-stats' margin: a spread is "roughly constant"
// when the std of the last layer is within this factor of the first's.
const spreadFactor = 2

// holdsFor returns the activations whose status is s.
func holdsFor(acts []activation, statuses []string, s string) []string {
	var out []string
	for i, a := range acts {
		if statuses[i] == s {
			out = append(out, string(a))
		}
	}
	return out
}
