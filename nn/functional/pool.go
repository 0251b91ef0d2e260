package functional

import (
	"fmt"
	"math"

	"github.com/intercept-ml/intercept/internal/kernel"
	"github.com/intercept-ml/intercept/internal/pyfmt"
	"github.com/intercept-ml/intercept/internal/tensorinternal"
	"github.com/intercept-ml/intercept/tensor"
)

// poolArgs expands the size arguments of a 2-D pooling function with
// PyTorch's rules and messages: kernel has one or two values, stride none
// (= kernel), one or two, padding none (= 0), one or two, dilation none
// (= 1), one or two.
func poolArgs(fn string, kernel, stride, padding, dilation []int) (k, s, p, d [2]int) {
	two := func(v []int, def [2]int, msg string) [2]int {
		switch len(v) {
		case 0:
			return def
		case 1:
			return [2]int{v[0], v[0]}
		case 2:
			return [2]int{v[0], v[1]}
		}
		panic(fn + ": " + msg)
	}
	if len(kernel) != 1 && len(kernel) != 2 {
		panic(fn + ": kernel_size must either be a single int, or a tuple of two ints")
	}
	k = two(kernel, [2]int{}, "")
	s = two(stride, k, "stride must either be omitted, a single int, or a tuple of two ints")
	if fn == "max_pool2d" {
		p = two(padding, [2]int{}, "padding must be either be a single int, or a tuple of two ints")
	} else {
		p = two(padding, [2]int{}, "padding must either be a single int, or a tuple of two ints")
	}
	d = two(dilation, [2]int{1, 1}, "dilation must be either a single int, or a tuple of two ints")
	return
}

// poolOutSize is PyTorch's pooling_output_shape, with its checks.
func poolOutSize(in, k, pad, stride, dil int, ceil bool) int {
	if stride == 0 {
		panic("stride should not be zero")
	}
	if pad < 0 {
		panic(fmt.Sprintf("pad must be non-negative, but got pad: %d", pad))
	}
	if pad > k/2 {
		panic(fmt.Sprintf("pad should be at most half of kernel size, but got pad=%d and kernel_size=%d", pad, k))
	}
	extra := 0
	if ceil {
		extra = stride - 1
	}
	out := floorDiv(in+2*pad-dil*(k-1)-1+extra, stride) + 1
	if ceil && (out-1)*stride >= in+pad {
		out--
	}
	return out
}

// pool2dShapeCheck is PyTorch's pool2d_shape_check.
func pool2dShapeCheck(x *tensor.Tensor, k, s, p, d [2]int, oh, ow int) {
	if k[0] <= 0 || k[1] <= 0 {
		panic(fmt.Sprintf("kernel size should be greater than zero, but got kH: %d kW: %d", k[0], k[1]))
	}
	if s[0] <= 0 || s[1] <= 0 {
		panic(fmt.Sprintf("stride should be greater than zero, but got dH: %d dW: %d", s[0], s[1]))
	}
	if d[0] <= 0 || d[1] <= 0 {
		panic(fmt.Sprintf("dilation should be greater than zero, but got dilationH: %d dilationW: %d", d[0], d[1]))
	}
	xs := x.Shape()
	if !((len(xs) == 3 && xs[0] != 0 && xs[1] != 0 && xs[2] != 0) || (len(xs) == 4 && xs[1] != 0 && xs[2] != 0 && xs[3] != 0)) {
		panic(fmt.Sprintf("Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but got:%s", pyfmt.List(xs...)))
	}
	if k[1]/2 < p[1] || k[0]/2 < p[0] {
		panic(fmt.Sprintf("pad should be smaller than or equal to half of kernel size, but got padW = %d, padH = %d, kW = %d, kH = %d", p[1], p[0], k[1], k[0]))
	}
	if oh < 1 || ow < 1 {
		c := xs[len(xs)-3]
		panic(fmt.Sprintf("Given input size: (%dx%dx%d). Calculated output size: (%dx%dx%d). Output size is too small",
			c, xs[len(xs)-2], xs[len(xs)-1], c, oh, ow))
	}
}

// poolShape returns the output shape of a 2-D pooling of x: its leading
// dimensions, then (oh, ow).
func poolShape(x *tensor.Tensor, oh, ow int) []int {
	s := x.Shape()
	return append(s[:len(s)-2], oh, ow)
}

