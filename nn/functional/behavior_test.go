package functional

import (
	"fmt"
	"math"
	"testing"

	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

// Results of PyTorch 1.13 for NaN and ties:
// max_pool2d([[1, nan, 3], [4, 5, 6]], 2, stride=1) = [nan, nan], indices [1, 1];
// max_pool2d of ones: indices [0, 1] (the first maximum wins).
func TestMaxPoolNaNAndTies(t *testing.T) {
	nan := math.NaN()
	x := tensor.FromFloat64([]float64{1, nan, 3, 4, 5, 6}, 1, 1, 2, 3)
	y, idx := MaxPool2dWithIndices(x, []int{2}, Stride(1))
	if v := y.Float64s(); !math.IsNaN(v[0]) || !math.IsNaN(v[1]) || fmt.Sprint(idx.Int64s()) != "[1 1]" {
		t.Errorf("NaN: got %v %v", v, idx.Int64s())
	}
	// Two NaNs: the last one wins.
	x = tensor.FromFloat32([]float32{float32(nan), 2, 9, float32(nan)}, 1, 2, 2)
	if _, idx = MaxPool2dWithIndices(x, []int{2}); idx.Int64s()[0] != 3 {
		t.Errorf("two NaNs: index %v, want 3", idx.Int64s())
	}
	x = tensor.Ones(1, 1, 2, 3)
	if _, idx = MaxPool2dWithIndices(x, []int{2}, Stride(1)); fmt.Sprint(idx.Int64s()) != "[0 1]" {
		t.Errorf("ties: indices %v, want [0 1]", idx.Int64s())
	}
	// -0 and +0 tie: the first wins, with its sign.
	negZero := float32(math.Copysign(0, -1))
	x = tensor.FromFloat32([]float32{negZero, 0, -1, -2}, 1, 2, 2)
	y, idx = MaxPool2dWithIndices(x, []int{2})
	if v := y.Float32s()[0]; idx.Int64s()[0] != 0 || !math.Signbit(float64(v)) {
		t.Errorf("-0/+0: got %v at %v, want -0 at 0", v, idx.Int64s())
	}
	// All -inf: the first position.
	ninf := float32(math.Inf(-1))
	x = tensor.FromFloat32([]float32{ninf, ninf, ninf, ninf}, 1, 2, 2)
	if _, idx = MaxPool2dWithIndices(x, []int{2}); idx.Int64s()[0] != 0 {
		t.Errorf("-inf: index %v, want 0", idx.Int64s())
	}
	// Gradient goes to the chosen position only.
	x = tensor.FromFloat32([]float32{1, 7, 7, 3}, 1, 2, 2).SetRequiresGrad(true)
	MaxPool2d(x, []int{2}).Sum().Backward()
	if fmt.Sprint(x.Grad.Float32s()) != "[0 1 0 0]" {
		t.Errorf("gradient %v, want [0 1 0 0]", x.Grad.Float32s())
	}
}

func TestDropoutEdgeCases(t *testing.T) {
	x := tensor.FromFloat32([]float32{1, float32(math.NaN()), -2}, 3)
	g := rng.NewGenerator()
	before := g.Clone()
	if Dropout(x, 0, WithGenerator(g)) != x || Dropout(x, 0.5, TrainingOption(false), WithGenerator(g)) != x {
		t.Error("p=0 or eval should return x itself")
	}
	y := Dropout(x, 1, WithGenerator(g))
	v := y.Float32s()
	if v[0] != 0 || !math.IsNaN(float64(v[1])) || !math.Signbit(float64(v[2])) {
		t.Errorf("p=1: got %v, want [0 NaN -0] (x·0 as PyTorch)", v)
	}
	if g.Random() != before.Random() {
		t.Error("p=0, eval and p=1 must not draw random numbers")
	}
	// Float64 inputs get a float64 mask with the same draws.
	g1, g2 := rng.NewGenerator(), rng.NewGenerator()
	a := Dropout(tensor.Ones(50), 0.5, WithGenerator(g1)).Float64s()
	b := Dropout(tensor.Ones(50).Double(), 0.5, WithGenerator(g2)).Float64s()
	for i := range a {
		if (a[i] == 0) != (b[i] == 0) {
			t.Fatalf("float32 and float64 masks differ at %d", i)
		}
	}
}

func TestGradFnNames(t *testing.T) {
	p := func(shape ...int) *tensor.Tensor { return tensor.Ones(shape...).SetRequiresGrad(true) }
	for _, c := range []struct {
		want string
		out  *tensor.Tensor
	}{
		{"ConvolutionBackward0", Conv2d(p(1, 2, 4, 4), p(3, 2, 3, 3), nil)},
		{"ConvolutionBackward0", ConvTranspose2d(p(1, 2, 4, 4), p(2, 3, 3, 3), nil)},
		{"MaxPool2DWithIndicesBackward0", MaxPool2d(p(1, 2, 4, 4), []int{2})},
		{"AvgPool2DBackward0", AvgPool2d(p(1, 2, 4, 4), []int{2})},
		{"AdaptiveAvgPool2DBackward0", AdaptiveAvgPool2d(p(1, 2, 4, 4), []int{2})},
		{"NativeBatchNormBackward0", BatchNorm(p(2, 3), nil, nil, nil, nil, Training)},
		{"NativeLayerNormBackward0", LayerNorm(p(2, 3), []int{3}, nil, nil)},
		{"AddmmBackward0", Linear(p(2, 3), p(4, 3), p(4))},
		{"MmBackward0", Linear(p(2, 3), p(4, 3), nil)},
		{"EmbeddingBackward0", Embedding(tensor.FromInt64([]int64{1}, 1), p(3, 2))},
		{"MulBackward0", Dropout(p(4), 0.5, WithGenerator(rng.NewGenerator()))},
		{"Im2ColBackward0", Unfold(p(1, 1, 3, 3), []int{2})},
		{"Col2ImBackward0", Fold(p(1, 4, 4), []int{3, 3}, []int{2})},
	} {
		if got := c.out.GradFn(); got != c.want {
			t.Errorf("grad_fn %q, want %q", got, c.want)
		}
	}
}

func TestEmptyInputs(t *testing.T) {
	// PyTorch: conv2d of a (0, 3, 5, 5) input is (0, 6, 3, 3); with zero input
	// channels the output is the bias.
	y := Conv2d(tensor.Zeros(0, 3, 5, 5), tensor.Zeros(6, 3, 3, 3), nil)
	if fmt.Sprint(y.Shape()) != "[0 6 3 3]" {
		t.Errorf("zero batch: shape %v", y.Shape())
	}
	y = Conv2d(tensor.Zeros(1, 0, 5, 5), tensor.Zeros(2, 0, 3, 3), tensor.FromFloat32([]float32{1, 2}, 2))
	if fmt.Sprint(y.Shape()) != "[1 2 3 3]" || y.At(0, 1, 2, 2) != 2 {
		t.Errorf("zero channels: %v", y)
	}
	if y := MaxPool2d(tensor.Zeros(0, 3, 5, 5), []int{2}); fmt.Sprint(y.Shape()) != "[0 3 2 2]" {
		t.Errorf("max_pool2d zero batch: shape %v", y.Shape())
	}
	if y := AdaptiveAvgPool2d(tensor.Zeros(1, 3, 5, 5), []int{0, 2}); fmt.Sprint(y.Shape()) != "[1 3 0 2]" {
		t.Errorf("adaptive_avg_pool2d to 0: shape %v", y.Shape())
	}
}

// Running statistics that are views (not contiguous) are updated in place
// like contiguous ones.
func TestBatchNormRunningStatsViews(t *testing.T) {
	x := seq(1, 4, 3, 2).Detach().Float()
	rmA, rvA := tensor.Zeros(3), tensor.Ones(3)
	BatchNorm(x, rmA, rvA, nil, nil, Training)
	buf := tensor.Zeros(3, 2)
	tensor.NoGrad(func() { buf.Select(1, 1).Fill(1) })
	rm, rv := buf.Select(1, 0), buf.Select(1, 1) // strided views
	BatchNorm(x, rm, rv, nil, nil, Training)
	if !tensor.Equal(rm, rmA) || !tensor.Equal(rv, rvA) {
		t.Errorf("strided running stats: %v %v, want %v %v", rm, rv, rmA, rvA)
	}
}

// Results do not depend on how a batch is split into chunks for the matrix
// products, except for the rounding of sums over the batch (weight and bias
// gradients).
func TestConvChunkingInvariance(t *testing.T) {
	g := rng.NewGenerator()
	x := tensor.Zeros(5, 4, 7, 6)
	w := tensor.Zeros(6, 2, 3, 3)
	g.Normal(x, 0, 1)
	g.Normal(w, 0, 1)
	x.SetRequiresGrad(true)
	w.SetRequiresGrad(true)
	run := func() (y, gx, gw *tensor.Tensor) {
		x.Grad, w.Grad = nil, nil
		y = Conv2d(x, w, nil, Groups(2), Padding(1), Stride(1, 2))
		y.Sum().Backward()
		return y, x.Grad, w.Grad
	}
	y1, gx1, gw1 := run()
	old := colBudget
	colBudget = 1
	defer func() { colBudget = old }()
	y2, gx2, gw2 := run()
	if !tensor.Equal(y1, y2) || !tensor.Equal(gx1, gx2) {
		t.Error("output or input gradient depends on chunking")
	}
	if !tensor.AllClose(gw1, gw2, 1e-5, 1e-5) {
		t.Error("weight gradient differs beyond rounding")
	}
}

// TestLaterOptionWins checks that a later option for the same keyword
// replaces an earlier one; Padding, PaddingSame and PaddingValid are one
// keyword (padding=).
func TestLaterOptionWins(t *testing.T) {
	x, w := tensor.Ones(1, 1, 5, 5), tensor.Ones(1, 1, 3, 3)
	for _, c := range []struct {
		got, want *tensor.Tensor
	}{
		{Conv2d(x, w, nil, Padding(1), PaddingSame), Conv2d(x, w, nil, PaddingSame)},
		{Conv2d(x, w, nil, PaddingSame, Padding(2)), Conv2d(x, w, nil, Padding(2))},
		{Conv2d(x, w, nil, PaddingValid, Padding(1)), Conv2d(x, w, nil, Padding(1))},
		{Conv2d(x, w, nil, Stride(1), Stride(2)), Conv2d(x, w, nil, Stride(2))},
		{MaxPool2d(x, []int{2}, CeilMode, CeilModeOption(false)), MaxPool2d(x, []int{2})},
	} {
		if !tensor.Equal(c.got, c.want) {
			t.Errorf("got %v, want %v", c.got, c.want)
		}
	}
}
