package experiments

import (
	"math"
	"testing"

	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/tensor"
)

// TestDeadShare checks the dead-unit count against its definition: a unit
// is dead when no example gives it a positive output (NaN is not
// positive).
func TestDeadShare(t *testing.T) {
	nan := float32(math.NaN())
	v := []float32{
		0, 1, 0, nan, -0,
		0, 0, 2, nan, 0,
		0, 3, 0, -1, 0,
	}
	for _, dt := range []tensor.DType{tensor.Float32, tensor.Float64} {
		model := nn.NewSequential(nn.NewIdentity(), nn.NewReLU())
		h := tensor.FromFloat32(v, 3, 5).To(dt)
		if got := deadShare(model, h); got != 3.0/5 {
			t.Errorf("%v: dead share %v, want 3/5 (columns 0, 3 and 4)", dt, got)
		}
		// A transposed view gives the same answer as its copy.
		ht := tensor.FromFloat32(v, 3, 5).To(dt).T().Contiguous().T()
		if got := deadShare(model, ht); got != 3.0/5 {
			t.Errorf("%v transposed: dead share %v, want 3/5", dt, got)
		}
	}
}
