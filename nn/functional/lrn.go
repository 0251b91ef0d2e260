package functional

import (
	"fmt"

	"github.com/intercept-ml/intercept/tensor"
)

// LocalResponseNorm normalizes x (N, C, *) across channels
// (torch.nn.functional.local_response_norm):
//
//	y[c] = x[c] / (k + alpha/size · Σ x[c']²)^beta
//
// the sum over the size channels c' from c − size/2 to c + (size−1)/2 (zero
// beyond the edges). It is computed as PyTorch's Python code does, from
// tensor operations (the window sum in channel order, then divided by size
// as avg_pool does), and records as they do (DivBackward0 last). Options:
// Alpha (default 1e-4), Beta (default 0.75), K (default 1.0). An input
// with fewer than 3 dimensions panics with PyTorch's message.
func LocalResponseNorm(x *tensor.Tensor, size int, opts ...LocalResponseNormOption) *tensor.Tensor {
	c := callConfig{alpha: 1e-4, beta: 0.75, k: 1}
	applyOptions(&c, opts)
	if x.Dim() < 3 {
		panic(fmt.Sprintf("Expected 3D or higher dimensionality                          input (got %d dimensions)", x.Dim()))
	}
	if size <= 0 {
		panic(fmt.Sprintf("local_response_norm: size must be positive, got %d", size))
	}
	requireFloat("local_response_norm", "input", x)
	if x.Numel() == 0 {
		return x
	}
	xs := x.Shape()
	n, ch := xs[0], xs[1]
	s := x.Numel() / (n * ch)
	sq := x.Mul(x).Reshape(n, ch, s)
	parts := []*tensor.Tensor{}
	if before := size / 2; before > 0 {
		parts = append(parts, tensor.ZerosOf(x.DType(), n, before, s))
	}
	parts = append(parts, sq)
	if after := (size - 1) / 2; after > 0 {
		parts = append(parts, tensor.ZerosOf(x.DType(), n, after, s))
	}
	padded := sq
	if len(parts) > 1 {
		padded = tensor.Cat(parts, 1)
	}
	sum := padded.Narrow(1, 0, ch)
	for j := 1; j < size; j++ {
		sum = sum.Add(padded.Narrow(1, j, ch))
	}
	div := sum.DivScalar(float64(size)).Reshape(xs...)
	div = div.MulScalar(c.alpha).AddScalar(c.k).Pow(c.beta)
	return x.Div(div)
}
