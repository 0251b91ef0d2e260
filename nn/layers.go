package nn

import (
	"fmt"
	"math"

	"github.com/intercept-ml/intercept/internal/pyfmt"
	F "github.com/intercept-ml/intercept/nn/functional"
	"github.com/intercept-ml/intercept/nninit"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

// sizeRepr prints a size argument as PyTorch stores it: a plain int when
// one value was given, a tuple otherwise.
func sizeRepr(v []int) string {
	if len(v) == 1 {
		return fmt.Sprint(v[0])
	}
	return pyfmt.Tuple(v...)
}

// MaxPool2d takes the maximum over sliding windows.
type MaxPool2d struct {
	// KernelSize, Stride, Padding and Dilation hold one value (used for
	// both dimensions, printed as an int) or two (height, width).
	KernelSize, Stride, Padding, Dilation []int
	// CeilMode rounds the output size up instead of down.
	CeilMode bool
}

// NewMaxPool2d returns MaxPool2d(kernel_size=k); without options it has
// stride k, no padding, dilation 1 and floor rounding, PyTorch's defaults.
// Options (MaxPool2dOption): Stride, Padding, Dilation (each one value for
// both dimensions or two), CeilMode. Invalid values panic in Forward with
// PyTorch's message, as in PyTorch.
func NewMaxPool2d(k int, opts ...MaxPool2dOption) *MaxPool2d {
	checkPositive("MaxPool2d", "kernel_size", k)
	c := newMaxPool2dConfig(opts)
	return &MaxPool2d{KernelSize: []int{k}, Stride: sizeOr(c.stride, k), Padding: sizeOr(c.padding, 0),
		Dilation: sizeOr(c.dilation, 1), CeilMode: c.ceilMode}
}

// sizeOr returns a copy of the size argument v, or [def] when v is empty.
func sizeOr(v []int, def int) []int {
	if len(v) == 0 {
		return []int{def}
	}
	return append([]int(nil), v...)
}

// Forward pools x of shape (N, C, H, W) or (C, H, W).
func (m *MaxPool2d) Forward(x *tensor.Tensor) *tensor.Tensor {
	if HooksActive() {
		return CallHooked(m, x, m.forward)
	}
	return m.forward(x)
}

func (m *MaxPool2d) forward(x *tensor.Tensor) *tensor.Tensor {
	return F.MaxPool2d(x, m.KernelSize, F.Stride(m.Stride...), F.Padding(m.Padding...), F.Dilation(m.Dilation...),
		F.CeilModeOption(m.CeilMode))
}

// ReadsInputOnly reports true: Forward keeps no view of its input, which
// makes MaxPool2d an InputReader.
func (m *MaxPool2d) ReadsInputOnly() bool { return true }

// ExtraRepr returns "kernel_size=2, stride=2, padding=0, dilation=1,
// ceil_mode=False".
func (m *MaxPool2d) ExtraRepr() string {
	return fmt.Sprintf("kernel_size=%s, stride=%s, padding=%s, dilation=%s, ceil_mode=%s",
		sizeRepr(m.KernelSize), sizeRepr(m.Stride), sizeRepr(m.Padding), sizeRepr(m.Dilation), pyfmt.Bool(m.CeilMode))
}

// String prints the layer as PyTorch does.
func (m *MaxPool2d) String() string { return Repr(m) }

// AvgPool2d averages over sliding windows.
type AvgPool2d struct {
	// KernelSize, Stride and Padding hold one value (used for both
	// dimensions, printed as an int) or two (height, width).
	KernelSize, Stride, Padding []int
	// CeilMode rounds the output size up instead of down.
	CeilMode bool
	// CountIncludePad counts the zero padding in each average's divisor.
	CountIncludePad bool
}

// NewAvgPool2d returns AvgPool2d(kernel_size=k); without options it has
// stride k, no padding, floor rounding and padding counted in the average
// (PyTorch's defaults). Options (AvgPool2dOption): Stride, Padding (each one
// value for both dimensions or two), CeilMode, NoCountIncludePad /
// CountIncludePad. Invalid values panic in Forward with PyTorch's message.
func NewAvgPool2d(k int, opts ...AvgPool2dOption) *AvgPool2d {
	checkPositive("AvgPool2d", "kernel_size", k)
	c := newAvgPool2dConfig(opts)
	return &AvgPool2d{KernelSize: []int{k}, Stride: sizeOr(c.stride, k), Padding: sizeOr(c.padding, 0),
		CeilMode: c.ceilMode, CountIncludePad: !c.noCountPad}
}

// Forward pools x of shape (N, C, H, W) or (C, H, W).
func (m *AvgPool2d) Forward(x *tensor.Tensor) *tensor.Tensor {
	if HooksActive() {
		return CallHooked(m, x, m.forward)
	}
	return m.forward(x)
}

func (m *AvgPool2d) forward(x *tensor.Tensor) *tensor.Tensor {
	return F.AvgPool2d(x, m.KernelSize, F.Stride(m.Stride...), F.Padding(m.Padding...), F.CeilModeOption(m.CeilMode),
		F.CountIncludePad(m.CountIncludePad))
}

// ExtraRepr returns "kernel_size=2, stride=2, padding=0".
func (m *AvgPool2d) ExtraRepr() string {
	return fmt.Sprintf("kernel_size=%s, stride=%s, padding=%s", sizeRepr(m.KernelSize), sizeRepr(m.Stride), sizeRepr(m.Padding))
}

// String prints the layer as PyTorch does.
func (m *AvgPool2d) String() string { return Repr(m) }

// AdaptiveAvgPool2d averages into a fixed output size whatever the input
// size.
type AdaptiveAvgPool2d struct {
	// OutputSize is (h, w), or one value for a square output.
	OutputSize []int
}

// NewAdaptiveAvgPool2d returns an AdaptiveAvgPool2d with output size
// (h, w); one value gives a square output.
func NewAdaptiveAvgPool2d(size ...int) *AdaptiveAvgPool2d {
	if len(size) != 1 && len(size) != 2 {
		panic(fmt.Sprintf("nn.AdaptiveAvgPool2d: output_size must have 1 or 2 values, got %v", size))
	}
	for _, s := range size {
		checkPositive("AdaptiveAvgPool2d", "output_size", s)
	}
	return &AdaptiveAvgPool2d{OutputSize: append([]int(nil), size...)}
}

// Forward pools x of shape (N, C, H, W) or (C, H, W).
func (m *AdaptiveAvgPool2d) Forward(x *tensor.Tensor) *tensor.Tensor {
	if HooksActive() {
		return CallHooked(m, x, m.forward)
	}
	return m.forward(x)
}

func (m *AdaptiveAvgPool2d) forward(x *tensor.Tensor) *tensor.Tensor {
	out := m.OutputSize
	if len(out) == 1 {
		out = []int{out[0], out[0]}
	}
	return F.AdaptiveAvgPool2d(x, out)
}

// ExtraRepr returns "output_size=(5, 7)".
func (m *AdaptiveAvgPool2d) ExtraRepr() string { return "output_size=" + sizeRepr(m.OutputSize) }

// String prints the layer as PyTorch does.
func (m *AdaptiveAvgPool2d) String() string { return Repr(m) }

// Dropout zeroes each element with probability P during training and
// scales the others by 1/(1-P); in evaluation mode it is the identity.
type Dropout struct {
	// P is the probability of zeroing an element.
	P        float64
	training bool
	gen      *rng.Generator
}

// NewDropout returns a Dropout with probability p, in training mode,
// drawing its masks from the default generator exactly as PyTorch (no-MKL
// build) does. Option (DropoutOption): WithGenerator.
func NewDropout(p float64, opts ...DropoutOption) *Dropout {
	if p < 0 || p > 1 || math.IsNaN(p) {
		panic(fmt.Sprintf("dropout probability has to be between 0 and 1, but got %v", p))
	}
	c := newDropoutConfig(opts)
	return &Dropout{P: p, training: true, gen: c.gen}
}

// SetTraining switches dropout on (training) or off (evaluation).
func (d *Dropout) SetTraining(on bool) { d.training = on }

// Forward applies dropout.
func (d *Dropout) Forward(x *tensor.Tensor) *tensor.Tensor {
	if HooksActive() {
		return CallHooked(d, x, d.forward)
	}
	return d.forward(x)
}

func (d *Dropout) forward(x *tensor.Tensor) *tensor.Tensor {
	return F.Dropout(x, d.P, F.TrainingOption(d.training), F.WithGenerator(d.gen))
}

// ExtraRepr returns "p=0.5, inplace=False".
func (d *Dropout) ExtraRepr() string { return "p=" + pyfmt.Float(d.P) + ", inplace=False" }

// String prints the layer as PyTorch does.
func (d *Dropout) String() string { return Repr(d) }

// Embedding maps int64 indices to rows of Weight (num_embeddings,
// embedding_dim).
type Embedding struct {
	// NumEmbeddings is the number of rows, EmbeddingDim their length.
	NumEmbeddings, EmbeddingDim int
	// PaddingIdx is the row that stays zero and gets no gradient (in
	// [0, NumEmbeddings)), or -1 for none.
	PaddingIdx int
	// Weight (NumEmbeddings, EmbeddingDim) is drawn from N(0, 1).
	Weight *tensor.Tensor
}

// NewEmbedding returns an Embedding whose weight is drawn from N(0, 1) as
// PyTorch draws it (bit for bit after the same seed). Options
// (EmbeddingOption): PaddingIdx, WithGenerator, WithDType.
func NewEmbedding(num, dim int, opts ...EmbeddingOption) *Embedding {
	checkPositive("Embedding", "num_embeddings", num, "embedding_dim", dim)
	c := newEmbeddingConfig(opts)
	e := &Embedding{NumEmbeddings: num, EmbeddingDim: dim, PaddingIdx: -1}
	if c.paddingIdx != nil {
		i := *c.paddingIdx
		if i < -num || i >= num {
			panic(fmt.Sprintf("nn.Embedding: Padding_idx must be within num_embeddings (padding_idx=%d, num_embeddings=%d)", i, num))
		}
		if i < 0 {
			i += num
		}
		e.PaddingIdx = i
	}
	e.Weight = tensor.NewParameter(tensor.ZerosOf(c.dtype, num, dim))
	e.resetParameters(c.gen)
	return e
}

// resetParameters is PyTorch's: init.normal_(self.weight), then the padding
// row zeroed.
func (e *Embedding) resetParameters(g *rng.Generator) {
	nninit.Normal(e.Weight, 0, 1, nninit.WithGenerator(g))
	if e.PaddingIdx >= 0 {
		tensor.NoGrad(func() { e.Weight.Select(0, e.PaddingIdx).Fill(0) })
	}
}

// Forward looks up the rows of the int64 tensor idx.
func (e *Embedding) Forward(idx *tensor.Tensor) *tensor.Tensor {
	if HooksActive() {
		return CallHooked(e, idx, e.forward)
	}
	return e.forward(idx)
}

func (e *Embedding) forward(idx *tensor.Tensor) *tensor.Tensor {
	if e.PaddingIdx >= 0 {
		return F.Embedding(idx, e.Weight, F.PaddingIdx(e.PaddingIdx))
	}
	return F.Embedding(idx, e.Weight)
}

// ExtraRepr returns "10, 3" or "10, 3, padding_idx=0".
func (e *Embedding) ExtraRepr() string {
	s := fmt.Sprintf("%d, %d", e.NumEmbeddings, e.EmbeddingDim)
	if e.PaddingIdx >= 0 {
		s += fmt.Sprintf(", padding_idx=%d", e.PaddingIdx)
	}
	return s
}

// String prints the layer as PyTorch does.
func (e *Embedding) String() string { return Repr(e) }

// Bilinear applies y_k = x1ᵀ·W_k·x2 + b_k to two inputs. Weight has shape
// (out, in1, in2); Bias (out) is nil with NoBias. Bilinear takes two inputs,
// so it has Forward2 instead of Forward.
type Bilinear struct {
	// In1Features and In2Features are the sizes of the two inputs' last
	// dimension, OutFeatures the size of the output's.
	In1Features, In2Features, OutFeatures int
	// Weight has shape (OutFeatures, In1Features, In2Features).
	Weight *tensor.Tensor
	// Bias (OutFeatures) is nil with NoBias.
	Bias *tensor.Tensor
}

// NewBilinear returns a Bilinear layer initialized as PyTorch does:
// weight then bias uniform in ±1/sqrt(in1). Options (LinearOption): NoBias /
// Bias, WithGenerator, WithDType.
func NewBilinear(in1, in2, out int, opts ...LinearOption) *Bilinear {
	checkPositive("Bilinear", "in1_features", in1, "in2_features", in2, "out_features", out)
	c := newLinearConfig(opts)
	b := &Bilinear{In1Features: in1, In2Features: in2, OutFeatures: out}
	b.Weight = tensor.NewParameter(tensor.ZerosOf(c.dtype, out, in1, in2))
	if c.bias {
		b.Bias = tensor.NewParameter(tensor.ZerosOf(c.dtype, out))
	}
	b.resetParameters(c.gen)
	return b
}

// resetParameters is PyTorch's:
//
//	bound = 1 / math.sqrt(self.weight.size(1))
//	init.uniform_(self.weight, -bound, bound)
//	if self.bias is not None:
//	    init.uniform_(self.bias, -bound, bound)
func (b *Bilinear) resetParameters(g *rng.Generator) {
	gen := nninit.WithGenerator(g)
	bound := 1 / math.Sqrt(float64(b.Weight.Size(1)))
	nninit.Uniform(b.Weight, -bound, bound, gen)
	if b.Bias != nil {
		nninit.Uniform(b.Bias, -bound, bound, gen)
	}
}

// Forward2 computes the bilinear form of x1 (..., in1) and x2 (..., in2).
func (b *Bilinear) Forward2(x1, x2 *tensor.Tensor) *tensor.Tensor {
	return F.Bilinear(x1, x2, b.Weight, b.Bias)
}

// ExtraRepr returns "in1_features=2, in2_features=3, out_features=4,
// bias=True".
func (b *Bilinear) ExtraRepr() string {
	return fmt.Sprintf("in1_features=%d, in2_features=%d, out_features=%d, bias=%s", b.In1Features, b.In2Features, b.OutFeatures, pyfmt.Bool(b.Bias != nil))
}

// String prints the layer as PyTorch does.
func (b *Bilinear) String() string { return Repr(b) }
