package nn

import (
	"fmt"

	"github.com/intercept-ml/intercept/internal/pyfmt"
	F "github.com/intercept-ml/intercept/nn/functional"
	"github.com/intercept-ml/intercept/nninit"
	"github.com/intercept-ml/intercept/tensor"
)

// GroupNormOption configures NewGroupNorm: Eps, Affine, WithDType.
type GroupNormOption interface{ applyGroupNorm(*groupNormConfig) }

// InstanceNormOption configures NewInstanceNorm1d, NewInstanceNorm2d and
// NewInstanceNorm3d: Eps, Momentum, Affine, TrackRunningStats, WithDType.
type InstanceNormOption interface{ applyInstanceNorm(*batchNormConfig) }

type groupNormConfig struct {
	dtype  tensor.DType
	eps    float64
	affine bool
}

func (e EpsOption) applyGroupNorm(c *groupNormConfig)                  { c.eps = float64(e) }
func (e EpsOption) applyInstanceNorm(c *batchNormConfig)               { c.eps = float64(e) }
func (a AffineOption) applyGroupNorm(c *groupNormConfig)               { c.affine = bool(a) }
func (a AffineOption) applyInstanceNorm(c *batchNormConfig)            { c.affine = bool(a) }
func (d DTypeOption) applyGroupNorm(c *groupNormConfig)                { c.dtype = tensor.DType(d) }
func (d DTypeOption) applyInstanceNorm(c *batchNormConfig)             { c.dtype = tensor.DType(d) }
func (t TrackRunningStatsOption) applyInstanceNorm(c *batchNormConfig) { c.tracking = bool(t) }

// applyInstanceNorm sets InstanceNorm's momentum. MomentumNone, which
// PyTorch accepts in the constructor but not in forward (instance_norm
// takes a float), panics.
func (o MomentumOption) applyInstanceNorm(c *batchNormConfig) {
	if o.none {
		panic("instance_norm(): argument 'momentum' (position 7) must be float, not NoneType")
	}
	c.momentum = o.m
}

// BatchNorm3d normalizes (N, C, D, H, W) inputs per channel.
type BatchNorm3d struct{ batchNorm }

// NewBatchNorm3d returns a BatchNorm3d over n channels; see NewBatchNorm1d.
func NewBatchNorm3d(n int, opts ...BatchNormOption) *BatchNorm3d {
	return &BatchNorm3d{newBatchNorm("BatchNorm3d", []int{5}, n, opts)}
}

// Forward normalizes x; in training mode it also updates the running
// statistics.
func (b *BatchNorm3d) Forward(x *tensor.Tensor) *tensor.Tensor {
	if HooksActive() {
		return CallHooked(b, x, b.forward)
	}
	return b.forward(x)
}

// String prints the layer as PyTorch does.
func (b *BatchNorm3d) String() string { return Repr(b) }

// GroupNorm normalizes groups of channels of each sample (Wu and He, 2018).
// It behaves the same in training and evaluation: it keeps no running
// statistics.
type GroupNorm struct {
	NumGroups, NumChannels int
	Eps                    float64
	// Weight and Bias (NumChannels) are nil when built with Affine(false).
	Weight *tensor.Tensor
	Bias   *tensor.Tensor
}

// NewGroupNorm returns GroupNorm(numGroups, numChannels) with PyTorch's
// defaults (eps 1e-5, affine: weight ones, bias zeros). numChannels must be
// divisible by numGroups, or it panics with PyTorch's message. Options
// (GroupNormOption): Eps, Affine, WithDType.
func NewGroupNorm(numGroups, numChannels int, opts ...GroupNormOption) *GroupNorm {
	checkPositive("GroupNorm", "num_groups", numGroups)
	if numChannels%numGroups != 0 {
		panic("num_channels must be divisible by num_groups")
	}
	c := &groupNormConfig{dtype: tensor.Float32, eps: 1e-5, affine: true}
	for _, o := range opts {
		o.applyGroupNorm(c)
	}
	g := &GroupNorm{NumGroups: numGroups, NumChannels: numChannels, Eps: c.eps}
	if c.affine {
		g.Weight = tensor.NewParameter(tensor.ZerosOf(c.dtype, numChannels))
		g.Bias = tensor.NewParameter(tensor.ZerosOf(c.dtype, numChannels))
	}
	g.resetParameters()
	return g
}

// resetParameters is PyTorch's: init.ones_(self.weight),
// init.zeros_(self.bias).
func (g *GroupNorm) resetParameters() {
	if g.Weight != nil {
		nninit.Ones(g.Weight)
		nninit.Zeros(g.Bias)
	}
}

// Forward normalizes x of shape (N, C, *).
func (g *GroupNorm) Forward(x *tensor.Tensor) *tensor.Tensor {
	if HooksActive() {
		return CallHooked(g, x, g.forward)
	}
	return g.forward(x)
}

func (g *GroupNorm) forward(x *tensor.Tensor) *tensor.Tensor {
	return F.GroupNorm(x, g.NumGroups, g.Weight, g.Bias, F.Eps(g.Eps))
}

