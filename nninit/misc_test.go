package nninit_test

import (
	"math"
	"strings"
	"testing"

	"github.com/intercept-ml/intercept/nninit"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

// mustPanic checks that fn panics with a message containing every fragment.
func mustPanic(t *testing.T, fn func(), fragments ...string) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		if r == nil {
			t.Errorf("no panic, want one containing %q", fragments)
			return
		}
		msg, _ := r.(string)
		if err, ok := r.(error); ok {
			msg = err.Error()
		}
		for _, f := range fragments {
			if !strings.Contains(msg, f) {
				t.Errorf("panic %q does not contain %q", msg, f)
			}
		}
	}()
	fn()
}

// TestOptionValues checks that option values outside their constants panic
// (options a function does not take do not compile).
func TestOptionValues(t *testing.T) {
	w := tensor.Zeros(4, 5)
	mustPanic(t, func() { nninit.KaimingNormal(w, nninit.FanMode(7)) }, "Mode FanMode(7) not supported")
	mustPanic(t, func() { nninit.KaimingNormal(w, nninit.Nonlinearity(0)) }, "Unsupported nonlinearity Nonlinearity(0)")
	// A nil option and a nil generator are harmless.
	nninit.Normal(w, 0, 1, nil, nninit.WithGenerator(nil))
	if nninit.FanIn.String() != "fan_in" || nninit.FanOut.String() != "fan_out" {
		t.Errorf("FanMode names %q, %q", nninit.FanIn, nninit.FanOut)
	}
}

func TestMisuse(t *testing.T) {
	mustPanic(t, func() { nninit.FanInOut(tensor.Zeros(5)) },
		"Fan in and fan out can not be computed for tensor with fewer than 2 dimensions", "[5]")
	mustPanic(t, func() { nninit.Dirac(tensor.Zeros(6, 4, 3), 0) }, "groups must be positive", "0")
	mustPanic(t, func() { nninit.Dirac(tensor.Zeros(6, 4, 3), 4) }, "dim 0 must be divisible by groups", "6", "4")
	mustPanic(t, func() { nninit.Dirac(tensor.Zeros(2, 2, 2, 2, 2, 2), 1) }, "Only tensors with 3, 4, or 5 dimensions", "6 dimensions")
	mustPanic(t, func() { nninit.Eye(tensor.Zeros(2, 2, 2)) }, "Only tensors with 2 dimensions", "3 dimensions")
	mustPanic(t, func() { nninit.Sparse(tensor.Zeros(2, 2, 2), 0.5, 0.01) }, "Only tensors with 2 dimensions")
	mustPanic(t, func() { nninit.Sparse(tensor.Zeros(4, 4), math.NaN(), 0.01) }, "sparsity must be finite")
	mustPanic(t, func() { nninit.Sparse(tensor.Zeros(4, 4), 0.5, -1) }, "normal expects std >= 0.0", "-1")
	mustPanic(t, func() { nninit.Uniform(tensor.Zeros(4), 2, 1) }, "from=2 > to=1")
	mustPanic(t, func() { nninit.Uniform(tensor.FromInt64([]int64{1, 2}), 0, 1) }, "not implemented for torch.int64")
	mustPanic(t, func() { nninit.TruncNormal(tensor.FromInt64([]int64{1, 2}), 0, 1, -2, 2) }, "not implemented for torch.int64")
	mustPanic(t, func() { nninit.Orthogonal(tensor.FromInt64([]int64{1, 2}, 1, 2)) }, "not implemented for torch.int64")
	mustPanic(t, func() { nninit.TruncNormal(tensor.Zeros(4), 0, 0, -2, 2) }, "float division by zero")
	mustPanic(t, func() { nninit.XavierUniform(tensor.Zeros(3, 4, 0)) }, "float division by zero")
	mustPanic(t, func() { nninit.CalculateGain(nninit.SELU + 1) }, "Unsupported nonlinearity Nonlinearity(13)")
	mustPanic(t, func() { nninit.CalculateGain(nninit.LeakyReLU, 0.1, 0.2) }, "at most one parameter, got 2")
	if nninit.ReLU.String() != "relu" || nninit.ConvTranspose2d.String() != "conv_transpose2d" {
		t.Errorf("Nonlinearity names %q, %q", nninit.ReLU, nninit.ConvTranspose2d)
	}
}

