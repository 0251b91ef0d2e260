package functional

import (
	"fmt"
	"math"

	"github.com/intercept-ml/intercept/internal/xmath"
	"github.com/intercept-ml/intercept/tensor"
)

// The activations of torch.nn.functional beyond relu, sigmoid, tanh, gelu
// and silu: elu, selu, celu, softplus, mish, hardswish, hardsigmoid,
// hardtanh, relu6, logsigmoid, softsign, tanhshrink, softmin and prelu.
//
// Each computes in the input's element type with the formula and order of
// operations of PyTorch 1.13's CPU kernel (ATen's Activation.cpp), the
// transcendental functions (exp, log1p, tanh) evaluated in float64 and
// rounded; the backward passes are ATen's *_backward kernels, recorded under
// PyTorch's grad_fn names (EluBackward0, SoftplusBackward0, ...). softsign,
// tanhshrink and softmin are compositions of tensor operations, as in
// PyTorch's Python code, and record as those operations do.
//
// Keyword arguments with defaults are options (options.go):
//
//	ELU       Alpha (default 1)
//	CELU      Alpha (default 1)
//	Softplus  Beta (default 1), SoftplusThreshold (default 20)
//	Hardtanh  MinVal (default -1), MaxVal (default 1)

// actPointwise applies f elementwise to the float tensor x into a new tensor
// recorded as name, whose backward pass computes gx[i] = d(g[i], x[i],
// y[i]) from the upstream gradient, the input and the output.
func actPointwise(fn, name string, x *tensor.Tensor, f32 func(float32) float32, f64 func(float64) float64,
	d32 func(g, x, y float32) float32, d64 func(g, x, y float64) float64) *tensor.Tensor {
	requireFloat(fn, "input", x)
	xc := x.Contiguous()
	out := newLike(x.DType(), x.Shape())
	if x.DType() == tensor.Float32 {
		o, in := raw[float32](out), raw[float32](contig(xc))
		for i, v := range in {
			o[i] = f32(v)
		}
	} else {
		o, in := raw[float64](out), raw[float64](contig(xc))
		for i, v := range in {
			o[i] = f64(v)
		}
	}
	xd, yd := xc.Detach(), out.Detach()
	tensor.Record(out, name, []*tensor.Tensor{xc}, func(g *tensor.Tensor) []*tensor.Tensor {
		g = contig(g)
		gx := newLike(g.DType(), g.Shape())
		if g.DType() == tensor.Float32 {
			gs, xs, ys, d := raw[float32](g), raw[float32](xd), raw[float32](yd), raw[float32](gx)
			for i := range d {
				d[i] = d32(gs[i], xs[i], ys[i])
			}
		} else {
			gs, xs, ys, d := raw[float64](g), raw[float64](xd), raw[float64](yd), raw[float64](gx)
			for i := range d {
				d[i] = d64(gs[i], xs[i], ys[i])
			}
		}
		return []*tensor.Tensor{gx}
	})
	return out
}

func log1pT[T float](v T) T { return T(xmath.Log1p(float64(v))) }
func tanhT[T float](v T) T  { return T(xmath.Tanh(float64(v))) }

// eluFwd and eluBwd are ATen's elu_kernel and elu_backward_kernel
// (is_result false): negcoef = alpha·scale, poscoef = scale, negiptcoef =
// input_scale, all in T.
func eluFwd[T float](negcoef, poscoef, negiptcoef T) func(T) T {
	return func(a T) T {
		if a <= 0 {
			return T(expT(T(a*negiptcoef))-1) * negcoef
		}
		return a * poscoef
	}
}

func eluBwd[T float](negcoef, poscoef, negiptcoef T) func(g, x, y T) T {
	return func(g, x, _ T) T {
		if x <= 0 {
			return T(T(T(g*negiptcoef)*negcoef) * expT(T(x*negiptcoef)))
		}
		return g * poscoef
	}
}

func elu(fn, name string, x *tensor.Tensor, alpha, scale, inputScale float64) *tensor.Tensor {
	n32, p32, i32 := float32(alpha)*float32(scale), float32(scale), float32(inputScale)
	n64, p64, i64 := alpha*scale, scale, inputScale
	return actPointwise(fn, name, x, eluFwd(n32, p32, i32), eluFwd(n64, p64, i64), eluBwd(n32, p32, i32), eluBwd(n64, p64, i64))
}

