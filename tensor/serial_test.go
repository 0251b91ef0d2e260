package tensor

import (
	"math"
	"testing"
)

// TestGradAccumulationAroundSerialSizes backpropagates twice into float32
// leaves whose lengths fall around the sizes where gradient accumulation
// and zeroing change strategy (shorter than serialChunk, several chunks
// with a remainder, beyond serialPassMax): the Grad must be the element by
// element float32 sum of the two gradients, and Zero must clear every
// element.
func TestGradAccumulationAroundSerialSizes(t *testing.T) {
	for _, n := range []int{serialChunk - 1, 2*serialChunk + 7, serialPassMax + 5} {
		c1, c2 := make([]float32, n), make([]float32, n)
		for i := range c1 {
			c1[i] = float32(i%97)/7 - 3
			c2[i] = float32(i%89)/3 + 0.1
		}
		w := NewParameter(Zeros(n))
		for _, c := range [][]float32{c1, c2} {
			w.Mul(FromFloat32(c)).Sum().Backward()
		}
		got := w.Grad.Float32s()
		for i := range got {
			if want := c1[i] + c2[i]; math.Float32bits(got[i]) != math.Float32bits(want) {
				t.Fatalf("n = %d: Grad[%d] = %v, want %v", n, i, got[i], want)
			}
		}
		w.Grad.Zero()
		for i, v := range w.Grad.Float32s() {
			if math.Float32bits(v) != 0 {
				t.Fatalf("n = %d: Grad[%d] = %v after Zero", n, i, v)
			}
		}
	}
}
