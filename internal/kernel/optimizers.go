package kernel

import (
	"fmt"
	"math"
	"unsafe"

	"github.com/intercept-ml/intercept/internal/fp"
)

// The optimizer kernels update one parameter and its state buffers as PyTorch 1.13's
// single-tensor CPU implementations do (torch.optim._functional), operation by operation, in the
// element type T of the parameter, with the fused multiply-adds that GCC made in the AVX2 build
// of ATen (package optim compares the results with PyTorch's bit for bit):
//
//   - a.add_(b, alpha=s)           → fma(b, s, a)
//   - a.addcmul_(b, c, value=s)    → fma(T(s·b), c, a)
//   - a.addcdiv_(b, c, value=s)    → a + T(T(s·b) / c)   (no fusion: a division)
//   - a.mul_(s)                    → T(a·s)
//
// Python scalars (lr, betas, 1 − β, ...) are doubles that meet a tensor of type T rounded to T;
// the Scalars structs hold them so rounded. The portable code (adamGo, rmspropGo, sgdGo) writes
// every product that PyTorch rounds as T(x*y), so that the Go compiler, which may fuse x*y + z
// (it does with GOAMD64=v3 and on arm64), cannot fuse it, and every fused one calls optFMA, a
// correctly rounded fused multiply-add. Multiplication, division, square root and fused
// multiply-add are correctly rounded IEEE operations, so the assembly kernels (asmgen's
// optim.go), which perform the same operations in the same order on each lane, give the same
// bits. The one exception is the payload of a NaN: every implementation turns NaN inputs into
// NaN outputs where PyTorch does, but which NaN may differ.

// AdamScalars are the hyperparameters of one Adam or AdamW step of a parameter, rounded to its
// element type T.
type AdamScalars[T float] struct {
	WeightDecay           T // λ, added to the gradient as λ·p when L2 is set
	Beta1, OneMinusBeta1  T
	Beta2, OneMinusBeta2  T
	NegStepSize           T // −lr / (1 − β1^t)
	BiasCorrection2Sqrt   T // √(1 − β2^t)
	Eps                   T
	Decay                 T // AdamW's 1 − lr·λ, the factor of p when Decoupled is set
	L2, AMSGrad, Maximize bool
	Decoupled             bool
}

// RMSpropScalars are the hyperparameters of one RMSprop step of a parameter, rounded to its
// element type T.
type RMSpropScalars[T float] struct {
	WeightDecay, Alpha, OneMinusAlpha, Eps, Momentum, NegLR T
	L2, UseMomentum, Centered, Maximize                     bool
}

// SGDScalars are the hyperparameters of one SGD step of a parameter, rounded to its element type
// T. First marks the first step with momentum, which sets the buffer to the gradient.
type SGDScalars[T float] struct {
	WeightDecay, Momentum, OneMinusDampening, NegLR T
	L2, UseMomentum, First, Nesterov, Maximize      bool
}

// Adam32 performs one step of torch.optim.Adam (AdamW when s.Decoupled) on the float32 parameter
// p with gradient g, first and second moments m and v, and (with s.AMSGrad, else nil) the running
// maximum vmax of v:
//
//	p ← p·decay (Decoupled);  g ← ∓g + λ·p (L2);  m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²
//	vmax ← maximum(vmax, v);  p ← p + (−step·m) / (√v̂ / √bc2 + ε)   (v̂ = vmax or v)
//
// It panics unless the slices have the same length.
func Adam32(p, g, m, v, vmax []float32, s AdamScalars[float32]) {
	checkOptim("Adam32", len(p), len(g), len(m), len(v), len(vmax), s.AMSGrad)
	impl.adam32(p, g, m, v, vmax, s)
}

// Adam64 is Adam32 for float64.
func Adam64(p, g, m, v, vmax []float64, s AdamScalars[float64]) {
	checkOptim("Adam64", len(p), len(g), len(m), len(v), len(vmax), s.AMSGrad)
	impl.adam64(p, g, m, v, vmax, s)
}

// RMSprop32 performs one step of torch.optim.RMSprop on the float32 parameter p with gradient g,
// square average sq, and (with s.Centered, else nil) gradient average gavg and (with
// s.UseMomentum, else nil) momentum buffer buf. It panics unless the slices have the same length.
func RMSprop32(p, g, sq, gavg, buf []float32, s RMSpropScalars[float32]) {
	checkOptim("RMSprop32", len(p), len(g), len(sq), len(p), len(gavg), s.Centered)
	checkOptim("RMSprop32", len(p), len(p), len(p), len(p), len(buf), s.UseMomentum)
	impl.rmsprop32(p, g, sq, gavg, buf, s)
}

// RMSprop64 is RMSprop32 for float64.
func RMSprop64(p, g, sq, gavg, buf []float64, s RMSpropScalars[float64]) {
	checkOptim("RMSprop64", len(p), len(g), len(sq), len(p), len(gavg), s.Centered)
	checkOptim("RMSprop64", len(p), len(p), len(p), len(p), len(buf), s.UseMomentum)
	impl.rmsprop64(p, g, sq, gavg, buf, s)
}

