package nn

import (
	"strings"
	"testing"

	"github.com/intercept-ml/intercept/tensor"
)

// TestAttentionErrors checks that bad configurations and inputs panic with
// PyTorch's message (testdata/attention.json "errors"), plus the extra
// values Go's message names.
func TestAttentionErrors(t *testing.T) {
	ref := loadAttnRef(t)
	mha := NewMultiheadAttention(8, 2)
	sep := NewMultiheadAttention(8, 2, KDim(5), VDim(6))
	z := tensor.Zeros
	x := z(4, 3, 8)
	zb := func(s ...int) *tensor.Tensor { return tensor.ZerosOf(tensor.Bool, s...) }
	zi := func(s ...int) *tensor.Tensor { return tensor.ZerosOf(tensor.Int64, s...) }
	cases := map[string]struct {
		f    func()
		also []string
	}{
		"embed_dim not divisible": {func() { NewMultiheadAttention(8, 3) }, []string{"embed_dim=8", "num_heads=3"}},
		"query 4-D":               {func() { mha.Forward(z(1, 4, 3, 8), x, x) }, nil},
		"key 2-D":                 {func() { mha.Forward(x, z(4, 8), x) }, nil},
		"embedding dim":           {func() { mha.Forward(z(4, 3, 6), z(4, 3, 6), z(4, 3, 6)) }, nil},
		"key value shapes":        {func() { mha.Forward(x, z(5, 3, 8), z(4, 3, 8)) }, nil},
		"attn_mask 2D shape":      {func() { mha.Forward(x, x, x, AttnMask(z(4, 5))) }, nil},
		"attn_mask 3D shape":      {func() { mha.Forward(x, x, x, AttnMask(z(3, 4, 4))) }, nil},
		"attn_mask dtype":         {func() { mha.Forward(x, x, x, AttnMask(zi(4, 4))) }, nil},
		"attn_mask 1-D":           {func() { mha.Forward(x, x, x, AttnMask(z(4))) }, nil},
		"key_padding_mask dtype":  {func() { mha.Forward(x, x, x, KeyPaddingMask(zi(3, 4))) }, nil},
		"key_padding_mask shape":  {func() { mha.Forward(x, x, x, KeyPaddingMask(zb(3, 5))) }, nil},
		"key_padding_mask rank":   {func() { mha.Forward(x, x, x, KeyPaddingMask(zb(3, 4, 1))) }, nil},
		"kdim key features":       {func() { sep.Forward(x, z(4, 3, 4), z(4, 3, 6)) }, nil},
		"unbatched attn_mask 3D":  {func() { mha.Forward(z(4, 8), z(4, 8), z(4, 8), AttnMask(z(3, 4, 4))) }, nil},
	}
	for name, want := range ref.Errors {
		c, ok := cases[name]
		if !ok {
			t.Errorf("no Go case for %q", name)
			continue
		}
		got := panicMessage(c.f)
		if !strings.Contains(got, want) {
			t.Errorf("%s: panic %q, want PyTorch's %q", name, got, want)
		}
		for _, s := range c.also {
			if !strings.Contains(got, s) {
				t.Errorf("%s: panic %q does not name %q", name, got, s)
			}
		}
	}
	if len(cases) != len(ref.Errors) {
		t.Errorf("%d Go cases, %d PyTorch errors", len(cases), len(ref.Errors))
	}

	// Go's own checks (PyTorch fails elsewhere or not at all).
	own := map[string]struct {
		f    func()
		want string
	}{
		"float masks": {func() { mha.Forward(x, x, x, AttnMask(z(4, 4)), KeyPaddingMask(z(3, 4))) },
			"floating-point key_padding_mask (torch.float32) cannot be combined with a floating-point attn_mask"},
		"num_heads zero":   {func() { NewMultiheadAttention(8, 0) }, "num_heads must be positive, got 0"},
		"negative kdim":    {func() { NewMultiheadAttention(8, 2, KDim(-1)) }, "kdim must be non-negative, got -1"},
		"dropout":          {func() { NewMultiheadAttention(8, 2, DropoutProb(1.5)) }, "dropout probability has to be between 0 and 1, but got 1.5"},
		"layer dropout":    {func() { NewTransformerEncoderLayer(8, 2, DropoutProb(-0.1)) }, "dropout probability has to be between 0 and 1, but got -0.1"},
		"layer heads":      {func() { NewTransformerEncoderLayer(8, 3) }, "embed_dim must be divisible by num_heads"},
		"encoder layers":   {func() { NewTransformerEncoder(NewTransformerEncoderLayer(4, 2), -1) }, "num_layers must be non-negative, got -1"},
		"nil query":        {func() { mha.Forward(nil, x, x) }, "must not be nil"},
		"layer kpm dtype":  {func() { NewTransformerEncoderLayer(8, 2).ForwardMasked(x, nil, zi(3, 4)) }, "only bool and floating types of key_padding_mask are supported"},
		"causal mask size": {func() { GenerateSquareSubsequentMask(-2) }, "sz must be non-negative, got -2"},
	}
	for name, c := range own {
		if got := panicMessage(c.f); !strings.Contains(got, c.want) {
			t.Errorf("%s: panic %q, want %q", name, got, c.want)
		}
	}
}

// TestGenerateSquareSubsequentMask checks the causal mask against
// torch.triu(torch.full((n, n), -inf), diagonal=1).
func TestGenerateSquareSubsequentMask(t *testing.T) {
	m := GenerateSquareSubsequentMask(3)
	if m.DType() != tensor.Float32 || !tensor.Equal(m.Reshape(9).IsFinite(), tensor.FromBool([]bool{true, false, false, true, true, false, true, true, true}, 9)) {
		t.Fatalf("mask %v", m)
	}
	for i, v := range m.Float64s() {
		if r, c := i/3, i%3; c <= r && v != 0 || c > r && v > -1e308 {
			t.Errorf("mask[%d][%d] = %v", r, c, v)
		}
	}
	if GenerateSquareSubsequentMask(0).Numel() != 0 {
		t.Error("n=0 mask not empty")
	}
}
