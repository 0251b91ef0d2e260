package xmath

import (
	"math"

	"github.com/intercept-ml/intercept/internal/glibm"
)

// Log returns the natural logarithm of x (glibc's algorithm, internal/glibm).
func Log(x float64) float64 { return glibm.Log(x) }

// Sin returns the sine of x (glibc's algorithm, internal/glibm).
func Sin(x float64) float64 { return glibm.Sin(x) }

// Cos returns the cosine of x (glibc's algorithm, internal/glibm).
func Cos(x float64) float64 { return glibm.Cos(x) }

// horner evaluates c[0] + z·(c[1] + z·(c[2] + …)) with every product rounded
// before its addition.
func horner(z float64, c ...float64) float64 {
	p := c[len(c)-1]
	for i := len(c) - 2; i >= 0; i-- {
		p = float64(p*z) + c[i]
	}
	return p
}

const (
	ln2Hi  = 6.93147180369123816490e-01 // the high 32 bits of ln 2: k·ln2Hi is exact
	ln2Lo  = 1.90821492927058770002e-10 // ln 2 − ln2Hi
	log2e  = 1.44269504088896338700e+00
	expMax = 7.09782712893383973096e+02  // above: +Inf
	expMin = -7.45133219101941108420e+02 // below: +0
)

// expPoly holds the coefficients P1…P5 of fdlibm's exp: r·(e^r+1)/(e^r−1) ≈ 2 + P1·r² + … + P5·r¹⁰.
var expPoly = [...]float64{
	1.66666666666666019037e-01,
	-2.77777777770155933842e-03,
	6.61375632143793436117e-05,
	-1.65339022054652515390e-06,
	4.13813679705723846039e-08,
}

// Exp returns e**x. Exp(+Inf) = +Inf, Exp(-Inf) = 0, Exp(NaN) = NaN; it
// overflows to +Inf above 709.78 and underflows to 0 below −745.13.
func Exp(x float64) float64 {
	switch {
	case x != x || x > expMax:
		return x + math.Inf(1) // NaN stays NaN, large x gives +Inf
	case x < expMin:
		return 0
	case math.Abs(x) < 1.0/(1<<28):
		return 1 + x
	}
	// x = k·ln 2 + r with |r| ≤ ln2/2, r = hi − lo carried in two parts.
	var k int
	if x < 0 {
		k = int(float64(log2e*x) - 0.5)
	} else {
		k = int(float64(log2e*x) + 0.5)
	}
	fk := float64(k)
	hi := x - float64(fk*ln2Hi)
	lo := float64(fk * ln2Lo)
	return expReduced(hi, lo, k)
}

// expReduced returns e**(hi−lo) · 2**k.
func expReduced(hi, lo float64, k int) float64 {
	r := hi - lo
	t := float64(r * r)
	c := r - float64(t*horner(t, expPoly[:]...))
	y := 1 - ((lo - float64(r*c)/(2-c)) - hi)
	return scale2(y, k)
}

// scale2 returns y·2**k as math.Ldexp(y, k) does, for y > 0 normal. When
// 2**k is a normal float64 the product y·2**k is rounded once, as Ldexp
// rounds it (exact unless it is subnormal); other k go to Ldexp itself.
func scale2(y float64, k int) float64 {
	if k >= -1022 && k <= 1023 {
		return y * math.Float64frombits(uint64(k+1023)<<52)
	}
	return math.Ldexp(y, k)
}

// Log1p returns log(1 + x), accurate also for x near zero.
func Log1p(x float64) float64 {
	switch {
	case x != x:
		return x
	case x < -1:
		return math.NaN()
	case x == -1:
		return math.Inf(-1)
	case math.IsInf(x, 1):
		return x
	case math.Abs(x) < 1.0/(1<<54):
		return x // also keeps the sign of −0
	}
	u := 1 + x
	// c is the exact rounding error of u (Fast2Sum): 1 + x = u + c.
	var c float64
	if math.Abs(x) <= 1 {
		c = (1 - u) + x
	} else {
		c = (x - u) + 1
	}
	// log(1+x) = log(u) + log(1 + c/u), and |c/u| ≤ 2⁻⁵³, so log(1 + c/u) = c/u to far
	// below an ulp of the result.
	return Log(u) + c/u
}

// tanhP and tanhQ are Cephes' coefficients of tanh(x) ≈ x + x³·P(x²)/Q(x²) on |x| < 0.625
// (Q monic).
var (
	tanhP = [...]float64{-1.61468768441708447952e+03, -9.92877231001918586564e+01, -9.64399179425052238628e-01}
	tanhQ = [...]float64{4.84406305325125486048e+03, 2.23548839060100448583e+03, 1.12811678491632931402e+02, 1}
)

// Tanh returns the hyperbolic tangent of x. Tanh(±0) = ±0, Tanh(±Inf) = ±1,
// Tanh(NaN) = NaN.
func Tanh(x float64) float64 {
	z := math.Abs(x)
	switch {
	case x != x:
		return x
	case z > 44.014845965556527: // ½·log(2¹²⁷): tanh rounds to ±1
		return math.Copysign(1, x)
	case z >= 0.625:
		s := Exp(2 * z)
		return math.Copysign(1-2/(s+1), x)
	case x == 0:
		return x
	}
	s := float64(x * x)
	return x + float64(float64(x*s)*horner(s, tanhP[:]...))/horner(s, tanhQ[:]...)
}

// ExpDiff32 sets dst[i] = float32(Exp(float64(x[i] − m))), the difference
// taken in float32: the exponentials of a float32 softmax. It is Exp's
// arithmetic, inlined into one loop (for the values that need no special
// case, where 2**k is always a normal float64); dst must be at least as
// long as x.
func ExpDiff32(dst, x []float32, m float32) {
	dst = dst[:len(x)]
	for i, v := range x {
		d := float64(v - m)
		if !(math.Abs(d) >= 1.0/(1<<28) && math.Abs(d) <= 708) {
			dst[i] = float32(Exp(d))
			continue
		}
		var k int
		if d < 0 {
			k = int(float64(log2e*d) - 0.5)
		} else {
			k = int(float64(log2e*d) + 0.5)
		}
		fk := float64(k)
		hi := d - float64(fk*ln2Hi)
		lo := float64(fk * ln2Lo)
		r := hi - lo
		t := float64(r * r)
		p := expPoly[4]
		p = float64(p*t) + expPoly[3]
		p = float64(p*t) + expPoly[2]
		p = float64(p*t) + expPoly[1]
		p = float64(p*t) + expPoly[0]
		c := r - float64(t*p)
		y := 1 - ((lo - float64(r*c)/(2-c)) - hi)
		dst[i] = float32(y * math.Float64frombits(uint64(k+1023)<<52))
	}
}