// Initializers work on parameters that require grad, contiguous or viewed
// non-contiguously, record nothing for autograd and leave them leaves.
func TestParameters(t *testing.T) {
	rng.ManualSeed(1)
	fns := map[string]func(*tensor.Tensor){
		"Uniform":        func(p *tensor.Tensor) { nninit.Uniform(p, -1, 1) },
		"Normal":         func(p *tensor.Tensor) { nninit.Normal(p, 0, 1) },
		"Constant":       func(p *tensor.Tensor) { nninit.Constant(p, 0.5) },
		"Ones":           func(p *tensor.Tensor) { nninit.Ones(p) },
		"Zeros":          func(p *tensor.Tensor) { nninit.Zeros(p) },
		"Eye":            func(p *tensor.Tensor) { nninit.Eye(p) },
		"XavierUniform":  func(p *tensor.Tensor) { nninit.XavierUniform(p) },
		"XavierNormal":   func(p *tensor.Tensor) { nninit.XavierNormal(p) },
		"KaimingUniform": func(p *tensor.Tensor) { nninit.KaimingUniform(p) },
		"KaimingNormal":  func(p *tensor.Tensor) { nninit.KaimingNormal(p) },
		"TruncNormal":    func(p *tensor.Tensor) { nninit.TruncNormal(p, 0, 1, -2, 2) },
		"Orthogonal":     func(p *tensor.Tensor) { nninit.Orthogonal(p) },
		"Sparse":         func(p *tensor.Tensor) { nninit.Sparse(p, 0.5, 1) },
	}
	for name, fn := range fns {
		for _, view := range []bool{false, true} {
			p := tensor.NewParameter(tensor.Full(7, 6, 5))
			target := p
			if view {
				target = p.T()
			}
			fn(target)
			if !p.RequiresGrad() || !p.IsLeaf() || p.GradFn() != "" {
				t.Errorf("%s (view %v): parameter changed: requires_grad %v, leaf %v, grad_fn %q",
					name, view, p.RequiresGrad(), p.IsLeaf(), p.GradFn())
			}
			changed := false
			for _, v := range p.Float32s() {
				if v != 7 {
					changed = true
				}
			}
			if !changed {
				t.Errorf("%s (view %v): nothing written", name, view)
			}
		}
	}
	p := tensor.NewParameter(tensor.Zeros(2, 2, 3))
	nninit.Dirac(p, 1)
	if p.At(1, 1, 1) != 1 || p.GradFn() != "" {
		t.Errorf("Dirac on a parameter: %v", p)
	}
}

// Deterministic fills accept integer tensors, as PyTorch's do.
func TestIntegerFills(t *testing.T) {
	w := tensor.FromInt64(make([]int64, 6), 2, 3)
	nninit.Eye(w)
	if got := w.Int64s(); got[0] != 1 || got[4] != 1 || got[1] != 0 {
		t.Errorf("Eye on int64: %v", got)
	}
	nninit.Constant(w, 3)
	if got := w.Int64s(); got[5] != 3 {
		t.Errorf("Constant on int64: %v", got)
	}
}

// Orthogonal's result is orthonormal: W·Wᵀ = I for wide and Wᵀ·W = I for
// tall matrices (times gain²), also for large shapes.
func TestOrthogonalProperty(t *testing.T) {
	for _, shape := range [][]int{{3, 7}, {7, 3}, {20, 4, 5}, {128, 64}, {1, 9}, {9, 1}} {
		rng.ManualSeed(3)
		w := tensor.ZerosOf(tensor.Float64, shape...)
		nninit.Orthogonal(w, nninit.Gain(2))
		rows := shape[0]
		cols := w.Numel() / rows
		m := w.Reshape(rows, cols)
		var g *tensor.Tensor
		if rows < cols {
			g = m.Matmul(m.T())
		} else {
			g = m.T().Matmul(m)
		}
		k := min(rows, cols)
		for i := range k {
			for j := range k {
				want := 0.0
				if i == j {
					want = 4
				}
				if d := math.Abs(g.At(i, j) - want); d > 1e-12 {
					t.Fatalf("%v: gram[%d,%d] = %v, want %v", shape, i, j, g.At(i, j), want)
				}
			}
		}
	}
}

// Kaiming on a tensor with a zero-length dimension does nothing and draws
// nothing, as in PyTorch.
func TestKaimingEmpty(t *testing.T) {
	rng.ManualSeed(9)
	want := rng.Rand(3).Float32s()
	rng.ManualSeed(9)
	nninit.KaimingUniform(tensor.Zeros(0, 4))
	nninit.KaimingNormal(tensor.Zeros(3, 0, 2))
	nninit.Orthogonal(tensor.Zeros(0, 4))
	got := rng.Rand(3).Float32s()
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("draws consumed: %v, want %v", got, want)
		}
	}
}
