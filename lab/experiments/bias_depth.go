package experiments

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/intercept-ml/intercept/data"
	"github.com/intercept-ml/intercept/lab"
	"github.com/intercept-ml/intercept/train"
)

// BiasDepth trains ReLU MLPs of several depths, with and without bias, on
// the digits (or --data): same width, same (PyTorch default) weight
// initialization, same batches.
func BiasDepth() *lab.Experiment {
	return &lab.Experiment{
		Name:   "bias-depth",
		Title:  "Bias in deep networks",
		Claim:  "“Bias helps to improve learning, especially in deep networks.”",
		Source: "the document, Method 7, “Final thoughts”",
		Group:  lab.Claims,
		Params: append(mlpClaimParams("1,2,4,8,16", "1,4", "all", "250", "60"),
			lab.Param{Name: "margin", Default: "1", Kind: lab.Float, Min: 0, Max: 100, Help: "accuracy points by which the bias must help (and help more at the deepest than at the shallowest depth) to count"}),
		Variants: mlpClaimVariants,
		Memory:   mlpClaimMemory,
		Run:      runMLPClaim,
		Analyze:  analyzeBiasDepth,
	}
}

// mlpClaimParams are the parameters shared by bias-depth,
// bias-training-time and bias-overfit, with their defaults.
func mlpClaimParams(depths, quickDepths, sizes, steps, quickSteps string) []lab.Param {
	return []lab.Param{
		{Name: "depths", Default: depths, Quick: quickDepths, Kind: lab.Floats, Min: 1, Max: 64, Help: "numbers of hidden layers"},
		{Name: "sizes", Default: sizes, Kind: lab.Strings, Help: "training-set sizes (the first N examples), or all"},
		{Name: "width", Default: "32", Kind: lab.Int, Min: 1, Max: 4096, Help: "width of every hidden layer"},
		{Name: "steps", Default: steps, Quick: quickSteps, Kind: lab.Int, Min: 10, Max: 1e6, Help: "Adam steps (batch 64)"},
		{Name: "lr", Default: "0.002", Kind: lab.Float, Min: 1e-8, Max: 100, Help: "learning rate (Adam)"},
		{Name: "target", Default: "0.1", Kind: lab.Float, Min: 1e-6, Max: 100, Help: "training loss to reach: the step at which the mean of the last 10 batch losses first falls to it"},
		{Name: "limit", Default: "10000", Kind: lab.Int, Min: 64, Max: 1e7, Help: "at most this many examples from --data"},
	}
}

// mlpCond is a variant of the MLP claims: hidden layers, training-set size
// (0 = all) and whether every layer has a bias.
type mlpCond struct {
	Depth int
	Size  int
	Bias  bool
}

func (c mlpCond) Settings() []lab.Setting {
	size := "all"
	if c.Size > 0 {
		size = strconv.Itoa(c.Size)
	}
	return []lab.Setting{lab.Set("depth", strconv.Itoa(c.Depth)), lab.Set("size", size), lab.Set("bias", onOff(c.Bias))}
}

