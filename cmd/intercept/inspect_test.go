package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/nninit"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

// inspect reads each weight against the init that made it.
func TestInspectRecognizesInitializations(t *testing.T) {
	g := rng.NewGenerator()
	g.ManualSeed(0)
	gen := nn.WithGenerator(g)
	model := nn.NewSequential(
		nn.NewLinear(256, 128, gen), // PyTorch default
		nn.NewLinear(128, 128, gen),
		nn.NewLinear(128, 64, gen),
		nn.NewLinear(64, 10, gen),
	)
	layers := model.Layers()
	nninit.XavierUniform(layers[1].(*nn.Linear).Weight, nninit.WithGenerator(g))
	nninit.KaimingNormal(layers[2].(*nn.Linear).Weight, nninit.ReLU, nninit.WithGenerator(g))
	nninit.Zeros(layers[2].(*nn.Linear).Bias)
	nninit.Constant(layers[3].(*nn.Linear).Bias, 0.5)
	tensor.NoGrad(func() { layers[3].(*nn.Linear).Weight.Data32()[0] = float32(math.NaN()) })
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := nn.SaveSafetensors(path, model, nil); err != nil {
		t.Fatal(err)
	}
	stats, err := inspectFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"0.weight": "matches pytorch-default",
		"0.bias":   "std matches pytorch-default U(±1/√256) init",
		"1.weight": "matches xavier",
		"2.weight": "matches he",
		"2.bias":   "all zero",
		"3.bias":   "constant 0.5",
		"3.weight": "NaN/Inf",
	}
	for _, s := range stats {
		if w, ok := want[s.Name]; ok {
			if !strings.Contains(s.Reading, w) {
				t.Errorf("%s: reading %q, want %q", s.Name, s.Reading, w)
			}
			delete(want, s.Name)
		}
	}
	if len(want) > 0 {
		t.Errorf("tensors not reported: %v", want)
	}

	var out bytes.Buffer
	if err := printStats(&out, stats, true); err != nil {
		t.Fatal(err)
	}
	var back []tensorStats
	if err := json.Unmarshal(out.Bytes(), &back); err != nil || len(back) != len(stats) {
		t.Fatalf("--json output does not parse: %v", err)
	}
}

func TestInspectCommand(t *testing.T) {
	out, _, code := runApp(t, context.Background(), "inspect", "../../safetensors/testdata/convnet.safetensors")
	if code != 0 || !strings.Contains(out, "conv.weight") || !strings.Contains(out, "READING") {
		t.Fatalf("inspect: exit %d\n%s", code, out)
	}
	_, stderr, code := runApp(t, context.Background(), "inspect", "main.go")
	if code != 1 || !strings.Contains(stderr, "main.go") {
		t.Errorf("inspect of a non-safetensors file: exit %d, %q", code, stderr)
	}
	if _, _, code := runApp(t, context.Background(), "inspect"); code != 2 {
		t.Errorf("inspect without a file: exit %d, want 2", code)
	}
}

// inspect reads files written by real PyTorch 1.13 for each init right
// (testdata/inspect/gen_inspect.py).
func TestInspectPyTorchInits(t *testing.T) {
	want := map[string]map[string]string{
		"default": {
			"small.weight": "std matches pytorch-default init", // a fresh Linear(3, 4): 12 values, a wide interval
			"small.bias":   "std matches pytorch-default U(±1/√3) init",
			"fc.weight":    "std matches pytorch-default init",
			"fc.bias":      "std matches pytorch-default U(±1/√64) init",
			"conv.weight":  "std matches pytorch-default init",
			"conv.bias":    "std matches pytorch-default U(±1/√72) init",
		},
		"xavier":     {"xavier_uniform.weight": "std matches xavier init", "xavier_normal.weight": "std matches xavier init"},
		"he_fan_in":  {"he_normal.weight": "std matches he-fan_in init", "he_uniform.weight": "std matches he-fan_in init"},
		"he_fan_out": {"conv.weight": "std matches he-fan_out init"},
		"embedding":  {"embedding.weight": "std matches normal(0,1) init"},
		"lstm": {
			"lstm.weight_ih_l0": "std matches recurrent-default U(±1/√16) init", "lstm.weight_hh_l0": "std matches recurrent-default U(±1/√16) init",
			"lstm.bias_ih_l0": "std matches recurrent-default U(±1/√16) init", "lstm.bias_hh_l0": "std matches recurrent-default U(±1/√16) init",
			"gru.weight_ih_l0": "std matches recurrent-default U(±1/√16) init", "gru.bias_hh_l0": "std matches recurrent-default U(±1/√16) init",
		},
		"attention": {
			"attn.in_proj_weight": "std matches xavier init", "attn.in_proj_bias": "all zero",
			"attn.out_proj.weight": "std matches pytorch-default init", "attn.out_proj.bias": "all zero",
		},
		"zeros_constant": {"zero.weight": "all zero", "zero.bias": "constant 0.1", "ones.weight": "constant 1"},
	}
	for file, readings := range want {
		stats, err := inspectFile(filepath.Join("testdata", "inspect", file+".safetensors"))
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range stats {
			w, ok := readings[s.Name]
			if !ok {
				continue
			}
			delete(readings, s.Name)
			if !strings.HasPrefix(s.Reading, w) {
				t.Errorf("%s: %s: reading %q, want %q", file, s.Name, s.Reading, w)
			}
			if s.DType != "F32" {
				t.Errorf("%s: %s: dtype %q", file, s.Name, s.DType)
			}
		}
		if len(readings) > 0 {
			t.Errorf("%s: not reported: %v", file, readings)
		}
	}
}

// --json encodes ±Inf and NaN statistics as strings, and the file's dtype
// is printed (I32, not the int64 it converts to).
func TestInspectJSONNonFiniteAndFileDType(t *testing.T) {
	out, stderr, code := runApp(t, context.Background(), "inspect", "--json", "../../safetensors/testdata/dtypes.safetensors")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var stats []map[string]any
	if err := json.Unmarshal([]byte(out), &stats); err != nil {
		t.Fatalf("--json output does not parse: %v\n%s", err, out)
	}
	var sawInf bool
	dtypes := map[string]bool{}
	for _, s := range stats {
		dtypes[s["dtype"].(string)] = true
		for _, k := range []string{"mean", "std", "min", "max"} {
			if v, ok := s[k].(string); ok {
				if v != "NaN" && v != "+Inf" && v != "-Inf" {
					t.Errorf("%s %s = %q", s["name"], k, v)
				}
				sawInf = true
			}
		}
	}
	if !sawInf {
		t.Error("no non-finite statistic in dtypes.safetensors")
	}
	for _, d := range []string{"I32", "U8", "F16", "BF16", "BOOL"} {
		if !dtypes[d] {
			t.Errorf("dtype %s not reported (got %v)", d, dtypes)
		}
	}
	table, _, _ := runApp(t, context.Background(), "inspect", "../../safetensors/testdata/dtypes.safetensors")
	if !regexp.MustCompile(`(?m)^empty .*empty$`).MatchString(table) {
		t.Errorf("an empty tensor is not read as empty:\n%s", table)
	}
	if !strings.Contains(table, "I32") || strings.Contains(table, "torch.int64") {
		t.Errorf("the table does not print the file's dtype:\n%s", table)
	}
}
