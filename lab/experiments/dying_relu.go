package experiments

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/intercept-ml/intercept/lab"
	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/tensor"
	"github.com/intercept-ml/intercept/train"
)

// DyingReLU measures the share of dead ReLU units against the bias and
// weight initialization.
func DyingReLU() *lab.Experiment {
	return &lab.Experiment{
		Name:   "dying-relu",
		Title:  "8. Dying ReLU units against bias and weight init",
		Claim:  "He initialization prevents neurons from becoming inactive in ReLU networks; a small positive bias keeps ReLU units alive, a negative one kills them.",
		Source: "the document, He initialization: “It prevents neurons from becoming inactive in ReLU networks”; the common advice to start ReLU biases at 0.01 (e.g. cs231n)",
		Group:  lab.Claims,
		Params: []lab.Param{
			{Name: "bias_inits", Default: "0,0.01,0.1,-0.5", Kind: lab.Floats, Min: -100, Max: 100, Help: "constant bias inits of the hidden layers"},
			{Name: "weight_inits", Default: "kaiming,xavier", Kind: lab.Strings, Help: "weight inits"},
			{Name: "hidden", Default: "128", Kind: lab.Int, Min: 1, Max: 4096, Help: "width of the three hidden layers"},
			{Name: "steps", Default: "300", Quick: "40", Kind: lab.Int, Min: 1, Max: 1e6, Help: "SGD steps (batch 64)"},
			{Name: "lrs", Default: "0.05,0.2,1", Kind: lab.Floats, Min: 1e-8, Max: 100, Help: "learning rates (SGD): the dead share depends on it, units die en masse near 1"},
			{Name: "margin", Default: "0.05", Kind: lab.Float, Min: 0, Max: 1, Help: "the claim's margin: a remedy keeps units alive when it lowers the dead share by more than this (5 points of the hidden units)"},
		},
		Variants: func(c lab.Config) ([]lab.Variant, error) {
			if _, _, err := loadClassification(c.Data, 0); err != nil {
				return nil, err
			}
			ws, err := parseWeightInits(c.Strings("weight_inits"))
			if err != nil {
				return nil, fmt.Errorf("weight_inits: %w", err)
			}
			var conds []dyingCond
			for _, lr := range c.Floats("lrs") {
				conds = append(conds, grid(ws, c.Floats("bias_inits"), func(w weightInit, b float64) dyingCond { return dyingCond{w, b, lr} })...)
			}
			return variants(conds), nil
		},
		Memory:  func(c lab.Config) int64 { return mlpBytes(classInputs(c.Data), c.Int("hidden"), 3, 10, 64, 70000) },
		Run:     runDyingReLU,
		Analyze: analyzeDyingReLU,
	}
}

// dyingCond is a variant of DyingReLU: the weight initialization, the
// constant the hidden layers' biases start at, and the learning rate.
type dyingCond struct {
	Weight weightInit
	Bias   float64
	LR     float64
}

func (c dyingCond) Settings() []lab.Setting {
	return []lab.Setting{lab.Set("lr", trimFloat(c.LR)), lab.Set("weight", string(c.Weight)), lab.Set("bias", trimFloat(c.Bias))}
}

// deadShare returns the share of hidden ReLU units that output 0 for every
// example of x (NaN is not positive): over the nn.ReLU layers of model, the
// units (elements of one example's output) none of whose outputs is
// positive, as a stats.Recorder counting stats.DeadUnits over one forward
// of x counts them. It runs model's layers up to its last ReLU under
// NoGrad, a Linear and the ReLU after it fused as Sequential fuses them.
func deadShare(model *nn.Sequential, x *tensor.Tensor) float64 {
	layers := model.Layers()
	last := -1
	for i, m := range layers {
		if _, ok := m.(*nn.ReLU); ok {
			last = i
		}
	}
	dead, total := 0, 0
	tensor.NoGrad(func() {
		h := x
		for i := 0; i <= last; i++ {
			m := layers[i]
			_, relu := m.(*nn.ReLU)
			f, fuse := m.(nn.ReLUFuser)
			if fuse && i < last {
				_, fuse = layers[i+1].(*nn.ReLU)
			}
			if fuse {
				h, relu = f.ForwardReLU(h), true
				i++
			} else {
				h = m.Forward(h)
			}
			if relu {
				d, u := deadUnits(h)
				dead += d
				total += u
			}
		}
	})
	return float64(dead) / float64(total)
}

