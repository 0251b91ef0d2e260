// Large-argument reduction for sin and cos: a port of glibc 2.36
// sysdeps/ieee754/dbl-64/branred.c and branred.h (IBM Accurate Mathematical
// Library; LGPL-2.1-or-later as part of glibc). glibc has a single, unfused
// build of __branred, so no product here is fused.

package glibm

import "math"

// 2/π in base 2^24 (branred.h toverp).
var toverp = [75]float64{
	10680707.0, 7228996.0, 1387004.0, 2578385.0, 16069853.0,
	12639074.0, 9804092.0, 4427841.0, 16666979.0, 11263675.0,
	12935607.0, 2387514.0, 4345298.0, 14681673.0, 3074569.0,
	13734428.0, 16653803.0, 1880361.0, 10960616.0, 8533493.0,
	3062596.0, 8710556.0, 7349940.0, 6258241.0, 3772886.0,
	3769171.0, 3798172.0, 8675211.0, 12450088.0, 3874808.0,
	9961438.0, 366607.0, 15675153.0, 9132554.0, 7151469.0,
	3571407.0, 2607881.0, 12013382.0, 4155038.0, 6285869.0,
	7677882.0, 13102053.0, 15825725.0, 473591.0, 9065106.0,
	15363067.0, 6271263.0, 9264392.0, 5636912.0, 4652155.0,
	7056368.0, 13614112.0, 10155062.0, 1944035.0, 9527646.0,
	15080200.0, 6658437.0, 6231200.0, 6832269.0, 16767104.0,
	5075751.0, 3212806.0, 1398474.0, 7579849.0, 6349435.0,
	12618859.0, 4703257.0, 12806093.0, 14477321.0, 2786137.0,
	12875403.0, 9837734.0, 14528324.0, 13719321.0, 343717.0,
}

// Constants of branred.h (note: mp2 differs from usncs.h's).
const (
	brT576  = 0x1p576
	brTm600 = 0x1p-600
	brTm24  = 0x1p-24
	brBig   = 0x1.8p52
	brBig1  = 0x1.8p54
	brHp0   = 0x1.921FB54442D18p0
	brHp1   = 0x1.1A62633145C07p-54
	brMp1   = 0x1.921FB58000000p0
	brMp2   = -0x1.DDE9740000000p-27
	brSplit = 134217729.0 // 2^27 + 1
)

// branredPart multiplies one 27-bit part of x by 2/π and splits the product
// into an integer multiple of 4·sum units plus b + bb (the loop body of
// __branred, done once for x1 and once for x2).
func branredPart(xp float64) (sum, b, bb float64) {
	var r [6]float64
	k := int(math.Float64bits(xp)>>52) & 2047
	k = (k - 450) / 24
	if k < 0 {
		k = 0
	}
	// gor = 2^(576 - 24k)
	gor := math.Float64frombits(math.Float64bits(brT576) - uint64(k*24)<<52)
	for i := 0; i < 6; i++ {
		r[i] = float64(float64(xp*toverp[k+i]) * gor)
		gor = float64(gor * brTm24)
	}
	for i := 0; i < 3; i++ {
		s := (r[i] + brBig) - brBig
		sum += s
		r[i] -= s
	}
	t := 0.0
	for i := 0; i < 6; i++ {
		t += r[5-i]
	}
	bb = (((((r[0] - t) + r[1]) + r[2]) + r[3]) + r[4]) + r[5]
	s := (t + brBig) - brBig
	sum += s
	t -= s
	b = t + bb
	bb = (t - b) + bb
	s = (sum + brBig1) - brBig1
	sum -= s
	return sum, b, bb
}

// branred reduces x modulo π/2 for large |x|: x = n·π/2 + (a + aa) with
// |a + aa| < π/4; it returns n mod 4.
func branred(x float64) (n int, a, aa float64) {
	x = float64(x * brTm600)
	t := float64(x * brSplit) // split x into two numbers
	x1 := t - (t - x)
	x2 := x - x1

	sum1, b1, bb1 := branredPart(x1)
	sum2, b2, bb2 := branredPart(x2)

	sum := sum1 + sum2
	b := b1 + b2
	var bb float64
	if math.Abs(b1) > math.Abs(b2) {
		bb = (b1 - b) + b2
	} else {
		bb = (b2 - b) + b1
	}
	if b > 0.5 {
		b -= 1.0
		sum += 1.0
	} else if b < -0.5 {
		b += 1.0
		sum -= 1.0
	}
	s := b + (bb + bb1 + bb2)
	t = ((b - s) + bb) + (bb1 + bb2)
	b = float64(s * brSplit)
	t1 := b - (b - s)
	t2 := s - t1
	b = float64(s * brHp0)
	bb = (((float64(t1*brMp1) - b) + float64(t1*brMp2)) + float64(t2*brMp1)) +
		((float64(t2*brMp2) + float64(s*brHp1)) + float64(t*brHp0))
	s = b + bb
	t = (b - s) + bb
	return int(sum) & 3, s, t
}