// ELU returns x for x > 0 and alpha·(exp(x) − 1) otherwise
// (torch.nn.functional.elu). Options: Alpha (default 1.0).
func ELU(x *tensor.Tensor, opts ...ELUOption) *tensor.Tensor {
	c := callConfig{alpha: 1}
	applyOptions(&c, opts)
	return elu("elu", "EluBackward0", x, c.alpha, 1, 1)
}

// The constants of SELU (torch.nn.functional.selu).
const (
	SELUAlpha = 1.6732632423543772848170429916717
	SELUScale = 1.0507009873554804934193349852946
)

// SELU returns scale·ELU(x, alpha) with PyTorch's constants SELUAlpha and
// SELUScale (torch.nn.functional.selu); recorded as EluBackward0, as in
// PyTorch.
func SELU(x *tensor.Tensor) *tensor.Tensor {
	return elu("selu", "EluBackward0", x, SELUAlpha, SELUScale, 1)
}

// CELU returns max(0, x) + min(0, alpha·(exp(x/alpha) − 1))
// (torch.nn.functional.celu). Options: Alpha (default 1.0; 0 panics with
// PyTorch's message).
func CELU(x *tensor.Tensor, opts ...CELUOption) *tensor.Tensor {
	c := callConfig{alpha: 1}
	applyOptions(&c, opts)
	if c.alpha == 0 {
		panic("ZeroDivisionError: alpha cannot be 0 for CELU")
	}
	return elu("celu", "CeluBackward0", x, c.alpha, 1, 1.0/c.alpha)
}

// Softplus returns log(1 + exp(beta·x)) / beta, and x where beta·x >
// threshold (torch.nn.functional.softplus). Options: Beta (default 1),
// SoftplusThreshold (default 20).
func Softplus(x *tensor.Tensor, opts ...SoftplusOption) *tensor.Tensor {
	c := callConfig{beta: 1, threshold: 20}
	applyOptions(&c, opts)
	fwd := func(beta, th float64) (func(float32) float32, func(float64) float64) {
		b32, t32 := float32(beta), float32(th)
		return func(a float32) float32 {
				if a*b32 > t32 {
					return a
				}
				return log1pT(expT(a*b32)) / b32
			}, func(a float64) float64 {
				if a*beta > th {
					return a
				}
				return log1pT(expT(a*beta)) / beta
			}
	}
	beta, th := c.beta, c.threshold
	f32, f64 := fwd(beta, th)
	b32, t32 := float32(beta), float32(th)
	return actPointwise("softplus", "SoftplusBackward0", x, f32, f64,
		func(g, x, _ float32) float32 {
			z := expT(x * b32)
			if x*b32 > t32 {
				return g
			}
			return g * z / (z + 1)
		}, func(g, x, _ float64) float64 {
			z := expT(x * beta)
			if x*beta > th {
				return g
			}
			return g * z / (z + 1)
		})
}

func mishFwd[T float](x T) T { return x * tanhT(log1pT(expT(x))) }

func mishBwd[T float](g, x, _ T) T {
	sig := 1 / (1 + expT(-x))
	ts := tanhT(log1pT(expT(x)))
	return g * (ts + T(T(x*sig)*T(1-T(ts*ts))))
}

// Mish returns x·tanh(softplus(x)) (torch.nn.functional.mish).
func Mish(x *tensor.Tensor) *tensor.Tensor {
	return actPointwise("mish", "MishBackward0", x, mishFwd[float32], mishFwd[float64], mishBwd[float32], mishBwd[float64])
}

func hardswishFwd[T float](x T) T { return x * min(max(x+3, 0), 6) / 6 }

// hardswishBwd is the vectorized form of ATen's hardswish_backward, which
// gives g at x = 3 (its scalar form, used for the last few elements of a
// tensor, gives 1.5·g there).
func hardswishBwd[T float](g, x, _ T) T {
	switch {
	case x < -3:
		return 0
	case x < 3:
		return g * (x/3 + 0.5)
	}
	return g
}