// parseSizes reads a list of training-set sizes ("all" is 0).
func parseSizes(names []string) ([]int, error) {
	var out []int
	for _, s := range names {
		if s == "all" {
			out = append(out, 0)
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 10 {
			return nil, fmt.Errorf("sizes: %q is not all or a number of examples ≥ 10", s)
		}
		out = append(out, n)
	}
	return out, nil
}

func mlpClaimVariants(c lab.Config) ([]lab.Variant, error) {
	if _, _, err := loadClassification(c.Data, c.Int("limit")); err != nil {
		return nil, err
	}
	sizes, err := parseSizes(c.Strings("sizes"))
	if err != nil {
		return nil, err
	}
	var conds []mlpCond
	for _, d := range c.Floats("depths") {
		if d != math.Trunc(d) {
			return nil, fmt.Errorf("depths: %v is not a whole number of layers", d)
		}
		for _, s := range sizes {
			for _, b := range bothBias {
				conds = append(conds, mlpCond{Depth: int(d), Size: s, Bias: b})
			}
		}
	}
	return variants(conds), nil
}

func mlpClaimMemory(c lab.Config) int64 {
	depth := 1
	for _, d := range c.Floats("depths") {
		depth = max(depth, int(d))
	}
	return mlpBytes(classInputs(c.Data), c.Int("width"), depth, 10, 64, 2*min(c.Int("limit"), 70000))
}

// runMLPClaim trains one MLP and measures what the three MLP claims need:
// final losses and accuracies on the training and test sets, and the step
// at which the training loss reached the target.
func runMLPClaim(ctx context.Context, t lab.Trial) (*lab.TrialResult, error) {
	c := t.Config
	v := t.Variant.Cond.(mlpCond)
	trainSet, testSet, err := loadClassification(c.Data, c.Int("limit"))
	if err != nil {
		return nil, err
	}
	if v.Size > 0 && v.Size < trainSet.Len() {
		x, y := data.Tensors(trainSet)
		trainSet = data.NewTensorDataset(x.Narrow(0, 0, v.Size), y.Narrow(0, 0, v.Size))
	}
	sizes := []int{trainSet.X().Size(1)}
	for range v.Depth {
		sizes = append(sizes, c.Int("width"))
	}
	model := mlp(t.Gen, append(sizes, 10), "relu", v.Bias)
	target := c.Float("target")
	reached := -1
	var window []float64
	tr := newTrainer(model, trainSet, train.CrossEntropy, trainConfig{steps: c.Int("steps"), lr: c.Float("lr"), opt: "adam", batch: 64, every: 5, log: t.Log}, t.Gen)
	defer tr.close()
	tr.c.onStep = func(step int) {
		window = append(window, tr.final)
		if len(window) > 10 {
			window = window[1:]
		}
		if reached < 0 && len(window) == 10 && windowMean(window) <= target {
			reached = step + 1
		}
	}
	if err := tr.run(ctx, c.Int("steps")); err != nil {
		return nil, err
	}
	res := lab.NewResult()
	record(res, tr.trainResult, "loss")
	if tr.diverged {
		for _, k := range []string{"train_loss", "test_loss", "train_acc", "test_acc", "gap"} {
			res.Scalars[k] = math.NaN()
		}
	} else {
		res.Scalars["train_loss"] = evalLoss(model, trainSet, train.CrossEntropy)
		res.Scalars["test_loss"] = evalLoss(model, testSet, train.CrossEntropy)
		res.Scalars["train_acc"] = accuracy(model, trainSet)
		res.Scalars["test_acc"] = accuracy(model, testSet)
		res.Scalars["gap"] = res.Scalars["train_acc"] - res.Scalars["test_acc"]
	}
	// a target never reached is an outcome: steps_to_target is then the
	// budget (a lower bound) and reached is 0
	res.Scalars["reached"] = 1
	res.Scalars["steps_to_target"] = float64(reached)
	if reached < 0 {
		res.Scalars["reached"] = 0
		res.Scalars["steps_to_target"] = float64(c.Int("steps"))
	}
	return res, nil
}

func windowMean(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

// points returns metric (a fraction) of v in percentage points, by seed.
func points(v *lab.VariantResult, metric string) map[uint64]float64 {
	return mapSeeds(seedScalars(v, metric), func(_ uint64, x float64) float64 { return 100 * x })
}

// mlpConds returns the depths and sizes of r's variants, in order.
func mlpConds(r *lab.ExperimentResult) (depths, sizes []int) {
	seenD, seenS := map[int]bool{}, map[int]bool{}
	for _, v := range r.Variants {
		c := v.Cond.(mlpCond)
		if !seenD[c.Depth] {
			seenD[c.Depth] = true
			depths = append(depths, c.Depth)
		}
		if !seenS[c.Size] {
			seenS[c.Size] = true
			sizes = append(sizes, c.Size)
		}
	}
	return depths, sizes
}

func sizeName(n int) string {
	if n == 0 {
		return "all"
	}
	return strconv.Itoa(n)
}

func analyzeBiasDepth(r *lab.ExperimentResult) lab.Analysis {
	a := lab.Analysis{}
	margin := r.Resolved.Float("margin")
	depths, sizes := mlpConds(r)
	a.Tables = append(a.Tables, scalarTable(r, "Final results (mean ± std [95% CI] over seeds)",
		[]string{"test_acc", "train_loss", "test_loss"}, []string{"test accuracy", "training loss", "test loss"}))
	a.Plots = append(a.Plots, curvePlot(r, "loss", "Training loss, with (solid) and without (dashed) bias", "loss", "loss", true, nil))
	tbl := lab.Table{Title: fmt.Sprintf("Test accuracy with − without bias, paired by seed, in points (margin %s)", lab.Fmt(margin)),
		Columns: []string{"hidden layers", "training examples", "with − without (points)", "verdict at this depth", "diverged with / without", "below 20% test accuracy with / without"}}
	var parts []string
	var statuses []string
	var deepest lab.Paired
	var didTxt, didStatus string
	for _, s := range sizes {
		gaps := map[int]map[uint64]float64{}
		for _, d := range depths {
			on, off := r.VariantOf(mlpCond{d, s, true}), r.VariantOf(mlpCond{d, s, false})
			pOn, pOff := points(on, "test_acc"), points(off, "test_acc")
			p := pairSeeds("test accuracy", "bias off", "bias on", pOff, pOn, nil)
			st := p.Decide(margin, lab.Greater)
			div := fmt.Sprintf("%d / %d", countIf(pOn, nonFinite), countIf(pOff, nonFinite))
			stuck := func(x float64) bool { return x < 20 }
			nOn, nOff := countIf(pOn, stuck), countIf(pOff, stuck)
			tbl.Rows = append(tbl.Rows, []string{strconv.Itoa(d), sizeName(s), p.String(), st, div, fmt.Sprintf("%d / %d", nOn, nOff)})
			part := fmt.Sprintf("%d hidden layers %s (%s", d, p.String(), st)
			if nOn+nOff > 0 {
				part += fmt.Sprintf("; %d runs with bias and %d without stayed below 20%% test accuracy", nOn, nOff)
			}
			parts = append(parts, part+")")
			statuses = append(statuses, st)
			g := map[uint64]float64{}
			for seed, x := range pOn {
				if y, ok := pOff[seed]; ok {
					g[seed] = x - y
				}
			}
			gaps[d] = g
			deepest = p
		}
		if len(depths) >= 2 {
			lo, hi := depths[0], depths[len(depths)-1]
			did := pairSeeds("gain from bias", fmt.Sprintf("depth %d", lo), fmt.Sprintf("depth %d", hi), gaps[lo], gaps[hi], nil)
			didStatus = did.Decide(margin, lab.Greater)
			didTxt = fmt.Sprintf("the gain at %d hidden layers minus the gain at %d is %s points (%s)", hi, lo, did.String(), didStatus)
		}
	}
	a.Tables = append(a.Tables, tbl)
	deepSt := deepest.Decide(margin, lab.Greater)
	body := "test accuracy with − without bias, in points: " + strings.Join(parts, "; ")
	if didTxt != "" {
		body += "; " + didTxt
	}
	nSup, nNo := 0, 0
	for _, st := range statuses {
		switch st {
		case lab.Supported:
			nSup++
		case lab.NotSupported:
			nNo++
		}
	}
	switch {
	case deepSt == lab.Supported && didStatus == lab.Supported:
		a.Verdict = lab.Verdict{Status: lab.Supported, Text: body + ": the bias helps, and more the deeper the network."}
	case nNo == len(statuses) && didStatus == lab.NotSupported:
		a.Verdict = lab.Verdict{Status: lab.NotSupported, Text: body + fmt.Sprintf(": within %s points at every depth, and no larger gain in deep networks.", lab.Fmt(margin))}
	case didStatus == lab.NotSupported && nSup > 0:
		a.Verdict = lab.Verdict{Status: lab.Depends, Text: body + ": the bias helps at some depths, but not more in the deep networks."}
	case didStatus == lab.NotSupported:
		a.Verdict = lab.Verdict{Status: lab.NotSupported, Text: body + ": the bias does not help more in deep networks."}
	case nSup > 0 && nNo > 0:
		a.Verdict = lab.Verdict{Status: lab.Depends, Text: body + "."}
	case nNo > 0:
		a.Verdict = lab.Verdict{Status: lab.Inconclusive, Text: body + ": the bias does not help at the depths where the comparison is decided, and the deep networks are undecided."}
	default:
		a.Verdict = lab.Verdict{Status: lab.Inconclusive, Text: body + "."}
	}
	a.Notes = append(a.Notes, "Every network has the same hidden width and PyTorch's default initialization, is trained with Adam on the same batches for the same number of steps, and is judged on test accuracy. Diverged runs are counted in the table and left out of the paired differences.")
	return a
}

func nonFinite(x float64) bool { return math.IsNaN(x) || math.IsInf(x, 0) }
