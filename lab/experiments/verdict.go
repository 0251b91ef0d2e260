package experiments

import (
	"fmt"
	"math"
	"strings"

	"github.com/intercept-ml/intercept/internal/xmath"
	"github.com/intercept-ml/intercept/lab"
)

// decision is one paired, same-seed comparison of an experiment and what
// lab.Paired.Decide made of it against the experiment's stated margin.
type decision struct {
	What   string // the setting compared, e.g. "offset 4"
	P      lab.Paired
	Margin float64
	Dir    lab.Direction
	Status string
	// Unit formats the difference and the margin for the text ("points",
	// "× (ratio)" ...); Scale multiplies both first (100 for points).
	Unit  string
	Scale float64
	// Ratio means the pair compares logarithms: the difference is shown as
	// the ratio exp(B − A).
	Ratio bool
	// NonFinite names what a non-finite value means ("diverged" unless
	// set).
	NonFinite string
}

// decide pairs metric between variants a (reference) and b seed by seed,
// transformed by f (nil, or math.Log for a ratio), and applies the paired
// rule: b − a beyond margin in direction dir.
func decide(what string, a, b *lab.VariantResult, metric string, f func(float64) float64, margin float64, dir lab.Direction) decision {
	p := lab.Pair(a, b, metric, f)
	return decision{What: what, P: p, Margin: margin, Dir: dir, Status: p.Decide(margin, dir), Scale: 1}
}

// points shows the decision's difference and margin in percentage points.
func (d decision) points() decision { d.Scale, d.Unit = 100, " points"; return d }

// ratio shows the decision's difference of logarithms as a ratio.
func (d decision) ratio() decision { d.Ratio = true; return d }

// diff spells the paired difference B − A with its 95% CI, the pairs and
// the seeds that were not finite (diverged) or missing.
func (d decision) diff() string {
	s := d.P.Diff
	if s.N == 0 {
		return "no finite pairs" + d.outcomes()
	}
	if d.Ratio {
		return fmt.Sprintf("×%s [×%s, ×%s], %d pairs%s", lab.Fmt(xmath.Exp(s.Mean)), lab.Fmt(xmath.Exp(s.CILow)), lab.Fmt(xmath.Exp(s.CIHigh)), s.N, d.outcomes())
	}
	k := d.Scale
	return fmt.Sprintf("%s [%s, %s]%s, %d pairs%s", signedFmt(k*s.Mean), signedFmt(k*s.CILow), signedFmt(k*s.CIHigh), d.Unit, s.N, d.outcomes())
}

// outcomes lists the seeds left out of the CI, by variant.
func (d decision) outcomes() string {
	var parts []string
	what := d.NonFinite
	if what == "" {
		what = "diverged"
	}
	if d.P.NonFiniteA > 0 {
		parts = append(parts, fmt.Sprintf("%d %s in %s", d.P.NonFiniteA, what, d.P.A))
	}
	if d.P.NonFiniteB > 0 {
		parts = append(parts, fmt.Sprintf("%d %s in %s", d.P.NonFiniteB, what, d.P.B))
	}
	if d.P.Missing > 0 {
		parts = append(parts, fmt.Sprintf("%d missing", d.P.Missing))
	}
	if len(parts) == 0 {
		return ""
	}
	return "; " + strings.Join(parts, ", ")
}

// margin spells the margin the CI must clear.
func (d decision) margin() string {
	sign := ">"
	if d.Dir == lab.Less {
		sign = "<"
	}
	if d.Ratio {
		m := xmath.Exp(d.Margin)
		if d.Dir == lab.Less {
			m = xmath.Exp(-d.Margin)
		}
		return fmt.Sprintf("%s ×%s", sign, lab.Fmt(m))
	}
	m := d.Scale * d.Margin
	if d.Dir == lab.Less {
		m = -m
	}
	return fmt.Sprintf("%s %s%s", sign, signedFmt(m), d.Unit)
}

// String is "what: diff (margin) → status".
func (d decision) String() string {
	return fmt.Sprintf("%s: %s (claim needs %s) → %s", d.What, d.diff(), d.margin(), d.Status)
}

// decisionTable tabulates decisions: the comparison, the paired difference
// with its CI and outcomes, the margin and the verdict of the rule.
func decisionTable(title, diffHeader string, ds []decision) lab.Table {
	t := lab.Table{Title: title, Columns: []string{"comparison", diffHeader + " (95% CI, paired by seed)", "claim needs", "verdict"}}
	for _, d := range ds {
		t.Rows = append(t.Rows, []string{d.What, d.diff(), d.margin(), d.Status})
	}
	return t
}

// combine is the verdict over a swept setting: the common status when every
// setting agrees, Depends when the claim holds in some settings and is
// refuted in others, Inconclusive otherwise. held reports whether the claim
// held in at least one setting.
func combine(statuses []string) (status string, held bool) {
	n := 0
	for _, s := range statuses {
		if s == lab.Supported {
			n++
		}
	}
	status = joinStatuses(statuses...)
	return status, status == lab.Supported || status == lab.Depends || (status == lab.Inconclusive && n > 0)
}

// statusesOf returns the statuses of ds.
func statusesOf(ds []decision) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.Status
	}
	return out
}

// whereStatus lists the settings (What) of the decisions with status s.
func whereStatus(ds []decision, s string) []string {
	var out []string
	for _, d := range ds {
		if d.Status == s {
			out = append(out, d.What)
		}
	}
	return out
}

// summarizeDecisions spells, for a swept setting, where the claim held,
// where it was refuted and where the data could not tell.
func summarizeDecisions(ds []decision) string {
	var parts []string
	for _, s := range []string{lab.Supported, lab.NotSupported, lab.Inconclusive} {
		if w := whereStatus(ds, s); len(w) > 0 {
			parts = append(parts, s+" at "+strings.Join(w, ", "))
		}
	}
	return strings.Join(parts, "; ")
}

func signedFmt(x float64) string {
	if x >= 0 {
		return "+" + lab.Fmt(x)
	}
	return lab.Fmt(x)
}

// within applies the equivalence half of the paired rule to one variant's
// values (no pairing: a property of one condition, such as "the spread stays
// roughly constant"): Supported when the 95% CI of the mean of f(x) lies in
// [−margin, margin], NotSupported when it lies wholly outside (with at least
// lab.MinSeedsForNo finite values), Inconclusive otherwise.
func within(s lab.Summary, margin float64) string {
	if s.N < 2 || math.IsNaN(s.CILow) || math.IsNaN(s.CIHigh) {
		return lab.Inconclusive
	}
	switch {
	case s.CILow >= -margin && s.CIHigh <= margin:
		return lab.Supported
	case s.CILow > margin || s.CIHigh < -margin:
		if s.N < lab.MinSeedsForNo {
			return lab.Inconclusive
		}
		return lab.NotSupported
	}
	return lab.Inconclusive
}

// scalarValues returns f of metric on every finished trial of v, in seed
// order (NaN where the trial has no such scalar).
func scalarValues(v *lab.VariantResult, metric string, f func(float64) float64) []float64 {
	var out []float64
	if v == nil {
		return nil
	}
	for _, t := range v.Trials {
		if t.Result == nil {
			continue
		}
		x, ok := t.Result.Scalars[metric]
		if !ok {
			x = math.NaN()
		}
		if f != nil {
			x = f(x)
		}
		out = append(out, x)
	}
	return out
}
