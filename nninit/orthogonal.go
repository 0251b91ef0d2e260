package nninit

import (
	"fmt"

	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"

	"github.com/intercept-ml/intercept/tensor"
)

// Orthogonal fills t with a (semi-)orthogonal matrix, like
// torch.nn.init.orthogonal_ (Saxe et al., 2013). Dimensions after the first
// are flattened: with rows = size(0) and cols = numel/rows, a fresh
// contiguous rows×cols matrix of t's type is drawn from N(0, 1) (one normal
// fill, so PyTorch's sampling path for rows·cols elements); if rows < cols it
// is transposed; its reduced QR factorization is computed, each column of Q
// is multiplied by the sign of the matching diagonal element of R, Q is
// transposed back if needed, copied into t and multiplied by gain. A tensor
// with no elements is left unchanged and nothing is drawn. Options: Gain
// (default 1), WithGenerator. It panics if t has fewer than 2 dimensions.
//
// Parity: the draws are bit-identical to PyTorch's, but the factorization is
// not LAPACK's. PyTorch uses LAPACK's Householder QR (geqrf/orgqr from the
// BLAS library it links, in t's precision); this function uses gonum's
// Householder QR in float64 on the drawn values and rounds Q to float32
// (then multiplies by float32(gain), as PyTorch's mul_ does). The results
// therefore agree with PyTorch's only to the accuracy of a float32 (float64)
// QR factorization, not bit for bit: within 4e-7 (2e-16) absolute per unit of
// gain in all tested cases, with about a third of the float32 elements
// bit-identical; small elements can differ in many ulps, as the rounding
// errors of QR scale with the norm of the matrix rather than each element.
func Orthogonal(t *tensor.Tensor, opts ...XavierOption) *tensor.Tensor {
	c := xavierConfig(opts)
	if t.Dim() < 2 {
		panic(fmt.Sprintf("nninit: Orthogonal: Only tensors with 2 or more dimensions are supported (got %d dimensions, shape %v)", t.Dim(), t.Shape()))
	}
	requireFloat(t, "Orthogonal")
	n := t.Numel()
	if n == 0 {
		return t
	}
	rows := t.Size(0)
	cols := n / rows

	// flattened = tensor.new(rows, cols).normal_(0, 1)
	flat := make([]float64, n)
	if t.DType() == tensor.Float32 {
		d := make([]float32, n)
		c.gen.Normal32(d, 0, 1)
		for i, v := range d {
			flat[i] = float64(v)
		}
	} else {
		c.gen.Normal64(flat, 0, 1)
	}

	q := orthonormalize(flat, rows, cols)

	if t.DType() == tensor.Float32 {
		g := float32(c.gain)
		out := make([]float32, n)
		for i, v := range q {
			out[i] = float32(float32(v) * g)
		}
		store(t, out, nil)
	} else {
		out := make([]float64, n)
		for i, v := range q {
			out[i] = float64(v * c.gain)
		}
		store(t, nil, out)
	}
	return t
}

// orthonormalize returns, for the row-major rows×cols matrix m, the matrix
// Q·diag(sign(diag(R))) of the reduced QR factorization of m (of mᵀ, then
// transposed back, when rows < cols), row-major rows×cols.
func orthonormalize(m []float64, rows, cols int) []float64 {
	// A is tall (r ≥ c): m itself or its transpose.
	r, c := rows, cols
	transposed := rows < cols
	if transposed {
		r, c = cols, rows
	}
	a := blas64.General{Rows: r, Cols: c, Stride: c, Data: make([]float64, r*c)}
	for i := range rows {
		for j := range cols {
			if transposed {
				a.Data[j*c+i] = m[i*cols+j]
			} else {
				a.Data[i*c+j] = m[i*cols+j]
			}
		}
	}
	tau := make([]float64, c)
	work := []float64{0}
	lapack64.Geqrf(a, tau, work, -1)
	work = make([]float64, int(work[0]))
	lapack64.Geqrf(a, tau, work, len(work))

	// sign(diag(R)), with sign(0) = 0 as torch.sign.
	sign := make([]float64, c)
	for j := range c {
		switch d := a.Data[j*c+j]; {
		case d > 0:
			sign[j] = 1
		case d < 0:
			sign[j] = -1
		}
	}

	work = []float64{0}
	lapack64.Orgqr(a, tau, work, -1)
	work = make([]float64, int(work[0]))
	lapack64.Orgqr(a, tau, work, len(work))

	out := make([]float64, rows*cols)
	for i := range r {
		for j := range c {
			v := a.Data[i*c+j] * sign[j]
			if transposed {
				out[j*cols+i] = v
			} else {
				out[i*cols+j] = v
			}
		}
	}
	return out
}
