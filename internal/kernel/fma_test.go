package kernel

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/intercept-ml/intercept/internal/fp"
)

// fmaCases returns float32 triples (a, b, s) for a*b + s: random ones, ones whose sum in float64
// lies exactly on a float32 rounding midpoint while the exact sum does not (where rounding the
// float64 sum to float32 is wrong), and ones below the smallest normal float32. The second
// result counts the midpoint cases.
func fmaCases(r *rand.Rand) (cases [][3]float32, midpoints int) {
	for range 20000 {
		cases = append(cases, [3]float32{float32(r.NormFloat64()), float32(r.NormFloat64()), float32(r.NormFloat64())})
	}
	// a*b = 2(1+δ) with 0 < |δ| < 2^-29, and s in [2^25, 2^26), whose float32 spacing is 4:
	// the float64 sum is s + 2, a float32 midpoint, and the exact sum is off it by 2δ.
	for midpoints < 400 {
		a := float32(1 + r.Float64())
		b := float32(2 / float64(a))
		d := float64(a)*float64(b)/2 - 1
		if d == 0 || math.Abs(d) >= 0x1p-29 {
			continue
		}
		s := float32(0x1p25 + 4*float64(r.IntN(1<<23)))
		if r.IntN(2) == 0 {
			a, s = -a, -s
		}
		cases = append(cases, [3]float32{a, b, s})
		midpoints++
	}
	// Sums below the smallest normal float32 and products below it.
	for range 2000 {
		a := float32(math.Ldexp(1+r.Float64(), -60-r.IntN(20)))
		b := float32(math.Ldexp(1+r.Float64(), -60-r.IntN(20)))
		s := float32(math.Ldexp(r.Float64()-0.5, -120-r.IntN(30)))
		cases = append(cases, [3]float32{a, b, s})
	}
	return cases, midpoints
}

// TestFMA32 checks fmaTry for float32: where it reports success its result is the fused
// multiply-add's (fp.FMA32, exact), on every build; with the compiler's contraction (arm64,
// GOAMD64=v3) it always succeeds, which shows that the compiler fused; without it, it declines
// every midpoint case.
func TestFMA32(t *testing.T) {
	r := rand.New(rand.NewPCG(61, 62))
	cases, midpoints := fmaCases(r)
	declined := 0
	for _, c := range cases {
		want := fp.FMA32(c[0], c[1], c[2])
		got, ok := fmaTry(c[0], c[1], c[2])
		if !ok {
			declined++
			continue
		}
		if math.Float32bits(got) != math.Float32bits(want) {
			t.Fatalf("fmaTry(%g, %g, %g) = %g, want %g (fused)", c[0], c[1], c[2], got, want)
		}
	}
	if fma32Native && declined > 0 {
		t.Errorf("the contracted fma32Try declined %d cases", declined)
	}
	if !fma32Native && declined < midpoints {
		t.Errorf("fmaTry declined %d cases, fewer than the %d midpoints", declined, midpoints)
	}
	t.Logf("%d cases, %d midpoints, %d declined (native %v)", len(cases), midpoints, declined, fma32Native)
}

// TestMicro32Fused checks the portable float32 micro-kernel against the same sums formed with
// fp.FMA32, on panels filled from fmaCases (midpoints and tiny values included), at depths with
// and without a tail.
func TestMicro32Fused(t *testing.T) {
	r := rand.New(rand.NewPCG(63, 64))
	cases, _ := fmaCases(r)
	for trial := range 3000 {
		kc := 1 + r.IntN(20)
		a := make([]float32, 4*kc)
		b := make([]float32, 2*kc)
		for i := range a {
			a[i] = float32(r.NormFloat64())
		}
		for i := range b {
			b[i] = float32(r.NormFloat64())
		}
		// Make one step of one element a special case: with the earlier
		// steps zero, its sum is c[2] + a*b.
		c := cases[r.IntN(len(cases))]
		p, i, j := r.IntN(kc), r.IntN(4), r.IntN(2)
		for q := range p {
			a[q*4+i] = 0
		}
		if p > 0 {
			a[(p-1)*4+i], b[(p-1)*2+j] = 1, c[2]
		}
		a[p*4+i], b[p*2+j] = c[0], c[1]
		if trial%3 == 0 {
			// tiny operands everywhere
			for q := range a {
				a[q] *= 0x1p-70
			}
		}
		want := make([]float32, 8)
		microExact32(kc, 4, 2, a, b, want)
		got := make([]float32, 8)
		micro32.fn(kc, a, b, 1, 0, got, 2)
		for q := range got {
			if math.Float32bits(got[q]) != math.Float32bits(want[q]) {
				t.Fatalf("kc=%d: element %d = %g, want %g (fused)", kc, q, got[q], want[q])
			}
		}
	}
}
