package experiments

import (
	"context"
	"fmt"
	"math"

	"github.com/intercept-ml/intercept/internal/xmath"
	"github.com/intercept-ml/intercept/lab"
	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/nninit"
	"github.com/intercept-ml/intercept/tensor"
	"github.com/intercept-ml/intercept/train"
)

// The margins of SelfNormalizing's verdict, fixed from the claim's
// meaning: the distance from the fixed point (mean 0, variance 1) differs
// by more than 0.2 (a mean 0.2 off, or a variance e^0.2 ≈ 1.22× off);
// "trains as well" means a test accuracy within two percentage points.
const (
	snnDistMargin = 0.2
	snnAccMargin  = 0.02
)

// SelfNormalizing measures the mean and variance of every layer's
// activations in a deep MLP at initialization, and trains it, for SELU
// with LeCun-normal weights, ReLU with He and tanh with Xavier.
func SelfNormalizing() *lab.Experiment {
	return &lab.Experiment{
		Name:  "self-normalizing",
		Title: "Self-normalizing networks: SELU with LeCun-normal init over 32 layers",
		Claim: "With the SELU activation and weights of mean 0 and variance 1/n (LeCun normal), activations converge to mean 0 and " +
			"variance 1 from layer to layer, so that very deep feed-forward networks keep normalized activations and train without " +
			"normalization layers.",
		Source: "Klambauer, Unterthiner, Mayr & Hochreiter 2017, “Self-normalizing neural networks”, §3 (the fixed point (0, 1)) " +
			"and §4 (deep FNNs); compared with He et al. 2015 (ReLU) and Glorot & Bengio 2010 (tanh)",
		Group: lab.Literature,
		Params: []lab.Param{
			{Name: "depth", Default: "32", Quick: "8", Kind: lab.Int, Min: 1, Max: 1000, Help: "hidden layers (Linear + activation)"},
			{Name: "width", Default: "64", Kind: lab.Int, Min: 1, Max: 4096, Help: "hidden width"},
			{Name: "steps", Default: "100", Quick: "10", Kind: lab.Int, Min: 0, Max: 1e6, Help: "SGD steps (batch 64) after the measurement"},
			{Name: "lr", Default: "0.01", Kind: lab.Float, Min: 1e-8, Max: 10, Help: "learning rate (plain SGD)"},
		},
		Variants: func(c lab.Config) ([]lab.Variant, error) {
			if _, _, err := loadClassification(c.Data, 0); err != nil {
				return nil, err
			}
			return variants([]snnCond{{"selu", "lecun-normal"}, {"relu", "he-normal"}, {"tanh", "xavier"}}), nil
		},
		Memory: func(c lab.Config) int64 {
			return mlpBytes(classInputs(c.Data), c.Int("width"), c.Int("depth"), 10, 512, 70000)
		},
		Run:     runSelfNormalizing,
		Analyze: analyzeSelfNormalizing,
	}
}

// snnCond is a variant of SelfNormalizing: the activation and its weight
// initialization.
type snnCond struct{ Act, Init string }

func (c snnCond) Settings() []lab.Setting {
	return []lab.Setting{lab.Set("act", c.Act), lab.Set("init", c.Init)}
}

func runSelfNormalizing(ctx context.Context, t lab.Trial) (*lab.TrialResult, error) {
	c := t.Config
	rawTrain, rawTest, err := loadClassification(c.Data, 0)
	if err != nil {
		return nil, err
	}
	trainSet, testSet := standardized(rawTrain, rawTest)
	v := t.Variant.Cond.(snnCond)
	in, w, depth := trainSet.X().Size(1), c.Int("width"), c.Int("depth")
	model := nn.NewSequential()
	acts := make([]nn.Module, depth)
	for i := 0; i < depth; i++ {
		fi := w
		if i == 0 {
			fi = in
		}
		l := nn.NewLinear(fi, w, nn.WithGenerator(t.Gen))
		switch v.Act {
		case "selu":
			// LeCun normal: N(0, 1/fan_in), torch's kaiming_normal_(nonlinearity="linear")
			nninit.KaimingNormal(l.Weight, nninit.Linear, nninit.WithGenerator(t.Gen))
			acts[i] = nn.NewSELU()
		case "relu":
			nninit.KaimingNormal(l.Weight, nninit.ReLU, nninit.WithGenerator(t.Gen))
			acts[i] = nn.NewReLU()
		default:
			nninit.XavierUniform(l.Weight, nninit.WithGenerator(t.Gen))
			acts[i] = nn.NewTanh()
		}
		nninit.Zeros(l.Bias)
		model.Append(l)
		model.Append(acts[i])
	}
	out := nn.NewLinear(w, 10, nn.WithGenerator(t.Gen))
	model.Append(out)
	res := lab.NewResult()
	// every activation's output on the first 512 (standardized) training
	// examples, at initialization
	x := trainSet.X().Narrow(0, 0, min(512, trainSet.Len()))
	var means, vars []float64
	maxMean, maxLogVar := 0.0, 0.0
	tensor.NoGrad(func() {
		h := x
		for _, m := range model.Layers() {
			h = m.Forward(h)
			if _, ok := m.(*nn.Linear); ok {
				continue
			}
			mu, vr := momentStats(h)
			means, vars = append(means, mu), append(vars, vr)
			maxMean = math.Max(maxMean, math.Abs(mu))
			maxLogVar = math.Max(maxLogVar, math.Abs(xmath.Log(vr)))
		}
	})
	res.Series["act_mean"] = means
	res.Series["act_var"] = vars
	res.Scalars["mean_last"] = means[len(means)-1]
	res.Scalars["var_last"] = vars[len(vars)-1]
	res.Scalars["max_abs_mean"] = maxMean
	res.Scalars["max_abs_log_var"] = maxLogVar
	// the distance from the fixed point (0, 1) over all layers
	res.Scalars["distance"] = maxMean + maxLogVar
	res.Scalars["initial_loss"] = evalLoss(model, trainSet, train.CrossEntropy)
	if c.Int("steps") == 0 {
		return res, ctx.Err()
	}
	tr, err := fit(ctx, model, trainSet, train.CrossEntropy,
		trainConfig{steps: c.Int("steps"), lr: c.Float("lr"), opt: "sgd", batch: 64, every: 1, maxLoss: 1e6, log: t.Log}, t.Gen)
	if err != nil {
		return nil, err
	}
	record(res, tr, "loss")
	if tr.diverged {
		res.Scalars["final_loss"] = math.Inf(1)
		res.Scalars["test_accuracy"] = math.NaN()
	} else {
		res.Scalars["final_loss"] = evalLoss(model, trainSet, train.CrossEntropy)
		res.Scalars["test_accuracy"] = accuracy(model, testSet)
	}
	return res, nil
}

