package nn

import (
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

// Option configures a layer constructor. Each constructor documents the
// options it reads; an option that does not apply to a layer panics, so a
// misspelled configuration never passes silently.
type Option struct {
	name  string
	apply func(*config)
}

type config struct {
	bias        bool
	gen         *rng.Generator
	dtype       tensor.DType
	stride      []int
	padding     []int
	paddingMode string // "", "same", "valid"
	dilation    []int
	outPadding  []int
	groups      int
	used        map[string]bool
}

func newConfig(layer string, allowed []string, opts []Option) *config {
	c := &config{bias: true, gen: nil, dtype: tensor.Float32, groups: 1}
	ok := map[string]bool{"bias": true, "generator": true, "dtype": true}
	for _, a := range allowed {
		ok[a] = true
	}
	for _, o := range opts {
		if !ok[o.name] {
			panic("nn: " + layer + " does not take the option " + o.name)
		}
		o.apply(c)
	}
	return c
}

func (c *config) generator() *rng.Generator {
	if c.gen != nil {
		return c.gen
	}
	return rng.Default()
}

// NoBias builds a layer without a bias: no parameter, no state-dict key, no
// work in forward (PyTorch's bias=False).
var NoBias = Option{"bias", func(c *config) { c.bias = false }}

// Bias turns the layer's bias on or off (PyTorch's bias=...).
func Bias(on bool) Option { return Option{"bias", func(c *config) { c.bias = on }} }

// WithGenerator draws the layer's initial parameters from g instead of the
// default generator.
func WithGenerator(g *rng.Generator) Option {
	return Option{"generator", func(c *config) { c.gen = g }}
}

// WithDType builds the layer's parameters with element type dt (Float32 by
// default; Float64 for gradient checks).
func WithDType(dt tensor.DType) Option { return Option{"dtype", func(c *config) { c.dtype = dt }} }

// Stride sets a convolution's or pooling layer's stride, one value for every
// spatial dimension or one per dimension.
func Stride(s ...int) Option { return Option{"stride", func(c *config) { c.stride = s }} }

// Padding sets implicit zero padding on both sides of every spatial
// dimension (one value, or one per dimension).
// A later padding option replaces an earlier one.
func Padding(p ...int) Option {
	return Option{"padding", func(c *config) { c.padding, c.paddingMode = p, "" }}
}

// PaddingSame pads a stride-1 convolution so the output has the input's
// size (PyTorch's padding='same').
var PaddingSame = Option{"padding", func(c *config) { c.padding, c.paddingMode = nil, "same" }}

// PaddingValid is no padding (PyTorch's padding='valid').
var PaddingValid = Option{"padding", func(c *config) { c.padding, c.paddingMode = nil, "valid" }}

// Dilation sets the spacing between kernel elements.
func Dilation(d ...int) Option { return Option{"dilation", func(c *config) { c.dilation = d }} }

// OutputPadding adds size to one side of a transposed convolution's output.
func OutputPadding(p ...int) Option {
	return Option{"output_padding", func(c *config) { c.outPadding = p }}
}

// Groups splits a convolution's channels into g independent groups.
func Groups(g int) Option { return Option{"groups", func(c *config) { c.groups = g }} }