// MaxPool2d takes the maximum over sliding windows of x of shape
// (N, C, H, W) or (C, H, W), like torch.nn.functional.max_pool2d. kernel
// holds one or two values; the options (MaxPool2dOption) are Stride (default
// the kernel size), Padding (default 0), Dilation (default 1), each one or
// two values, and CeilMode. The input is padded with −∞ (padding may be at
// most half the kernel); NaN wins over numbers; with CeilMode the output
// size is rounded up as long as the last window starts inside the input or
// the left padding. The gradient goes to the position of each maximum (the
// first one among ties).
func MaxPool2d(x *tensor.Tensor, kernel []int, opts ...MaxPool2dOption) *tensor.Tensor {
	var c callConfig
	applyOptions(&c, opts)
	out, _ := maxPool2d(x, kernel, c.stride, c.padding, c.dilation, c.ceilMode, false)
	return out
}

// MaxPool2dWithIndices is MaxPool2d that also returns the int64 indices of
// the maxima, each a flat index h·W + w into its input plane, like
// max_pool2d(..., return_indices=True).
func MaxPool2dWithIndices(x *tensor.Tensor, kernel []int, opts ...MaxPool2dOption) (out, indices *tensor.Tensor) {
	var c callConfig
	applyOptions(&c, opts)
	return maxPool2d(x, kernel, c.stride, c.padding, c.dilation, c.ceilMode, true)
}

func maxPool2d(x *tensor.Tensor, kernel, stride, padding, dilation []int, ceilMode, wantIdx bool) (*tensor.Tensor, *tensor.Tensor) {
	k, s, p, d := poolArgs("max_pool2d", kernel, stride, padding, dilation)
	if x.Dim() != 3 && x.Dim() != 4 {
		panic("non-empty 3D or 4D (batch mode) tensor expected for input")
	}
	requireFloat("max_pool2d", "input", x)
	h, w := x.Size(-2), x.Size(-1)
	oh := poolOutSize(h, k[0], p[0], s[0], d[0], ceilMode)
	ow := poolOutSize(w, k[1], p[1], s[1], d[1], ceilMode)
	pool2dShapeCheck(x, k, s, p, d, oh, ow)
	xc := x.Contiguous()
	dt := x.DType()
	outShape := poolShape(x, oh, ow)
	out := newLike(dt, outShape)
	idx := tensor.ZerosOf(tensor.Int64, outShape...)
	ix := idx.DataInt64()
	planes := x.Numel() / (h * w)
	pg := &poolGeom{h: h, w: w, oh: oh, ow: ow, k: k, s: s, p: p, d: d}
	if dt == tensor.Float32 {
		maxPoolForward(raw[float32](xc), raw[float32](out), ix, planes, pg)
	} else {
		maxPoolForward(raw[float64](xc), raw[float64](out), ix, planes, pg)
	}
	shape := xc.Shape()
	tensor.Record(out, "MaxPool2DWithIndicesBackward0", []*tensor.Tensor{xc}, func(gy *tensor.Tensor) []*tensor.Tensor {
		gy = contig(gy)
		// maxPoolBackward clears each plane before scattering into it,
		// on the core that scatters: gx needs no zeroing here.
		gx := tensorinternal.EmptyGrad(dt, shape...)
		if dt == tensor.Float32 {
			maxPoolBackward(raw[float32](gy), raw[float32](gx), ix, planes, h*w, oh*ow)
		} else {
			maxPoolBackward(raw[float64](gy), raw[float64](gx), ix, planes, h*w, oh*ow)
		}
		return []*tensor.Tensor{gx}
	})
	if !wantIdx {
		return out, nil
	}
	return out, idx
}

// poolGeom describes a 2-D pooling window over planes of h×w.
type poolGeom struct {
	h, w, oh, ow int
	k, s, p, d   [2]int
}

func maxPoolForward[T float](x, y []T, idx []int64, planes int, g *poolGeom) {
	parallelChunks(planes, planes*g.h*g.w, func(lo, hi int) { maxPoolPlanes(x, y, idx, lo, hi, g) })
}

