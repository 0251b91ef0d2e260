package nn

import (
	"fmt"

	"github.com/intercept-ml/intercept/internal/pyfmt"
	F "github.com/intercept-ml/intercept/nn/functional"
	"github.com/intercept-ml/intercept/tensor"
)

// MaxPool1d takes the maximum over sliding windows of a sequence.
type MaxPool1d struct {
	KernelSize, Stride, Padding, Dilation int
	// CeilMode rounds the output size up instead of down.
	CeilMode bool
}

// NewMaxPool1d returns MaxPool1d(kernel_size=k); without options it has
// stride k, no padding, dilation 1 and floor rounding, PyTorch's defaults.
// Options (MaxPool2dOption, the family of every max pooling layer): Stride,
// Padding, Dilation (one value each), CeilMode. Invalid values panic in
// Forward with PyTorch's message.
func NewMaxPool1d(k int, opts ...MaxPool2dOption) *MaxPool1d {
	checkPositive("MaxPool1d", "kernel_size", k)
	c := newMaxPool2dConfig(opts)
	return &MaxPool1d{KernelSize: k, Stride: one("MaxPool1d", "stride", c.stride, k),
		Padding: one("MaxPool1d", "padding", c.padding, 0), Dilation: one("MaxPool1d", "dilation", c.dilation, 1),
		CeilMode: c.ceilMode}
}

// one reads a size option of a 1-d layer: def when unset, else its single
// value.
func one(layer, name string, v []int, def int) int {
	switch len(v) {
	case 0:
		return def
	case 1:
		return v[0]
	}
	panic(fmt.Sprintf("nn.%s: %s must be a single int, got %v", layer, name, v))
}

// Forward pools x of shape (N, C, L) or (C, L).
func (m *MaxPool1d) Forward(x *tensor.Tensor) *tensor.Tensor {
	if HooksActive() {
		return CallHooked(m, x, m.forward)
	}
	return m.forward(x)
}

func (m *MaxPool1d) forward(x *tensor.Tensor) *tensor.Tensor {
	return F.MaxPool1d(x, []int{m.KernelSize}, F.Stride(m.Stride), F.Padding(m.Padding), F.Dilation(m.Dilation),
		F.CeilModeOption(m.CeilMode))
}

// ExtraRepr returns "kernel_size=2, stride=2, padding=0, dilation=1,
// ceil_mode=False".
func (m *MaxPool1d) ExtraRepr() string {
	return fmt.Sprintf("kernel_size=%d, stride=%d, padding=%d, dilation=%d, ceil_mode=%s",
		m.KernelSize, m.Stride, m.Padding, m.Dilation, pyfmt.Bool(m.CeilMode))
}

// String prints the layer as PyTorch does.
func (m *MaxPool1d) String() string { return Repr(m) }

// MaxPool3d takes the maximum over sliding 3-D windows.
type MaxPool3d struct {
	// KernelSize, Stride, Padding and Dilation hold one value (used for
	// every dimension, printed as an int) or three (depth, height, width).
	KernelSize, Stride, Padding, Dilation []int
	// CeilMode rounds the output size up instead of down.
	CeilMode bool
}

// NewMaxPool3d returns MaxPool3d(kernel_size=k); without options it has
// stride k, no padding, dilation 1 and floor rounding, PyTorch's defaults.
// Options (MaxPool2dOption): Stride, Padding, Dilation (each one value or
// three), CeilMode. Invalid values panic in Forward with PyTorch's message.
func NewMaxPool3d(k int, opts ...MaxPool2dOption) *MaxPool3d {
	checkPositive("MaxPool3d", "kernel_size", k)
	c := newMaxPool2dConfig(opts)
	return &MaxPool3d{KernelSize: []int{k}, Stride: sizeOr(c.stride, k), Padding: sizeOr(c.padding, 0),
		Dilation: sizeOr(c.dilation, 1), CeilMode: c.ceilMode}
}

