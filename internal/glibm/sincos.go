// Double-precision sine and cosine: a port of glibc 2.36
// sysdeps/ieee754/dbl-64/s_sin.c with usncs.h and sincostab.c (IBM Accurate
// Mathematical Library; LGPL-2.1-or-later as part of glibc), as compiled into
// the x86-64 FMA builds __sin_fma and __cos_fma. Every fma call below is a
// contraction present in that machine code; every other product is rounded
// before it is added.

package glibm

import "math"

// Constants of usncs.h and s_sin.c.
const (
	sn3 = -0x1.5555555555515p-3
	sn5 = 0x1.11110e829872fp-7
	cs2 = 0x1p-1
	cs4 = -0x1.5555555555535p-5
	cs6 = 0x1.6c16bedd9e239p-10

	s1 = -0x1.5555555555555p-3
	s2 = 0x1.1111111110ECEp-7
	s3 = -0x1.A01A019DB08B8p-13
	s4 = 0x1.71DE27B9A7ED9p-19
	s5 = -0x1.ADDFFC2FCDF59p-26

	bigSC = 0x1.8p45
	hp0   = 0x1.921FB54442D18p0
	hp1   = 0x1.1A62633145C07p-54
	mp1   = 0x1.921FB58000000p0
	mp2   = -0x1.DDE973C000000p-27
	pp3   = -0x1.CB3B398000000p-55
	pp4   = -0x1.d747f23e32ed7p-83
	hpinv = 0x1.45F306DC9C883p-1
	toint = 0x1.8p52
)

var sincosTabF [440]float64

func init() {
	for i, b := range sincosTab {
		sincosTabF[i] = math.Float64frombits(b)
	}
}

// taylorSin is TAYLOR_SIN(xx, a, da): sin(a + da) for small a.
func taylorSin(xx, a, da float64) float64 {
	p := fma(fma(fma(fma(s5, xx, s4), xx, s3), xx, s2), xx, s1)
	t := fma(fma(p, a, -float64(0.5*da)), xx, da)
	return a + t
}

// doCos returns cos(x + dx) for |x| < 0.855469 (s_sin.c do_cos).
func doCos(x, dx float64) float64 {
	if x < 0 {
		dx = -dx
	}
	ax := math.Abs(x)
	u := bigSC + ax
	x = (ax - (u - bigSC)) + dx
	k := uint32(math.Float64bits(u)) << 2
	t := sincosTabF[k : k+4 : k+4]
	sn, ssn, cs, ccs := t[0], t[1], t[2], t[3]

	xx := float64(x * x)
	s := fma(float64(x*xx), fma(xx, sn5, sn3), x)
	c := float64(xx * fma(xx, fma(xx, cs6, cs4), cs2))
	cor := fma(-s, sn, fma(-c, cs, fma(-s, ssn, ccs)))
	return cs + cor
}

// doSin returns sin(x + dx) (s_sin.c do_sin).
func doSin(x, dx float64) float64 {
	xold := x
	if math.Abs(x) < 0.126 {
		return taylorSin(float64(x*x), x, dx)
	}
	if x <= 0 {
		dx = -dx
	}
	ax := math.Abs(x)
	u := bigSC + ax
	x = ax - (u - bigSC)
	k := uint32(math.Float64bits(u)) << 2
	t := sincosTabF[k : k+4 : k+4]
	sn, ssn, cs, ccs := t[0], t[1], t[2], t[3]

	xx := float64(x * x)
	s := x + fma(float64(x*xx), fma(xx, sn5, sn3), dx)
	c := fma(x, dx, float64(xx*fma(xx, fma(xx, cs6, cs4), cs2)))
	cor := fma(s, cs, fma(-c, sn, fma(s, ccs, ssn)))
	return math.Copysign(sn+cor, xold)
}

// reduceSincos reduces |x| < 105414350 modulo π/2 (s_sin.c reduce_sincos):
// x = n·π/2 + (a + da).
func reduceSincos(x float64) (n int, a, da float64) {
	t := fma(x, hpinv, toint)
	xn := t - toint
	n = int(math.Float64bits(t) & 3)
	y := fma(-xn, mp2, fma(-xn, mp1, x))
	t2 := fma(-xn, pp3, y)
	db := fma(-xn, pp3, y-t2)
	b := fma(-xn, pp4, t2)
	db += fma(-xn, pp4, t2-b)
	return n, b, db
}

// doSincos returns sin(a + da + n·π/2) (s_sin.c do_sincos).
func doSincos(a, da float64, n int) float64 {
	var r float64
	if n&1 != 0 {
		r = doCos(a, da)
	} else {
		r = doSin(a, da)
	}
	if n&2 != 0 {
		return -r
	}
	return r
}

// sinCosSpecial is x/x for an infinite or NaN x.
func sinCosSpecial(x float64) float64 {
	if x != x {
		return quietNaN64(x)
	}
	return math.Float64frombits(defaultNaN64)
}

// Sin returns the sine of x (radians), bit for bit as glibc 2.36's sin does
// on an x86-64 CPU with FMA, including the large-argument reduction.
// Sin(±0) = ±0, Sin(±Inf) = NaN (the x86 default NaN, sign bit set),
// Sin(NaN) = that NaN, quieted.
func Sin(x float64) float64 {
	k := uint32(math.Float64bits(x)>>32) & 0x7fffffff
	switch {
	case k < 0x3e500000: // |x| < 2^-26: sin(x) = x
		return x
	case k < 0x3feb6000: // |x| < 0.855469
		return doSin(x, 0)
	case k < 0x400368fd: // |x| < 2.426265
		t := hp0 - math.Abs(x)
		return math.Copysign(doCos(t, hp1), x)
	case k < 0x419921FB: // |x| < 105414350
		n, a, da := reduceSincos(x)
		return doSincos(a, da, n)
	case k < 0x7ff00000:
		n, a, da := branred(x)
		return doSincos(a, da, n)
	default:
		return sinCosSpecial(x)
	}
}

// Cos returns the cosine of x (radians), bit for bit as glibc 2.36's cos
// does on an x86-64 CPU with FMA, including the large-argument reduction.
// Cos(±Inf) = NaN (the x86 default NaN, sign bit set), Cos(NaN) = that NaN,
// quieted.
func Cos(x float64) float64 {
	k := uint32(math.Float64bits(x)>>32) & 0x7fffffff
	switch {
	case k < 0x3e400000: // |x| < 2^-27
		return 1.0
	case k < 0x3feb6000: // |x| < 0.855469
		return doCos(x, 0)
	case k < 0x400368fd: // |x| < 2.426265
		y := hp0 - math.Abs(x)
		a := y + hp1
		da := (y - a) + hp1
		return doSin(a, da)
	case k < 0x419921FB: // |x| < 105414350
		n, a, da := reduceSincos(x)
		return doSincos(a, da, n+1)
	case k < 0x7ff00000:
		n, a, da := branred(x)
		return doSincos(a, da, n+1)
	default:
		return sinCosSpecial(x)
	}
}
