package lab

import (
	"math"
	"testing"
)

func variantWith(key string, seeds []uint64, vals []float64) *VariantResult {
	v := &VariantResult{Variant: Variant{Key: key}}
	for i, s := range seeds {
		r := NewResult()
		r.Scalars["m"] = vals[i]
		v.Trials = append(v.Trials, TrialRecord{Seed: s, Result: r})
	}
	return v
}

func seedsN(n int) []uint64 {
	s := make([]uint64, n)
	for i := range s {
		s[i] = uint64(i + 1)
	}
	return s
}

func TestPairUsesSameSeedDifferences(t *testing.T) {
	// Large between-seed spread, constant within-seed gap of +1: an unpaired
	// comparison cannot resolve it, the paired one must.
	n := 10
	a, b := make([]float64, n), make([]float64, n)
	for i := range a {
		a[i] = float64(i * 100)
		b[i] = a[i] + 1 + 0.01*float64(i%3)
	}
	p := Pair(variantWith("a", seedsN(n), a), variantWith("b", seedsN(n), b), "m", nil)
	if p.Diff.N != n || math.Abs(p.Diff.Mean-1.01) > 0.01 {
		t.Fatalf("paired diff = %+v", p.Diff)
	}
	if got := p.Decide(0.5, Greater); got != Supported {
		t.Errorf("Decide(0.5, Greater) = %q, want supported; %v", got, p)
	}
	if got := p.Decide(0.5, Less); got != NotSupported {
		t.Errorf("Decide(0.5, Less) = %q, want not supported (other side); %v", got, p)
	}
	if got := p.Decide(2, Greater); got != NotSupported {
		t.Errorf("Decide(2, Greater) = %q, want not supported (inside the margin); %v", got, p)
	}
}

func TestDecideInconclusiveAndFewSeeds(t *testing.T) {
	// CI straddles 0: inconclusive whatever the margin's side.
	a := []float64{0, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	b := []float64{1, -1, 2, -2, 1.5, -1.5, 0.5, -0.5, 3, -3}
	p := Pair(variantWith("a", seedsN(10), a), variantWith("b", seedsN(10), b), "m", nil)
	if got := p.Decide(0.1, Greater); got != Inconclusive {
		t.Errorf("straddling CI: %q, want inconclusive (%v)", got, p)
	}
	// inside the margin but from 5 seeds only: never "not supported"
	p5 := Pair(variantWith("a", seedsN(5), a[:5]), variantWith("b", seedsN(5), []float64{0.01, 0.02, 0.01, 0.0, 0.015}), "m", nil)
	if got := p5.Decide(1, Greater); got != Inconclusive {
		t.Errorf("5 pairs inside the margin: %q, want inconclusive", got)
	}
	// CI beyond 0 but not beyond the margin: inconclusive
	pm := Pair(variantWith("a", seedsN(10), a), variantWith("b", seedsN(10), []float64{0.5, 0.7, 0.6, 0.4, 0.9, 0.5, 0.6, 0.8, 0.4, 0.7}), "m", nil)
	if got := pm.Decide(0.55, Greater); got != Inconclusive {
		t.Errorf("CI across the margin: %q, want inconclusive (%v)", got, pm)
	}
}

func TestPairCountsDivergedAndMissing(t *testing.T) {
	a := variantWith("a", seedsN(4), []float64{1, math.NaN(), 1, 1})
	b := variantWith("b", []uint64{1, 2, 3}, []float64{2, 2, math.Inf(1)})
	p := Pair(a, b, "m", nil)
	if p.NonFiniteA != 1 || p.NonFiniteB != 1 || p.Missing != 1 || p.Diff.N != 1 {
		t.Fatalf("got %+v", p)
	}
	if s := p.String(); s == "" {
		t.Fatal("empty String")
	}
	if got := p.Decide(0, Greater); got != Inconclusive {
		t.Errorf("one pair: %q, want inconclusive", got)
	}
	lp := Pair(variantWith("a", seedsN(2), []float64{1, 10}), variantWith("b", seedsN(2), []float64{2, 20}), "m", math.Log)
	if math.Abs(lp.Diff.Mean-math.Log(2)) > 1e-12 {
		t.Errorf("log-ratio mean = %v, want ln 2", lp.Diff.Mean)
	}
}
