// Package goldentensor makes tensors of the reference tensors that package
// internal/golden decodes (dtype, shape, values and bit patterns, as the
// Python generators write them), for the tests of packages above tensor.
// (Package golden itself cannot import tensor, whose own tests use it.)
package goldentensor

import (
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/intercept-ml/intercept/internal/golden"
	"github.com/intercept-ml/intercept/tensor"
)

// New returns the tensor g describes. Float tensors are built from their
// bit patterns when g has them (exactly), from their values otherwise;
// int64 tensors from their values. It panics on another dtype.
func New(g *golden.Tensor) *tensor.Tensor {
	var t *tensor.Tensor
	switch g.DType {
	case "float32":
		v := g.Float32s()
		if len(g.Bits) == 0 {
			v = make([]float32, len(g.Values))
			for i, f := range g.Values {
				v[i] = float32(f)
			}
		}
		t = tensor.FromFloat32(v, g.Shape...)
	case "float64":
		v := g.Float64s()
		if len(g.Bits) == 0 {
			v = g.Values
		}
		t = tensor.FromFloat64(v, g.Shape...)
	case "int64":
		t = tensor.FromInt64(g.Ints(), g.Shape...)
	default:
		panic(fmt.Sprintf("goldentensor: unsupported dtype %q", g.DType))
	}
	if len(g.Shape) == 0 {
		t = t.Reshape() // 0-d: From* read an empty shape as 1-d
	}
	return t
}

// Compare compares got with the reference want element by element: n is the
// number of elements, exact how many have identical bits (two NaNs count as
// identical), and maxRel the largest relative difference |got−want|/|want|
// of the others (0 between +0 and −0). It fails t at once if the shapes or
// dtypes differ.
func Compare(t testing.TB, got *tensor.Tensor, want *golden.Tensor) (n, exact int, maxRel float64) {
	t.Helper()
	w := New(want)
	if !slices.Equal(got.Shape(), w.Shape()) {
		t.Fatalf("shape %v, want %v", got.Shape(), w.Shape())
	}
	if got.DType() != w.DType() {
		t.Fatalf("dtype %v, want %v", got.DType(), w.DType())
	}
	gv, wv := got.Float64s(), w.Float64s()
	for i := range gv {
		n++
		a, b := gv[i], wv[i]
		same := math.Float64bits(a) == math.Float64bits(b)
		if got.DType() == tensor.Float32 {
			same = math.Float32bits(float32(a)) == math.Float32bits(float32(b))
		}
		switch {
		case same || (math.IsNaN(a) && math.IsNaN(b)):
			exact++
		case a == b: // +0 and −0
		default:
			maxRel = max(maxRel, math.Abs(a-b)/math.Max(math.Abs(b), 1e-30))
		}
	}
	return n, exact, maxRel
}
