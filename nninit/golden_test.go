package nninit_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/intercept-ml/intercept/internal/golden"
	"github.com/intercept-ml/intercept/nninit"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

// goldenInits maps the names in golden.json's "init" section to the
// equivalent calls; each is run on a fresh float32 tensor of the entry's
// shape right after rng.ManualSeed(0).
var goldenInits = map[string]func(t *tensor.Tensor){
	"uniform_()":                  func(t *tensor.Tensor) { nninit.Uniform(t, 0, 1) },
	"uniform_(a=-1,b=1)":          func(t *tensor.Tensor) { nninit.Uniform(t, -1, 1) },
	"normal_()":                   func(t *tensor.Tensor) { nninit.Normal(t, 0, 1) },
	"normal_(mean=0,std=0.1)":     func(t *tensor.Tensor) { nninit.Normal(t, 0, 0.1) },
	"constant_(0.5)":              func(t *tensor.Tensor) { nninit.Constant(t, 0.5) },
	"zeros_":                      func(t *tensor.Tensor) { nninit.Zeros(t) },
	"ones_":                       func(t *tensor.Tensor) { nninit.Ones(t) },
	"eye_":                        func(t *tensor.Tensor) { nninit.Eye(t) },
	"dirac_":                      func(t *tensor.Tensor) { nninit.Dirac(t, 1) },
	"xavier_uniform_":             func(t *tensor.Tensor) { nninit.XavierUniform(t) },
	"xavier_normal_":              func(t *tensor.Tensor) { nninit.XavierNormal(t) },
	"kaiming_uniform_":            func(t *tensor.Tensor) { nninit.KaimingUniform(t) },
	"kaiming_uniform_(a=sqrt(5))": func(t *tensor.Tensor) { nninit.KaimingUniform(t, nninit.A(math.Sqrt(5))) },
	"kaiming_normal_":             func(t *tensor.Tensor) { nninit.KaimingNormal(t) },
	"xavier_uniform_(gain=calculate_gain('relu'))": func(t *tensor.Tensor) {
		nninit.XavierUniform(t, nninit.Gain(nninit.CalculateGain(nninit.ReLU)))
	},
	"kaiming_uniform_(mode='fan_out',nonlinearity='relu')": func(t *tensor.Tensor) {
		nninit.KaimingUniform(t, nninit.FanOut, nninit.ReLU)
	},
	"kaiming_normal_(a=0.2,mode='fan_out',nonlinearity='leaky_relu')": func(t *tensor.Tensor) {
		nninit.KaimingNormal(t, nninit.A(0.2), nninit.FanOut, nninit.LeakyReLU)
	},
	"trunc_normal_(std=0.02)":              func(t *tensor.Tensor) { nninit.TruncNormal(t, 0, 0.02, -2, 2) },
	"trunc_normal_(mean=0,std=1,a=-2,b=2)": func(t *tensor.Tensor) { nninit.TruncNormal(t, 0, 1, -2, 2) },
	"orthogonal_":                          func(t *tensor.Tensor) { nninit.Orthogonal(t) },
	"orthogonal_(gain=2)":                  func(t *tensor.Tensor) { nninit.Orthogonal(t, nninit.Gain(2)) },
	"sparse_(sparsity=0.5,std=0.01)":       func(t *tensor.Tensor) { nninit.Sparse(t, 0.5, 0.01) },
}

// orthogonalTol is the absolute tolerance for orthogonal_: PyTorch's QR is
// LAPACK's float32 Householder QR, ours gonum's in float64.
const orthogonalTol = 1e-6

type goldenInit struct {
	Init   string         `json:"init"`
	Shape  []int          `json:"shape"`
	Seed   uint64         `json:"seed"`
	Result *golden.Tensor `json:"result"`
	Error  string         `json:"error"`
}

func TestGoldenInit(t *testing.T) {
	var entries []goldenInit
	golden.Section(t, "init", &entries)
	if len(entries) == 0 {
		t.Fatal("no init entries")
	}
	seen := map[string]bool{}
	exact, tolerant := 0, 0
	for _, e := range entries {
		fn, ok := goldenInits[e.Init]
		if !ok {
			t.Errorf("golden init %q has no Go counterpart", e.Init)
			continue
		}
		seen[e.Init] = true
		name := fmt.Sprintf("%s%v", e.Init, e.Shape)
		t.Run(name, func(t *testing.T) {
			rng.ManualSeed(e.Seed)
			w := tensor.Zeros(e.Shape...)
			if e.Error != "" {
				expectPanic(t, e.Error, func() { fn(w) })
				return
			}
			fn(w)
			if strings.HasPrefix(e.Init, "orthogonal_") {
				compareClose(t, "result", w, e.Result, orthogonalTol)
				tolerant++
				return
			}
			compareBits(t, "result", w, e.Result)
			exact++
		})
	}
	for k := range goldenInits {
		if !seen[k] {
			t.Errorf("Go case %q not in golden.json", k)
		}
	}
	t.Logf("golden init: %d entries bit-exact, %d within %g", exact, tolerant, orthogonalTol)
}

func TestGoldenGains(t *testing.T) {
	var gains map[string]float64
	golden.Section(t, "gains", &gains)
	for name, want := range gains {
		var got float64
		switch name {
		case "leaky_relu(0.2)":
			got = nninit.CalculateGain(nninit.LeakyReLU, 0.2)
		case "leaky_relu(sqrt(5))":
			got = nninit.CalculateGain(nninit.LeakyReLU, math.Sqrt(5))
		default:
			nl, ok := nonlinearityNamed(name)
			if !ok {
				t.Errorf("no Nonlinearity named %q", name)
				continue
			}
			got = nninit.CalculateGain(nl)
		}
		if math.Float64bits(got) != math.Float64bits(want) {
			t.Errorf("CalculateGain(%s) = %v; want %v (bits %016x, want %016x)",
				name, got, want, math.Float64bits(got), math.Float64bits(want))
		}
	}
}

