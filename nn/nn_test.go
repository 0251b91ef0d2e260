package nn

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/intercept-ml/intercept/internal/golden"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

type goldenLayer struct {
	Layer         string
	Seed          uint64
	Repr          string
	StateDictKeys []string                 `json:"state_dict_keys"`
	StateDict     map[string]golden.Tensor `json:"state_dict"`
}

func goldenLayers(t *testing.T) map[string]goldenLayer {
	var ls []goldenLayer
	golden.Section(t, "layers", &ls)
	m := map[string]goldenLayer{}
	for _, l := range ls {
		m[l.Layer] = l
	}
	return m
}

// bitsEqual compares a float32 tensor with golden bits (or, for tensors over
// 4096 elements, with the golden sha256 and samples).
func bitsEqual(t *testing.T, what string, got *tensor.Tensor, want golden.Tensor) {
	t.Helper()
	if fmt.Sprint(got.Shape()) != fmt.Sprint(want.Shape) {
		t.Errorf("%s: shape %v, want %v", what, got.Shape(), want.Shape)
		return
	}
	vals := got.Float32s()
	if want.Sha256 != "" {
		if h := golden.Sha256Float32(vals); h != want.Sha256 {
			t.Errorf("%s: sha256 %s, want %s", what, h, want.Sha256)
		}
		return
	}
	bad := 0
	for i, b := range want.Bits32() {
		if math.Float32bits(vals[i]) != b {
			bad++
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d of %d values differ from PyTorch's bits", what, bad, len(vals))
	}
}

// checkLayer compares a layer built after ManualSeed with the golden
// PyTorch layer: repr, state-dict keys and every value bit for bit.
func checkLayer(t *testing.T, g goldenLayer, build func() any) {
	t.Helper()
	rng.ManualSeed(g.Seed)
	m := build()
	if got := Repr(m); got != g.Repr {
		t.Errorf("%s: repr %q, want %q", g.Layer, got, g.Repr)
	}
	sd := StateDictOf(m)
	if !reflect.DeepEqual(sd.Keys(), g.StateDictKeys) {
		t.Errorf("%s: keys %v, want %v", g.Layer, sd.Keys(), g.StateDictKeys)
	}
	for _, e := range sd {
		want, ok := g.StateDict[e.Name]
		if !ok || e.Tensor.DType() != tensor.Float32 {
			continue
		}
		bitsEqual(t, g.Layer+"."+e.Name, e.Tensor, want)
	}
}

func TestGoldenLinear(t *testing.T) {
	gl := goldenLayers(t)
	cases := map[string]func() any{
		"Linear(3,1)":            func() any { return NewLinear(3, 1) },
		"Linear(3,1,bias=False)": func() any { return NewLinear(3, 1, NoBias) },
		"Linear(784,256)":        func() any { return NewLinear(784, 256) },
	}
	for name, build := range cases {
		g, ok := gl[name]
		if !ok {
			t.Fatalf("golden layer %q missing", name)
		}
		checkLayer(t, g, build)
	}
}

type goldenRepr struct {
	What            string
	Repr            string
	StateDictKeys   []string `json:"state_dict_keys"`
	NamedParameters []string `json:"named_parameters"`
}

type Net struct {
	FC1, FC2 *Linear
}

func (n *Net) Forward(x *tensor.Tensor) *tensor.Tensor { return n.FC2.Forward(n.FC1.Forward(x).ReLU()) }

type ownAfter struct {
	FC1   *Linear
	Scale *tensor.Tensor
	Step  *tensor.Tensor `nn:",buffer"`
	Block *Sequential
}

func names(ns []Named) []string {
	out := []string{}
	for _, n := range ns {
		out = append(out, n.Name)
	}
	return out
}

func TestGoldenRepr(t *testing.T) {
	var rs []goldenRepr
	golden.Section(t, "repr", &rs)
	build := map[string]func() any{
		"Linear(3,1)":            func() any { return NewLinear(3, 1) },
		"Linear(3,1,bias=False)": func() any { return NewLinear(3, 1, NoBias) },
		"Sequential(Linear(3,4),ReLU(),Linear(4,1))": func() any {
			return NewSequential(NewLinear(3, 4), NewReLU(), NewLinear(4, 1))
		},
		"Net(fc1=Linear(3,4), fc2=Linear(4,1))": func() any { return &Net{NewLinear(3, 4), NewLinear(4, 1)} },
		"ModuleList([Linear(2,2), ReLU(inplace=True)])": func() any {
			return ModuleList{NewLinear(2, 2), NewReLU()}
		},
		"ModuleDict({'enc': Linear(1,1), 'act': GELU()})": func() any {
			return NewModuleDict().Set("enc", NewLinear(1, 1)).Set("act", NewGELU())
		},
		"Sequential()": func() any { return NewSequential() },
	}
	skipRepr := map[string]bool{"ModuleList([Linear(2,2), ReLU(inplace=True)])": true} // no in-place ReLU here
	n := 0
	for _, r := range rs {
		mk, ok := build[r.What]
		if !ok {
			continue
		}
		n++
		m := mk()
		if got := Repr(m); got != r.Repr && !skipRepr[r.What] {
			t.Errorf("%s:\n got %q\nwant %q", r.What, got, r.Repr)
		}
		if got := StateDictOf(m).Keys(); !reflect.DeepEqual(got, r.StateDictKeys) && !(len(got) == 0 && len(r.StateDictKeys) == 0) {
			t.Errorf("%s: state dict keys %v, want %v", r.What, got, r.StateDictKeys)
		}
		if got := names(NamedParameters(m)); !reflect.DeepEqual(got, r.NamedParameters) {
			t.Errorf("%s: named parameters %v, want %v", r.What, got, r.NamedParameters)
		}
	}
	if n != len(build) {
		t.Errorf("checked %d of %d cases", n, len(build))
	}
}

// TestOwnParametersFirst mirrors golden repr[6]: a module's own parameters
// and buffers come before its children's, whatever the field order.
func TestOwnParametersFirst(t *testing.T) {
	m := &ownAfter{
		FC1:   NewLinear(2, 2),
		Scale: tensor.NewParameter(tensor.Ones(1)),
		Step:  tensor.Zeros(1),
		Block: NewSequential(NewLinear(2, 2)),
	}
	want := "[scale step fc1.weight fc1.bias block.0.weight block.0.bias]"
	if got := fmt.Sprint(StateDictOf(m).Keys()); got != want {
		t.Errorf("keys %s, want %s", got, want)
	}
	if got := fmt.Sprint(names(NamedParameters(m))); got != "[scale fc1.weight fc1.bias block.0.weight block.0.bias]" {
		t.Errorf("named parameters %s", got)
	}
}

func TestGoldenMLPThroughNN(t *testing.T) {
	var mlp struct {
		Params map[string]golden.Tensor `json:"params"`
		Repr   string
	}
	golden.Section(t, "mlp", &mlp)
	rng.ManualSeed(42)
	m := NewSequential(NewLinear(3, 4), NewReLU(), NewLinear(4, 1))
	if Repr(m) != mlp.Repr {
		t.Errorf("repr %q", Repr(m))
	}
	for _, p := range NamedParameters(m) {
		bitsEqual(t, p.Name, p.Tensor, mlp.Params[p.Name])
	}
}

func TestGoldenParameterPrint(t *testing.T) {
	var cases []struct{ What, Str string }
	golden.Section(t, "print", &cases)
	rng.ManualSeed(42)
	l := NewLinear(3, 1)
	for _, c := range cases {
		switch c.What {
		case "Linear(3,1) after manual_seed(42): str(weight)":
			if got := l.Weight.String(); got != c.Str {
				t.Errorf("weight prints %q, want %q", got, c.Str)
			}
		case "Linear(3,1) after manual_seed(42): str(bias)":
			if got := l.Bias.String(); got != c.Str {
				t.Errorf("bias prints %q, want %q", got, c.Str)
			}
		}
	}
}

func TestLoadStateDict(t *testing.T) {
	rng.ManualSeed(1)
	a := &Net{NewLinear(3, 4), NewLinear(4, 1)}
	b := &Net{NewLinear(3, 4), NewLinear(4, 1)}
	if err := LoadStateDict(b, StateDictOf(a), true); err != nil {
		t.Fatal(err)
	}
	if !tensor.Equal(a.FC1.Weight, b.FC1.Weight) || a.FC1.Weight == b.FC1.Weight {
		t.Fatal("values not copied")
	}
	if !b.FC1.Weight.RequiresGrad() || !b.FC1.Weight.IsParameter() {
		t.Fatal("loading changed the parameter's nature")
	}

	c := &Net{NewLinear(3, 5), NewLinear(4, 1, NoBias)}
	sd := append(StateDictOf(a), Named{Name: "fc3.weight", Tensor: tensor.Zeros(1)})
	before := c.FC1.Weight.Float32s()
	err := LoadStateDict(c, sd, true)
	var le *LoadError
	if !errors.As(err, &le) {
		t.Fatalf("want *LoadError, got %v", err)
	}
	msg := err.Error()
	for _, want := range []string{
		"Error(s) in loading state_dict for Net:",
		`Unexpected key(s) in state_dict: "fc2.bias", "fc3.weight".`,
		"size mismatch for fc1.weight: copying a param with shape torch.Size([4, 3]) from checkpoint, the shape in current model is torch.Size([5, 3]).",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if fmt.Sprint(c.FC1.Weight.Float32s()) != fmt.Sprint(before) {
		t.Error("a failed load modified the model")
	}
	// non-strict: missing and unexpected keys are tolerated, shapes are not
	d := &Net{NewLinear(3, 4), NewLinear(4, 1)}
	partial := StateDict{{Name: "fc1.weight", Tensor: a.FC1.Weight}, {Name: "extra", Tensor: tensor.Zeros(2)}}
	if err := LoadStateDict(d, partial, false); err != nil {
		t.Fatalf("non-strict load: %v", err)
	}
	if err := LoadStateDict(d, partial, true); err == nil || !strings.Contains(err.Error(), `Missing key(s) in state_dict: "fc1.bias", "fc2.weight", "fc2.bias".`) {
		t.Errorf("strict load of a partial dict: %v", err)
	}
}

func TestTrainEvalApplyFreeze(t *testing.T) {
	m := NewSequential(NewLinear(2, 3), NewReLU(), NewLinear(3, 1, NoBias))
	if NumParameters(m, false) != 2*3+3+3 {
		t.Errorf("NumParameters = %d", NumParameters(m, false))
	}
	SetRequiresGrad(m.At(0), false)
	if NumParameters(m, true) != 3 {
		t.Errorf("trainable = %d after freezing layer 0", NumParameters(m, true))
	}
	var visited []string
	Apply(m, func(x any) { visited = append(visited, fmt.Sprintf("%T", x)) })
	if fmt.Sprint(visited) != "[*nn.Linear *nn.ReLU *nn.Linear *nn.Sequential]" {
		t.Errorf("apply order %v", visited)
	}
	mods := NamedModules(m)
	if len(mods) != 4 || mods[0].Name != "" || mods[3].Name != "2" {
		t.Errorf("named modules %v", mods)
	}
}

func TestSnakeNames(t *testing.T) {
	for in, want := range map[string]string{
		"FC1": "fc1", "Conv2": "conv2", "HiddenLayer": "hidden_layer", "HTTPServer": "http_server",
		"Head": "head", "BN1": "bn1", "OutProj": "out_proj", "Layer2Norm": "layer2_norm",
	} {
		if got := snakeName(in); got != want {
			t.Errorf("snakeName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestLinearErrors(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "mat1 and mat2 shapes cannot be multiplied (4x2 and 3x1)") {
			t.Fatalf("panic %v", r)
		}
	}()
	NewLinear(3, 1).Forward(tensor.Zeros(4, 2))
}
