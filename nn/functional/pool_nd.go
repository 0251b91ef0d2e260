package functional

import (
	"fmt"

	"github.com/intercept-ml/intercept/internal/pyfmt"
	"github.com/intercept-ml/intercept/tensor"
)

// sizeArg expands a size argument of an n-d pooling function: none gives
// def, one value is used for every dimension, n values one per dimension.
func sizeArg(fn, name string, v []int, n int, def []int) []int {
	switch len(v) {
	case 0:
		return def
	case 1:
		out := make([]int, n)
		for i := range out {
			out[i] = v[0]
		}
		return out
	case n:
		return append([]int(nil), v...)
	}
	if n == 1 {
		panic(fmt.Sprintf("%s: %s must be a single int", fn, name))
	}
	panic(fmt.Sprintf("%s: %s must either be a single int, or a tuple of %d ints", fn, name, n))
}

// MaxPool1d takes the maximum over sliding windows of x of shape (N, C, L)
// or (C, L), like torch.nn.functional.max_pool1d: kernel holds one value;
// the options (MaxPool2dOption) are Stride (default the kernel size),
// Padding, Dilation and CeilMode, one value each. As in PyTorch it is
// MaxPool2d over x with a dimension of size 1 inserted before the last.
func MaxPool1d(x *tensor.Tensor, kernel []int, opts ...MaxPool2dOption) *tensor.Tensor {
	var c callConfig
	applyOptions(&c, opts)
	if x.Dim() != 2 && x.Dim() != 3 {
		panic(fmt.Sprintf("max_pool1d: Expected 2D or 3D (batch mode) tensor with optional 0 dim batch size for input, but got:%s", pyfmt.List(x.Shape()...)))
	}
	k := sizeArg("max_pool1d", "kernel_size", kernel, 1, nil)
	if k == nil {
		panic("max_pool1d: kernel_size must be a single int")
	}
	s := sizeArg("max_pool1d", "stride", c.stride, 1, k)
	p := sizeArg("max_pool1d", "padding", c.padding, 1, []int{0})
	d := sizeArg("max_pool1d", "dilation", c.dilation, 1, []int{1})
	out, _ := maxPool2d(x.Unsqueeze(-2), []int{1, k[0]}, []int{1, s[0]}, []int{0, p[0]}, []int{1, d[0]}, c.ceilMode, false)
	return out.Squeeze(-2)
}

// AvgPool1d averages over sliding windows of x of shape (N, C, L) or
// (C, L), like torch.nn.functional.avg_pool1d: kernel holds one value; the
// options (AvgPool2dOption) are Stride (default the kernel size), Padding,
// CeilMode and CountIncludePad (DivisorOverride is not taken, as in
// PyTorch: it panics). As in PyTorch it is AvgPool2d over x with a
// dimension of size 1 inserted before the last.
func AvgPool1d(x *tensor.Tensor, kernel []int, opts ...AvgPool2dOption) *tensor.Tensor {
	c := callConfig{countIncludePad: true}
	applyOptions(&c, opts)
	if c.hasDivisor {
		panic("avg_pool1d() got an unexpected keyword argument 'divisor_override'")
	}
	if x.Dim() != 2 && x.Dim() != 3 {
		panic(fmt.Sprintf("Expected 2 to 3 dimensions, but got %d-dimensional tensor for argument #1 'self' (while checking arguments for avg_pool1d)", x.Dim()))
	}
	k := sizeArg("avg_pool1d", "kernel_size", kernel, 1, nil)
	if k == nil {
		panic("avg_pool1d: kernel_size must be a single int")
	}
	s := sizeArg("avg_pool1d", "stride", c.stride, 1, k)
	p := sizeArg("avg_pool1d", "padding", c.padding, 1, []int{0})
	return avgPool2d(x.Unsqueeze(-2), []int{1, k[0]}, []int{1, s[0]}, []int{0, p[0]}, c.ceilMode, c.countIncludePad, 0).Squeeze(-2)
}