// deadUnits returns the number of units of y (elements of one example's
// output; all of y for a 0- or 1-dimensional y) for which no example gives
// a positive value (NaN is not positive), and the number of units.
func deadUnits(y *tensor.Tensor) (dead, units int) {
	rows := 1
	if y.Dim() > 1 {
		rows = y.Size(0)
	}
	cols := y.Numel() / max(rows, 1)
	y = y.Contiguous()
	if y.DType() == tensor.Float64 {
		return countDead(y.Float64sShared(), rows, cols), cols
	}
	return countDead(y.To(tensor.Float32).Float32sShared(), rows, cols), cols
}

// countDead returns the number of columns of the rows×cols matrix v (row
// major) without a positive element. Each row is searched only in the
// columns still without one, so that, once the live units have shown, the
// rest of the rows cost only the dead ones.
func countDead[T float32 | float64](v []T, rows, cols int) int {
	pending := make([]int32, cols)
	for j := range pending {
		pending[j] = int32(j)
	}
	for r := 0; r < rows && len(pending) > 0; r++ {
		row := v[r*cols : (r+1)*cols]
		k := 0
		for _, j := range pending {
			if !(row[j] > 0) {
				pending[k] = j
				k++
			}
		}
		pending = pending[:k]
	}
	return len(pending)
}

func runDyingReLU(ctx context.Context, t lab.Trial) (*lab.TrialResult, error) {
	c := t.Config
	trainSet, testSet, err := loadClassification(c.Data, 0)
	if err != nil {
		return nil, err
	}
	xtr := trainSet.X()
	h := c.Int("hidden")
	model := mlp(t.Gen, []int{xtr.Size(1), h, h, h, 10}, "relu", true)
	ls := linears(model)
	v := t.Variant.Cond.(dyingCond)
	for i, l := range ls {
		v.Weight.apply(l.Weight, t.Gen)
		if i < len(ls)-1 {
			constantBias(v.Bias).apply(l.Bias, t.Gen)
		} else {
			zeroBias.apply(l.Bias, t.Gen)
		}
	}
	res := lab.NewResult()
	res.Scalars["dead_at_init"] = deadShare(model, xtr)
	var deadCurve []float64
	deadCurve = append(deadCurve, res.Scalars["dead_at_init"])
	onStep := func(step int) {
		if step%25 == 24 {
			deadCurve = append(deadCurve, deadShare(model, xtr))
		}
	}
	tr, err := fit(ctx, model, trainSet, train.CrossEntropy, trainConfig{steps: c.Int("steps"), lr: v.LR, opt: "sgd", batch: 64, every: 2, onStep: onStep, maxLoss: 1e6, log: t.Log}, t.Gen)
	if err != nil {
		return nil, err
	}
	record(res, tr, "loss")
	res.Series["dead_share"] = deadCurve
	if tr.diverged {
		res.Scalars["dead_after"] = math.NaN()
		res.Scalars["test_accuracy"] = math.NaN()
	} else {
		res.Scalars["dead_after"] = deadShare(model, xtr)
		res.Scalars["test_accuracy"] = accuracy(model, testSet)
	}
	return res, nil
}

