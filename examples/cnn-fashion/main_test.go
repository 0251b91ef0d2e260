package main

import (
	"errors"
	"io"
	"testing"
)

func TestRun(t *testing.T) {
	n := 3200
	if testing.Short() {
		n = 640
	}
	acc, err := run(io.Discard, "/usr/share/datasets/fashion-mnist", n, 1000, 1)
	if errors.Is(err, errNoData) {
		t.Skip("Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist)")
	}
	if err != nil {
		t.Fatal(err)
	}
	if !testing.Short() && acc < 0.6 {
		t.Errorf("test accuracy %.3f, want at least 0.6 (chance is 0.1)", acc)
	}
}
