package optim

import (
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"strings"
	"testing"

	"github.com/intercept-ml/intercept/tensor"
)

// Reference data written by testdata/gen_sched_ext.py with PyTorch 1.13.1.
type schedExtRef struct {
	Lambda []struct {
		Name string
		Seq  []struct{ LR []string }
	}
	Plateau []struct {
		Name    string
		Metrics []string
		Seq     []struct {
			LR              []string
			Best            string
			NumBadEpochs    int `json:"num_bad_epochs"`
			CooldownCounter int `json:"cooldown_counter"`
			LastEpoch       int `json:"last_epoch"`
		}
	}
	Errors map[string]string
}

func loadSchedExt(t *testing.T) *schedExtRef {
	t.Helper()
	b, err := os.ReadFile("testdata/sched_ext.json")
	if err != nil {
		t.Fatal(err)
	}
	var r schedExtRef
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return &r
}

// sgd2 is gen_sched_ext.py's optimizer: SGD with groups of lr 0.1 and 0.05.
func sgd2() *SGD {
	p := []*tensor.Tensor{tensor.NewParameter(tensor.Zeros(2)), tensor.NewParameter(tensor.Zeros(2))}
	o := NewSGD(p[:1], LR(0.1))
	o.AddParamGroup(p[1:], LR(0.05))
	return o
}

func checkLRs(t *testing.T, what string, o Optimizer, want []string) {
	t.Helper()
	for i, g := range o.ParamGroups() {
		if w := hexFloat(t, want[i]); g.LR != w {
			t.Errorf("%s group %d: lr %v, PyTorch %v (bits differ)", what, i, g.LR, w)
		}
	}
}

// TestLambdaLRMatchesPyTorch compares the learning rates after
// construction and after every step with PyTorch's, bit for bit.
func TestLambdaLRMatchesPyTorch(t *testing.T) {
	ref := loadSchedExt(t)
	inv := func(e int) float64 { return 1.0 / float64(1+e) }
	// Python's 0.9 ** e is glibc's pow, correctly rounded here (Go's
	// math.Pow is not): the exact power of the double 0.9, then rounded.
	pow := func(e int) float64 {
		x := new(big.Float).SetPrec(4096).SetFloat64(1)
		b := new(big.Float).SetPrec(4096).SetFloat64(0.9)
		for range e {
			x.Mul(x, b)
		}
		f, _ := x.Float64()
		return f
	}
	build := map[string][]func(int) float64{
		"1/(1+e)":               {inv},
		"warmup min(1,(e+1)/5)": {func(e int) float64 { return min(1.0, float64(e+1)/5) }},
		"step 0.5 if e>=3": {func(e int) float64 {
			if e >= 3 {
				return 0.5
			}
			return 1
		}},
		"0.9**e":                      {pow},
		"per group [1/(1+e), 0.9**e]": {inv, pow},
	}
	if len(ref.Lambda) != len(build) {
		t.Errorf("%d PyTorch cases, %d Go cases", len(ref.Lambda), len(build))
	}
	for _, c := range ref.Lambda {
		fs, ok := build[c.Name]
		if !ok {
			t.Errorf("no Go lambda for %q", c.Name)
			continue
		}
		o := sgd2()
		s := NewLambdaLR(o, fs...)
		checkLRs(t, c.Name+" construction", o, c.Seq[0].LR)
		for k := 1; k < len(c.Seq); k++ {
			o.Step()
			s.Step()
			checkLRs(t, fmt.Sprintf("%s step %d", c.Name, k), o, c.Seq[k].LR)
			if s.LastEpoch() != k {
				t.Errorf("%s: last epoch %d after %d steps", c.Name, s.LastEpoch(), k)
			}
		}
	}
}

