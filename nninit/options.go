package nninit

import (
	"fmt"

	"github.com/intercept-ml/intercept/rng"
)

// KaimingOption configures KaimingUniform and KaimingNormal: A, FanIn or
// FanOut, a Nonlinearity constant (ReLU, LeakyReLU, ...) and WithGenerator.
type KaimingOption interface{ applyKaiming(*config) }

// XavierOption configures XavierUniform, XavierNormal and Orthogonal: Gain
// and WithGenerator.
type XavierOption interface{ applyXavier(*config) }

// DrawOption configures the initializers that take no parameter besides
// their distribution's (Uniform, Normal, TruncNormal and Sparse):
// WithGenerator.
type DrawOption interface{ applyDraw(*config) }

// config holds the resolved options with PyTorch's defaults.
type config struct {
	gen          *rng.Generator
	gain         float64
	a            float64
	mode         FanMode
	nonlinearity Nonlinearity
}

func defaults() config { return config{gain: 1, mode: FanIn, nonlinearity: LeakyReLU} }

func (c *config) finish() *config {
	if c.gen == nil {
		c.gen = rng.Default()
	}
	return c
}

func kaimingConfig(opts []KaimingOption) *config {
	c := defaults()
	for _, o := range opts {
		if o != nil {
			o.applyKaiming(&c)
		}
	}
	return c.finish()
}

func xavierConfig(opts []XavierOption) *config {
	c := defaults()
	for _, o := range opts {
		if o != nil {
			o.applyXavier(&c)
		}
	}
	return c.finish()
}

func drawConfig(opts []DrawOption) *config {
	c := defaults()
	for _, o := range opts {
		if o != nil {
			o.applyDraw(&c)
		}
	}
	return c.finish()
}

// GeneratorOption is the value of WithGenerator. It is a KaimingOption, an
// XavierOption and a DrawOption.
type GeneratorOption struct{ g *rng.Generator }

// WithGenerator makes an initializer draw from g instead of rng.Default(),
// like the generator= argument of PyTorch 2.x's nn.init functions. A nil g
// selects the default generator. Every function that draws takes it.
func WithGenerator(g *rng.Generator) GeneratorOption { return GeneratorOption{g} }

func (o GeneratorOption) applyKaiming(c *config) { c.gen = o.g }
func (o GeneratorOption) applyXavier(c *config)  { c.gen = o.g }
func (o GeneratorOption) applyDraw(c *config)    { c.gen = o.g }

type gainOption float64

func (o gainOption) applyXavier(c *config) { c.gain = float64(o) }

// Gain sets the scaling factor of XavierUniform, XavierNormal and Orthogonal
// (PyTorch's gain argument, default 1); CalculateGain gives the recommended
// value for a nonlinearity.
func Gain(g float64) XavierOption { return gainOption(g) }

type slopeOption float64

func (o slopeOption) applyKaiming(c *config) { c.a = float64(o) }

// A sets the negative slope of the rectifier that follows the layer, for
// KaimingUniform and KaimingNormal (PyTorch's a argument, default 0). It is
// used only with the LeakyReLU nonlinearity.
func A(a float64) KaimingOption { return slopeOption(a) }

// FanMode selects between a tensor's fan-in and fan-out (see FanInOut). Its
// constants are KaimingOptions: they set PyTorch's mode argument of
// KaimingUniform and KaimingNormal (default FanIn).
type FanMode int

const (
	// FanIn preserves the magnitude of the variance of the weights in the
	// forward pass (PyTorch's mode='fan_in').
	FanIn FanMode = iota
	// FanOut preserves the magnitudes in the backward pass (mode='fan_out').
	FanOut
)

func (m FanMode) applyKaiming(c *config) { c.mode = m }

// String returns PyTorch's name of the mode, "fan_in" or "fan_out".
func (m FanMode) String() string {
	switch m {
	case FanIn:
		return "fan_in"
	case FanOut:
		return "fan_out"
	}
	return fmt.Sprintf("FanMode(%d)", int(m))
}

// Nonlinearity is a nonlinearity that follows a layer, as PyTorch names them
// for calculate_gain. Its constants are KaimingOptions: they set PyTorch's
// nonlinearity argument of KaimingUniform and KaimingNormal (default
// LeakyReLU), as in nninit.KaimingUniform(w, nninit.ReLU).
type Nonlinearity int

// The nonlinearities torch.nn.init.calculate_gain accepts.
const (
	Linear          Nonlinearity = iota + 1 // "linear"
	Conv1d                                  // "conv1d"
	Conv2d                                  // "conv2d"
	Conv3d                                  // "conv3d"
	ConvTranspose1d                         // "conv_transpose1d"
	ConvTranspose2d                         // "conv_transpose2d"
	ConvTranspose3d                         // "conv_transpose3d"
	Sigmoid                                 // "sigmoid"
	Tanh                                    // "tanh"
	ReLU                                    // "relu"
	LeakyReLU                               // "leaky_relu"
	SELU                                    // "selu"
)

var nonlinearityNames = [...]string{
	Linear: "linear", Conv1d: "conv1d", Conv2d: "conv2d", Conv3d: "conv3d",
	ConvTranspose1d: "conv_transpose1d", ConvTranspose2d: "conv_transpose2d", ConvTranspose3d: "conv_transpose3d",
	Sigmoid: "sigmoid", Tanh: "tanh", ReLU: "relu", LeakyReLU: "leaky_relu", SELU: "selu",
}

// String returns PyTorch's name of the nonlinearity, such as "leaky_relu".
func (n Nonlinearity) String() string {
	if n >= Linear && n <= SELU {
		return nonlinearityNames[n]
	}
	return fmt.Sprintf("Nonlinearity(%d)", int(n))
}

func (n Nonlinearity) applyKaiming(c *config) { c.nonlinearity = n }
