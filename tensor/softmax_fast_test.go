package tensor

import (
	"math"
	"testing"
)

// TestSoftmaxLastContiguousBits checks that the contiguous last-dimension
// path of Softmax and LogSoftmax gives the bits of the general path (used
// for a non-contiguous tensor with the same values), including rows with
// -inf, all -inf and NaN.
func TestSoftmaxLastContiguousBits(t *testing.T) {
	const rows, cols = 7, 5
	v := make([]float64, rows*cols)
	for i := range v {
		v[i] = 3 * math.Sin(float64(i)*1.7)
	}
	v[3], v[7] = math.Inf(-1), math.Inf(-1)
	for j := 0; j < cols; j++ {
		v[2*cols+j] = math.Inf(-1)
	}
	v[4*cols+1] = math.NaN()
	for _, dt := range []DType{Float32, Float64} {
		x := FromFloat64(v, rows, cols).To(dt)
		// Same values, column-major storage: not contiguous.
		nc := x.T().Contiguous().T()
		if nc.IsContiguous() {
			t.Fatal("test tensor is contiguous")
		}
		for _, log := range []bool{false, true} {
			fast, slow := x.softmaxLike(-1, log), nc.softmaxLike(-1, log)
			f, s := fast.Float64s(), slow.Float64s()
			for i := range f {
				if math.Float64bits(f[i]) != math.Float64bits(s[i]) {
					t.Errorf("%v log=%v: element %d is %v, general path %v", dt, log, i, f[i], s[i])
				}
			}
		}
		// A contiguous view with an offset.
		y := FromFloat64(v, rows, cols).To(dt).Narrow(0, 1, 3)
		f, s := y.Softmax(1).Float64s(), y.T().Contiguous().T().Softmax(1).Float64s()
		for i := range f {
			if math.Float64bits(f[i]) != math.Float64bits(s[i]) {
				t.Errorf("%v offset view: element %d is %v, general path %v", dt, i, f[i], s[i])
			}
		}
	}
}

// TestSoftmaxBackwardLastBits checks the fused last-dimension softmax
// gradient against the composed formula y * (g - sum(g*y, -1)), bit for bit.
func TestSoftmaxBackwardLastBits(t *testing.T) {
	const rows, cols = 6, 9
	v, w := make([]float64, rows*cols), make([]float64, rows*cols)
	for i := range v {
		v[i] = 2.5 * math.Sin(float64(i)*0.93)
		w[i] = 1.7*math.Cos(float64(i)*1.31) + 0.3
	}
	v[5] = math.Inf(-1)
	for _, dt := range []DType{Float32, Float64} {
		y := FromFloat64(v, rows, cols).To(dt).softmaxLike(-1, false)
		g := FromFloat64(w, rows, cols).To(dt)
		fused := softmaxBackwardLast(g, y).Float64s()
		want := Mul(y, Sub(g, Mul(g, y).SumKeep(-1))).Float64s()
		for i := range want {
			if math.Float64bits(fused[i]) != math.Float64bits(want[i]) {
				t.Errorf("%v: element %d is %v, composed %v", dt, i, fused[i], want[i])
			}
		}
		// Through autograd: the fused path (contiguous g) and the general
		// one (a non-contiguous g with the same values) agree.
		x := FromFloat64(v, rows, cols).To(dt).SetRequiresGrad(true)
		x.Softmax(1).Mul(g).Sum().Backward()
		x2 := FromFloat64(v, rows, cols).To(dt).SetRequiresGrad(true)
		x2.Softmax(1).Mul(g.T().Contiguous().T()).Sum().Backward()
		a, b := x.Grad.Float64s(), x2.Grad.Float64s()
		for i := range a {
			if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
				t.Errorf("%v autograd: element %d is %v, general %v", dt, i, a[i], b[i])
			}
		}
	}
}
