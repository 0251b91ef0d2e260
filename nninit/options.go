package nninit

import (
	"fmt"
	"strings"

	"github.com/intercept-ml/intercept/rng"
)

// An Option adjusts an initializer: the generator it draws from
// (WithGenerator, accepted by every function that draws), the gain of the
// Xavier and orthogonal schemes (Gain), or the parameters of the Kaiming
// schemes (A, Mode, Nonlinearity). Passing an option to a function that does
// not take it panics, rather than being silently ignored.
type Option func(*config)

// optSet records which options were given, to reject those a function does not take.
type optSet uint8

const (
	optGenerator optSet = 1 << iota
	optGain
	optA
	optMode
	optNonlinearity
)

var optNames = []struct {
	bit  optSet
	name string
}{
	{optGenerator, "WithGenerator"},
	{optGain, "Gain"},
	{optA, "A"},
	{optMode, "Mode"},
	{optNonlinearity, "Nonlinearity"},
}

// config holds the resolved options with PyTorch's defaults.
type config struct {
	set          optSet
	gen          *rng.Generator
	gain         float64
	a            float64
	mode         FanMode
	nonlinearity string
}

// WithGenerator makes the initializer draw from g instead of rng.Default(),
// like the generator= argument of PyTorch 2.x's nn.init functions. A nil g
// selects the default generator.
func WithGenerator(g *rng.Generator) Option {
	return func(c *config) { c.set |= optGenerator; c.gen = g }
}

// Gain sets the scaling factor of XavierUniform, XavierNormal and Orthogonal
// (PyTorch's gain argument, default 1); CalculateGain gives the recommended
// value for a nonlinearity.
func Gain(g float64) Option {
	return func(c *config) { c.set |= optGain; c.gain = g }
}

// A sets the negative slope of the rectifier that follows the layer, for
// KaimingUniform and KaimingNormal (PyTorch's a argument, default 0). It is
// used only with the "leaky_relu" nonlinearity.
func A(a float64) Option {
	return func(c *config) { c.set |= optA; c.a = a }
}

// Mode selects the fan that KaimingUniform and KaimingNormal scale by
// (PyTorch's mode argument, default FanIn).
func Mode(m FanMode) Option {
	return func(c *config) { c.set |= optMode; c.mode = m }
}

// Nonlinearity names the nonlinearity that follows the layer, for
// KaimingUniform and KaimingNormal (PyTorch's nonlinearity argument, default
// "leaky_relu"); see CalculateGain for the accepted names.
func Nonlinearity(name string) Option {
	return func(c *config) { c.set |= optNonlinearity; c.nonlinearity = name }
}

// FanMode selects between a tensor's fan-in and fan-out; see FanInOut.
type FanMode int

const (
	// FanIn preserves the magnitude of the variance of the weights in the
	// forward pass (PyTorch's mode='fan_in').
	FanIn FanMode = iota
	// FanOut preserves the magnitudes in the backward pass (mode='fan_out').
	FanOut
)

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

// resolve applies opts over PyTorch's defaults and panics if an option is
// not among those that fn accepts.
func resolve(fn string, accepted optSet, opts []Option) *config {
	c := &config{gain: 1, mode: FanIn, nonlinearity: "leaky_relu"}
	for _, o := range opts {
		if o != nil {
			o(c)
		}
	}
	if bad := c.set &^ accepted; bad != 0 {
		var names []string
		for _, n := range optNames {
			if bad&n.bit != 0 {
				names = append(names, n.name)
			}
		}
		panic(fmt.Sprintf("nninit: %s does not take option %s", fn, strings.Join(names, ", ")))
	}
	if c.gen == nil {
		c.gen = rng.Default()
	}
	return c
}
