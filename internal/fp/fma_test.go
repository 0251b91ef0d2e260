package fp

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// exactFMA32 is the reference: x*y + z evaluated exactly with big.Float and
// rounded once to float32 (ties to even).
func exactFMA32(x, y, z float32) float32 {
	fx, fy, fz := float64(x), float64(y), float64(z)
	if math.IsNaN(fx) || math.IsNaN(fy) || math.IsNaN(fz) ||
		math.IsInf(fx, 0) || math.IsInf(fy, 0) || math.IsInf(fz, 0) {
		return float32(fx*fy + fz) // IEEE special-value rules; exactness irrelevant
	}
	// float32 exponents span 2^-149 .. 2^128; products 2^-298 .. 2^256.
	// 1200 bits hold any such sum exactly.
	const prec = 1200
	p := new(big.Float).SetPrec(prec).SetFloat64(fx)
	p.Mul(p, new(big.Float).SetPrec(prec).SetFloat64(fy))
	p.Add(p, new(big.Float).SetPrec(prec).SetFloat64(fz))
	if p.Sign() == 0 {
		// Exact zero: sign as IEEE round-to-nearest gives it.
		return float32(fx*fy + fz)
	}
	f, _ := p.Float32() // nearest, ties to even, subnormals and overflow handled
	return f
}

func same32(a, b float32) bool {
	if a != a && b != b {
		return true
	}
	return math.Float32bits(a) == math.Float32bits(b)
}

func checkFMA32(t *testing.T, x, y, z float32) bool {
	t.Helper()
	got, want := FMA32(x, y, z), exactFMA32(x, y, z)
	if !same32(got, want) {
		t.Errorf("FMA32(%g [%08x], %g [%08x], %g [%08x]) = %g [%08x], want %g [%08x]",
			x, math.Float32bits(x), y, math.Float32bits(y), z, math.Float32bits(z),
			got, math.Float32bits(got), want, math.Float32bits(want))
		return false
	}
	return true
}

func TestFMA32Special(t *testing.T) {
	inf := float32(math.Inf(1))
	nan := float32(math.NaN())
	maxf := float32(math.MaxFloat32)
	minSub := math.Float32frombits(1)
	minNorm := math.Float32frombits(0x00800000)
	cases := [][3]float32{
		{0, 0, 0}, {1, -1, 1}, {-1, 1, 1},
		{2, 3, 4}, {inf, 1, 1}, {inf, 0, 1}, {inf, 1, -inf}, {1, 1, inf}, {nan, 1, 1}, {1, nan, 1}, {1, 1, nan},
		{maxf, 2, 0}, {maxf, 2, -maxf}, {maxf, 1, maxf}, {maxf, -1, -maxf}, {maxf, maxf, -inf},
		{minSub, 0.5, 0}, {minSub, 0.5, minSub}, {minSub, 1.5, 0}, {minSub, 2.5, 0}, {minSub, minSub, 0},
		{minSub, minSub, minSub}, {minSub, -minSub, minSub}, {minNorm, 0.5, 0}, {minNorm, -0.5, minNorm},
		{minNorm, 1 - 1.0/(1<<24), 0}, {minNorm, 1 - 1.0/(1<<23), 0},
		// Exactly the midpoint between MaxFloat32 and 2^128 (rounds to +Inf) and just below it.
		{maxf, 1, math.Float32frombits(0x73000000)}, // + 2^103
		{1 << 24, 1 << 24, 0},
	}
	for _, c := range cases {
		checkFMA32(t, c[0], c[1], c[2])
	}
}

// TestFMA32SignedZero checks the sign of zero results: an exact zero sum is -0 only
// when both addends are -0, and a non-zero result that underflows keeps its sign.
func TestFMA32SignedZero(t *testing.T) {
	negZero := float32(math.Copysign(0, -1)) // a -0.0 literal is +0 in Go
	minSub := math.Float32frombits(1)
	for _, c := range []struct{ x, y, z, want float32 }{
		{0, 0, 0, 0},
		{0, 0, negZero, 0},
		{negZero, 0, 0, 0},
		{negZero, 0, negZero, negZero},
		{negZero, negZero, negZero, 0},
		{1, negZero, negZero, negZero},
		{negZero, 1, negZero, negZero},
		{-1, 1, 1, 0},
		{1, -1, 1, 0},
		{-1, 1, negZero, -1},
		{-minSub, minSub, 0, negZero},
		{-minSub, minSub, negZero, negZero},
		{minSub, minSub, negZero, 0},
		{minSub, -0.5, 0, negZero},
	} {
		if got := FMA32(c.x, c.y, c.z); math.Float32bits(got) != math.Float32bits(c.want) {
			t.Errorf("FMA32(%g, %g, %g) = %g [%08x], want %g [%08x]", c.x, c.y, c.z,
				got, math.Float32bits(got), c.want, math.Float32bits(c.want))
		}
		checkFMA32(t, c.x, c.y, c.z)
	}
}

