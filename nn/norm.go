package nn

import (
	"fmt"

	"github.com/intercept-ml/intercept/internal/pyfmt"
	F "github.com/intercept-ml/intercept/nn/functional"
	"github.com/intercept-ml/intercept/tensor"
)

// NormOption configures BatchNorm and LayerNorm.
type NormOption func(*normConfig)

type normConfig struct {
	eps         float64
	momentum    float64
	cumulative  bool
	affine      bool
	trackStats  bool
	bias        bool
	dtype       tensor.DType
	elementwise bool
}

// Eps sets the value added to the variance for numerical stability
// (default 1e-5).
func Eps(eps float64) NormOption { return func(c *normConfig) { c.eps = eps } }

// Momentum sets the running-statistics momentum of BatchNorm (default 0.1).
func Momentum(m float64) NormOption {
	return func(c *normConfig) { c.momentum, c.cumulative = m, false }
}

// MomentumNone makes BatchNorm keep a cumulative moving average of the
// statistics (PyTorch's momentum=None).
var MomentumNone NormOption = func(c *normConfig) { c.cumulative = true }

// Affine turns BatchNorm's learnable weight and bias on or off (default on).
func Affine(on bool) NormOption { return func(c *normConfig) { c.affine = on } }

// TrackRunningStats turns BatchNorm's running statistics on or off (default
// on). Without them BatchNorm uses batch statistics in eval mode too.
func TrackRunningStats(on bool) NormOption { return func(c *normConfig) { c.trackStats = on } }

// ElementwiseAffine turns LayerNorm's learnable weight and bias on or off
// (default on).
func ElementwiseAffine(on bool) NormOption { return func(c *normConfig) { c.elementwise = on } }

// NormBias turns LayerNorm's bias on or off independently of its weight
// (newer PyTorch's LayerNorm(bias=False)); default on.
func NormBias(on bool) NormOption { return func(c *normConfig) { c.bias = on } }

// NormDType builds the layer's parameters and buffers with element type dt.
func NormDType(dt tensor.DType) NormOption { return func(c *normConfig) { c.dtype = dt } }

func newNormConfig(opts []NormOption) *normConfig {
	c := &normConfig{eps: 1e-5, momentum: 0.1, affine: true, trackStats: true, bias: true, elementwise: true, dtype: tensor.Float32}
	for _, o := range opts {
		o(c)
	}
	return c
}

// batchNorm is the shared part of BatchNorm1d and BatchNorm2d.
type batchNorm struct {
	name              string
	dims              []int // accepted input ranks
	NumFeatures       int
	Eps               float64
	Momentum          float64 // ignored when CumulativeAverage
	CumulativeAverage bool    // PyTorch's momentum=None
	training          bool

	// Weight and Bias (NumFeatures) are nil when built with Affine(false).
	Weight *tensor.Tensor
	Bias   *tensor.Tensor
	// Running statistics; nil when built with TrackRunningStats(false).
	RunningMean       *tensor.Tensor `nn:",buffer"`
	RunningVar        *tensor.Tensor `nn:",buffer"`
	NumBatchesTracked *tensor.Tensor `nn:",buffer"`
}

func newBatchNorm(name string, dims []int, n int, opts []NormOption) batchNorm {
	checkPositive(name, "num_features", n)
	c := newNormConfig(opts)
	b := batchNorm{name: name, dims: dims, NumFeatures: n, Eps: c.eps, Momentum: c.momentum, CumulativeAverage: c.cumulative, training: true}
	if c.affine {
		b.Weight = tensor.NewParameter(tensor.OnesOf(c.dtype, n))
		b.Bias = tensor.NewParameter(tensor.ZerosOf(c.dtype, n))
	}
	if c.trackStats {
		b.RunningMean = tensor.ZerosOf(c.dtype, n)
		b.RunningVar = tensor.OnesOf(c.dtype, n)
		b.NumBatchesTracked = tensor.ZerosOf(tensor.Int64)
	}
	return b
}

// SetTraining switches between batch statistics (training) and running
// statistics (evaluation).
func (b *batchNorm) SetTraining(on bool) { b.training = on }

// Training reports whether the layer is in training mode.
func (b *batchNorm) Training() bool { return b.training }

func (b *batchNorm) moduleName() string { return b.name }

// ExtraRepr returns "4, eps=1e-05, momentum=0.1, affine=True,
// track_running_stats=True".
func (b *batchNorm) ExtraRepr() string {
	m := pyfmt.Float(b.Momentum)
	if b.CumulativeAverage {
		m = "None"
	}
	return fmt.Sprintf("%d, eps=%s, momentum=%s, affine=%s, track_running_stats=%s", b.NumFeatures, pyfmt.Float(b.Eps), m,
		pyfmt.Bool(b.Weight != nil), pyfmt.Bool(b.RunningMean != nil))
}

