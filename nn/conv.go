package nn

import (
	"fmt"
	"math"
	"strings"

	"github.com/intercept-ml/intercept/internal/ntuple"
	"github.com/intercept-ml/intercept/internal/pyfmt"
	F "github.com/intercept-ml/intercept/nn/functional"
	"github.com/intercept-ml/intercept/nninit"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

// expand returns v broadcast to n spatial dimensions (a single value is
// repeated), or def when v is empty; it panics naming the argument when v
// has the wrong length or a value below min.
func expand(layer, arg string, v []int, n, def, min int) []int {
	out, ok := ntuple.Expand(v, n, def)
	if !ok {
		panic(fmt.Sprintf("nn.%s: %s must have 1 or %d values, got %d (%v)", layer, arg, n, len(v), v))
	}
	for _, x := range out {
		if x < min {
			panic(fmt.Sprintf("nn.%s: %s must be >= %d, got %v", layer, arg, min, v))
		}
	}
	return out
}

func allEqual(v []int, x int) bool {
	for _, e := range v {
		if e != x {
			return false
		}
	}
	return true
}

// convBase holds what every convolution shares.
type convBase struct {
	name          string
	transposed    bool
	InChannels    int
	OutChannels   int
	KernelSize    []int
	Stride        []int
	Padding       []int       // explicit padding (nil with PaddingSame)
	PaddingMode   PaddingMode // "" (explicit numbers), PaddingSame or PaddingValid
	Dilation      []int
	OutputPadding []int // transposed convolutions only
	Groups        int
	// PadMode is padding_mode: PaddingModeZeros (or "") pads with zeros
	// inside the convolution; the other modes pad the input with
	// functional.Pad and convolve without padding, as PyTorch does.
	PadMode PaddingModeOption

	// Weight has shape (out, in/groups, k...) for a convolution and
	// (in, out/groups, k...) for a transposed one.
	Weight *tensor.Tensor
	// Bias has shape (out); nil when built with NoBias.
	Bias *tensor.Tensor
}

func newConv(name string, nd int, transposed bool, in, out int, kernel []int, c *convConfig) convBase {
	checkPositive(name, "in_channels", in, "out_channels", out)
	if c.groups <= 0 {
		panic(fmt.Sprintf("nn.%s: groups must be a positive integer, got %d", name, c.groups))
	}
	if in%c.groups != 0 {
		panic(fmt.Sprintf("nn.%s: in_channels must be divisible by groups (in_channels=%d, groups=%d)", name, in, c.groups))
	}
	if out%c.groups != 0 {
		panic(fmt.Sprintf("nn.%s: out_channels must be divisible by groups (out_channels=%d, groups=%d)", name, out, c.groups))
	}
	switch c.padMode {
	case "", PaddingModeZeros, PaddingModeReflect, PaddingModeReplicate, PaddingModeCircular:
	default:
		panic(fmt.Sprintf("padding_mode must be one of ['zeros', 'reflect', 'replicate', 'circular'], but got padding_mode='%s'", c.padMode))
	}
	b := convBase{
		name: name, transposed: transposed, InChannels: in, OutChannels: out, Groups: c.groups, PadMode: c.padMode,
		KernelSize: expand(name, "kernel_size", kernel, nd, 0, 1),
		Stride:     expand(name, "stride", c.stride, nd, 1, 1),
		Dilation:   expand(name, "dilation", c.dilation, nd, 1, 1),
	}
	switch c.paddingMode {
	case "":
		b.Padding = expand(name, "padding", c.padding, nd, 0, 0)
	case PaddingSame:
		if !allEqual(b.Stride, 1) {
			panic(fmt.Sprintf("nn.%s: padding='same' is not supported for strided convolutions (stride=%v)", name, b.Stride))
		}
		b.PaddingMode = PaddingSame
	case PaddingValid:
		b.PaddingMode = PaddingValid
		b.Padding = make([]int, nd)
	}
	if transposed {
		b.OutputPadding = expand(name, "output_padding", c.outPadding, nd, 0, 0)
		for i, op := range b.OutputPadding {
			if op >= b.Stride[i] && op >= b.Dilation[i] {
				panic(fmt.Sprintf("nn.%s: output padding must be smaller than either stride or dilation, but got output_padding=%v, stride=%v, dilation=%v",
					name, b.OutputPadding, b.Stride, b.Dilation))
			}
		}
	}
	var wshape []int
	if transposed {
		wshape = append([]int{in, out / c.groups}, b.KernelSize...)
	} else {
		wshape = append([]int{out, in / c.groups}, b.KernelSize...)
	}
	b.Weight = tensor.NewParameter(tensor.ZerosOf(c.dtype, wshape...))
	if c.bias {
		b.Bias = tensor.NewParameter(tensor.ZerosOf(c.dtype, out))
	}
	b.resetParameters(c.gen)
	return b
}

// resetParameters is PyTorch's _ConvNd.reset_parameters, which, unlike
// Linear's, draws no bias when fan_in is 0:
//
//	init.kaiming_uniform_(self.weight, a=math.sqrt(5))
//	if self.bias is not None:
//	    fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
//	    if fan_in != 0:
//	        bound = 1 / math.sqrt(fan_in)
//	        init.uniform_(self.bias, -bound, bound)
func (c *convBase) resetParameters(g *rng.Generator) {
	gen := nninit.WithGenerator(g)
	nninit.KaimingUniform(c.Weight, nninit.A(math.Sqrt(5)), gen)
	if c.Bias != nil {
		if fanIn, _ := nninit.FanInOut(c.Weight); fanIn != 0 {
			bound := 1 / math.Sqrt(float64(fanIn))
			nninit.Uniform(c.Bias, -bound, bound, gen)
		}
	}
}

// ExtraRepr returns PyTorch's description, e.g.
// "3, 16, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), bias=False".
func (c *convBase) ExtraRepr() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d, %d, kernel_size=%s, stride=%s", c.InChannels, c.OutChannels, pyfmt.Tuple(c.KernelSize...), pyfmt.Tuple(c.Stride...))
	switch {
	case c.PaddingMode != "":
		b.WriteString(", padding=" + string(c.PaddingMode))
	case !allEqual(c.Padding, 0):
		b.WriteString(", padding=" + pyfmt.Tuple(c.Padding...))
	}
	if !allEqual(c.Dilation, 1) {
		b.WriteString(", dilation=" + pyfmt.Tuple(c.Dilation...))
	}
	if c.transposed && !allEqual(c.OutputPadding, 0) {
		b.WriteString(", output_padding=" + pyfmt.Tuple(c.OutputPadding...))
	}
	if c.Groups != 1 {
		fmt.Fprintf(&b, ", groups=%d", c.Groups)
	}
	if c.Bias == nil {
		b.WriteString(", bias=False")
	}
	if c.PadMode != "" && c.PadMode != PaddingModeZeros {
		b.WriteString(", padding_mode=" + string(c.PadMode))
	}
	return b.String()
}