// TestFMA32DoubleRounding checks inputs for which the float64 fused result
// lies exactly on a float32 midpoint although the exact result does not: a
// naive float32(math.FMA(...)) rounds twice and is wrong in half of them.
func TestFMA32DoubleRounding(t *testing.T) {
	// z ∈ [2^(23-e), 2^(24-e)) has float32 ulp 2^-e. x = 1 + 2^-k and
	// y = ±2^(-e-1)·(1 - 2^-k) give x·y = ±2^(-e-1)·(1 - 2^-2k): half an ulp
	// minus a tail that lies below half a float64 ulp of z, so
	// fl64(x·y + z) is the float32 midpoint z ± 2^(-e-1).
	r := rand.New(rand.NewPCG(7, 8))
	naiveWrong, midpoints := 0, 0
	for i := 0; i < 100000; i++ {
		k := 15 + r.IntN(9)
		e := 24 + r.IntN(100) - 50
		sign := float64(1 - 2*r.IntN(2))
		x := float32(1 + math.Ldexp(1, -k))
		y := float32(sign * math.Ldexp(1-math.Ldexp(1, -k), -e-1))
		z := float32(math.Ldexp(float64(1<<23|r.IntN(1<<23)), -e))
		if r.IntN(2) == 0 {
			x, y = y, x
		}
		if r.IntN(4) == 0 {
			z = -z
		}
		s := math.FMA(float64(x), float64(y), float64(z))
		if isFloat32Midpoint(s) {
			midpoints++
		}
		want := exactFMA32(x, y, z)
		if float32(s) != want {
			naiveWrong++
		}
		if !checkFMA32(t, x, y, z) {
			return
		}
	}
	// Hand-made witness: 1+2^-23 + 2^-24·(1-2^-30) = 1 + 3·2^-24 - 2^-54;
	// float64 gives the midpoint 1 + 3·2^-24, ties-to-even would give
	// 1 + 2^-22; the correct result is 1 + 2^-23.
	x := float32(1 + math.Ldexp(1, -15))
	y := float32(math.Ldexp(1-math.Ldexp(1, -15), -24))
	z := float32(1 + math.Ldexp(1, -23))
	if got := FMA32(x, y, z); got != z {
		t.Errorf("FMA32 witness = %x, want %x", math.Float32bits(got), math.Float32bits(z))
	}
	if naiveWrong == 0 || midpoints == 0 {
		t.Errorf("test generator exercised no double-rounding case (midpoints %d, naive wrong %d)", midpoints, naiveWrong)
	}
	t.Logf("%d midpoints, %d inputs where float32(math.FMA) is wrong", midpoints, naiveWrong)
}

// TestFMA32Subnormal covers results in and near the float32 subnormal range,
// including float32 midpoints there.
func TestFMA32Subnormal(t *testing.T) {
	r := rand.New(rand.NewPCG(9, 10))
	naiveWrong := 0
	for i := 0; i < 100000; i++ {
		x := math.Float32frombits(r.Uint32() & 0x807fffff)   // subnormal or zero
		y := float32(math.Ldexp(1+r.Float64(), r.IntN(6)-3)) // near 1
		z := math.Float32frombits(r.Uint32()&0x80ffffff | uint32(r.IntN(2))<<23)
		if !checkFMA32(t, x, y, z) {
			return
		}
		// x·y = ±2^-150·(1 - 2^-2k): half the subnormal quantum minus a tail
		// below half a float64 ulp of z, so fl64(x·y + z) is a subnormal
		// float32 midpoint.
		k := 17 + r.IntN(7)
		a := float32(math.Ldexp(1+math.Ldexp(1, -k), -75))
		b := float32(math.Ldexp(1-math.Ldexp(1, -k), -75))
		if r.IntN(2) == 0 {
			b = -b
		}
		j := r.IntN(2*k - 30) // z ∈ [2^(-127-j), 2^(-126-j)): the tail stays below half an ulp
		zs := math.Float32frombits(uint32(1<<(22-j) + r.IntN(1<<(22-j))))
		if r.IntN(2) == 0 {
			zs = -zs
		}
		if float32(math.FMA(float64(a), float64(b), float64(zs))) != exactFMA32(a, b, zs) {
			naiveWrong++
		}
		if !checkFMA32(t, a, b, zs) {
			return
		}
	}
	if naiveWrong == 0 {
		t.Errorf("no subnormal double-rounding case was exercised")
	}
	t.Logf("%d subnormal inputs where float32(math.FMA) is wrong", naiveWrong)
}

