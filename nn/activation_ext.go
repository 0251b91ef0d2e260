package nn

import (
	"fmt"
	"math"
	"strconv"

	"github.com/intercept-ml/intercept/internal/pyfmt"
	F "github.com/intercept-ml/intercept/nn/functional"
	"github.com/intercept-ml/intercept/nninit"
	"github.com/intercept-ml/intercept/tensor"
)

// The activation modules of torch.nn beyond ReLU, LeakyReLU, Sigmoid, Tanh,
// GELU and SiLU. Each is a thin wrapper of the function of package
// functional of the same name, and takes that function's options under the
// same names here: nn.NewELU(nn.Alpha(0.5)) reads like nn.ELU(alpha=0.5).

// The option families of the activations (see functional).
type (
	// ELUOption configures NewELU: Alpha.
	ELUOption = F.ELUOption
	// CELUOption configures NewCELU: Alpha.
	CELUOption = F.CELUOption
	// SoftplusOption configures NewSoftplus: Beta, SoftplusThreshold.
	SoftplusOption = F.SoftplusOption
	// HardtanhOption configures NewHardtanh: MinVal, MaxVal.
	HardtanhOption = F.HardtanhOption
)

// The option types of the activations.
type (
	// AlphaOption is the alpha of ELU and CELU, made by Alpha.
	AlphaOption = F.AlphaOption
	// SoftplusThresholdOption is Softplus's threshold, made by
	// SoftplusThreshold.
	SoftplusThresholdOption = F.SoftplusThresholdOption
	// MinValOption is Hardtanh's min_val, made by MinVal.
	MinValOption = F.MinValOption
	// MaxValOption is Hardtanh's max_val, made by MaxVal.
	MaxValOption = F.MaxValOption
)

// Alpha sets the alpha of ELU and CELU (PyTorch's alpha, default 1.0).
func Alpha(alpha float64) AlphaOption { return F.Alpha(alpha) }

// SoftplusThreshold sets the value of beta·x above which Softplus is the
// identity (PyTorch's threshold, default 20; not named Threshold, the name
// of torch.nn.Threshold). Beta sets Softplus's beta.
func SoftplusThreshold(t float64) SoftplusThresholdOption { return F.SoftplusThreshold(t) }

// MinVal sets Hardtanh's lower bound (PyTorch's min_val, default -1.0).
func MinVal(v float64) MinValOption { return F.MinVal(v) }

// MaxVal sets Hardtanh's upper bound (PyTorch's max_val, default 1.0).
func MaxVal(v float64) MaxValOption { return F.MaxVal(v) }

// optionValue returns the value of the last option of type T in opts, or
// def when there is none. It is how a layer whose options are its
// function's (functional's families, aliased here) reads the values it keeps
// in its fields; Forward passes them back to the function as options.
func optionValue[T, O any](opts []O, def T) T {
	for _, o := range opts {
		if v, ok := any(o).(T); ok {
			def = v
		}
	}
	return def
}

