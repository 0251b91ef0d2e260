package kernel

// Tanh32 replaces every element x of d by tanh(x), in float32, by the
// rational approximation of Eigen's generic_fast_tanh_float: x is clamped
// to ±7.90531110763549805 (where tanh rounds to ±1 in float32), then
// tanh(x) ≈ x·p(x²)/q(x²) with p of degree 6 and q of degree 3, evaluated
// in Estrin's scheme with every product rounded before it is added (no
// fused multiply-add); |x| < 0.0004 gives x. The absolute error is below
// 4e-7 (large |x| give ±0.99999964); NaN stays NaN. Every implementation (the AVX2 loop and the portable one) gives the
// same bits.
func Tanh32(d []float32) { impl.tanh32(d, false) }

// Sigmoid32 replaces every element x of d by the logistic sigmoid
// 0.5 + 0.5·tanh(x/2), with Tanh32's tanh (absolute error below 2e-7), the
// same bits in every implementation.
func Sigmoid32(d []float32) { impl.tanh32(d, true) }

// tanhConsts are the constants of Tanh32, in the order the assembly loop
// reads them (each broadcast to 8 lanes there).
var tanhConsts = [...]float32{
	-7.90531110763549805, 7.90531110763549805, // clamp
	4.89352455891786e-03, 6.37261928875436e-04, 1.48572235717979e-05, 5.12229709037114e-08, // a1 a3 a5 a7
	-8.60467152213735e-11, 2.00018790482477e-13, -2.76076847742355e-16, // a9 a11 a13
	4.89352518554385e-03, 2.26843463243900e-03, 1.18534705686654e-04, 1.19825839466702e-06, // b0 b2 b4 b6
	0.0004, 0.5, // small, half
}

// tanh32Go is the portable Tanh32 (sigmoid: Sigmoid32).
func tanh32Go(d []float32, sigmoid bool) {
	for i, x := range d {
		if sigmoid {
			x *= 0.5
		}
		y := tanh32One(x)
		if sigmoid {
			y = 0.5 + float32(0.5*y)
		}
		d[i] = y
	}
}

// tanh32One is Tanh32 of one value; the float32 conversions round every
// product, so that no compiler fuses it with the following addition.
func tanh32One(x float32) float32 {
	c := &tanhConsts
	x = min(max(x, c[0]), c[1])
	x2 := float32(x * x)
	x4 := float32(x2 * x2)
	x8 := float32(x4 * x4)
	p01 := c[2] + float32(c[3]*x2)
	p23 := c[4] + float32(c[5]*x2)
	p45 := c[6] + float32(c[7]*x2)
	hi := float32((p45 + float32(c[8]*x4)) * x8)
	p := (p01 + float32(p23*x4)) + hi
	q01 := c[9] + float32(c[10]*x2)
	q23 := c[11] + float32(c[12]*x2)
	q := q01 + float32(q23*x4)
	y := float32(x*p) / q
	if x > -c[13] && x < c[13] {
		y = x
	}
	return y
}
