package experiments

import (
	"context"
	"fmt"
	"math"

	"github.com/intercept-ml/intercept/data"
	"github.com/intercept-ml/intercept/internal/xmath"
	"github.com/intercept-ml/intercept/lab"
	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/nninit"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
	"github.com/intercept-ml/intercept/train"
)

// The margins of LSUVInit's verdict, fixed from the claim's meaning
// ("better or equal", "at least as fast"): LSUV is not worse when its test
// accuracy is within one percentage point and its mean training loss
// within 0.05 nats of the other init's.
const (
	lsuvAccMargin  = 0.01
	lsuvLossMargin = 0.05
)

// The LSUV procedure's constants, from Mishkin & Matas (2016), Algorithm 1:
// the tolerance on the output variance and the largest number of
// rescaling iterations per layer.
const (
	lsuvTolVar = 0.1
	lsuvTMax   = 10
)

// LSUVInit trains a deep plain ReLU MLP initialized with LSUV, He (normal)
// and orthogonal weights.
func LSUVInit() *lab.Experiment {
	return &lab.Experiment{
		Name:  "lsuv-init",
		Title: "Data-dependent init: LSUV against He and orthogonal on a deep plain network",
		Claim: "Layer-sequential unit-variance (LSUV) initialization — orthonormal weights, then each layer in turn rescaled so " +
			"that its output has variance 1 on a minibatch — lets very deep plain networks learn, with test accuracy better than " +
			"or equal to the standard initializations and convergence at least as fast.",
		Source: "Mishkin & Matas 2016, “All you need is a good init” (ICLR), Algorithm 1 and §4; compared with He et al. 2015 " +
			"and Saxe, McClelland & Ganguli 2014 (orthogonal)",
		Group: lab.Literature,
		Params: []lab.Param{
			{Name: "depth", Default: "20", Quick: "6", Kind: lab.Int, Min: 1, Max: 1000, Help: "hidden layers (Linear + ReLU)"},
			{Name: "width", Default: "32", Kind: lab.Int, Min: 1, Max: 4096, Help: "hidden width (thin, as the paper's FitNets)"},
			{Name: "steps", Default: "300", Quick: "10", Kind: lab.Int, Min: 1, Max: 1e6, Help: "SGD steps (batch 64, momentum 0.9)"},
			{Name: "lr", Default: "0.01", Kind: lab.Float, Min: 1e-8, Max: 10, Help: "learning rate (the paper's 0.01)"},
			{Name: "inits", Default: "lsuv,he,orthogonal", Kind: lab.Strings, Help: "weight inits: lsuv, he (normal), orthogonal (gain √2)"},
		},
		Variants: func(c lab.Config) ([]lab.Variant, error) {
			if _, _, err := loadClassification(c.Data, 0); err != nil {
				return nil, err
			}
			var conds []lsuvCond
			for _, s := range c.Strings("inits") {
				switch s {
				case "lsuv", "he", "orthogonal":
					conds = append(conds, lsuvCond{s})
				default:
					return nil, fmt.Errorf("inits: unknown init %q (want lsuv, he or orthogonal)", s)
				}
			}
			return variants(conds), nil
		},
		Memory: func(c lab.Config) int64 {
			return mlpBytes(classInputs(c.Data), c.Int("width"), c.Int("depth"), 10, 256, 70000)
		},
		Run:     runLSUV,
		Analyze: analyzeLSUV,
	}
}

// lsuvCond is a variant of LSUVInit: the weight initialization.
type lsuvCond struct{ Init string }

func (c lsuvCond) Settings() []lab.Setting { return []lab.Setting{lab.Set("init", c.Init)} }