// Forward pools x of shape (N, C, D, H, W) or (C, D, H, W).
func (m *MaxPool3d) Forward(x *tensor.Tensor) *tensor.Tensor {
	if HooksActive() {
		return CallHooked(m, x, m.forward)
	}
	return m.forward(x)
}

func (m *MaxPool3d) forward(x *tensor.Tensor) *tensor.Tensor {
	return F.MaxPool3d(x, m.KernelSize, F.Stride(m.Stride...), F.Padding(m.Padding...), F.Dilation(m.Dilation...),
		F.CeilModeOption(m.CeilMode))
}

// ExtraRepr returns "kernel_size=2, stride=2, padding=0, dilation=1,
// ceil_mode=False".
func (m *MaxPool3d) ExtraRepr() string {
	return fmt.Sprintf("kernel_size=%s, stride=%s, padding=%s, dilation=%s, ceil_mode=%s",
		sizeRepr(m.KernelSize), sizeRepr(m.Stride), sizeRepr(m.Padding), sizeRepr(m.Dilation), pyfmt.Bool(m.CeilMode))
}

// String prints the layer as PyTorch does.
func (m *MaxPool3d) String() string { return Repr(m) }

// AvgPool1d averages over sliding windows of a sequence.
type AvgPool1d struct {
	KernelSize, Stride, Padding int
	// CeilMode rounds the output size up instead of down.
	CeilMode bool
	// CountIncludePad counts the zero padding in each average's divisor.
	CountIncludePad bool
}

// NewAvgPool1d returns AvgPool1d(kernel_size=k); without options it has
// stride k, no padding, floor rounding and padding counted in the average
// (PyTorch's defaults). Options (AvgPool2dOption, the family of every
// average pooling layer): Stride, Padding (one value each), CeilMode,
// NoCountIncludePad / CountIncludePad.
func NewAvgPool1d(k int, opts ...AvgPool2dOption) *AvgPool1d {
	checkPositive("AvgPool1d", "kernel_size", k)
	c := newAvgPool2dConfig(opts)
	return &AvgPool1d{KernelSize: k, Stride: one("AvgPool1d", "stride", c.stride, k),
		Padding: one("AvgPool1d", "padding", c.padding, 0), CeilMode: c.ceilMode, CountIncludePad: !c.noCountPad}
}

// Forward pools x of shape (N, C, L) or (C, L).
func (m *AvgPool1d) Forward(x *tensor.Tensor) *tensor.Tensor {
	if HooksActive() {
		return CallHooked(m, x, m.forward)
	}
	return m.forward(x)
}

func (m *AvgPool1d) forward(x *tensor.Tensor) *tensor.Tensor {
	return F.AvgPool1d(x, []int{m.KernelSize}, F.Stride(m.Stride), F.Padding(m.Padding), F.CeilModeOption(m.CeilMode),
		F.CountIncludePad(m.CountIncludePad))
}

// ExtraRepr returns "kernel_size=(2,), stride=(2,), padding=(0,)" (PyTorch
// stores the sizes of AvgPool1d as 1-tuples).
func (m *AvgPool1d) ExtraRepr() string {
	return fmt.Sprintf("kernel_size=%s, stride=%s, padding=%s", pyfmt.Tuple(m.KernelSize), pyfmt.Tuple(m.Stride),
		pyfmt.Tuple(m.Padding))
}

// String prints the layer as PyTorch does.
func (m *AvgPool1d) String() string { return Repr(m) }

// AvgPool3d averages over sliding 3-D windows.
type AvgPool3d struct {
	// KernelSize, Stride and Padding hold one value (used for every
	// dimension, printed as an int) or three (depth, height, width).
	KernelSize, Stride, Padding []int
	// CeilMode rounds the output size up instead of down.
	CeilMode bool
	// CountIncludePad counts the zero padding in each average's divisor.
	CountIncludePad bool
}

