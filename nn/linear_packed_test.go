package nn_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/intercept-ml/intercept/nn"
	F "github.com/intercept-ml/intercept/nn/functional"
	"github.com/intercept-ml/intercept/nninit"
	"github.com/intercept-ml/intercept/optim"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

// unpacked is a Linear layer's output computed by functional.Linear or
// LinearReLU, which never use a packed weight: the reference for the
// packed paths.
func unpacked(l *nn.Linear, x *tensor.Tensor, relu bool) []float32 {
	var y *tensor.Tensor
	tensor.NoGrad(func() {
		if relu {
			y = F.LinearReLU(x, l.Weight, l.Bias)
		} else {
			y = F.Linear(x, l.Weight, l.Bias)
		}
	})
	return y.Data32()
}

func sameBits32(t *testing.T, what string, got, want []float32) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d outputs, want %d", what, len(got), len(want))
	}
	for i := range want {
		if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
			t.Fatalf("%s: output %d is %v, want %v", what, i, got[i], want[i])
		}
	}
}

// forwardB1 runs l (ReLU after it when relu) on x under NoGrad, times
// times, and returns the last output.
func forwardB1(l *nn.Linear, x *tensor.Tensor, relu bool, times int) []float32 {
	var y *tensor.Tensor
	for range times {
		tensor.NoGrad(func() {
			if relu {
				y = l.ForwardReLU(x)
			} else {
				y = l.Forward(x)
			}
		})
	}
	return y.Data32()
}

// TestLinearPackedBits checks that a Linear layer at batches of 1 to 8
// under NoGrad gives the bits of the unpacked product before and after it
// packs its weight, with and without bias and ReLU, for output counts
// around the 16-row panels, that it packs only after several products
// found the weight unchanged, and that larger batches leave it unpacked.
func TestLinearPackedBits(t *testing.T) {
	rng.ManualSeed(7)
	for _, sh := range [][3]int{{784, 256, 1}, {256, 10, 1}, {33, 17, 1}, {5, 1, 1}, {784, 256, 8}, {100, 40, 5}, {33, 17, 3}, {64, 64, 9}} {
		for _, bias := range []bool{true, false} {
			for _, relu := range []bool{false, true} {
				t.Run(fmt.Sprintf("%dx%d/batch=%d/bias=%v/relu=%v", sh[0], sh[1], sh[2], bias, relu), func(t *testing.T) {
					opts := []nn.LinearOption{}
					if !bias {
						opts = append(opts, nn.NoBias)
					}
					l := nn.NewLinear(sh[0], sh[1], opts...)
					x := rng.Randn(sh[2], sh[0])
					want := unpacked(l, x, relu)
					sameBits32(t, "first product", forwardB1(l, x, relu, 1), want)
					if nn.LinearPacked(l) {
						t.Fatal("packed after one product")
					}
					sameBits32(t, "later products", forwardB1(l, x, relu, 8), want)
					if packed := nn.LinearPacked(l); packed != (sh[2] <= 8) {
						t.Fatalf("packed = %v after nine products of %d rows", packed, sh[2])
					}
				})
			}
		}
	}
}

// TestLinearPackedRecordsNothing checks that the packed path is not taken
// when the product is recorded: the output has its GradFn and gradients
// flow.
func TestLinearPackedRecordsNothing(t *testing.T) {
	l := nn.NewLinear(40, 20)
	x := rng.Randn(1, 40)
	forwardB1(l, x, true, 8)
	y := l.ForwardReLU(x)
	if y.GradFn() == "" {
		t.Fatal("no GradFn with gradients enabled")
	}
	y.Sum().Backward()
	if l.Weight.Grad == nil {
		t.Fatal("no weight gradient")
	}
}