func analyzeSelfNormalizing(r *lab.ExperimentResult) lab.Analysis {
	a := lab.Analysis{}
	t := scalarTable(r, "Activations at initialization and training (mean ± std [95% CI] over seeds)",
		[]string{"mean_last", "var_last", "max_abs_mean", "max_abs_log_var", "distance", "initial_loss", "final_loss", "test_accuracy"},
		[]string{"mean, last layer", "variance, last layer", "max |mean|", "max |ln variance|", "distance from (0, 1)", "initial loss", "final train loss", "test accuracy"})
	t.Columns = append(t.Columns, "diverged")
	for i, v := range r.Variants {
		t.Rows[i] = append(t.Rows[i], fmt.Sprintf("%d of %d", v.Diverged, len(v.Trials)))
	}
	a.Tables = append(a.Tables, t)
	a.Plots = append(a.Plots,
		perLayerPlot(r, "act-mean", "Mean of each layer's activations at initialization", "mean", "act_mean", false),
		perLayerPlot(r, "act-var", "Variance of each layer's activations at initialization", "variance", "act_var", true),
		curvePlot(r, "loss", "Minibatch training loss", "cross-entropy loss", "loss", true, nil))
	selu := r.VariantOf(snnCond{"selu", "lecun-normal"})
	others := []*lab.VariantResult{r.VariantOf(snnCond{"relu", "he-normal"}), r.VariantOf(snnCond{"tanh", "xavier"})}
	if selu == nil || others[0] == nil || others[1] == nil {
		a.Verdict = lab.Verdict{Status: lab.Inconclusive, Text: "the three variants are needed."}
		return a
	}
	var rows []pairRow
	var statuses []string
	txt := fmt.Sprintf("at initialization SELU's activations stay within a distance %s of (0, 1) over %d layers (last layer: mean %s, variance %s)",
		lab.FmtSummary(selu.Scalar("distance")), len(longest(selu.Series("act_var"))),
		lab.FmtSummary(selu.Scalar("mean_last")), lab.FmtSummary(selu.Scalar("var_last")))
	var trainTxt []string
	for _, o := range others {
		pd := lab.Pair(o, selu, "distance", nil)
		sd := pd.Decide(snnDistMargin, lab.Less)
		pa := lab.Pair(o, selu, "test_accuracy", nil)
		sa := notWorse(pa, snnAccMargin, lab.Less)
		rows = append(rows,
			pairRow{o.Label, "distance from (0, 1): SELU − " + o.Params["act"] + " (lower?)", pd, snnDistMargin, sd},
			pairRow{o.Label, "test accuracy: SELU − " + o.Params["act"] + " (not worse?)", pa, snnAccMargin, sa})
		statuses = append(statuses, sd)
		txt += fmt.Sprintf("; against %s: %s (%s)", o.Label, pd, sd)
		trainTxt = append(trainTxt, fmt.Sprintf("%s against %s (%s; %d of %d SELU runs and %d of %d %s runs diverged)",
			pa, o.Params["act"], sa, selu.Diverged, len(selu.Trials), o.Diverged, len(o.Trials), o.Params["act"]))
	}
	a.Tables = append(a.Tables, pairTable(fmt.Sprintf("Paired differences over the same seeds (distance: lower by more than %s; accuracy: not worse by more than %s points)",
		lab.Fmt(snnDistMargin), lab.Fmt(100*snnAccMargin)), rows))
	status := joinStatuses(statuses...)
	a.Verdict = lab.Verdict{Status: status, Text: fmt.Sprintf("%s: %s. After training, SELU's test accuracy differs by %s and %s.",
		statusWord(status), txt, trainTxt[0], trainTxt[1])}
	a.Notes = append(a.Notes,
		"Setup (from the paper, not tuned): an MLP of `depth` hidden layers Linear + activation of width 64 on the digits, "+
			"every input feature standardized with the training set's mean and std (the paper's normalized inputs), zero biases. "+
			"SELU uses LeCun-normal weights N(0, 1/fan_in); ReLU He-normal N(0, 2/fan_in); tanh Glorot's Xavier-uniform (gain 1).",
		"Distance from (0, 1) = max over layers of |mean| + max over layers of |ln variance| of the activations on 512 training "+
			"examples at initialization. ReLU's outputs are non-negative, so their mean cannot be 0: He init keeps the second "+
			"moment, not the mean and variance. Training: plain SGD at lr 0.01 (the smallest of the paper's grid), batch 64.")
	return a
}
