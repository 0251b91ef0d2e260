package tensor

import (
	"github.com/intercept-ml/intercept/internal/tensorfmt"
)

// String formats the tensor exactly as PyTorch's str() does with default
// print options: 4 decimals, aligned columns, scientific notation when the
// magnitudes call for it, "..." summarization above 1000 elements, and the
// suffixes dtype=..., requires_grad=True and grad_fn=<...>. A parameter
// (see NewParameter) is preceded by "Parameter containing:".
func (t *Tensor) String() string {
	if t == nil {
		return "None"
	}
	var v tensorfmt.Values
	switch t.dtype {
	case Float32, Float64:
		v.Float = t.Float64s()
	case Int64:
		v.Int = t.Int64s()
	case Bool:
		v.Bool = t.Bools()
	}
	var suffixes []string
	if t.dtype == Float64 {
		suffixes = append(suffixes, "dtype=torch.float64")
	}
	switch {
	case t.fn != nil:
		suffixes = append(suffixes, "grad_fn=<"+t.fn.name+">")
	case t.requiresGrad:
		suffixes = append(suffixes, "requires_grad=True")
	}
	s := tensorfmt.Format(t.shape, v, suffixes...)
	if t.isParam {
		return "Parameter containing:\n" + s
	}
	return s
}
