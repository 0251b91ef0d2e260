package main

import (
	"io"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/safetensors"
)

func TestRun(t *testing.T) {
	dir := t.TempDir()
	if err := run(io.Discard, dir); err != nil {
		t.Fatal(err)
	}
	model := nn.NewSequential(nn.NewLinear(64, 32), nn.NewReLU(), nn.NewLinear(32, 10))
	if err := nn.LoadSafetensors(model, filepath.Join(dir, "model.safetensors"), true); err != nil {
		t.Fatal(err)
	}
	tensors, _, err := safetensors.Load(filepath.Join(dir, "probe.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	if len(tensors) != 2 {
		t.Fatalf("probe has %d tensors, want x and y", len(tensors))
	}

	// The Python side, where PyTorch is installed (Debian's python3-torch).
	if exec.Command("/usr/bin/python3", "-c", "import torch").Run() != nil {
		t.Log("PyTorch not installed: check.py not run")
		return
	}
	out, err := exec.Command("/usr/bin/python3", "check.py", dir).CombinedOutput()
	t.Logf("check.py:\n%s", out)
	if err != nil {
		t.Fatal(err)
	}
}
