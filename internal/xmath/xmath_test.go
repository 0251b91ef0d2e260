package xmath

import (
	"hash/fnv"
	"math"
	"testing"
)

// rnd is a xorshift64* generator: the same inputs on every machine.
type rnd uint64

func (r *rnd) next() uint64 {
	*r ^= *r >> 12
	*r ^= *r << 25
	*r ^= *r >> 27
	return uint64(*r) * 2685821657736338717
}

// in returns a uniform float64 in [lo, hi).
func (r *rnd) in(lo, hi float64) float64 {
	return lo + (hi-lo)*float64(r.next()>>11)/(1<<53)
}

// ulps returns the distance in units in the last place between a and b
// (0 for equal values and for two NaNs).
func ulps(a, b float64) uint64 {
	if a == b || (a != a && b != b) {
		return 0
	}
	ia, ib := int64(math.Float64bits(a)), int64(math.Float64bits(b))
	if ia < 0 {
		ia = math.MinInt64 - ia
	}
	if ib < 0 {
		ib = math.MinInt64 - ib
	}
	if ia > ib {
		return uint64(ia - ib)
	}
	return uint64(ib - ia)
}

type unaryCase struct {
	name    string
	f, ref  func(float64) float64
	lo, hi  float64
	maxUlps uint64 // bound on the distance to Go's math function (each is within about 1 ulp of
	// the exact value, so they can be 2 ulp apart; mpmath on the 2-ulp cases found ours within
	// 0.81 ulp for Exp, 1.24 for Tanh, 0.49 for Sin and Cos, and math.Exp up to 1.76)
	golden uint64 // FNV-1a hash of the results' bits: the same on every GOARCH
}

const nInputs = 1 << 20

var unaryCases = []unaryCase{
	{"Exp", Exp, math.Exp, -745, 709.4, 2, 0xfc15f79b860fc014},
	{"ExpSmall", Exp, math.Exp, -1, 1, 2, 0x2a27b6c77b14495f},
	{"Log", Log, math.Log, 0, 1e6, 2, 0x5c5d416c2e34f6f4},
	{"Log1p", Log1p, math.Log1p, -1, 4, 2, 0xc11ad54a23817452},
	{"Log1pSmall", Log1p, math.Log1p, -1e-6, 1e-6, 2, 0x452f87845314f07c},
	{"Tanh", Tanh, math.Tanh, -25, 25, 2, 0x4b60f723b2cfcf61},
	{"TanhSmall", Tanh, math.Tanh, -0.7, 0.7, 2, 0xd646b0ca7343cb96},
	{"Erf", Erf, math.Erf, -7, 7, 2, 0x79ca1efb8ca6a384},
	{"ErfSmall", Erf, math.Erf, -1.3, 1.3, 2, 0x79a42f8aa7262c02},
	{"Sin", Sin, math.Sin, -100, 100, 2, 0xfc0ca17177bb51a0},
	{"Cos", Cos, math.Cos, -100, 100, 2, 0x18fd48ee8c2e7dc6},
}

// TestAgainstMath compares each function with Go's math on nInputs uniform
// inputs: every difference is counted and bounded, and the hash of all
// results is pinned, so that a run on another GOARCH (CI runs arm64 under
// qemu) proves the same bits.
func TestAgainstMath(t *testing.T) {
	for _, c := range unaryCases {
		r := rnd(0x9e3779b97f4a7c15)
		h := fnv.New64a()
		var diff int
		var worst uint64
		var buf [8]byte
		for range nInputs {
			x := r.in(c.lo, c.hi)
			y := c.f(x)
			if u := ulps(y, c.ref(x)); u > 0 {
				diff++
				if u > worst {
					worst = u
				}
			}
			b := math.Float64bits(y)
			for i := range buf {
				buf[i] = byte(b >> (8 * i))
			}
			h.Write(buf[:])
		}
		t.Logf("%-10s [%g, %g): %d of %d differ from math (max %d ulp), hash %#x", c.name, c.lo, c.hi, diff, nInputs, worst, h.Sum64())
		if worst > c.maxUlps {
			t.Errorf("%s: max distance to math %d ulp, want ≤ %d", c.name, worst, c.maxUlps)
		}
		if c.golden != 0 && h.Sum64() != c.golden {
			t.Errorf("%s: hash %#x, want %#x", c.name, h.Sum64(), c.golden)
		}
	}
}

func TestSpecialValues(t *testing.T) {
	inf, nan := math.Inf(1), math.NaN()
	negZero := math.Copysign(0, -1)
	tiny := math.SmallestNonzeroFloat64
	for _, c := range []struct {
		name string
		f    func(float64) float64
		x    float64
	}{
		{"Exp", Exp, 0}, {"Exp", Exp, negZero}, {"Exp", Exp, inf}, {"Exp", Exp, -inf}, {"Exp", Exp, nan},
		{"Exp", Exp, 709.79}, {"Exp", Exp, -745.13}, {"Exp", Exp, -745.14},
		{"Exp", Exp, -708.5}, {"Exp", Exp, -740}, {"Exp", Exp, tiny}, {"Exp", Exp, 1e-300},
		{"Log1p", Log1p, 0}, {"Log1p", Log1p, negZero}, {"Log1p", Log1p, -1}, {"Log1p", Log1p, -2},
		{"Log1p", Log1p, inf}, {"Log1p", Log1p, -inf}, {"Log1p", Log1p, nan}, {"Log1p", Log1p, tiny},
		{"Log1p", Log1p, 1e300}, {"Log1p", Log1p, math.MaxFloat64}, {"Log1p", Log1p, -1 + 0x1p-53},
		{"Tanh", Tanh, 0}, {"Tanh", Tanh, negZero}, {"Tanh", Tanh, inf}, {"Tanh", Tanh, -inf},
		{"Tanh", Tanh, nan}, {"Tanh", Tanh, tiny}, {"Tanh", Tanh, 0.625}, {"Tanh", Tanh, 44.1},
		{"Erf", Erf, 0}, {"Erf", Erf, negZero}, {"Erf", Erf, inf}, {"Erf", Erf, -inf}, {"Erf", Erf, nan},
		{"Erf", Erf, tiny}, {"Erf", Erf, 1e-310}, {"Erf", Erf, 0.84375}, {"Erf", Erf, 1.25}, {"Erf", Erf, 6},
		{"Erf", Erf, -5.9},
	} {
		var want float64
		switch c.name {
		case "Exp":
			want = math.Exp(c.x)
		case "Log1p":
			want = math.Log1p(c.x)
		case "Tanh":
			want = math.Tanh(c.x)
		case "Erf":
			want = math.Erf(c.x)
		}
		got := c.f(c.x)
		if ulps(got, want) > 1 || math.Signbit(got) != math.Signbit(want) && want == want {
			t.Errorf("%s(%v) = %v, want %v", c.name, c.x, got, want)
		}
	}
}

