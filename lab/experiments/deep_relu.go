package experiments

import (
	"context"
	"fmt"
	"math"

	"github.com/intercept-ml/intercept/internal/xmath"
	"github.com/intercept-ml/intercept/lab"
	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/tensor"
	"github.com/intercept-ml/intercept/train"
)

// DeepReLU measures per-layer activation statistics of a 30-layer ReLU MLP
// at initialization and whether it trains, under Xavier, He and N(0, 1)
// weights (He et al. 2015).
func DeepReLU() *lab.Experiment {
	return &lab.Experiment{
		Name:   "deep-relu",
		Title:  "6. A 30-layer ReLU network: He vs Xavier vs normal",
		Claim:  "He initialization keeps the signal alive in deep ReLU networks, where Xavier initialization makes it shrink layer by layer and a 30-layer network stalls.",
		Source: "He et al. 2015, “Delving deep into rectifiers”, §2.2 and Fig. 3; the document: He init “leads to better convergence when compared to Xavier in deep networks”",
		Group:  lab.Claims,
		Params: []lab.Param{
			{Name: "depth", Default: "30", Kind: lab.Int, Min: 2, Max: 1000, Help: "number of Linear layers"},
			{Name: "width", Default: "64", Kind: lab.Int, Min: 1, Max: 4096, Help: "hidden width"},
			{Name: "steps", Default: "200", Quick: "40", Kind: lab.Int, Min: 1, Max: 1e6, Help: "SGD steps (batch 64)"},
			{Name: "lr", Default: "0.01", Kind: lab.Float, Min: 1e-8, Max: 100, Help: "learning rate (SGD, momentum 0)"},
			{Name: "inits", Default: "kaiming,xavier,normal", Kind: lab.Strings, Help: "weight inits (biases start at zero)"},
		},
		Variants: func(c lab.Config) ([]lab.Variant, error) {
			if _, _, err := loadClassification(c.Data, 0); err != nil {
				return nil, err
			}
			if c.Int("depth") < 2 {
				return nil, fmt.Errorf("depth must be at least 2")
			}
			inits, err := parseWeightInits(c.Strings("inits"))
			if err != nil {
				return nil, fmt.Errorf("inits: %w", err)
			}
			return variants(each(inits, func(w weightInit) deepCond { return deepCond{w} })), nil
		},
		Memory: func(c lab.Config) int64 {
			return mlpBytes(classInputs(c.Data), c.Int("width"), c.Int("depth")-1, 10, 64, 70000)
		},
		Run:     runDeepReLU,
		Analyze: analyzeDeepReLU,
	}
}

// deepCond is a variant of DeepReLU: the weight initialization.
type deepCond struct{ Init weightInit }

func (c deepCond) Settings() []lab.Setting { return []lab.Setting{lab.Set("init", string(c.Init))} }

func deepModel(t lab.Trial, in, out int) *nn.Sequential {
	c := t.Config
	sizes := []int{in}
	for i := 0; i < c.Int("depth")-1; i++ {
		sizes = append(sizes, c.Int("width"))
	}
	sizes = append(sizes, out)
	model := mlp(t.Gen, sizes, "relu", true)
	for _, l := range linears(model) {
		t.Variant.Cond.(deepCond).Init.apply(l.Weight, t.Gen)
		zeroBias.apply(l.Bias, t.Gen)
	}
	return model
}

// layerStats runs x through the model and returns the standard deviation
// of every Linear layer's output, and of the gradient of a cross-entropy
// loss with respect to it.
func layerStats(model *nn.Sequential, x, y *tensor.Tensor) (act, grad []float64) {
	h := x
	var outs []*tensor.Tensor
	for _, m := range model.Layers() {
		h = m.Forward(h)
		if _, ok := m.(*nn.Linear); ok {
			h.RetainGrad()
			outs = append(outs, h)
		}
	}
	loss := train.CrossEntropy(h, y)
	loss.Backward()
	for _, o := range outs {
		act = append(act, stdOf(o))
		if o.Grad != nil {
			grad = append(grad, stdOf(o.Grad))
		} else {
			grad = append(grad, math.NaN())
		}
	}
	for _, p := range nn.Parameters(model) {
		p.Grad = nil
	}
	return act, grad
}

func stdOf(t *tensor.Tensor) float64 {
	var v float64
	tensor.NoGrad(func() { v = t.Detach().StdCorrection(0, false).Item() })
	return v
}

