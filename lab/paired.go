package lab

import (
	"fmt"
	"math"
)

// MinSeedsForNo is the fewest paired seeds from which the lab says "not
// supported": with fewer, a difference the claim predicts may simply not
// have been resolved, and Decide answers Inconclusive instead.
const MinSeedsForNo = 10

// Direction is the sign of the difference a claim predicts.
type Direction int

const (
	// Greater: the claim predicts B − A > margin (B is larger).
	Greater Direction = iota
	// Less: the claim predicts B − A < −margin (B is smaller).
	Less
)

// Paired is the paired, same-seed comparison of one scalar between two
// variants of an experiment: the differences B − A over the seeds where both
// trials finished with a finite value, summarized with a 95% t interval.
// Seeds where either value is missing (a failed trial) or not finite (a
// diverged run) are not differences; they are counted, so that a report can
// show them as outcomes.
type Paired struct {
	Metric string  `json:"metric"`
	A      string  `json:"a"` // the reference variant's key
	B      string  `json:"b"` // the compared variant's key
	Diff   Summary `json:"diff"`
	// NonFiniteA and NonFiniteB count the seeds whose value in A (in B) is
	// NaN or infinite; Missing counts seeds lacking a trial on either side.
	NonFiniteA int `json:"non_finite_a,omitempty"`
	NonFiniteB int `json:"non_finite_b,omitempty"`
	Missing    int `json:"missing,omitempty"`
}

// Pair compares metric between variants a and b seed by seed. When f is
// not nil each value x is replaced by f(x) first (math.Log compares ratios).
func Pair(a, b *VariantResult, metric string, f func(float64) float64) Paired {
	p := Paired{Metric: metric}
	if a == nil || b == nil {
		p.Diff = Summarize(nil)
		return p
	}
	p.A, p.B = a.Key, b.Key
	bySeed := map[uint64]float64{}
	for _, t := range b.Trials {
		if t.Result == nil {
			continue
		}
		if x, ok := t.Result.Scalars[metric]; ok {
			bySeed[t.Seed] = x
		}
	}
	var diffs []float64
	seen := map[uint64]bool{}
	for _, t := range a.Trials {
		seen[t.Seed] = true
		var xa float64
		okA := t.Result != nil
		if okA {
			xa, okA = t.Result.Scalars[metric]
		}
		xb, okB := bySeed[t.Seed]
		if !okA || !okB {
			p.Missing++
			continue
		}
		if f != nil {
			xa, xb = f(xa), f(xb)
		}
		badA, badB := !finite(xa), !finite(xb)
		if badA {
			p.NonFiniteA++
		}
		if badB {
			p.NonFiniteB++
		}
		if badA || badB {
			continue
		}
		diffs = append(diffs, xb-xa)
	}
	for _, t := range b.Trials {
		if !seen[t.Seed] {
			p.Missing++
		}
	}
	p.Diff = Summarize(diffs)
	return p
}

// Decide judges the claim that B differs from A in direction dir by more
// than margin (≥ 0, in the metric's units), from the 95% CI [lo, hi] of the
// paired difference B − A (for Less the difference is negated first):
//
//   - Supported when the CI excludes 0 and lies beyond the margin (lo > margin);
//   - NotSupported when the CI lies inside the margin (−margin ≤ lo, hi ≤
//     margin: an equivalence test) or wholly on the other side of 0
//     (hi < 0), and at least MinSeedsForNo pairs were compared;
//   - Inconclusive otherwise, and whenever fewer than two pairs exist.
//
// Seeds that diverged are not part of the CI: a caller whose claim is about
// divergence must count them itself (see NonFiniteA, NonFiniteB).
func (p Paired) Decide(margin float64, dir Direction) string {
	if margin < 0 || math.IsNaN(margin) {
		panic(fmt.Sprintf("lab: Decide margin must be a non-negative number, got %v", margin))
	}
	if p.Diff.N < 2 || !finite(p.Diff.CILow) || !finite(p.Diff.CIHigh) {
		return Inconclusive
	}
	lo, hi := p.Diff.CILow, p.Diff.CIHigh
	if dir == Less {
		lo, hi = -hi, -lo
	}
	switch {
	case lo > 0 && lo > margin:
		return Supported
	case (lo >= -margin && hi <= margin) || hi < 0:
		if p.Diff.N < MinSeedsForNo {
			return Inconclusive
		}
		return NotSupported
	}
	return Inconclusive
}

// String spells the paired difference as "+0.19 [+0.02, +0.36], 60 pairs",
// followed by the seeds that diverged or are missing, if any.
func (p Paired) String() string {
	if p.Diff.N == 0 {
		return fmt.Sprintf("no finite pairs (%s)", p.outcomes())
	}
	s := fmt.Sprintf("%s [%s, %s], %d pairs", signed(p.Diff.Mean), signed(p.Diff.CILow), signed(p.Diff.CIHigh), p.Diff.N)
	if o := p.outcomes(); o != "" {
		s += "; " + o
	}
	return s
}

func (p Paired) outcomes() string {
	s := ""
	add := func(n int, what string) {
		if n == 0 {
			return
		}
		if s != "" {
			s += ", "
		}
		s += fmt.Sprintf("%d %s", n, what)
	}
	add(p.NonFiniteA, "diverged in "+orKey(p.A, "A"))
	add(p.NonFiniteB, "diverged in "+orKey(p.B, "B"))
	add(p.Missing, "missing")
	return s
}

func orKey(k, def string) string {
	if k == "" {
		return def
	}
	return k
}

func signed(x float64) string {
	if x >= 0 {
		return "+" + Fmt(x)
	}
	return Fmt(x)
}
