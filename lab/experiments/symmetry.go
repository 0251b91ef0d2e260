package experiments

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/intercept-ml/intercept/data"
	"github.com/intercept-ml/intercept/lab"
	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/rng"
)

// ZeroInitSymmetry measures whether hidden units that start identical stay
// identical, and whether a bias initialization breaks the symmetry.
func ZeroInitSymmetry() *lab.Experiment {
	return &lab.Experiment{
		Name:   "zero-init-symmetry",
		Title:  "4. Zero initialization and symmetry",
		Claim:  "If all weights are zero, all neurons learn the same thing; the bias term does not affect the process of differentiating neurons.",
		Source: "the document, “How different weight initializations impact bias”, zero initialization",
		Group:  lab.Claims,
		Params: []lab.Param{
			{Name: "hidden", Default: "16", Kind: lab.Int, Min: 1, Max: 4096, Help: "hidden units"},
			{Name: "steps", Default: "300", Quick: "100", Kind: lab.Int, Min: 1, Max: 1e6, Help: "training steps (full batch, SGD)"},
			{Name: "lr", Default: "0.1", Kind: lab.Float, Min: 1e-8, Max: 100, Help: "learning rate"},
			{Name: "weight_inits", Default: "zeros,constant,default", Kind: lab.Strings, Help: "weight inits: zeros, constant (0.1 everywhere), default (PyTorch's random init)"},
			{Name: "bias_inits", Default: "zeros,0.5,normal", Kind: lab.Strings, Help: "bias inits: zeros, a constant, or normal (N(0, 0.1))"},
		},
		Variants: func(c lab.Config) ([]lab.Variant, error) {
			return initVariants(c)
		},
		Memory:  func(c lab.Config) int64 { return mlpBytes(4, c.Int("hidden"), 1, 1, 256, 256) },
		Run:     runSymmetry,
		Analyze: analyzeSymmetry,
	}
}

// unitDistance returns the largest distance between two hidden units, each
// unit described by its weights: incoming and outgoing. Biases are left
// out: the claim is about whether the units learn different weights, and a
// random bias would otherwise count as "different" before any training.
func unitDistance(l1, l2 *nn.Linear) float64 {
	w1 := l1.Weight.Float64s()
	in := l1.InFeatures
	w2 := l2.Weight.Float64s() // (out, hidden)
	h := l1.OutFeatures
	unit := func(j int) []float64 {
		u := append([]float64(nil), w1[j*in:(j+1)*in]...)
		for o := 0; o < l2.OutFeatures; o++ {
			u = append(u, w2[o*h+j])
		}
		return u
	}
	best := 0.0
	for i := 0; i < h; i++ {
		ui := unit(i)
		for j := i + 1; j < h; j++ {
			uj := unit(j)
			s := 0.0
			for k := range ui {
				d := ui[k] - uj[k]
				s += float64(d * d)
			}
			best = math.Max(best, math.Sqrt(s))
		}
	}
	return best
}

// symmetryMargin is zero-init-symmetry's margin: units whose weights are
// less than this far apart (Euclidean) compute the same function to about
// three decimals, so they have not been told apart.
const symmetryMargin = 1e-3

func runSymmetry(ctx context.Context, t lab.Trial) (*lab.TrialResult, error) {
	c := t.Config
	dg := rng.NewGenerator()
	dg.ManualSeed(2000 + t.Seed)
	set := data.NewTensorDataset(regressionData(dg, 128, 1))
	h := c.Int("hidden")
	model := mlp(t.Gen, []int{4, h, 1}, "tanh", true)
	ls := linears(model)
	v := t.Variant.Cond.(initCond)
	for _, l := range ls {
		v.Weight.apply(l.Weight, t.Gen)
		v.Bias.apply(l.Bias, t.Gen)
	}
	var dist []float64
	dist = append(dist, unitDistance(ls[0], ls[1]))
	onStep := func(step int) {
		if step%5 == 4 {
			dist = append(dist, unitDistance(ls[0], ls[1]))
		}
	}
	tr, err := fit(ctx, model, set, mse, trainConfig{steps: c.Int("steps"), lr: c.Float("lr"), opt: "sgd", every: 5, onStep: onStep, log: t.Log}, t.Gen)
	if err != nil {
		return nil, err
	}
	res := lab.NewResult()
	record(res, tr, "loss")
	res.Series["unit_distance"] = dist
	res.Scalars["initial_distance"] = dist[0]
	res.Scalars["final_distance"] = unitDistance(ls[0], ls[1])
	res.Scalars["final_loss"] = evalLoss(model, set, mse)
	res.Scalars["target_var"] = set.Y().VarCorrection(0, false).Item()
	return res, nil
}

