package tensor

import (
	"fmt"
	"math"
	"slices"

	"github.com/intercept-ml/intercept/internal/kernel"
	"github.com/intercept-ml/intercept/internal/xmath"
)

// resultType applies PyTorch's type promotion to the operands of a binary
// operation: a zero-dimensional tensor does not raise the type of a
// dimensioned tensor of the same category (float, integer, bool).
func resultType(a, b *Tensor) DType {
	if a.dtype == b.dtype {
		return a.dtype
	}
	cat := func(d DType) int {
		switch d {
		case Bool:
			return 0
		case Int64:
			return 1
		}
		return 2
	}
	ca, cb := cat(a.dtype), cat(b.dtype)
	if ca != cb {
		if ca > cb {
			return a.dtype
		}
		return b.dtype
	}
	// same category, different type: only Float32 vs Float64 is possible
	if len(a.shape) == 0 && len(b.shape) > 0 {
		return b.dtype
	}
	if len(b.shape) == 0 && len(a.shape) > 0 {
		return a.dtype
	}
	return Float64
}

func requireFloat(op string, t *Tensor) {
	if !t.dtype.IsFloat() {
		panic(fmt.Sprintf("%s: not implemented for %v tensors", op, t.dtype))
	}
}

// mapUnary applies f elementwise (float types only) into a new contiguous
// tensor, without recording.
func mapUnary(op string, t *Tensor, f32 func(float32) float32, f64 func(float64) float64) *Tensor {
	requireFloat(op, t)
	out := emptyReused(t.dtype, t.shape...) // every element is written below
	switch t.dtype {
	case Float32:
		d := out.st.f32()
		if t.IsContiguous() {
			s := t.st.f32()[t.offset : t.offset+len(d)]
			for i, v := range s {
				d[i] = f32(v)
			}
			break
		}
		i := 0
		forEachOffset(t.shape, t.strides, t.offset, func(o int) { d[i] = f32(t.st.f32()[o]); i++ })
	case Float64:
		d := out.st.f64()
		if t.IsContiguous() {
			s := t.st.f64()[t.offset : t.offset+len(d)]
			for i, v := range s {
				d[i] = f64(v)
			}
			break
		}
		i := 0
		forEachOffset(t.shape, t.strides, t.offset, func(o int) { d[i] = f64(t.st.f64()[o]); i++ })
	}
	return out
}

// zipBinary applies f elementwise over the broadcast of a and b into a new
// contiguous tensor of the promoted type, without recording. Integer and bool
// operands are computed in float64 and converted back.
func zipBinary(a, b *Tensor, f32 func(x, y float32) float32, f64 func(x, y float64) float64) *Tensor {
	return zipBinaryK(a, b, nil, f32, f64)
}