// maxPoolPlanes is maxPoolForward for planes [lo, hi).
func maxPoolPlanes[T float](x, y []T, idx []int64, lo, hi int, g *poolGeom) {
	if g.k == [2]int{2, 2} && g.s == [2]int{2, 2} && g.p == [2]int{} && g.d == [2]int{1, 1} && 2*g.oh <= g.h && 2*g.ow <= g.w {
		maxPool2x2(x, y, idx, lo, hi, g.h, g.w, g.oh, g.ow)
		return
	}
	h, w, oH, oW := g.h, g.w, g.oh, g.ow
	kh, kw, dh, dw := g.k[0], g.k[1], g.d[0], g.d[1]
	for pl := lo; pl < hi; pl++ {
		xp := x[pl*h*w : (pl+1)*h*w]
		yp := y[pl*oH*oW : (pl+1)*oH*oW]
		ip := idx[pl*oH*oW : (pl+1)*oH*oW]
		for oh := range oH {
			ih0 := oh*g.s[0] - g.p[0]
			ih1 := min(ih0+(kh-1)*dh+1, h)
			for ih0 < 0 {
				ih0 += dh
			}
			for ow := range oW {
				iw0 := ow*g.s[1] - g.p[1]
				iw1 := min(iw0+(kw-1)*dw+1, w)
				for iw0 < 0 {
					iw0 += dw
				}
				v, i := windowMax(xp, w, ih0, ih1, iw0, iw1, dh, dw)
				yp[oh*oW+ow] = v
				ip[oh*oW+ow] = int64(i)
			}
		}
	}
}

// windowMax returns the maximum of rows ih0, ih0+dh, ... < ih1 and columns
// iw0, iw0+dw, ... < iw1 of the plane xp (row length w) and its flat index,
// with PyTorch's rule: a value wins if it is greater than the best so far or
// NaN, so the first maximum wins among ties (−0 and +0 tie) and the last NaN
// wins over everything; an empty window gives (−∞, first position).
// Data-dependent branches are slow on random data, so the maximum is found
// with the builtin max and its first position by a backward scan that
// compiles to conditional moves.
func windowMax[T float](xp []T, w, ih0, ih1, iw0, iw1, dh, dw int) (T, int) {
	best := T(math.Inf(-1))
	if iw1 <= iw0 {
		return best, ih0*w + iw0
	}
	for ih := ih0; ih < ih1; ih += dh {
		if dw == 1 {
			for _, v := range xp[ih*w+iw0 : ih*w+iw1] {
				best = max(best, v)
			}
			continue
		}
		row := xp[ih*w : (ih+1)*w]
		for iw := iw0; iw < iw1; iw += dw {
			best = max(best, row[iw])
		}
	}
	bi := ih0*w + iw0
	if best != best {
		for ih := ih0; ih < ih1; ih += dh {
			row := xp[ih*w : (ih+1)*w]
			for iw := iw0; iw < iw1; iw += dw {
				if v := row[iw]; v != v {
					bi = ih*w + iw
				}
			}
		}
		return best, bi
	}
	lastH, lastW := ih0, iw0
	for lastH+dh < ih1 {
		lastH += dh
	}
	for lastW+dw < iw1 {
		lastW += dw
	}
	for ih := lastH; ih >= ih0; ih -= dh {
		base := ih*w + iw0
		row := xp[base : base+lastW-iw0+1]
		if dw == 1 {
			for j := len(row) - 1; j >= 0; j-- {
				m := -b2i(row[j] == best) // all ones where equal
				bi ^= (bi ^ (base + j)) & m
			}
			continue
		}
		for j := len(row) - 1; j >= 0; j -= dw {
			m := -b2i(row[j] == best)
			bi ^= (bi ^ (base + j)) & m
		}
	}
	if bi < len(xp) {
		best = xp[bi]
	}
	return best, bi
}

// b2i converts a bool to 0 or 1 without a branch.
func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// maxPoolBackward sets gx (planes × inSz) to the gradient of max pooling
// given the output gradient gy (planes × outSz) and the argmax indices.
func maxPoolBackward[T float](gy, gx []T, idx []int64, planes, inSz, outSz int) {
	parallelChunks(planes, planes*inSz, func(lo, hi int) { maxPoolBackwardPlanes(gy, gx, idx, lo, hi, inSz, outSz) })
}

