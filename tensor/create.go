package tensor

import (
	"fmt"
	"math"

	"github.com/intercept-ml/intercept/internal/pyfmt"
)

// Zeros returns a float32 tensor of zeros.
func Zeros(shape ...int) *Tensor { return Empty(Float32, shape...) }

// ZerosOf returns a tensor of zeros of type dt.
func ZerosOf(dt DType, shape ...int) *Tensor { return Empty(dt, shape...) }

// Ones returns a float32 tensor of ones.
func Ones(shape ...int) *Tensor { return FullOf(Float32, 1, shape...) }

// OnesOf returns a tensor of ones of type dt.
func OnesOf(dt DType, shape ...int) *Tensor { return FullOf(dt, 1, shape...) }

// Full returns a float32 tensor filled with v.
func Full(v float64, shape ...int) *Tensor { return FullOf(Float32, v, shape...) }

// FullOf returns a tensor of type dt filled with v.
func FullOf(dt DType, v float64, shape ...int) *Tensor {
	t := Empty(dt, shape...)
	switch dt {
	case Float32:
		f := float32(v)
		for i := range t.st.f32() {
			t.st.f32()[i] = f
		}
	case Float64:
		for i := range t.st.f64() {
			t.st.f64()[i] = v
		}
	case Int64:
		for i := range t.st.i64() {
			t.st.i64()[i] = int64(v)
		}
	case Bool:
		for i := range t.st.b() {
			t.st.b()[i] = v != 0
		}
	}
	return t
}

// ZerosLike returns zeros with t's shape and type.
func ZerosLike(t *Tensor) *Tensor { return Empty(t.dtype, t.shape...) }

// OnesLike returns ones with t's shape and type.
func OnesLike(t *Tensor) *Tensor { return FullOf(t.dtype, 1, t.shape...) }

// FullLike returns a tensor with t's shape and type filled with v.
func FullLike(t *Tensor, v float64) *Tensor { return FullOf(t.dtype, v, t.shape...) }

func checkData(n int, shape []int) []int {
	if len(shape) == 0 {
		if n == 1 {
			return []int{}
		}
		return []int{n}
	}
	checkShape(shape)
	if numelOf(shape) != n {
		panic(fmt.Sprintf("tensor: %d values cannot fill shape %s (%d elements)", n, pyfmt.List(shape...), numelOf(shape)))
	}
	return shape
}

// FromFloat32 returns a float32 tensor holding a copy of data in row-major
// order. With no shape the tensor is 1-D; otherwise the shape must hold
// exactly len(data) elements.
func FromFloat32(data []float32, shape ...int) *Tensor {
	if len(shape) == 0 {
		shape = []int{len(data)}
	}
	t := Empty(Float32, checkData(len(data), shape)...)
	copy(t.st.f32(), data)
	return t
}

// FromFloat64 returns a float64 tensor holding a copy of data.
func FromFloat64(data []float64, shape ...int) *Tensor {
	if len(shape) == 0 {
		shape = []int{len(data)}
	}
	t := Empty(Float64, checkData(len(data), shape)...)
	copy(t.st.f64(), data)
	return t
}

// FromInt64 returns an int64 tensor holding a copy of data.
func FromInt64(data []int64, shape ...int) *Tensor {
	if len(shape) == 0 {
		shape = []int{len(data)}
	}
	t := Empty(Int64, checkData(len(data), shape)...)
	copy(t.st.i64(), data)
	return t
}

// FromBool returns a bool tensor holding a copy of data.
func FromBool(data []bool, shape ...int) *Tensor {
	if len(shape) == 0 {
		shape = []int{len(data)}
	}
	t := Empty(Bool, checkData(len(data), shape)...)
	copy(t.st.b(), data)
	return t
}

// New returns a float32 tensor from a nested Go value: a number, []float64,
// [][]float64 or [][][]float64 (like torch.tensor on nested lists). It
// panics on ragged input.
func New(v any) *Tensor {
	switch x := v.(type) {
	case float64:
		return Scalar(x)
	case []float64:
		return FromFloat64(x).Float()
	case []float32:
		return FromFloat32(x)
	case [][]float64:
		var flat []float64
		for _, r := range x {
			if len(r) != len(x[0]) {
				panic("tensor.New: ragged nested slice")
			}
			flat = append(flat, r...)
		}
		cols := 0
		if len(x) > 0 {
			cols = len(x[0])
		}
		return FromFloat64(flat, len(x), cols).Float()
	case [][][]float64:
		var flat []float64
		var a, b int
		if len(x) > 0 {
			a = len(x[0])
			if a > 0 {
				b = len(x[0][0])
			}
		}
		for _, m := range x {
			if len(m) != a {
				panic("tensor.New: ragged nested slice")
			}
			for _, r := range m {
				if len(r) != b {
					panic("tensor.New: ragged nested slice")
				}
				flat = append(flat, r...)
			}
		}
		return FromFloat64(flat, len(x), a, b).Float()
	}
	panic(fmt.Sprintf("tensor.New: unsupported type %T", v))
}

// Arange returns the float32 values start, start+step, ... < end, computed
// in float64 and rounded as torch.arange does.
func Arange(start, end, step float64) *Tensor { return ArangeOf(Float32, start, end, step) }

// ArangeOf is Arange with an element type.
func ArangeOf(dt DType, start, end, step float64) *Tensor {
	if step == 0 {
		panic("step must be nonzero")
	}
	if (step > 0 && start > end) || (step < 0 && start < end) {
		panic("upper bound and larger bound inconsistent with step sign")
	}
	n := int(math.Ceil((end - start) / step))
	vals := make([]float64, n)
	for i := range vals {
		vals[i] = start + float64(float64(i)*step)
	}
	return fromFloat64s(dt, vals, []int{n})
}

// Linspace returns steps float32 values evenly spaced from start to end
// inclusive, with ATen's symmetric formula (the first half counted from
// start, the second half from end) in float32 arithmetic.
func Linspace(start, end float64, steps int) *Tensor {
	if steps < 0 {
		panic("number of steps must be non-negative")
	}
	t := Empty(Float32, steps)
	if steps == 0 {
		return t
	}
	if steps == 1 {
		t.st.f32()[0] = float32(start)
		return t
	}
	s, e := float32(start), float32(end)
	step := (e - s) / float32(steps-1)
	half := steps / 2
	for i := 0; i < steps; i++ {
		if i < half {
			t.st.f32()[i] = s + float32(step*float32(i))
		} else {
			t.st.f32()[i] = e - float32(step*float32(steps-i-1))
		}
	}
	return t
}

// Eye returns the n×n float32 identity matrix.
func Eye(n int) *Tensor {
	t := Zeros(n, n)
	for i := 0; i < n; i++ {
		t.st.f32()[i*n+i] = 1
	}
	return t
}