func TestGoldenFans(t *testing.T) {
	var fans map[string][2]int
	golden.Section(t, "fans", &fans)
	for key, want := range fans {
		shape := parseShape(t, key)
		in, out := nninit.FanInOut(tensor.Zeros(shape...))
		if in != want[0] || out != want[1] {
			t.Errorf("FanInOut%v = (%d, %d), want (%d, %d)", shape, in, out, want[0], want[1])
		}
	}
}

// parseShape parses a Python tuple such as "(8, 3, 3, 3)" or "(5,)".
func parseShape(t *testing.T, s string) []int {
	t.Helper()
	s = strings.Trim(s, "()")
	var shape []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		var n int
		if _, err := fmt.Sscan(f, &n); err != nil {
			t.Fatalf("bad shape %q: %v", s, err)
		}
		shape = append(shape, n)
	}
	return shape
}

// values returns the elements of w in row-major order as float64 (exact)
// together with their bit patterns in the width of w's type.
func values(w *tensor.Tensor) ([]float64, []uint64) {
	switch w.DType() {
	case tensor.Float32:
		d := w.Float32s()
		v, b := make([]float64, len(d)), make([]uint64, len(d))
		for i, x := range d {
			v[i], b[i] = float64(x), uint64(math.Float32bits(x))
		}
		return v, b
	case tensor.Float64:
		d := w.Float64s()
		b := make([]uint64, len(d))
		for i, x := range d {
			b[i] = math.Float64bits(x)
		}
		return d, b
	}
	panic("not a float tensor")
}

func want(g *golden.Tensor) ([]float64, []uint64) {
	if g.DType == "float32" {
		b32 := g.Bits32()
		v, b := make([]float64, len(b32)), make([]uint64, len(b32))
		for i, x := range b32 {
			v[i], b[i] = float64(math.Float32frombits(x)), uint64(x)
		}
		return v, b
	}
	return g.Float64s(), g.Bits64()
}

func checkMeta(t *testing.T, what string, w *tensor.Tensor, g *golden.Tensor) bool {
	t.Helper()
	if w.DType().String() != "torch."+g.DType {
		t.Errorf("%s: dtype %v, want %s", what, w.DType(), g.DType)
		return false
	}
	if fmt.Sprint(w.Shape()) != fmt.Sprint(g.Shape) {
		t.Errorf("%s: shape %v, want %v", what, w.Shape(), g.Shape)
		return false
	}
	return true
}

// compareBits checks that w holds exactly the bit patterns of g.
func compareBits(t *testing.T, what string, w *tensor.Tensor, g *golden.Tensor) {
	t.Helper()
	if !checkMeta(t, what, w, g) {
		return
	}
	gotV, gotB := values(w)
	wantV, wantB := want(g)
	bad := 0
	for i := range wantB {
		if gotB[i] != wantB[i] {
			if bad < 5 {
				t.Errorf("%s[%d] = %v (%x), want %v (%x)", what, i, gotV[i], gotB[i], wantV[i], wantB[i])
			}
			bad++
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d of %d elements differ", what, bad, len(wantB))
	}
}

// compareClose checks |w − g| <= tol elementwise and reports how many
// elements are nevertheless bit-identical.
func compareClose(t *testing.T, what string, w *tensor.Tensor, g *golden.Tensor, tol float64) (same, n int) {
	t.Helper()
	if !checkMeta(t, what, w, g) {
		return 0, 0
	}
	gotV, gotB := values(w)
	wantV, wantB := want(g)
	maxDiff, maxUlps := 0.0, uint64(0)
	for i := range wantV {
		d := math.Abs(gotV[i] - wantV[i])
		if !(d <= tol) {
			t.Errorf("%s[%d] = %v, want %v ± %g", what, i, gotV[i], wantV[i], tol)
		}
		maxDiff = max(maxDiff, d)
		if gotB[i] == wantB[i] {
			same++
		} else if (gotV[i] < 0) == (wantV[i] < 0) { // ulps between same-signed values
			maxUlps = max(maxUlps, max(gotB[i], wantB[i])-min(gotB[i], wantB[i]))
		}
	}
	t.Logf("%s: max |diff| %.3g (%d ulps), %d of %d bit-identical", what, maxDiff, maxUlps, same, len(wantV))
	return same, len(wantV)
}

// expectPanic runs fn and checks that it panics with a message containing
// the text of PyTorch's exception pyErr ("ValueError: ..."), up to any
// ", but found" detail, compared case-insensitively and ignoring quotes.
func expectPanic(t *testing.T, pyErr string, fn func()) {
	t.Helper()
	msg := pyErr
	if i := strings.Index(msg, ": "); i >= 0 {
		msg = msg[i+2:]
	}
	if i := strings.Index(msg, ", but found"); i >= 0 {
		msg = msg[:i]
	}
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Errorf("no panic; PyTorch raised %s", pyErr)
			return
		}
		got := fmt.Sprint(r)
		norm := func(s string) string { return strings.ToLower(strings.ReplaceAll(s, `"`, "")) }
		if !strings.Contains(norm(got), norm(msg)) {
			t.Errorf("panic %q does not contain PyTorch's message %q", got, msg)
		}
	}()
	fn()
}
