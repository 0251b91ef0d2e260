package optim

import (
	"math"
	"runtime"
	"unsafe"

	"github.com/intercept-ml/intercept/internal/fp"
	"github.com/intercept-ml/intercept/internal/kernel"
)

// The update kernels below follow PyTorch 1.13's single-tensor CPU
// implementations operation by operation, in the element type T of the
// parameter, with the fused multiply-adds that GCC made in the AVX2 build of
// ATen (pytorch_test.go compares the results with PyTorch's bit for bit):
//
//   - a.add_(b, alpha=s)           → fma(b, s, a)
//   - a.addcmul_(b, c, value=s)    → fma(T(s·b), c, a)
//   - a.addcdiv_(b, c, value=s)    → a + T(T(s·b) / c)   (no fusion: a division)
//   - a.mul_(s)                    → T(a·s)
//
// Python scalars (lr, betas, 1 − β, ...) are doubles that meet a tensor of
// type T rounded to T. Every product that PyTorch rounds is written T(x*y)
// so that the Go compiler, which may fuse x*y + z (it does with GOAMD64=v3
// and on arm64), cannot fuse it; every fused one calls fma.

type float interface{ float32 | float64 }

// fma returns a·b + c rounded once to T.
func fma[T float](a, b, c T) T {
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

// parallelGrain is the number of elements per core below which parallel
// runs its function on the caller's goroutine. Step functions test
// splits first, so that small parameters (the lab's networks) do not pay
// for a closure that escapes to the worker pool.
const parallelGrain = 1 << 15

// splits reports whether parallel would split n elements across cores.
func splits(n int) bool { return n >= 2*parallelGrain && runtime.GOMAXPROCS(0) > 1 }

// parallel calls fn on consecutive ranges [lo, hi) covering [0, n), on
// the kernel package's worker pool when n is large. The kernels are
// element-wise, so the results do not depend on the split.
func parallel(n int, fn func(lo, hi int)) {
	w := min(runtime.GOMAXPROCS(0), n/parallelGrain)
	if w <= 1 {
		fn(0, n)
		return
	}
	kernel.ParallelFor(w, func(k int) { fn(k*n/w, (k+1)*n/w) })
}

// sub returns s[lo:hi], or nil for a nil s.
func sub[T float](s []T, lo, hi int) []T {
	if s == nil {
		return nil
	}
	return s[lo:hi]
}

// sqrt returns the correctly rounded square root in T (the float64 square
// root of a float32 rounds correctly to float32).
func sqrt[T float](x T) T { return T(math.Sqrt(float64(x))) }

// maximum is torch.maximum: NaN if either operand is NaN.
func maximum[T float](a, b T) T {
	if a != a || b != b {
		return T(math.NaN())
	}
	if a > b {
		return a
	}
	return b
}

// sgdScalars are SGD's hyperparameters rounded to the parameter type.
type sgdScalars[T float] struct {
	wd, mom, oneMinusDamp, negLR             T
	useWD, useMom, nesterov, maximize, first bool
}

// sgdKernel is _single_tensor_sgd for one parameter. buf is nil without
// momentum; on the first step (first) it receives a copy of the gradient.
func sgdKernel[T float](p, grad, buf []T, s sgdScalars[T]) {
	for i := range p {
		g := grad[i]
		if s.maximize {
			g = -g
		}
		if s.useWD {
			g = fma(p[i], s.wd, g) // d_p.add(param, alpha=wd)
		}
		if s.useMom {
			switch {
			case s.first:
				buf[i] = g // buf = clone(d_p)
			case s.oneMinusDamp == 1:
				buf[i] = T(buf[i]*s.mom) + g // fma(g, 1, x) is x + g rounded once
			default:
				buf[i] = fma(g, s.oneMinusDamp, T(buf[i]*s.mom)) // buf.mul_(μ).add_(d_p, alpha=1−τ)
			}
			if s.nesterov {
				g = fma(buf[i], s.mom, g) // d_p.add(buf, alpha=μ)
			} else {
				g = buf[i]
			}
		}
		p[i] = fma(g, s.negLR, p[i]) // param.add_(d_p, alpha=−lr)
	}
}

// adamScalars are Adam's hyperparameters rounded to the parameter type.
type adamScalars[T float] struct {
	wd, beta1, oneMinusBeta1, beta2, oneMinusBeta2 T
	negStep, bc2Sqrt, eps                          T
	useWD, amsgrad, maximize                       bool
	decoupled                                      bool
	decay                                          T // AdamW's 1 − lr·λ
}

// adamKernel is _single_tensor_adam for one parameter (AdamW applies its
// decoupled decay before and calls it with useWD false). vmax is nil
// without amsgrad.
func adamKernel[T float](p, grad, m, v, vmax []T, s adamScalars[T]) {
	for i := range p {
		g := grad[i]
		if s.maximize {
			g = -g
		}
		if s.useWD {
			g = fma(p[i], s.wd, g) // grad.add(param, alpha=wd)
		}
		m[i] = fma(g, s.oneMinusBeta1, T(m[i]*s.beta1))      // exp_avg.mul_(β1).add_(grad, alpha=1−β1)
		v[i] = fma(T(s.oneMinusBeta2*g), g, T(v[i]*s.beta2)) // exp_avg_sq.mul_(β2).addcmul_(grad, grad, value=1−β2)
		vh := v[i]
		if vmax != nil {
			vmax[i] = maximum(vmax[i], v[i]) // torch.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
			vh = vmax[i]
		}
		denom := T(sqrt(vh)/s.bc2Sqrt) + s.eps // (v.sqrt() / bc2_sqrt).add_(eps)
		p[i] += T(T(s.negStep*m[i]) / denom)   // param.addcdiv_(exp_avg, denom, value=−step_size)
	}
}

// scale multiplies p by c in place (param.mul_(c)).
func scale[T float](p []T, c T) {
	for i := range p {
		p[i] = T(p[i] * c)
	}
}

// rmspropScalars are RMSprop's hyperparameters rounded to the parameter
// type.
type rmspropScalars[T float] struct {
	wd, alpha, oneMinusAlpha, eps, mom, negLR T
	useWD, useMom, centered, maximize         bool
}

// rmspropKernel is _single_tensor_rmsprop for one parameter. gavg is nil
// unless centered, buf nil without momentum.
func rmspropKernel[T float](p, grad, sq, gavg, buf []T, s rmspropScalars[T]) {
	for i := range p {
		g := grad[i]
		if s.maximize {
			g = -g
		}
		if s.useWD {
			g = fma(p[i], s.wd, g)
		}
		sq[i] = fma(T(s.oneMinusAlpha*g), g, T(sq[i]*s.alpha)) // square_avg.mul_(α).addcmul_(grad, grad, value=1−α)
		var avg T
		if s.centered {
			gavg[i] = fma(g, s.oneMinusAlpha, T(gavg[i]*s.alpha)) // grad_avg.mul_(α).add_(grad, alpha=1−α)
			avg = sqrt(fma(-gavg[i], gavg[i], sq[i]))             // square_avg.addcmul(grad_avg, grad_avg, value=−1).sqrt_()
		} else {
			avg = sqrt(sq[i])
		}
		avg += s.eps
		if s.useMom {
			buf[i] = T(buf[i]*s.mom) + g/avg  // buf.mul_(μ).addcdiv_(grad, avg)
			p[i] = fma(buf[i], s.negLR, p[i]) // param.add_(buf, alpha=−lr)
		} else {
			p[i] += T(T(s.negLR*g) / avg) // param.addcdiv_(grad, avg, value=−lr)
		}
	}
}