// ExtraRepr returns "2, 6, eps=1e-05, affine=True".
func (g *GroupNorm) ExtraRepr() string {
	return fmt.Sprintf("%d, %d, eps=%s, affine=%s", g.NumGroups, g.NumChannels, pyfmt.Float(g.Eps), pyfmt.Bool(g.Weight != nil))
}

// String prints the layer as PyTorch does.
func (g *GroupNorm) String() string { return Repr(g) }

// instanceNorm is the shared part of InstanceNorm1d, 2d and 3d.
type instanceNorm struct {
	name        string
	noBatchDim  int // rank of an unbatched input
	NumFeatures int
	Eps         float64
	Momentum    float64
	training    bool

	// Weight and Bias (NumFeatures) exist only with Affine(true).
	Weight *tensor.Tensor
	Bias   *tensor.Tensor
	// Running statistics exist only with TrackRunningStats(true);
	// NumBatchesTracked is kept (and saved) as in PyTorch but, as there,
	// never incremented.
	RunningMean       *tensor.Tensor `nn:",buffer"`
	RunningVar        *tensor.Tensor `nn:",buffer"`
	NumBatchesTracked *tensor.Tensor `nn:",buffer"`
}

func newInstanceNorm(name string, noBatchDim, n int, opts []InstanceNormOption) instanceNorm {
	checkPositive(name, "num_features", n)
	c := &batchNormConfig{dtype: tensor.Float32, eps: 1e-5, momentum: 0.1}
	for _, o := range opts {
		o.applyInstanceNorm(c)
	}
	m := instanceNorm{name: name, noBatchDim: noBatchDim, NumFeatures: n, Eps: c.eps, Momentum: c.momentum, training: true}
	if c.affine {
		m.Weight = tensor.NewParameter(tensor.ZerosOf(c.dtype, n))
		m.Bias = tensor.NewParameter(tensor.ZerosOf(c.dtype, n))
	}
	if c.tracking {
		m.RunningMean = tensor.ZerosOf(c.dtype, n)
		m.RunningVar = tensor.ZerosOf(c.dtype, n)
		m.NumBatchesTracked = tensor.ZerosOf(tensor.Int64)
	}
	m.resetParameters()
	return m
}

// resetParameters is _NormBase's: reset_running_stats, then
// init.ones_(self.weight) and init.zeros_(self.bias).
func (m *instanceNorm) resetParameters() {
	if m.RunningMean != nil {
		nninit.Zeros(m.RunningMean)
		nninit.Ones(m.RunningVar)
		nninit.Zeros(m.NumBatchesTracked)
	}
	if m.Weight != nil {
		nninit.Ones(m.Weight)
		nninit.Zeros(m.Bias)
	}
}

// SetTraining switches between instance statistics (training) and, when
// the layer tracks them, running statistics (evaluation).
func (m *instanceNorm) SetTraining(on bool) { m.training = on }

// Training reports whether the layer is in training mode.
func (m *instanceNorm) Training() bool { return m.training }

func (m *instanceNorm) moduleName() string { return m.name }

// ExtraRepr returns "3, eps=1e-05, momentum=0.1, affine=False,
// track_running_stats=False".
func (m *instanceNorm) ExtraRepr() string {
	return fmt.Sprintf("%d, eps=%s, momentum=%s, affine=%s, track_running_stats=%s", m.NumFeatures, pyfmt.Float(m.Eps),
		pyfmt.Float(m.Momentum), pyfmt.Bool(m.Weight != nil), pyfmt.Bool(m.RunningMean != nil))
}

func (m *instanceNorm) forward(x *tensor.Tensor) *tensor.Tensor {
	if d := x.Dim(); d != m.noBatchDim && d != m.noBatchDim+1 {
		panic(fmt.Sprintf("expected %dD or %dD input (got %dD input)", m.noBatchDim, m.noBatchDim+1, d))
	}
	useInput := m.training || m.RunningMean == nil
	if x.Dim() == m.noBatchDim {
		return F.InstanceNorm(x.Unsqueeze(0), m.RunningMean, m.RunningVar, m.Weight, m.Bias, F.UseInputStats(useInput), F.Momentum(m.Momentum), F.Eps(m.Eps)).Squeeze(0)
	}
	return F.InstanceNorm(x, m.RunningMean, m.RunningVar, m.Weight, m.Bias, F.UseInputStats(useInput), F.Momentum(m.Momentum), F.Eps(m.Eps))
}

// InstanceNorm1d normalizes each channel of each sample of (N, C, L) or
// unbatched (C, L) inputs.
type InstanceNorm1d struct{ instanceNorm }

// InstanceNorm2d normalizes each channel of each sample of (N, C, H, W) or
// unbatched (C, H, W) inputs.
type InstanceNorm2d struct{ instanceNorm }