// pool3dArgs expands the arguments of a 3-D pooling function and checks
// the input is (N, C, D, H, W) or (C, D, H, W).
func pool3dArgs(fn string, x *tensor.Tensor, kernel, stride, padding, dilation []int) (k, s, p, d []int) {
	if x.Dim() != 4 && x.Dim() != 5 {
		panic("non-empty 4D or 5D (batch mode) tensor expected for input")
	}
	if len(kernel) != 1 && len(kernel) != 3 {
		panic(fn + ": kernel_size must either be a single int, or a tuple of three ints")
	}
	k = sizeArg(fn, "kernel_size", kernel, 3, nil)
	s = sizeArg(fn, "stride", stride, 3, k)
	p = sizeArg(fn, "padding", padding, 3, []int{0, 0, 0})
	d = sizeArg(fn, "dilation", dilation, 3, []int{1, 1, 1})
	for i := range 3 {
		if k[i] <= 0 || s[i] <= 0 || d[i] <= 0 {
			panic(fmt.Sprintf("%s: kernel size, stride and dilation should be greater than zero, but got kernel %s stride %s dilation %s",
				fn, pyfmt.List(k...), pyfmt.List(s...), pyfmt.List(d...)))
		}
		if p[i] > k[i]/2 {
			panic(fmt.Sprintf("pad should be smaller than or equal to half of kernel size, but got kT: %d kW: %d kH: %d padT: %d padW: %d padH: %d",
				k[0], k[2], k[1], p[0], p[2], p[1]))
		}
	}
	return
}

// pool3d applies a pooling over the last three dimensions of x as two
// 2-D poolings: pool2 over (H, W) of every depth slice, then pool1 over D
// (a 2-D pooling with a 1-wide window over (1, D)). Max pooling and
// average pooling (whose window sizes and divisors are products of one
// factor per dimension) factor this way exactly.
func pool3d(x *tensor.Tensor, pool2, pool1 func(*tensor.Tensor) *tensor.Tensor) *tensor.Tensor {
	sh := x.Shape()
	lead := sh[:len(sh)-3]
	dd, h, w := sh[len(sh)-3], sh[len(sh)-2], sh[len(sh)-1]
	b := 1
	for _, v := range lead {
		b *= v
	}
	y := pool2(x.Reshape(b, dd, h, w)) // (b, D, oh, ow)
	oh, ow := y.Size(2), y.Size(3)
	y = y.Permute(0, 2, 3, 1).Reshape(b, oh*ow, 1, dd)
	y = pool1(y) // (b, oh*ow, 1, od)
	od := y.Size(3)
	y = y.Reshape(b, oh, ow, od).Permute(0, 3, 1, 2)
	return y.Reshape(append(append([]int(nil), lead...), od, oh, ow)...)
}

// MaxPool3d takes the maximum over sliding windows of x of shape
// (N, C, D, H, W) or (C, D, H, W), like torch.nn.functional.max_pool3d:
// kernel holds one or three values; the options (MaxPool2dOption) are
// Stride (default the kernel size), Padding, Dilation (one or three values
// each) and CeilMode. The gradient goes to the position of each maximum.
func MaxPool3d(x *tensor.Tensor, kernel []int, opts ...MaxPool2dOption) *tensor.Tensor {
	var c callConfig
	applyOptions(&c, opts)
	requireFloat("max_pool3d", "input", x)
	k, s, p, d := pool3dArgs("max_pool3d", x, kernel, c.stride, c.padding, c.dilation)
	return pool3d(x, func(t *tensor.Tensor) *tensor.Tensor {
		out, _ := maxPool2d(t, k[1:], s[1:], p[1:], d[1:], c.ceilMode, false)
		return out
	}, func(t *tensor.Tensor) *tensor.Tensor {
		out, _ := maxPool2d(t, []int{1, k[0]}, []int{1, s[0]}, []int{0, p[0]}, []int{1, d[0]}, c.ceilMode, false)
		return out
	})
}