func TestPow(t *testing.T) {
	if e := Exp(709.78); math.IsInf(e, 0) || e < 1.79e308 {
		t.Errorf("Exp(709.78) = %v, want 1.7928…e308", e) // math.Exp on amd64 gives +Inf
	}
	inf, nan := math.Inf(1), math.NaN()
	negZero := math.Copysign(0, -1)
	// (math.Pow(5e-324, 0.3) is 4.1e-93, not 1.02e-97: subnormal x are left out.)
	vals := []float64{0, negZero, 1, -1, 0.5, -0.5, 2, -2, 3, -3, 2.5, -2.5, 0.3, 1e300, 1e-300,
		inf, -inf, nan, 1 << 63, -(1 << 63), 1e20}
	for _, x := range vals {
		for _, y := range vals {
			got, want := Pow(x, y), math.Pow(x, y)
			if ulps(got, want) > 2 || (got == 0 && math.Signbit(got) != math.Signbit(want)) {
				t.Errorf("Pow(%v, %v) = %v, want %v", x, y, got, want)
			}
		}
	}
	r := rnd(12345)
	h := fnv.New64a()
	var diff int
	var worst uint64
	for range nInputs / 4 {
		x, y := r.in(0, 10), r.in(-30, 30)
		if r.next()&1 == 0 {
			y = math.Round(y)
		}
		got := Pow(x, y)
		if u := ulps(got, math.Pow(x, y)); u > 0 {
			diff++
			worst = max(worst, u)
		}
		b := math.Float64bits(got)
		h.Write([]byte{byte(b), byte(b >> 8), byte(b >> 16), byte(b >> 24), byte(b >> 32), byte(b >> 40), byte(b >> 48), byte(b >> 56)})
	}
	t.Logf("Pow: %d of %d differ from math.Pow (max %d ulp), hash %#x", diff, nInputs/4, worst, h.Sum64())
	// The same algorithm as math.Pow, whose repeated squaring adds a rounding per step.
	if worst > 8 {
		t.Errorf("Pow: max distance to math.Pow %d ulp, want ≤ 8", worst)
	}
	if want := uint64(powGolden); want != 0 && h.Sum64() != want {
		t.Errorf("Pow: hash %#x, want %#x", h.Sum64(), want)
	}
}

const powGolden = 0x35842d00add57d6b

// TestScale2MatchesLdexp checks scale2 against math.Ldexp over the values
// expReduced passes (y near 1) and every k from overflow to total
// underflow, the subnormal results included.
func TestScale2MatchesLdexp(t *testing.T) {
	r := rnd(5)
	ys := []float64{0.5, 0.7071067811865476, 1, 1.4142135623730951, math.Nextafter(2, 0), math.Nextafter(1, 0)}
	for range 200 {
		ys = append(ys, r.in(0.7, 1.42))
	}
	for _, y := range ys {
		for k := -1100; k <= 1100; k++ {
			if got, want := scale2(y, k), math.Ldexp(y, k); math.Float64bits(got) != math.Float64bits(want) {
				t.Fatalf("scale2(%v, %d) = %v, want %v", y, k, got, want)
			}
		}
	}
}

// TestExpDiff32MatchesExp checks ExpDiff32 against Exp on differences
// across the whole float32 range, the special cases (zero, tiny, ±Inf, NaN,
// beyond over- and underflow) and the edges of its fast path.
func TestExpDiff32MatchesExp(t *testing.T) {
	r := rnd(9)
	var x []float32
	for range 200000 {
		x = append(x, float32(r.in(-120, 120)), float32(r.in(-1, 1)), math.Float32frombits(uint32(r.next())))
	}
	inf := float32(math.Inf(1))
	x = append(x, 0, float32(math.Copysign(0, -1)), 1e-9, -1e-9, 1.0/(1<<28), -1.0/(1<<28), 708, -708,
		math.Nextafter32(708, 1000), math.Nextafter32(-708, -1000), 709.7, -745, -746, 800, -800,
		inf, -inf, float32(math.NaN()), math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32)
	for _, m := range []float32{0, 3.5, -2, 88, inf, float32(math.NaN())} {
		got := make([]float32, len(x))
		ExpDiff32(got, x, m)
		for i, v := range x {
			want := float32(Exp(float64(v - m)))
			if math.Float32bits(got[i]) != math.Float32bits(want) && !(got[i] != got[i] && want != want) {
				t.Fatalf("ExpDiff32(%v − %v) = %v, want %v", v, m, got[i], want)
			}
		}
	}
}
