package experiments

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/intercept-ml/intercept/lab"
)

// runClaimQuick runs one experiment on its --quick settings (with the
// given overrides) for seeds 0 and 1, and checks that every variant has
// two finished trials.
func runClaimQuick(t *testing.T, name string, over map[string]string) *lab.ExperimentResult {
	t.Helper()
	e := Registry().Get(name)
	if e == nil {
		t.Fatalf("%s is not registered", name)
	}
	if e.Group != lab.Claims {
		t.Errorf("%s: group %q, want %q", name, e.Group, lab.Claims)
	}
	cfg, err := e.Resolve(true, over, "")
	if err != nil {
		t.Fatal(err)
	}
	r := &lab.Runner{Dir: t.TempDir()}
	res, err := r.Run(context.Background(), []lab.Plan{{Exp: e, Config: cfg, Seeds: []uint64{0, 1}}})
	if err != nil {
		t.Fatal(err)
	}
	lab.Analyze(Registry(), res)
	er := res[0]
	vs, _ := e.Variants(cfg)
	if len(er.Variants) != len(vs) {
		t.Fatalf("%s: %d variants, want %d", name, len(er.Variants), len(vs))
	}
	for _, v := range er.Variants {
		for _, tr := range v.Trials {
			if tr.Result == nil {
				t.Fatalf("%s %s seed %d failed: %s", name, v.Key, tr.Seed, tr.Error)
			}
		}
	}
	if er.Analysis == nil || er.Analysis.Verdict.Text == "" || er.Analysis.Verdict.Status == "" {
		t.Errorf("%s: no verdict: %+v", name, er.Analysis)
	} else if len(er.Analysis.Plots) == 0 {
		t.Errorf("%s: no plots", name)
	}
	return er
}

// checkFinite fails unless every trial of every variant has each scalar,
// finite.
func checkFinite(t *testing.T, r *lab.ExperimentResult, scalars ...string) {
	t.Helper()
	for _, v := range r.Variants {
		for _, tr := range v.Trials {
			for _, s := range scalars {
				x, ok := tr.Result.Scalars[s]
				if !ok || math.IsNaN(x) || math.IsInf(x, 0) {
					t.Errorf("%s %s seed %d: %s = %v (present %v)", r.Name, v.Key, tr.Seed, s, x, ok)
				}
			}
		}
	}
}

func TestBiasBeforeNormQuick(t *testing.T) {
	r := runClaimQuick(t, "bias-before-batchnorm", nil)
	if len(r.Variants) != 6 {
		t.Errorf("%d variants, want 3 norms × 2 shifts", len(r.Variants))
	}
	checkFinite(t, r, "init_output_diff", "max_loss_diff", "bias_grad_max", "acc_with_bias", "acc_without_bias", "param_drift")
	for _, v := range r.Variants {
		c := v.Cond.(normCond)
		d := v.Scalar("init_output_diff").Max
		// BatchNorm removes any bias, LayerNorm and GroupNorm a constant one
		// only: a measurement, not a verdict, but one that arithmetic fixes
		removed := c.Norm == "batchnorm" || c.Shift == "constant"
		if removed && d > 1e-4 || !removed && d < 1e-2 {
			t.Errorf("%s: max |logit diff| at init %v", v.Key, d)
		}
		if c.Norm == "batchnorm" {
			checkFinite(t, &lab.ExperimentResult{Name: r.Name, Variants: []*lab.VariantResult{v}}, "running_mean_gap", "eval_output_diff", "eval_diff_same_weights")
		}
	}
}

func TestConvBiasQuick(t *testing.T) {
	r := runClaimQuick(t, "conv-bias", map[string]string{"sets": "digits", "sizes": "50,all"})
	if len(r.Variants) != 4 {
		t.Errorf("%d variants, want 2 sizes × bias on/off", len(r.Variants))
	}
	checkFinite(t, r, "test_acc")
}

