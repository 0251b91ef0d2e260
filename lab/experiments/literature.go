package experiments

import (
	"context"
	"math"
	"strings"

	"github.com/intercept-ml/intercept/data"
	"github.com/intercept-ml/intercept/lab"
	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/optim"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
	"github.com/intercept-ml/intercept/train"
)

// Helpers shared by the literature experiments (prior-bias-init,
// zero-init-residual, self-normalizing, lsuv-init).

// fitWith is fit with an optimizer built by newOpt from the model's
// parameters (SGD with momentum, which trainConfig does not name).
func fitWith(ctx context.Context, model nn.Module, ds data.Dataset, loss train.LossFunc, c trainConfig, g *rng.Generator,
	newOpt func(params []*tensor.Tensor) optim.Optimizer) (trainResult, error) {
	t := newTrainer(model, ds, loss, c, g)
	t.tr.Optimizer = newOpt(nn.Parameters(model))
	defer t.close()
	err := t.run(ctx, c.steps)
	return t.trainResult, err
}

// sgdMomentum returns a constructor of SGD with momentum (dampening 0,
// no Nesterov), as torch.optim.SGD(params, lr, momentum).
func sgdMomentum(lr, momentum float64) func([]*tensor.Tensor) optim.Optimizer {
	return func(p []*tensor.Tensor) optim.Optimizer {
		return optim.NewSGD(p, optim.LR(lr), optim.Momentum(momentum))
	}
}

// meanLossBefore is the mean of the recorded minibatch losses of the steps
// before step k (the "early" loss of a run recorded at every step); NaN
// when none was recorded, +Inf when the run diverged before step k.
func meanLossBefore(tr trainResult, k int) float64 {
	if tr.diverged && tr.divergedStep < k {
		return math.Inf(1)
	}
	s, n := 0.0, 0
	for i, st := range tr.steps {
		if int(st) < k {
			s += tr.losses[i]
			n++
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return s / float64(n)
}

// notWorse decides the claim "B is not worse than A by more than margin"
// (a non-inferiority claim) with the paired rule: worse is the direction in
// which B would be worse (Less for an accuracy, Greater for a loss). The
// claim is supported when the paired rule rejects "B is worse by more than
// margin" (its CI lies inside the margin or on B's better side), not
// supported when that is supported, and inconclusive otherwise. Like
// Paired.Decide it never answers "not supported" from fewer than
// lab.MinSeedsForNo pairs.
func notWorse(p lab.Paired, margin float64, worse lab.Direction) string {
	switch p.Decide(margin, worse) {
	case lab.Supported:
		if p.Diff.N < lab.MinSeedsForNo {
			return lab.Inconclusive
		}
		return lab.NotSupported
	case lab.NotSupported:
		return lab.Supported
	}
	return lab.Inconclusive
}

// joinStatuses joins the statuses of the parts of a claim: all supported is
// supported, all not supported is not supported, a mix of the two depends
// on the setting, and anything else (an undecided part) is inconclusive.
func joinStatuses(statuses ...string) string {
	if len(statuses) == 0 {
		return lab.Inconclusive
	}
	count := map[string]int{}
	for _, s := range statuses {
		count[s]++
	}
	switch {
	case count[lab.Supported] == len(statuses):
		return lab.Supported
	case count[lab.NotSupported] == len(statuses):
		return lab.NotSupported
	case count[lab.Supported] > 0 && count[lab.NotSupported] > 0:
		return lab.Depends
	}
	return lab.Inconclusive
}

// pairRow is one row of a table of paired comparisons.
type pairRow struct {
	setting, comparison string
	p                   lab.Paired
	margin              float64
	status              string
}

// pairTable tabulates paired comparisons: the difference B − A with its
// 95% CI, the margin and the decision.
func pairTable(title string, rows []pairRow) lab.Table {
	t := lab.Table{Title: title, Columns: []string{"setting", "comparison (B − A)", "paired difference [95% CI]", "margin", "decision"}}
	for _, r := range rows {
		t.Rows = append(t.Rows, []string{r.setting, r.comparison, r.p.String(), lab.Fmt(r.margin), r.status})
	}
	return t
}

// statusWord spells a decision for a verdict sentence.
func statusWord(s string) string { return strings.ToUpper(s[:1]) + s[1:] }

// momentStats returns the mean and the (population) variance of all the
// values of t, accumulated in float64.
func momentStats(t *tensor.Tensor) (mean, variance float64) {
	var xs []float32
	tensor.NoGrad(func() { xs = t.Detach().Contiguous().Float32s() })
	if len(xs) == 0 {
		return math.NaN(), math.NaN()
	}
	for _, x := range xs {
		mean += float64(x)
	}
	mean /= float64(len(xs))
	for _, x := range xs {
		d := float64(x) - mean
		variance += float64(d * d)
	}
	return mean, variance / float64(len(xs))
}

// standardized returns the digits-like classification sets with every
// feature standardized by the training set's mean and standard deviation
// (features that are constant on the training set are only centred).
func standardized(trainSet, testSet *data.TensorDataset) (*data.TensorDataset, *data.TensorDataset) {
	x := trainSet.X()
	n, d := x.Size(0), x.Size(1)
	xs := x.Contiguous().Float32s()
	mean, std := make([]float64, d), make([]float64, d)
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			mean[j] += float64(xs[i*d+j])
		}
	}
	for j := range mean {
		mean[j] /= float64(n)
	}
	for i := 0; i < n; i++ {
		for j := 0; j < d; j++ {
			e := float64(xs[i*d+j]) - mean[j]
			std[j] += float64(e * e)
		}
	}
	for j := range std {
		std[j] = math.Sqrt(std[j] / float64(n))
		if std[j] == 0 {
			std[j] = 1
		}
	}
	apply := func(ds *data.TensorDataset) *data.TensorDataset {
		x := ds.X().Contiguous().Float32s()
		out := make([]float32, len(x))
		for i := range x {
			j := i % d
			out[i] = float32((float64(x[i]) - mean[j]) / std[j])
		}
		return data.NewTensorDataset(tensor.FromFloat32(out, ds.X().Size(0), d), ds.Y())
	}
	return apply(trainSet), apply(testSet)
}

// perLayerPlot draws a per-layer series (mean over seeds with a 95% band)
// for each variant, layers numbered from 1.
func perLayerPlot(r *lab.ExperimentResult, name, title, ylabel, series string, logY bool) lab.Plot {
	p := lab.Plot{Name: name, Kind: lab.LinePlot, Title: title, XLabel: "layer", YLabel: ylabel, LogY: logY}
	for _, v := range r.Variants {
		ys := v.Series(series)
		if len(ys) == 0 {
			continue
		}
		b := lab.SeriesBand(ys)
		x := make([]float64, len(b.Mean))
		for i := range x {
			x[i] = float64(i + 1)
		}
		p.Lines = append(p.Lines, lab.Line{Label: v.Label, X: x, Y: b.Mean, Low: b.Low, High: b.High})
	}
	return p
}