// lsuv applies Algorithm 1 of Mishkin & Matas to the Linear layers of
// model, in order: orthonormal pre-initialization (already done by the
// caller), then for each layer, up to lsuvTMax times, a forward pass of a
// fresh random minibatch of batch training examples, the (unbiased)
// variance of the layer's output, and W ← W / √Var until |Var − 1| <
// lsuvTolVar. It returns the number of rescalings made.
func lsuv(model *nn.Sequential, x *tensor.Tensor, batch int, g *rng.Generator) int {
	layers := model.Layers()
	rescaled := 0
	tensor.NoGrad(func() {
		for li, m := range layers {
			l, ok := m.(*nn.Linear)
			if !ok {
				continue
			}
			for it := 0; it < lsuvTMax; it++ {
				idx := g.Randperm(x.Size(0))[:min(batch, x.Size(0))]
				h := x.IndexSelect(0, tensor.FromInt64(idx))
				for _, mm := range layers[:li+1] {
					h = mm.Forward(h)
				}
				v := h.Var().Item()
				if math.Abs(v-1) < lsuvTolVar {
					break
				}
				w := l.Weight.Data32()
				f := float32(math.Sqrt(v))
				for j := range w {
					w[j] /= f
				}
				rescaled++
			}
		}
	})
	return rescaled
}

func runLSUV(ctx context.Context, t lab.Trial) (*lab.TrialResult, error) {
	c := t.Config
	rawTrain, rawTest, err := loadClassification(c.Data, 0)
	if err != nil {
		return nil, err
	}
	trainSet, testSet := standardized(rawTrain, rawTest)
	v := t.Variant.Cond.(lsuvCond)
	sizes := []int{trainSet.X().Size(1)}
	for i := 0; i < c.Int("depth"); i++ {
		sizes = append(sizes, c.Int("width"))
	}
	sizes = append(sizes, 10)
	model := mlp(t.Gen, sizes, "relu", true)
	for _, l := range linears(model) {
		switch v.Init {
		case "lsuv":
			nninit.Orthogonal(l.Weight, nninit.WithGenerator(t.Gen))
		case "he":
			nninit.KaimingNormal(l.Weight, nninit.ReLU, nninit.WithGenerator(t.Gen))
		case "orthogonal":
			nninit.Orthogonal(l.Weight, nninit.Gain(nninit.CalculateGain(nninit.ReLU)), nninit.WithGenerator(t.Gen))
		}
		nninit.Zeros(l.Bias)
	}
	res := lab.NewResult()
	const batch = 64
	if v.Init == "lsuv" {
		res.Scalars["lsuv_rescalings"] = float64(lsuv(model, trainSet.X(), batch, t.Gen))
	}
	res.Series["out_var"], res.Scalars["max_abs_log_var"] = linearOutputVars(model, trainSet)
	res.Scalars["initial_loss"] = evalLoss(model, trainSet, train.CrossEntropy)
	tr, err := fitWith(ctx, model, trainSet, train.CrossEntropy,
		trainConfig{steps: c.Int("steps"), batch: batch, every: 1, maxLoss: 1e6, log: t.Log}, t.Gen, sgdMomentum(c.Float("lr"), 0.9))
	if err != nil {
		return nil, err
	}
	record(res, tr, "loss")
	// the area under the training curve: how fast the loss came down
	res.Scalars["mean_loss"] = meanLossBefore(tr, c.Int("steps"))
	if tr.diverged {
		res.Scalars["final_loss"] = math.Inf(1)
		res.Scalars["test_accuracy"] = math.NaN()
	} else {
		res.Scalars["final_loss"] = evalLoss(model, trainSet, train.CrossEntropy)
		res.Scalars["test_accuracy"] = accuracy(model, testSet)
	}
	return res, nil
}

// linearOutputVars returns the (unbiased) variance of every Linear layer's
// output on the first 256 training examples, and the largest |ln variance|
// over the hidden layers.
func linearOutputVars(model *nn.Sequential, ds *data.TensorDataset) ([]float64, float64) {
	var vars []float64
	worst := 0.0
	tensor.NoGrad(func() {
		h := ds.X().Narrow(0, 0, min(256, ds.Len()))
		for _, m := range model.Layers() {
			h = m.Forward(h)
			if _, ok := m.(*nn.Linear); ok {
				vars = append(vars, h.Var().Item())
			}
		}
	})
	for _, v := range vars[:len(vars)-1] {
		worst = math.Max(worst, math.Abs(xmath.Log(v)))
	}
	return vars, worst
}

