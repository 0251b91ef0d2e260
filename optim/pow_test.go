package optim

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
)

// powBig is b**t correctly rounded, by 256-bit square-and-multiply.
func powBig(b float64, t int64) float64 {
	x := new(big.Float).SetPrec(256).SetFloat64(b)
	r := new(big.Float).SetPrec(256).SetInt64(1)
	for n := t; n > 0; n >>= 1 {
		if n&1 == 1 {
			r.Mul(r, x)
		}
		if n > 1 {
			x.Mul(x, x)
		}
	}
	v, _ := r.Float64()
	return v
}

// TestPowDD checks that the double-double power, when it answers, equals the 256-bit one, for
// Adam's usual betas and random bases, at small and large exponents up to Adam's cap.
func TestPowDD(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	bases := []float64{0.9, 0.999, 0.99, 0.5, 0.0, 0.95, 0.9999, 0.8, 0.1, 1.5}
	for range 60 {
		bases = append(bases, r.Float64())
	}
	exps := []int64{2, 3, 4, 5, 7, 10, 100, 1000, 4097, 6000, 7000, 7100, 1 << 20, maxAdamStep}
	for range 40 {
		exps = append(exps, 2+r.Int64N(100000))
	}
	answered, total := 0, 0
	for _, b := range bases {
		for _, e := range exps {
			want := powBig(b, e)
			inRange := math.Abs(want) >= 0x1p-1022 && math.Abs(want) <= math.MaxFloat64
			if inRange {
				total++
			}
			v, ok := powDD(b, e)
			if !ok {
				continue
			}
			if inRange {
				answered++
			}
			if math.Float64bits(v) != math.Float64bits(want) {
				t.Fatalf("powDD(%v, %d) = %v, want %v", b, e, v, want)
			}
		}
	}
	if answered < total*99/100 {
		t.Errorf("powDD answered %d of %d cases in its range", answered, total)
	}
	t.Logf("powDD answered %d of %d cases in its range, all correctly rounded", answered, total)
}