func analyzeSymmetry(r *lab.ExperimentResult) lab.Analysis {
	a := lab.Analysis{}
	a.Tables = append(a.Tables, scalarTable(r, "Largest distance between the weights (in and out) of two hidden units, and final loss",
		[]string{"initial_distance", "final_distance", "final_loss"}, []string{"distance at init", "distance after training", "final MSE"}))
	dp := lab.Plot{Name: "distance", Kind: lab.LinePlot, Title: "Largest distance between the weights of two hidden units during training", XLabel: "training step / 5", YLabel: "max pairwise weight distance"}
	for _, v := range r.Variants {
		b := lab.SeriesBand(v.Series("unit_distance"))
		dp.Lines = append(dp.Lines, lab.Line{Label: v.Label, Y: b.Mean, Low: b.Low, High: b.High, Dashed: v.Cond.(initCond).Weight != "default"})
	}
	a.Plots = append(a.Plots, dp, curvePlot(r, "loss", "Training loss", "MSE loss", "loss", true, nil))

	// The claim has two parts, each tested on the symmetric starts (zero
	// or constant weights):
	//   1. with equal weights the units learn the same thing: with a
	//      constant bias (zeros, or a number) the weight distance stays
	//      below the margin;
	//   2. the bias does not affect this: a random bias init leaves the
	//      distance where a constant one does. Tested by the paired rule on
	//      the final weight distance, random bias − constant bias; "supported"
	//      there means the bias DOES tell the units apart.
	var stay, moved []string
	var ds []decision
	for _, v := range r.Variants {
		c := v.Cond.(initCond)
		if c.Weight == "default" {
			continue
		}
		d := v.Scalar("final_distance")
		if d.N == 0 {
			continue
		}
		if c.Bias.random() {
			if ref := constantRef(r, c.Weight); ref != nil {
				ds = append(ds, decide(fmt.Sprintf("weight=%s: bias %s − bias %s", c.Weight, c.Bias, ref.Cond.(initCond).Bias), ref, v, "final_distance", nil, symmetryMargin, lab.Greater))
			}
			continue
		}
		if d.Max < symmetryMargin {
			stay = append(stay, fmt.Sprintf("%s (largest distance %s)", v.Label, lab.Fmt(d.Max)))
		} else {
			moved = append(moved, fmt.Sprintf("%s (distance %s)", v.Label, lab.Fmt(d.Mean)))
		}
	}
	a.Tables = append(a.Tables, decisionTable(fmt.Sprintf("Does a random bias tell units with equal weights apart? Final weight distance, paired by seed (margin %s)", lab.Fmt(symmetryMargin)), "distance, random − constant bias", ds))
	broken := whereStatus(ds, lab.Supported)
	kept := whereStatus(ds, lab.NotSupported)
	var dtxt []string
	for _, d := range ds {
		dtxt = append(dtxt, d.String())
	}
	switch {
	case len(stay) == 0 && len(moved) == 0:
		a.Verdict = lab.Verdict{Status: lab.Inconclusive, Text: "no symmetric start (zero or constant weights) finished."}
	case len(moved) > 0:
		st := lab.NotSupported
		if len(r.Seeds) < lab.MinSeedsForNo {
			st = lab.Inconclusive
		}
		a.Verdict = lab.Verdict{Status: st, Text: fmt.Sprintf("units with equal weights and a constant bias did not stay identical: %s.", joinSentences(moved))}
	case len(ds) == 0:
		a.Verdict = lab.Verdict{Status: lab.Supported, Text: fmt.Sprintf("with equal starting weights and a constant bias the units' weights stay identical after training (%s); no random bias init was run.", joinSentences(stay))}
	case len(broken) == len(ds):
		a.Verdict = lab.Verdict{Status: lab.Depends, Text: fmt.Sprintf("depends on the bias init: with equal starting weights and a constant bias the units' weights stay identical (%s), but a random bias init tells them apart (%s). "+
			"The first half of the claim holds; the second (\"the bias does not affect differentiating neurons\") holds only for a constant bias.", joinSentences(stay), strings.Join(dtxt, "; "))}
	case len(kept) == len(ds):
		a.Verdict = lab.Verdict{Status: lab.Supported, Text: fmt.Sprintf("the units' weights stay identical with a constant bias (%s), and a random bias does not tell them apart either (%s).", joinSentences(stay), strings.Join(dtxt, "; "))}
	default:
		a.Verdict = lab.Verdict{Status: lab.Inconclusive, Text: fmt.Sprintf("the units' weights stay identical with a constant bias (%s); whether a random bias tells them apart is not decided: %s.", joinSentences(stay), strings.Join(dtxt, "; "))}
	}
	a.Notes = append(a.Notes, "Units that start with equal weights and equal biases compute the same activation and receive the same gradient at every step, "+
		"so gradient descent cannot tell them apart: the layer behaves like a single unit. With all-zero weights and zero bias, tanh units output 0 and "+
		"no weight receives any gradient at all: only the output bias learns. The distance is measured on the weights only (in and out): "+
		"biases drawn at random differ from the start, which says nothing about whether the units learn different weights.")
	return a
}

// constantRef returns the variant with weight init w and a constant (zero
// or numeric) bias init, the reference a random bias is compared with.
func constantRef(r *lab.ExperimentResult, w weightInit) *lab.VariantResult {
	for _, v := range r.Variants {
		c := v.Cond.(initCond)
		if c.Weight == w && (c.Bias.constant || c.Bias.name == "zeros" || c.Bias.name == "zero") {
			return v
		}
	}
	return nil
}
