package tensor

import (
	"math"
	"testing"
)

// TestStridedMatchesContiguous checks that copies of strided views and
// element-wise ops on them (the row-by-row paths) give the bits of the same
// ops on contiguous copies made element by element.
func TestStridedMatchesContiguous(t *testing.T) {
	for _, dt := range []DType{Float32, Float64} {
		vals := func(n int, seed float64) *Tensor {
			v := make([]float64, n)
			for i := range v {
				v[i] = math.Sin(float64(i)*0.37+seed) * 3
			}
			return FromFloat64(v, n).To(dt)
		}
		a := vals(3*5*16, 1).View(3, 5, 16)
		b := vals(5*3*16, 2).View(5, 3, 16)
		views := map[string][2]*Tensor{
			"transposed": {a, b.Transpose(0, 1)},
			"both":       {a.Transpose(0, 1), b},
			"permuted":   {a.Permute(1, 0, 2), b.Narrow(1, 0, 3)},
			"narrow":     {a.Narrow(2, 3, 9), b.Transpose(0, 1).Narrow(2, 1, 9)},
			"stride2":    {a.Transpose(1, 2), b.Permute(1, 2, 0)},
			"broadcast":  {a.Transpose(0, 1), b.Narrow(1, 1, 1)},
		}
		ops := map[string]func(x, y *Tensor) *Tensor{"add": Add, "sub": Sub, "mul": Mul, "div": Div}
		for vname, v := range views {
			x, y := v[0], v[1]
			xc, yc := elementwiseCopy(x), elementwiseCopy(y)
			if got := x.Contiguous(); !bitsEqual(got, xc) {
				t.Errorf("%v %s: Contiguous differs from an element-wise copy", dt, vname)
			}
			for oname, op := range ops {
				if got, want := op(x, y), op(xc, yc); !bitsEqual(got, want) {
					t.Errorf("%v %s %s: strided result differs from contiguous", dt, vname, oname)
				}
			}
		}
	}
}

func elementwiseCopy(t *Tensor) *Tensor {
	v := t.Float64s()
	return FromFloat64(v, t.Shape()...).To(t.DType())
}

func bitsEqual(a, b *Tensor) bool {
	if !a.SameShape(b) || a.DType() != b.DType() {
		return false
	}
	x, y := a.Float64s(), b.Float64s()
	for i := range x {
		if math.Float64bits(x[i]) != math.Float64bits(y[i]) {
			return false
		}
	}
	return true
}

// TestReLUFastMatchesStrided checks the contiguous ReLU (one kernel pass, and
// kernel.ReLUBackward32/64 for its gradient) against the general path taken
// by a strided view, for float32 and float64, with NaN, ±Inf and signed zeros
// in the input and in the incoming gradient.
func TestReLUFastMatchesStrided(t *testing.T) {
	specials := []float64{math.NaN(), math.Copysign(0, -1), 0, math.Inf(1), math.Inf(-1), -1e-310}
	for _, dt := range []DType{Float32, Float64} {
		v := make([]float64, 6*7)
		w := make([]float64, 6*7)
		for i := range v {
			v[i] = math.Sin(float64(i)*0.71) * 2
			w[i] = math.Cos(float64(i) * 0.53)
		}
		copy(v, specials)
		copy(w[len(w)-len(specials):], specials)
		run := func(strided bool) (out, grad *Tensor) {
			x := FromFloat64(v, 6, 7).To(dt)
			if strided {
				// The same values as a transposed view of the transpose.
				x = x.Transpose(0, 1).Contiguous().Transpose(0, 1)
			}
			x.SetRequiresGrad(true)
			y := x.ReLU()
			Mul(y, FromFloat64(w, 6, 7).To(dt)).Sum().Backward()
			return y, x.Grad
		}
		y0, g0 := run(true)
		y1, g1 := run(false)
		if !bitsEqual(y1.Contiguous(), y0.Contiguous()) {
			t.Errorf("%v: ReLU values %v, want %v", dt, y1.Float64s(), y0.Float64s())
		}
		if !bitsEqual(g1.Contiguous(), g0.Contiguous()) {
			t.Errorf("%v: ReLU gradient %v, want %v", dt, g1.Float64s(), g0.Float64s())
		}
	}
}
