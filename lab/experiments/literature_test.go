package experiments

import (
	"context"
	"math"
	"strings"
	"testing"

	"github.com/intercept-ml/intercept/lab"
	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

// runQuickResults runs one experiment at its --quick settings with seeds 0
// and 1 and returns its analyzed result.
func runQuickResults(t *testing.T, name string) *lab.ExperimentResult {
	t.Helper()
	reg := Registry()
	e := reg.Get(name)
	if e == nil {
		t.Fatalf("%s is not registered", name)
	}
	if e.Group != lab.Literature {
		t.Errorf("%s: group %q, want %q", name, e.Group, lab.Literature)
	}
	cfg, err := e.Resolve(true, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	r := &lab.Runner{Dir: t.TempDir(), Workers: 2}
	res, err := r.Run(context.Background(), []lab.Plan{{Exp: e, Config: cfg, Seeds: []uint64{0, 1}}})
	if err != nil {
		t.Fatal(err)
	}
	lab.Analyze(reg, res)
	return res[0]
}

// checkShape asserts that every variant in keys is present with two
// finished trials, that each scalar of finite is finite in every trial that
// did not diverge, and that the analysis has a verdict with a text.
func checkShape(t *testing.T, r *lab.ExperimentResult, keys []string, finite []string) {
	t.Helper()
	if len(r.Variants) != len(keys) {
		var got []string
		for _, v := range r.Variants {
			got = append(got, v.Key)
		}
		t.Fatalf("%s: variants %v, want %v", r.Name, got, keys)
	}
	for i, v := range r.Variants {
		if v.Key != keys[i] {
			t.Errorf("%s: variant %d is %q, want %q", r.Name, i, v.Key, keys[i])
		}
		if len(v.Trials) != 2 || v.Failed != 0 {
			t.Fatalf("%s %s: %d trials, %d failed: %+v", r.Name, v.Key, len(v.Trials), v.Failed, v.Trials)
		}
		for _, tr := range v.Trials {
			if tr.Result.Diverged {
				continue
			}
			for _, s := range finite {
				x, ok := tr.Result.Scalars[s]
				if !ok || math.IsNaN(x) || math.IsInf(x, 0) {
					t.Errorf("%s %s seed %d: scalar %s = %v (present %v), want a finite value", r.Name, v.Key, tr.Seed, s, x, ok)
				}
			}
		}
	}
	a := r.Analysis
	if a == nil || a.Verdict.Status == "" || a.Verdict.Text == "" || strings.Contains(a.Verdict.Text, "analysis failed") {
		t.Fatalf("%s: no verdict: %+v", r.Name, a)
	}
	if len(a.Tables) < 2 {
		t.Errorf("%s: %d tables, want the per-variant and the paired table", r.Name, len(a.Tables))
	}
}

func TestPriorBiasInitQuick(t *testing.T) {
	r := runQuickResults(t, "prior-bias-init")
	checkShape(t, r, []string{
		"ratio=1,out_bias=default", "ratio=1,out_bias=prior", "ratio=10,out_bias=default", "ratio=10,out_bias=prior",
		"ratio=100,out_bias=default", "ratio=100,out_bias=prior",
	}, []string{"initial_loss", "early_loss", "final_loss", "accuracy", "balanced_accuracy", "minority_recall"})
	// the prior init predicts the base rate: its initial loss is near the
	// prior's entropy, far below ln 2 at 100:1
	v := r.VariantOf(priorCond{100, "prior"})
	for _, tr := range v.Trials {
		if l := tr.Result.Scalars["initial_loss"]; l > 0.2 {
			t.Errorf("prior init at 100:1, seed %d: initial loss %v, want about the prior's entropy 0.056", tr.Seed, l)
		}
	}
}

func TestZeroInitResidualQuick(t *testing.T) {
	r := runQuickResults(t, "zero-init-residual")
	checkShape(t, r, []string{
		"batchnorm=on,init=default", "batchnorm=on,init=zero-gamma", "batchnorm=off,init=default", "batchnorm=off,init=fixup",
	}, []string{"initial_loss", "early_loss", "final_loss", "test_accuracy", "diverged"})
	// Fixup's zero classifier predicts the uniform distribution
	for _, tr := range r.VariantOf(resCond{false, "fixup"}).Trials {
		if l := tr.Result.Scalars["initial_loss"]; math.Abs(l-math.Log(10)) > 1e-5 {
			t.Errorf("fixup seed %d: initial loss %v, want ln 10", tr.Seed, l)
		}
	}
}

func TestSelfNormalizingQuick(t *testing.T) {
	r := runQuickResults(t, "self-normalizing")
	checkShape(t, r, []string{"act=selu,init=lecun-normal", "act=relu,init=he-normal", "act=tanh,init=xavier"},
		[]string{"mean_last", "var_last", "max_abs_mean", "max_abs_log_var", "distance", "initial_loss", "final_loss", "test_accuracy"})
	for _, v := range r.Variants {
		for _, tr := range v.Trials {
			if n := len(tr.Result.Series["act_var"]); n != 8 {
				t.Errorf("%s: %d layers of statistics, want 8", v.Key, n)
			}
		}
	}
}

func TestLSUVInitQuick(t *testing.T) {
	r := runQuickResults(t, "lsuv-init")
	checkShape(t, r, []string{"init=lsuv", "init=he", "init=orthogonal"},
		[]string{"max_abs_log_var", "initial_loss", "mean_loss", "final_loss", "test_accuracy"})
	for _, tr := range r.VariantOf(lsuvCond{"lsuv"}).Trials {
		if _, ok := tr.Result.Scalars["lsuv_rescalings"]; !ok {
			t.Errorf("lsuv seed %d: no lsuv_rescalings", tr.Seed)
		}
	}
}

// LSUV leaves every Linear layer's output with a variance within the
// tolerance on a fresh minibatch when it converges (a linear network:
// one rescaling is exact up to the minibatch's sampling).
func TestLSUVUnitVariance(t *testing.T) {
	g := rng.NewGenerator()
	g.ManualSeed(7)
	x := g.Randn(2048, 16).MulScalar(3)
	model := mlp(g, []int{16, 32, 32, 32, 4}, "relu", true)
	n := lsuv(model, x, 2048, g)
	if n == 0 {
		t.Fatal("LSUV made no rescaling of weights drawn by PyTorch's default init on inputs of variance 9")
	}
	h := x
	tensor.NoGrad(func() {
		for _, m := range model.Layers() {
			h = m.Forward(h)
			if _, ok := m.(*nn.Linear); ok {
				if v := h.Var().Item(); math.Abs(v-1) >= lsuvTolVar {
					t.Errorf("after LSUV a layer's output variance is %v, want within %v of 1", v, lsuvTolVar)
				}
			}
		}
	})
}

// Fixup's initialization: the branches' last layers and the classifier are
// zero, the first layers are He-normal scaled by L^(-1/2), scalars 0 and 1.
func TestFixupInit(t *testing.T) {
	g := rng.NewGenerator()
	g.ManualSeed(3)
	const blocks, width = 16, 256
	m := newResMLP(g, resCond{false, "fixup"}, 64, width, blocks, 10)
	if m.StemBN != nil || m.StemBias == nil || m.OutBias == nil {
		t.Fatal("fixup: want no BatchNorm and scalar biases at stem and classifier")
	}
	zero := func(x *tensor.Tensor) bool {
		for _, v := range x.Float32s() {
			if v != 0 {
				return false
			}
		}
		return true
	}
	if !zero(m.Out.Weight) || !zero(m.Out.Bias) {
		t.Error("fixup: the classifier is not zero")
	}
	for i, b := range m.Blocks {
		if !zero(b.FC2.Weight) || b.FC1.Bias != nil || b.BN1 != nil {
			t.Errorf("block %d: last layer not zero, or a bias or BatchNorm present", i)
		}
		_, v := momentStats(b.FC1.Weight)
		want := 2.0 / width / blocks // He's 2/fan_in times (L^(-1/2))²
		if math.Abs(v/want-1) > 0.05 {
			t.Errorf("block %d: first layer's weight variance %v, want %v", i, v, want)
		}
		if b.Scale.Item() != 1 || b.Bias1a.Item() != 0 || b.Bias2b.Item() != 0 {
			t.Errorf("block %d: scalars %v %v %v, want 1 0 0", i, b.Scale.Item(), b.Bias1a.Item(), b.Bias2b.Item())
		}
	}
	if got := len(nn.Parameters(m)); got != 5+blocks*7 {
		t.Errorf("fixup: %d parameters, want %d (stem weight and scalar, 7 per block, scalar and classifier)", got, 5+blocks*7)
	}
	zg := newResMLP(g, resCond{true, "zero-gamma"}, 64, width, blocks, 10)
	for i, b := range zg.Blocks {
		if !zero(b.BN2.Weight) || zero(b.BN1.Weight) {
			t.Errorf("zero-gamma block %d: want γ = 0 in the branch's last BatchNorm only", i)
		}
	}
}

func TestNotWorseAndJoinStatuses(t *testing.T) {
	mk := func(diffs ...float64) lab.Paired {
		a := &lab.VariantResult{Variant: lab.Variant{Key: "a"}}
		b := &lab.VariantResult{Variant: lab.Variant{Key: "b"}}
		for i, d := range diffs {
			a.Trials = append(a.Trials, lab.TrialRecord{Seed: uint64(i), Result: &lab.TrialResult{Scalars: map[string]float64{"m": 1}}})
			b.Trials = append(b.Trials, lab.TrialRecord{Seed: uint64(i), Result: &lab.TrialResult{Scalars: map[string]float64{"m": 1 + d}}})
		}
		return lab.Pair(a, b, "m", nil)
	}
	ten := func(center, spread float64) []float64 {
		out := make([]float64, 10)
		for i := range out {
			out[i] = center + spread*float64(i%2*2-1)
		}
		return out
	}
	for _, tc := range []struct {
		p    lab.Paired
		want string
	}{
		{mk(ten(0, 0.001)...), lab.Supported},       // equivalent within 0.01
		{mk(ten(0.5, 0.001)...), lab.Supported},     // clearly better
		{mk(ten(-0.5, 0.001)...), lab.NotSupported}, // clearly worse
		{mk(-0.5, -0.5, -0.5), lab.Inconclusive},    // worse, but only 3 seeds
		{mk(ten(0, 0.5)...), lab.Inconclusive},      // too noisy
	} {
		if got := notWorse(tc.p, 0.01, lab.Less); got != tc.want {
			t.Errorf("notWorse(%s) = %s, want %s", tc.p, got, tc.want)
		}
	}
	S, N, I := lab.Supported, lab.NotSupported, lab.Inconclusive
	for _, tc := range []struct {
		in   []string
		want string
	}{{[]string{S, S}, S}, {[]string{N, N}, N}, {[]string{S, N, I}, lab.Depends}, {[]string{S, I}, I}, {nil, I}} {
		if got := joinStatuses(tc.in...); got != tc.want {
			t.Errorf("joinStatuses(%v) = %s, want %s", tc.in, got, tc.want)
		}
	}
}
