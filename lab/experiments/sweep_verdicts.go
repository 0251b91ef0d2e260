package experiments

import (
	"context"
	"fmt"
	"strings"

	"github.com/intercept-ml/intercept/data"
	"github.com/intercept-ml/intercept/lab"
	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/optim"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/train"
)

// fitOptimizer is fit with the optimizer opt (parameter groups, frozen
// parameters left out) in place of the one c.opt and c.lr would build.
func fitOptimizer(ctx context.Context, model nn.Module, ds data.Dataset, loss train.LossFunc, c trainConfig, opt optim.Optimizer, g *rng.Generator) (trainResult, error) {
	t := newTrainer(model, ds, loss, c, g)
	t.tr.Optimizer = opt
	defer t.close()
	err := t.run(ctx, c.steps)
	return t.trainResult, err
}

// pairedCase is one paired comparison of a verdict: where it was made (a
// swept setting, "lr 0.01"), the comparison and its decision.
type pairedCase struct {
	where  string
	p      lab.Paired
	status string
	// ref, if set, is a pseudo-variant that is not among the experiment's
	// variants (a midpoint), whose mean the table shows for its key.
	ref *lab.VariantResult
}

// pairedTable tabulates paired comparisons: the setting, the means of both
// variants, the paired difference B − A with its 95% CI and the decision.
func pairedTable(r *lab.ExperimentResult, title string, cases []pairedCase) lab.Table {
	t := lab.Table{Title: title, Columns: []string{"setting", "A", "B", "mean A", "mean B", "B − A [95% CI], pairs", "decision"}}
	for _, c := range cases {
		mean := func(key string) string {
			if v := r.Variant(key); v != nil {
				return lab.FmtSummary(v.Scalar(c.p.Metric))
			}
			if c.ref != nil && c.ref.Key == key {
				var xs []float64
				for _, t := range c.ref.Trials {
					if t.Result != nil {
						xs = append(xs, t.Result.Scalars[c.p.Metric])
					}
				}
				return lab.FmtSummary(lab.Summarize(xs))
			}
			return "—"
		}
		t.Rows = append(t.Rows, []string{c.where, c.p.A, c.p.B, mean(c.p.A), mean(c.p.B), c.p.String(), c.status})
	}
	return t
}

// overallStatus combines the decisions of the cases with the lab's one
// rule (joinStatuses): all supported, all not supported, a mix of the two
// depends, anything else (an undecided case among them) inconclusive; the
// verdict's text lists every case.
func overallStatus(cases []pairedCase) string {
	sts := make([]string, len(cases))
	for i, c := range cases {
		sts[i] = c.status
	}
	return joinStatuses(sts...)
}

// casesText spells the cases as "lr 0.01: supported, +0.19 [+0.02, +0.36], 10 pairs".
func casesText(cases []pairedCase) string {
	var parts []string
	for _, c := range cases {
		parts = append(parts, fmt.Sprintf("%s: %s, %s", c.where, c.status, c.p.String()))
	}
	return strings.Join(parts, "; ")
}

// countOf is how many finished trials of v have scalar name equal to 1
// (a diverged or solved flag), and how many finished trials there are.
func countOf(v *lab.VariantResult, name string) (k, n int) {
	if v == nil {
		return 0, 0
	}
	for _, t := range v.Trials {
		if t.Result == nil {
			continue
		}
		n++
		if t.Result.Scalars[name] == 1 {
			k++
		}
	}
	return k, n
}

// parseInts checks that every number of the Floats parameter name is a
// positive integer.
func parseInts(name string, xs []float64) ([]int, error) {
	out := make([]int, len(xs))
	for i, x := range xs {
		if x != float64(int(x)) || x < 1 {
			return nil, fmt.Errorf("%s: %v is not a positive integer", name, x)
		}
		out[i] = int(x)
	}
	return out, nil
}
