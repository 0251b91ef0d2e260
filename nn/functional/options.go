package functional

import (
	"fmt"

	"github.com/intercept-ml/intercept/internal/pyfmt"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

// The keyword arguments of the functions (those of the losses are listed in
// loss_options.go). PyTorch's required arguments are positional (input,
// weight, bias — nil for none —, kernel_size, p, normalized_shape, size);
// its keyword arguments with defaults are options, each function taking its
// own family (an interface with an unexported method, such as ConvOption),
// so that an option a function does not take is a compile error. An option
// taken by several functions is a named type implementing each of their
// families. The functions and the options (PyTorch keywords) they take:
//
//	Conv1d, Conv2d, Conv3d, Conv2dReLU      Stride, Padding, PaddingSame, PaddingValid, Dilation, Groups
//	ConvTranspose1d, 2d, 3d                 Stride, Padding, OutputPadding, Dilation, Groups
//	MaxPool1d, MaxPool2d(WithIndices), 3d   Stride, Padding, Dilation, CeilMode
//	AvgPool1d, AvgPool2d, AvgPool3d         Stride, Padding, CeilMode, CountIncludePad, DivisorOverride (not 1d)
//	Unfold, Fold                            Dilation, Padding, Stride
//	Pad                                     PadConstant, PadReflect, PadReplicate, PadCircular, PadValue
//	Interpolate                             Size, ScaleFactor, ModeNearest, ModeBilinear, AlignCorners
//	GELU                                    ApproximateNone, ApproximateTanh
//	LeakyReLU                               NegativeSlope
//	ELU, CELU                               Alpha
//	Softplus                                Beta, SoftplusThreshold
//	Hardtanh                                MinVal, MaxVal
//	Dropout                                 Training, WithGenerator
//	Embedding                               PaddingIdx
//	BatchNorm                               Training, Momentum, Eps
//	LayerNorm, GroupNorm                    Eps
//	InstanceNorm                            UseInputStats, Momentum, Eps
//	LocalResponseNorm                       Alpha, Beta, K
//	the losses (see loss_options.go)        Reduction, Weight, PosWeight, IgnoreIndex, LabelSmoothing, Beta, Delta
//
// A later option for the same keyword replaces an earlier one (Padding,
// PaddingSame and PaddingValid are one keyword, padding=). Option values are
// checked when the function is called, with PyTorch's message.
//
// The families' methods are markers: a call applies its options with one
// type switch (callConfig.set), so that options passed to a function stay on
// the caller's stack. A method taking the configuration would make it and
// every option escape to the heap, an allocation per option per call. The
// options holding a pointer (WithGenerator, Weight, PosWeight) are not in
// that switch but read by the function that takes them (Dropout,
// lossOptions), for the reason given at set.

// ConvOption configures Conv1d, Conv2d, Conv3d and Conv2dReLU: Stride,
// Padding, PaddingSame, PaddingValid, Dilation, Groups.
type ConvOption interface{ convOption() }

// ConvTransposeOption configures ConvTranspose1d, ConvTranspose2d and
// ConvTranspose3d: Stride, Padding, OutputPadding, Dilation, Groups.
type ConvTransposeOption interface{ convTransposeOption() }

// MaxPool2dOption configures MaxPool1d, MaxPool2d, MaxPool2dWithIndices and
// MaxPool3d (one family for every max pooling, whose keywords are the
// same): Stride, Padding, Dilation, CeilMode.
type MaxPool2dOption interface{ maxPool2dOption() }

// AvgPool2dOption configures AvgPool1d, AvgPool2d and AvgPool3d: Stride,
// Padding, CeilMode, CountIncludePad / NoCountIncludePad, DivisorOverride
// (which AvgPool1d rejects with PyTorch's message, as avg_pool1d has no such
// keyword).
type AvgPool2dOption interface{ avgPool2dOption() }

// PadOption configures Pad: PadConstant, PadReflect, PadReplicate,
// PadCircular (mode=), PadValue (value=).
type PadOption interface{ padOption() }

// InterpolateOption configures Interpolate: Size, ScaleFactor,
// ModeNearest / ModeBilinear (mode=), AlignCorners.
type InterpolateOption interface{ interpolateOption() }

// FoldOption configures Unfold and Fold: Dilation, Padding, Stride.
type FoldOption interface{ foldOption() }

// GELUOption configures GELU: ApproximateNone or ApproximateTanh.
type GELUOption interface{ geluOption() }

// LeakyReLUOption configures LeakyReLU: NegativeSlope.
type LeakyReLUOption interface{ leakyReLUOption() }

// DropoutOption configures Dropout: Training, WithGenerator.
type DropoutOption interface{ dropoutOption() }

// EmbeddingOption configures Embedding: PaddingIdx.
type EmbeddingOption interface{ embeddingOption() }

// BatchNormOption configures BatchNorm: Training, Momentum, Eps.
type BatchNormOption interface{ batchNormOption() }

// LayerNormOption configures LayerNorm: Eps.
type LayerNormOption interface{ layerNormOption() }

// GroupNormOption configures GroupNorm: Eps.
type GroupNormOption interface{ groupNormOption() }

// InstanceNormOption configures InstanceNorm: UseInputStats, Momentum, Eps.
type InstanceNormOption interface{ instanceNormOption() }

// ELUOption configures ELU (and nn.ELU): Alpha.
type ELUOption interface{ eluOption() }

// CELUOption configures CELU (and nn.CELU): Alpha.
type CELUOption interface{ celuOption() }

// SoftplusOption configures Softplus (and nn.Softplus): Beta,
// SoftplusThreshold.
type SoftplusOption interface{ softplusOption() }

// HardtanhOption configures Hardtanh (and nn.Hardtanh): MinVal, MaxVal.
type HardtanhOption interface{ hardtanhOption() }

// LocalResponseNormOption configures LocalResponseNorm (and
// nn.LocalResponseNorm): Alpha (default 1e-4), Beta (default 0.75), K
// (default 1.0).
type LocalResponseNormOption interface{ localResponseNormOption() }

// callConfig holds the keyword arguments of a call, losses included; each
// function starts from its PyTorch defaults and reads those it takes. Size
// arguments are nil when not given (the function's default). One keyword
// taken by several functions is one field (beta: Softplus's,
// LocalResponseNorm's and SmoothL1Loss's).
type callConfig struct {
	stride, padding, dilation, outputPadding []int
	paddingMode                              PaddingMode // "" when padding is numbers
	groups                                   int
	ceilMode, countIncludePad                bool
	divisor                                  int
	hasDivisor                               bool
	approximate                              Approximation
	negativeSlope                            float64
	training, useInputStats                  bool
	gen                                      *rng.Generator
	paddingIdx                               int
	hasPaddingIdx                            bool
	momentum, eps                            float64
	alpha, beta, threshold, k                float64
	minVal, maxVal                           float64
	padMode                                  PadMode // "" is PadConstant
	size                                     []int
	scaleFactor                              []float64
	interpMode                               InterpolateMode // "" is ModeNearest
	alignCorners, hasAlignCorners            bool
	padValue                                 float64

	// The losses' keywords (loss_options.go); weight and posWeight are set
	// by lossOptions, not by set.
	reduction         Reduction
	weight, posWeight *tensor.Tensor
	ignoreIndex       int64
	labelSmoothing    float64
	delta             float64
}

// applyOptions applies opts (nil ones are skipped) to c.
func applyOptions[O any](c *callConfig, opts []O) {
	for _, o := range opts {
		c.set(any(o))
	}
}

// set applies one option, checking the values that are invalid for every
// function taking the option (an unknown Reduction, LabelSmoothing outside
// [0, 1], a Delta that is not positive) with PyTorch's message; a value
// invalid for one function only (CELU's alpha 0, SmoothL1Loss's negative
// beta) is that function's to check. It takes no option holding a pointer
// (GeneratorOption, WeightOption, PosWeightOption): such an option is the
// interface's data word itself, so storing it in c would make o, and so
// every option passed to any function, escape to the heap.
func (c *callConfig) set(o any) {
	switch o := o.(type) {
	case StrideOption:
		c.stride = o.s
	case PaddingOption:
		c.padding, c.paddingMode = o.p, ""
	case PaddingMode:
		c.paddingMode = o
	case DilationOption:
		c.dilation = o.d
	case GroupsOption:
		c.groups = int(o)
	case OutputPaddingOption:
		c.outputPadding = o.p
	case CeilModeOption:
		c.ceilMode = bool(o)
	case PadMode:
		c.padMode = o
	case SizeOption:
		c.size = o.s
	case ScaleFactorOption:
		c.scaleFactor = o.s
	case InterpolateMode:
		c.interpMode = o
	case AlignCornersOption:
		c.alignCorners, c.hasAlignCorners = bool(o), true
	case PadValueOption:
		c.padValue = float64(o)
	case CountIncludePadOption:
		c.countIncludePad = bool(o)
	case DivisorOverrideOption:
		c.divisor, c.hasDivisor = int(o), true
	case Approximation:
		c.approximate = o
	case NegativeSlopeOption:
		c.negativeSlope = float64(o)
	case TrainingOption:
		c.training = bool(o)
	case UseInputStatsOption:
		c.useInputStats = bool(o)
	case PaddingIdxOption:
		c.paddingIdx, c.hasPaddingIdx = int(o), true
	case MomentumOption:
		c.momentum = float64(o)
	case EpsOption:
		c.eps = float64(o)
	case AlphaOption:
		c.alpha = float64(o)
	case BetaOption:
		c.beta = float64(o)
	case SoftplusThresholdOption:
		c.threshold = float64(o)
	case KOption:
		c.k = float64(o)
	case MinValOption:
		c.minVal = float64(o)
	case MaxValOption:
		c.maxVal = float64(o)
	case Reduction:
		if o < Mean || o > None {
			panic(fmt.Sprintf("%v is not a valid value for reduction", o))
		}
		c.reduction = o
	case IgnoreIndexOption:
		c.ignoreIndex = int64(o)
	case LabelSmoothingOption:
		if eps := float64(o); !(eps >= 0 && eps <= 1) {
			panic("label_smoothing must be between 0.0 and 1.0. Got: " + pyfmt.Float(eps))
		}
		c.labelSmoothing = float64(o)
	case DeltaOption:
		if !(o > 0) {
			panic("huber_loss does not support non-positive values for delta.")
		}
		c.delta = float64(o)
	}
}

// StrideOption is the value of Stride. It is a ConvOption, a
// ConvTransposeOption, a MaxPool2dOption, an AvgPool2dOption and a
// FoldOption.
type StrideOption struct{ s []int }

// Stride sets the step between windows (PyTorch's stride=), one value for
// every spatial dimension or one per dimension. Default: 1 for the
// convolutions, Unfold and Fold; the kernel size for the pooling functions.
func Stride(s ...int) StrideOption { return StrideOption{s} }

func (StrideOption) convOption()          {}
func (StrideOption) convTransposeOption() {}
func (StrideOption) maxPool2dOption()     {}
func (StrideOption) avgPool2dOption()     {}
func (StrideOption) foldOption()          {}

// PaddingOption is the value of Padding. It is a ConvOption, a
// ConvTransposeOption, a MaxPool2dOption, an AvgPool2dOption and a
// FoldOption.
type PaddingOption struct{ p []int }

// Padding sets the implicit padding on both sides of every spatial
// dimension (PyTorch's padding=; default 0), one value for every spatial
// dimension or one per dimension: zeros for the convolutions, Unfold, Fold
// and AvgPool2d, −∞ for MaxPool2d. For a convolution, a later Padding,
// PaddingSame or PaddingValid replaces an earlier one.
func Padding(p ...int) PaddingOption { return PaddingOption{p} }

func (PaddingOption) convOption()          {}
func (PaddingOption) convTransposeOption() {}
func (PaddingOption) maxPool2dOption()     {}
func (PaddingOption) avgPool2dOption()     {}
func (PaddingOption) foldOption()          {}

// PaddingMode is one of PyTorch's string paddings of a convolution
// (padding='same' or 'valid'); its constants are ConvOption values. Other
// values panic with PyTorch's message ("Invalid padding string: 'foo'").
type PaddingMode string

const (
	// PaddingSame pads so that the output has the input's spatial size
	// (padding='same'), which requires stride 1; when the total padding
	// dilation·(kernel−1) of a dimension is odd, the extra element goes on
	// the right (bottom, back), as in PyTorch.
	PaddingSame PaddingMode = "same"
	// PaddingValid is no padding (padding='valid').
	PaddingValid PaddingMode = "valid"
)

func (PaddingMode) convOption() {}

// DilationOption is the value of Dilation. It is a ConvOption, a
// ConvTransposeOption, a MaxPool2dOption and a FoldOption.
type DilationOption struct{ d []int }

// Dilation sets the spacing between kernel elements (PyTorch's dilation=;
// default 1), one value for every spatial dimension or one per dimension.
func Dilation(d ...int) DilationOption { return DilationOption{d} }

func (DilationOption) convOption()          {}
func (DilationOption) convTransposeOption() {}
func (DilationOption) maxPool2dOption()     {}
func (DilationOption) foldOption()          {}

// GroupsOption is the value of Groups. It is a ConvOption and a
// ConvTransposeOption.
type GroupsOption int

// Groups splits a convolution's channels into g independent groups
// (PyTorch's groups=; default 1). g must be positive and divide both channel
// counts.
func Groups(g int) GroupsOption { return GroupsOption(g) }

func (GroupsOption) convOption()          {}
func (GroupsOption) convTransposeOption() {}

// OutputPaddingOption is the value of OutputPadding, a ConvTransposeOption.
type OutputPaddingOption struct{ p []int }

// OutputPadding adds size to one side (bottom, right) of a transposed
// convolution's output (PyTorch's output_padding=; default 0), one value or
// one per spatial dimension. Each value must be smaller than the stride or
// the dilation of its dimension.
func OutputPadding(p ...int) OutputPaddingOption { return OutputPaddingOption{p} }

func (OutputPaddingOption) convTransposeOption() {}

// CeilModeOption is PyTorch's ceil_mode of the pooling functions: a
// MaxPool2dOption and an AvgPool2dOption. CeilModeOption(b) passes a
// variable.
type CeilModeOption bool

// CeilMode rounds the output size of a pooling function up instead of down
// (PyTorch's ceil_mode=True; default False), as long as the last window
// starts inside the input or the left padding.
const CeilMode CeilModeOption = true

func (CeilModeOption) maxPool2dOption() {}
func (CeilModeOption) avgPool2dOption() {}

// CountIncludePadOption is AvgPool2d's count_include_pad, an
// AvgPool2dOption.
type CountIncludePadOption bool

// NoCountIncludePad divides each window's sum by the number of input
// elements in the window (PyTorch's count_include_pad=False).
const NoCountIncludePad CountIncludePadOption = false

// CountIncludePad counts the zero padding in each average's divisor or not
// (PyTorch's count_include_pad=; default True: the divisor is the window
// size clipped to the padded input).
func CountIncludePad(on bool) CountIncludePadOption { return CountIncludePadOption(on) }

func (CountIncludePadOption) avgPool2dOption() {}

// DivisorOverrideOption is the value of DivisorOverride, an
// AvgPool2dOption.
type DivisorOverrideOption int

// DivisorOverride divides every window sum of AvgPool2d by d (PyTorch's
// divisor_override=; default None). d = 0 panics as in PyTorch.
func DivisorOverride(d int) DivisorOverrideOption { return DivisorOverrideOption(d) }

func (DivisorOverrideOption) avgPool2dOption() {}

// Approximation is GELU's approximate keyword; its constants are
// GELUOptions. Other values panic with PyTorch's message.
type Approximation string

const (
	// ApproximateNone is the exact GELU, x·Φ(x) with erf (PyTorch's
	// approximate='none', the default).
	ApproximateNone Approximation = "none"
	// ApproximateTanh is PyTorch's tanh approximation
	// (approximate='tanh').
	ApproximateTanh Approximation = "tanh"
)

func (Approximation) geluOption() {}

// NegativeSlopeOption is the value of NegativeSlope, a LeakyReLUOption.
type NegativeSlopeOption float64

// NegativeSlope sets the slope of LeakyReLU for negative inputs (PyTorch's
// negative_slope=; default 0.01).
func NegativeSlope(s float64) NegativeSlopeOption { return NegativeSlopeOption(s) }

func (NegativeSlopeOption) leakyReLUOption() {}

// TrainingOption is PyTorch's training keyword: a DropoutOption (default
// True there) and a BatchNormOption (default False there).
// TrainingOption(b) passes a variable; TrainingOption(false) turns Dropout
// off.
type TrainingOption bool

// Training selects training mode (PyTorch's training=True): BatchNorm uses
// and updates batch statistics, Dropout (already in training by default)
// drops.
const Training TrainingOption = true

func (TrainingOption) dropoutOption()   {}
func (TrainingOption) batchNormOption() {}

// GeneratorOption is the value of WithGenerator, a DropoutOption.
type GeneratorOption struct{ g *rng.Generator }

// WithGenerator makes Dropout draw its mask from g instead of
// rng.Default(); nil selects the default. (PyTorch's functional dropout
// always uses the default generator.)
func WithGenerator(g *rng.Generator) GeneratorOption { return GeneratorOption{g} }

func (GeneratorOption) dropoutOption() {}

// PaddingIdxOption is the value of PaddingIdx, an EmbeddingOption.
type PaddingIdxOption int

// PaddingIdx makes row i of the weight a padding row of Embedding
// (PyTorch's padding_idx=; default None): it gets no gradient. A negative i
// counts from the end, as in PyTorch (-1 is the last row); i outside
// [-num_embeddings, num_embeddings) panics.
func PaddingIdx(i int) PaddingIdxOption { return PaddingIdxOption(i) }

func (PaddingIdxOption) embeddingOption() {}

// MomentumOption is the value of Momentum. It is a BatchNormOption and an
// InstanceNormOption.
type MomentumOption float64

// Momentum sets the factor of the running-statistics update of BatchNorm
// and InstanceNorm (PyTorch's momentum=; default 0.1).
func Momentum(m float64) MomentumOption { return MomentumOption(m) }

func (MomentumOption) batchNormOption()    {}
func (MomentumOption) instanceNormOption() {}

// UseInputStatsOption is the value of UseInputStats, an InstanceNormOption.
type UseInputStatsOption bool

// UseInputStats makes InstanceNorm normalize with the statistics of the
// input (PyTorch's use_input_stats=; default True) or, with false, with the
// running statistics it is given.
func UseInputStats(on bool) UseInputStatsOption { return UseInputStatsOption(on) }

func (UseInputStatsOption) instanceNormOption() {}

// EpsOption is the value of Eps. It is a BatchNormOption, a
// LayerNormOption, a GroupNormOption and an InstanceNormOption.
type EpsOption float64

// Eps sets the value added to the variance for numerical stability
// (PyTorch's eps=; default 1e-5).
func Eps(eps float64) EpsOption { return EpsOption(eps) }

func (EpsOption) batchNormOption()    {}
func (EpsOption) layerNormOption()    {}
func (EpsOption) groupNormOption()    {}
func (EpsOption) instanceNormOption() {}

// AlphaOption is PyTorch's alpha keyword, made by Alpha. It is an
// ELUOption, a CELUOption and a LocalResponseNormOption.
type AlphaOption float64

// Alpha sets the alpha of ELU (the value the negative side saturates to,
// −alpha) and of CELU (PyTorch's alpha, default 1.0; CELU panics for alpha
// 0, as PyTorch does), and LocalResponseNorm's multiplicative factor
// (default 1e-4).
func Alpha(alpha float64) AlphaOption { return AlphaOption(alpha) }

func (AlphaOption) eluOption()               {}
func (AlphaOption) celuOption()              {}
func (AlphaOption) localResponseNormOption() {}

// The families of Beta other than SmoothL1Loss's (loss_options.go):
// Softplus's beta (default 1), softplus(x) = log(1 + exp(beta·x)) / beta,
// and LocalResponseNorm's exponent (default 0.75).
func (BetaOption) softplusOption()          {}
func (BetaOption) localResponseNormOption() {}

// SoftplusThresholdOption is Softplus's threshold (PyTorch's threshold),
// made by SoftplusThreshold.
type SoftplusThresholdOption float64

// SoftplusThreshold sets the value of beta·x above which Softplus returns x
// itself (PyTorch's threshold, default 20). It is not named Threshold, the
// name torch.nn.functional.threshold would take.
func SoftplusThreshold(t float64) SoftplusThresholdOption { return SoftplusThresholdOption(t) }

func (SoftplusThresholdOption) softplusOption() {}

// MinValOption is Hardtanh's lower bound (PyTorch's min_val), made by
// MinVal.
type MinValOption float64

// MinVal sets the lower bound of Hardtanh (PyTorch's min_val, default -1).
func MinVal(v float64) MinValOption { return MinValOption(v) }

func (MinValOption) hardtanhOption() {}

// MaxValOption is Hardtanh's upper bound (PyTorch's max_val), made by
// MaxVal.
type MaxValOption float64

// MaxVal sets the upper bound of Hardtanh (PyTorch's max_val, default 1).
func MaxVal(v float64) MaxValOption { return MaxValOption(v) }

func (MaxValOption) hardtanhOption() {}

// KOption is LocalResponseNorm's additive constant (PyTorch's k), made by
// K.
type KOption float64

// K sets the additive constant of LocalResponseNorm's denominator
// (PyTorch's k, default 1.0).
func K(k float64) KOption { return KOption(k) }

func (KOption) localResponseNormOption() {}
