// Package ntuple expands PyTorch's size arguments (kernel_size, stride,
// padding, ...), given as one value for every dimension or one per
// dimension, as torch.nn.modules.utils._ntuple and ATen's
// expand_param_if_needed do. The callers word their own errors.
package ntuple

// Expand returns v broadcast to n values: def repeated when v is empty, v[0]
// repeated when v has one value, a copy of v when it has n values. ok is
// false for any other length.
func Expand(v []int, n, def int) (out []int, ok bool) {
	out = make([]int, n)
	switch len(v) {
	case 0:
		for i := range out {
			out[i] = def
		}
	case 1:
		for i := range out {
			out[i] = v[0]
		}
	case n:
		copy(out, v)
	default:
		return nil, false
	}
	return out, true
}