// zipBinaryK is zipBinary with k32, when not nil, a vector kernel computing
// the same float32 operation as f32 over equal-length slices (see
// kernel.Add32), used on contiguous operands and rows.
func zipBinaryK(a, b *Tensor, k32 func(dst, x, y []float32), f32 func(x, y float32) float32, f64 func(x, y float64) float64) *Tensor {
	shape := broadcast2(a.shape, b.shape)
	dt := resultType(a, b)
	compute := dt
	if !dt.IsFloat() {
		compute = Float64
	}
	a, b = a.To(compute), b.To(compute)
	out := emptyReused(compute, shape...) // every element is written below
	same := slices.Equal(a.shape, shape) && slices.Equal(b.shape, shape) && a.IsContiguous() && b.IsContiguous()
	switch compute {
	case Float32:
		d, x, y := out.st.f32(), a.st.f32(), b.st.f32()
		if same {
			x, y = x[a.offset:a.offset+len(d)], y[b.offset:b.offset+len(d)]
			if k32 != nil {
				k32(d, x, y)
				break
			}
			for i := range d {
				d[i] = f32(x[i], y[i])
			}
			break
		}
		if b.Numel() == 1 && a.IsContiguous() && slices.Equal(a.shape, shape) {
			x, s := x[a.offset:a.offset+len(d)], y[b.offset]
			for i := range d {
				d[i] = f32(x[i], s)
			}
			break
		}
		if n := rowBroadcast(a, b, shape); n > 0 {
			// A matrix plus a row vector (a bias): row by row.
			x, y := x[a.offset:a.offset+len(d)], y[b.offset:b.offset+n]
			for r := 0; r < len(d); r += n {
				dr, xr := d[r:r+n], x[r:r+n]
				if k32 != nil {
					k32(dr, xr, y)
					continue
				}
				for j := range dr {
					dr[j] = f32(xr[j], y[j])
				}
			}
			break
		}
		sa, sb := broadcastStrides(a.shape, a.strides, shape), broadcastStrides(b.shape, b.strides, shape)
		if unitRows(shape, sa, sb) {
			// Rows of the last dimension contiguous in both operands
			// (a transposed view): row by row.
			iterRows(shape, sa, a.offset, sb, b.offset, func(i, ia, ib, n int) {
				dr, xr, yr := d[i:i+n], x[ia:ia+n], y[ib:ib+n]
				if k32 != nil {
					k32(dr, xr, yr)
					return
				}
				for j := range dr {
					dr[j] = f32(xr[j], yr[j])
				}
			})
			break
		}
		iterBinary(shape, sa, a.offset, sb, b.offset,
			func(i, ia, ib int) { d[i] = f32(x[ia], y[ib]) })
	case Float64:
		d, x, y := out.st.f64(), a.st.f64(), b.st.f64()
		if same {
			x, y = x[a.offset:a.offset+len(d)], y[b.offset:b.offset+len(d)]
			for i := range d {
				d[i] = f64(x[i], y[i])
			}
			break
		}
		iterBinary(shape, broadcastStrides(a.shape, a.strides, shape), a.offset, broadcastStrides(b.shape, b.strides, shape), b.offset,
			func(i, ia, ib int) { d[i] = f64(x[ia], y[ib]) })
	}
	if compute != dt {
		return out.To(dt)
	}
	return out
}

// unitRows reports whether the last dimension of shape is long enough to
// be worth a row-by-row loop and has stride 1 in both operands' (broadcast)
// strides sa and sb.
func unitRows(shape, sa, sb []int) bool {
	nd := len(shape)
	return nd >= 2 && shape[nd-1] >= 8 && sa[nd-1] == 1 && sb[nd-1] == 1
}

// iterRows calls fn(i, ia, ib, n) for each row of the last dimension of
// shape in row-major order: i is the row's first index in the result, ia and
// ib its first offsets in the operands (strides sa, sb, offsets oa, ob), n
// the row length.
func iterRows(shape, sa []int, oa int, sb []int, ob int, fn func(i, ia, ib, n int)) {
	total := numelOf(shape)
	nd := len(shape)
	n := shape[nd-1]
	if total == 0 {
		return
	}
	var idxBuf [8]int
	var idx []int
	if nd-1 > len(idxBuf) {
		idx = make([]int, nd-1)
	} else {
		idx = idxBuf[:nd-1]
	}
	ia, ib := oa, ob
	for i := 0; i < total; i += n {
		fn(i, ia, ib, n)
		for d := nd - 2; d >= 0; d-- {
			idx[d]++
			ia += sa[d]
			ib += sb[d]
			if idx[d] < shape[d] {
				break
			}
			ia -= sa[d] * shape[d]
			ib -= sb[d] * shape[d]
			idx[d] = 0
		}
	}
}

// rowBroadcast returns the row length n when a is contiguous with the
// result's shape and b is contiguous with n = the result's last dimension
// elements, broadcast along all leading dimensions (shape (n), (1, n), …);
// otherwise 0.
func rowBroadcast(a, b *Tensor, shape []int) int {
	if len(shape) < 2 || !slices.Equal(a.shape, shape) || !a.IsContiguous() || !b.IsContiguous() {
		return 0
	}
	n := shape[len(shape)-1]
	if n == 0 || b.Numel() != n || len(b.shape) == 0 || b.shape[len(b.shape)-1] != n {
		return 0
	}
	return n
}