// Hardswish returns x·relu6(x + 3)/6 (torch.nn.functional.hardswish).
func Hardswish(x *tensor.Tensor) *tensor.Tensor {
	return actPointwise("hardswish", "HardswishBackward0", x, hardswishFwd[float32], hardswishFwd[float64], hardswishBwd[float32], hardswishBwd[float64])
}

func hardsigmoidFwd[T float](x T) T { return min(max(x+3, 0), 6) / 6 }

func hardsigmoidBwd[T float](g, x, _ T) T {
	if x > -3 && x < 3 {
		return g * T(float32(1.0)/6) // ATen's one_sixth is 1.0f / 6.0f, in float64 too
	}
	return 0
}

// Hardsigmoid returns relu6(x + 3)/6 (torch.nn.functional.hardsigmoid).
func Hardsigmoid(x *tensor.Tensor) *tensor.Tensor {
	return actPointwise("hardsigmoid", "HardsigmoidBackward0", x, hardsigmoidFwd[float32], hardsigmoidFwd[float64], hardsigmoidBwd[float32], hardsigmoidBwd[float64])
}

func hardtanh(fn string, x *tensor.Tensor, lo, hi float64) *tensor.Tensor {
	clampF := func(lo, hi float64) (func(float32) float32, func(float64) float64) {
		l32, h32 := float32(lo), float32(hi)
		return func(v float32) float32 {
				if v != v {
					return v
				}
				return min(max(v, l32), h32)
			}, func(v float64) float64 {
				if v != v {
					return v
				}
				return min(max(v, lo), hi)
			}
	}
	f32, f64 := clampF(lo, hi)
	l32, h32 := float32(lo), float32(hi)
	return actPointwise(fn, "HardtanhBackward0", x, f32, f64,
		func(g, x, _ float32) float32 {
			if x <= l32 || x >= h32 {
				return 0
			}
			return g
		}, func(g, x, _ float64) float64 {
			if x <= lo || x >= hi {
				return 0
			}
			return g
		})
}

// Hardtanh clamps x to [min_val, max_val] (torch.nn.functional.hardtanh);
// the gradient flows strictly inside the interval. Options: MinVal
// (default -1), MaxVal (default 1).
func Hardtanh(x *tensor.Tensor, opts ...HardtanhOption) *tensor.Tensor {
	c := callConfig{minVal: -1, maxVal: 1}
	applyOptions(&c, opts)
	return hardtanh("hardtanh", x, c.minVal, c.maxVal)
}

// ReLU6 returns min(max(x, 0), 6) (torch.nn.functional.relu6), which is
// Hardtanh with bounds 0 and 6 (recorded as HardtanhBackward0).
func ReLU6(x *tensor.Tensor) *tensor.Tensor { return hardtanh("relu6", x, 0, 6) }

// LogSigmoid returns log(1/(1 + exp(−x))) = min(x, 0) − log1p(exp(−|x|))
// (torch.nn.functional.logsigmoid).
func LogSigmoid(x *tensor.Tensor) *tensor.Tensor {
	// The backward pass needs ATen's buffer exp(−|x|), recomputed from x.
	return actPointwise("log_sigmoid", "LogSigmoidBackward0", x, logSigmoidFwd[float32], logSigmoidFwd[float64], logSigmoidBwd[float32], logSigmoidBwd[float64])
}

func logSigmoidFwd[T float](x T) T {
	b := expT(-absT(x))
	return min(x, 0) - log1pT(b)
}

func logSigmoidBwd[T float](g, x, _ T) T {
	b := expT(-absT(x))
	var maxDeriv, sign T = 0, -1
	if x < 0 {
		maxDeriv, sign = 1, 1
	}
	return T(maxDeriv-T(sign*T(b/(1+b)))) * g
}

func absT[T float](x T) T { return T(math.Abs(float64(x))) }

// Softsign returns x / (1 + |x|) (torch.nn.functional.softsign), computed
// as PyTorch does: x.Div(x.Abs().AddScalar(1)).
func Softsign(x *tensor.Tensor) *tensor.Tensor {
	requireFloat("softsign", "input", x)
	return x.Div(x.Abs().AddScalar(1))
}

