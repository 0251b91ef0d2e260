package experiments

import (
	"fmt"
	"maps"
	"math"
	"slices"

	"github.com/intercept-ml/intercept/lab"
)

// seedScalars returns metric in every finished trial of v, by seed (nil
// for a nil v).
func seedScalars(v *lab.VariantResult, metric string) map[uint64]float64 {
	out := map[uint64]float64{}
	if v == nil {
		return out
	}
	for _, t := range v.Trials {
		if t.Result == nil {
			continue
		}
		if x, ok := t.Result.Scalars[metric]; ok {
			out[t.Seed] = x
		}
	}
	return out
}

// mapSeeds returns f(x) for every seed's value x.
func mapSeeds(vals map[uint64]float64, f func(seed uint64, x float64) float64) map[uint64]float64 {
	out := map[uint64]float64{}
	for s, x := range vals {
		out[s] = f(s, x)
	}
	return out
}

// zeroSeeds returns 0 for every seed of vals: the reference of a paired
// comparison of a quantity that is 0 when the claim's effect is absent.
func zeroSeeds(vals map[uint64]float64) map[uint64]float64 {
	return mapSeeds(vals, func(uint64, float64) float64 { return 0 })
}

// pairSeeds is lab.Pair over per-seed values computed by the analysis (a
// metric of one trial minus another of the same trial, a difference of
// differences across variants): the values of a and b are paired by seed,
// named a and b in the result.
func pairSeeds(metric, a, b string, va, vb map[uint64]float64, f func(float64) float64) lab.Paired {
	mk := func(key string, vals map[uint64]float64) *lab.VariantResult {
		vr := &lab.VariantResult{Variant: lab.Variant{Key: key}}
		for _, s := range slices.Sorted(maps.Keys(vals)) {
			vr.Trials = append(vr.Trials, lab.TrialRecord{Seed: s, Result: &lab.TrialResult{Scalars: map[string]float64{metric: vals[s]}}})
		}
		return vr
	}
	return lab.Pair(mk(a, va), mk(b, vb), metric, f)
}

// Equivalence outcomes of decideTwoSided.
const (
	sameWithin = "same"    // the CI lies inside ±margin
	bigger     = "greater" // B − A > margin
	smaller    = "less"    // B − A < −margin
	unresolved = "unresolved"
)

// decideTwoSided applies the paired rule in both directions: the
// difference is "same" when both one-sided claims are not supported (the CI
// lies inside ±margin, from at least lab.MinSeedsForNo pairs), "greater" or
// "less" when one is supported, "unresolved" otherwise.
func decideTwoSided(p lab.Paired, margin float64) string {
	up, down := p.Decide(margin, lab.Greater), p.Decide(margin, lab.Less)
	switch {
	case up == lab.Supported:
		return bigger
	case down == lab.Supported:
		return smaller
	case up == lab.NotSupported && down == lab.NotSupported:
		return sameWithin
	}
	return unresolved
}

// countIf counts the seeds of vals whose value satisfies f.
func countIf(vals map[uint64]float64, f func(float64) bool) int {
	n := 0
	for _, x := range vals {
		if f(x) {
			n++
		}
	}
	return n
}

// fmtPct spells a fraction as a percentage with two decimals.
func fmtPct(x float64) string {
	if math.IsNaN(x) {
		return "n/a"
	}
	return fmt.Sprintf("%.2f%%", 100*x)
}
