package tensorfmt

import (
	"math"
	"strings"
	"testing"

	"github.com/intercept-ml/intercept/internal/golden"
)

type goldenFile struct {
	Print []struct {
		What string `json:"what"`
		Str  string `json:"str"`
	} `json:"print"`
	Layers []struct {
		Layer     string                   `json:"layer"`
		Seed      int                      `json:"seed"`
		StateDict map[string]golden.Tensor `json:"state_dict"`
	} `json:"layers"`
	RNG []struct {
		Seed  int           `json:"seed"`
		N     int           `json:"n"`
		Dtype string        `json:"dtype"`
		Randn golden.Tensor `json:"randn"`
	} `json:"rng"`
}

func loadGolden(t *testing.T) *goldenFile {
	t.Helper()
	var g goldenFile
	golden.Section(t, "print", &g.Print)
	golden.Section(t, "layers", &g.Layers)
	golden.Section(t, "rng", &g.RNG)
	return &g
}

// f32bits returns the float32 elements of a golden tensor (decoded from
// their bit patterns) as float64s.
func f32bits(g *golden.Tensor) []float64 {
	v := g.Float32s()
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}

// f32 rounds each value to float32 like torch.tensor([...]) does.
func f32(xs ...float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = float64(float32(x))
	}
	return out
}

// linspace32 approximates PyTorch's CPU linspace for float32 (first half
// start + i*step, second half end - (steps-1-i)*step). A few elements differ
// from torch.linspace in the last bit, which does not change their printed
// 4-decimal form.
func linspace32(start, end float32, steps int) []float64 {
	step := (end - start) / float32(steps-1)
	out := make([]float64, steps)
	half := steps / 2
	for i := range out {
		if i < half {
			out[i] = float64(start + step*float32(i))
		} else {
			out[i] = float64(end - step*float32(steps-1-i))
		}
	}
	return out
}

// arangeDiv32 returns float32(i) / float32(d) for i in [0, n).
func arangeDiv32(n int, d float32) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = float64(float32(i) / d)
	}
	return out
}

type goldenInput struct {
	what     string // prefix of the golden "what" description, as a sanity check
	shape    []int
	v        Values
	suffixes []string
}

func goldenInputs(t *testing.T, g *goldenFile) []goldenInput {
	var linear golden.Tensor
	var linearBias golden.Tensor
	for _, l := range g.Layers {
		if l.Layer == "Linear(3,1)" && l.Seed == 42 {
			linear, linearBias = l.StateDict["weight"], l.StateDict["bias"]
		}
	}
	if linear.Bits == nil {
		t.Fatal("golden layers: Linear(3,1) seed 42 not found")
	}
	var randn []float64
	for _, r := range g.RNG {
		if r.Seed == 0 && r.Dtype == "float32" && r.N >= 6 {
			randn = f32bits(&r.Randn)[:6]
			break
		}
	}
	if randn == nil {
		t.Fatal("golden rng: seed 0 float32 randn not found")
	}
	// randn(2, 3) * 1e-3: the Python scalar is applied in float32.
	scaled := make([]float64, 6)
	for i, x := range randn {
		scaled[i] = float64(float32(x) * float32(1e-3))
	}
	arange24 := make([]float64, 24)
	for i := range arange24 {
		arange24[i] = float64(i)
	}
	rg := []string{"requires_grad=True"}
	return []goldenInput{
		{"Linear(3,1) after manual_seed(42): str(weight)", linear.Shape, Values{Float: f32bits(&linear)}, rg},
		{"Linear(3,1) after manual_seed(42): str(bias)", linearBias.Shape, Values{Float: f32bits(&linearBias)}, rg},
		// The seed behind Net is not recorded; these float32 values print
		// identically at 4 decimals.
		{"Net.fc1.weight", []int{4, 3}, Values{Float: f32(
			-0.2992, -0.3896, -0.1844,
			0.1212, 0.2972, -0.2242,
			-0.3398, 0.0779, -0.3403,
			-0.3759, 0.3009, -0.0970)}, rg},
		{"Net.fc1.bias", []int{4}, Values{Float: f32(0.5276, 0.5616, 0.1727, 0.1987)}, rg},
		{"tensor([1e-5, 1.0, 1000.0])", []int{3}, Values{Float: f32(1e-5, 1, 1000)}, nil},
		{"tensor([0.1234567, -12.5])", []int{2}, Values{Float: f32(0.1234567, -12.5)}, nil},
		{"tensor([[1.,2.],[3.,4.]]) as Parameter", []int{2, 2}, Values{Float: f32(1, 2, 3, 4)}, rg},
		{"tensor([1e9, 1.])", []int{2}, Values{Float: f32(1e9, 1)}, nil},
		{"tensor([nan, 1.5, inf])", []int{3}, Values{Float: []float64{math.NaN(), 1.5, math.Inf(1)}}, nil},
		{"zeros(2)", []int{2}, Values{Float: []float64{0, 0}}, nil},
		{"tensor(0.5) (0-d)", nil, Values{Float: []float64{0.5}}, nil},
		{"mse loss tensor with grad_fn", []int{}, Values{Float: f32(1.3303)}, []string{"grad_fn=<MseLossBackward0>"}},
		{"float64 [0.25, -1.5]", []int{2}, Values{Float: []float64{0.25, -1.5}}, []string{"dtype=torch.float64"}},
		{"linspace(-1, 1, 30)", []int{30}, Values{Float: linspace32(-1, 1, 30)}, nil},
		{"arange(1200.).reshape(30, 40) / 7", []int{30, 40}, Values{Float: arangeDiv32(1200, 7)}, nil},
		{"arange(2000.) / 3", []int{2000}, Values{Float: arangeDiv32(2000, 3)}, nil},
		{"arange(24.).reshape(2, 3, 4)", []int{2, 3, 4}, Values{Float: arange24}, nil},
		{"tensor([[1e-5, -2.5], [300.0, 0.0]]) as Parameter", []int{2, 2}, Values{Float: f32(1e-5, -2.5, 300, 0)}, rg},
		{"tensor([-0.0, 2.0, -3.0])", []int{3}, Values{Float: []float64{math.Copysign(0, -1), 2, -3}}, nil},
		{"int64 tensor([1, -20, 300])", []int{3}, Values{Int: []int64{1, -20, 300}}, nil},
		{"bool tensor([True, False])", []int{2}, Values{Bool: []bool{true, false}}, nil},
		{"ones(2, requires_grad=True)", []int{2}, Values{Float: []float64{1, 1}}, rg},
		{"empty(0)", []int{0}, Values{Float: []float64{}}, nil},
		{"empty(2, 0)", []int{2, 0}, Values{}, nil},
		{"randn(2,3) * 1e-3 after manual_seed(0)", []int{2, 3}, Values{Float: scaled}, nil},
	}
}

func TestGoldenPrint(t *testing.T) {
	g := loadGolden(t)
	inputs := goldenInputs(t, g)
	if len(inputs) != len(g.Print) {
		t.Fatalf("have %d inputs for %d golden print cases", len(inputs), len(g.Print))
	}
	for i, c := range g.Print {
		in := inputs[i]
		if !strings.HasPrefix(c.What, in.what) {
			t.Fatalf("print[%d]: golden case %q does not match input %q", i, c.What, in.what)
		}
		want := strings.TrimPrefix(c.Str, "Parameter containing:\n")
		if got := Format(in.shape, in.v, in.suffixes...); got != want {
			t.Errorf("print[%d] %s:\ngot:\n%s\nwant:\n%s", i, c.What, got, want)
		}
	}
}
