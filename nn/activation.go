package nn

import (
	"fmt"

	"github.com/intercept-ml/intercept/internal/pyfmt"
	F "github.com/intercept-ml/intercept/nn/functional"
	"github.com/intercept-ml/intercept/tensor"
)

// ReLU applies max(x, 0) elementwise.
type ReLU struct {
	_ byte // not zero-size: each module has its own address (see Hooks)
}

// NewReLU returns a ReLU module.
func NewReLU() *ReLU { return &ReLU{} }

// Forward applies the activation.
func (m *ReLU) Forward(x *tensor.Tensor) *tensor.Tensor {
	if HooksActive() {
		return CallHooked(m, x, m.forward)
	}
	return m.forward(x)
}

func (*ReLU) forward(x *tensor.Tensor) *tensor.Tensor { return x.ReLU() }

// ExtraRepr is empty: PyTorch prints ReLU().
func (*ReLU) ExtraRepr() string { return "" }

// String prints the module as PyTorch does.
func (m *ReLU) String() string { return Repr(m) }

// LeakyReLU applies x for x > 0 and NegativeSlope·x otherwise.
type LeakyReLU struct{ NegativeSlope float64 }

// NewLeakyReLU returns a LeakyReLU with the given slope (PyTorch's default
// is 0.01).
func NewLeakyReLU(negativeSlope float64) *LeakyReLU { return &LeakyReLU{negativeSlope} }

// Forward applies the activation.
func (m *LeakyReLU) Forward(x *tensor.Tensor) *tensor.Tensor {
	if HooksActive() {
		return CallHooked(m, x, m.forward)
	}
	return m.forward(x)
}

func (m *LeakyReLU) forward(x *tensor.Tensor) *tensor.Tensor { return x.LeakyReLU(m.NegativeSlope) }

// ExtraRepr returns "negative_slope=0.01".
func (m *LeakyReLU) ExtraRepr() string { return "negative_slope=" + pyfmt.Float(m.NegativeSlope) }

// String prints the module as PyTorch does.
func (m *LeakyReLU) String() string { return Repr(m) }

// Sigmoid applies 1/(1+e^-x) elementwise.
type Sigmoid struct {
	_ byte // not zero-size: each module has its own address (see Hooks)
}

// NewSigmoid returns a Sigmoid module.
func NewSigmoid() *Sigmoid { return &Sigmoid{} }

// Forward applies the activation.
func (m *Sigmoid) Forward(x *tensor.Tensor) *tensor.Tensor {
	if HooksActive() {
		return CallHooked(m, x, m.forward)
	}
	return m.forward(x)
}

func (*Sigmoid) forward(x *tensor.Tensor) *tensor.Tensor { return x.Sigmoid() }

// ExtraRepr is empty.
func (*Sigmoid) ExtraRepr() string { return "" }

// String prints the module as PyTorch does.
func (m *Sigmoid) String() string { return Repr(m) }

// Tanh applies the hyperbolic tangent elementwise.
type Tanh struct {
	_ byte // not zero-size: each module has its own address (see Hooks)
}

// NewTanh returns a Tanh module.
func NewTanh() *Tanh { return &Tanh{} }

// Forward applies the activation.
func (m *Tanh) Forward(x *tensor.Tensor) *tensor.Tensor {
	if HooksActive() {
		return CallHooked(m, x, m.forward)
	}
	return m.forward(x)
}

func (*Tanh) forward(x *tensor.Tensor) *tensor.Tensor { return x.Tanh() }

// ExtraRepr is empty.
func (*Tanh) ExtraRepr() string { return "" }

// String prints the module as PyTorch does.
func (m *Tanh) String() string { return Repr(m) }

// GELU applies the Gaussian error linear unit; Approximate is
// ApproximateNone (exact, the default; "" means the same) or
// ApproximateTanh.
type GELU struct{ Approximate Approximation }

// Approximation is GELU's approximate keyword (functional.Approximation).
type Approximation = F.Approximation

// GELUOption configures NewGELU: ApproximateNone or ApproximateTanh
// (functional.GELUOption, which functional.GELU takes too).
type GELUOption = F.GELUOption

const (
	// ApproximateNone is the exact GELU, x·Φ(x) with erf (PyTorch's
	// approximate='none', the default).
	ApproximateNone = F.ApproximateNone
	// ApproximateTanh is PyTorch's tanh approximation
	// (approximate='tanh').
	ApproximateTanh = F.ApproximateTanh
)

// NewGELU returns a GELU module, exact unless given ApproximateTanh
// (PyTorch's approximate=).
func NewGELU(opts ...GELUOption) *GELU {
	return &GELU{Approximate: optionValue(opts, ApproximateNone)}
}