// maxPoolBackwardPlanes is maxPoolBackward for planes [lo, hi), which it
// sets to zero before adding the gradients in.
func maxPoolBackwardPlanes[T float](gy, gx []T, idx []int64, lo, hi, inSz, outSz int) {
	for pl := lo; pl < hi; pl++ {
		gp := gx[pl*inSz : (pl+1)*inSz]
		clear(gp)
		for j, i := range idx[pl*outSz : (pl+1)*outSz] {
			if i >= 0 && int(i) < inSz {
				gp[i] += gy[pl*outSz+j]
			}
		}
	}
}

// AvgPool2d averages over sliding windows of x of shape (N, C, H, W) or
// (C, H, W), like torch.nn.functional.avg_pool2d. kernel holds one or two
// values; the options (AvgPool2dOption) are Stride (default the kernel
// size) and Padding (default 0), each one or two values, CeilMode,
// CountIncludePad and DivisorOverride. The padding is zero; with
// CountIncludePad (the default) the divisor is the window size clipped to
// the padded input, otherwise the number of input elements in the window;
// DivisorOverride(d) divides every window sum by d instead. CeilMode rounds
// the output size up as MaxPool2d does.
func AvgPool2d(x *tensor.Tensor, kernel []int, opts ...AvgPool2dOption) *tensor.Tensor {
	c := callConfig{countIncludePad: true}
	applyOptions(&c, opts)
	if c.hasDivisor && c.divisor == 0 {
		panic("divisor must be not zero")
	}
	return avgPool2d(x, kernel, c.stride, c.padding, c.ceilMode, c.countIncludePad, c.divisor)
}

func avgPool2d(x *tensor.Tensor, kernel, stride, padding []int, ceilMode, countIncludePad bool, divisor int) *tensor.Tensor {
	k, s, p, _ := poolArgs("avg_pool2d", kernel, stride, padding, nil)
	if x.Dim() != 3 && x.Dim() != 4 {
		panic(fmt.Sprintf("Expected 3D or 4D (batch mode) tensor with optional 0 dim batch size for input, but got:%s", pyfmt.List(x.Shape()...)))
	}
	requireFloat("avg_pool2d", "input", x)
	h, w := x.Size(-2), x.Size(-1)
	oh := poolOutSize(h, k[0], p[0], s[0], 1, ceilMode)
	ow := poolOutSize(w, k[1], p[1], s[1], 1, ceilMode)
	pool2dShapeCheck(x, k, s, p, [2]int{1, 1}, oh, ow)
	xc := x.Contiguous()
	dt := x.DType()
	out := newLike(dt, poolShape(x, oh, ow))
	planes := x.Numel() / (h * w)
	pg := &poolGeom{h: h, w: w, oh: oh, ow: ow, k: k, s: s, p: p, d: [2]int{1, 1}}
	if dt == tensor.Float32 {
		avgPool(raw[float32](xc), raw[float32](out), planes, pg, countIncludePad, divisor, false)
	} else {
		avgPool(raw[float64](xc), raw[float64](out), planes, pg, countIncludePad, divisor, false)
	}
	shape := xc.Shape()
	tensor.Record(out, "AvgPool2DBackward0", []*tensor.Tensor{xc}, func(gy *tensor.Tensor) []*tensor.Tensor {
		gy = contig(gy)
		gx := newLike(dt, shape)
		if dt == tensor.Float32 {
			avgPool(raw[float32](gx), raw[float32](gy), planes, pg, countIncludePad, divisor, true)
		} else {
			avgPool(raw[float64](gx), raw[float64](gy), planes, pg, countIncludePad, divisor, true)
		}
		return []*tensor.Tensor{gx}
	})
	return out
}

