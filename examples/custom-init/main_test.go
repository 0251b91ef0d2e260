package main

import (
	"io"
	"testing"
)

func TestRun(t *testing.T) {
	accs, err := run(io.Discard, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(accs) != len(schemes) {
		t.Fatalf("%d results for %d schemes", len(accs), len(schemes))
	}
	if a := accs["He uniform, bias 0.01"]; a < 0.85 {
		t.Errorf("He initialization: test accuracy %.3f after one epoch, want at least 0.85", a)
	}
}