// Forward applies the activation (functional.GELU); an Approximate other
// than the constants panics with PyTorch's message.
func (m *GELU) Forward(x *tensor.Tensor) *tensor.Tensor {
	if HooksActive() {
		return CallHooked(m, x, m.forward)
	}
	return m.forward(x)
}

func (m *GELU) forward(x *tensor.Tensor) *tensor.Tensor { return F.GELU(x, m.Approximate) }

// ExtraRepr returns "approximate='none'".
func (m *GELU) ExtraRepr() string {
	a := m.Approximate
	if a == "" {
		a = ApproximateNone
	}
	return "approximate='" + string(a) + "'"
}

// String prints the module as PyTorch does.
func (m *GELU) String() string { return Repr(m) }

// SiLU applies x·sigmoid(x) elementwise.
type SiLU struct {
	_ byte // not zero-size: each module has its own address (see Hooks)
}

// NewSiLU returns a SiLU module.
func NewSiLU() *SiLU { return &SiLU{} }

// Forward applies the activation.
func (m *SiLU) Forward(x *tensor.Tensor) *tensor.Tensor {
	if HooksActive() {
		return CallHooked(m, x, m.forward)
	}
	return m.forward(x)
}

func (*SiLU) forward(x *tensor.Tensor) *tensor.Tensor { return x.SiLU() }

// ExtraRepr is empty.
func (*SiLU) ExtraRepr() string { return "" }

// String prints the module as PyTorch does.
func (m *SiLU) String() string { return Repr(m) }

// Softmax applies softmax along Dim.
type Softmax struct{ Dim int }

// NewSoftmax returns a Softmax over dim.
func NewSoftmax(dim int) *Softmax { return &Softmax{dim} }

// Forward applies the softmax.
func (m *Softmax) Forward(x *tensor.Tensor) *tensor.Tensor {
	if HooksActive() {
		return CallHooked(m, x, m.forward)
	}
	return m.forward(x)
}

func (m *Softmax) forward(x *tensor.Tensor) *tensor.Tensor { return x.Softmax(m.Dim) }

// ExtraRepr returns "dim=1".
func (m *Softmax) ExtraRepr() string { return fmt.Sprintf("dim=%d", m.Dim) }

// String prints the module as PyTorch does.
func (m *Softmax) String() string { return Repr(m) }

// LogSoftmax applies log-softmax along Dim.
type LogSoftmax struct{ Dim int }

// NewLogSoftmax returns a LogSoftmax over dim.
func NewLogSoftmax(dim int) *LogSoftmax { return &LogSoftmax{dim} }

// Forward applies the log-softmax.
func (m *LogSoftmax) Forward(x *tensor.Tensor) *tensor.Tensor {
	if HooksActive() {
		return CallHooked(m, x, m.forward)
	}
	return m.forward(x)
}

func (m *LogSoftmax) forward(x *tensor.Tensor) *tensor.Tensor { return x.LogSoftmax(m.Dim) }

// ExtraRepr returns "dim=1".
func (m *LogSoftmax) ExtraRepr() string { return fmt.Sprintf("dim=%d", m.Dim) }

// String prints the module as PyTorch does.
func (m *LogSoftmax) String() string { return Repr(m) }

// Identity returns its input.
type Identity struct {
	_ byte // not zero-size: each module has its own address (see Hooks)
}

// NewIdentity returns an Identity module.
func NewIdentity() *Identity { return &Identity{} }

// Forward returns x.
func (m *Identity) Forward(x *tensor.Tensor) *tensor.Tensor {
	if HooksActive() {
		return CallHooked(m, x, m.forward)
	}
	return m.forward(x)
}

func (*Identity) forward(x *tensor.Tensor) *tensor.Tensor { return x }

// ExtraRepr is empty.
func (*Identity) ExtraRepr() string { return "" }

// String prints the module as PyTorch does.
func (m *Identity) String() string { return Repr(m) }

// Flatten merges dimensions StartDim..EndDim (PyTorch's defaults 1 and -1).
type Flatten struct{ StartDim, EndDim int }

// NewFlatten returns Flatten(start_dim=1, end_dim=-1).
func NewFlatten() *Flatten { return &Flatten{1, -1} }

// Forward flattens x.
func (m *Flatten) Forward(x *tensor.Tensor) *tensor.Tensor {
	if HooksActive() {
		return CallHooked(m, x, m.forward)
	}
	return m.forward(x)
}

func (m *Flatten) forward(x *tensor.Tensor) *tensor.Tensor { return x.Flatten(m.StartDim, m.EndDim) }

// ExtraRepr returns "start_dim=1, end_dim=-1".
func (m *Flatten) ExtraRepr() string {
	return fmt.Sprintf("start_dim=%d, end_dim=%d", m.StartDim, m.EndDim)
}

// String prints the module as PyTorch does.
func (m *Flatten) String() string { return Repr(m) }