// SGD32 performs one step of torch.optim.SGD on the float32 parameter p with gradient g and
// (with s.UseMomentum, else nil) momentum buffer buf. It panics unless the slices have the same
// length.
func SGD32(p, g, buf []float32, s SGDScalars[float32]) {
	checkOptim("SGD32", len(p), len(g), len(p), len(p), len(buf), s.UseMomentum)
	impl.sgd32(p, g, buf, s)
}

// SGD64 is SGD32 for float64.
func SGD64(p, g, buf []float64, s SGDScalars[float64]) {
	checkOptim("SGD64", len(p), len(g), len(p), len(p), len(buf), s.UseMomentum)
	impl.sgd64(p, g, buf, s)
}

// checkOptim panics unless a, b, c and d are n and opt (an optional buffer's length) is n when
// on, 0 when off.
func checkOptim(fn string, n, a, b, c, opt int, on bool) {
	if a != n || b != n || c != n || on && opt != n || !on && opt != 0 {
		badOptim(fn, n, a, b, c, opt, on)
	}
}

//go:noinline
func badOptim(fn string, n, a, b, c, opt int, on bool) {
	panic(fmt.Sprintf("kernel: %s: length mismatch: %d, %d, %d, %d and optional buffer %d (used: %v)", fn, n, a, b, c, opt, on))
}

// optFMA returns a·b + c rounded once to T.
func optFMA[T float](a, b, c T) T {
	if unsafe.Sizeof(a) == 4 {
		// The product of two float32 values is exact in float64, so s is
		// a·b + c rounded once to float64 whether or not the compiler
		// fuses the addition. Rounding s to float32 is then correct unless
		// s is a float32 midpoint that is not exact (or lies below the
		// normal range), which fp.FMA32 handles. Exact midpoints are
		// common — a sum of two floats often is one — and round correctly.
		s := float64(a)*float64(b) + float64(c)
		u := math.Float64bits(s)
		if u&(0x7ff<<52) >= (1023-126)<<52 {
			if u&(1<<29-1) != 1<<28 {
				return T(float32(s))
			}
			p, z := float64(float64(a)*float64(b)), float64(c)
			bv := s - p // TwoSum: the rounding error of s = fl(p + z)
			if (p-(s-bv))+(z-bv) == 0 {
				return T(float32(s))
			}
		}
		return T(fp.FMA32(float32(a), float32(b), float32(c)))
	}
	return T(math.FMA(float64(a), float64(b), float64(c)))
}

// optSqrt returns the correctly rounded square root in T (the float64 square root of a float32
// rounds correctly to float32).
func optSqrt[T float](x T) T { return T(math.Sqrt(float64(x))) }

// optMaximum is torch.maximum: the quiet NaN of canonicalNaN if either operand is NaN.
func optMaximum[T float](a, b T) T {
	if a != a || b != b {
		return canonicalNaN[T]()
	}
	if a > b {
		return a
	}
	return b
}

// canonicalNaN returns the positive quiet NaN with an empty payload (0x7fc00000 for float32).
func canonicalNaN[T float]() T {
	if unsafe.Sizeof(T(0)) == 4 {
		return T(math.Float32frombits(0x7fc00000))
	}
	return T(math.Float64frombits(0x7ff8000000000000))
}

// negZero returns −0 when neg is set and +0 otherwise: the sign mask that the assembly kernels
// XOR into the gradient for Maximize.
func negZero[T float](neg bool) T {
	if neg {
		return T(math.Copysign(0, -1))
	}
	return 0
}

// adamGo is _single_tensor_adam (with the decoupled decay of _single_tensor_adamw) for one
// parameter.
func adamGo[T float](p, grad, m, v, vmax []T, s AdamScalars[T]) {
	grad, m, v = grad[:len(p)], m[:len(p)], v[:len(p)]
	for i := range p {
		g := grad[i]
		if s.Maximize {
			g = -g
		}
		pi := p[i]
		if s.Decoupled {
			pi = T(pi * s.Decay) // param.mul_(1 − lr·λ)
		}
		if s.L2 {
			g = optFMA(pi, s.WeightDecay, g) // grad.add(param, alpha=wd)
		}
		m[i] = optFMA(g, s.OneMinusBeta1, T(m[i]*s.Beta1))      // exp_avg.mul_(β1).add_(grad, alpha=1−β1)
		v[i] = optFMA(T(s.OneMinusBeta2*g), g, T(v[i]*s.Beta2)) // exp_avg_sq.mul_(β2).addcmul_(grad, grad, value=1−β2)
		vh := v[i]
		if s.AMSGrad {
			vmax[i] = optMaximum(vmax[i], v[i]) // torch.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
			vh = vmax[i]
		}
		denom := T(optSqrt(vh)/s.BiasCorrection2Sqrt) + s.Eps // (v.sqrt() / bc2_sqrt).add_(eps)
		p[i] = pi + T(T(s.NegStepSize*m[i])/denom)            // param.addcdiv_(exp_avg, denom, value=−step_size)
	}
}

