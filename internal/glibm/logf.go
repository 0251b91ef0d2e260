// Single-precision natural logarithm: a port of glibc 2.36
// sysdeps/ieee754/flt-32/e_logf.c with e_logf_data.c (from ARM's
// optimized-routines, Szabolcs Nagy 2017; LGPL-2.1-or-later as part of
// glibc), as compiled into the x86-64 FMA build __logf_fma.

package glibm

import "math"

const (
	logfTableBits = 4
	logfN         = 1 << logfTableBits
	logfOff       = 0x3f330000
)

var (
	logfInvc, logfLogc [logfN]float64
	logfLn2            float64
	logfA              [3]float64
)

func init() {
	for i := 0; i < logfN; i++ {
		logfInvc[i] = math.Float64frombits(logfTab[2*i])
		logfLogc[i] = math.Float64frombits(logfTab[2*i+1])
	}
	logfLn2 = math.Float64frombits(logfScalars[0])
	for i := range logfA {
		logfA[i] = math.Float64frombits(logfScalars[1+i])
	}
}

// Logf returns the natural logarithm of x, bit for bit as glibc 2.36's logf
// does on an x86-64 CPU with FMA. Special cases as in glibc: Logf(1) = +0,
// Logf(±0) = −Inf, Logf(+Inf) = +Inf, Logf(x < 0) = NaN (the x86 default
// NaN, sign bit set), Logf(NaN) = that NaN, quieted.
func Logf(x float32) float32 {
	ix := math.Float32bits(x)
	if ix == 0x3f800000 {
		return 0
	}
	if ix-0x00800000 >= 0x7f800000-0x00800000 {
		// x < 0x1p-126 or inf or nan.
		if ix*2 == 0 {
			return float32(math.Inf(-1))
		}
		if ix == 0x7f800000 {
			return x
		}
		if ix&0x80000000 != 0 || ix*2 >= 0xff000000 {
			if x != x {
				return quietNaN32(x)
			}
			return math.Float32frombits(defaultNaN32)
		}
		// Subnormal: normalize.
		ix = math.Float32bits(x * 0x1p23)
		ix -= 23 << 23
	}

	// x = 2^k z; z in [OFF, 2*OFF] exact.
	tmp := ix - logfOff
	i := (tmp >> (23 - logfTableBits)) % logfN
	k := int32(tmp) >> 23
	iz := ix - (tmp & (0x1ff << 23))
	invc := logfInvc[i]
	logc := logfLogc[i]
	z := float64(math.Float32frombits(iz))

	// log(x) = log1p(z/c-1) + log(c) + k*Ln2
	r := fma(z, invc, -1)
	y0 := fma(float64(k), logfLn2, logc)

	A := &logfA
	r2 := float64(r * r)
	y := fma(A[1], r, A[2])
	y = fma(A[0], r2, y)
	y = fma(y, r2, y0+r)
	return float32(y)
}