func TestFMA32Random(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 300000; i++ {
		var x, y, z float32
		switch i % 4 {
		case 0: // arbitrary bit patterns (includes NaN, Inf, subnormals)
			x, y, z = math.Float32frombits(r.Uint32()), math.Float32frombits(r.Uint32()), math.Float32frombits(r.Uint32())
		case 1: // comparable magnitudes: heavy cancellation
			x = math.Float32frombits(0x3f000000 | r.Uint32()&0x80ffffff)
			y = math.Float32frombits(0x3f000000 | r.Uint32()&0x80ffffff)
			z = -float32(float64(x) * float64(y) * (1 + (r.Float64()-0.5)*1e-6))
		case 2: // huge exponent differences
			x = float32(math.Ldexp(r.Float64()+0.5, r.IntN(60)-30))
			y = float32(math.Ldexp(r.Float64()+0.5, r.IntN(60)-30))
			z = float32(math.Ldexp(r.Float64()+0.5, r.IntN(240)-120))
			if r.IntN(2) == 0 {
				z = -z
			}
		case 3: // subnormal results
			x = float32(math.Ldexp(r.Float64()+0.5, -70-r.IntN(20)))
			y = float32(math.Ldexp(r.Float64()+0.5, -60-r.IntN(20)))
			z = math.Float32frombits(r.Uint32() & 0x807fffff)
		}
		if !checkFMA32(t, x, y, z) {
			return
		}
	}
}

func TestFMA64(t *testing.T) {
	if got := FMA64(0.1, 10, -1); got != math.FMA(0.1, 10, -1) || got == 0 {
		t.Errorf("FMA64(0.1, 10, -1) = %g", got)
	}
}

func TestIsFloat32Midpoint(t *testing.T) {
	cases := []struct {
		s    float64
		want bool
	}{
		{1 + math.Ldexp(1, -24), true},
		{1 + math.Ldexp(1, -23), false},
		{1 + math.Ldexp(1, -25), false},
		{math.Ldexp(1, -150), true},
		{math.Ldexp(3, -150), true},
		{math.Ldexp(1, -149), false},
		{math.Ldexp(1, -151), false},
		{math.Ldexp(1, -127) + math.Ldexp(1, -150), true}, // subnormal float32 range
		{math.MaxFloat32 + math.Ldexp(1, 103), true},
		{-(1 + math.Ldexp(1, -24)), true},
		{5e-324, false},
	}
	for _, c := range cases {
		if got := isFloat32Midpoint(c.s); got != c.want {
			t.Errorf("isFloat32Midpoint(%g) = %v, want %v", c.s, got, c.want)
		}
	}
}

func BenchmarkFMA32(b *testing.B) {
	x, y, z := float32(0.3), float32(1.7), float32(-0.25)
	var acc float32
	for i := 0; i < b.N; i++ {
		acc += FMA32(x, y, z)
		x += 1e-7
	}
	sink = acc
}

var sink float32

// TestFMA32Try checks that the fast path never accepts a wrong result and
// declines float32 midpoints and subnormal results.
func TestFMA32Try(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	declined := 0
	for i := 0; i < 300000; i++ {
		x, y, z := math.Float32frombits(r.Uint32()), math.Float32frombits(r.Uint32()), math.Float32frombits(r.Uint32())
		if i%2 == 1 { // double-rounding candidates as in TestFMA32DoubleRounding
			k, e := 15+r.IntN(9), r.IntN(60)-30
			x = float32(1 + math.Ldexp(1, -k))
			y = float32(math.Ldexp(1-math.Ldexp(1, -k), -e-1))
			z = float32(math.Ldexp(float64(1<<23|r.IntN(1<<23)), -e))
		}
		v, ok := FMA32Try(x, y, z)
		if !ok {
			declined++
			continue
		}
		if want := exactFMA32(x, y, z); !same32(v, want) {
			t.Fatalf("FMA32Try(%g, %g, %g) = %g, ok, want %g", x, y, z, v, want)
		}
	}
	if _, ok := FMA32Try(float32(1+math.Ldexp(1, -15)), float32(math.Ldexp(1-math.Ldexp(1, -15), -24)), float32(1+math.Ldexp(1, -23))); ok {
		t.Error("FMA32Try accepted a double-rounding case")
	}
	if _, ok := FMA32Try(math.Float32frombits(1), 1, 0); ok {
		t.Error("FMA32Try accepted a subnormal result")
	}
	t.Logf("declined %d", declined)
}
