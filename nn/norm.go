package nn

import (
	"fmt"

	"github.com/intercept-ml/intercept/internal/pyfmt"
	F "github.com/intercept-ml/intercept/nn/functional"
	"github.com/intercept-ml/intercept/nninit"
	"github.com/intercept-ml/intercept/tensor"
)

// batchNorm is the shared part of BatchNorm1d, BatchNorm2d and BatchNorm3d.
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

func newBatchNorm(name string, dims []int, n int, opts []BatchNormOption) batchNorm {
	checkPositive(name, "num_features", n)
	c := newBatchNormConfig(opts)
	b := batchNorm{name: name, dims: dims, NumFeatures: n, Eps: c.eps, Momentum: c.momentum, CumulativeAverage: c.cumulative, training: true}
	if c.affine {
		b.Weight = tensor.NewParameter(tensor.ZerosOf(c.dtype, n))
		b.Bias = tensor.NewParameter(tensor.ZerosOf(c.dtype, n))
	}
	if c.tracking {
		b.RunningMean = tensor.ZerosOf(c.dtype, n)
		b.RunningVar = tensor.ZerosOf(c.dtype, n)
		b.NumBatchesTracked = tensor.ZerosOf(tensor.Int64)
	}
	b.resetParameters()
	return b
}

// resetParameters is PyTorch's: reset_running_stats (running_mean.zero_(),
// running_var.fill_(1), num_batches_tracked.zero_()), then
// init.ones_(self.weight) and init.zeros_(self.bias).
func (b *batchNorm) resetParameters() {
	if b.RunningMean != nil {
		nninit.Zeros(b.RunningMean)
		nninit.Ones(b.RunningVar)
		nninit.Zeros(b.NumBatchesTracked)
	}
	if b.Weight != nil {
		nninit.Ones(b.Weight)
		nninit.Zeros(b.Bias)
	}
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
		want := fmt.Sprintf("%dD", b.dims[0])
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
	return F.BatchNorm(x, b.RunningMean, b.RunningVar, b.Weight, b.Bias, F.TrainingOption(useBatch), F.Momentum(factor), F.Eps(b.Eps))
}

// BatchNorm1d normalizes (N, C) or (N, C, L) inputs per channel.
type BatchNorm1d struct{ batchNorm }

// BatchNorm2d normalizes (N, C, H, W) inputs per channel.
type BatchNorm2d struct{ batchNorm }

// NewBatchNorm1d returns a BatchNorm1d over n features with PyTorch's
// defaults (eps 1e-5, momentum 0.1, affine, tracking running statistics):
// weight ones, bias zeros, running mean 0 and variance 1. Options
// (BatchNormOption): Eps, Momentum, MomentumNone, Affine, TrackRunningStats,
// WithDType.
func NewBatchNorm1d(n int, opts ...BatchNormOption) *BatchNorm1d {
	return &BatchNorm1d{newBatchNorm("BatchNorm1d", []int{2, 3}, n, opts)}
}

// NewBatchNorm2d returns a BatchNorm2d over n channels; see NewBatchNorm1d.
func NewBatchNorm2d(n int, opts ...BatchNormOption) *BatchNorm2d {
	return &BatchNorm2d{newBatchNorm("BatchNorm2d", []int{4}, n, opts)}
}

// Forward normalizes x; in training mode it also updates the running
// statistics.
func (b *BatchNorm1d) Forward(x *tensor.Tensor) *tensor.Tensor {
	if HooksActive() {
		return CallHooked(b, x, b.forward)
	}
	return b.forward(x)
}

// Forward normalizes x; in training mode it also updates the running
// statistics.
func (b *BatchNorm2d) Forward(x *tensor.Tensor) *tensor.Tensor {
	if HooksActive() {
		return CallHooked(b, x, b.forward)
	}
	return b.forward(x)
}

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
	// nil without elementwise affine or with NoBias.
	Weight *tensor.Tensor
	Bias   *tensor.Tensor
}

// NewLayerNorm returns a LayerNorm over the trailing shape, weight ones and
// bias zeros. Options (LayerNormOption): Eps, ElementwiseAffine, NoBias /
// Bias (PyTorch 2.1's bias=False: a weight and no bias), WithDType.
func NewLayerNorm(shape []int, opts ...LayerNormOption) *LayerNorm {
	for _, d := range shape {
		checkPositive("LayerNorm", "normalized_shape", d)
	}
	c := newLayerNormConfig(opts)
	l := &LayerNorm{NormalizedShape: append([]int(nil), shape...), Eps: c.eps}
	if c.elementwise {
		l.Weight = tensor.NewParameter(tensor.ZerosOf(c.dtype, shape...))
		if c.bias {
			l.Bias = tensor.NewParameter(tensor.ZerosOf(c.dtype, shape...))
		}
	}
	l.resetParameters()
	return l
}

// resetParameters is PyTorch's: init.ones_(self.weight),
// init.zeros_(self.bias).
func (l *LayerNorm) resetParameters() {
	if l.Weight != nil {
		nninit.Ones(l.Weight)
	}
	if l.Bias != nil {
		nninit.Zeros(l.Bias)
	}
}

// Forward normalizes x.
func (l *LayerNorm) Forward(x *tensor.Tensor) *tensor.Tensor {
	if HooksActive() {
		return CallHooked(l, x, l.forward)
	}
	return l.forward(x)
}

func (l *LayerNorm) forward(x *tensor.Tensor) *tensor.Tensor {
	return F.LayerNorm(x, l.NormalizedShape, l.Weight, l.Bias, F.Eps(l.Eps))
}

// ExtraRepr returns "(5,), eps=1e-05, elementwise_affine=True". Like
// PyTorch (2.1 and later) it does not mention a bias switched off with
// NoBias; the state dict shows it.
func (l *LayerNorm) ExtraRepr() string {
	return fmt.Sprintf("%s, eps=%s, elementwise_affine=%s", pyfmt.Tuple(l.NormalizedShape...), pyfmt.Float(l.Eps), pyfmt.Bool(l.Weight != nil))
}

// String prints the layer as PyTorch does.
func (l *LayerNorm) String() string { return Repr(l) }