// avgPool computes y from x, or, with back, adds the gradient y/divisor to
// every element of each window of x.
func avgPool[T float](x, y []T, planes int, g *poolGeom, includePad bool, divisor int, back bool) {
	for pl := range planes {
		xp := x[pl*g.h*g.w : (pl+1)*g.h*g.w]
		yp := y[pl*g.oh*g.ow : (pl+1)*g.oh*g.ow]
		for oh := range g.oh {
			ih0 := oh*g.s[0] - g.p[0]
			ih1 := min(ih0+g.k[0], g.h+g.p[0])
			for ow := range g.ow {
				iw0 := ow*g.s[1] - g.p[1]
				iw1 := min(iw0+g.k[1], g.w+g.p[1])
				size := (ih1 - ih0) * (iw1 - iw0)
				h0, w0 := max(ih0, 0), max(iw0, 0)
				h1, w1 := min(ih1, g.h), min(iw1, g.w)
				if h0 >= h1 || w0 >= w1 {
					if !back {
						yp[oh*g.ow+ow] = 0
					}
					continue
				}
				div := size
				switch {
				case divisor != 0:
					div = divisor
				case !includePad:
					div = (h1 - h0) * (w1 - w0)
				}
				if back {
					gv := yp[oh*g.ow+ow] / T(div)
					for ih := h0; ih < h1; ih++ {
						row := xp[ih*g.w+w0 : ih*g.w+w1]
						for i := range row {
							row[i] += gv
						}
					}
					continue
				}
				var sum T
				for ih := h0; ih < h1; ih++ {
					for _, v := range xp[ih*g.w+w0 : ih*g.w+w1] {
						sum += v
					}
				}
				yp[oh*g.ow+ow] = sum / T(div)
			}
		}
	}
}

// AdaptiveAvgPool2d averages x of shape (N, C, H, W) or (C, H, W) into
// outSize = (oH, oW), like torch.nn.functional.adaptive_avg_pool2d: output
// (i, j) averages input rows ⌊i·H/oH⌋ ≤ h < ⌈(i+1)·H/oH⌉ and columns
// likewise. outSize holds one or two non-negative values.
func AdaptiveAvgPool2d(x *tensor.Tensor, outSize []int) *tensor.Tensor {
	var o [2]int
	switch len(outSize) {
	case 1:
		o = [2]int{outSize[0], outSize[0]}
	case 2:
		o = [2]int{outSize[0], outSize[1]}
	default:
		panic("adaptive_avg_pool2d: output_size must be 2")
	}
	if o[0] < 0 || o[1] < 0 {
		panic(fmt.Sprintf("adaptive_avg_pool2d: elements of output_size must be greater than or equal to 0 but received {%d, %d}", o[0], o[1]))
	}
	if x.Dim() != 3 && x.Dim() != 4 {
		panic(fmt.Sprintf("adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got %s", pyfmt.List(x.Shape()...)))
	}
	for _, i := range []int{-2, -1} {
		if x.Size(i) == 0 {
			panic(fmt.Sprintf("adaptive_avg_pool2d(): Expected input to have non-zero size for non-batch dimensions, but input has sizes %s with dimension %d being empty",
				pyfmt.List(x.Shape()...), i+x.Dim()))
		}
	}
	requireFloat("adaptive_avg_pool2d", "input", x)
	h, w := x.Size(-2), x.Size(-1)
	xc := x.Contiguous()
	dt := x.DType()
	out := newLike(dt, poolShape(x, o[0], o[1]))
	planes := x.Numel() / (h * w)
	pg := &poolGeom{h: h, w: w, oh: o[0], ow: o[1]}
	if dt == tensor.Float32 {
		adaptiveAvgPool(raw[float32](xc), raw[float32](out), planes, pg, false)
	} else {
		adaptiveAvgPool(raw[float64](xc), raw[float64](out), planes, pg, false)
	}
	shape := xc.Shape()
	tensor.Record(out, "AdaptiveAvgPool2DBackward0", []*tensor.Tensor{xc}, func(gy *tensor.Tensor) []*tensor.Tensor {
		gy = contig(gy)
		gx := newLike(dt, shape)
		if dt == tensor.Float32 {
			adaptiveAvgPool(raw[float32](gx), raw[float32](gy), planes, pg, true)
		} else {
			adaptiveAvgPool(raw[float64](gx), raw[float64](gy), planes, pg, true)
		}
		return []*tensor.Tensor{gx}
	})
	return out
}

