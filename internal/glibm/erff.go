// Single-precision error function: a port of glibc 2.36
// sysdeps/ieee754/flt-32/s_erff.c, itself derived from fdlibm:
//
//	Copyright (C) 1993 by Sun Microsystems, Inc. All rights reserved.
//
//	Developed at SunPro, a Sun Microsystems, Inc. business.
//	Permission to use, copy, modify, and distribute this
//	software is freely granted, provided that this notice
//	is preserved.
//
// glibc builds erff once, without FMA, so every product below is rounded to
// float32 before it is added (float32(a*b) + c keeps the Go compiler from
// fusing). Its two exponentials are glibc's expf (the FMA build, Expf).

package glibm

import "math"

// Constants of s_erff.c, as float32 bit patterns.
var (
	erfTiny  = math.Float32frombits(0x0da24260) // 1e-30
	erfErx   = math.Float32frombits(0x3f58560b) // 8.4506291151e-01
	erfEfx   = math.Float32frombits(0x3e0375d4) // 1.2837916613e-01
	erfEfx16 = math.Float32frombits(0x400375d4) // 16*efx

	// erf on [0, 0.84375]
	erfPP = [5]float32{
		math.Float32frombits(0x3e0375d4), // pp0
		math.Float32frombits(0xbea66beb), // pp1
		math.Float32frombits(0xbce9528f), // pp2
		math.Float32frombits(0xbbbd1489), // pp3
		math.Float32frombits(0xb7c756b1), // pp4
	}
	erfQQ = [6]float32{
		1,
		math.Float32frombits(0x3ecbbbce), // qq1
		math.Float32frombits(0x3d852a63), // qq2
		math.Float32frombits(0x3ba68116), // qq3
		math.Float32frombits(0x390aee49), // qq4
		math.Float32frombits(0xb684e21a), // qq5
	}
	// erf on [0.84375, 1.25]
	erfPA = [7]float32{
		math.Float32frombits(0xbb1acdc6), // pa0
		math.Float32frombits(0x3ed46805), // pa1
		math.Float32frombits(0xbebe9208), // pa2
		math.Float32frombits(0x3ea2fe54), // pa3
		math.Float32frombits(0xbde31cc2), // pa4
		math.Float32frombits(0x3d1151b3), // pa5
		math.Float32frombits(0xbb0df9c0), // pa6
	}
	erfQA = [7]float32{
		1,
		math.Float32frombits(0x3dd9f331), // qa1
		math.Float32frombits(0x3f0a5785), // qa2
		math.Float32frombits(0x3d931ae7), // qa3
		math.Float32frombits(0x3e013307), // qa4
		math.Float32frombits(0x3c5f6e13), // qa5
		math.Float32frombits(0x3c445aa3), // qa6
	}
	// erfc on [1.25, 1/0.35]
	erfRA = [8]float32{
		math.Float32frombits(0xbc21a093), // ra0
		math.Float32frombits(0xbf31a0b7), // ra1
		math.Float32frombits(0xc128f022), // ra2
		math.Float32frombits(0xc2798057), // ra3
		math.Float32frombits(0xc322658c), // ra4
		math.Float32frombits(0xc3389ae7), // ra5
		math.Float32frombits(0xc2a2932b), // ra6
		math.Float32frombits(0xc11d077e), // ra7
	}
	erfSA = [9]float32{
		1,
		math.Float32frombits(0x419d35ce), // sa1
		math.Float32frombits(0x4309a863), // sa2
		math.Float32frombits(0x43d9486f), // sa3
		math.Float32frombits(0x442158c9), // sa4
		math.Float32frombits(0x43d6810b), // sa5
		math.Float32frombits(0x42d9451f), // sa6
		math.Float32frombits(0x40d23f7c), // sa7
		math.Float32frombits(0xbd777f97), // sa8
	}
	// erfc on [1/0.35, 6]
	erfRB = [7]float32{
		math.Float32frombits(0xbc21a092), // rb0
		math.Float32frombits(0xbf4c9dd4), // rb1
		math.Float32frombits(0xc18e104b), // rb2
		math.Float32frombits(0xc320a2ea), // rb3
		math.Float32frombits(0xc41f6441), // rb4
		math.Float32frombits(0xc480230b), // rb5
		math.Float32frombits(0xc3f1c275), // rb6
	}
	erfSB = [8]float32{
		1,
		math.Float32frombits(0x41f2b459), // sb1
		math.Float32frombits(0x43a2e571), // sb2
		math.Float32frombits(0x44c01759), // sb3
		math.Float32frombits(0x4547fdbb), // sb4
		math.Float32frombits(0x451f90ce), // sb5
		math.Float32frombits(0x43ed43a7), // sb6
		math.Float32frombits(0xc1b38712), // sb7
	}
)

// horner32 evaluates c[0] + s*(c[1] + s*(c[2] + ...)) in float32 with every
// product rounded before the addition, as the unfused C code does.
func horner32(s float32, c []float32) float32 {
	n := len(c) - 1
	p := c[n]
	for i := n - 1; i >= 0; i-- {
		p = float32(s*p) + c[i]
	}
	return p
}

// Erff returns the error function of x, bit for bit as glibc 2.36's erff
// (fdlibm's float code, not correctly rounded; PyTorch's float32 erfinv
// refines its result with it). Special cases: Erff(±Inf) = ±1,
// Erff(NaN) = that NaN, quieted.
func Erff(x float32) float32 {
	hx := int32(math.Float32bits(x))
	ix := hx & 0x7fffffff
	if ix >= 0x7f800000 {
		if ix > 0x7f800000 {
			return quietNaN32(x)
		}
		if hx >= 0 {
			return 1
		}
		return -1
	}

	if ix < 0x3f580000 { // |x| < 0.84375
		if ix < 0x31800000 { // |x| < 2**-28
			if ix < 0x04000000 {
				// Avoid spurious underflow.
				return 0.0625 * (float32(16.0*x) + float32(erfEfx16*x))
			}
			return x + float32(erfEfx*x)
		}
		z := float32(x * x)
		r := horner32(z, erfPP[:])
		s := horner32(z, erfQQ[:])
		y := r / s
		return x + float32(x*y)
	}
	if ix < 0x3fa00000 { // 0.84375 <= |x| < 1.25
		s := float32(math.Abs(float64(x))) - 1
		P := horner32(s, erfPA[:])
		Q := horner32(s, erfQA[:])
		if hx >= 0 {
			return erfErx + P/Q
		}
		return -erfErx - P/Q
	}
	if ix >= 0x40c00000 { // inf > |x| >= 6
		one := float32(1)
		if hx >= 0 {
			return one - erfTiny
		}
		return erfTiny - one
	}
	ax := math.Float32frombits(uint32(ix))
	s := 1 / float32(ax*ax)
	var R, S float32
	if ix < 0x4036DB6E { // |x| < 1/0.35
		R = horner32(s, erfRA[:])
		S = horner32(s, erfSA[:])
	} else { // |x| >= 1/0.35
		R = horner32(s, erfRB[:])
		S = horner32(s, erfSB[:])
	}
	z := math.Float32frombits(uint32(ix) & 0xfffff000)
	r := Expf(float32(-z*z)-0.5625) * Expf(float32((z-ax)*(z+ax))+R/S)
	if hx >= 0 {
		return 1 - r/ax
	}
	return r/ax - 1
}