func runDeepReLU(ctx context.Context, t lab.Trial) (*lab.TrialResult, error) {
	c := t.Config
	trainSet, testSet, err := loadClassification(c.Data, 0)
	if err != nil {
		return nil, err
	}
	xtr, ytr := trainSet.X(), trainSet.Y()
	model := deepModel(t, xtr.Size(1), 10)
	res := lab.NewResult()
	sample := xtr.Narrow(0, 0, min(256, xtr.Size(0)))
	act, grad := layerStats(model, sample, ytr.Narrow(0, 0, sample.Size(0)))
	res.Series["act_std"] = act
	res.Series["grad_std"] = grad
	// Layer 1 is the first Linear's output (on raw pixels in [0, 1], not
	// standardized); layer depth−1 is the last hidden layer's, the last
	// one before the output layer.
	res.Scalars["act_std_first"] = act[0]
	res.Scalars["act_std_last"] = act[len(act)-2]
	res.Scalars["act_ratio"] = act[len(act)-2] / act[0]
	res.Scalars["initial_loss"] = evalLoss(model, trainSet, train.CrossEntropy)
	tr, err := fit(ctx, model, trainSet, train.CrossEntropy, trainConfig{steps: c.Int("steps"), lr: c.Float("lr"), opt: "sgd", batch: 64, every: 2, maxLoss: 1e6, log: t.Log}, t.Gen)
	if err != nil {
		return nil, err
	}
	record(res, tr, "loss")
	if tr.diverged {
		res.Scalars["final_loss"] = math.Inf(1)
		res.Scalars["test_accuracy"] = math.NaN()
		// A diverged run did not learn: for the paired comparison it
		// counts at chance level, not as a missing seed.
		res.Scalars["accuracy_or_chance"] = 1 / float64(classes(trainSet))
	} else {
		res.Scalars["final_loss"] = evalLoss(model, trainSet, train.CrossEntropy)
		res.Scalars["test_accuracy"] = accuracy(model, testSet)
		res.Scalars["accuracy_or_chance"] = res.Scalars["test_accuracy"]
	}
	return res, nil
}