// adaptiveAvgPool computes y from x, or, with back, spreads y over the
// windows of x.
func adaptiveAvgPool[T float](x, y []T, planes int, g *poolGeom, back bool) {
	for pl := range planes {
		xp := x[pl*g.h*g.w : (pl+1)*g.h*g.w]
		yp := y[pl*g.oh*g.ow : (pl+1)*g.oh*g.ow]
		for oh := range g.oh {
			h0 := oh * g.h / g.oh
			h1 := ((oh+1)*g.h + g.oh - 1) / g.oh
			for ow := range g.ow {
				w0 := ow * g.w / g.ow
				w1 := ((ow+1)*g.w + g.ow - 1) / g.ow
				n := T((h1 - h0) * (w1 - w0))
				if back {
					gv := yp[oh*g.ow+ow] / n
					for ih := h0; ih < h1; ih++ {
						row := xp[ih*g.w+w0 : ih*g.w+w1]
						for i := range row {
							row[i] += gv
						}
					}
					continue
				}
				var sum T
				for ih := h0; ih < h1; ih++ {
					for _, v := range xp[ih*g.w+w0 : ih*g.w+w1] {
						sum += v
					}
				}
				yp[oh*g.ow+ow] = sum / n
			}
		}
	}
}

// maxPool2x2 is maxPoolPlanes for 2×2 windows with stride 2, no padding or
// dilation, all inside the plane: the four values are taken in scan order
// with windowMax's rule (greater than the best so far, or NaN, wins).
func maxPool2x2[T float](x, y []T, idx []int64, lo, hi, h, w, oH, oW int) {
	if x32, ok := any(x).([]float32); ok {
		maxPool2x2F32(x32, any(y).([]float32), idx, lo, hi, h, w, oH, oW)
		return
	}
	for pl := lo; pl < hi; pl++ {
		xp := x[pl*h*w : (pl+1)*h*w]
		yp := y[pl*oH*oW : (pl+1)*oH*oW]
		ip := idx[pl*oH*oW : (pl+1)*oH*oW]
		for oh := range oH {
			r0 := xp[2*oh*w : 2*oh*w+2*oW]
			r1 := xp[(2*oh+1)*w : (2*oh+1)*w+2*oW]
			yr := yp[oh*oW : (oh+1)*oW]
			ir := ip[oh*oW : (oh+1)*oW]
			base := 2 * oh * w
			for ow := range yr {
				a, b, c, d := r0[2*ow], r0[2*ow+1], r1[2*ow], r1[2*ow+1]
				best, bi := a, base+2*ow
				if b > best || b != b {
					best, bi = b, base+2*ow+1
				}
				if c > best || c != c {
					best, bi = c, base+w+2*ow
				}
				if d > best || d != d {
					best, bi = d, base+w+2*ow+1
				}
				yr[ow] = best
				ir[ow] = int64(bi)
			}
		}
	}
}

// maxPool2x2F32 is maxPool2x2 for float32 on the vector kernel, which
// returns each window's winner and its position in the scan.
func maxPool2x2F32(x, y []float32, idx []int64, lo, hi, h, w, oH, oW int) {
	// Rows narrower than one vector (8 outputs) are pooled 8 wide, reading
	// past the row's end into the following input rows and writing past it
	// into the following output rows (which are pooled next and overwrite
	// those lanes), whenever both stay inside this call's planes.
	const vw = 8
	code := make([]int32, max(oW, vw))
	for pl := lo; pl < hi; pl++ {
		xp := x[pl*h*w : (pl+1)*h*w]
		yp := y[pl*oH*oW : (pl+1)*oH*oW]
		ip := idx[pl*oH*oW : (pl+1)*oH*oW]
		for oh := range oH {
			base := 2 * oh * w
			if y0, x0 := pl*oH*oW+oh*oW, pl*h*w+base; oW < vw && y0+vw <= hi*oH*oW && x0+w+2*vw <= len(x) {
				kernel.MaxPool2x2Row32(y[y0:y0+vw], code[:vw], x[x0:x0+2*vw], x[x0+w:x0+w+2*vw])
			} else {
				kernel.MaxPool2x2Row32(yp[oh*oW:(oh+1)*oW], code[:oW], xp[base:base+2*oW], xp[base+w:base+w+2*oW])
			}
			code := code[:oW]
			ir := ip[oh*oW : (oh+1)*oW]
			for ow, c := range code {
				ir[ow] = int64(base + int(c>>1)*w + 2*ow + int(c&1))
			}
		}
	}
}
