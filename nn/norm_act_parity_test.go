package nn

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/intercept-ml/intercept/internal/golden"
	F "github.com/intercept-ml/intercept/nn/functional"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

// Reference data written by testdata/gen_norm_act.py with PyTorch 1.13.1.

func loadNormActRef(t testing.TB) *layersRef {
	t.Helper()
	b, err := os.ReadFile("testdata/norm_act.json")
	if err != nil {
		t.Fatal(err)
	}
	var r layersRef
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	return &r
}

// normActBuilders maps the Python expressions of gen_norm_act.py to the
// equal Go constructions (a name ending in "@f64" uses the builder of the
// name without it, on float64 inputs).
var normActBuilders = map[string]func() any{
	"GroupNorm(2,6)":                     func() any { return NewGroupNorm(2, 6) },
	"GroupNorm(3,6,affine=False)":        func() any { return NewGroupNorm(3, 6, Affine(false)) },
	"GroupNorm(1,4,eps=0.001)":           func() any { return NewGroupNorm(1, 4, Eps(0.001)) },
	"GroupNorm(4,4)":                     func() any { return NewGroupNorm(4, 4) },
	"GroupNorm(2,4)":                     func() any { return NewGroupNorm(2, 4) },
	"GroupNorm(2,4,dtype=torch.float64)": func() any { return NewGroupNorm(2, 4, f64) },
	"InstanceNorm1d(3)":                  func() any { return NewInstanceNorm1d(3) },
	"InstanceNorm1d(3,affine=True)":      func() any { return NewInstanceNorm1d(3, Affine(true)) },
	"InstanceNorm1d(3,track_running_stats=True)": func() any {
		return NewInstanceNorm1d(3, TrackRunningStats(true))
	},
	"InstanceNorm1d(3,momentum=0.3,affine=True,track_running_stats=True)": func() any {
		return NewInstanceNorm1d(3, Momentum(0.3), Affine(true), TrackRunningStats(true))
	},
	"InstanceNorm2d(3)": func() any { return NewInstanceNorm2d(3) },
	"InstanceNorm2d(4,affine=True,track_running_stats=True)": func() any {
		return NewInstanceNorm2d(4, Affine(true), TrackRunningStats(true))
	},
	"InstanceNorm2d(3,eps=0.001,affine=True)": func() any { return NewInstanceNorm2d(3, Eps(0.001), Affine(true)) },
	"InstanceNorm2d(3,affine=True,track_running_stats=True,dtype=torch.float64)": func() any {
		return NewInstanceNorm2d(3, Affine(true), TrackRunningStats(true), f64)
	},
	"InstanceNorm3d(2)": func() any { return NewInstanceNorm3d(2) },
	"InstanceNorm3d(2,affine=True,track_running_stats=True)": func() any {
		return NewInstanceNorm3d(2, Affine(true), TrackRunningStats(true))
	},
	"BatchNorm3d(3)": func() any { return NewBatchNorm3d(3) },
	"BatchNorm3d(2,momentum=None,affine=False)": func() any {
		return NewBatchNorm3d(2, MomentumNone, Affine(false))
	},
	"BatchNorm3d(2,dtype=torch.float64)": func() any { return NewBatchNorm3d(2, f64) },
	"LocalResponseNorm(2)":               func() any { return NewLocalResponseNorm(2) },
	"LocalResponseNorm(3,alpha=0.01,beta=0.5,k=2.0)": func() any {
		return NewLocalResponseNorm(3, Alpha(0.01), Beta(0.5), K(2))
	},
	"LocalResponseNorm(4,alpha=0.1)":          func() any { return NewLocalResponseNorm(4, Alpha(0.1)) },
	"LocalResponseNorm(5,alpha=0.2,beta=1.0)": func() any { return NewLocalResponseNorm(5, Alpha(0.2), Beta(1)) },

	"ELU()":                         func() any { return NewELU() },
	"ELU(alpha=0.5)":                func() any { return NewELU(Alpha(0.5)) },
	"SELU()":                        func() any { return NewSELU() },
	"CELU()":                        func() any { return NewCELU() },
	"CELU(alpha=2.0)":               func() any { return NewCELU(Alpha(2)) },
	"Softplus()":                    func() any { return NewSoftplus() },
	"Softplus(beta=2,threshold=10)": func() any { return NewSoftplus(Beta(2), SoftplusThreshold(10)) },
	"Softplus(beta=0.5)":            func() any { return NewSoftplus(Beta(0.5)) },
	"Softplus(beta=0.5,threshold=2.5)": func() any {
		return NewSoftplus(Beta(0.5), SoftplusThreshold(2.5))
	},
	"Mish()":                           func() any { return NewMish() },
	"Hardswish()":                      func() any { return NewHardswish() },
	"Hardsigmoid()":                    func() any { return NewHardsigmoid() },
	"Hardtanh()":                       func() any { return NewHardtanh() },
	"Hardtanh(-2.0,3.0)":               func() any { return NewHardtanh(MinVal(-2), MaxVal(3)) },
	"ReLU6()":                          func() any { return NewReLU6() },
	"LogSigmoid()":                     func() any { return NewLogSigmoid() },
	"Softsign()":                       func() any { return NewSoftsign() },
	"Tanhshrink()":                     func() any { return NewTanhshrink() },
	"Softmin(dim=1)":                   func() any { return NewSoftmin(1) },
	"Softmin(dim=0)":                   func() any { return NewSoftmin(0) },
	"GELU(approximate='tanh')":         func() any { return NewGELU(ApproximateTanh) },
	"GELU()":                           func() any { return NewGELU() },
	"PReLU()":                          func() any { return NewPReLU() },
	"PReLU(3)":                         func() any { return NewPReLU(PReLUParameters(3)) },
	"PReLU(num_parameters=3)":          func() any { return NewPReLU(PReLUParameters(3)) },
	"PReLU(num_parameters=3,init=0.1)": func() any { return NewPReLU(PReLUParameters(3), Init(0.1)) },
	"PReLU(2,dtype=torch.float64)":     func() any { return NewPReLU(PReLUParameters(2), f64) },

	"GroupNorm(3,6,eps=0.001,affine=False)": func() any { return NewGroupNorm(3, 6, Eps(0.001), Affine(false)) },
	"InstanceNorm3d(4,eps=0.01,momentum=0.2,affine=True,track_running_stats=True)": func() any {
		return NewInstanceNorm3d(4, Eps(0.01), Momentum(0.2), Affine(true), TrackRunningStats(true))
	},
	"BatchNorm3d(5,affine=False,track_running_stats=False)": func() any {
		return NewBatchNorm3d(5, Affine(false), TrackRunningStats(false))
	},
}