// broadcast2 is BroadcastShapes for two operands.
func broadcast2(a, b []int) []int {
	if slices.Equal(a, b) {
		return append([]int(nil), a...)
	}
	return BroadcastShapes(a, b)
}

// ---------------------------------------------------------------- binary arithmetic

// Add returns a + b with broadcasting.
func (a *Tensor) Add(b *Tensor) *Tensor { return Add(a, b) }

// Sub returns a - b with broadcasting.
func (a *Tensor) Sub(b *Tensor) *Tensor { return Sub(a, b) }

// Mul returns a * b (elementwise) with broadcasting.
func (a *Tensor) Mul(b *Tensor) *Tensor { return Mul(a, b) }

// Div returns a / b (true division) with broadcasting.
func (a *Tensor) Div(b *Tensor) *Tensor { return Div(a, b) }

// Add returns a + b with broadcasting.
func Add(a, b *Tensor) *Tensor {
	out := zipBinaryK(a, b, kernel.Add32, func(x, y float32) float32 { return x + y }, func(x, y float64) float64 { return x + y })
	as, bs := a.shape, b.shape
	record(out, "AddBackward0", []*Tensor{a, b}, func(g *Tensor) []*Tensor {
		return []*Tensor{sumTo(g, as), sumTo(g, bs)}
	})
	return out
}

// rawAdd adds two detached tensors of the same shape.
func rawAdd(a, b *Tensor) *Tensor {
	return zipBinaryK(a, b, kernel.Add32, func(x, y float32) float32 { return x + y }, func(x, y float64) float64 { return x + y })
}

// Sub returns a - b with broadcasting.
func Sub(a, b *Tensor) *Tensor {
	out := zipBinaryK(a, b, kernel.Sub32, func(x, y float32) float32 { return x - y }, func(x, y float64) float64 { return x - y })
	as, bs := a.shape, b.shape
	record(out, "SubBackward0", []*Tensor{a, b}, func(g *Tensor) []*Tensor {
		return []*Tensor{sumTo(g, as), sumTo(g.Neg(), bs)}
	})
	return out
}

// Mul returns a * b (elementwise) with broadcasting.
func Mul(a, b *Tensor) *Tensor {
	out := zipBinaryK(a, b, kernel.Mul32, func(x, y float32) float32 { return x * y }, func(x, y float64) float64 { return x * y })
	ad, bd := a.Detach(), b.Detach()
	record(out, "MulBackward0", []*Tensor{a, b}, func(g *Tensor) []*Tensor {
		var ga, gb *Tensor
		if a.requiresGrad {
			ga = sumTo(Mul(g, bd).To(ad.dtype), ad.shape)
		}
		if b.requiresGrad {
			gb = sumTo(Mul(g, ad).To(bd.dtype), bd.shape)
		}
		return []*Tensor{ga, gb}
	})
	return out
}

// Div returns a / b (true division) with broadcasting.
func Div(a, b *Tensor) *Tensor {
	if !a.dtype.IsFloat() && !b.dtype.IsFloat() {
		a = a.To(Float32)
	}
	out := zipBinaryK(a, b, kernel.Div32, func(x, y float32) float32 { return x / y }, func(x, y float64) float64 { return x / y })
	ad, bd := a.Detach(), b.Detach()
	record(out, "DivBackward0", []*Tensor{a, b}, func(g *Tensor) []*Tensor {
		var ga, gb *Tensor
		if a.requiresGrad {
			ga = sumTo(Div(g, bd).To(ad.dtype), ad.shape)
		}
		if b.requiresGrad {
			// -g * a / b^2
			gb = sumTo(Div(Mul(g.Neg(), ad), Mul(bd, bd)).To(bd.dtype), bd.shape)
		}
		return []*Tensor{ga, gb}
	})
	return out
}

