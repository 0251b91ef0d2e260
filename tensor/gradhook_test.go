package tensor_test

import (
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/intercept-ml/intercept/tensor"
)

// A hook on an intermediate result sees its gradient and can replace it.
func ExampleTensor_RegisterHook() {
	x := tensor.FromFloat32([]float32{1, 2, 3}, 3).SetRequiresGrad(true)
	y := x.Mul(x)
	h := y.RegisterHook(func(g *tensor.Tensor) *tensor.Tensor {
		fmt.Println("gradient of y:", g.Float32s())
		return g.MulScalar(10)
	})
	y.Sum().Backward()
	fmt.Println("x.grad:", x.Grad.Float32s())
	h.Remove()
	// Output:
	// gradient of y: [1 1 1]
	// x.grad: [20 40 60]
}

// TestGradHookKeepsMemory: a hook may keep the gradient it is shown; later
// Backward runs do not reuse its memory.
func TestGradHookKeepsMemory(t *testing.T) {
	w := tensor.Ones(64, 64).SetRequiresGrad(true)
	var kept []*tensor.Tensor
	var want [][]float32
	keep := func(g *tensor.Tensor) *tensor.Tensor {
		kept = append(kept, g)
		want = append(want, slices.Clone(g.Float32s()))
		return nil
	}
	w.RegisterHook(keep)
	for i := range 3 {
		x := tensor.Full(float64(i+1), 64, 64)
		y := tensor.Matmul(x, w)
		y.RegisterHook(keep)
		y.Mul(y).Sum().Backward()
	}
	for i, g := range kept {
		if !slices.Equal(g.Float32s(), want[i]) {
			t.Errorf("kept gradient %d was overwritten", i)
		}
	}
}

// TestGradHookPanics: no hook on a tensor without grad, none changing the
// shape.
func TestGradHookPanics(t *testing.T) {
	mustPanic := func(what string, f func()) {
		t.Helper()
		defer func() {
			if recover() == nil {
				t.Errorf("%s: no panic", what)
			}
		}()
		f()
	}
	mustPanic("no grad", func() { tensor.Ones(2).RegisterHook(func(g *tensor.Tensor) *tensor.Tensor { return nil }) })
	x := tensor.Ones(2).SetRequiresGrad(true)
	x.RegisterHook(func(g *tensor.Tensor) *tensor.Tensor { return tensor.Ones(3) })
	mustPanic("shape", func() { x.MulScalar(2).Sum().Backward() })
}

// TestGradHooksConcurrent registers and removes hooks from several
// goroutines while others run Backward (for the race detector).
func TestGradHooksConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				x := tensor.Full(float64(i), 8).SetRequiresGrad(true)
				n := 0
				h := x.RegisterHook(func(g *tensor.Tensor) *tensor.Tensor { n++; return nil })
				x.MulScalar(3).Sum().Backward()
				h.Remove()
				if n != 1 || x.Grad.Float32s()[0] != 3 {
					t.Errorf("hook calls %d, grad %v", n, x.Grad.Float32s())
					return
				}
			}
		}()
	}
	wg.Wait()
}
