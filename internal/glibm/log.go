// Double-precision natural logarithm: a port of glibc 2.36
// sysdeps/ieee754/dbl-64/e_log.c (from ARM's optimized-routines, Szabolcs
// Nagy 2018; LGPL-2.1-or-later as part of glibc), as compiled into the
// x86-64 FMA build __ieee754_log_fma.

package glibm

import "math"

const (
	logTableBits = 7
	logN         = 1 << logTableBits
	logOff       = 0x3fe6000000000000
)

var (
	logLn2hi, logLn2lo float64
	logA               [5]float64  // __log_data.poly
	logB               [11]float64 // __log_data.poly1
	logInvc, logLogc   [logN]float64
)

func init() {
	logLn2hi = math.Float64frombits(logScalars[0])
	logLn2lo = math.Float64frombits(logScalars[1])
	for i := range logA {
		logA[i] = math.Float64frombits(logScalars[2+i])
	}
	for i := range logB {
		logB[i] = math.Float64frombits(logScalars[7+i])
	}
	for i := 0; i < logN; i++ {
		logInvc[i] = math.Float64frombits(logTab[2*i])
		logLogc[i] = math.Float64frombits(logTab[2*i+1])
	}
}

// Log returns the natural logarithm of x, bit for bit as glibc 2.36's log
// does on an x86-64 CPU with FMA (PyTorch's CPU normal sampler calls it on
// 1−u). Special cases as in glibc: Log(1) = +0, Log(±0) = −Inf,
// Log(+Inf) = +Inf, Log(x < 0) = NaN (the x86 default NaN, sign bit set),
// Log(NaN) = that NaN, quieted.
func Log(x float64) float64 {
	ix := math.Float64bits(x)
	top := uint32(ix >> 48)

	const (
		lo = 0x3fee000000000000 // asuint64(1.0 - 0x1p-4)
		hi = 0x3ff1090000000000 // asuint64(1.0 + 0x1.09p-4)
	)
	if ix-lo < hi-lo {
		// Close to 1.0: log1p-style polynomial.
		if ix == 0x3ff0000000000000 {
			return 0
		}
		B := &logB
		r := x - 1.0
		r2 := float64(r * r)
		r3 := float64(r * r2)
		// y = r3 * (B1 + r*B2 + r2*B3 + r3*(B4 + r*B5 + r2*B6 +
		//     r3*(B7 + r*B8 + r2*B9 + r3*B10))), as contracted by GCC.
		p1 := fma(r2, B[3], fma(r, B[2], B[1]))
		p2 := fma(r2, B[6], fma(r, B[5], B[4]))
		p3 := fma(r3, B[10], fma(r2, B[9], fma(r, B[8], B[7])))
		p := fma(fma(p3, r3, p2), r3, p1)
		// w = r*0x1p27; rhi = r + w - w (both contracted).
		rhi := fma(-0x1p27, r, fma(r, 0x1p27, r))
		rlo := r - rhi
		rhi2 := float64(rhi * rhi)
		h := fma(rhi2, B[0], r)              // hi = r + rhi*rhi*B0
		l := fma(rhi2, B[0], r-h)            // lo = r - hi + rhi*rhi*B0
		l = fma(float64(B[0]*rlo), r+rhi, l) // lo += B0*rlo*(rhi + r)
		y := fma(p, r3, l)                   // y = r3*p + lo
		return h + y
	}
	if top-0x0010 >= 0x7ff0-0x0010 {
		// x < 0x1p-1022 or inf or nan.
		if ix*2 == 0 {
			return math.Inf(-1)
		}
		if ix == 0x7ff0000000000000 {
			return x
		}
		if top&0x8000 != 0 || top&0x7ff0 == 0x7ff0 {
			if x != x {
				return quietNaN64(x)
			}
			return math.Float64frombits(defaultNaN64)
		}
		// Subnormal: normalize.
		ix = math.Float64bits(x * 0x1p52)
		ix -= 52 << 52
	}

	// x = 2^k z, z in [OFF, 2*OFF) exact; log(x) = log1p(z/c-1) + log(c) + k*Ln2.
	tmp := ix - logOff
	i := (tmp >> (52 - logTableBits)) % logN
	k := int64(tmp) >> 52
	iz := ix - (tmp & (0xfff << 52))
	invc := logInvc[i]
	logc := logLogc[i]
	z := math.Float64frombits(iz)

	r := fma(z, invc, -1.0)
	kd := float64(int32(k))

	// hi + lo = r + log(c) + k*Ln2.
	w := fma(kd, logLn2hi, logc)
	h := w + r
	l := fma(kd, logLn2lo, (w-h)+r)

	// log(x) = lo + (log1p(r) - r) + hi.
	A := &logA
	r2 := float64(r * r)
	q := fma(fma(r, A[4], A[3]), r2, fma(r, A[2], A[1]))
	y := fma(float64(r*r2), q, fma(r2, A[0], l))
	return y + h
}
