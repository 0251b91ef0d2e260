package experiments

import (
	"context"
	"math"
	"testing"

	"github.com/intercept-ml/intercept/lab"
)

// lstm-forget-bias, transformer-nobias, bias-weight-decay and bitfit, on their --quick settings with two
// seeds: every variant present with both trials finished, the scalars each
// one measures present and finite (NaN only in a diverged trial), and an
// analysis with a verdict and the paired table.
func TestLiteratureQuickShape(t *testing.T) {
	want := map[string][]string{
		"lstm-forget-bias":   {"test_accuracy", "test_loss", "solved", "forget_bias_init", "forget_bias_end"},
		"transformer-nobias": {"test_loss", "spike", "diverged", "params"},
		"bias-weight-decay":  {"test_accuracy", "test_loss", "train_loss", "bias_rms", "weight_rms"},
		"bitfit":             {"test_accuracy", "test_loss", "source_accuracy", "trainable"},
	}
	reg := Registry()
	for name, scalars := range want {
		t.Run(name, func(t *testing.T) {
			e := reg.Get(name)
			if e == nil {
				t.Fatalf("%s is not registered", name)
			}
			if e.Group != lab.Literature || e.Source == "" || e.Claim == "" {
				t.Errorf("group %q, source %q, claim %q", e.Group, e.Source, e.Claim)
			}
			cfg, err := e.Resolve(true, nil, "")
			if err != nil {
				t.Fatal(err)
			}
			vs, err := e.Variants(cfg)
			if err != nil {
				t.Fatal(err)
			}
			r := &lab.Runner{Dir: t.TempDir(), Workers: 2}
			res, err := r.Run(context.Background(), []lab.Plan{{Exp: e, Config: cfg, Seeds: []uint64{0, 1}}})
			if err != nil {
				t.Fatal(err)
			}
			er := res[0]
			if len(er.Variants) != len(vs) {
				t.Fatalf("%d variants, want %d", len(er.Variants), len(vs))
			}
			for i, v := range er.Variants {
				if v.Key != vs[i].Key {
					t.Errorf("variant %d is %s, want %s", i, v.Key, vs[i].Key)
				}
				if len(v.Trials) != 2 || v.Failed > 0 {
					t.Fatalf("%s: %d trials, %d failed: %+v", v.Key, len(v.Trials), v.Failed, v.Trials)
				}
				for _, tr := range v.Trials {
					for _, s := range scalars {
						x, ok := tr.Result.Scalars[s]
						if !ok {
							t.Errorf("%s seed %d: no scalar %s", v.Key, tr.Seed, s)
						} else if (math.IsNaN(x) || math.IsInf(x, 0)) && !tr.Result.Diverged {
							t.Errorf("%s seed %d: %s = %v without divergence", v.Key, tr.Seed, s, x)
						}
					}
				}
			}
			lab.Analyze(reg, res)
			a := er.Analysis
			if a == nil || a.Verdict.Status == "" || a.Verdict.Text == "" {
				t.Fatalf("no verdict: %+v", a)
			}
			paired := false
			for _, tb := range a.Tables {
				if len(tb.Columns) > 5 && tb.Columns[5] == "B − A [95% CI], pairs" && len(tb.Rows) > 0 {
					paired = true
				}
			}
			if !paired {
				t.Errorf("no paired table among %d tables", len(a.Tables))
			}
		})
	}
}

// overallStatus: the decisive settings' shared status, Depends when they
// disagree, Inconclusive when none is decisive.
func TestOverallStatus(t *testing.T) {
	c := func(ss ...string) []pairedCase {
		var out []pairedCase
		for _, s := range ss {
			out = append(out, pairedCase{status: s})
		}
		return out
	}
	for _, tc := range []struct {
		cases []pairedCase
		want  string
	}{
		{nil, lab.Inconclusive},
		{c(lab.Inconclusive, lab.Inconclusive), lab.Inconclusive},
		{c(lab.Supported, lab.Supported), lab.Supported},
		{c(lab.NotSupported, lab.Inconclusive), lab.Inconclusive}, // an undecided setting keeps the whole open
		{c(lab.Supported, lab.Inconclusive, lab.NotSupported), lab.Depends},
		{c(lab.Inconclusive, lab.NotSupported, lab.Supported), lab.Depends},
	} {
		if got := overallStatus(tc.cases); got != tc.want {
			t.Errorf("%v: %s, want %s", tc.cases, got, tc.want)
		}
	}
}

// midpoint pairs seeds: its value is the mean of both variants' values for
// every seed both finished, and a seed missing on one side is left out.
func TestMidpoint(t *testing.T) {
	v := func(key string, xs map[uint64]float64) *lab.VariantResult {
		r := &lab.VariantResult{Variant: lab.Variant{Key: key}}
		for s, x := range xs {
			res := lab.NewResult()
			res.Scalars["acc"] = x
			r.Trials = append(r.Trials, lab.TrialRecord{Seed: s, Result: res})
		}
		return r
	}
	m := midpoint(v("a", map[uint64]float64{0: 0.5, 1: 0.6, 2: 0.7}), v("b", map[uint64]float64{0: 0.9, 1: 1.0}), "acc")
	got := map[uint64]float64{}
	for _, tr := range m.Trials {
		got[tr.Seed] = tr.Result.Scalars["acc"]
	}
	if len(got) != 2 || math.Abs(got[0]-0.7) > 1e-12 || math.Abs(got[1]-0.8) > 1e-12 {
		t.Errorf("midpoint %v, want {0: 0.7, 1: 0.8}", got)
	}
}

// lstm-forget-bias, transformer-nobias, bias-weight-decay and bitfit give bit-identical trials at
// GOMAXPROCS=1 with one worker and GOMAXPROCS=4 with three.
func TestLiteratureIdenticalAtAnyGOMAXPROCS(t *testing.T) {
	names := []string{"lstm-forget-bias", "transformer-nobias", "bias-weight-decay", "bitfit"}
	over := map[string]map[string]string{
		"lstm-forget-bias":   {"steps": "5", "samples": "64"},
		"transformer-nobias": {"steps": "4", "samples": "32"},
		"bias-weight-decay":  {"steps": "5"},
		"bitfit":             {"pretrain_steps": "5", "steps": "5"},
	}
	if runQuick(t, 1, 1, names, over) != runQuick(t, 4, 3, names, over) {
		t.Fatal("results at GOMAXPROCS=1 (1 worker) and GOMAXPROCS=4 (3 workers) differ")
	}
}
