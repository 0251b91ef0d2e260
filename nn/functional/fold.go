package functional

import (
	"fmt"

	"github.com/intercept-ml/intercept/internal/pyfmt"
	"github.com/intercept-ml/intercept/tensor"
)

// pair2 expands a 2-D size argument of Unfold/Fold: one value or two.
func pair2(name string, v []int, def int) []int {
	switch len(v) {
	case 0:
		return []int{def, def}
	case 1:
		return []int{v[0], v[0]}
	case 2:
		return []int{v[0], v[1]}
	}
	panic(fmt.Sprintf("It is expected %s equals to 2, but got size %d", name, len(v)))
}

// checkWindow2 performs the checks PyTorch's im2col/col2im make on the
// window arguments, in the order given.
func checkWindow2(kernel, dilation, padding, stride []int, strideFirst bool) {
	if kernel[0] <= 0 || kernel[1] <= 0 {
		panic(fmt.Sprintf("kernel size should be greater than zero, but got kernel_height: %d kernel_width: %d", kernel[0], kernel[1]))
	}
	checkStride := func() {
		if stride[0] <= 0 || stride[1] <= 0 {
			panic(fmt.Sprintf("stride should be greater than zero, but got stride_height: %d stride_width: %d", stride[0], stride[1]))
		}
	}
	if strideFirst {
		checkStride()
	}
	if dilation[0] <= 0 || dilation[1] <= 0 {
		panic(fmt.Sprintf("dilation should be greater than zero, but got dilation_height: %d dilation_width: %d", dilation[0], dilation[1]))
	}
	if padding[0] < 0 || padding[1] < 0 {
		panic(fmt.Sprintf("padding should be non-negative, but got pad_height: %d pad_width: %d", padding[0], padding[1]))
	}
	if !strideFirst {
		checkStride()
	}
}

// Unfold extracts sliding local blocks from x of shape (N, C, H, W) or
// (C, H, W), like torch.nn.functional.unfold (im2col): the result is
// (N, C·kH·kW, L) or (C·kH·kW, L), where L is the number of block positions
// and row c·kH·kW + i·kW + j holds element (i, j) of each block of channel c
// (zero where a block covers the padding). kernel holds one or two values,
// as do the options (FoldOption) Dilation (default 1), Padding (default 0)
// and Stride (default 1). Its gradient is Fold.
func Unfold(x *tensor.Tensor, kernel []int, opts ...FoldOption) *tensor.Tensor {
	var c callConfig
	applyOptions(&c, opts)
	k := pair2("kernel_size", kernel, 0)
	d := pair2("dilation", c.dilation, 1)
	p := pair2("padding", c.padding, 0)
	s := pair2("stride", c.stride, 1)
	checkWindow2(k, d, p, s, false)
	xs := x.Shape()
	if !((x.Dim() == 3 && xs[0] != 0 && xs[1] != 0 && xs[2] != 0) || (x.Dim() == 4 && xs[1] != 0 && xs[2] != 0 && xs[3] != 0)) {
		panic(fmt.Sprintf("Expected 3D or 4D (batch mode) tensor for input with possibly 0 batch size and non-zero dimensions, but got: %s", pyfmt.List(xs...)))
	}
	requireFloat("unfold", "input", x)
	batched := x.Dim() == 4
	if !batched {
		x = x.Unsqueeze(0)
		xs = x.Shape()
	}
	h, w := xs[2], xs[3]
	oh := floorDiv(h+2*p[0]-(d[0]*(k[0]-1)+1), s[0]) + 1
	ow := floorDiv(w+2*p[1]-(d[1]*(k[1]-1)+1), s[1]) + 1
	if oh < 1 || ow < 1 {
		// PyTorch 1.13 prints the input height twice here.
		panic(fmt.Sprintf("Given input with spatial size (%d, %d), kernel_size=(%d, %d), dilation=(%d, %d), padding=(%d, %d), calculated shape of the array of sliding blocks as (%d, %d), but its components must be at least one.",
			h, h, k[0], k[1], d[0], d[1], p[0], p[1], oh, ow))
	}
	g := newGeom([]int{h, w}, []int{oh, ow}, k, s, d, p)
	out := im2colOp(x, g, []int{xs[0], xs[1] * k[0] * k[1], oh * ow}, xs[1], false)
	if !batched {
		out = out.Squeeze(0)
	}
	return out
}