func analyzeDyingReLU(r *lab.ExperimentResult) lab.Analysis {
	a := lab.Analysis{}
	a.Tables = append(a.Tables, scalarTable(r, "Share of dead hidden units (never active on the training set)",
		[]string{"dead_at_init", "dead_after", "test_accuracy"}, []string{"dead at init", "dead after training", "test accuracy"}))
	dp := lab.Plot{Name: "dead-share", Kind: lab.LinePlot, Title: "Share of dead ReLU units during training", XLabel: "training step / 25", YLabel: "dead share"}
	for _, v := range r.Variants {
		b := lab.SeriesBand(v.Series("dead_share"))
		dp.Lines = append(dp.Lines, lab.Line{Label: v.Label, Y: b.Mean, Low: b.Low, High: b.High, Dashed: v.Cond.(dyingCond).Weight != "kaiming"})
	}
	a.Plots = append(a.Plots, dp, barPlot(r, "dead-after", "Dead units after training", "dead share", "dead_after"))

	// The claim's three parts, each decided by the paired rule on the dead
	// share after training, at every learning rate (a diverged run has no
	// dead share: it is counted, not paired):
	//   He keeps more units alive than Xavier, at every bias init;
	//   a negative bias kills units (more dead than bias 0), per init;
	//   a small positive bias keeps them alive (fewer dead than bias 0).
	margin := r.Resolved.Float("margin")
	var he, neg, pos []decision
	var lrs []float64
	seenLR := map[float64]bool{}
	for _, v := range r.Variants {
		c := v.Cond.(dyingCond)
		if !seenLR[c.LR] {
			seenLR[c.LR] = true
			lrs = append(lrs, c.LR)
		}
	}
	for _, v := range r.Variants {
		c := v.Cond.(dyingCond)
		at := fmt.Sprintf("(lr %s, bias %s)", trimFloat(c.LR), trimFloat(c.Bias))
		if c.Weight == "kaiming" {
			if x := r.VariantOf(dyingCond{"xavier", c.Bias, c.LR}); x != nil {
				he = append(he, decide(at, x, v, "dead_after", nil, margin, lab.Less).points())
			}
		}
		if c.Bias == 0 {
			continue
		}
		zero := r.VariantOf(dyingCond{c.Weight, 0, c.LR})
		if zero == nil {
			continue
		}
		at = fmt.Sprintf("(lr %s, %s, bias %s)", trimFloat(c.LR), c.Weight, trimFloat(c.Bias))
		if c.Bias < 0 {
			neg = append(neg, decide(at, zero, v, "dead_after", nil, margin, lab.Greater).points())
		} else {
			pos = append(pos, decide(at, zero, v, "dead_after", nil, margin, lab.Less).points())
		}
	}
	a.Tables = append(a.Tables,
		decisionTable("He − Xavier, dead share after training, paired by seed (the claim: He has fewer dead units)", "dead share, He − Xavier", he),
		decisionTable("Negative bias − bias 0 (the claim: more dead units)", "dead share, negative − 0", neg),
		decisionTable("Small positive bias − bias 0 (the claim: fewer dead units)", "dead share, positive − 0", pos))
	var parts, statuses []string
	for _, part := range []struct {
		what string
		ds   []decision
	}{{"He keeps more units alive than Xavier", he}, {"a negative bias kills units", neg}, {"a small positive bias keeps them alive", pos}} {
		if len(part.ds) == 0 {
			continue
		}
		st, held := combine(statusesOf(part.ds))
		if st == lab.Inconclusive && held {
			st = lab.Depends
		}
		statuses = append(statuses, st)
		parts = append(parts, fmt.Sprintf("%s (by more than %s points): %s — %s", part.what, trimFloat(100*margin), st, summarizeDecisions(part.ds)))
	}
	var divs []string
	for _, lr := range lrs {
		d, n := 0, 0
		for _, v := range r.Variants {
			if v.Cond.(dyingCond).LR == lr {
				d += v.Diverged
				n += len(v.Trials)
			}
		}
		mean := func(metric string) float64 {
			s, k := 0.0, 0
			for _, v := range r.Variants {
				if v.Cond.(dyingCond).LR == lr && v.Scalar(metric).N > 0 {
					s += v.Scalar(metric).Mean
					k++
				}
			}
			return s / float64(max(k, 1))
		}
		divs = append(divs, fmt.Sprintf("lr %s: dead share %.1f%% at init → %.1f%% after training on average, %d of %d runs diverged", trimFloat(lr), 100*mean("dead_at_init"), 100*mean("dead_after"), d, n))
	}
	status := lab.Inconclusive
	if len(statuses) > 0 {
		var held bool
		status, held = combine(statuses)
		for _, s := range statuses {
			if s == lab.Depends {
				held = true
				if status != lab.NotSupported {
					status = lab.Depends
				}
			}
		}
		if status == lab.Inconclusive && held {
			status = lab.Depends
		}
	}
	text := strings.Join(parts, "; ") + ". Over the learning rates: " + strings.Join(divs, "; ") + "."
	if status == lab.Depends {
		text = "it depends on the setting, as listed: " + text
	}
	a.Verdict = lab.Verdict{Status: status, Text: text}
	return a
}
