package rng

import (
	"math"
	"testing"

	"github.com/intercept-ml/intercept/internal/fp"
)

// Scalar transcriptions of check_rng_spec.py's log_ps and sincos_ps, used
// as references for the 8-lane versions.

func logf(x float32) float32 {
	u := math.Float32bits(x)
	e := float32(int32(u>>23)-127) + 1
	m := math.Float32frombits(u&0x807fffff | 0x3f000000)
	if m < sqrtHalf32 {
		m = (m - 1) + m
		e--
	} else {
		m--
	}
	z := float32(m * m)
	y := logP[0]
	for _, p := range logP[1:] {
		y = fp.FMA32(y, m, p)
	}
	y = float32(y * m)
	y = fp.FMA32(y, z, float32(e*logQ1))
	y = fp.FMA32(-z, 0.5, y)
	m = m + y
	return fp.FMA32(e, logQ2, m)
}

func sincosf(x float32) (s, c float32) {
	j := int32(float32(x * fourOverPi32))
	j = (j + 1) &^ 1
	y := float32(j)
	x = fp.FMA32(y, minusDP1, x)
	x = fp.FMA32(y, minusDP2, x)
	x = fp.FMA32(y, minusDP3, x)
	z := float32(x * x)
	c = fp.FMA32(cosC0, z, cosC1)
	c = fp.FMA32(c, z, cosC2)
	c = float32(c * z)
	c = fp.FMA32(c, z, -float32(z*0.5))
	c = c + 1
	s = fp.FMA32(sinS0, z, sinS1)
	s = fp.FMA32(s, z, sinS2)
	s = float32(s * z)
	s = fp.FMA32(s, x, x)
	if j&2 != 0 {
		s, c = c, s
	}
	if j&4 != 0 {
		s = -s
	}
	if (j-2)&4 == 0 {
		c = -c
	}
	return s, c
}

// TestMathf8 checks the lane-wise functions against the scalar references
// on every input path (B) can see (u = k·2^-24): logf on 1 - u, sincosf on
// f32(2π·u), with a stride to keep the test short.
func TestMathf8(t *testing.T) {
	step := 7
	if testing.Short() {
		step = 997
	}
	var xs, ths vec8
	var ks [lanes]int
	n := 0
	for k := 0; k < 1<<24; k += step {
		u := float32(k) / (1 << 24)
		xs[n], ths[n], ks[n] = 1-u, float32(twoPi32*u), k
		n++
		if n < lanes && k+step < 1<<24 {
			continue
		}
		l := logf8(&xs)
		s, c := sincosf8(&ths)
		for i := 0; i < n; i++ {
			if want := logf(xs[i]); math.Float32bits(l[i]) != math.Float32bits(want) {
				t.Fatalf("logf8(%g) = %g, want %g", xs[i], l[i], want)
			}
			ws, wc := sincosf(ths[i])
			if math.Float32bits(s[i]) != math.Float32bits(ws) || math.Float32bits(c[i]) != math.Float32bits(wc) {
				t.Fatalf("sincosf8(%g) = %g, %g, want %g, %g", ths[i], s[i], c[i], ws, wc)
			}
		}
		n = 0
	}
}

// TestMathfAccuracy is a sanity check of the Cephes approximations: within
// a few float32 ulps of the true values on the inputs path (B) uses.
func TestMathfAccuracy(t *testing.T) {
	for k := 1; k <= 1<<24; k += 997 {
		x := float32(k) / (1 << 24)
		if d := math.Abs(float64(logf(x)) - math.Log(float64(x))); d > 4e-7*math.Max(1, math.Abs(math.Log(float64(x)))) {
			t.Fatalf("logf(%g) = %g, log = %g", x, logf(x), math.Log(float64(x)))
		}
		th := float32(twoPi32 * x)
		s, c := sincosf(th)
		if math.Abs(float64(s)-math.Sin(float64(th))) > 3e-7 || math.Abs(float64(c)-math.Cos(float64(th))) > 3e-7 {
			t.Fatalf("sincosf(%g) = %g, %g", th, s, c)
		}
	}
	if logf(1) != 0 {
		t.Errorf("logf(1) = %g", logf(1))
	}
}