// AvgPool3d averages over sliding windows of x of shape (N, C, D, H, W) or
// (C, D, H, W), like torch.nn.functional.avg_pool3d: kernel holds one or
// three values; the options (AvgPool2dOption) are Stride (default the
// kernel size), Padding (one or three values each), CeilMode,
// CountIncludePad and DivisorOverride, with AvgPool2d's meaning.
func AvgPool3d(x *tensor.Tensor, kernel []int, opts ...AvgPool2dOption) *tensor.Tensor {
	c := callConfig{countIncludePad: true}
	applyOptions(&c, opts)
	if c.hasDivisor && c.divisor == 0 {
		panic("divisor must be not zero")
	}
	requireFloat("avg_pool3d", "input", x)
	k, s, p, _ := pool3dArgs("avg_pool3d", x, kernel, c.stride, c.padding, nil)
	div := 0
	if c.hasDivisor {
		div = 1 // window sums, divided once below
	}
	y := pool3d(x, func(t *tensor.Tensor) *tensor.Tensor {
		return avgPool2d(t, k[1:], s[1:], p[1:], c.ceilMode, c.countIncludePad, div)
	}, func(t *tensor.Tensor) *tensor.Tensor {
		return avgPool2d(t, []int{1, k[0]}, []int{1, s[0]}, []int{0, p[0]}, c.ceilMode, c.countIncludePad, div)
	})
	if c.hasDivisor {
		y = y.DivScalar(float64(c.divisor))
	}
	return y
}

// AdaptiveAvgPool1d averages x of shape (N, C, L) or (C, L) into outSize
// values per channel, like torch.nn.functional.adaptive_avg_pool1d: output
// i averages inputs ⌊i·L/o⌋ ≤ l < ⌈(i+1)·L/o⌉.
func AdaptiveAvgPool1d(x *tensor.Tensor, outSize int) *tensor.Tensor {
	if x.Dim() != 2 && x.Dim() != 3 {
		panic(fmt.Sprintf("Expected 2 to 3 dimensions, but got %d-dimensional tensor for argument #1 'self' (while checking arguments for adaptive_avg_pool1d)", x.Dim()))
	}
	return AdaptiveAvgPool2d(x.Unsqueeze(-2), []int{1, outSize}).Squeeze(-2)
}

// AdaptiveMaxPool1d takes the maximum of x of shape (N, C, L) or (C, L)
// over outSize windows per channel, like
// torch.nn.functional.adaptive_max_pool1d: window i covers inputs
// ⌊i·L/o⌋ ≤ l < ⌈(i+1)·L/o⌉.
func AdaptiveMaxPool1d(x *tensor.Tensor, outSize int) *tensor.Tensor {
	if x.Dim() != 2 && x.Dim() != 3 {
		panic(fmt.Sprintf("Expected 2 to 3 dimensions, but got %d-dimensional tensor for argument #1 'self' (while checking arguments for adaptive_max_pool1d)", x.Dim()))
	}
	out, _ := adaptiveMaxPool2d("adaptive_max_pool1d", x.Unsqueeze(-2), []int{1, outSize})
	return out.Squeeze(-2)
}

// AdaptiveMaxPool2d takes the maximum of x of shape (N, C, H, W) or
// (C, H, W) over outSize = (oH, oW) windows per plane, like
// torch.nn.functional.adaptive_max_pool2d: window (i, j) covers rows
// ⌊i·H/oH⌋ ≤ h < ⌈(i+1)·H/oH⌉ and columns likewise. outSize holds one or
// two values. The gradient goes to the first maximum of each window (NaN
// wins).
func AdaptiveMaxPool2d(x *tensor.Tensor, outSize []int) *tensor.Tensor {
	out, _ := adaptiveMaxPool2d("adaptive_max_pool2d", x, outSize)
	return out
}

// AdaptiveMaxPool2dWithIndices is AdaptiveMaxPool2d that also returns the
// flat int64 index h·W + w of each maximum in its plane
// (return_indices=True).
func AdaptiveMaxPool2dWithIndices(x *tensor.Tensor, outSize []int) (out, indices *tensor.Tensor) {
	return adaptiveMaxPool2d("adaptive_max_pool2d", x, outSize)
}

