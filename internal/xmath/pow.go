package xmath

import "math"

// Pow returns x**y, with the special cases of Go's math.Pow (and C99's pow):
// Pow(x, ±0) = 1 and Pow(1, y) = 1 for any y, NaN in gives NaN out, a negative
// finite x with a non-integer finite y gives NaN, and the zero, infinite and
// huge cases follow IEEE 754's pow.
func Pow(x, y float64) float64 {
	switch {
	case y == 0 || x == 1:
		return 1
	case y == 1:
		return x
	case x != x || y != y:
		return math.NaN()
	case x == 0:
		odd := oddInt(y)
		if y < 0 {
			if odd && math.Signbit(x) {
				return math.Inf(-1)
			}
			return math.Inf(1)
		}
		if odd && math.Signbit(x) {
			return x
		}
		return 0
	case math.IsInf(y, 0):
		switch {
		case x == -1:
			return 1
		case (math.Abs(x) < 1) == (y > 0):
			return 0
		}
		return math.Inf(1)
	case math.IsInf(x, 0):
		if x < 0 {
			return Pow(1/x, -y) // (−∞)**y = (−0)**(−y)
		}
		if y < 0 {
			return 0
		}
		return math.Inf(1)
	case y == 0.5:
		return math.Sqrt(x)
	case y == -0.5:
		return 1 / math.Sqrt(x)
	}
	n, f := math.Modf(math.Abs(y))
	if f != 0 && x < 0 {
		return math.NaN()
	}
	if n >= 1<<63 {
		// |y| is a huge even integer: the result overflows or underflows
		// unless |x| is 1.
		switch {
		case x == -1:
			return 1
		case (math.Abs(x) < 1) == (y > 0):
			return 0
		}
		return math.Inf(1)
	}
	// |y| = n + f with |f| ≤ ½: x**f by exp and log, x**n by repeated squaring
	// of x's mantissa m ∈ [½, 1) with the exponent e kept apart as an integer.
	acc, exp := 1.0, 0
	if f != 0 {
		if f > 0.5 {
			f--
			n++
		}
		acc = Exp(float64(f * Log(x)))
	}
	m, e := math.Frexp(x)
	for i := int64(n); i != 0; i >>= 1 {
		if e < -1<<12 || e > 1<<12 {
			// m**i·2**(e·i) is certain to overflow or underflow; Ldexp
			// below gives ±Inf or 0.
			exp += e
			break
		}
		if i&1 == 1 {
			acc *= m
			exp += e
		}
		m = float64(m * m) // rounded: never fused with the doubling below
		e <<= 1
		if m < 0.5 {
			m += m
			e--
		}
	}
	if y < 0 {
		acc = 1 / acc
		exp = -exp
	}
	return math.Ldexp(acc, exp)
}

// oddInt reports whether x is an odd integer.
func oddInt(x float64) bool {
	if math.Abs(x) >= 1<<53 {
		return false // every float64 this large is even
	}
	n, f := math.Modf(x)
	return f == 0 && int64(n)&1 == 1
}