// ulps returns the largest distance in units in the last place between got
// and want (0: bit for bit).
func ulps(got *tensor.Tensor, want *golden.Tensor) uint64 {
	var worst uint64
	ord32 := func(b uint32) int64 {
		if b&(1<<31) != 0 {
			return -int64(b &^ (1 << 31))
		}
		return int64(b)
	}
	ord64 := func(b uint64) int64 {
		if b&(1<<63) != 0 {
			return -int64(b &^ (1 << 63))
		}
		return int64(b)
	}
	switch want.DType {
	case "float32":
		g := got.Float32s()
		for i, b := range want.Bits32() {
			d := ord32(math.Float32bits(g[i])) - ord32(b)
			if d < 0 {
				d = -d
			}
			worst = max(worst, uint64(d))
		}
	case "float64":
		g := got.Float64s()
		for i, b := range want.Bits64() {
			d := ord64(math.Float64bits(g[i])) - ord64(b)
			if d < 0 {
				d = -d
			}
			worst = max(worst, uint64(d))
		}
	}
	return worst
}

// bitDiffs counts the elements of got whose bits differ from want's.
func bitDiffs(got *tensor.Tensor, want *golden.Tensor) (diff, total int) {
	switch want.DType {
	case "float32":
		g := got.Float32s()
		for i, b := range want.Bits32() {
			if math.Float32bits(g[i]) != b {
				diff++
			}
		}
	case "float64":
		g := got.Float64s()
		for i, b := range want.Bits64() {
			if math.Float64bits(g[i]) != b {
				diff++
			}
		}
	}
	return diff, want.Numel()
}