func analyzeDeepReLU(r *lab.ExperimentResult) lab.Analysis {
	a := lab.Analysis{}
	p := lab.Plot{Name: "act-std", Kind: lab.LinePlot, Title: "Standard deviation of each layer's output at initialization", XLabel: "layer", YLabel: "std of layer output", LogY: true}
	g := lab.Plot{Name: "grad-std", Kind: lab.LinePlot, Title: "Standard deviation of the loss gradient at each layer's output, at initialization", XLabel: "layer", YLabel: "std of gradient", LogY: true}
	for _, v := range r.Variants {
		for _, pair := range []struct {
			pl     *lab.Plot
			series string
		}{{&p, "act_std"}, {&g, "grad_std"}} {
			b := lab.SeriesBand(v.Series(pair.series))
			x := make([]float64, len(b.Mean))
			for i := range x {
				x[i] = float64(i + 1)
			}
			pair.pl.Lines = append(pair.pl.Lines, lab.Line{Label: v.Label, X: x, Y: b.Mean, Low: b.Low, High: b.High})
		}
	}
	a.Plots = append(a.Plots, p, g, curvePlot(r, "loss", "Training loss of the deep network", "cross-entropy loss", "loss", true, nil))
	a.Tables = append(a.Tables, scalarTable(r, "Signal at initialization and result of training (mean ± std [95% CI])",
		[]string{"act_std_first", "act_std_last", "act_ratio", "initial_loss", "final_loss", "test_accuracy"},
		[]string{"std layer 1", "std last hidden", "ratio last/first", "initial loss", "final loss", "test accuracy"}))
	he, xa := r.VariantOf(deepCond{"kaiming"}), r.VariantOf(deepCond{"xavier"})
	if he == nil || xa == nil || he.Scalar("act_ratio").N == 0 || xa.Scalar("act_ratio").N == 0 {
		a.Verdict = lab.Verdict{Status: lab.Inconclusive, Text: "the He and Xavier variants are both needed."}
		return a
	}
	depth := r.Resolved.Int("depth")
	// The claim's two parts, each decided on a CI:
	//   signal: He keeps the std of layer depth−1 within ×10 of layer 1's
	//     (the CI of the log ratio inside ±log 10), and it is at least 10×
	//     Xavier's (paired by seed);
	//   training: He's test accuracy beats Xavier's by at least
	//     deepAccMargin (paired by seed; a diverged run counts at chance
	//     level, and the diverged runs are counted in the text).
	keeps := within(lab.Summarize(scalarValues(he, "act_ratio", math.Log)), xmath.Log(deepSignalFactor))
	sig := decide(fmt.Sprintf("std ratio layer %d / layer 1, He ÷ Xavier", depth-1), xa, he, "act_ratio", math.Log, xmath.Log(deepSignalFactor), lab.Greater).ratio()
	trn := decide("test accuracy, He − Xavier", xa, he, "accuracy_or_chance", nil, deepAccMargin, lab.Greater).points()
	a.Tables = append(a.Tables, decisionTable("He against Xavier, paired by seed", "difference", []decision{sig, trn}))
	signal := sig.Status
	if keeps != lab.Supported && signal == lab.Supported {
		signal = keeps
	}
	hr, xr := he.Scalar("act_ratio"), xa.Scalar("act_ratio")
	txt := fmt.Sprintf("at initialization the std of layer %d's output is %s× that of layer 1 under He [95%% CI %s, %s] (the claim needs within ×%s of 1: %s) and %s× under Xavier; He ÷ Xavier %s (claim needs %s) → %s",
		depth-1, lab.Fmt(hr.Mean), lab.Fmt(hr.CILow), lab.Fmt(hr.CIHigh), trimFloat(deepSignalFactor), keeps, lab.Fmt(xr.Mean), sig.diff(), sig.margin(), sig.Status)
	txt += fmt.Sprintf("; after training, test accuracy %.1f%% under He and %.1f%% under Xavier (%d of %d He runs and %d of %d Xavier runs diverged, counted at chance level), He − Xavier %s (claim needs %s) → %s",
		100*he.Scalar("test_accuracy").Mean, 100*xa.Scalar("test_accuracy").Mean, he.Diverged, len(he.Trials), xa.Diverged, len(xa.Trials), trn.diff(), trn.margin(), trn.Status)
	if nv := r.VariantOf(deepCond{"normal"}); nv != nil {
		growth, overflow := signalGrowth(nv.Series("act_std"))
		txt += fmt.Sprintf("; N(0, 1) weights multiply the std by about %s per layer", lab.Fmt(growth))
		if overflow > 0 {
			txt += fmt.Sprintf(" (it is no longer finite from layer %d on)", overflow)
		} else if last := nv.Scalar("act_std_last"); last.N > 0 {
			txt += fmt.Sprintf(" (%s at layer %d, still finite in float32)", lab.Fmt(last.Mean), depth-1)
		}
		txt += fmt.Sprintf(", and %d of %d runs diverged", nv.Diverged, len(nv.Trials))
	}
	var status string
	switch {
	case signal == lab.Supported && trn.Status == lab.Supported:
		status = lab.Supported
	case signal == lab.Supported && trn.Status == lab.NotSupported:
		status = lab.Depends
		txt += ": the signal behaves as He et al. predict, but with this optimizer Xavier trains as well"
	case signal == lab.NotSupported || trn.Status == lab.NotSupported:
		status = lab.NotSupported
	default:
		status = lab.Inconclusive
	}
	a.Verdict = lab.Verdict{Status: status, Text: txt + "."}
	a.Notes = append(a.Notes, "For ReLU layers Var[out] = fan_in · Var[w] · E[in²] and E[in²] is half the pre-activation variance, so keeping the signal needs Var[w] = 2/fan_in (He). "+
		fmt.Sprintf("Xavier's 2/(fan_in + fan_out) = 1/width halves the variance at every hidden layer: from layer 1 to layer %d the std shrinks by about 2^-%s. ", depth-1, trimFloat(float64(depth-2)/2))+
		"The inputs are the raw pixels in [0, 1], not standardized (their mean is not 0), so layer 1's std depends on the data; the ratio is measured from layer 1 on. "+
		"On one seed Xavier's and He's uniform weights come from the same draws, scaled by √(6/(fan_in + fan_out)) and √(6/fan_in), and the biases are 0: "+
		"a ReLU network is positively homogeneous, so the He ÷ Xavier ratio of the two std ratios is the same on every seed (√2 per hidden layer here) and its CI has no width.")
	return a
}

// deep-relu's margins: He keeps the signal within a factor deepSignalFactor
// of layer 1 and above Xavier's by at least that factor; "Xavier stalls"
// means He's test accuracy is at least deepAccMargin above it.
const (
	deepSignalFactor = 10
	deepAccMargin    = 0.05
)

// signalGrowth returns the geometric mean of the layer-to-layer ratio of a
// per-layer std series over its finite part (median over seeds), and the
// first layer (1-based) at which the std was no longer finite on any seed
// (0 if never).
func signalGrowth(series [][]float64) (growth float64, overflow int) {
	var gs []float64
	for _, s := range series {
		first, last := -1, -1
		for i, v := range s {
			if math.IsNaN(v) || math.IsInf(v, 0) || v > math.MaxFloat32 {
				if overflow == 0 || i+1 < overflow {
					overflow = i + 1
				}
				break
			}
			if v > 0 {
				if first < 0 {
					first = i
				}
				last = i
			}
		}
		if first >= 0 && last > first {
			gs = append(gs, xmath.Pow(s[last]/s[first], 1/float64(last-first)))
		}
	}
	return median(gs), overflow
}
