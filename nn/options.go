package nn

import (
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

// Each layer family has its own option interface, so that passing an option
// a layer does not take is a compile error. An option shared by several
// families is an exported type implementing each family's method.

// LinearOption configures NewLinear and NewBilinear: NoBias / Bias,
// WithGenerator, WithDType.
type LinearOption interface{ applyLinear(*linearConfig) }

// ConvOption configures NewConv1d, NewConv2d, NewConv2dKernel, NewConv3d and
// NewConv3dKernel: Stride, Padding, PaddingSame, PaddingValid, Dilation,
// Groups, NoBias / Bias, PaddingModeZeros / PaddingModeReflect /
// PaddingModeReplicate / PaddingModeCircular, WithGenerator, WithDType.
type ConvOption interface{ applyConv(*convConfig) }

// ConvTransposeOption configures NewConvTranspose1d, NewConvTranspose2d,
// NewConvTranspose2dKernel, NewConvTranspose3d and NewConvTranspose3dKernel:
// Stride, Padding, OutputPadding, Dilation, Groups, NoBias / Bias,
// WithGenerator, WithDType.
type ConvTransposeOption interface{ applyConvTranspose(*convConfig) }

// MaxPool2dOption configures NewMaxPool1d, NewMaxPool2d and NewMaxPool3d
// (one family for every max pooling layer, whose keywords are the same):
// Stride, Padding, Dilation, CeilMode.
type MaxPool2dOption interface{ applyMaxPool2d(*poolConfig) }

// AvgPool2dOption configures NewAvgPool1d, NewAvgPool2d and NewAvgPool3d
// (one family for every average pooling layer): Stride, Padding, CeilMode,
// CountIncludePad / NoCountIncludePad.
type AvgPool2dOption interface{ applyAvgPool2d(*poolConfig) }

// DropoutOption configures NewDropout: WithGenerator.
type DropoutOption interface{ applyDropout(*dropoutConfig) }

// EmbeddingOption configures NewEmbedding: PaddingIdx, WithGenerator,
// WithDType.
type EmbeddingOption interface{ applyEmbedding(*embeddingConfig) }

// BatchNormOption configures NewBatchNorm1d, NewBatchNorm2d and
// NewBatchNorm3d: Eps, Momentum, MomentumNone, Affine, TrackRunningStats,
// WithDType.
type BatchNormOption interface{ applyBatchNorm(*batchNormConfig) }

// LayerNormOption configures NewLayerNorm: Eps, ElementwiseAffine,
// NoBias / Bias, WithDType.
type LayerNormOption interface{ applyLayerNorm(*layerNormConfig) }

// The configurations, with PyTorch's defaults set by the new* functions.
type (
	// params is what every layer with parameters reads.
	params struct {
		gen   *rng.Generator // nil: rng.Default()
		dtype tensor.DType
		bias  bool
	}
	linearConfig struct{ params }
	convConfig   struct {
		params
		stride, padding, dilation, outPadding []int
		paddingMode                           PaddingMode
		padMode                               PaddingModeOption
		groups                                int
	}
	poolConfig struct {
		stride, padding, dilation []int
		ceilMode, noCountPad      bool
	}
	dropoutConfig   struct{ gen *rng.Generator }
	embeddingConfig struct {
		params
		paddingIdx *int
	}
	batchNormConfig struct {
		dtype                        tensor.DType
		eps, momentum                float64
		cumulative, affine, tracking bool
	}
	layerNormConfig struct {
		dtype       tensor.DType
		eps         float64
		elementwise bool
		bias        bool
	}
)

func defaultParams() params { return params{dtype: tensor.Float32, bias: true} }

func newLinearConfig(opts []LinearOption) *linearConfig {
	c := &linearConfig{defaultParams()}
	for _, o := range opts {
		o.applyLinear(c)
	}
	return c
}

func newConvConfig(opts []ConvOption) *convConfig {
	c := &convConfig{params: defaultParams(), groups: 1}
	for _, o := range opts {
		o.applyConv(c)
	}
	return c
}

func newConvTransposeConfig(opts []ConvTransposeOption) *convConfig {
	c := &convConfig{params: defaultParams(), groups: 1}
	for _, o := range opts {
		o.applyConvTranspose(c)
	}
	return c
}

func newMaxPool2dConfig(opts []MaxPool2dOption) *poolConfig {
	c := &poolConfig{}
	for _, o := range opts {
		o.applyMaxPool2d(c)
	}
	return c
}

func newAvgPool2dConfig(opts []AvgPool2dOption) *poolConfig {
	c := &poolConfig{}
	for _, o := range opts {
		o.applyAvgPool2d(c)
	}
	return c
}

func newDropoutConfig(opts []DropoutOption) *dropoutConfig {
	c := &dropoutConfig{}
	for _, o := range opts {
		o.applyDropout(c)
	}
	return c
}

func newEmbeddingConfig(opts []EmbeddingOption) *embeddingConfig {
	c := &embeddingConfig{params: defaultParams()}
	for _, o := range opts {
		o.applyEmbedding(c)
	}
	return c
}

func newBatchNormConfig(opts []BatchNormOption) *batchNormConfig {
	c := &batchNormConfig{dtype: tensor.Float32, eps: 1e-5, momentum: 0.1, affine: true, tracking: true}
	for _, o := range opts {
		o.applyBatchNorm(c)
	}
	return c
}

func newLayerNormConfig(opts []LayerNormOption) *layerNormConfig {
	c := &layerNormConfig{dtype: tensor.Float32, eps: 1e-5, elementwise: true, bias: true}
	for _, o := range opts {
		o.applyLayerNorm(c)
	}
	return c
}

// BiasOption switches a layer's bias on or off (PyTorch's bias=...). It is a
// LinearOption, a ConvOption, a ConvTransposeOption, a LayerNormOption, an
// RNNOption, an LSTMOption, a GRUOption, an RNNCellOption and a CellOption.
// A layer built without a bias has a nil Bias field: no parameter, no
// state-dict key, no work in forward.
type BiasOption bool

// NoBias builds a layer without a bias (PyTorch's bias=False). For
// LayerNorm it drops the bias and keeps the weight, as bias=False does in
// PyTorch 2.1 and later.
const NoBias BiasOption = false

// Bias turns the layer's bias on or off (PyTorch's bias=...; on by default).
func Bias(on bool) BiasOption { return BiasOption(on) }

func (b BiasOption) applyLinear(c *linearConfig)       { c.bias = bool(b) }
func (b BiasOption) applyConv(c *convConfig)           { c.bias = bool(b) }
func (b BiasOption) applyConvTranspose(c *convConfig)  { c.bias = bool(b) }
func (b BiasOption) applyLayerNorm(c *layerNormConfig) { c.bias = bool(b) }

// GeneratorOption is the value of WithGenerator. It is a LinearOption, a
// ConvOption, a ConvTransposeOption, a DropoutOption, an EmbeddingOption and
// an option of every recurrent family (RNNOption, LSTMOption, GRUOption,
// RNNCellOption, CellOption).
type GeneratorOption struct{ g *rng.Generator }

// WithGenerator makes a layer draw its initial parameters (Dropout: its
// masks) from g instead of rng.Default(); nil selects the default. Linear,
// Bilinear, the convolutions, Dropout, Embedding and the recurrent layers
// and cells take it (RNN, LSTM and GRU also draw their inter-layer dropout
// masks from g).
func WithGenerator(g *rng.Generator) GeneratorOption { return GeneratorOption{g} }

func (o GeneratorOption) applyLinear(c *linearConfig)       { c.gen = o.g }
func (o GeneratorOption) applyConv(c *convConfig)           { c.gen = o.g }
func (o GeneratorOption) applyConvTranspose(c *convConfig)  { c.gen = o.g }
func (o GeneratorOption) applyDropout(c *dropoutConfig)     { c.gen = o.g }
func (o GeneratorOption) applyEmbedding(c *embeddingConfig) { c.gen = o.g }

// DTypeOption is the value of WithDType. It is a LinearOption, a
// ConvOption, a ConvTransposeOption, an EmbeddingOption, a BatchNormOption,
// a LayerNormOption, a GroupNormOption, an InstanceNormOption, a PReLUOption
// and an option of every recurrent family.
type DTypeOption tensor.DType

// WithDType builds the layer's parameters and buffers with element type dt
// (PyTorch's dtype=; Float32 by default, Float64 for gradient checks).
// Linear, Bilinear, the convolutions, Embedding, BatchNorm, LayerNorm,
// GroupNorm, InstanceNorm, PReLU and the recurrent layers and cells take it.
func WithDType(dt tensor.DType) DTypeOption { return DTypeOption(dt) }

func (d DTypeOption) applyLinear(c *linearConfig)       { c.dtype = tensor.DType(d) }
func (d DTypeOption) applyConv(c *convConfig)           { c.dtype = tensor.DType(d) }
func (d DTypeOption) applyConvTranspose(c *convConfig)  { c.dtype = tensor.DType(d) }
func (d DTypeOption) applyEmbedding(c *embeddingConfig) { c.dtype = tensor.DType(d) }
func (d DTypeOption) applyBatchNorm(c *batchNormConfig) { c.dtype = tensor.DType(d) }
func (d DTypeOption) applyLayerNorm(c *layerNormConfig) { c.dtype = tensor.DType(d) }

// StrideOption is the value of Stride. It is a ConvOption, a
// ConvTransposeOption, a MaxPool2dOption and an AvgPool2dOption.
type StrideOption struct{ s []int }

// Stride sets the step between windows (PyTorch's stride=), one value for
// every spatial dimension or one per dimension: default 1 for a convolution,
// where values below 1 panic in the constructor, and the kernel size for a
// pooling layer.
func Stride(s ...int) StrideOption { return StrideOption{s} }

func (o StrideOption) applyConv(c *convConfig)          { c.stride = o.s }
func (o StrideOption) applyConvTranspose(c *convConfig) { c.stride = o.s }
func (o StrideOption) applyMaxPool2d(c *poolConfig)     { c.stride = o.s }
func (o StrideOption) applyAvgPool2d(c *poolConfig)     { c.stride = o.s }

// PaddingOption is the value of Padding. It is a ConvOption, a
// ConvTransposeOption, a MaxPool2dOption and an AvgPool2dOption.
type PaddingOption struct{ p []int }

// Padding sets the implicit padding on both sides of every spatial
// dimension (PyTorch's padding=; default 0), one value for every spatial
// dimension or one per dimension: zeros for a convolution and AvgPool2d, −∞
// for MaxPool2d. For a convolution, a later Padding, PaddingSame or
// PaddingValid replaces an earlier one, and negative values panic in the
// constructor.
func Padding(p ...int) PaddingOption { return PaddingOption{p} }

func (o PaddingOption) applyConv(c *convConfig)          { c.padding, c.paddingMode = o.p, "" }
func (o PaddingOption) applyConvTranspose(c *convConfig) { c.padding, c.paddingMode = o.p, "" }
func (o PaddingOption) applyMaxPool2d(c *poolConfig)     { c.padding = o.p }
func (o PaddingOption) applyAvgPool2d(c *poolConfig)     { c.padding = o.p }

// PaddingMode is one of PyTorch's string paddings of a convolution; its
// constants are ConvOption values (transposed convolutions take numbers
// only).
type PaddingMode string

const (
	// PaddingSame pads a stride-1 convolution so that the output has the
	// input's size (PyTorch's padding='same'); with a stride above 1 the
	// constructor panics.
	PaddingSame PaddingMode = "same"
	// PaddingValid is no padding (PyTorch's padding='valid').
	PaddingValid PaddingMode = "valid"
)

func (m PaddingMode) applyConv(c *convConfig) { c.padding, c.paddingMode = nil, m }

// PaddingModeOption is a convolution's padding_mode=, a ConvOption: how the
// input is padded. It is a type of its own, not a PaddingMode, because it
// is a second keyword that combines with padding= (PaddingSame, or numbers):
// Conv2d(..., padding=1, padding_mode='reflect') is
// NewConv2d(..., Padding(1), PaddingModeReflect). Transposed convolutions
// take zeros only, as in PyTorch, so it is no ConvTransposeOption.
type PaddingModeOption string

const (
	// PaddingModeZeros pads with zeros (padding_mode='zeros', the default).
	PaddingModeZeros PaddingModeOption = "zeros"
	// PaddingModeReflect mirrors the input at its edges
	// (padding_mode='reflect'); each padding must be smaller than the input.
	PaddingModeReflect PaddingModeOption = "reflect"
	// PaddingModeReplicate repeats the edge values
	// (padding_mode='replicate').
	PaddingModeReplicate PaddingModeOption = "replicate"
	// PaddingModeCircular wraps around (padding_mode='circular').
	PaddingModeCircular PaddingModeOption = "circular"
)

func (m PaddingModeOption) applyConv(c *convConfig) { c.padMode = m }

// DilationOption is the value of Dilation. It is a ConvOption, a
// ConvTransposeOption and a MaxPool2dOption.
type DilationOption struct{ d []int }

// Dilation sets the spacing between kernel elements (PyTorch's dilation=;
// default 1), one value or one per spatial dimension. For a convolution,
// values below 1 panic in the constructor.
func Dilation(d ...int) DilationOption { return DilationOption{d} }

func (o DilationOption) applyConv(c *convConfig)          { c.dilation = o.d }
func (o DilationOption) applyConvTranspose(c *convConfig) { c.dilation = o.d }
func (o DilationOption) applyMaxPool2d(c *poolConfig)     { c.dilation = o.d }

// GroupsOption is the value of Groups. It is a ConvOption and a
// ConvTransposeOption.
type GroupsOption int

// Groups splits a convolution's channels into g independent groups
// (PyTorch's groups=; default 1). g must be positive and divide both channel
// counts, or the constructor panics.
func Groups(g int) GroupsOption { return GroupsOption(g) }

func (g GroupsOption) applyConv(c *convConfig)          { c.groups = int(g) }
func (g GroupsOption) applyConvTranspose(c *convConfig) { c.groups = int(g) }

type outputPadding []int

func (o outputPadding) applyConvTranspose(c *convConfig) { c.outPadding = o }

// OutputPadding adds size to one side of a transposed convolution's output
// (PyTorch's output_padding=; default 0), one value or one per spatial
// dimension. Each value must be smaller than the stride or the dilation of
// its dimension, or the constructor panics.
func OutputPadding(p ...int) ConvTransposeOption { return outputPadding(p) }

// CeilModeOption is PyTorch's ceil_mode of the pooling layers: a
// MaxPool2dOption and an AvgPool2dOption. CeilModeOption(b) passes a
// variable.
type CeilModeOption bool

// CeilMode rounds a pooling layer's output size up instead of down
// (PyTorch's ceil_mode=True; default False).
const CeilMode CeilModeOption = true

func (o CeilModeOption) applyMaxPool2d(c *poolConfig) { c.ceilMode = bool(o) }
func (o CeilModeOption) applyAvgPool2d(c *poolConfig) { c.ceilMode = bool(o) }

// CountIncludePadOption is AvgPool2d's count_include_pad, an
// AvgPool2dOption.
type CountIncludePadOption bool

// NoCountIncludePad makes AvgPool2d divide each window's sum by the number
// of input elements in it (PyTorch's count_include_pad=False).
const NoCountIncludePad CountIncludePadOption = false

// CountIncludePad counts the zero padding in each average's divisor or not
// (PyTorch's count_include_pad=; default True).
func CountIncludePad(on bool) CountIncludePadOption { return CountIncludePadOption(on) }

func (o CountIncludePadOption) applyAvgPool2d(c *poolConfig) { c.noCountPad = !bool(o) }

type paddingIdx int

func (p paddingIdx) applyEmbedding(c *embeddingConfig) { i := int(p); c.paddingIdx = &i }

// PaddingIdx makes row i of an Embedding a padding row (PyTorch's
// padding_idx=; default none): it starts at zero and gets no gradient. A
// negative i counts from the end, as in PyTorch; i outside
// [-num_embeddings, num_embeddings) panics in the constructor.
func PaddingIdx(i int) EmbeddingOption { return paddingIdx(i) }

// EpsOption is the value of Eps. It is a BatchNormOption, a
// LayerNormOption, a GroupNormOption and an InstanceNormOption.
type EpsOption float64

// Eps sets the value added to the variance for numerical stability
// (PyTorch's eps=; default 1e-5). BatchNorm, LayerNorm, GroupNorm and
// InstanceNorm take it.
func Eps(eps float64) EpsOption { return EpsOption(eps) }

func (e EpsOption) applyBatchNorm(c *batchNormConfig) { c.eps = float64(e) }
func (e EpsOption) applyLayerNorm(c *layerNormConfig) { c.eps = float64(e) }

// MomentumOption is the value of Momentum and of MomentumNone. It is a
// BatchNormOption and an InstanceNormOption (MomentumNone panics there:
// PyTorch's instance_norm takes a float).
type MomentumOption struct {
	m    float64
	none bool
}

// Momentum sets the momentum of the running statistics of BatchNorm and
// InstanceNorm (PyTorch's momentum=; default 0.1).
func Momentum(m float64) MomentumOption { return MomentumOption{m: m} }

// MomentumNone makes BatchNorm keep a cumulative moving average of the
// statistics (PyTorch's momentum=None).
var MomentumNone = MomentumOption{none: true}

func (o MomentumOption) applyBatchNorm(c *batchNormConfig) {
	if o.none {
		c.cumulative = true
		return
	}
	c.momentum, c.cumulative = o.m, false
}

// AffineOption is the value of Affine. It is a BatchNormOption, a
// GroupNormOption and an InstanceNormOption.
type AffineOption bool

func (a AffineOption) applyBatchNorm(c *batchNormConfig) { c.affine = bool(a) }

// Affine turns a normalization layer's learnable per-channel weight and bias
// on or off (PyTorch's affine=; default on for BatchNorm and GroupNorm, off
// for InstanceNorm).
func Affine(on bool) AffineOption { return AffineOption(on) }

// TrackRunningStatsOption is the value of TrackRunningStats. It is a
// BatchNormOption and an InstanceNormOption.
type TrackRunningStatsOption bool

func (t TrackRunningStatsOption) applyBatchNorm(c *batchNormConfig) { c.tracking = bool(t) }

// TrackRunningStats turns a layer's running statistics on or off
// (PyTorch's track_running_stats=; default on for BatchNorm, off for
// InstanceNorm). Without them BatchNorm uses batch statistics in eval mode
// too; with them InstanceNorm uses the running statistics in eval mode.
func TrackRunningStats(on bool) TrackRunningStatsOption { return TrackRunningStatsOption(on) }

type elementwiseAffine bool

func (e elementwiseAffine) applyLayerNorm(c *layerNormConfig) { c.elementwise = bool(e) }

// ElementwiseAffine turns LayerNorm's learnable weight and bias on or off
// (PyTorch's elementwise_affine=; default on).
func ElementwiseAffine(on bool) LayerNormOption { return elementwiseAffine(on) }
