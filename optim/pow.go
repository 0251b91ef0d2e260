package optim

import (
	"math"
	"math/big"
	"sync"
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
		return math.Pow(b, float64(t))
	}
	key := powKey{b, t}
	powMu.Lock()
	v, ok := powCache[key]
	powMu.Unlock()
	if ok {
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
	powMu.Lock()
	if len(powCache) > 64 {
		clear(powCache)
	}
	powCache[key] = v
	powMu.Unlock()
	return v
}

type powKey struct {
	b float64
	t int64
}

var (
	powMu    sync.Mutex
	powCache = map[powKey]float64{}
)
