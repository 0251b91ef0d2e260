package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/rng"
)

// TestInspectRun saves models as PyTorch's nn.Sequential names them and
// runs `inspect --run` on them with each way of describing the
// architecture.
func TestInspectRun(t *testing.T) {
	dir := t.TempDir()
	save := func(name string, m any) string {
		p := filepath.Join(dir, name)
		if err := nn.SaveSafetensors(p, m, nil); err != nil {
			t.Fatal(err)
		}
		return p
	}
	rng.ManualSeed(0)
	mlp := save("mlp.safetensors", nn.NewSequential(nn.NewLinear(20, 16), nn.NewTanh(), nn.NewLinear(16, 16), nn.NewTanh(), nn.NewLinear(16, 3)))
	cnn := save("cnn.safetensors", nn.NewSequential(nn.NewConv2d(1, 4, 3, nn.Padding(1)), nn.NewReLU(), nn.NewMaxPool2d(2),
		nn.NewFlatten(), nn.NewLinear(4*4*4, 5)))
	archFile := filepath.Join(dir, "arch.json")
	spec := `{"input": [20], "layers": [{"type": "Linear", "in": 20, "out": 16}, {"type": "Tanh"},
		{"type": "Linear", "in": 16, "out": 16}, {"type": "Tanh"}, {"type": "Linear", "in": 16, "out": 3}]}`
	if err := os.WriteFile(archFile, []byte(spec), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, c := range []struct {
		file, arch string
		want       []string
	}{
		{mlp, "mlp:20-16-16-3,tanh", []string{"Tanh", "saturated", "cross-entropy"}},
		{mlp, archFile, []string{"Tanh", "saturated"}},
		{cnn, "cnn:1x8x8-c4k3p1-m2-f5,relu", []string{"Conv2d", "MaxPool2d", "Flatten", "ReLU", "%"}},
	} {
		out, stderr, code := runApp(t, ctx, "inspect", c.file, "--run", "--arch", c.arch, "--batch", "16")
		if code != 0 {
			t.Errorf("--arch %s: exit %d: %s", c.arch, code, stderr)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("--arch %s: no %q in\n%s", c.arch, w, out)
			}
		}
	}

	// JSON lines, one per layer and step, with SGD steps and plots.
	plots := filepath.Join(dir, "plots")
	out, stderr, code := runApp(t, ctx, "inspect", mlp, "--run", "--arch", "mlp:20-16-16-3,tanh", "--jsonl", "--steps", "2", "--lr", "0.1", "--plots", plots)
	if code != 0 {
		t.Fatalf("--jsonl: exit %d: %s", code, stderr)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 10 {
		t.Fatalf("%d JSON lines, want 2 steps × 5 layers:\n%s", len(lines), out)
	}
	var row map[string]any
	if err := json.Unmarshal([]byte(lines[5]), &row); err != nil || row["step"] != 1.0 || row["weight_update_ratio"] == 0.0 {
		t.Errorf("line 6: %s (%v)", lines[5], err)
	}
	if svgs, _ := filepath.Glob(filepath.Join(plots, "*.svg")); len(svgs) != 4 {
		t.Errorf("plots: %v", svgs)
	}

	// Errors: an architecture that does not fit (1), none at all (2).
	if _, stderr, code := runApp(t, ctx, "inspect", mlp, "--run", "--arch", "mlp:20-16-3"); code != 1 || !strings.Contains(stderr, "2.weight [3 16]") {
		t.Errorf("wrong arch: exit %d, %s", code, stderr)
	}
	for _, arch := range []string{"", "mlp:20", "mlp:20-x", "cnn:1x8-c4k3", "mlp:20-16,softmax"} {
		if _, _, code := runApp(t, ctx, "inspect", mlp, "--run", "--arch", arch); code != 2 {
			t.Errorf("--arch %q: exit %d, want 2", arch, code)
		}
	}
}