// TestLinearPackedInvalidation checks that every way of writing a packed
// weight makes the next batch-1 product use the new values: optimizer
// steps, LoadStateDict, in-place operations on the weight or a view of it,
// Set, writes through Data32, initializers and a new Weight tensor.
// (Data32 stops the packing for good; see TestLinearPackedHeldSlice.)
func TestLinearPackedInvalidation(t *testing.T) {
	writes := []struct {
		name  string
		write func(l *nn.Linear)
	}{
		{"SGD step", func(l *nn.Linear) {
			l.Weight.Grad = rng.Randn(l.Weight.Shape()...)
			optim.NewSGD([]*tensor.Tensor{l.Weight}, optim.LR(0.1)).Step()
		}},
		{"Adam step", func(l *nn.Linear) {
			l.Weight.Grad = rng.Randn(l.Weight.Shape()...)
			optim.NewAdam([]*tensor.Tensor{l.Weight}, optim.LR(0.1)).Step()
		}},
		{"LoadStateDict", func(l *nn.Linear) {
			other := nn.NewLinear(l.InFeatures, l.OutFeatures)
			if err := nn.LoadStateDict(l, nn.StateDictOf(other), true); err != nil {
				t.Fatal(err)
			}
		}},
		{"Fill of a row", func(l *nn.Linear) {
			tensor.NoGrad(func() { l.Weight.Select(0, 3).Fill(0.5) })
		}},
		{"CopyFrom", func(l *nn.Linear) {
			tensor.NoGrad(func() { l.Weight.CopyFrom(rng.Randn(l.Weight.Shape()...)) })
		}},
		{"Set", func(l *nn.Linear) {
			tensor.NoGrad(func() { l.Weight.Set(2, 5, 7) })
		}},
		{"Data32", func(l *nn.Linear) { l.Weight.Data32()[11] = -3 }},
		{"nninit", func(l *nn.Linear) { nninit.Normal(l.Weight, 0, 1) }},
		{"new Weight", func(l *nn.Linear) {
			l.Weight = tensor.NewParameter(rng.Randn(l.Weight.Shape()...))
		}},
	}
	rng.ManualSeed(3)
	for _, wr := range writes {
		t.Run(wr.name, func(t *testing.T) {
			l := nn.NewLinear(48, 20)
			x := rng.Randn(1, 48)
			forwardB1(l, x, false, 8)
			if !nn.LinearPacked(l) {
				t.Fatal("not packed")
			}
			old := append([]float32(nil), forwardB1(l, x, false, 1)...)
			wr.write(l)
			want := unpacked(l, x, false)
			same := true
			for i := range want {
				same = same && math.Float32bits(want[i]) == math.Float32bits(old[i])
			}
			if same {
				t.Fatal("the write changed no output")
			}
			sameBits32(t, "after the write", forwardB1(l, x, false, 1), want)
			sameBits32(t, "packed again", forwardB1(l, x, false, 8), want)
		})
	}
}

// TestLinearPackedHeldSlice checks that a slice of the weight that Data32
// handed out, before or after the weight was packed, and written much
// later, is seen by the next product: Data32 stops the packing for good,
// while the library's own writes (an optimizer step) do not.
func TestLinearPackedHeldSlice(t *testing.T) {
	rng.ManualSeed(5)
	x := rng.Randn(1, 48)

	l := nn.NewLinear(48, 20)
	held := l.Weight.Data32() // before any product
	forwardB1(l, x, true, 8)
	if nn.LinearPacked(l) {
		t.Fatal("packed a weight whose elements Data32 handed out")
	}
	held[7] = 4
	sameBits32(t, "held before packing", forwardB1(l, x, true, 1), unpacked(l, x, true))

	l = nn.NewLinear(48, 20)
	l.Weight.Grad = rng.Randn(l.Weight.Shape()...)
	optim.NewSGD([]*tensor.Tensor{l.Weight}, optim.LR(0.1)).Step()
	forwardB1(l, x, false, 8)
	if !nn.LinearPacked(l) {
		t.Fatal("an optimizer step stopped the packing for good")
	}
	held = l.Weight.Data32() // after packing
	forwardB1(l, x, false, 8)
	for i := range held {
		held[i] = -held[i]
	}
	sameBits32(t, "held after packing", forwardB1(l, x, false, 1), unpacked(l, x, false))
	if nn.LinearPacked(l) {
		t.Fatal("packed again after Data32 handed the weight out")
	}
}

// TestLinearPackedConcurrent checks that goroutines sharing a Linear layer
// (each under its own NoGrad) get the unpacked bits while the weight is
// counted, packed and used (run with -race, it also checks the packed
// state's synchronization).
func TestLinearPackedConcurrent(t *testing.T) {
	l := nn.NewLinear(64, 40)
	x := rng.Randn(2, 64)
	want := unpacked(l, x, true)
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			for i := range 20 {
				got := forwardB1(l, x, true, 1)
				for j := range want {
					if math.Float32bits(got[j]) != math.Float32bits(want[j]) {
						errs <- fmt.Errorf("product %d: output %d is %v, want %v", i, j, got[j], want[j])
						return
					}
				}
			}
			errs <- nil
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if !nn.LinearPacked(l) {
		t.Fatal("not packed after 80 products")
	}
}
