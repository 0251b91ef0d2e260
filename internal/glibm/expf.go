// Single-precision exponential: a port of glibc 2.36
// sysdeps/ieee754/flt-32/e_expf.c with e_exp2f_data.c (from ARM's
// optimized-routines, Szabolcs Nagy 2017; LGPL-2.1-or-later as part of
// glibc), as compiled into the x86-64 FMA build __expf_fma.

package glibm

import "math"

const exp2fTableBits = 5

var (
	exp2fT      [1 << exp2fTableBits]uint64
	expfInvLn2N float64    // __exp2f_data.invln2_scaled
	expfC       [3]float64 // __exp2f_data.poly_scaled
	expfShift   float64    // __exp2f_data.shift
)

func init() {
	exp2fT = exp2fTab
	expfInvLn2N = math.Float64frombits(exp2fScalars[4])
	for i := range expfC {
		expfC[i] = math.Float64frombits(exp2fScalars[5+i])
	}
	expfShift = math.Float64frombits(exp2fScalars[8])
}

// Expf returns e**x, bit for bit as glibc 2.36's expf does on an x86-64 CPU
// with FMA (glibc's erff calls it too). Special cases as in glibc:
// Expf(+Inf) = +Inf, Expf(−Inf) = 0, Expf(NaN) = that NaN, quieted;
// Expf(x) = +Inf for x > 0x1.62e42ep6 and 0 for x < −0x1.9fe368p6.
func Expf(x float32) float32 {
	ix := math.Float32bits(x)
	xd := float64(x)
	abstop := (ix >> 20) & 0x7ff
	if abstop >= 0x42a { // |x| >= 88 or x is NaN
		if ix == 0xff800000 {
			return 0
		}
		if abstop >= 0x7f8 {
			if x != x {
				return quietNaN32(x)
			}
			return x // +Inf
		}
		if x > 0x1.62e42ep6 { // overflow
			return float32(math.Inf(1))
		}
		if x < -0x1.9fe368p6 { // underflow to 0
			return 0
		}
		if x < -0x1.9d1d9ep6 { // __math_may_uflowf: 0x1.4p-75f * 0x1.4p-75f
			return 0x1p-149
		}
	}

	// x*N/Ln2 = k + r with r in [-1/2, 1/2] and int k.
	kd := fma(expfInvLn2N, xd, expfShift)
	ki := math.Float64bits(kd)
	kd -= expfShift
	r := fma(expfInvLn2N, xd, -kd)

	// exp(x) = 2^(k/N) * 2^(r/N) ~= s * (C0*r^3 + C1*r^2 + C2*r + 1)
	t := exp2fT[ki%(1<<exp2fTableBits)]
	t += ki << (52 - exp2fTableBits)
	s := math.Float64frombits(t)
	C := &expfC
	z := fma(C[0], r, C[1])
	r2 := float64(r * r)
	y := fma(C[2], r, 1)
	y = fma(z, r2, y)
	return float32(y * s)
}
