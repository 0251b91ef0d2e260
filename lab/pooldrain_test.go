package lab

import (
	"testing"

	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

// TestDrainPools checks what the runner relies on between experiments:
// a training step leaves gradient storage in package tensor's pools, and
// tensor.DrainPools gives all of it up.
func TestDrainPools(t *testing.T) {
	g := rng.NewGenerator()
	g.ManualSeed(1)
	w := g.Randn(128, 128).SetRequiresGrad(true)
	for range 3 {
		x := g.Randn(64, 128)
		x.Matmul(w).ReLU().Matmul(w).Sum().Backward()
	}
	if tensor.PoolBytes() == 0 {
		t.Fatal("no memory in the pools after three backward passes: the test exercises nothing")
	}
	tensor.DrainPools()
	if n := tensor.PoolBytes(); n != 0 {
		t.Errorf("the pools hold %d bytes after DrainPools, want 0", n)
	}
}
