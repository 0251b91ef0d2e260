// Package fp provides exactly rounded floating-point primitives that the
// PyTorch-parity code paths need and that Go's math package does not offer
// for float32.
//
// The Go specification allows the compiler to fuse x*y + z into a single
// fused multiply-add (it does so on arm64, ppc64le, s390x, riscv64 and on
// amd64 with GOAMD64=v3). Code that must reproduce an unfused computation
// therefore writes float32(x*y) + z (an explicit conversion forbids fusion),
// and code that must reproduce a fused one calls FMA32 or FMA64.
package fp

import "math"

// FMA64 returns x*y + z computed with only one rounding (float64).
// It is math.FMA, provided for symmetry with FMA32.
func FMA64(x, y, z float64) float64 { return math.FMA(x, y, z) }

// FMA32 returns x*y + z computed with only one rounding to float32
// (round to nearest, ties to even), as a float32 fused multiply-add
// instruction does. Infinities and NaNs propagate as in IEEE 754.
//
// The product of two float32 values is exact in float64, so the float64
// fused multiply-add s = fl64(x*y + z) has a single rounding; rounding s to
// float32 is then correct except when s lies exactly on a float32 midpoint
// while the exact result does not. In that case s is moved one float64 ulp
// towards the exact value (known from the exact TwoSum residual) before the
// final rounding.
func FMA32(x, y, z float32) float32 {
	s := math.FMA(float64(x), float64(y), float64(z))
	b := math.Float64bits(s)
	// Fast path: |s| is at least the smallest normal float32 (or infinite
	// or NaN) and the 29 float64 fraction bits below float32 precision are
	// not exactly 1000...0, so s is not a float32 midpoint and one
	// conversion rounds correctly (overflowing to ±Inf where it should).
	if b&(1<<29-1) != 1<<28 && b&(0x7ff<<52) >= (1023-126)<<52 {
		return float32(s)
	}
	return fma32Slow(x, y, z, s)
}

// fma32Slow handles the cases of FMA32 that need more than one conversion:
// possible float32 midpoints, float32 subnormal or overflowing magnitudes,
// zeros, infinities and NaNs.
func fma32Slow(x, y, z float32, s float64) float32 {
	if s == 0 || math.IsInf(s, 0) || math.IsNaN(s) {
		// s == 0 means x*y + z == 0 exactly (the sum of two float64
		// values rounds to zero only when it is zero), and the sign of
		// the zero follows the same rules in both precisions.
		// An infinite s comes from infinite operands: float32 operands
		// cannot overflow float64.
		return float32(s)
	}
	if !isFloat32Midpoint(s) {
		return float32(s)
	}
	// s = fl64(p + z) with p = x*y exact; TwoSum gives the exact residual.
	p := float64(x) * float64(y) // exact: 24+24 bits
	zz := float64(z)
	t := p + zz // = s; the compiler may fuse it with the exact product: same value
	bv := t - p
	r := (p - (t - bv)) + (zz - bv)
	switch {
	case r > 0:
		s = math.Nextafter(s, math.Inf(1))
	case r < 0:
		s = math.Nextafter(s, math.Inf(-1))
	}
	return float32(s)
}

// isFloat32Midpoint reports whether the finite, non-zero float64 s lies
// exactly halfway between two consecutive float32 values (including the
// halfway point between MaxFloat32 and 2^128, where float32 rounding
// overflows).
func isFloat32Midpoint(s float64) bool {
	b := math.Float64bits(s)
	e := int(b >> 52 & 0x7ff)
	if e == 0 {
		return false // float64 subnormal: far below half the smallest float32
	}
	m := b&(1<<52-1) | 1<<52 // 53-bit significand, value m * 2^(e-1075)
	// Number of low significand bits below the float32 quantum:
	// 29 in the float32 normal range; more for float32 subnormals, whose
	// quantum is fixed at 2^-149.
	shift := 29
	if e < 1023-126 {
		shift += 1023 - 126 - e
	}
	if shift > 53 {
		return false // |s| < 2^-150: below the smallest midpoint
	}
	return m&(1<<shift-1) == 1<<(shift-1)
}

// FMA32Try is the inlinable fast path of FMA32: it returns x*y + z rounded
// once to float32 and true, or an unspecified value and false when FMA32's
// slower handling may be needed: results below the smallest normal float32,
// zeros, and float64 results on a float32 midpoint (rare for arbitrary
// inputs, frequent when x*y + z has few significant bits). Hot loops use it
// as
//
//	r, ok := fp.FMA32Try(x, y, z)
//	if !ok {
//		r = fp.FMA32(x, y, z)
//	}
func FMA32Try(x, y, z float32) (float32, bool) {
	s := math.FMA(float64(x), float64(y), float64(z))
	b := math.Float64bits(s)
	return float32(s), b&(1<<29-1) != 1<<28 && b&(0x7ff<<52) >= (1023-126)<<52
}