func analyzeLSUV(r *lab.ExperimentResult) lab.Analysis {
	a := lab.Analysis{}
	t := scalarTable(r, "Per init (mean ± std [95% CI] over seeds)",
		[]string{"lsuv_rescalings", "max_abs_log_var", "initial_loss", "mean_loss", "final_loss", "test_accuracy"},
		[]string{"LSUV rescalings", "max |ln Var| of hidden outputs at init", "initial loss", "mean training loss", "final train loss", "test accuracy"})
	t.Columns = append(t.Columns, "diverged")
	for i, v := range r.Variants {
		t.Rows[i] = append(t.Rows[i], fmt.Sprintf("%d of %d", v.Diverged, len(v.Trials)))
	}
	a.Tables = append(a.Tables, t)
	a.Plots = append(a.Plots,
		perLayerPlot(r, "out-var", "Variance of each Linear layer's output at initialization", "variance", "out_var", true),
		curvePlot(r, "loss", "Minibatch training loss", "cross-entropy loss", "loss", true, nil))
	ls := r.VariantOf(lsuvCond{"lsuv"})
	var rows []pairRow
	var statuses, parts []string
	for _, o := range r.Variants {
		if ls == nil || o.Key == ls.Key {
			continue
		}
		name := o.Cond.(lsuvCond).Init
		pa := lab.Pair(o, ls, "test_accuracy", nil)
		pe := lab.Pair(o, ls, "mean_loss", nil)
		sa := notWorse(pa, lsuvAccMargin, lab.Less)
		se := notWorse(pe, lsuvLossMargin, lab.Greater)
		rows = append(rows,
			pairRow{name, "test accuracy: LSUV − " + name + " (not worse?)", pa, lsuvAccMargin, sa},
			pairRow{name, "mean training loss: LSUV − " + name + " (not higher?)", pe, lsuvLossMargin, se})
		statuses = append(statuses, sa, se)
		parts = append(parts, fmt.Sprintf("against %s, test accuracy %s (%s) and mean training loss %s (%s); %d of %d %s runs diverged",
			name, pa, sa, pe, se, o.Diverged, len(o.Trials), name))
	}
	a.Tables = append(a.Tables, pairTable(fmt.Sprintf("Paired differences LSUV − other over the same seeds (not worse: accuracy within %s points, mean training loss within %s nats)",
		lab.Fmt(100*lsuvAccMargin), lab.Fmt(lsuvLossMargin)), rows))
	if len(statuses) == 0 {
		a.Verdict = lab.Verdict{Status: lab.Inconclusive, Text: "LSUV and at least one other init are needed."}
		return a
	}
	status := joinStatuses(statuses...)
	txt := fmt.Sprintf("%s: LSUV (%d of %d runs diverged) — ", statusWord(status), ls.Diverged, len(ls.Trials))
	for i, p := range parts {
		if i > 0 {
			txt += "; "
		}
		txt += p
	}
	a.Verdict = lab.Verdict{Status: status, Text: txt + "."}
	a.Notes = append(a.Notes,
		fmt.Sprintf("LSUV as in Algorithm 1 of the paper: orthonormal weights (torch's orthogonal_, gain 1) and zero biases, then "+
			"for each Linear layer in order, up to T_max = %d times: a forward pass of a fresh random minibatch of 64 training examples, "+
			"Var of the layer's output (unbiased, over all its values), and W ← W/√Var until |Var − 1| < Tol_var = %s. "+
			"The classifier is rescaled too.", lsuvTMax, lab.Fmt(lsuvTolVar)),
		"Setup (from the paper, not tuned): a thin plain MLP of `depth` hidden Linear + ReLU layers (the paper's FitNets are thin "+
			"and 11–19 layers deep) on the digits with standardized inputs, SGD with momentum 0.9 at lr 0.01, batch 64. He is "+
			"N(0, 2/fan_in); orthogonal is scaled by the ReLU gain √2 (the paper's \"OrthoNorm-MSRA scaled\").",
		"Mean training loss = mean of the minibatch losses over all steps, the area under the training curve: a lower one "+
			"came down faster (\"at least as fast\"). A diverged run counts as diverged in the paired differences.")
	return a
}
