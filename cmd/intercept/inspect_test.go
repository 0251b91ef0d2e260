package main

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"path/filepath"
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
		"0.bias":   "within PyTorch's default U(±0.0625)",
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