// TestReduceLROnPlateauMatchesPyTorch feeds PyTorch's metrics and compares
// the learning rates (bit for bit) and the scheduler's best, bad-epoch and
// cooldown counters after every step.
func TestReduceLROnPlateauMatchesPyTorch(t *testing.T) {
	ref := loadSchedExt(t)
	build := map[string][]ReduceLROnPlateauOption{
		"defaults": nil,
		"max abs threshold=0.01 factor=0.5 patience=2 cooldown=2 min_lr=[0.01,0.001]": {
			ModeMax, ThresholdAbs, Threshold(0.01), Factor(0.5), Patience(2), Cooldown(2), MinLRs(0.01, 0.001)},
		"min patience=0 factor=0.5 min_lr=0.02 eps=1e-3":         {Patience(0), Factor(0.5), MinLR(0.02), Eps(1e-3)},
		"min rel threshold=0.1 patience=1 cooldown=1 factor=0.3": {Threshold(0.1), Patience(1), Cooldown(1), Factor(0.3)},
		"max rel threshold=0.001 patience=3":                     {ModeMax, Threshold(0.001), Patience(3)},
		"min abs threshold=0.05 patience=1":                      {ThresholdAbs, Threshold(0.05), Patience(1)},
	}
	if len(ref.Plateau) != len(build) {
		t.Errorf("%d PyTorch cases, %d Go cases", len(ref.Plateau), len(build))
	}
	for _, c := range ref.Plateau {
		opts, ok := build[c.Name]
		if !ok {
			t.Errorf("no Go options for %q", c.Name)
			continue
		}
		o := sgd2()
		s := NewReduceLROnPlateau(o, opts...)
		checkLRs(t, c.Name+" construction", o, c.Seq[0].LR)
		reductions := 0
		for k, m := range c.Metrics {
			before := o.ParamGroups()[0].LR
			o.Step()
			s.Step(hexFloat(t, m))
			w := c.Seq[k+1]
			what := fmt.Sprintf("%s step %d", c.Name, k+1)
			checkLRs(t, what, o, w.LR)
			if b := hexFloat(t, w.Best); s.Best() != b {
				t.Errorf("%s: best %v, PyTorch %v", what, s.Best(), b)
			}
			if s.NumBadEpochs() != w.NumBadEpochs || s.CooldownCounter() != w.CooldownCounter || s.LastEpoch() != w.LastEpoch {
				t.Errorf("%s: num_bad_epochs %d, cooldown_counter %d, last_epoch %d; PyTorch %d, %d, %d", what,
					s.NumBadEpochs(), s.CooldownCounter(), s.LastEpoch(), w.NumBadEpochs, w.CooldownCounter, w.LastEpoch)
			}
			if got := s.LastLR(); len(got) != 2 || got[0] != o.ParamGroups()[0].LR || got[1] != o.ParamGroups()[1].LR {
				t.Errorf("%s: LastLR %v", what, got)
			}
			if o.ParamGroups()[0].LR != before {
				reductions++
			}
		}
		if reductions == 0 && c.Name != "max rel threshold=0.001 patience=3" {
			t.Logf("%s: no reduction (a weak case)", c.Name)
		}
	}
}

func TestReduceLROnPlateauStateDict(t *testing.T) {
	o := sgd2()
	s := NewReduceLROnPlateau(o, Patience(1), Cooldown(1))
	for _, m := range []float64{1, 2, 3} {
		s.Step(m)
	}
	st := s.StateDict()
	b, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	var back PlateauState
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	s2 := NewReduceLROnPlateau(sgd2(), Patience(1), Cooldown(1))
	if err := s2.LoadStateDict(back); err != nil {
		t.Fatal(err)
	}
	for _, m := range []float64{4, 0.5, 5, 6, 7} {
		s.Step(m)
		s2.Step(m)
		if s.Best() != s2.Best() || s.NumBadEpochs() != s2.NumBadEpochs() || s.CooldownCounter() != s2.CooldownCounter() {
			t.Fatalf("restored scheduler diverges at metric %v", m)
		}
	}
	if err := s2.LoadStateDict(PlateauState{LastLR: []float64{1}}); err == nil {
		t.Error("a state with one learning rate for two groups loaded")
	}
}

func TestSchedExtErrors(t *testing.T) {
	ref := loadSchedExt(t)
	cases := map[string]func(){
		"plateau factor":  func() { NewReduceLROnPlateau(sgd2(), Factor(1)) },
		"plateau min_lrs": func() { NewReduceLROnPlateau(sgd2(), MinLRs(0.1, 0.2, 0.3)) },
		"lambda count": func() {
			f := func(int) float64 { return 1 }
			NewLambdaLR(sgd2(), f, f, f)
		},
	}
	for name, py := range ref.Errors {
		f, ok := cases[name]
		if !ok {
			t.Errorf("no Go case for %q", name)
			continue
		}
		msg := func() (m string) {
			defer func() { m = fmt.Sprint(recover()) }()
			f()
			return
		}()
		if _, want, _ := strings.Cut(py, ": "); !strings.Contains(msg, want) {
			t.Errorf("%s: panic %q, PyTorch %q", name, msg, want)
		}
	}
	if len(cases) != len(ref.Errors) {
		t.Errorf("%d Go cases, %d PyTorch errors", len(cases), len(ref.Errors))
	}
}
