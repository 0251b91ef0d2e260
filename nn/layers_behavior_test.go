package nn

import (
	"testing"

	"github.com/intercept-ml/intercept/internal/golden"
	F "github.com/intercept-ml/intercept/nn/functional"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

// TestGoldenBatchNormModule runs the shared golden "batchnorm" case through
// the BatchNorm1d module: one training step (output, running statistics,
// num_batches_tracked), then evaluation with the updated statistics.
func TestGoldenBatchNormModule(t *testing.T) {
	var g struct {
		Module    string
		X         *golden.Tensor
		TrainOut  *golden.Tensor            `json:"train_out"`
		EvalOut   *golden.Tensor            `json:"eval_out_after_one_train_step"`
		StateDict map[string]*golden.Tensor `json:"state_dict_after"`
	}
	golden.Section(t, "batchnorm", &g)
	if g.Module != "BatchNorm1d(3)" {
		t.Fatalf("golden module %q", g.Module)
	}
	bn := NewBatchNorm1d(3)
	x := toTensor(t, g.X)
	closeTo(t, "train output", bn.Forward(x), g.TrainOut)
	for _, e := range StateDictOf(bn) {
		closeTo(t, e.Name, e.Tensor, g.StateDict[e.Name])
	}
	Eval(bn)
	closeTo(t, "eval output", bn.Forward(x), g.EvalOut)
	if n := bn.NumBatchesTracked.Int64s()[0]; n != 1 {
		t.Errorf("eval changed num_batches_tracked to %d", n)
	}
}

// TestEmbeddingPaddingIdx: the padding row starts at zero and gets exactly
// zero gradient however often it is looked up.
func TestEmbeddingPaddingIdx(t *testing.T) {
	rng.ManualSeed(0)
	e := NewEmbedding(5, 3, PaddingIdx(2))
	for _, v := range e.Weight.Select(0, 2).Float32s() {
		if v != 0 {
			t.Fatalf("padding row %v", e.Weight.Select(0, 2).Float32s())
		}
	}
	// PaddingIdx(-1) is the last row, as padding_idx=-1 in PyTorch.
	if p := NewEmbedding(5, 3, PaddingIdx(-1)).PaddingIdx; p != 4 {
		t.Errorf("PaddingIdx(-1) gave row %d, want 4", p)
	}
	if p := NewEmbedding(5, 3).PaddingIdx; p != -1 {
		t.Errorf("no PaddingIdx gave row %d, want -1", p)
	}
	idx := tensor.FromInt64([]int64{2, 0, 2, 4, 2}, 5)
	e.Forward(idx).Sum().Backward()
	g := e.Weight.Grad
	for j := 0; j < 3; j++ {
		if g.At(2, j) != 0 || g.At(0, j) != 1 || g.At(4, j) != 1 || g.At(1, j) != 0 {
			t.Fatalf("grad %v", g.Float32s())
		}
	}
}

// TestBatchNormStateDictRoundTrip: num_batches_tracked is an int64 scalar
// buffer that loads like the others; affine=False has no weight/bias keys.
func TestBatchNormStateDictRoundTrip(t *testing.T) {
	a := NewBatchNorm2d(2)
	a.Forward(tensor.Arange(0, 16, 1).Reshape(2, 2, 2, 2))
	b := NewBatchNorm2d(2)
	if err := LoadStateDict(b, StateDictOf(a), true); err != nil {
		t.Fatal(err)
	}
	if b.NumBatchesTracked.Int64s()[0] != 1 || !tensor.Equal(a.RunningMean, b.RunningMean) {
		t.Fatalf("loaded %v %v", b.NumBatchesTracked, b.RunningMean)
	}
	c := NewBatchNorm2d(2, Affine(false))
	if err := LoadStateDict(c, StateDictOf(a), true); err == nil {
		t.Fatal("strict load of weight/bias into affine=False succeeded")
	}
	if err := LoadStateDict(c, StateDictOf(a), false); err != nil {
		t.Fatal(err)
	}
	if NumParameters(c, false) != 0 {
		t.Fatal("affine=False has parameters")
	}
}

// TestDropoutModes: eval is the identity (same tensor, no draws); train
// with p=0 keeps values; the generator option is used.
func TestDropoutModes(t *testing.T) {
	x := tensor.Ones(4, 5)
	d := NewDropout(0.5)
	Eval(d)
	rng.ManualSeed(3)
	if y := d.Forward(x); !tensor.Equal(y, x) {
		t.Fatal("eval dropout changed its input")
	}
	a := rng.Default().Random()
	rng.ManualSeed(3)
	if rng.Default().Random() != a {
		t.Fatal("eval dropout drew random numbers")
	}
	g1, g2 := rng.NewGenerator(), rng.NewGenerator()
	g1.ManualSeed(9)
	g2.ManualSeed(9)
	y1 := NewDropout(0.5, WithGenerator(g1)).Forward(x)
	y2 := NewDropout(0.5, WithGenerator(g2)).Forward(x)
	if !tensor.Equal(y1, y2) {
		t.Fatal("same generator state, different masks")
	}
	for _, v := range y1.Float32s() {
		if v != 0 && v != 2 {
			t.Fatalf("dropout value %v, want 0 or 2", v)
		}
	}
}

// TestPoolAndGELUOptions checks the options of the pooling layers and GELU:
// the layers print as PyTorch 1.13 prints the equal modules, and compute
// what the functional forms compute with the same options.
func TestPoolAndGELUOptions(t *testing.T) {
	x := tensor.Arange(0, 2*3*7*6, 1).Reshape(2, 3, 7, 6).Sin()
	mp := NewMaxPool2d(3, Stride(1, 2), Padding(1), Dilation(2), CeilMode)
	ap := NewAvgPool2d(3, Stride(2), Padding(1), CeilMode, NoCountIncludePad)
	gl := NewGELU(ApproximateTanh)
	for _, c := range []struct {
		got, want string
	}{
		{mp.String(), "MaxPool2d(kernel_size=3, stride=(1, 2), padding=1, dilation=2, ceil_mode=True)"},
		{ap.String(), "AvgPool2d(kernel_size=3, stride=2, padding=1)"},
		{gl.String(), "GELU(approximate='tanh')"},
		{NewGELU().String(), "GELU(approximate='none')"},
		{NewMaxPool2d(2).String(), "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"},
	} {
		if c.got != c.want {
			t.Errorf("got %s, want %s", c.got, c.want)
		}
	}
	for _, c := range []struct {
		name      string
		got, want *tensor.Tensor
	}{
		{"MaxPool2d", mp.Forward(x), F.MaxPool2d(x, []int{3}, F.Stride(1, 2), F.Padding(1), F.Dilation(2), F.CeilMode)},
		{"AvgPool2d", ap.Forward(x), F.AvgPool2d(x, []int{3}, F.Stride(2), F.Padding(1), F.CeilMode, F.NoCountIncludePad)},
		{"GELU", gl.Forward(x), F.GELU(x, F.ApproximateTanh)},
	} {
		if !tensor.Equal(c.got, c.want) {
			t.Errorf("%s: Forward differs from the functional form", c.name)
		}
	}
}
