package optim

import (
	"github.com/intercept-ml/intercept/internal/tensorinternal"
	"math"
	"unsafe"

	"github.com/intercept-ml/intercept/internal/xmath"
	"github.com/intercept-ml/intercept/tensor"
)

// ClipGradNorm rescales the gradients of params so that their total norm is
// at most maxNorm, and returns the total norm before clipping, like
// torch.nn.utils.clip_grad_norm_ (1.13):
//
//	total = ‖(‖g₁‖ₚ, ‖g₂‖ₚ, …)‖ₚ          (over the parameters that have a gradient)
//	coef  = min(maxNorm / (total + 1e-6), 1)
//	g     ← g·coef                          (for every gradient, also when coef is 1)
//
// normType is p: any positive value, math.Inf(1) for the largest absolute
// value, 0 for the number of non-zero elements (and math.Inf(-1) for the
// smallest absolute value), as torch.norm. As PyTorch does, the norms and
// the coefficient are computed in the gradients' element type (float32
// unless a gradient is float64), with the summation order and fused
// multiply-adds of ATen's AVX2 norm kernels, and coef as
// (1/(total + 1e-6))·maxNorm; the results are PyTorch's bit for bit except
// for float64 gradients with a fractional p, where xmath.Pow and glibc's
// pow can differ in the last bits. Without gradients the result is 0. Non-finite gradients are scaled as in PyTorch with
// error_if_nonfinite=False: an infinite total norm gives the coefficient 0
// (infinite elements become NaN, the others 0), a NaN norm makes every
// gradient NaN.
func ClipGradNorm(params []*tensor.Tensor, maxNorm, normType float64) float64 {
	var grads []*tensor.Tensor
	f64 := false
	for _, p := range params {
		if p != nil && p.Grad != nil {
			grads = append(grads, p.Grad)
			if p.Grad.DType() == tensor.Float64 {
				f64 = true
			}
		}
	}
	if len(grads) == 0 {
		return 0
	}
	var total float64
	if f64 {
		norms := make([]float64, len(grads))
		for i, g := range grads {
			norms[i] = normT(g.Float64sShared(), normType)
		}
		total = normT(norms, normType)
	} else {
		norms := make([]float32, len(grads))
		for i, g := range grads {
			norms[i] = normT(g.Float32sShared(), normType)
		}
		total = float64(normT(norms, normType))
	}
	var coef float64
	if f64 {
		coef = 1 / (total + 1e-6) * maxNorm
	} else {
		t := float32(total) + float32(1e-6)
		coef = float64(float32(1/t) * float32(maxNorm))
	}
	if coef > 1 { // clamp(max=1): NaN stays NaN
		coef = 1
	}
	tensor.NoGrad(func() {
		for _, g := range grads {
			mulInPlace(g, coef)
		}
	})
	return total
}

// normT is torch.norm(x, p) of a contiguous vector, computed in T as
// ATen's CPU kernels do: p = 2 with vector lanes (8 floats or 4 doubles)
// that accumulate x·x by fused multiply-adds, the lanes added in order,
// then the tail; p = 1 and other p by an ordinary sum in T; ±inf by the
// largest (smallest) absolute value; p = 0 by counting non-zero elements.
func normT[T float](x []T, p float64) T {
	switch {
	case math.IsInf(p, 1):
		m := T(0)
		for _, v := range x {
			a := T(math.Abs(float64(v)))
			if a > m || a != a {
				m = a
			}
			if m != m {
				return m
			}
		}
		return m
	case math.IsInf(p, -1):
		m := T(math.Inf(1))
		for _, v := range x {
			a := T(math.Abs(float64(v)))
			if a < m || a != a {
				m = a
			}
			if m != m {
				return m
			}
		}
		return m
	case p == 0:
		n := T(0)
		for _, v := range x {
			if v != 0 {
				n++
			}
		}
		return n
	case p == 1:
		s := T(0)
		for _, v := range x {
			s += T(math.Abs(float64(v)))
		}
		return s
	case p == 2:
		lanes := 8
		if unsafe.Sizeof(x[0]) == 8 {
			lanes = 4
		}
		var acc [8]T
		d := 0
		for ; d+lanes <= len(x); d += lanes {
			for k := range lanes {
				acc[k] = fma(x[d+k], x[d+k], acc[k])
			}
		}
		s := acc[0]
		for k := 1; k < lanes; k++ {
			s += acc[k]
		}
		for ; d < len(x); d++ {
			s = fma(x[d], x[d], s)
		}
		return sqrt(s)
	default:
		s := T(0)
		for _, v := range x {
			s += T(xmath.Pow(math.Abs(float64(v)), float64(T(p))))
		}
		return T(xmath.Pow(float64(s), float64(T(1/p))))
	}
}

// mulInPlace multiplies g by c in g's element type.
func mulInPlace(g *tensor.Tensor, c float64) {
	if !g.IsContiguous() {
		g.CopyFrom(g.MulScalar(c))
		return
	}
	switch g.DType() {
	case tensor.Float32:
		d, c32 := tensorinternal.Writable32(g), float32(c)
		for i := range d {
			d[i] = float32(d[i] * c32)
		}
	case tensor.Float64:
		d := tensorinternal.Writable64(g)
		for i := range d {
			d[i] *= c
		}
	default:
		g.CopyFrom(g.MulScalar(c))
	}
}

// ClipGradValue clamps every gradient element of params to [−clip, clip]
// in place (torch.nn.utils.clip_grad_value_). NaN stays NaN.
func ClipGradValue(params []*tensor.Tensor, clip float64) {
	tensor.NoGrad(func() {
		for _, p := range params {
			if p == nil || p.Grad == nil {
				continue
			}
			g := p.Grad
			if g.IsContiguous() && g.DType() == tensor.Float32 {
				d := tensorinternal.Writable32(g)
				lo, hi := float32(-clip), float32(clip)
				for i, v := range d {
					d[i] = clamp(v, lo, hi)
				}
				continue
			}
			if g.IsContiguous() && g.DType() == tensor.Float64 {
				d := tensorinternal.Writable64(g)
				for i, v := range d {
					d[i] = clamp(v, -clip, clip)
				}
				continue
			}
			g.CopyFrom(g.Clamp(-clip, clip))
		}
	})
}

// clamp is torch.clamp(v, lo, hi) for lo <= hi: min(max(v, lo), hi), NaN
// propagating.
func clamp[T float](v, lo, hi T) T {
	if v != v {
		return v
	}
	return min(max(v, lo), hi)
}