// Fold combines an array of sliding local blocks into a tensor, like
// torch.nn.functional.fold (col2im), summing overlapping values: x of shape
// (N, C·kH·kW, L) or (C·kH·kW, L) becomes (N, C, outputSize[0],
// outputSize[1]) or (C, ...). It is the adjoint (and gradient) of Unfold
// with the same arguments. Options (FoldOption) as Unfold.
func Fold(x *tensor.Tensor, outputSize, kernel []int, opts ...FoldOption) *tensor.Tensor {
	var cfg callConfig
	applyOptions(&cfg, opts)
	o := pair2("output_size", outputSize, 0)
	k := pair2("kernel_size", kernel, 0)
	d := pair2("dilation", cfg.dilation, 1)
	p := pair2("padding", cfg.padding, 0)
	s := pair2("stride", cfg.stride, 1)
	checkWindow2(k, d, p, s, true)
	xs := x.Shape()
	if !((x.Dim() == 2 && xs[0] != 0 && xs[1] != 0) || (x.Dim() == 3 && xs[1] != 0 && xs[2] != 0)) {
		panic(fmt.Sprintf("Expected 2D or 3D (batch mode) tensor for input with possibly 0 batch size and non-zero dimensions for input, but got: %s", pyfmt.List(xs...)))
	}
	requireFloat("fold", "input", x)
	batched := x.Dim() == 3
	if !batched {
		x = x.Unsqueeze(0)
		xs = x.Shape()
	}
	if xs[1]%(k[0]*k[1]) != 0 {
		panic(fmt.Sprintf("Expected size of input's dimension 1 to be divisible by the product of kernel_size, but got input.size(1)=%d and kernel_size=(%d, %d).",
			xs[1], k[0], k[1]))
	}
	bh := floorDiv(o[0]+2*p[0]-d[0]*(k[0]-1)-1, s[0]) + 1
	bw := floorDiv(o[1]+2*p[1]-d[1]*(k[1]-1)-1, s[1]) + 1
	args := fmt.Sprintf("Given output_size=(%d, %d), kernel_size=(%d, %d), dilation=(%d, %d), padding=(%d, %d), stride=(%d, %d), ",
		o[0], o[1], k[0], k[1], d[0], d[1], p[0], p[1], s[0], s[1])
	if xs[2] != bh*bw {
		panic(fmt.Sprintf("%sexpected size of input's dimension 2 to match the calculated number of sliding blocks %d * %d = %d, but got input.size(2)=%d.",
			args, bh, bw, bh*bw, xs[2]))
	}
	if bh < 1 || bw < 1 {
		panic(fmt.Sprintf("%scalculated shape of the array of sliding blocks as (%d, %d), which is invalid.", args, bh, bw))
	}
	c := xs[1] / (k[0] * k[1])
	g := newGeom(o, []int{bh, bw}, k, s, d, p)
	out := im2colOp(x, g, []int{xs[0], c, o[0], o[1]}, c, true)
	if !batched {
		out = out.Squeeze(0)
	}
	return out
}

// im2colOp applies im2col (or, with fold, col2im) to every sample of x as
// one autograd node whose backward is the other operation.
func im2colOp(x *tensor.Tensor, g *geom, outShape []int, c int, fold bool) *tensor.Tensor {
	xc := x.Contiguous()
	dt := x.DType()
	out := newLike(dt, outShape)
	n := outShape[0]
	if dt == tensor.Float32 {
		im2colBatch(raw[float32](xc), raw[float32](out), n, c, g, fold)
	} else {
		im2colBatch(raw[float64](xc), raw[float64](out), n, c, g, fold)
	}
	name := "Im2ColBackward0"
	if fold {
		name = "Col2ImBackward0"
	}
	shape := xc.Shape()
	tensor.Record(out, name, []*tensor.Tensor{xc}, func(gy *tensor.Tensor) []*tensor.Tensor {
		gy = contig(gy)
		gx := newLike(dt, shape)
		if dt == tensor.Float32 {
			im2colBatch(raw[float32](gy), raw[float32](gx), n, c, g, !fold)
		} else {
			im2colBatch(raw[float64](gy), raw[float64](gx), n, c, g, !fold)
		}
		return []*tensor.Tensor{gx}
	})
	return out
}

// im2colBatch runs im2col from images to columns, or col2im from columns
// into (zeroed) images when fold is set, for n samples of c channels.
func im2colBatch[T float](src, dst []T, n, c int, g *geom, fold bool) {
	img := c * g.inSize()
	colSz := c * g.kSize() * g.outSize()
	L := g.outSize()
	for i := range n {
		if fold {
			col2im(g, c, src[i*colSz:(i+1)*colSz], L, 0, dst[i*img:(i+1)*img])
		} else {
			im2col(g, c, src[i*img:(i+1)*img], dst[i*colSz:(i+1)*colSz], L, 0)
		}
	}
}