// scaledErr returns max |got − want| / max(1, max |want|), the measure
// closeTo bounds.
func scaledErr(got *tensor.Tensor, want *golden.Tensor) float64 {
	var w []float64
	if want.DType == "float64" {
		w = want.Float64s()
	} else {
		for _, v := range want.Float32s() {
			w = append(w, float64(v))
		}
	}
	g := got.Float64s()
	scale, worst := 1.0, 0.0
	for _, v := range w {
		scale = math.Max(scale, math.Abs(v))
	}
	for i := range w {
		worst = math.Max(worst, math.Abs(g[i]-w[i]))
	}
	return worst / scale
}

// TestNormActMatchPyTorch checks every layer of testdata/norm_act.json as
// TestLayersMatchPyTorch does: repr, state-dict keys, the initial state
// dict bit for bit, and per step the output and gradients within 1e-5 of
// the largest magnitude (float32) or 1e-12 (float64), and the state dict
// after the step (running statistics). With -v it logs, per layer, how many
// output and gradient values differ from PyTorch's bits, their largest
// error relative to the largest magnitude and the largest distance in ulps
// of each output and gradient.
func TestNormActMatchPyTorch(t *testing.T) {
	ref := loadNormActRef(t)
	if len(ref.Layers) == 0 {
		t.Fatal("no cases")
	}
	var report []string
	for _, c := range ref.Layers {
		name, _, _ := strings.Cut(c.Name, "@")
		build, ok := normActBuilders[name]
		if !ok {
			t.Errorf("no Go construction for %s", c.Name)
			continue
		}
		t.Run(c.Name, func(t *testing.T) {
			rng.ManualSeed(c.Seed)
			m := build()
			if got := Repr(m); got != c.Repr {
				t.Errorf("repr\n got %q\nwant %q", got, c.Repr)
			}
			sd := StateDictOf(m)
			if got := sd.Keys(); !reflect.DeepEqual(got, c.StateDictKeys) && !(len(got) == 0 && len(c.StateDictKeys) == 0) {
				t.Errorf("state dict keys %v, want %v", got, c.StateDictKeys)
			}
			if got := names(NamedParameters(m)); !reflect.DeepEqual(got, c.NamedParameters) && !(len(got) == 0 && len(c.NamedParameters) == 0) {
				t.Errorf("named parameters %v, want %v", got, c.NamedParameters)
			}
			for _, e := range sd {
				want, ok := c.StateDict[e.Name]
				if !ok {
					t.Errorf("state dict entry %s not in PyTorch's", e.Name)
					continue
				}
				exactBits(t, "initial "+e.Name, e.Tensor, want)
			}
			worst := map[string]uint64{}
			worstRel := 0.0
			nDiff, nTotal := 0, 0
			count := func(got *tensor.Tensor, want *golden.Tensor) {
				d, n := bitDiffs(got, want)
				nDiff, nTotal = nDiff+d, nTotal+n
			}
			for si, s := range c.Steps {
				what := fmt.Sprintf("step %d (train=%v)", si, s.Train)
				if s.Train {
					Train(m)
				} else {
					Eval(m)
				}
				zeroGrads(m)
				x := toTensor(t, s.X).SetRequiresGrad(true)
				out := m.(Module).Forward(x)
				closeTo(t, what+" output", out, s.Out)
				worst["out"] = max(worst["out"], ulps(out, s.Out))
				worstRel = max(worstRel, scaledErr(out, s.Out))
				count(out, s.Out)
				out.Mul(toTensor(t, s.Gy)).Sum().Backward()
				params := map[string]*tensor.Tensor{}
				for _, p := range NamedParameters(m) {
					params[p.Name] = p.Tensor
				}
				keys := make([]string, 0, len(s.Grads))
				for k := range s.Grads {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				for _, k := range keys {
					want := s.Grads[k]
					got := x.Grad
					if k != "x" {
						p, ok := params[k]
						if !ok {
							t.Errorf("%s: no parameter %s", what, k)
							continue
						}
						got = p.Grad
					}
					if want == nil {
						if got != nil {
							t.Errorf("%s: grad of %s is set, PyTorch has none", what, k)
						}
						continue
					}
					closeTo(t, what+" grad "+k, got, want)
					if got != nil {
						worst["grad "+k] = max(worst["grad "+k], ulps(got, want))
						worstRel = max(worstRel, scaledErr(got, want))
						count(got, want)
					}
				}
				after := StateDictOf(m)
				if len(after) != len(s.StateAfter) {
					t.Errorf("%s: state dict has %d entries, want %d", what, len(after), len(s.StateAfter))
				}
				for _, e := range after {
					if want, ok := s.StateAfter[e.Name]; ok {
						closeTo(t, what+" state "+e.Name, e.Tensor, want)
						if want.DType != "int64" {
							worst["state "+e.Name] = max(worst["state "+e.Name], ulps(e.Tensor, want))
						}
					}
				}
			}
			ks := make([]string, 0, len(worst))
			for k := range worst {
				ks = append(ks, k)
			}
			sort.Strings(ks)
			var parts []string
			for _, k := range ks {
				parts = append(parts, fmt.Sprintf("%s %d", k, worst[k]))
			}
			report = append(report, fmt.Sprintf("%-75s %4d/%-4d values differ, rel %.2g; ulps: %s", c.Name, nDiff, nTotal, worstRel, strings.Join(parts, ", ")))
		})
	}
	t.Logf("largest distance from PyTorch in ulps:\n%s", strings.Join(report, "\n"))
}

func TestNormActReprsMatchPyTorch(t *testing.T) {
	ref := loadNormActRef(t)
	for name, want := range ref.Repr {
		build, ok := normActBuilders[name]
		if !ok {
			t.Errorf("no Go construction for %s", name)
			continue
		}
		m := build()
		if got := Repr(m); got != want {
			t.Errorf("%s:\n got %q\nwant %q", name, got, want)
		}
		if s, ok := m.(fmt.Stringer); !ok || s.String() != want {
			t.Errorf("%s: String() differs from Repr", name)
		}
	}
}

// TestNormActErrors checks that bad configurations and inputs panic with
// PyTorch's message (without the Python exception class).
func TestNormActErrors(t *testing.T) {
	ref := loadNormActRef(t)
	z := tensor.Zeros
	cases := map[string]func(){
		"groupnorm divisible":          func() { NewGroupNorm(4, 6) },
		"group_norm channels":          func() { F.GroupNorm(z(2, 6, 3), 4, nil, nil) },
		"group_norm weight":            func() { F.GroupNorm(z(2, 4, 3), 2, tensor.Ones(3), nil) },
		"group_norm one value":         func() { NewGroupNorm(2, 2).Forward(z(1, 2)) },
		"instancenorm1d rank":          func() { NewInstanceNorm1d(3).Forward(z(2, 3, 4, 5)) },
		"instancenorm2d rank":          func() { NewInstanceNorm2d(3).Forward(z(2, 3)) },
		"instancenorm3d rank":          func() { NewInstanceNorm3d(3).Forward(z(2, 3, 4)) },
		"instancenorm spatial":         func() { NewInstanceNorm1d(3).Forward(z(2, 3, 1)) },
		"instancenorm affine channels": func() { NewInstanceNorm1d(3, Affine(true)).Forward(z(2, 4, 5)) },
		// PyTorch fails in forward, Go at construction.
		"instancenorm momentum None": func() { NewInstanceNorm1d(3, MomentumNone, TrackRunningStats(true)) },
		"batchnorm3d rank":           func() { NewBatchNorm3d(3).Forward(z(2, 3, 4, 5)) },
		"local_response_norm rank":   func() { F.LocalResponseNorm(z(2, 3), 2) },
		"prelu channels":             func() { NewPReLU(PReLUParameters(2)).Forward(z(2, 3)) },
		"prelu weight rank":          func() { F.PReLU(z(2, 3), tensor.Ones(1, 3)) },
		"celu alpha zero":            func() { F.CELU(z(3), F.Alpha(0)) },
		"gelu approximate":           func() { F.GELU(z(3), F.Approximation("foo")) },
	}
	for name, py := range ref.Errors {
		f, ok := cases[name]
		if !ok {
			t.Errorf("no Go case for PyTorch error %q", name)
			continue
		}
		msg := panicMessage(f)
		if msg == "" {
			t.Errorf("%s: no panic (PyTorch: %s)", name, py)
			continue
		}
		_, pyMsg, _ := strings.Cut(py, ": ")
		if !strings.Contains(msg, pyMsg) {
			t.Errorf("%s: panic %q lacks PyTorch's %q", name, msg, pyMsg)
		}
	}
	if len(ref.Errors) != len(cases) {
		t.Errorf("%d PyTorch errors, %d Go cases", len(ref.Errors), len(cases))
	}
}
