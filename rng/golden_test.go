package rng

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"testing"

	"github.com/intercept-ml/intercept/internal/golden"
)

// tally counts golden tensors compared bit for bit, per dtype.
type tally struct{ exact32, total32, exact64, total64 int }

func (c *tally) log(t *testing.T) {
	t.Logf("bit-exact: float32 %d/%d tensors, float64 %d/%d tensors",
		c.exact32, c.total32, c.exact64, c.total64)
}

// check32 compares got with the golden float32 tensor bit for bit.
func (c *tally) check32(t *testing.T, name string, got []float32, want golden.Tensor) {
	t.Helper()
	c.total32++
	if want.DType != "float32" {
		t.Fatalf("%s: golden dtype %s, want float32", name, want.DType)
	}
	wb := want.Bits32()
	if len(got) != len(wb) {
		t.Errorf("%s: %d values, golden has %d", name, len(got), len(wb))
		return
	}
	bad := 0
	for i, v := range got {
		if math.Float32bits(v) != wb[i] {
			if bad < 5 {
				t.Errorf("%s[%d] = %08x (%g), want %08x (%g)", name, i,
					math.Float32bits(v), v, wb[i], math.Float32frombits(wb[i]))
			}
			bad++
		}
	}
	if bad == 0 {
		c.exact32++
	} else {
		t.Errorf("%s: %d of %d float32 values differ", name, bad, len(got))
	}
}

// check64 compares got with the golden float64 tensor bit for bit.
func (c *tally) check64(t *testing.T, name string, got []float64, want golden.Tensor) {
	t.Helper()
	c.total64++
	if want.DType != "float64" {
		t.Fatalf("%s: golden dtype %s, want float64", name, want.DType)
	}
	wb := want.Bits64()
	if len(got) != len(wb) {
		t.Errorf("%s: %d values, golden has %d", name, len(got), len(wb))
		return
	}
	bad := 0
	for i, v := range got {
		gb := math.Float64bits(v)
		if gb == wb[i] {
			continue
		}
		bad++
		if bad <= 5 {
			t.Errorf("%s[%d] = %016x (%g), want %016x (%g)", name, i,
				gb, v, wb[i], math.Float64frombits(wb[i]))
		}
	}
	if bad == 0 {
		c.exact64++
	} else {
		t.Errorf("%s: %d of %d float64 values differ", name, bad, len(got))
	}
}

func seeded(seed uint64) *Generator {
	g := NewGenerator()
	g.ManualSeed(seed)
	return g
}

type rngCase struct {
	Seed  uint64        `json:"seed"`
	N     int           `json:"n"`
	DType string        `json:"dtype"`
	Rand  golden.Tensor `json:"rand"`
	Randn golden.Tensor `json:"randn"`
}

// TestGoldenRNG: torch.rand(n) and torch.randn(n) right after manual_seed.
func TestGoldenRNG(t *testing.T) {
	var cases []rngCase
	golden.Section(t, "rng", &cases)
	var c tally
	for _, tc := range cases {
		name := fmt.Sprintf("seed=%d n=%d %s", tc.Seed, tc.N, tc.DType)
		switch tc.DType {
		case "float32":
			u := make([]float32, tc.N)
			seeded(tc.Seed).Uniform32(u, 0, 1)
			c.check32(t, "rand "+name, u, tc.Rand)
			z := make([]float32, tc.N)
			seeded(tc.Seed).Normal32(z, 0, 1)
			c.check32(t, "randn "+name, z, tc.Randn)
		case "float64":
			u := make([]float64, tc.N)
			seeded(tc.Seed).Uniform64(u, 0, 1)
			c.check64(t, "rand "+name, u, tc.Rand)
			z := make([]float64, tc.N)
			seeded(tc.Seed).Normal64(z, 0, 1)
			c.check64(t, "randn "+name, z, tc.Randn)
		default:
			t.Fatalf("unexpected dtype %q", tc.DType)
		}
	}
	if len(cases) != 24 {
		t.Errorf("golden rng has %d cases, expected 24", len(cases))
	}
	c.log(t)
}

var callRE = regexp.MustCompile(`(randn|rand)\((\d+)\)|empty\((\d+)\)\.(normal_|uniform_)\(([^)]*)\)`)