func (c *convBase) moduleName() string { return c.name }

// padInput pads x with functional.Pad for a padding_mode other than
// zeros: PyTorch's _reversed_padding_repeated_twice, (before, after) per
// spatial dimension, last dimension first; with PaddingSame the total
// dilation·(k−1) is split with the smaller half before. With zeros it
// returns x.
func (c *convBase) padInput(x *tensor.Tensor) *tensor.Tensor {
	if c.PadMode == "" || c.PadMode == PaddingModeZeros {
		return x
	}
	nd := len(c.KernelSize)
	pad := make([]int, 2*nd)
	for i := range nd {
		j := nd - 1 - i
		switch c.PaddingMode {
		case PaddingSame:
			total := c.Dilation[i] * (c.KernelSize[i] - 1)
			pad[2*j], pad[2*j+1] = total/2, total-total/2
		case PaddingValid:
		default:
			pad[2*j], pad[2*j+1] = c.Padding[i], c.Padding[i]
		}
	}
	return F.Pad(x, pad, F.PadMode(c.PadMode))
}

// padding returns the layer's padding as an option of functional's
// convolutions: none when padInput has padded the input.
func (c *convBase) padding() F.ConvOption {
	if c.PadMode != "" && c.PadMode != PaddingModeZeros {
		return F.Padding(0)
	}
	if c.PaddingMode != "" {
		return F.PaddingMode(c.PaddingMode)
	}
	return F.Padding(c.Padding...)
}

// Conv1d is a 1-D convolution over (N, C, L) or (C, L) inputs.
type Conv1d struct{ convBase }

// Conv2d is a 2-D convolution over (N, C, H, W) or (C, H, W) inputs.
type Conv2d struct{ convBase }

// Conv3d is a 3-D convolution over (N, C, D, H, W) or (C, D, H, W) inputs.
type Conv3d struct{ convBase }

// ConvTranspose1d is a 1-D transposed convolution (the gradient of Conv1d
// with respect to its input), over (N, C, L) or (C, L) inputs.
type ConvTranspose1d struct{ convBase }

