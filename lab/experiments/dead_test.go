package experiments

import (
	"math"
	"testing"

	"github.com/intercept-ml/intercept/tensor"
)

// TestDeadColumns checks the dead-unit count against its definition: a
// unit is dead when no example gives it a positive output.
func TestDeadColumns(t *testing.T) {
	nan := float32(math.NaN())
	v := []float32{
		0, 1, 0, nan, -0,
		0, 0, 2, nan, 0,
		0, 3, 0, -1, 0,
	}
	for _, dt := range []tensor.DType{tensor.Float32, tensor.Float64} {
		h := tensor.FromFloat32(v, 3, 5).To(dt)
		dead, cols := deadColumns(h)
		if dead != 3 || cols != 5 {
			t.Errorf("%v: %d dead of %d, want 3 of 5 (columns 0, 3 and 4)", dt, dead, cols)
		}
		// A transposed view gives the same answer as its copy.
		ht := tensor.FromFloat32(v, 3, 5).To(dt).T().Contiguous().T()
		if d, _ := deadColumns(ht); d != 3 {
			t.Errorf("%v transposed: %d dead, want 3", dt, d)
		}
	}
}
