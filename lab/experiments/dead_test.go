package experiments

import (
	"math"
	"testing"

	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/nn/stats"
	"github.com/intercept-ml/intercept/rng"
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

// TestDeadShareMatchesRecorder checks deadShare, which fuses each Linear
// with its ReLU and searches each row only in the units not yet seen
// alive, against a stats.Recorder's count of dead units over one hooked
// (unfused) forward, on MLPs whose negative biases kill some of the units.
func TestDeadShareMatchesRecorder(t *testing.T) {
	g := rng.NewGenerator()
	for _, bias := range []float64{0, -0.3, -1, -3} {
		for _, dt := range []tensor.DType{tensor.Float32, tensor.Float64} {
			g.ManualSeed(uint64(7 + 100*bias))
			model := nn.NewSequential()
			sizes := []int{12, 16, 16, 16, 3}
			for i := 0; i+1 < len(sizes); i++ {
				l := nn.NewLinear(sizes[i], sizes[i+1], nn.WithDType(dt), nn.WithGenerator(g))
				model.Append(l)
				if i+2 < len(sizes) {
					constantBias(bias).apply(l.Bias, g)
					model.Append(nn.NewReLU())
				}
			}
			x := g.Randn(50, 12).To(dt)
			rec := stats.Attach(model, stats.Only(stats.DeadUnits))
			tensor.NoGrad(func() { model.Forward(x) })
			dead, total := 0, 0
			for _, l := range rec.Step().Layers {
				dead += l.DeadUnits
				total += l.Units
			}
			rec.Close()
			want := float64(dead) / float64(total)
			if bias == -1 && (want == 0 || want == 1) {
				t.Fatalf("bias %v: dead share %v, want some units dead and some alive", bias, want)
			}
			if got := deadShare(model, x); got != want {
				t.Errorf("bias %v, %v: dead share %v, the recorder counts %v", bias, dt, got, want)
			}
		}
	}
}
