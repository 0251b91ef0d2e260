package lab

import (
	"context"
	"math"
	"slices"
	"sync"
	"testing"

	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

// TestDrainPools checks what the runner relies on between experiments:
// a training step leaves gradient storage in package tensor's pools, and
// tensor.DrainPools gives all of it up.
func TestDrainPools(t *testing.T) {
	g := rng.NewGenerator()
	g.ManualSeed(1)
	w := g.Randn(128, 128).SetRequiresGrad(true)
	for range 3 {
		x := g.Randn(64, 128)
		x.Matmul(w).ReLU().Matmul(w).Sum().Backward()
	}
	if tensor.PoolBytes() == 0 {
		t.Fatal("no memory in the pools after three backward passes: the test exercises nothing")
	}
	tensor.DrainPools()
	if n := tensor.PoolBytes(); n != 0 {
		t.Errorf("the pools hold %d bytes after DrainPools, want 0", n)
	}
}

// TestRunnerKeepsSeries checks that the series the runner parks as trial
// files while the run goes on come back bit for bit in its results (NaN,
// -0 and infinities included), and that an empty series, which a trial file
// does not store, stays.
func TestRunnerKeepsSeries(t *testing.T) {
	want := map[uint64]map[string][]float64{}
	var mu sync.Mutex
	e := &Experiment{
		Name:  "series",
		Title: "Series",
		Claim: "a claim",
		Variants: func(c Config) ([]Variant, error) {
			return []Variant{{Key: "a", Label: "A", Cond: fakeCond("a")}}, nil
		},
		Run: func(ctx context.Context, tr Trial) (*TrialResult, error) {
			r := NewResult()
			r.Scalars["x"] = 1
			curve := make([]float64, 300)
			for i := range curve {
				curve[i] = tr.Gen.Randn(1).Item() * float64(i)
			}
			curve[1], curve[2], curve[3] = math.NaN(), math.Copysign(0, -1), math.Inf(-1)
			r.Series["curve"] = curve
			r.Series["short"] = []float64{float64(tr.Seed)}
			r.Series["empty"] = []float64{}
			mu.Lock()
			want[tr.Seed] = map[string][]float64{"curve": slices.Clone(curve), "short": {float64(tr.Seed)}}
			mu.Unlock()
			return r, nil
		},
	}
	cfg, err := e.Resolve(false, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	res, err := (&Runner{Dir: t.TempDir(), Workers: 2}).Run(context.Background(), []Plan{{Exp: e, Config: cfg, Seeds: []uint64{0, 1, 2, 3}}})
	if err != nil {
		t.Fatal(err)
	}
	trials := res[0].Variants[0].Trials
	if len(trials) != 4 {
		t.Fatalf("%d trials, want 4", len(trials))
	}
	for _, tr := range trials {
		if tr.Result == nil {
			t.Fatalf("seed %d: %s", tr.Seed, tr.Error)
		}
		got := tr.Result.Series
		if s, ok := got["empty"]; !ok || len(s) != 0 {
			t.Errorf("seed %d: the empty series is %v (present: %v)", tr.Seed, s, ok)
		}
		for name, w := range want[tr.Seed] {
			g := got[name]
			if len(g) != len(w) {
				t.Fatalf("seed %d: series %s has %d values, want %d", tr.Seed, name, len(g), len(w))
			}
			for i := range w {
				if math.Float64bits(g[i]) != math.Float64bits(w[i]) && !(math.IsNaN(g[i]) && math.IsNaN(w[i])) {
					t.Errorf("seed %d: %s[%d] = %v, want %v", tr.Seed, name, i, g[i], w[i])
				}
			}
		}
	}
}
