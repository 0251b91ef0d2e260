package nn

import (
	"fmt"
	"strings"
	"testing"

	"github.com/intercept-ml/intercept/tensor"
)

// panicMessage runs f and returns what it panicked with ("" if it did not).
func panicMessage(f func()) (msg string) {
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
		}
	}()
	f()
	return ""
}

// TestLayerErrors checks that impossible configurations panic with
// PyTorch's message (testdata/layers.json "errors", without the Python
// exception class), and that Go's message also names the argument and the
// values where PyTorch's does not.
func TestLayerErrors(t *testing.T) {
	ref := loadLayersRef(t)
	z := tensor.Zeros
	cases := map[string]struct {
		f func()
		// also lists further substrings Go's message must contain; pytorch
		// false means Go words the message its own way (PyTorch fails in
		// torch.empty with "Trying to create tensor with negative dimension").
		also    []string
		pytorch bool
	}{
		"conv in_channels groups":  {func() { NewConv2d(3, 16, 3, Groups(2)) }, []string{"in_channels=3", "groups=2"}, true},
		"conv out_channels groups": {func() { NewConv2d(4, 6, 3, Groups(4)) }, []string{"out_channels=6", "groups=4"}, true},
		"conv groups zero":         {func() { NewConv2d(4, 4, 3, Groups(0)) }, []string{"got 0"}, true},
		"conv same strided":        {func() { NewConv2d(3, 4, 3, Stride(2), PaddingSame) }, []string{"stride=[2 2]"}, true},
		"conv1d same strided":      {func() { NewConv1d(3, 4, 3, PaddingSame, Stride(2)) }, []string{"stride=[2]"}, true},
		"conv negative in_channels": {func() { NewConv2d(-1, 4, 3) },
			[]string{"nn.Conv2d", "in_channels", "-1"}, false},
		"linear negative out_features": {func() { NewLinear(3, -2) }, []string{"nn.Linear", "out_features", "-2"}, false},
		"batchnorm negative":           {func() { NewBatchNorm1d(-1) }, []string{"nn.BatchNorm1d", "num_features", "-1"}, false},
		"embedding padding_idx too large": {func() { NewEmbedding(10, 3, PaddingIdx(10)) },
			[]string{"padding_idx=10", "num_embeddings=10"}, true},
		"embedding padding_idx too small": {func() { NewEmbedding(10, 3, PaddingIdx(-11)) },
			[]string{"padding_idx=-11", "num_embeddings=10"}, true},
		"dropout p":                     {func() { NewDropout(1.5) }, nil, true},
		"conv kernel larger than input": {func() { NewConv2d(1, 1, 5).Forward(z(1, 1, 3, 3)) }, nil, true},
		"conv kernel larger than padded input": {func() { NewConv2d(1, 1, 5, Padding(1, 0)).Forward(z(1, 1, 3, 4)) },
			nil, true},
		"conv1d kernel larger than input": {func() { NewConv1d(2, 1, 4, Dilation(2)).Forward(z(1, 2, 6)) }, nil, true},
		"conv wrong channels":             {func() { NewConv2d(3, 16, 3).Forward(z(1, 4, 8, 8)) }, nil, true},
		"conv wrong rank":                 {func() { NewConv2d(3, 16, 3).Forward(z(3, 8)) }, nil, true},
		// PyTorch checks output_padding in forward, Go already at construction.
		"convtranspose output_padding": {func() { NewConvTranspose2d(2, 2, 3, Stride(2), OutputPadding(2)) },
			[]string{"output padding must be smaller than either stride or dilation", "output_padding=[2 2]", "stride=[2 2]"}, false},
		"batchnorm1d rank":    {func() { NewBatchNorm1d(3).Forward(z(2, 3, 4, 5)) }, nil, true},
		"batchnorm2d rank":    {func() { NewBatchNorm2d(3).Forward(z(2, 3, 4)) }, nil, true},
		"batchnorm features":  {func() { NewBatchNorm1d(4).Forward(z(2, 3)) }, nil, true},
		"batchnorm one value": {func() { NewBatchNorm1d(3).Forward(z(1, 3)) }, nil, true},
		"layernorm shape":     {func() { NewLayerNorm([]int{5}).Forward(z(2, 4)) }, nil, true},
		"maxpool too small":   {func() { NewMaxPool2d(4).Forward(z(1, 3, 3)) }, nil, true},
		"embedding index": {func() { NewEmbedding(3, 2).Forward(tensor.FromInt64([]int64{3}, 1)) },
			nil, true},
	}
	for name, py := range ref.Errors {
		c, ok := cases[name]
		if !ok {
			t.Errorf("no Go case for PyTorch error %q", name)
			continue
		}
		msg := panicMessage(c.f)
		if msg == "" {
			t.Errorf("%s: no panic (PyTorch: %s)", name, py)
			continue
		}
		_, pyMsg, _ := strings.Cut(py, ": ")
		if c.pytorch && !strings.Contains(msg, pyMsg) {
			t.Errorf("%s: panic %q lacks PyTorch's %q", name, msg, pyMsg)
		}
		for _, s := range c.also {
			if !strings.Contains(msg, s) {
				t.Errorf("%s: panic %q lacks %q", name, msg, s)
			}
		}
	}
	if len(ref.Errors) != len(cases) {
		t.Errorf("%d PyTorch errors, %d Go cases", len(ref.Errors), len(cases))
	}
}

// TestLayerErrorsGoOnly covers configurations PyTorch accepts at
// construction and rejects later (or cannot express), which Go rejects
// when the layer is built.
func TestLayerErrorsGoOnly(t *testing.T) {
	for _, c := range []struct {
		f    func()
		want []string
	}{
		{func() { NewConv2d(3, 4, 0) }, []string{"nn.Conv2d", "kernel_size", "got [0]"}},
		{func() { NewConv2dKernel(3, 4, [2]int{3, -1}) }, []string{"kernel_size", "[3 -1]"}},
		{func() { NewConv2d(3, 4, 3, Stride(0)) }, []string{"stride", "got [0]"}},
		{func() { NewConv2d(3, 4, 3, Padding(-1)) }, []string{"padding", "got [-1]"}},
		{func() { NewConv2d(3, 4, 3, Dilation(1, 0)) }, []string{"dilation", "[1 0]"}},
		{func() { NewConv2d(3, 4, 3, Stride(1, 2, 3)) }, []string{"stride must have 1 or 2 values, got 3"}},
		{func() { NewEmbedding(-1, 3) }, []string{"num_embeddings", "-1"}},
		{func() { NewLayerNorm([]int{4, -5}) }, []string{"normalized_shape", "-5"}},
		{func() { NewAdaptiveAvgPool2d(1, 2, 3) }, []string{"output_size must have 1 or 2 values"}},
		{func() { NewMaxPool2d(-2) }, []string{"kernel_size", "-2"}},
		{func() { NewDropout(-0.1) }, []string{"dropout probability has to be between 0 and 1, but got -0.1"}},
		{func() { NewBilinear(2, -3, 4) }, []string{"in2_features", "-3"}},
	} {
		msg := panicMessage(c.f)
		if msg == "" {
			t.Errorf("no panic, want %q", c.want)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(msg, w) {
				t.Errorf("panic %q lacks %q", msg, w)
			}
		}
	}
}