func adaptiveMaxPool2d(fn string, x *tensor.Tensor, outSize []int) (*tensor.Tensor, *tensor.Tensor) {
	var o [2]int
	switch len(outSize) {
	case 1:
		o = [2]int{outSize[0], outSize[0]}
	case 2:
		o = [2]int{outSize[0], outSize[1]}
	default:
		panic(fn + ": internal error: output_size.size() must be 2")
	}
	if x.Dim() != 3 && x.Dim() != 4 {
		panic(fmt.Sprintf("%s(): Expected 3D or 4D tensor, but got: %s", fn, pyfmt.List(x.Shape()...)))
	}
	for _, i := range []int{-2, -1} {
		if x.Size(i) == 0 {
			panic(fmt.Sprintf("%s(): Expected input to have non-zero size for non-batch dimensions, but input has sizes %s with dimension %d being empty",
				fn, pyfmt.List(x.Shape()...), i+x.Dim()))
		}
	}
	if o[0] < 0 || o[1] < 0 {
		panic(fmt.Sprintf("%s: elements of output_size must be greater than or equal to 0 but received {%d, %d}", fn, o[0], o[1]))
	}
	requireFloat(fn, "input", x)
	h, w := x.Size(-2), x.Size(-1)
	xc := x.Contiguous()
	dt := x.DType()
	outShape := poolShape(x, o[0], o[1])
	out := newLike(dt, outShape)
	idx := tensor.ZerosOf(tensor.Int64, outShape...)
	ix := idx.DataInt64()
	planes := x.Numel() / (h * w)
	pg := &poolGeom{h: h, w: w, oh: o[0], ow: o[1]}
	if dt == tensor.Float32 {
		adaptiveMaxPool(raw[float32](xc), raw[float32](out), ix, planes, pg)
	} else {
		adaptiveMaxPool(raw[float64](xc), raw[float64](out), ix, planes, pg)
	}
	shape := xc.Shape()
	tensor.Record(out, "AdaptiveMaxPool2DBackward0", []*tensor.Tensor{xc}, func(gy *tensor.Tensor) []*tensor.Tensor {
		gy = contig(gy)
		gx := newLike(dt, shape)
		if dt == tensor.Float32 {
			maxPoolBackward(raw[float32](gy), raw[float32](gx), ix, planes, h*w, o[0]*o[1])
		} else {
			maxPoolBackward(raw[float64](gy), raw[float64](gx), ix, planes, h*w, o[0]*o[1])
		}
		return []*tensor.Tensor{gx}
	})
	return out, idx
}

// adaptiveMaxPool is the forward of AdaptiveMaxPool2d with PyTorch's rule:
// a value wins if greater than the best so far or NaN.
func adaptiveMaxPool[T float](x, y []T, idx []int64, planes int, g *poolGeom) {
	for pl := range planes {
		xp := x[pl*g.h*g.w : (pl+1)*g.h*g.w]
		yp := y[pl*g.oh*g.ow : (pl+1)*g.oh*g.ow]
		ip := idx[pl*g.oh*g.ow : (pl+1)*g.oh*g.ow]
		for oh := range g.oh {
			h0 := oh * g.h / g.oh
			h1 := ((oh+1)*g.h + g.oh - 1) / g.oh
			for ow := range g.ow {
				w0 := ow * g.w / g.ow
				w1 := ((ow+1)*g.w + g.ow - 1) / g.ow
				bi := h0*g.w + w0
				best := xp[bi]
				for ih := h0; ih < h1; ih++ {
					for iw := w0; iw < w1; iw++ {
						if v := xp[ih*g.w+iw]; v > best || v != v {
							best, bi = v, ih*g.w+iw
						}
					}
				}
				yp[oh*g.ow+ow] = best
				ip[oh*g.ow+ow] = int64(bi)
			}
		}
	}
}
