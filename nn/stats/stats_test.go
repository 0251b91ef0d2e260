package stats_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"

	"github.com/intercept-ml/intercept/internal/golden"
	"github.com/intercept-ml/intercept/internal/goldentensor"
	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/nn/stats"
	"github.com/intercept-ml/intercept/optim"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

type refMoments struct{ Mean, Std float64 }

type refLayer struct {
	Act, Grad *refMoments
	Dead      *float64
	Saturated *float64
	Params    map[string]struct {
		Value, Grad refMoments
		Ratio       float64 `json:"update_ratio"`
	}
}

type recorderRef struct {
	X     []*golden.Tensor
	Y     [][]int64
	Steps []map[string]refLayer
}

func loadRef(t *testing.T) *recorderRef {
	b, err := os.ReadFile("../testdata/hooks.json")
	if err != nil {
		t.Fatal(err)
	}
	var r struct{ Recorder recorderRef }
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return &r.Recorder
}

// seededMLP is gen_hooks.py's recorder model: 20-32-32-32-10 with ReLU,
// Tanh and Sigmoid, built after manual_seed(0).
func seededMLP() *nn.Sequential {
	rng.ManualSeed(0)
	return nn.NewSequential(nn.NewLinear(20, 32), nn.NewReLU(), nn.NewLinear(32, 32), nn.NewTanh(),
		nn.NewLinear(32, 32), nn.NewSigmoid(), nn.NewLinear(32, 10))
}

// near reports whether got is within rel of want, relative to scale.
func near(got, want, scale, rel float64) bool {
	return math.Abs(got-want) <= rel*math.Max(math.Abs(scale), 1e-30)
}

// TestRecorderMatchesPyTorch trains the seeded MLP three SGD steps with a
// recorder attached and compares every figure with the same statistics
// computed in PyTorch with hooks (testdata/gen_hooks.py, recorder).
func TestRecorderMatchesPyTorch(t *testing.T) {
	ref := loadRef(t)
	model := seededMLP()
	opt := optim.NewSGD(nn.Parameters(model), optim.LR(0.1))
	rec := stats.Attach(model)
	defer rec.Close()
	for s := range ref.Steps {
		opt.ZeroGrad()
		out := model.Forward(goldentensor.New(ref.X[s]))
		nn.CrossEntropyLoss(out, tensor.FromInt64(ref.Y[s], len(ref.Y[s]))).Backward()
		opt.Step()
		rec.Step()
	}
	steps := rec.Steps()
	if len(steps) != len(ref.Steps) {
		t.Fatalf("%d steps, want %d", len(steps), len(ref.Steps))
	}
	checked := 0
	check := func(what string, got, want, scale, rel float64) {
		t.Helper()
		checked++
		if !near(got, want, scale, rel) {
			t.Errorf("%s: %.9g, PyTorch %.9g", what, got, want)
		}
	}
	for s, want := range ref.Steps {
		if len(steps[s].Layers) != len(want) {
			t.Errorf("step %d: %d layers, PyTorch %d", s, len(steps[s].Layers), len(want))
		}
		for name, w := range want {
			l := steps[s].Layer(name)
			if l == nil {
				t.Errorf("step %d: no layer %q", s, name)
				continue
			}
			p := fmt.Sprintf("step %d layer %s ", s, name)
			moments := func(what string, got stats.Moments, w *refMoments) {
				if w == nil {
					return
				}
				check(p+what+" mean", got.Mean, w.Mean, math.Max(w.Std, math.Abs(w.Mean)), 1e-5)
				check(p+what+" std", got.Std, w.Std, w.Std, 1e-5)
			}
			moments("act", l.Act, w.Act)
			moments("grad", l.Grad, w.Grad)
			for pn, wp := range w.Params {
				gp := l.Param(pn)
				if gp == nil {
					t.Errorf("%s: no parameter %s", p, pn)
					continue
				}
				moments(pn, gp.Value, &refMoments{wp.Value.Mean, wp.Value.Std})
				moments(pn+" grad", gp.Grad, &refMoments{wp.Grad.Mean, wp.Grad.Std})
				check(p+pn+" update ratio", gp.UpdateRatio, wp.Ratio, wp.Ratio, 1e-4)
			}
			if w.Dead != nil {
				check(p+"dead share", l.DeadShare, *w.Dead, 1, 1e-7)
			} else if l.Units != 0 {
				t.Errorf("%s: dead units recorded for a %s", p, l.Type)
			}
			if w.Saturated != nil {
				check(p+"saturated share", l.Saturated, *w.Saturated, 1, 1e-7)
			} else if l.Saturable {
				t.Errorf("%s: saturation recorded for a %s", p, l.Type)
			}
		}
	}
	if checked < 100 {
		t.Errorf("only %d figures compared", checked)
	}
}

// TestRecorderOutputs checks the JSONL lines and the table, and that Close
// removes the hooks.
func TestRecorderOutputs(t *testing.T) {
	model := seededMLP()
	rec := stats.Attach(model, stats.DeadWindow(2), stats.Samples(10))
	x := rng.Default().Randn(8, 20)
	model.Forward(x).Sum().Backward()
	s := rec.Step()
	rec.Close()
	if nn.HooksActive() {
		t.Error("hooks left after Close")
	}
	if l := s.Layer("1"); l == nil || l.Units != 32 || len(l.ActSample) != 10 || len(l.GradSample) != 10 {
		t.Errorf("ReLU layer: %+v", l)
	}
	var buf bytes.Buffer
	if err := rec.WriteJSONL(&buf); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if len(lines) != 7 {
		t.Fatalf("%d JSONL lines, want 7", len(lines))
	}
	var row map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &row); err != nil || row["layer"] != "0" || row["type"] != "Linear" || row["weight_std"] == nil {
		t.Errorf("first line %s (%v)", lines[0], err)
	}
	buf.Reset()
	if err := stats.WriteTable(&buf, s); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "Sigmoid") || strings.Count(buf.String(), "\n") != 8 {
		t.Errorf("table:\n%s", buf.String())
	}
	// Without the recorder, the model runs unhooked again.
	n := len(rec.Steps())
	model.Forward(x)
	if len(rec.Steps()) != n {
		t.Error("steps recorded after Close")
	}
}

// TestDeadWindow: a unit is dead when it was positive in none of the last
// DeadWindow batches; Only(DeadUnits) records nothing else.
func TestDeadWindow(t *testing.T) {
	model := nn.NewSequential(nn.NewIdentity(), nn.NewReLU())
	rec := stats.Attach(model, stats.DeadWindow(2), stats.Only(stats.DeadUnits))
	defer rec.Close()
	batch := func(v ...float32) *tensor.Tensor { return tensor.FromFloat32(v, 2, 3) }
	for i, c := range []struct {
		x    *tensor.Tensor
		dead int
	}{
		{batch(1, -1, 0, -2, 0, 0), 2},    // unit 0 alive
		{batch(-1, 0, 0, -1, 3, 0), 1},    // unit 1 alive; unit 0 within the window
		{batch(-1, -1, -1, -1, -1, 0), 2}, // unit 1 still within the window
	} {
		model.Forward(c.x)
		s := rec.Step()
		relu := s.Layer("1")
		if relu == nil || relu.Units != 3 || relu.DeadUnits != c.dead {
			t.Fatalf("batch %d: %+v, want %d dead of 3", i, relu, c.dead)
		}
		if relu.Act.N != 0 || relu.Params != nil || s.Layer("0").Act.N != 0 {
			t.Errorf("batch %d: figures recorded beyond Only(DeadUnits): %+v", i, s.Layers)
		}
	}
}