// PowTensor returns a ** b elementwise with broadcasting.
func (a *Tensor) PowTensor(b *Tensor) *Tensor {
	requireFloat("pow", a)
	out := zipBinary(a, b,
		func(x, y float32) float32 { return float32(xmath.Pow(float64(x), float64(y))) },
		xmath.Pow)
	ad, bd := a.Detach(), b.Detach()
	od := out.Detach()
	record(out, "PowBackward1", []*Tensor{a, b}, func(g *Tensor) []*Tensor {
		var ga, gb *Tensor
		if a.requiresGrad {
			// g * b * a^(b-1)
			ga = sumTo(Mul(g, Mul(bd, ad.PowTensor(bd.AddScalar(-1)))).To(ad.dtype), ad.shape)
		}
		if b.requiresGrad {
			// g * a^b * log(a), with 0 where a == 0 and b >= 0 (PyTorch's masking)
			l := mapUnary("log", ad, func(x float32) float32 {
				if x == 0 {
					return 0
				}
				return float32(xmath.Log(float64(x)))
			}, func(x float64) float64 {
				if x == 0 {
					return 0
				}
				return xmath.Log(x)
			})
			gb = sumTo(Mul(g, Mul(od, l)).To(bd.dtype), bd.shape)
		}
		return []*Tensor{ga, gb}
	})
	return out
}

// Maximum returns the elementwise maximum of a and b with broadcasting (NaN
// if either is NaN).
func Maximum(a, b *Tensor) *Tensor { return extremum(a, b, true) }

// Minimum returns the elementwise minimum of a and b with broadcasting (NaN
// if either is NaN).
func Minimum(a, b *Tensor) *Tensor { return extremum(a, b, false) }

func extremum(a, b *Tensor, max bool) *Tensor {
	pick := func(x, y float64) float64 {
		if x != x || y != y {
			return math.NaN()
		}
		if (x > y) == max || x == y {
			return x
		}
		return y
	}
	out := zipBinary(a, b, func(x, y float32) float32 { return float32(pick(float64(x), float64(y))) }, pick)
	ad, bd := a.Detach(), b.Detach()
	name := "MaximumBackward0"
	if !max {
		name = "MinimumBackward0"
	}
	record(out, name, []*Tensor{a, b}, func(g *Tensor) []*Tensor {
		// gradient goes to the selected operand; ties split evenly (PyTorch)
		w := zipBinary(ad.To(Float64), bd.To(Float64), nil, func(x, y float64) float64 {
			switch {
			case x == y:
				return 0.5
			case (x > y) == max:
				return 1
			}
			return 0
		})
		wa := w.To(g.dtype)
		return []*Tensor{sumTo(Mul(g, wa), ad.shape), sumTo(Mul(g, OnesLike(wa).Sub(wa)), bd.shape)}
	})
	return out
}

// ---------------------------------------------------------------- scalar forms

// Scalar returns a 0-dimensional float32 tensor holding v.
func Scalar(v float64) *Tensor {
	t := Empty(Float32)
	t.st.f32()[0] = float32(v)
	return t
}

// scalarLike returns a 0-d tensor of t's float type holding v.
func scalarLike(t *Tensor, v float64) *Tensor {
	dt := t.dtype
	if !dt.IsFloat() {
		dt = Float32
	}
	s := Empty(dt)
	if dt == Float32 {
		s.st.f32()[0] = float32(v)
	} else {
		s.st.f64()[0] = v
	}
	return s
}

// AddScalar returns t + s.
func (t *Tensor) AddScalar(s float64) *Tensor { return Add(t, scalarLike(t, s)) }

// SubScalar returns t - s.
func (t *Tensor) SubScalar(s float64) *Tensor { return Sub(t, scalarLike(t, s)) }

// MulScalar returns t * s.
func (t *Tensor) MulScalar(s float64) *Tensor { return Mul(t, scalarLike(t, s)) }

// DivScalar returns t / s.
func (t *Tensor) DivScalar(s float64) *Tensor { return Div(t, scalarLike(t, s)) }

// RSubScalar returns s - t.
func (t *Tensor) RSubScalar(s float64) *Tensor { return Sub(scalarLike(t, s), t) }

// ---------------------------------------------------------------- unary