// NewAvgPool3d returns AvgPool3d(kernel_size=k); without options it has
// stride k, no padding, floor rounding and padding counted in the average
// (PyTorch's defaults). Options (AvgPool2dOption): Stride, Padding (each
// one value or three), CeilMode, NoCountIncludePad / CountIncludePad.
func NewAvgPool3d(k int, opts ...AvgPool2dOption) *AvgPool3d {
	checkPositive("AvgPool3d", "kernel_size", k)
	c := newAvgPool2dConfig(opts)
	return &AvgPool3d{KernelSize: []int{k}, Stride: sizeOr(c.stride, k), Padding: sizeOr(c.padding, 0),
		CeilMode: c.ceilMode, CountIncludePad: !c.noCountPad}
}

// Forward pools x of shape (N, C, D, H, W) or (C, D, H, W).
func (m *AvgPool3d) Forward(x *tensor.Tensor) *tensor.Tensor {
	if HooksActive() {
		return CallHooked(m, x, m.forward)
	}
	return m.forward(x)
}

func (m *AvgPool3d) forward(x *tensor.Tensor) *tensor.Tensor {
	return F.AvgPool3d(x, m.KernelSize, F.Stride(m.Stride...), F.Padding(m.Padding...), F.CeilModeOption(m.CeilMode),
		F.CountIncludePad(m.CountIncludePad))
}

// ExtraRepr returns "kernel_size=2, stride=2, padding=0".
func (m *AvgPool3d) ExtraRepr() string {
	return fmt.Sprintf("kernel_size=%s, stride=%s, padding=%s", sizeRepr(m.KernelSize), sizeRepr(m.Stride), sizeRepr(m.Padding))
}

// String prints the layer as PyTorch does.
func (m *AvgPool3d) String() string { return Repr(m) }

// AdaptiveAvgPool1d averages a sequence into a fixed number of values per
// channel whatever its length.
type AdaptiveAvgPool1d struct{ OutputSize int }

// NewAdaptiveAvgPool1d returns AdaptiveAvgPool1d(output_size=size).
func NewAdaptiveAvgPool1d(size int) *AdaptiveAvgPool1d {
	checkPositive("AdaptiveAvgPool1d", "output_size", size)
	return &AdaptiveAvgPool1d{size}
}

// Forward pools x of shape (N, C, L) or (C, L).
func (m *AdaptiveAvgPool1d) Forward(x *tensor.Tensor) *tensor.Tensor {
	if HooksActive() {
		return CallHooked(m, x, m.forward)
	}
	return m.forward(x)
}

func (m *AdaptiveAvgPool1d) forward(x *tensor.Tensor) *tensor.Tensor {
	return F.AdaptiveAvgPool1d(x, m.OutputSize)
}

// ExtraRepr returns "output_size=5".
func (m *AdaptiveAvgPool1d) ExtraRepr() string { return fmt.Sprintf("output_size=%d", m.OutputSize) }

// String prints the layer as PyTorch does.
func (m *AdaptiveAvgPool1d) String() string { return Repr(m) }

// AdaptiveMaxPool1d takes the maximum of a sequence over a fixed number of
// windows per channel whatever its length.
type AdaptiveMaxPool1d struct{ OutputSize int }

// NewAdaptiveMaxPool1d returns AdaptiveMaxPool1d(output_size=size).
func NewAdaptiveMaxPool1d(size int) *AdaptiveMaxPool1d {
	checkPositive("AdaptiveMaxPool1d", "output_size", size)
	return &AdaptiveMaxPool1d{size}
}

// Forward pools x of shape (N, C, L) or (C, L).
func (m *AdaptiveMaxPool1d) Forward(x *tensor.Tensor) *tensor.Tensor {
	if HooksActive() {
		return CallHooked(m, x, m.forward)
	}
	return m.forward(x)
}

func (m *AdaptiveMaxPool1d) forward(x *tensor.Tensor) *tensor.Tensor {
	return F.AdaptiveMaxPool1d(x, m.OutputSize)
}

// ExtraRepr returns "output_size=5".
func (m *AdaptiveMaxPool1d) ExtraRepr() string { return fmt.Sprintf("output_size=%d", m.OutputSize) }