// TestGoldenSequences: mixed call sequences on one generator (normal cache,
// normal_/uniform_ with parameters).
func TestGoldenSequences(t *testing.T) {
	var cases []struct {
		Seed  uint64          `json:"seed"`
		Calls string          `json:"calls"`
		Parts []golden.Tensor `json:"parts"`
	}
	golden.Section(t, "rng_sequences", &cases)
	var c tally
	for _, tc := range cases {
		g := seeded(tc.Seed)
		calls := callRE.FindAllStringSubmatch(tc.Calls, -1)
		if len(calls) != len(tc.Parts) {
			t.Fatalf("%q: parsed %d calls, golden has %d parts", tc.Calls, len(calls), len(tc.Parts))
		}
		for i, m := range calls {
			name := fmt.Sprintf("seed=%d %q part %d", tc.Seed, tc.Calls, i)
			var out []float32
			switch {
			case m[1] == "rand":
				out = make([]float32, atoi(t, m[2]))
				g.Uniform32(out, 0, 1)
			case m[1] == "randn":
				out = make([]float32, atoi(t, m[2]))
				g.Normal32(out, 0, 1)
			default:
				out = make([]float32, atoi(t, m[3]))
				a, b := 0.0, 1.0
				if m[4] == "normal_" {
					a, b = 0, 1
				}
				if args := regexp.MustCompile(`\s*,\s*`).Split(m[5], -1); m[5] != "" {
					a, b = atof(t, args[0]), atof(t, args[1])
				}
				if m[4] == "normal_" {
					g.Normal32(out, a, b)
				} else {
					g.Uniform32(out, a, b)
				}
			}
			c.check32(t, name, out, tc.Parts[i])
		}
	}
	c.log(t)
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func atof(t *testing.T, s string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestGoldenRandperm(t *testing.T) {
	var cases []struct {
		Seed uint64  `json:"seed"`
		N    int     `json:"n"`
		Perm []int64 `json:"perm"`
	}
	golden.Section(t, "randperm", &cases)
	for _, tc := range cases {
		got := seeded(tc.Seed).Randperm(tc.N)
		if fmt.Sprint(got) != fmt.Sprint(tc.Perm) {
			t.Errorf("randperm(%d) seed %d = %v, want %v", tc.N, tc.Seed, got, tc.Perm)
		}
	}
	if len(cases) == 0 {
		t.Fatal("no randperm cases")
	}
}

func TestGoldenBernoulli(t *testing.T) {
	var tc struct {
		Seed   uint64        `json:"seed"`
		Call   string        `json:"call"`
		Result golden.Tensor `json:"result"`
	}
	golden.Section(t, "bernoulli", &tc)
	p := atof(t, regexp.MustCompile(`bernoulli_\(([0-9.]+)\)`).FindStringSubmatch(tc.Call)[1])
	var c tally
	got := make([]float32, tc.Result.Numel())
	seeded(tc.Seed).Bernoulli32(got, p)
	c.check32(t, tc.Call, got, tc.Result)
	// float64 tensors draw the same way.
	got64 := make([]float64, len(got))
	seeded(tc.Seed).Bernoulli64(got64, p)
	for i := range got64 {
		if float32(got64[i]) != got[i] {
			t.Fatalf("Bernoulli64 differs from Bernoulli32 at %d", i)
		}
	}
}

// TestGoldenDropout: F.dropout(x, p, training=True) on CPU (no MKL) is
// x * (mask / f32(1-p)) with mask = bernoulli_(1-p), all in float32.
func TestGoldenDropout(t *testing.T) {
	var tc struct {
		Seed   uint64        `json:"seed"`
		Call   string        `json:"call"`
		X      golden.Tensor `json:"x"`
		Result golden.Tensor `json:"result"`
	}
	golden.Section(t, "dropout", &tc)
	p := atof(t, regexp.MustCompile(`p=([0-9.]+)`).FindStringSubmatch(tc.Call)[1])
	x := tc.X.Float32s()
	mask := make([]float32, len(x))
	seeded(tc.Seed).Bernoulli32(mask, 1-p)
	scale := float32(1 - p)
	got := make([]float32, len(x))
	for i := range x {
		got[i] = x[i] * (mask[i] / scale)
	}
	var c tally
	c.check32(t, tc.Call, got, tc.Result)
}

// TestGoldenLinear784 reproduces the default init of Linear(784, 256) after
// manual_seed(42) (all 200 960 values; kaiming_uniform_(a=√5) then the bias
// bound 1/√784): a large check of Uniform32's fused multiply-add.
func TestGoldenLinear784(t *testing.T) {
	var layers []struct {
		Layer     string                   `json:"layer"`
		Seed      uint64                   `json:"seed"`
		StateDict map[string]golden.Tensor `json:"state_dict"`
	}
	golden.Section(t, "layers", &layers)
	for _, l := range layers {
		if l.Layer != "Linear(784,256)" {
			continue
		}
		g := seeded(l.Seed)
		a := math.Sqrt(5)
		gain := math.Sqrt(2.0 / (1 + a*a))
		bound := math.Sqrt(3.0) * (gain / math.Sqrt(784))
		w := make([]float32, 256*784)
		g.Uniform32(w, -bound, bound)
		b := make([]float32, 256)
		bb := 1 / math.Sqrt(784)
		g.Uniform32(b, -bb, bb)
		if got, want := golden.Sha256Float32(w), l.StateDict["weight"].Sha256; got != want {
			t.Errorf("Linear(784,256) weight sha256 %s, want %s", got, want)
		}
		var c tally
		c.check32(t, "Linear(784,256) bias", b, l.StateDict["bias"])
		return
	}
	t.Fatal("Linear(784,256) not in golden layers")
}
