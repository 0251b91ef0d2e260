package rng

import (
	"math"

	"github.com/intercept-ml/intercept/internal/fp"
)

// Float32 logarithm and sine/cosine of PyTorch's vectorised normal fill
// (path B): the Cephes-derived "avx_mathfun" approximations, with exactly
// the fused multiply-adds GCC emitted in libtorch_cpu.so (AVX2 build). Every
// product that PyTorch does not fuse is written float32(a*b) so that the Go
// compiler cannot fuse it either.

// Constants as C float literals: decimal → double → float (two roundings,
// see f32).
var (
	sqrtHalf32 = f32(0.707106781186547524)
	logQ1      = f32(-2.12194440e-4)
	logQ2      = f32(0.693359375)
	logP       = [9]float32{
		f32(7.0376836292e-2), f32(-1.1514610310e-1), f32(1.1676998740e-1),
		f32(-1.2420140846e-1), f32(1.4249322787e-1), f32(-1.6668057665e-1),
		f32(2.0000714765e-1), f32(-2.4999993993e-1), f32(3.3333331174e-1),
	}
	fourOverPi32 = f32(1.27323954473516)
	minusDP1     = f32(-0.78515625)
	minusDP2     = f32(-2.4187564849853515625e-4)
	minusDP3     = f32(-3.77489497744594108e-8)
	cosC0        = f32(2.443315711809948e-5)
	cosC1        = f32(-1.388731625493765e-3)
	cosC2        = f32(4.166664568298827e-2)
	sinS0        = f32(-1.9515295891e-4)
	sinS1        = f32(8.3321608736e-3)
	sinS2        = f32(-1.6666654611e-1)
	twoPi32      = f32(2 * math.Pi)
)

// lanes is the width of the AVX2 vectors of the float32 fill. logf8 and
// sincosf8 process 8 independent values at a time, like the AVX code, which
// lets the CPU overlap their dependency chains. Each fused multiply-add
// takes the inlined fast path fp.FMA32Try and calls fp.FMA32 only when that
// declines (possible float32 midpoints, which the short operands here make
// fairly common, though rarely inexact).
const lanes = 8

type vec8 = [lanes]float32

// fma32 is the fallback of the lane loops, which spell out the inlinable
// fp.FMA32Try themselves (fp.FMA32 is too large to inline).
func fma32(x, y, z float32) float32 { return fp.FMA32(x, y, z) }

// logf8 applies logf to each lane of x.
func logf8(x *vec8) (out vec8) {
	var e, m, z, y vec8
	for k := range lanes {
		u := math.Float32bits(x[k])
		e[k] = float32(int32(u>>23)-127) + 1
		mk := math.Float32frombits(u&0x807fffff | 0x3f000000) // mantissa in [0.5, 1)
		if mk < sqrtHalf32 {
			mk = (mk - 1) + mk
			e[k]--
		} else {
			mk--
		}
		m[k] = mk
		z[k] = float32(mk * mk)
		y[k] = logP[0]
	}
	for _, p := range logP[1:] {
		for k := range lanes {
			r, ok := fp.FMA32Try(y[k], m[k], p)
			if !ok {
				r = fma32(y[k], m[k], p)
			}
			y[k] = r
		}
	}
	for k := range lanes {
		yk := float32(y[k] * m[k])
		eq := float32(e[k] * logQ1)
		r, ok := fp.FMA32Try(yk, z[k], eq)
		if !ok {
			r = fma32(yk, z[k], eq)
		}
		mk := m[k] + (r - float32(z[k]*0.5)) // z/2 is exact
		r, ok = fp.FMA32Try(e[k], logQ2, mk)
		if !ok {
			r = fma32(e[k], logQ2, mk)
		}
		out[k] = r
	}
	return out
}

// sincosf8 applies sincosf to each lane of x.
func sincosf8(x *vec8) (s, c vec8) {
	var j [lanes]int32
	var xr, z vec8
	for k := range lanes {
		jk := int32(float32(x[k] * fourOverPi32))
		jk = (jk + 1) &^ 1
		j[k] = jk
		y := float32(jk)
		xk := x[k]
		for _, dp := range [3]float32{minusDP1, minusDP2, minusDP3} {
			r, ok := fp.FMA32Try(y, dp, xk)
			if !ok {
				r = fma32(y, dp, xk)
			}
			xk = r
		}
		xr[k] = xk
		z[k] = float32(xk * xk)
	}
	for k := range lanes {
		zk := z[k]
		ck, ok := fp.FMA32Try(cosC0, zk, cosC1)
		if !ok {
			ck = fma32(cosC0, zk, cosC1)
		}
		r, ok := fp.FMA32Try(ck, zk, cosC2)
		if !ok {
			r = fma32(ck, zk, cosC2)
		}
		ck = float32(r * zk)
		hz := -float32(zk * 0.5)
		r, ok = fp.FMA32Try(ck, zk, hz)
		if !ok {
			r = fma32(ck, zk, hz)
		}
		c[k] = r + 1
	}
	for k := range lanes {
		zk, xk := z[k], xr[k]
		sk, ok := fp.FMA32Try(sinS0, zk, sinS1)
		if !ok {
			sk = fma32(sinS0, zk, sinS1)
		}
		r, ok := fp.FMA32Try(sk, zk, sinS2)
		if !ok {
			r = fma32(sk, zk, sinS2)
		}
		sk = float32(r * zk)
		r, ok = fp.FMA32Try(sk, xk, xk)
		if !ok {
			r = fma32(sk, xk, xk)
		}
		s[k] = r
	}
	for k := range lanes {
		if j[k]&2 != 0 {
			s[k], c[k] = c[k], s[k]
		}
		if j[k]&4 != 0 {
			s[k] = -s[k]
		}
		if (j[k]-2)&4 == 0 {
			c[k] = -c[k]
		}
	}
	return s, c
}

// f32 rounds a float64 to float32 at run time. C's float constants are
// double literals converted to float; a Go constant conversion float32(c)
// would round the exact decimal once instead, which can differ.
func f32(x float64) float32 { return float32(x) }