func TestConvBiasWithoutFashion(t *testing.T) {
	e := ConvBias()
	cfg, err := e.Resolve(true, map[string]string{"fashion": t.TempDir()}, "")
	if err != nil {
		t.Fatal(err)
	}
	vs, err := e.Variants(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		if v.Cond.(convCond).Set != "digits" {
			t.Errorf("variant %s without Fashion-MNIST installed", v.Key)
		}
	}
	cfg, _ = e.Resolve(true, map[string]string{"fashion": t.TempDir(), "sets": "fashion"}, "")
	if _, err := e.Variants(cfg); err == nil {
		t.Error("only fashion, not installed: no error")
	}
}

func TestMLPClaimsQuick(t *testing.T) {
	for _, name := range []string{"bias-depth", "bias-training-time", "bias-overfit"} {
		r := runClaimQuick(t, name, map[string]string{"depths": "1,2"})
		if len(r.Variants) == 0 || len(r.Variants)%4 != 0 {
			t.Errorf("%s: %d variants, want 2 depths × sizes × bias on/off", name, len(r.Variants))
		}
		checkFinite(t, r, "train_loss", "test_loss", "train_acc", "test_acc", "gap", "steps_to_target", "reached")
	}
}

func TestBiasGradInitQuick(t *testing.T) {
	r := runClaimQuick(t, "bias-grad-init", nil)
	if len(r.Variants) != 5 {
		t.Errorf("%d variants, want 3 σ + xavier + kaiming", len(r.Variants))
	}
	checkFinite(t, r, "bias_grad_norm", "weight_grad_norm", "bias_share", "loss")
	for _, v := range r.Variants {
		if s := v.Scalar("bias_share"); s.Min < 0 || s.Max > 1 {
			t.Errorf("%s: bias share %v outside [0, 1]", v.Key, s)
		}
	}
}

func TestPairSeedsAndTwoSided(t *testing.T) {
	a := map[uint64]float64{}
	b := map[uint64]float64{}
	for s := range uint64(10) {
		a[s] = float64(s)
		b[s] = float64(s) + 0.1 + 0.01*float64(s%3)
	}
	p := pairSeeds("x", "a", "b", a, b, nil)
	if p.Diff.N != 10 || math.Abs(p.Diff.Mean-0.109) > 1e-9 {
		t.Fatalf("paired difference %+v", p.Diff)
	}
	if got := decideTwoSided(p, 1); got != sameWithin {
		t.Errorf("+0.109 within ±1: %s", got)
	}
	if got := decideTwoSided(p, 0.05); got != bigger {
		t.Errorf("+0.109 beyond 0.05: %s", got)
	}
	if got := decideTwoSided(pairSeeds("x", "b", "a", b, a, nil), 0.05); got != smaller {
		t.Errorf("−0.109 beyond 0.05: %s", got)
	}
	delete(b, 3)
	if p := pairSeeds("x", "a", "b", a, b, nil); p.Missing != 1 || p.Diff.N != 9 {
		t.Errorf("a missing seed: %+v", p)
	}
}

// bias-before-batchnorm reads --data (it used to train on the embedded
// digits whatever --data said): a missing source is an error naming it.
func TestBiasBeforeNormHonoursData(t *testing.T) {
	e := BiasBeforeBatchNorm()
	source := "idx:" + t.TempDir() + "/none"
	cfg, err := e.Resolve(true, nil, source)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Variants(cfg); err == nil || !strings.Contains(err.Error(), source) {
		t.Errorf("--data %s: error %v, want one naming the source", source, err)
	}
}

// The claim experiments' numbers do not depend on GOMAXPROCS or on how
// many trials run at once.
func TestClaimNumbersIdenticalAtAnyGOMAXPROCS(t *testing.T) {
	names := []string{"conv-bias", "bias-depth", "bias-grad-init"}
	over := map[string]map[string]string{
		"conv-bias":      {"sets": "digits", "steps": "5"},
		"bias-depth":     {"steps": "20", "depths": "2"},
		"bias-grad-init": {"depth": "2"},
	}
	if runQuick(t, 1, 1, names, over) != runQuick(t, 8, 3, names, over) {
		t.Fatal("results at GOMAXPROCS=1 (1 worker) and GOMAXPROCS=8 (3 workers) differ")
	}
}