// unary builds a recorded elementwise op whose derivative dydx is computed
// from the (detached) input x and output y.
func unary(op, name string, t *Tensor, f32 func(float32) float32, f64 func(float64) float64,
	grad func(g, x, y *Tensor) *Tensor) *Tensor {
	out := mapUnary(op, t, f32, f64)
	xd, yd := t.Detach(), out.Detach()
	record(out, name, []*Tensor{t}, func(g *Tensor) []*Tensor { return []*Tensor{grad(g, xd, yd)} })
	return out
}

// Neg returns -t.
func (t *Tensor) Neg() *Tensor {
	if !t.dtype.IsFloat() {
		return zipBinary(t, scalarLike(t, 0), nil, func(x, _ float64) float64 { return -x }).To(t.dtype)
	}
	return unary("neg", "NegBackward0", t, func(x float32) float32 { return -x }, func(x float64) float64 { return -x },
		func(g, _, _ *Tensor) *Tensor { return g.Neg() })
}

// Exp returns e**t elementwise.
func (t *Tensor) Exp() *Tensor {
	return unary("exp", "ExpBackward0", t, func(x float32) float32 { return float32(xmath.Exp(float64(x))) }, xmath.Exp,
		func(g, _, y *Tensor) *Tensor { return Mul(g, y) })
}

// Log returns the natural logarithm elementwise (NaN below 0, -inf at 0).
func (t *Tensor) Log() *Tensor {
	return unary("log", "LogBackward0", t, func(x float32) float32 { return float32(xmath.Log(float64(x))) }, xmath.Log,
		func(g, x, _ *Tensor) *Tensor { return Div(g, x) })
}

// Sqrt returns the square root elementwise.
func (t *Tensor) Sqrt() *Tensor {
	return unary("sqrt", "SqrtBackward0", t, func(x float32) float32 { return float32(math.Sqrt(float64(x))) }, math.Sqrt,
		func(g, _, y *Tensor) *Tensor { return Div(g, y.MulScalar(2)) })
}

// Abs returns |t| elementwise.
func (t *Tensor) Abs() *Tensor {
	return unary("abs", "AbsBackward0", t, func(x float32) float32 { return float32(math.Abs(float64(x))) }, math.Abs,
		func(g, x, _ *Tensor) *Tensor { return Mul(g, x.Sign()) })
}

// Sign returns -1, 0 or 1 elementwise (NaN stays NaN). It is not
// differentiable (its gradient is zero).
func (t *Tensor) Sign() *Tensor {
	sgn := func(x float64) float64 {
		switch {
		case x > 0:
			return 1
		case x < 0:
			return -1
		}
		return x // 0, -0 or NaN
	}
	return mapUnary("sign", t, func(x float32) float32 { return float32(sgn(float64(x))) }, sgn)
}

// Pow returns t ** e elementwise for a scalar exponent e.
func (t *Tensor) Pow(e float64) *Tensor {
	f64 := func(x float64) float64 { return xmath.Pow(x, e) }
	if e == 2 {
		f64 = func(x float64) float64 { return x * x }
	}
	f32 := func(x float32) float32 { return float32(xmath.Pow(float64(x), e)) }
	if e == 2 {
		f32 = func(x float32) float32 { return x * x }
	}
	return unary("pow", "PowBackward0", t, f32, f64, func(g, x, _ *Tensor) *Tensor {
		if e == 0 {
			return ZerosLike(g)
		}
		return Mul(g, x.Pow(e-1).MulScalar(e))
	})
}

// Square returns t * t elementwise.
func (t *Tensor) Square() *Tensor { return t.Pow(2) }

// Clamp limits every element to [lo, hi]; pass math.Inf(-1) or math.Inf(1)
// to leave a side open. NaN stays NaN. The gradient flows where
// lo <= x <= hi. When lo > hi every element becomes hi, as in PyTorch.
func (t *Tensor) Clamp(lo, hi float64) *Tensor {
	c := func(x float64) float64 {
		if x != x {
			return x
		}
		if x < lo {
			x = lo
		}
		if x > hi {
			x = hi
		}
		return x
	}
	l32, h32 := float32(lo), float32(hi)
	c32 := func(x float32) float32 {
		if x != x {
			return x
		}
		if x < l32 {
			x = l32
		}
		if x > h32 {
			x = h32
		}
		return x
	}
	return unary("clamp", "ClampBackward1", t, c32, c, func(g, x, _ *Tensor) *Tensor {
		m := mapUnary("clamp", x, func(v float32) float32 {
			if v >= l32 && v <= h32 {
				return 1
			}
			return 0
		}, func(v float64) float64 {
			if v >= lo && v <= hi {
				return 1
			}
			return 0
		})
		return Mul(g, m)
	})
}

