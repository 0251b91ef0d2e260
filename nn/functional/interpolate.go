package functional

import (
	"fmt"
	"math"

	"github.com/intercept-ml/intercept/tensor"
)

// InterpolateMode is Interpolate's mode=, an InterpolateOption.
type InterpolateMode string

const (
	// ModeNearest copies the nearest input element (mode='nearest', the
	// default): output i of a dimension reads input ⌊i·s⌋ (at most in−1),
	// s = 1/scale_factor when ScaleFactor is given, else in/out.
	ModeNearest InterpolateMode = "nearest"
	// ModeBilinear interpolates linearly along the last two dimensions of a
	// 4-D input (mode='bilinear').
	ModeBilinear InterpolateMode = "bilinear"
)

func (InterpolateMode) interpolateOption() {}

// SizeOption is the value of Size, an InterpolateOption.
type SizeOption struct{ s []int }

// Size sets Interpolate's output size (PyTorch's size=): one value for
// every spatial dimension or one per dimension.
func Size(s ...int) SizeOption { return SizeOption{s} }

func (SizeOption) interpolateOption() {}

// ScaleFactorOption is the value of ScaleFactor, an InterpolateOption.
type ScaleFactorOption struct{ s []float64 }

// ScaleFactor sets Interpolate's multiplier of the spatial size (PyTorch's
// scale_factor=): one value or one per spatial dimension. The output size
// is ⌊in·scale⌋, and the scale itself (not out/in) places the samples, as
// in PyTorch with recompute_scale_factor unset.
func ScaleFactor(s ...float64) ScaleFactorOption { return ScaleFactorOption{s} }

func (ScaleFactorOption) interpolateOption() {}

// AlignCornersOption is the value of AlignCorners, an InterpolateOption.
type AlignCornersOption bool

// AlignCorners makes ModeBilinear align the centers of the corner elements
// of input and output (PyTorch's align_corners=; default False). The
// nearest mode rejects it, as PyTorch does.
func AlignCorners(on bool) AlignCornersOption { return AlignCornersOption(on) }

func (AlignCornersOption) interpolateOption() {}

// Interpolate resizes x of shape (N, C, spatial...) like
// torch.nn.functional.interpolate (and nn.Upsample): exactly one of Size
// and ScaleFactor gives the output size. ModeNearest takes 3-D, 4-D and
// 5-D inputs; ModeBilinear 4-D ones, with AlignCorners. The gradient sums,
// into each input element, the output gradients weighted as it was read.
func Interpolate(x *tensor.Tensor, opts ...InterpolateOption) *tensor.Tensor {
	var c callConfig
	applyOptions(&c, opts)
	mode := c.interpMode
	if mode == "" {
		mode = ModeNearest
	}
	nd := x.Dim() - 2
	if mode == ModeNearest && c.hasAlignCorners {
		panic("align_corners option can only be set with the interpolating modes: linear | bilinear | bicubic | trilinear")
	}
	if mode == ModeBilinear && x.Dim() != 4 {
		panic(fmt.Sprintf("Got %dD input, but bilinear mode needs 4D input", x.Dim()))
	}
	if nd < 1 || nd > 3 {
		panic(fmt.Sprintf("Input Error: Only 3D, 4D and 5D input Tensors supported (got %dD) for the modes: nearest | linear | bilinear | bicubic | trilinear | area | nearest-exact (got %s)", x.Dim(), mode))
	}
	if (c.size == nil) == (c.scaleFactor == nil) {
		if c.size == nil {
			panic("either size or scale_factor should be defined")
		}
		panic("only one of size or scale_factor should be defined")
	}
	sh := x.Shape()
	outShape := append([]int(nil), sh...)
	scales := make([]float64, nd) // 0: none
	switch {
	case c.size != nil:
		if len(c.size) != 1 && len(c.size) != nd {
			panic(fmt.Sprintf("Input and output must have the same number of spatial dimensions, but got input with spatial dimensions of %v and output size of %v. Please provide input tensor in (N, C, d1, d2, ...,dK) format and output size in (o1, o2, ...,oK) format.",
				sh[2:], c.size))
		}
		for i := range nd {
			outShape[2+i] = c.size[min(i, len(c.size)-1)]
		}
	default:
		if len(c.scaleFactor) != 1 && len(c.scaleFactor) != nd {
			panic(fmt.Sprintf("Input and scale_factor must have the same number of spatial dimensions, but got input with spatial dimensions of %v and scale_factor of shape %v. Please provide input tensor in (N, C, d1, d2, ...,dK) format and scale_factor in (s1, s2, ...,sK) format.",
				sh[2:], c.scaleFactor))
		}
		for i := range nd {
			scales[i] = c.scaleFactor[min(i, len(c.scaleFactor)-1)]
			outShape[2+i] = int(float64(sh[2+i]) * scales[i])
		}
	}
	for i := range nd {
		if outShape[2+i] <= 0 || sh[2+i] <= 0 {
			panic(fmt.Sprintf("Input and output sizes should be greater than 0, but got input (%v) and output (%v)", sh[2:], outShape[2:]))
		}
	}
	requireFloat("interpolate", "input", x)
	if mode == ModeNearest {
		src := make([][]int, x.Dim())
		for i := range nd {
			in, out := sh[2+i], outShape[2+i]
			m := make([]int, out)
			var scale float32
			if scales[i] > 0 {
				scale = float32(1 / scales[i])
			} else {
				scale = float32(in) / float32(out)
			}
			for o := range m {
				switch {
				case out == in:
					m[o] = o
				case out == 2*in:
					m[o] = o >> 1
				default:
					m[o] = min(int(float32(math.Floor(float64(float32(o)*scale)))), in-1)
				}
			}
			src[2+i] = m
		}
		return gatherRecorded(x, outShape, padIndex(sh, outShape, src), "UpsampleNearest"+fmt.Sprint(nd)+"DBackward0")
	}
	// bilinear: linear along H, then along W
	y := linearAlong(x, 2, outShape[2], scales[0], c.alignCorners)
	return linearAlong(y, 3, outShape[3], scales[1], c.alignCorners)
}

