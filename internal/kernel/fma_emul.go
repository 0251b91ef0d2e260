//go:build !arm64 && !amd64.v3

package kernel

import "math"

// fma32Try returns a*b + s rounded once to float32 and true, or false where fp.FMA32 must decide.
// The product of two float32 values is exact in float64, so t = a*b + s rounded once to float64
// (fused or not) is one rounding away from the exact value, and float32(t) is the fused result
// unless t lies exactly on a float32 rounding midpoint or is non-zero and below the smallest normal
// float32.
func fma32Try(a, b, s float32) (float32, bool) {
	t := float64(a)*float64(b) + float64(s)
	u := math.Float64bits(t) << 1
	return float32(t), u<<34 != 1<<63 && u-1 >= emulTiny
}

// fma32Native reports whether fma32Try relies on the compiler's contraction.
const fma32Native = false