// ReLU returns max(t, 0) elementwise (NaN stays NaN).
func (t *Tensor) ReLU() *Tensor {
	if (t.dtype == Float32 || t.dtype == Float64) && t.IsContiguous() {
		return reluFast(t)
	}
	return unary("relu", "ReluBackward0", t,
		func(x float32) float32 {
			if x > 0 || x != x {
				return x
			}
			return 0
		},
		func(x float64) float64 {
			if x > 0 || x != x {
				return x
			}
			return 0
		},
		func(g, _, y *Tensor) *Tensor {
			return Mul(g, mapUnary("relu", y, func(v float32) float32 { return b2f32(v > 0) }, func(v float64) float64 { return float64(b2f32(v > 0)) }))
		})
}

// LeakyReLU returns x for x > 0 and slope*x otherwise.
func (t *Tensor) LeakyReLU(slope float64) *Tensor {
	s32 := float32(slope)
	return unary("leaky_relu", "LeakyReluBackward0", t,
		func(x float32) float32 {
			if x > 0 {
				return x
			}
			return x * s32
		},
		func(x float64) float64 {
			if x > 0 {
				return x
			}
			return x * slope
		},
		func(g, x, _ *Tensor) *Tensor {
			return Mul(g, mapUnary("leaky_relu", x, func(v float32) float32 {
				if v > 0 {
					return 1
				}
				return s32
			}, func(v float64) float64 {
				if v > 0 {
					return 1
				}
				return slope
			}))
		})
}

func sigmoid64(x float64) float64 { return 1 / (1 + xmath.Exp(-x)) }

// Sigmoid returns 1 / (1 + e**-t) elementwise.
func (t *Tensor) Sigmoid() *Tensor {
	return unary("sigmoid", "SigmoidBackward0", t, func(x float32) float32 { return float32(sigmoid64(float64(x))) }, sigmoid64,
		func(g, _, y *Tensor) *Tensor { return Mul(g, Mul(y, y.RSubScalar(1))) })
}

// Tanh returns the hyperbolic tangent elementwise.
func (t *Tensor) Tanh() *Tensor {
	return unary("tanh", "TanhBackward0", t, func(x float32) float32 { return float32(xmath.Tanh(float64(x))) }, xmath.Tanh,
		func(g, _, y *Tensor) *Tensor { return Mul(g, Mul(y, y).RSubScalar(1)) })
}

// SiLU returns t * sigmoid(t) elementwise (also called swish).
func (t *Tensor) SiLU() *Tensor {
	f := func(x float64) float64 { return x * sigmoid64(x) }
	return unary("silu", "SiluBackward0", t, func(x float32) float32 { return float32(f(float64(x))) }, f,
		func(g, x, _ *Tensor) *Tensor {
			d := func(v float64) float64 { s := sigmoid64(v); return s * (1 + float64(v*(1-s))) }
			return Mul(g, mapUnary("silu", x, func(v float32) float32 { return float32(d(float64(v))) }, d))
		})
}