// ConvTranspose2d is a 2-D transposed convolution (the gradient of Conv2d
// with respect to its input), over (N, C, H, W) or (C, H, W) inputs.
type ConvTranspose2d struct{ convBase }

// ConvTranspose3d is a 3-D transposed convolution (the gradient of Conv3d
// with respect to its input), over (N, C, D, H, W) or (C, D, H, W) inputs.
type ConvTranspose3d struct{ convBase }

// NewConv1d returns a Conv1d initialized as PyTorch does (bit for bit after
// the same seed). kernel has one value. Options (ConvOption): Stride,
// Padding, PaddingSame, PaddingValid, Dilation, Groups, NoBias,
// WithGenerator, WithDType.
func NewConv1d(in, out, kernel int, opts ...ConvOption) *Conv1d {
	return &Conv1d{newConv("Conv1d", 1, false, in, out, []int{kernel}, newConvConfig(opts))}
}

// NewConv2d returns a Conv2d with a square kernel (see NewConv2dKernel for
// rectangular ones), initialized as PyTorch does. Options as NewConv1d.
func NewConv2d(in, out, kernel int, opts ...ConvOption) *Conv2d {
	return &Conv2d{newConv("Conv2d", 2, false, in, out, []int{kernel}, newConvConfig(opts))}
}

// NewConv2dKernel is NewConv2d with a (kH, kW) kernel.
func NewConv2dKernel(in, out int, kernel [2]int, opts ...ConvOption) *Conv2d {
	return &Conv2d{newConv("Conv2d", 2, false, in, out, kernel[:], newConvConfig(opts))}
}

// NewConv3d returns a Conv3d with a cubic kernel, initialized as PyTorch
// does. Options as NewConv1d.
func NewConv3d(in, out, kernel int, opts ...ConvOption) *Conv3d {
	return &Conv3d{newConv("Conv3d", 3, false, in, out, []int{kernel}, newConvConfig(opts))}
}

// NewConv3dKernel is NewConv3d with a (kD, kH, kW) kernel.
func NewConv3dKernel(in, out int, kernel [3]int, opts ...ConvOption) *Conv3d {
	return &Conv3d{newConv("Conv3d", 3, false, in, out, kernel[:], newConvConfig(opts))}
}

// NewConvTranspose2d returns a ConvTranspose2d with a square kernel,
// initialized as PyTorch does. Options (ConvTransposeOption): Stride,
// Padding, OutputPadding, Dilation, Groups, NoBias, WithGenerator, WithDType.
func NewConvTranspose2d(in, out, kernel int, opts ...ConvTransposeOption) *ConvTranspose2d {
	return &ConvTranspose2d{newConv("ConvTranspose2d", 2, true, in, out, []int{kernel}, newConvTransposeConfig(opts))}
}

// NewConvTranspose2dKernel is NewConvTranspose2d with a (kH, kW) kernel.
func NewConvTranspose2dKernel(in, out int, kernel [2]int, opts ...ConvTransposeOption) *ConvTranspose2d {
	return &ConvTranspose2d{newConv("ConvTranspose2d", 2, true, in, out, kernel[:], newConvTransposeConfig(opts))}
}

// NewConvTranspose1d returns a ConvTranspose1d, initialized as PyTorch does
// (_ConvNd.reset_parameters on the (in, out/groups, k) weight). Options as
// NewConvTranspose2d.
func NewConvTranspose1d(in, out, kernel int, opts ...ConvTransposeOption) *ConvTranspose1d {
	return &ConvTranspose1d{newConv("ConvTranspose1d", 1, true, in, out, []int{kernel}, newConvTransposeConfig(opts))}
}

// NewConvTranspose3d returns a ConvTranspose3d with a cubic kernel,
// initialized as PyTorch does. Options as NewConvTranspose2d.
func NewConvTranspose3d(in, out, kernel int, opts ...ConvTransposeOption) *ConvTranspose3d {
	return &ConvTranspose3d{newConv("ConvTranspose3d", 3, true, in, out, []int{kernel}, newConvTransposeConfig(opts))}
}

// NewConvTranspose3dKernel is NewConvTranspose3d with a (kD, kH, kW) kernel.
func NewConvTranspose3dKernel(in, out int, kernel [3]int, opts ...ConvTransposeOption) *ConvTranspose3d {
	return &ConvTranspose3d{newConv("ConvTranspose3d", 3, true, in, out, kernel[:], newConvTransposeConfig(opts))}
}

