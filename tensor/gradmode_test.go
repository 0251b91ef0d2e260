package tensor_test

import (
	"math"
	"slices"
	"sync"
	"testing"

	"github.com/intercept-ml/intercept/tensor"
)

// gradTrial trains a two-layer network for steps steps of plain gradient
// descent on fixed data and returns the losses and final weights as bits.
// It fails t if a step records no graph.
func gradTrial(t *testing.T, steps int) []uint32 {
	val := func(n int, phase float64) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(math.Sin(float64(i)*0.71+phase) * 0.5)
		}
		return v
	}
	w1 := tensor.FromFloat32(val(8*16, 1), 8, 16).SetRequiresGrad(true)
	w2 := tensor.FromFloat32(val(16, 2), 16, 1).SetRequiresGrad(true)
	x := tensor.FromFloat32(val(32*8, 3), 32, 8)
	y := tensor.FromFloat32(val(32, 4), 32, 1)
	var bits []uint32
	for range steps {
		loss := tensor.Sub(x.Matmul(w1).ReLU().Matmul(w2), y).Square().Mean()
		if !tensor.IsGradEnabled() || loss.GradFn() == "" || !loss.RequiresGrad() {
			t.Errorf("training step recorded no graph (IsGradEnabled %v, GradFn %q)", tensor.IsGradEnabled(), loss.GradFn())
			return nil
		}
		loss.Backward()
		bits = append(bits, math.Float32bits(loss.Float32s()[0]))
		tensor.NoGrad(func() {
			for _, w := range []*tensor.Tensor{w1, w2} {
				w.CopyFrom(tensor.Sub(w, w.Grad.MulScalar(0.1)))
				w.Grad = nil
			}
		})
	}
	for _, w := range []*tensor.Tensor{w1, w2} {
		for _, v := range w.Float32s() {
			bits = append(bits, math.Float32bits(v))
		}
	}
	return bits
}

// evalTrial runs forward passes under NoGrad on tensors that require grad
// until stop is closed and fails t if anything is recorded.
func evalTrial(t *testing.T, stop <-chan struct{}) {
	w := tensor.Full(0.5, 16, 16).SetRequiresGrad(true)
	x := tensor.Full(1, 4, 16)
	for {
		select {
		case <-stop:
			return
		default:
		}
		tensor.NoGrad(func() {
			tensor.NoGrad(func() { // nested scopes
				y := x.Matmul(w).ReLU().Sum()
				if tensor.IsGradEnabled() || y.RequiresGrad() || y.GradFn() != "" {
					t.Errorf("NoGrad recorded: IsGradEnabled %v, RequiresGrad %v, GradFn %q",
						tensor.IsGradEnabled(), y.RequiresGrad(), y.GradFn())
				}
			})
			if tensor.IsGradEnabled() {
				t.Error("grad enabled inside the outer NoGrad after the inner one returned")
			}
		})
		if !tensor.IsGradEnabled() {
			t.Error("grad disabled after NoGrad returned")
		}
	}
}

// One goroutine trains while others evaluate under NoGrad, repeatedly:
// the training goroutine records every graph and gets the bits of a lone
// run, and the NoGrad goroutines record nothing.
func TestNoGradConcurrentTrials(t *testing.T) {
	const steps = 50
	want := gradTrial(t, steps)
	for round := range 5 {
		var trainers, evaluators sync.WaitGroup
		stop := make(chan struct{})
		for range 3 {
			evaluators.Go(func() { evalTrial(t, stop) })
		}
		results := make([][]uint32, 2)
		for i := range results {
			trainers.Go(func() { results[i] = gradTrial(t, steps) })
		}
		trainers.Wait()
		close(stop)
		evaluators.Wait()
		for i, got := range results {
			if !slices.Equal(got, want) {
				t.Fatalf("round %d: trainer %d differs from a lone run", round, i)
			}
		}
	}
	if !tensor.IsGradEnabled() {
		t.Error("grad disabled on the test goroutine")
	}
}

// A goroutine started inside NoGrad does not inherit it: it records unless
// it calls NoGrad itself.
func TestNoGradNotInherited(t *testing.T) {
	w := tensor.Full(2, 3).SetRequiresGrad(true)
	tensor.NoGrad(func() {
		var wg sync.WaitGroup
		var enabled bool
		var y *tensor.Tensor
		wg.Go(func() {
			enabled = tensor.IsGradEnabled()
			y = w.MulScalar(3).Sum()
		})
		wg.Wait()
		if !enabled || !y.RequiresGrad() || y.GradFn() == "" {
			t.Errorf("goroutine started inside NoGrad: IsGradEnabled %v, RequiresGrad %v, GradFn %q",
				enabled, y.RequiresGrad(), y.GradFn())
		}
		if z := w.MulScalar(3); z.RequiresGrad() {
			t.Error("NoGrad's own goroutine recorded")
		}
	})
}

// BenchmarkGradEnabled measures the grad-mode check every recording
// operation makes: with no goroutine inside NoGrad (one atomic load), with
// another goroutine inside NoGrad (a lookup of the calling goroutine), and
// inside NoGrad. Run it with -tags purego for the runtime.Stack fallback.
func BenchmarkGradEnabled(b *testing.B) {
	b.Run("none", func(b *testing.B) {
		for b.Loop() {
			tensor.IsGradEnabled()
		}
	})
	b.Run("other", func(b *testing.B) {
		entered, release, done := make(chan struct{}), make(chan struct{}), make(chan struct{})
		go func() {
			tensor.NoGrad(func() { close(entered); <-release })
			close(done)
		}()
		<-entered
		for b.Loop() {
			if !tensor.IsGradEnabled() {
				b.Fatal("grad disabled")
			}
		}
		close(release)
		<-done
	})
	b.Run("inside", func(b *testing.B) {
		tensor.NoGrad(func() {
			for b.Loop() {
				if tensor.IsGradEnabled() {
					b.Fatal("grad enabled")
				}
			}
		})
	})
	b.Run("enter", func(b *testing.B) {
		for b.Loop() {
			tensor.NoGrad(func() {})
		}
	})
}
