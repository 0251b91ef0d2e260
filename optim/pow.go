package optim

import (
	"math"
	"math/big"
	"sync"

	"github.com/intercept-ml/intercept/internal/xmath"
)

// powInt returns b**t for a non-negative integer t, correctly rounded to
// float64. Adam's bias corrections are Python's beta ** step, which calls
// glibc's pow: that equals the correctly rounded value except in rare cases,
// where it differs by one ulp. math.Pow, which multiplies repeatedly for
// integer exponents, would differ far more often.
func powInt(b float64, t int64) float64 {
	switch {
	case t == 0:
		return 1
	case t == 1:
		return b
	case b == 0 || b == 1 || math.IsNaN(b) || math.IsInf(b, 0):
		return xmath.Pow(b, float64(t))
	}
	key := powKey{b, t}
	powMu.Lock()
	v, ok := powCache[key]
	powMu.Unlock()
	if ok {
		return v
	}
	if v, ok = powDD(b, t); ok {
		powPut(key, v)
		return v
	}
	// 256 bits are far more than needed: each of the at most 2·63
	// roundings of the square-and-multiply loop costs 2^-256 relatively.
	const prec = 256
	x := new(big.Float).SetPrec(prec).SetFloat64(b)
	r := new(big.Float).SetPrec(prec).SetInt64(1)
	for n := t; n > 0; n >>= 1 {
		if n&1 == 1 {
			r.Mul(r, x)
		}
		if n > 1 {
			x.Mul(x, x)
		}
	}
	v, _ = r.Float64() // nearest float64, ties to even
	powPut(key, v)
	return v
}

// powPut caches v as the value of key, emptying the cache when it is full.
func powPut(key powKey, v float64) {
	powMu.Lock()
	if len(powCache) > 64 {
		clear(powCache)
	}
	powCache[key] = v
	powMu.Unlock()
}

// powDD returns b**t correctly rounded and true, computed by square-and-multiply in
// double-double arithmetic with the binary exponents kept apart (so that no intermediate
// underflows), or false when it cannot tell: when the result is not a normal float64, or when it
// lies so close to a midpoint between two float64 values that the error of the computation could
// decide the rounding (results that round to zero are answered). Each double-double product adds a relative error below 2^-104 to those of
// its factors, so the result's relative error stays below (t+64)·2^-102.
func powDD(b float64, t int64) (float64, bool) {
	if b == 0 || math.IsNaN(b) || math.IsInf(b, 0) {
		return 0, false
	}
	xh, xe := math.Frexp(b)
	xl := 0.0
	rh, rl, re := 1.0, 0.0, 0
	for n := t; n > 0; n >>= 1 {
		if n&1 == 1 {
			rh, rl = mulDD(rh, rl, xh, xl)
			rh, rl, re = normDD(rh, rl, re+xe)
		}
		if n > 1 {
			xh, xl = mulDD(xh, xl, xh, xl)
			xh, xl, xe = normDD(xh, xl, 2*xe)
			if xe < -1<<20 || xe > 1<<20 {
				return 0, false
			}
		}
	}
	if re < -1076 {
		// |b**t| < 2^-1076 (|rh| < 1, with margin for the error): half
		// the smallest subnormal, so it rounds to zero.
		return math.Copysign(0, rh), true
	}
	// rh is rh + rl rounded to nearest, and (rh + rl)·2^re approximates
	// b**t. It rounds to rh·2^re too when it lies strictly inside rh's
	// rounding interval, whose half-width is at least half the ulp below
	// |rh| (at a power of two the ulp above is twice it), and the scaling
	// is exact when the result is normal.
	a := math.Abs(rh)
	half := (a - math.Nextafter(a, 0)) / 2
	if math.Abs(rl) >= half-a*(float64(t)+64)*0x1p-102 {
		return 0, false
	}
	v := math.Ldexp(rh, re)
	if av := math.Abs(v); !(av >= 0x1p-1022 && av <= math.MaxFloat64) {
		return 0, false
	}
	return v, true
}

// normDD scales the double-double hi + lo, with |hi| in [0.25, 1], by a power of two so that |hi|
// is in [0.5, 1), adding the power to e.
func normDD(hi, lo float64, e int) (float64, float64, int) {
	switch a := math.Abs(hi); {
	case a < 0.5:
		return 2 * hi, 2 * lo, e - 1
	case a >= 1:
		return hi / 2, lo / 2, e + 1
	}
	return hi, lo, e
}

// mulDD returns the double-double product (ah + al)·(bh + bl), normalized. The conversion of p
// keeps the compiler from fusing its product into p + e, which would break the exact
// renormalization (Fast2Sum); the cross terms may be fused either way.
func mulDD(ah, al, bh, bl float64) (float64, float64) {
	p := float64(ah * bh)
	e := math.FMA(ah, bh, -p)
	e += ah*bl + al*bh
	s := p + e
	return s, e - (s - p)
}

type powKey struct {
	b float64
	t int64
}

var (
	powMu    sync.Mutex
	powCache = map[powKey]float64{}
)