// gatherRecorded returns the tensor of shape outShape whose element k is
// x's flat element idx[k], recording the scatter-add gradient.
func gatherRecorded(x *tensor.Tensor, outShape, idx []int, name string) *tensor.Tensor {
	xc := x.Contiguous()
	dt := x.DType()
	sh := xc.Shape()
	out := newLike(dt, outShape)
	if dt == tensor.Float32 {
		padForward(raw[float32](xc), raw[float32](out), idx, 0)
	} else {
		padForward(raw[float64](xc), raw[float64](out), idx, 0)
	}
	tensor.Record(out, name, []*tensor.Tensor{xc}, func(gy *tensor.Tensor) []*tensor.Tensor {
		gy = contig(gy)
		gx := tensor.ZerosOf(dt, sh...)
		if dt == tensor.Float32 {
			padBackward(raw[float32](gy), raw[float32](gx), idx)
		} else {
			padBackward(raw[float64](gy), raw[float64](gx), idx)
		}
		return []*tensor.Tensor{gx}
	})
	return out
}

// linearAlong resamples dimension dim of x to out elements by linear
// interpolation with PyTorch's source indices and weights
// (area_pixel_compute_source_index, compute_source_index_and_lambda),
// computed in x's precision.
func linearAlong(x *tensor.Tensor, dim, out int, scale float64, alignCorners bool) *tensor.Tensor {
	sh := x.Shape()
	in := sh[dim]
	i0, i1 := make([]int, out), make([]int, out)
	l0, l1 := make([]float64, out), make([]float64, out)
	f32 := x.DType() == tensor.Float32
	rnd := func(v float64) float64 {
		if f32 {
			return float64(float32(v))
		}
		return v
	}
	var ratio float64
	switch {
	case alignCorners:
		if out > 1 {
			ratio = rnd(float64(in-1)) / rnd(float64(out-1))
		}
	case scale > 0:
		ratio = rnd(1 / scale)
	default:
		ratio = rnd(float64(in) / float64(out))
	}
	ratio = rnd(ratio)
	for o := range out {
		if in == out {
			i0[o], i1[o], l0[o], l1[o] = o, o, 1, 0
			continue
		}
		var r float64
		if alignCorners {
			r = rnd(ratio * float64(o))
		} else {
			r = rnd(rnd(ratio*rnd(float64(o)+0.5)) - 0.5)
			if r < 0 {
				r = 0
			}
		}
		a := int(r)
		i0[o] = a
		i1[o] = a
		if a < in-1 {
			i1[o] = a + 1
		}
		l1[o] = min(max(rnd(r-float64(a)), 0), 1)
		l0[o] = rnd(1 - l1[o])
	}
	outer := 1
	for _, v := range sh[:dim] {
		outer *= v
	}
	inner := 1
	for _, v := range sh[dim+1:] {
		inner *= v
	}
	outShape := append([]int(nil), sh...)
	outShape[dim] = out
	xc := x.Contiguous()
	dt := x.DType()
	y := newLike(dt, outShape)
	if f32 {
		lerpForward(raw[float32](xc), raw[float32](y), outer, in, out, inner, i0, i1, l0, l1)
	} else {
		lerpForward(raw[float64](xc), raw[float64](y), outer, in, out, inner, i0, i1, l0, l1)
	}
	tensor.Record(y, "UpsampleBilinear2DBackward0", []*tensor.Tensor{xc}, func(gy *tensor.Tensor) []*tensor.Tensor {
		gy = contig(gy)
		gx := tensor.ZerosOf(dt, sh...)
		if f32 {
			lerpBackward(raw[float32](gy), raw[float32](gx), outer, in, out, inner, i0, i1, l0, l1)
		} else {
			lerpBackward(raw[float64](gy), raw[float64](gx), outer, in, out, inner, i0, i1, l0, l1)
		}
		return []*tensor.Tensor{gx}
	})
	return y
}

func lerpForward[T float](x, y []T, outer, in, out, inner int, i0, i1 []int, l0, l1 []float64) {
	for b := range outer {
		xb := x[b*in*inner : (b+1)*in*inner]
		yb := y[b*out*inner : (b+1)*out*inner]
		for o := range out {
			a0, a1 := xb[i0[o]*inner:(i0[o]+1)*inner], xb[i1[o]*inner:(i1[o]+1)*inner]
			w0, w1 := T(l0[o]), T(l1[o])
			row := yb[o*inner : (o+1)*inner]
			for k := range row {
				row[k] = T(w0*a0[k]) + T(w1*a1[k])
			}
		}
	}
}

func lerpBackward[T float](gy, gx []T, outer, in, out, inner int, i0, i1 []int, l0, l1 []float64) {
	for b := range outer {
		gxb := gx[b*in*inner : (b+1)*in*inner]
		gyb := gy[b*out*inner : (b+1)*out*inner]
		for o := range out {
			a0, a1 := gxb[i0[o]*inner:(i0[o]+1)*inner], gxb[i1[o]*inner:(i1[o]+1)*inner]
			w0, w1 := T(l0[o]), T(l1[o])
			for k, g := range gyb[o*inner : (o+1)*inner] {
				a0[k] += T(w0 * g)
				a1[k] += T(w1 * g)
			}
		}
	}
}