// Tanhshrink returns x − tanh(x) (torch.nn.functional.tanhshrink),
// computed as PyTorch does: x.Sub(x.Tanh()).
func Tanhshrink(x *tensor.Tensor) *tensor.Tensor {
	requireFloat("tanhshrink", "input", x)
	return x.Sub(x.Tanh())
}

// Softmin returns softmax(−x) along dim (torch.nn.functional.softmin),
// computed as PyTorch does: x.Neg().Softmax(dim).
func Softmin(x *tensor.Tensor, dim int) *tensor.Tensor { return x.Neg().Softmax(dim) }

// PReLU returns x where x > 0 and weight·x elsewhere
// (torch.nn.functional.prelu). weight has one element (shared by all
// channels) or one per channel, the channels being dimension 1 of x (of an
// input with at least 2 dimensions); otherwise it panics with PyTorch's
// message. The gradient flows to x and to weight (recorded as
// PreluBackward0).
func PReLU(x, weight *tensor.Tensor) *tensor.Tensor {
	requireFloat("prelu", "input", x)
	sameType(x, weight)
	xs := x.Shape()
	nw := weight.Numel()
	ch, inner := 1, numel(xs)
	if len(xs) >= 2 {
		ch, inner = xs[1], numel(xs[2:])
	}
	if nw != 1 {
		if len(xs) == 0 {
			panic("Not allow zero-dim input tensor.")
		}
		if nw != ch {
			panic(fmt.Sprintf("Mismatch of parameter numbers and input channel size. Found parameter numbers = %d and channel size = %d.", nw, ch))
		}
	}
	if weight.Dim() > 1 {
		panic(fmt.Sprintf("prelu: Expected `weight` to be a scalar or 1D tensor, but got ndim = %d", weight.Dim()))
	}
	xc, wc := x.Contiguous(), weight.Contiguous()
	out := newLike(x.DType(), xs)
	// channel of flat index i: (i / inner) % ch when nw > 1
	chOf := func(i int) int {
		if nw == 1 {
			return 0
		}
		return (i / inner) % ch
	}
	if x.DType() == tensor.Float32 {
		preluForward(raw[float32](contig(xc)), raw[float32](contig(wc)), raw[float32](out), chOf)
	} else {
		preluForward(raw[float64](contig(xc)), raw[float64](contig(wc)), raw[float64](out), chOf)
	}
	xd, wd := xc.Detach(), wc.Detach()
	needX, needW := xc.RequiresGrad(), wc.RequiresGrad()
	tensor.Record(out, "PreluBackward0", []*tensor.Tensor{xc, wc}, func(g *tensor.Tensor) []*tensor.Tensor {
		g = contig(g)
		var gx, gw *tensor.Tensor
		if needX {
			gx = newLike(g.DType(), xs)
		}
		if needW {
			gw = newLike(g.DType(), weight.Shape())
		}
		if g.DType() == tensor.Float32 {
			preluBackward(raw[float32](g), raw[float32](xd), raw[float32](wd), rawOrNil[float32](gx), rawOrNil[float32](gw), chOf)
		} else {
			preluBackward(raw[float64](g), raw[float64](xd), raw[float64](wd), rawOrNil[float64](gx), rawOrNil[float64](gw), chOf)
		}
		return []*tensor.Tensor{gx, gw}
	})
	return out
}

func preluForward[T float](x, w, y []T, chOf func(int) int) {
	for i, v := range x {
		if v > 0 {
			y[i] = v
		} else {
			y[i] = w[chOf(i)] * v
		}
	}
}

func preluBackward[T float](g, x, w, gx, gw []T, chOf func(int) int) {
	var acc []float64
	if gw != nil {
		acc = make([]float64, len(gw))
	}
	for i, v := range x {
		c := chOf(i)
		if v > 0 {
			if gx != nil {
				gx[i] = g[i]
			}
			continue
		}
		if gx != nil {
			gx[i] = w[c] * g[i]
		}
		if acc != nil {
			acc[c] += float64(v * g[i])
		}
	}
	for c := range gw {
		gw[c] = T(acc[c])
	}
}
