// Package goldentensor makes tensors of the reference tensors that package
// internal/golden decodes (dtype, shape, values and bit patterns, as the
// Python generators write them), for the tests of packages above tensor.
// (Package golden itself cannot import tensor, whose own tests use it.)
package goldentensor

import (
	"fmt"

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
