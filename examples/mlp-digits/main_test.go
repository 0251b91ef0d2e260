package main

import (
	"io"
	"testing"
)

func TestRun(t *testing.T) {
	acc, err := run(io.Discard, 3)
	if err != nil {
		t.Fatal(err)
	}
	if acc < 0.9 {
		t.Errorf("test accuracy %.3f after 3 epochs, want at least 0.9", acc)
	}
}