// rmspropGo is _single_tensor_rmsprop for one parameter.
func rmspropGo[T float](p, grad, sq, gavg, buf []T, s RMSpropScalars[T]) {
	grad, sq = grad[:len(p)], sq[:len(p)]
	for i := range p {
		g := grad[i]
		if s.Maximize {
			g = -g
		}
		if s.L2 {
			g = optFMA(p[i], s.WeightDecay, g)
		}
		sq[i] = optFMA(T(s.OneMinusAlpha*g), g, T(sq[i]*s.Alpha)) // square_avg.mul_(α).addcmul_(grad, grad, value=1−α)
		var avg T
		if s.Centered {
			gavg[i] = optFMA(g, s.OneMinusAlpha, T(gavg[i]*s.Alpha)) // grad_avg.mul_(α).add_(grad, alpha=1−α)
			avg = optSqrt(optFMA(-gavg[i], gavg[i], sq[i]))          // square_avg.addcmul(grad_avg, grad_avg, value=−1).sqrt_()
		} else {
			avg = optSqrt(sq[i])
		}
		avg += s.Eps
		if s.UseMomentum {
			buf[i] = T(buf[i]*s.Momentum) + g/avg // buf.mul_(μ).addcdiv_(grad, avg)
			p[i] = optFMA(buf[i], s.NegLR, p[i])  // param.add_(buf, alpha=−lr)
		} else {
			p[i] += T(T(s.NegLR*g) / avg) // param.addcdiv_(grad, avg, value=−lr)
		}
	}
}

// sgdGo is _single_tensor_sgd for one parameter. On the first step with momentum the buffer
// receives a copy of the gradient.
func sgdGo[T float](p, grad, buf []T, s SGDScalars[T]) {
	grad = grad[:len(p)]
	for i := range p {
		g := grad[i]
		if s.Maximize {
			g = -g
		}
		if s.L2 {
			g = optFMA(p[i], s.WeightDecay, g) // d_p.add(param, alpha=wd)
		}
		if s.UseMomentum {
			if s.First {
				buf[i] = g // buf = clone(d_p)
			} else {
				// buf.mul_(μ).add_(d_p, alpha=1−τ); with τ = 0 the fused
				// multiply-add by 1 is a plain sum.
				buf[i] = optFMA(g, s.OneMinusDampening, T(buf[i]*s.Momentum))
			}
			if s.Nesterov {
				g = optFMA(buf[i], s.Momentum, g) // d_p.add(buf, alpha=μ)
			} else {
				g = buf[i]
			}
		}
		p[i] = optFMA(g, s.NegLR, p[i]) // param.add_(d_p, alpha=−lr)
	}
}

// Constants of the assembly optimizer kernels, in the order of asmgen's optim.go (unused ones
// zero).

// optConsts is the largest number of constants of an optimizer kernel.
const optConsts = 11

// adamConsts returns the constants and flags of the Adam kernels.
func adamConsts[T float](s AdamScalars[T]) ([optConsts]T, int) {
	c := [optConsts]T{negZero[T](s.Maximize), s.WeightDecay, s.Beta1, s.OneMinusBeta1, s.Beta2, s.OneMinusBeta2,
		s.NegStepSize, s.BiasCorrection2Sqrt, s.Eps, s.Decay, canonicalNaN[T]()}
	f := 0
	if s.L2 && !s.Decoupled {
		f |= 1
	}
	if s.AMSGrad {
		f |= 2
	}
	if s.Decoupled {
		f |= 4
	}
	return c, f
}

// rmspropConsts returns the constants and flags of the RMSprop kernels.
func rmspropConsts[T float](s RMSpropScalars[T]) ([optConsts]T, int) {
	c := [optConsts]T{negZero[T](s.Maximize), s.WeightDecay, s.Alpha, s.OneMinusAlpha, s.Eps, s.Momentum, s.NegLR}
	f := 0
	if s.L2 {
		f |= 1
	}
	if s.Centered {
		f |= 2
	}
	if s.UseMomentum {
		f |= 4
	}
	return c, f
}

// sgdConsts returns the constants and flags of the SGD kernels.
func sgdConsts[T float](s SGDScalars[T]) ([optConsts]T, int) {
	c := [optConsts]T{negZero[T](s.Maximize), s.WeightDecay, s.Momentum, s.OneMinusDampening, s.NegLR}
	f := 0
	if s.L2 {
		f |= 1
	}
	if s.UseMomentum {
		f |= 2
		if s.First {
			f |= 4
		}
		if s.Nesterov {
			f |= 8
		}
	}
	return c, f
}