// pyNumber prints v as Python prints a number the user gave: an integral
// value as an int (PyTorch's defaults beta=1, threshold=20 are ints), any
// other as a float.
func pyNumber(v float64) string {
	if v == math.Trunc(v) && math.Abs(v) < 1e15 {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	return pyfmt.Float(v)
}

// ELU applies x for x > 0 and Alpha·(exp(x) − 1) otherwise.
type ELU struct{ Alpha float64 }

// NewELU returns ELU(alpha=1.0). Options (ELUOption): Alpha.
func NewELU(opts ...ELUOption) *ELU { return &ELU{float64(optionValue(opts, Alpha(1)))} }

// Forward applies the activation.
func (m *ELU) Forward(x *tensor.Tensor) *tensor.Tensor {
	if HooksActive() {
		return CallHooked(m, x, m.forward)
	}
	return m.forward(x)
}

func (m *ELU) forward(x *tensor.Tensor) *tensor.Tensor {
	return F.ELU(x, F.Alpha(m.Alpha))
}

// ExtraRepr returns "alpha=1.0".
func (m *ELU) ExtraRepr() string { return "alpha=" + pyfmt.Float(m.Alpha) }

// String prints the module as PyTorch does.
func (m *ELU) String() string { return Repr(m) }

// CELU applies max(0, x) + min(0, Alpha·(exp(x/Alpha) − 1)).
type CELU struct{ Alpha float64 }

// NewCELU returns CELU(alpha=1.0). Options (CELUOption): Alpha.
func NewCELU(opts ...CELUOption) *CELU { return &CELU{float64(optionValue(opts, Alpha(1)))} }

// Forward applies the activation.
func (m *CELU) Forward(x *tensor.Tensor) *tensor.Tensor {
	if HooksActive() {
		return CallHooked(m, x, m.forward)
	}
	return m.forward(x)
}

func (m *CELU) forward(x *tensor.Tensor) *tensor.Tensor {
	return F.CELU(x, F.Alpha(m.Alpha))
}

// ExtraRepr returns "alpha=1.0".
func (m *CELU) ExtraRepr() string { return "alpha=" + pyfmt.Float(m.Alpha) }

// String prints the module as PyTorch does.
func (m *CELU) String() string { return Repr(m) }

// SELU applies scale·ELU(x, alpha) with the self-normalizing constants
// (functional.SELUAlpha, functional.SELUScale). Pair it with LeCun normal
// initialization (nninit.KaimingNormal with nninit.Linear gain) for
// self-normalization; nninit.CalculateGain(nninit.SELU) is 3/4.
type SELU struct {
	_ byte // not zero-size: each module has its own address (see Hooks)
}

// NewSELU returns a SELU module.
func NewSELU() *SELU { return &SELU{} }

// Forward applies the activation.
func (m *SELU) Forward(x *tensor.Tensor) *tensor.Tensor {
	if HooksActive() {
		return CallHooked(m, x, m.forward)
	}
	return m.forward(x)
}

func (m *SELU) forward(x *tensor.Tensor) *tensor.Tensor {
	return F.SELU(x)
}

// ExtraRepr is empty.
func (*SELU) ExtraRepr() string { return "" }

// String prints the module as PyTorch does.
func (m *SELU) String() string { return Repr(m) }

// Softplus applies log(1 + exp(Beta·x))/Beta, and x where Beta·x >
// Threshold.
type Softplus struct{ Beta, Threshold float64 }

// NewSoftplus returns Softplus(beta=1, threshold=20). Options
// (SoftplusOption): Beta, SoftplusThreshold. Integral values print as
// ints, as PyTorch's int defaults do: Softplus(beta=1, threshold=20).
func NewSoftplus(opts ...SoftplusOption) *Softplus {
	return &Softplus{
		Beta:      float64(optionValue(opts, Beta(1))),
		Threshold: float64(optionValue(opts, SoftplusThreshold(20))),
	}
}

// Forward applies the activation.
func (m *Softplus) Forward(x *tensor.Tensor) *tensor.Tensor {
	if HooksActive() {
		return CallHooked(m, x, m.forward)
	}
	return m.forward(x)
}

func (m *Softplus) forward(x *tensor.Tensor) *tensor.Tensor {
	return F.Softplus(x, F.Beta(m.Beta), F.SoftplusThreshold(m.Threshold))
}

// ExtraRepr returns "beta=1, threshold=20".
func (m *Softplus) ExtraRepr() string {
	return "beta=" + pyNumber(m.Beta) + ", threshold=" + pyNumber(m.Threshold)
}

// String prints the module as PyTorch does.
func (m *Softplus) String() string { return Repr(m) }

// Hardtanh clamps its input to [MinVal, MaxVal].
type Hardtanh struct{ MinVal, MaxVal float64 }

// NewHardtanh returns Hardtanh(min_val=-1.0, max_val=1.0). Options
// (HardtanhOption): MinVal, MaxVal; MaxVal must exceed MinVal (PyTorch
// asserts it).
func NewHardtanh(opts ...HardtanhOption) *Hardtanh {
	lo, hi := float64(optionValue(opts, MinVal(-1))), float64(optionValue(opts, MaxVal(1)))
	if !(hi > lo) {
		panic(fmt.Sprintf("nn.Hardtanh: max_val (%v) must be greater than min_val (%v)", hi, lo))
	}
	return &Hardtanh{lo, hi}
}

// Forward applies the activation.
func (m *Hardtanh) Forward(x *tensor.Tensor) *tensor.Tensor {
	if HooksActive() {
		return CallHooked(m, x, m.forward)
	}
	return m.forward(x)
}

func (m *Hardtanh) forward(x *tensor.Tensor) *tensor.Tensor {
	return F.Hardtanh(x, F.MinVal(m.MinVal), F.MaxVal(m.MaxVal))
}

// ExtraRepr returns "min_val=-1.0, max_val=1.0".
func (m *Hardtanh) ExtraRepr() string {
	return "min_val=" + pyfmt.Float(m.MinVal) + ", max_val=" + pyfmt.Float(m.MaxVal)
}

// String prints the module as PyTorch does.
func (m *Hardtanh) String() string { return Repr(m) }

// PReLU applies x for x > 0 and Weight·x otherwise, with a learned slope:
// one shared by every channel or one per channel (dimension 1 of the
// input).
type PReLU struct {
	NumParameters int
	// Weight (NumParameters) is the learned slope, state-dict key
	// "weight".
	Weight *tensor.Tensor
}

// PReLUOption configures NewPReLU: PReLUParameters, Init, WithDType.
type PReLUOption interface{ applyPReLU(*preluConfig) }

type preluConfig struct {
	dtype tensor.DType
	n     int
	init  float64
}

type numParameters int

func (o numParameters) applyPReLU(c *preluConfig) { c.n = int(o) }

// PReLUParameters sets the number of PReLU's slopes (PyTorch's
// num_parameters, default 1): 1 shares one slope across channels, or the
// number of channels of the input. (It is not named NumParameters, which
// counts the parameters of a model.)
func PReLUParameters(n int) PReLUOption { return numParameters(n) }

type initOption float64

func (o initOption) applyPReLU(c *preluConfig) { c.init = float64(o) }

// Init sets the initial value of PReLU's slopes (PyTorch's init, default
// 0.25).
func Init(v float64) PReLUOption { return initOption(v) }

func (d DTypeOption) applyPReLU(c *preluConfig) { c.dtype = tensor.DType(d) }

// NewPReLU returns PReLU(num_parameters=1, init=0.25): a weight parameter
// of NumParameters elements filled with init, as PyTorch does
// (torch.empty(num_parameters).fill_(init)). Options (PReLUOption):
// PReLUParameters, Init, WithDType.
func NewPReLU(opts ...PReLUOption) *PReLU {
	c := &preluConfig{dtype: tensor.Float32, n: 1, init: 0.25}
	for _, o := range opts {
		o.applyPReLU(c)
	}
	checkPositive("PReLU", "num_parameters", c.n)
	w := tensor.NewParameter(tensor.ZerosOf(c.dtype, c.n))
	nninit.Constant(w, c.init)
	return &PReLU{NumParameters: c.n, Weight: w}
}

// Forward applies the activation.
func (m *PReLU) Forward(x *tensor.Tensor) *tensor.Tensor {
	if HooksActive() {
		return CallHooked(m, x, m.forward)
	}
	return m.forward(x)
}

func (m *PReLU) forward(x *tensor.Tensor) *tensor.Tensor {
	return F.PReLU(x, m.Weight)
}

// ExtraRepr returns "num_parameters=1".
func (m *PReLU) ExtraRepr() string { return fmt.Sprintf("num_parameters=%d", m.NumParameters) }

// String prints the module as PyTorch does.
func (m *PReLU) String() string { return Repr(m) }

// Softmin applies softmax(−x) along Dim.
type Softmin struct{ Dim int }

// NewSoftmin returns a Softmin over dim.
func NewSoftmin(dim int) *Softmin { return &Softmin{dim} }

// Forward applies the softmin.
func (m *Softmin) Forward(x *tensor.Tensor) *tensor.Tensor {
	if HooksActive() {
		return CallHooked(m, x, m.forward)
	}
	return m.forward(x)
}

func (m *Softmin) forward(x *tensor.Tensor) *tensor.Tensor {
	return F.Softmin(x, m.Dim)
}

// ExtraRepr returns "dim=1".
func (m *Softmin) ExtraRepr() string { return fmt.Sprintf("dim=%d", m.Dim) }

// String prints the module as PyTorch does.
func (m *Softmin) String() string { return Repr(m) }

// Mish applies x·tanh(softplus(x)).
type Mish struct {
	_ byte // not zero-size: each module has its own address (see Hooks)
}

// NewMish returns a Mish module.
func NewMish() *Mish { return &Mish{} }

// Forward applies the activation.
func (m *Mish) Forward(x *tensor.Tensor) *tensor.Tensor {
	if HooksActive() {
		return CallHooked(m, x, m.forward)
	}
	return m.forward(x)
}

func (m *Mish) forward(x *tensor.Tensor) *tensor.Tensor {
	return F.Mish(x)
}

// ExtraRepr is empty.
func (*Mish) ExtraRepr() string { return "" }

// String prints the module as PyTorch does.
func (m *Mish) String() string { return Repr(m) }

// Hardswish applies x·relu6(x + 3)/6.
type Hardswish struct {
	_ byte // not zero-size: each module has its own address (see Hooks)
}

// NewHardswish returns a Hardswish module.
func NewHardswish() *Hardswish { return &Hardswish{} }

// Forward applies the activation.
func (m *Hardswish) Forward(x *tensor.Tensor) *tensor.Tensor {
	if HooksActive() {
		return CallHooked(m, x, m.forward)
	}
	return m.forward(x)
}

func (m *Hardswish) forward(x *tensor.Tensor) *tensor.Tensor {
	return F.Hardswish(x)
}

// ExtraRepr is empty.
func (*Hardswish) ExtraRepr() string { return "" }

// String prints the module as PyTorch does.
func (m *Hardswish) String() string { return Repr(m) }

// Hardsigmoid applies relu6(x + 3)/6.
type Hardsigmoid struct {
	_ byte // not zero-size: each module has its own address (see Hooks)
}

// NewHardsigmoid returns a Hardsigmoid module.
func NewHardsigmoid() *Hardsigmoid { return &Hardsigmoid{} }

// Forward applies the activation.
func (m *Hardsigmoid) Forward(x *tensor.Tensor) *tensor.Tensor {
	if HooksActive() {
		return CallHooked(m, x, m.forward)
	}
	return m.forward(x)
}

func (m *Hardsigmoid) forward(x *tensor.Tensor) *tensor.Tensor {
	return F.Hardsigmoid(x)
}

// ExtraRepr is empty.
func (*Hardsigmoid) ExtraRepr() string { return "" }

// String prints the module as PyTorch does.
func (m *Hardsigmoid) String() string { return Repr(m) }

// ReLU6 applies min(max(x, 0), 6).
type ReLU6 struct {
	_ byte // not zero-size: each module has its own address (see Hooks)
}

// NewReLU6 returns a ReLU6 module.
func NewReLU6() *ReLU6 { return &ReLU6{} }

// Forward applies the activation.
func (m *ReLU6) Forward(x *tensor.Tensor) *tensor.Tensor {
	if HooksActive() {
		return CallHooked(m, x, m.forward)
	}
	return m.forward(x)
}

func (m *ReLU6) forward(x *tensor.Tensor) *tensor.Tensor {
	return F.ReLU6(x)
}

// ExtraRepr is empty.
func (*ReLU6) ExtraRepr() string { return "" }

// String prints the module as PyTorch does.
func (m *ReLU6) String() string { return Repr(m) }

// LogSigmoid applies log(sigmoid(x)).
type LogSigmoid struct {
	_ byte // not zero-size: each module has its own address (see Hooks)
}

// NewLogSigmoid returns a LogSigmoid module.
func NewLogSigmoid() *LogSigmoid { return &LogSigmoid{} }

// Forward applies the activation.
func (m *LogSigmoid) Forward(x *tensor.Tensor) *tensor.Tensor {
	if HooksActive() {
		return CallHooked(m, x, m.forward)
	}
	return m.forward(x)
}

func (m *LogSigmoid) forward(x *tensor.Tensor) *tensor.Tensor {
	return F.LogSigmoid(x)
}

// ExtraRepr is empty.
func (*LogSigmoid) ExtraRepr() string { return "" }

// String prints the module as PyTorch does.
func (m *LogSigmoid) String() string { return Repr(m) }

// Softsign applies x/(1 + |x|).
type Softsign struct {
	_ byte // not zero-size: each module has its own address (see Hooks)
}

// NewSoftsign returns a Softsign module.
func NewSoftsign() *Softsign { return &Softsign{} }

// Forward applies the activation.
func (m *Softsign) Forward(x *tensor.Tensor) *tensor.Tensor {
	if HooksActive() {
		return CallHooked(m, x, m.forward)
	}
	return m.forward(x)
}

func (m *Softsign) forward(x *tensor.Tensor) *tensor.Tensor {
	return F.Softsign(x)
}

// ExtraRepr is empty.
func (*Softsign) ExtraRepr() string { return "" }

// String prints the module as PyTorch does.
func (m *Softsign) String() string { return Repr(m) }

// Tanhshrink applies x − tanh(x).
type Tanhshrink struct {
	_ byte // not zero-size: each module has its own address (see Hooks)
}

// NewTanhshrink returns a Tanhshrink module.
func NewTanhshrink() *Tanhshrink { return &Tanhshrink{} }

// Forward applies the activation.
func (m *Tanhshrink) Forward(x *tensor.Tensor) *tensor.Tensor {
	if HooksActive() {
		return CallHooked(m, x, m.forward)
	}
	return m.forward(x)
}

func (m *Tanhshrink) forward(x *tensor.Tensor) *tensor.Tensor {
	return F.Tanhshrink(x)
}

// ExtraRepr is empty.
func (*Tanhshrink) ExtraRepr() string { return "" }

// String prints the module as PyTorch does.
func (m *Tanhshrink) String() string { return Repr(m) }
