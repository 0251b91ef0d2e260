package main

import (
	"io"
	"testing"

	"github.com/intercept-ml/intercept/nn"
)

func TestRun(t *testing.T) {
	accs, err := run(io.Discard, 2)
	if err != nil {
		t.Fatal(err)
	}
	for name, a := range accs {
		if a < 0.85 {
			t.Errorf("%s: test accuracy %.3f, want at least 0.85", name, a)
		}
	}
	m := newMLP(nn.NoBias)
	if n := nn.NumParameters(m, false); n != 64*64+64*10 {
		t.Errorf("NoBias MLP has %d parameters, want %d", n, 64*64+64*10)
	}
	if b := m.At(0).(*nn.Linear).Bias; b != nil {
		t.Errorf("NoBias layer has a bias %v", b)
	}
}
