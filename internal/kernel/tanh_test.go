package kernel

import (
	"math"
	"testing"
)

// TestTanh32 checks Tanh32 and Sigmoid32 against math.Tanh and the
// logistic function, and that every implementation this CPU runs gives the
// portable code's bits (NaN, infinities, signed zeros and every tail length
// included).
func TestTanh32(t *testing.T) {
	var xs []float32
	for i := -400000; i <= 400000; i++ {
		xs = append(xs, float32(i)/4000) // [-100, 100]
	}
	xs = append(xs, 1e-8, -1e-8, 0.0003999, 0.0004, -0.0004, float32(math.Copysign(0, -1)),
		float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), 7.9053111, 7.9053112, 1e30, -1e30)
	worst := [2]float64{}
	for _, sigmoid := range []bool{false, true} {
		want := append([]float32(nil), xs...)
		tanh32Go(want, sigmoid)
		s := 0
		if sigmoid {
			s = 1
		}
		for i, x := range xs[:800001] {
			ref := math.Tanh(float64(x))
			if sigmoid {
				ref = 1 / (1 + math.Exp(-float64(x)))
			}
			worst[s] = math.Max(worst[s], math.Abs(float64(want[i])-ref))
		}
		for _, im := range implementations() {
			for _, n := range []int{len(xs), len(xs) - 1, 13, 8, 7, 1, 0} {
				got := append([]float32(nil), xs[len(xs)-n:]...)
				im.tanh32(got, sigmoid)
				for i, g := range got {
					w := want[len(xs)-n+i]
					if math.Float32bits(g) != math.Float32bits(w) && !(g != g && w != w) {
						t.Fatalf("%s (sigmoid %v, n %d): f(%v) = %v, portable %v", im.name, sigmoid, n, xs[len(xs)-n+i], g, w)
					}
				}
			}
		}
	}
	if worst[0] > 4e-7 || worst[1] > 2e-7 {
		t.Errorf("absolute errors: tanh %.3g, sigmoid %.3g", worst[0], worst[1])
	}
	d := []float32{float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.Copysign(0, -1))}
	Tanh32(d)
	if d[0] == d[0] || 1-d[1] > 4e-7 || d[2] != -d[1] || math.Float32bits(d[3]) != 0x80000000 {
		t.Errorf("tanh(NaN, +Inf, -Inf, -0) = %v", d)
	}
}

func BenchmarkTanh32(b *testing.B) {
	d := make([]float32, 4096)
	for i := range d {
		d[i] = float32(i%2000)/250 - 4
	}
	b.SetBytes(4 * int64(len(d)))
	for range b.N {
		Tanh32(d)
	}
}
