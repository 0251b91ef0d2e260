package experiments

import (
	"context"
	"math"
	"testing"

	"github.com/intercept-ml/intercept/lab"
)

// The literature experiments of h18c, on their --quick settings with two
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