// String prints the layer as PyTorch does.
func (m *AdaptiveMaxPool1d) String() string { return Repr(m) }

// AdaptiveMaxPool2d takes the maximum over a fixed grid of windows per
// plane whatever the input size.
type AdaptiveMaxPool2d struct {
	// OutputSize is (h, w), or one value for a square output.
	OutputSize []int
}

// NewAdaptiveMaxPool2d returns an AdaptiveMaxPool2d with output size
// (h, w); one value gives a square output.
func NewAdaptiveMaxPool2d(size ...int) *AdaptiveMaxPool2d {
	if len(size) != 1 && len(size) != 2 {
		panic(fmt.Sprintf("nn.AdaptiveMaxPool2d: output_size must have 1 or 2 values, got %v", size))
	}
	for _, s := range size {
		checkPositive("AdaptiveMaxPool2d", "output_size", s)
	}
	return &AdaptiveMaxPool2d{OutputSize: append([]int(nil), size...)}
}

// Forward pools x of shape (N, C, H, W) or (C, H, W).
func (m *AdaptiveMaxPool2d) Forward(x *tensor.Tensor) *tensor.Tensor {
	if HooksActive() {
		return CallHooked(m, x, m.forward)
	}
	return m.forward(x)
}

func (m *AdaptiveMaxPool2d) forward(x *tensor.Tensor) *tensor.Tensor {
	return F.AdaptiveMaxPool2d(x, m.OutputSize)
}

// ExtraRepr returns "output_size=(5, 7)".
func (m *AdaptiveMaxPool2d) ExtraRepr() string { return "output_size=" + sizeRepr(m.OutputSize) }

// String prints the layer as PyTorch does.
func (m *AdaptiveMaxPool2d) String() string { return Repr(m) }

// Unflatten splits dimension Dim into UnflattenedSize (one entry may be
// -1, inferred), the inverse of Flatten.
type Unflatten struct {
	Dim             int
	UnflattenedSize []int
}

// NewUnflatten returns Unflatten(dim, unflattened_size).
func NewUnflatten(dim int, size ...int) *Unflatten {
	if len(size) == 0 {
		panic("unflattened_size must be tuple of ints, but found type NoneType")
	}
	return &Unflatten{Dim: dim, UnflattenedSize: append([]int(nil), size...)}
}

// Forward returns x with dimension Dim split (a view where x's layout
// allows, as PyTorch's).
func (m *Unflatten) Forward(x *tensor.Tensor) *tensor.Tensor {
	if HooksActive() {
		return CallHooked(m, x, m.forward)
	}
	return m.forward(x)
}

func (m *Unflatten) forward(x *tensor.Tensor) *tensor.Tensor {
	sh := x.Shape()
	d := m.Dim
	if d < 0 {
		d += len(sh)
	}
	if d < 0 || d >= len(sh) {
		panic(fmt.Sprintf("Dimension out of range (expected to be in range of [%d, %d], but got %d)", -len(sh), len(sh)-1, m.Dim))
	}
	prod, infer := 1, false
	for _, s := range m.UnflattenedSize {
		if s == -1 {
			infer = true
			continue
		}
		prod *= s
	}
	if (!infer && prod != sh[d]) || (infer && (prod == 0 || sh[d]%prod != 0)) {
		panic(fmt.Sprintf("unflatten: Provided sizes %s don't multiply up to the size of dim %d (%d) in the input tensor",
			pyfmt.List(m.UnflattenedSize...), m.Dim, sh[d]))
	}
	ns := append(append(append([]int(nil), sh[:d]...), m.UnflattenedSize...), sh[d+1:]...)
	return x.Reshape(ns...)
}

// ExtraRepr returns "dim=1, unflattened_size=(2, 5)".
func (m *Unflatten) ExtraRepr() string {
	return fmt.Sprintf("dim=%d, unflattened_size=%s", m.Dim, pyfmt.Tuple(m.UnflattenedSize...))
}

// String prints the module as PyTorch does.
func (m *Unflatten) String() string { return Repr(m) }