// InstanceNorm3d normalizes each channel of each sample of (N, C, D, H, W)
// or unbatched (C, D, H, W) inputs.
type InstanceNorm3d struct{ instanceNorm }

// NewInstanceNorm1d returns an InstanceNorm1d over n channels with
// PyTorch's defaults: eps 1e-5, momentum 0.1, no affine parameters and no
// running statistics (so instance statistics in evaluation too). With
// Affine(true) the weight starts at ones and the bias at zeros; with
// TrackRunningStats(true) the running mean at 0, the variance at 1, and
// evaluation uses them. Options (InstanceNormOption): Eps, Momentum,
// Affine, TrackRunningStats, WithDType.
func NewInstanceNorm1d(n int, opts ...InstanceNormOption) *InstanceNorm1d {
	return &InstanceNorm1d{newInstanceNorm("InstanceNorm1d", 2, n, opts)}
}

// NewInstanceNorm2d returns an InstanceNorm2d over n channels; see
// NewInstanceNorm1d.
func NewInstanceNorm2d(n int, opts ...InstanceNormOption) *InstanceNorm2d {
	return &InstanceNorm2d{newInstanceNorm("InstanceNorm2d", 3, n, opts)}
}

// NewInstanceNorm3d returns an InstanceNorm3d over n channels; see
// NewInstanceNorm1d.
func NewInstanceNorm3d(n int, opts ...InstanceNormOption) *InstanceNorm3d {
	return &InstanceNorm3d{newInstanceNorm("InstanceNorm3d", 4, n, opts)}
}

// Forward normalizes x; in training mode with running statistics it also
// updates them.
func (m *InstanceNorm1d) Forward(x *tensor.Tensor) *tensor.Tensor {
	if HooksActive() {
		return CallHooked(m, x, m.forward)
	}
	return m.forward(x)
}

// Forward normalizes x; in training mode with running statistics it also
// updates them.
func (m *InstanceNorm2d) Forward(x *tensor.Tensor) *tensor.Tensor {
	if HooksActive() {
		return CallHooked(m, x, m.forward)
	}
	return m.forward(x)
}

// Forward normalizes x; in training mode with running statistics it also
// updates them.
func (m *InstanceNorm3d) Forward(x *tensor.Tensor) *tensor.Tensor {
	if HooksActive() {
		return CallHooked(m, x, m.forward)
	}
	return m.forward(x)
}

// String prints the layer as PyTorch does.
func (m *InstanceNorm1d) String() string { return Repr(m) }

// String prints the layer as PyTorch does.
func (m *InstanceNorm2d) String() string { return Repr(m) }

// String prints the layer as PyTorch does.
func (m *InstanceNorm3d) String() string { return Repr(m) }

// LocalResponseNormOption configures NewLocalResponseNorm: Alpha (default
// 1e-4), Beta (default 0.75), K (default 1.0).
type LocalResponseNormOption = F.LocalResponseNormOption

// KOption is LocalResponseNorm's k, made by K.
type KOption = F.KOption

// K sets the additive constant of LocalResponseNorm's denominator
// (PyTorch's k, default 1.0).
func K(k float64) KOption { return F.K(k) }

// LocalResponseNorm normalizes each element by the squares of its
// neighbours across channels (torch.nn.LocalResponseNorm):
// y = x / (K + Alpha/Size · Σ x²)^Beta over a window of Size channels. It
// has no parameters.
type LocalResponseNorm struct {
	Size           int
	Alpha, Beta, K float64
}

// NewLocalResponseNorm returns LocalResponseNorm(size, alpha=0.0001,
// beta=0.75, k=1.0). Options (LocalResponseNormOption): Alpha, Beta, K.
func NewLocalResponseNorm(size int, opts ...LocalResponseNormOption) *LocalResponseNorm {
	checkPositive("LocalResponseNorm", "size", size)
	return &LocalResponseNorm{
		Size:  size,
		Alpha: float64(optionValue(opts, Alpha(1e-4))),
		Beta:  float64(optionValue(opts, Beta(0.75))),
		K:     float64(optionValue(opts, K(1))),
	}
}

// Forward normalizes x of shape (N, C, *).
func (m *LocalResponseNorm) Forward(x *tensor.Tensor) *tensor.Tensor {
	if HooksActive() {
		return CallHooked(m, x, m.forward)
	}
	return m.forward(x)
}

func (m *LocalResponseNorm) forward(x *tensor.Tensor) *tensor.Tensor {
	return F.LocalResponseNorm(x, m.Size, F.Alpha(m.Alpha), F.Beta(m.Beta), F.K(m.K))
}

// ExtraRepr returns "2, alpha=0.0001, beta=0.75, k=1.0".
func (m *LocalResponseNorm) ExtraRepr() string {
	return fmt.Sprintf("%d, alpha=%s, beta=%s, k=%s", m.Size, pyfmt.Float(m.Alpha), pyfmt.Float(m.Beta), pyfmt.Float(m.K))
}

// String prints the layer as PyTorch does.
func (m *LocalResponseNorm) String() string { return Repr(m) }