func (b *batchNorm) forward(x *tensor.Tensor) *tensor.Tensor {
	ok := false
	for _, d := range b.dims {
		ok = ok || x.Dim() == d
	}
	if !ok {
		want := "4D"
		if len(b.dims) == 2 {
			want = "2D or 3D"
		}
		panic(fmt.Sprintf("expected %s input (got %dD input)", want, x.Dim()))
	}
	if x.Size(1) != b.NumFeatures {
		panic(fmt.Sprintf("running_mean should contain %d elements not %d", x.Size(1), b.NumFeatures))
	}
	factor := b.Momentum
	useBatch := b.training || b.RunningMean == nil
	if b.training && b.NumBatchesTracked != nil {
		n := b.NumBatchesTracked.DataInt64()
		n[0]++
		if b.CumulativeAverage {
			factor = 1 / float64(n[0])
		}
	}
	return F.BatchNorm(x, b.RunningMean, b.RunningVar, b.Weight, b.Bias, useBatch, factor, b.Eps)
}

// BatchNorm1d normalizes (N, C) or (N, C, L) inputs per channel.
type BatchNorm1d struct{ batchNorm }

// BatchNorm2d normalizes (N, C, H, W) inputs per channel.
type BatchNorm2d struct{ batchNorm }

// NewBatchNorm1d returns a BatchNorm1d over n features with PyTorch's
// defaults (eps 1e-5, momentum 0.1, affine, tracking running statistics):
// weight ones, bias zeros, running mean 0 and variance 1. Options: Eps,
// Momentum, MomentumNone, Affine, TrackRunningStats, NormDType.
func NewBatchNorm1d(n int, opts ...NormOption) *BatchNorm1d {
	return &BatchNorm1d{newBatchNorm("BatchNorm1d", []int{2, 3}, n, opts)}
}

// NewBatchNorm2d returns a BatchNorm2d over n channels; see NewBatchNorm1d.
func NewBatchNorm2d(n int, opts ...NormOption) *BatchNorm2d {
	return &BatchNorm2d{newBatchNorm("BatchNorm2d", []int{4}, n, opts)}
}

// Forward normalizes x; in training mode it also updates the running
// statistics.
func (b *BatchNorm1d) Forward(x *tensor.Tensor) *tensor.Tensor { return b.forward(x) }

// Forward normalizes x; in training mode it also updates the running
// statistics.
func (b *BatchNorm2d) Forward(x *tensor.Tensor) *tensor.Tensor { return b.forward(x) }

// String prints the layer as PyTorch does.
func (b *BatchNorm1d) String() string { return Repr(b) }

// String prints the layer as PyTorch does.
func (b *BatchNorm2d) String() string { return Repr(b) }

// LayerNorm normalizes over the last len(NormalizedShape) dimensions.
type LayerNorm struct {
	// NormalizedShape is the shape of the trailing dimensions normalized
	// together.
	NormalizedShape []int
	// Eps is added to the variance for numerical stability.
	Eps float64
	// Weight (NormalizedShape) is nil without elementwise affine; Bias is
	// nil without elementwise affine or with NormBias(false).
	Weight *tensor.Tensor
	Bias   *tensor.Tensor
}

// NewLayerNorm returns a LayerNorm over the trailing shape, weight ones and
// bias zeros. Options: Eps, ElementwiseAffine, NormBias, NormDType.
func NewLayerNorm(shape []int, opts ...NormOption) *LayerNorm {
	for _, d := range shape {
		checkPositive("LayerNorm", "normalized_shape", d)
	}
	c := newNormConfig(opts)
	l := &LayerNorm{NormalizedShape: append([]int(nil), shape...), Eps: c.eps}
	if c.elementwise {
		l.Weight = tensor.NewParameter(tensor.OnesOf(c.dtype, shape...))
		if c.bias {
			l.Bias = tensor.NewParameter(tensor.ZerosOf(c.dtype, shape...))
		}
	}
	return l
}

// Forward normalizes x.
func (l *LayerNorm) Forward(x *tensor.Tensor) *tensor.Tensor {
	return F.LayerNorm(x, l.NormalizedShape, l.Weight, l.Bias, l.Eps)
}

// ExtraRepr returns "(5,), eps=1e-05, elementwise_affine=True". Like
// PyTorch (2.1 and later) it does not mention a bias switched off with
// NormBias(false); the state dict shows it.
func (l *LayerNorm) ExtraRepr() string {
	return fmt.Sprintf("%s, eps=%s, elementwise_affine=%s", pyfmt.Tuple(l.NormalizedShape...), pyfmt.Float(l.Eps), pyfmt.Bool(l.Weight != nil))
}

// String prints the layer as PyTorch does.
func (l *LayerNorm) String() string { return Repr(l) }