// Forward convolves x.
func (c *Conv1d) Forward(x *tensor.Tensor) *tensor.Tensor {
	if HooksActive() {
		return CallHooked(c, x, c.forward)
	}
	return c.forward(x)
}

func (c *Conv1d) forward(x *tensor.Tensor) *tensor.Tensor {
	return F.Conv1d(c.padInput(x), c.Weight, c.Bias, F.Stride(c.Stride...), c.padding(), F.Dilation(c.Dilation...), F.Groups(c.Groups))
}

// Forward convolves x.
func (c *Conv2d) Forward(x *tensor.Tensor) *tensor.Tensor {
	if HooksActive() {
		return CallHooked(c, x, c.forward)
	}
	return c.forward(x)
}

func (c *Conv2d) forward(x *tensor.Tensor) *tensor.Tensor {
	return F.Conv2d(c.padInput(x), c.Weight, c.Bias, F.Stride(c.Stride...), c.padding(), F.Dilation(c.Dilation...), F.Groups(c.Groups))
}

// ForwardReLU computes ReLU(Forward(x)) as one operation
// (functional.Conv2dReLU); it makes Conv2d a ReLUFuser.
func (c *Conv2d) ForwardReLU(x *tensor.Tensor) *tensor.Tensor {
	return F.Conv2dReLU(c.padInput(x), c.Weight, c.Bias, F.Stride(c.Stride...), c.padding(), F.Dilation(c.Dilation...), F.Groups(c.Groups))
}

// ReadsInputOnly reports true: Forward keeps no view of its input, which
// makes Conv2d an InputReader.
func (c *Conv2d) ReadsInputOnly() bool { return true }

// Forward convolves x.
func (c *Conv3d) Forward(x *tensor.Tensor) *tensor.Tensor {
	if HooksActive() {
		return CallHooked(c, x, c.forward)
	}
	return c.forward(x)
}

func (c *Conv3d) forward(x *tensor.Tensor) *tensor.Tensor {
	return F.Conv3d(c.padInput(x), c.Weight, c.Bias, F.Stride(c.Stride...), c.padding(), F.Dilation(c.Dilation...), F.Groups(c.Groups))
}

// Forward applies the transposed convolution to x.
func (c *ConvTranspose2d) Forward(x *tensor.Tensor) *tensor.Tensor {
	if HooksActive() {
		return CallHooked(c, x, c.forward)
	}
	return c.forward(x)
}

func (c *ConvTranspose2d) forward(x *tensor.Tensor) *tensor.Tensor {
	return F.ConvTranspose2d(x, c.Weight, c.Bias, F.Stride(c.Stride...), F.Padding(c.Padding...),
		F.OutputPadding(c.OutputPadding...), F.Dilation(c.Dilation...), F.Groups(c.Groups))
}

// Forward applies the transposed convolution to x.
func (c *ConvTranspose1d) Forward(x *tensor.Tensor) *tensor.Tensor {
	if HooksActive() {
		return CallHooked(c, x, c.forward)
	}
	return c.forward(x)
}

func (c *ConvTranspose1d) forward(x *tensor.Tensor) *tensor.Tensor {
	return F.ConvTranspose1d(x, c.Weight, c.Bias, F.Stride(c.Stride...), F.Padding(c.Padding...),
		F.OutputPadding(c.OutputPadding...), F.Dilation(c.Dilation...), F.Groups(c.Groups))
}

// Forward applies the transposed convolution to x.
func (c *ConvTranspose3d) Forward(x *tensor.Tensor) *tensor.Tensor {
	if HooksActive() {
		return CallHooked(c, x, c.forward)
	}
	return c.forward(x)
}

func (c *ConvTranspose3d) forward(x *tensor.Tensor) *tensor.Tensor {
	return F.ConvTranspose3d(x, c.Weight, c.Bias, F.Stride(c.Stride...), F.Padding(c.Padding...),
		F.OutputPadding(c.OutputPadding...), F.Dilation(c.Dilation...), F.Groups(c.Groups))
}

// String prints the layer as PyTorch does.
func (c *ConvTranspose1d) String() string { return Repr(c) }

// String prints the layer as PyTorch does.
func (c *ConvTranspose3d) String() string { return Repr(c) }

// String prints the layer as PyTorch does.
func (c *Conv1d) String() string { return Repr(c) }

// String prints the layer as PyTorch does.
func (c *Conv2d) String() string { return Repr(c) }

// String prints the layer as PyTorch does.
func (c *Conv3d) String() string { return Repr(c) }

// String prints the layer as PyTorch does.
func (c *ConvTranspose2d) String() string { return Repr(c) }
