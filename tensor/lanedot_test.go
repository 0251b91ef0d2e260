package tensor

import (
	"math"
	"testing"
)

// TestLaneDotShortRowUnfused checks that a row shorter than a vector sums
// rounded products, as ATen's map2_reduce_all does for it (a vector
// multiply, then the lanes added in order): the inputs are chosen so that a
// fused multiply-add, which Go compilers may form for a*b + s on arm64 and
// under GOAMD64=v3, would keep the product's last bit.
func TestLaneDotShortRowUnfused(t *testing.T) {
	e32 := float32(1 + math.Ldexp(1, -12)) // e32² = 1 + 2⁻¹¹ + 2⁻²⁴, rounded: 1 + 2⁻¹¹
	if got, want := laneDot([]float32{-1, e32}, []float32{1, e32}), float32(math.Ldexp(1, -11)); got != want {
		t.Errorf("float32: laneDot = %g (bits %#x), want %g (the product rounded before the sum)", got, math.Float32bits(got), want)
	}
	e64 := 1 + math.Ldexp(1, -27) // e64² = 1 + 2⁻²⁶ + 2⁻⁵⁴, rounded: 1 + 2⁻²⁶
	if got, want := laneDot([]float64{-1, e64}, []float64{1, e64}), math.Ldexp(1, -26); got != want {
		t.Errorf("float64: laneDot = %g (bits %#x), want %g (the product rounded before the sum)", got, math.Float64bits(got), want)
	}
}
