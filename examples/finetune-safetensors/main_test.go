package main

import (
	"io"
	"testing"
)

func TestRun(t *testing.T) {
	acc, err := run(io.Discard, "pretrained.safetensors", 2)
	if err != nil {
		t.Fatal(err)
	}
	if acc < 0.7 {
		t.Errorf("test accuracy %.3f after fine-tuning, want at least 0.7", acc)
	}
}
