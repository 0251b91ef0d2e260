package functional

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestSumChannels checks the convolution bias gradient, summed three
// channels at a time, against the sum spelled out one channel and one
// element at a time in its fixed order, bit for bit: for channel counts
// that leave groups of one, two and three, rows with and without a tail
// of fewer than four elements, and float32 and float64.
func TestSumChannels(t *testing.T) {
	r := rand.New(rand.NewPCG(61, 62))
	for _, cout := range []int{1, 2, 3, 4, 5, 6, 7, 16} {
		for _, L := range []int{1, 3, 4, 7, 25, 784} {
			n := 1 + r.IntN(5)
			gy32 := make([]float32, n*cout*L)
			gy64 := make([]float64, n*cout*L)
			for i := range gy32 {
				v := r.NormFloat64() * math.Pow(10, float64(r.IntN(9)-4))
				gy32[i], gy64[i] = float32(v), v
			}
			check32(t, gy32, n, cout, L)
			check64(t, gy64, n, cout, L)
		}
	}
}

func check32(t *testing.T, gy []float32, n, cout, L int) {
	t.Helper()
	got := make([]float32, cout)
	sumChannels(gy, got, n, cout, L)
	for c := range cout {
		if want := float32(channelSumRef(func(i int) float64 { return float64(gy[i]) }, n, cout, L, c)); math.Float32bits(got[c]) != math.Float32bits(want) {
			t.Fatalf("float32 n=%d cout=%d L=%d: channel %d sums to %v, want %v", n, cout, L, c, got[c], want)
		}
	}
}

func check64(t *testing.T, gy []float64, n, cout, L int) {
	t.Helper()
	got := make([]float64, cout)
	sumChannels(gy, got, n, cout, L)
	for c := range cout {
		if want := channelSumRef(func(i int) float64 { return gy[i] }, n, cout, L, c); math.Float64bits(got[c]) != math.Float64bits(want) {
			t.Fatalf("float64 n=%d cout=%d L=%d: channel %d sums to %v, want %v", n, cout, L, c, got[c], want)
		}
	}
}

// channelSumRef is the sum of channel c: element j of each row, row after
// row, into partial sum j%4, then (s0+s1)+(s2+s3).
func channelSumRef(at func(int) float64, n, cout, L, c int) float64 {
	var s [4]float64
	for i := range n {
		for j := range L {
			s[j%4] += at((i*cout+c)*L + j)
		}
	}
	return (s[0] + s[1]) + (s[2] + s[3])
}