// GELU returns the Gaussian error linear unit x·Φ(x) elementwise; with
// tanhApprox it uses PyTorch's approximate='tanh' formula.
func (t *Tensor) GELU(tanhApprox bool) *Tensor {
	const k = 0.7978845608028654 // sqrt(2/pi)
	f := func(x float64) float64 { return 0.5 * x * (1 + xmath.Erf(x/math.Sqrt2)) }
	d := func(x float64) float64 {
		return 0.5*(1+xmath.Erf(x/math.Sqrt2)) + x*xmath.Exp(-0.5*float64(x*x))/math.Sqrt(2*math.Pi)
	}
	if tanhApprox {
		// Products are rounded explicitly: no compiler may fuse them into an addition.
		f = func(x float64) float64 { return 0.5 * x * (1 + xmath.Tanh(k*(x+float64(0.044715*x*x*x)))) }
		d = func(x float64) float64 {
			u := k * (x + float64(0.044715*x*x*x))
			th := xmath.Tanh(u)
			return 0.5*(1+th) + float64(0.5*x*(1-float64(th*th))*k*(1+float64(3*0.044715*x*x)))
		}
	}
	return unary("gelu", "GeluBackward0", t, func(x float32) float32 { return float32(f(float64(x))) }, f,
		func(g, x, _ *Tensor) *Tensor {
			return Mul(g, mapUnary("gelu", x, func(v float32) float32 { return float32(d(float64(v))) }, d))
		})
}

// Sin returns the sine elementwise.
func (t *Tensor) Sin() *Tensor {
	return unary("sin", "SinBackward0", t, func(x float32) float32 { return float32(xmath.Sin(float64(x))) }, xmath.Sin,
		func(g, x, _ *Tensor) *Tensor { return Mul(g, x.Cos()) })
}

// Cos returns the cosine elementwise.
func (t *Tensor) Cos() *Tensor {
	return unary("cos", "CosBackward0", t, func(x float32) float32 { return float32(xmath.Cos(float64(x))) }, xmath.Cos,
		func(g, x, _ *Tensor) *Tensor { return Mul(g, x.Sin().Neg()) })
}

// reluFast is ReLU for a contiguous float32 or float64 tensor: one pass
// into a new tensor, and a backward pass that keeps the gradient where the
// output is positive (the same bits as multiplying by the 0/1 mask, see
// kernel.ReLUBackward32).
func reluFast(t *Tensor) *Tensor {
	out := Empty(t.dtype, t.shape...)
	if t.dtype == Float32 {
		d := out.st.f32()
		kernel.ReLUForward32(d, t.st.f32()[t.offset:t.offset+len(d)])
		recordReLUFast(out, t, d)
	} else {
		d := out.st.f64()
		kernel.ReLUForward64(d, t.st.f64()[t.offset:t.offset+len(d)])
		recordReLUFast(out, t, d)
	}
	return out
}

// recordReLUFast records ReLU's node: out (with elements d, of out's dtype)
// is the ReLU of x.
func recordReLUFast[T float32 | float64](out, x *Tensor, d []T) {
	if !x.requiresGrad || !gradEnabled() {
		return // nothing to record: spare the closure
	}
	yd := out.Detach()
	record(out, "ReluBackward0", []*Tensor{x}, func(g *Tensor) []*Tensor {
		if g.dtype != yd.dtype || !g.IsContiguous() {
			return []*Tensor{Mul(g, mapUnary("relu", yd, func(v float32) float32 { return b2f32(v > 0) }, func(v float64) float64 { return float64(b2f32(v > 0)) }))}
		}
		gx := emptyGrad(g.dtype, g.shape...)
		switch y := any(d).(type) {
		case []float32:
			kernel.ReLUBackward32(gx.st.f32(), g.st.f32()[g.offset:g.offset+len(y)], y)
		case []float64:
			kernel.ReLUBackward64(gx.st.f64(), g.st.f64()[g.offset:g.offset+len(y)], y)
		}
		return []*Tensor{gx}
	})
}

// recordReLU implements tensorinternal.RecordReLU (its contract is there).
func recordReLU(out *Tensor, name string, inputs []*Tensor, backward func(grad *Tensor) []*Tensor) *Tensor {
	Record(out, name, inputs, backward)
	if !out.IsContiguous() {
		return out.ReLU()
	}
	y := out.Detach()
	switch out.dtype {
	case Float32:
		d := out.st.f32()[out.offset : out.offset+out.Numel()]
		kernel.ReLUForward32(d, d)
		recordReLUFast(y, out, d)
	case Float64:
		d := out.st.f64()[out.offset : out.offset+out.Numel()]
		kernel.ReLUForward64(d, d)
		recordReLUFast(y, out, d)
	default:
		return out.ReLU()
	}
	return y
}
