package data

import (
	"fmt"
	"math"
	"slices"

	"github.com/intercept-ml/intercept/tensor"
)

// Standardizer shifts and scales features to zero mean and unit variance,
// like scikit-learn's StandardScaler: fit it on the training inputs, then
// apply it to training and test inputs alike, so that no statistic of the
// test data leaks into training.
type Standardizer struct {
	// Mean and Std have the shape of the fitted data with size 1 along the
	// reduced dimensions (keepdim), and its element type. Std is the
	// population standard deviation, with 1 in place of 0 so that constant
	// features map to 0 instead of NaN.
	Mean, Std *tensor.Tensor
}

// FitStandardizer computes per-feature means and standard deviations of x
// over dims (default: dimension 0, the examples), in float64. Pass
// dims 0, 2, 3 for per-channel statistics of (N, C, H, W) images, or every
// dimension for a single mean and deviation. It panics unless x is float32
// or float64 and has at least one element.
func FitStandardizer(x *tensor.Tensor, dims ...int) *Standardizer {
	r := newReduction(x, dims)
	mean := make([]float64, r.outN)
	r.each(func(o int, v float64) { mean[o] += v })
	for o := range mean {
		mean[o] /= float64(r.count)
	}
	ss := make([]float64, r.outN)
	r.each(func(o int, v float64) { d := v - mean[o]; ss[o] += float64(d * d) })
	std := make([]float64, r.outN)
	for o := range std {
		std[o] = math.Sqrt(ss[o] / float64(r.count))
		if std[o] == 0 {
			std[o] = 1
		}
	}
	return &Standardizer{Mean: r.tensor(mean), Std: r.tensor(std)}
}

// Apply returns (x - Mean) / Std, broadcasting the statistics over the
// reduced dimensions; x has the fitted data's shape except along those.
func (s *Standardizer) Apply(x *tensor.Tensor) *tensor.Tensor {
	return tensor.Div(tensor.Sub(x, s.Mean), s.Std)
}

// Inverse returns x * Std + Mean, undoing Apply (for example on the
// predictions of a model trained on standardized targets).
func (s *Standardizer) Inverse(x *tensor.Tensor) *tensor.Tensor {
	return tensor.Add(tensor.Mul(x, s.Std), s.Mean)
}

// MinMaxScaler maps features linearly onto [0, 1], like scikit-learn's
// MinMaxScaler: fit it on training inputs and apply it to any inputs (values
// outside the training range map outside [0, 1]).
type MinMaxScaler struct {
	// Min and Range (max - min, with 1 in place of 0 so that constant
	// features map to 0) have the shape of the fitted data with size 1 along
	// the reduced dimensions, and its element type.
	Min, Range *tensor.Tensor
}

// FitMinMax computes per-feature minima and ranges of x over dims (default:
// dimension 0). It panics unless x is float32 or float64 and has at least
// one element, or if x holds NaN.
func FitMinMax(x *tensor.Tensor, dims ...int) *MinMaxScaler {
	r := newReduction(x, dims)
	lo := make([]float64, r.outN)
	hi := make([]float64, r.outN)
	for o := range lo {
		lo[o], hi[o] = math.Inf(1), math.Inf(-1)
	}
	r.each(func(o int, v float64) {
		if math.IsNaN(v) {
			panic("data: FitMinMax: the data hold NaN")
		}
		lo[o] = min(lo[o], v)
		hi[o] = max(hi[o], v)
	})
	for o := range hi {
		hi[o] -= lo[o]
		if hi[o] == 0 {
			hi[o] = 1
		}
	}
	return &MinMaxScaler{Min: r.tensor(lo), Range: r.tensor(hi)}
}

// Apply returns (x - Min) / Range.
func (m *MinMaxScaler) Apply(x *tensor.Tensor) *tensor.Tensor {
	return tensor.Div(tensor.Sub(x, m.Min), m.Range)
}

// Inverse returns x * Range + Min, undoing Apply.
func (m *MinMaxScaler) Inverse(x *tensor.Tensor) *tensor.Tensor {
	return tensor.Add(tensor.Mul(x, m.Range), m.Min)
}

// reduction walks a tensor and maps each element to its slot in the
// keepdim-shaped result of reducing over some dimensions.
type reduction struct {
	x        *tensor.Tensor
	shape    []int // of x
	ostride  []int // stride in the result, 0 along reduced dimensions
	outShape []int
	outN     int
	count    int // elements per slot
}

func newReduction(x *tensor.Tensor, dims []int) *reduction {
	if dt := x.DType(); dt != tensor.Float32 && dt != tensor.Float64 {
		panic(fmt.Sprintf("data: cannot fit a normalization to %v data", dt))
	}
	if x.Numel() == 0 || x.Dim() == 0 {
		panic("data: cannot fit a normalization to an empty or 0-dimensional tensor")
	}
	if len(dims) == 0 {
		dims = []int{0}
	}
	shape := x.Shape()
	reduced := make([]bool, len(shape))
	for _, d := range dims {
		if d < 0 {
			d += len(shape)
		}
		if d < 0 || d >= len(shape) {
			panic(fmt.Sprintf("data: dimension %d out of range for shape %v", d, shape))
		}
		reduced[d] = true
	}
	r := &reduction{x: x, shape: shape, ostride: make([]int, len(shape)), outShape: slices.Clone(shape), outN: 1}
	for d := len(shape) - 1; d >= 0; d-- {
		if reduced[d] {
			r.outShape[d] = 1
			continue
		}
		r.ostride[d] = r.outN
		r.outN *= shape[d]
	}
	r.count = x.Numel() / r.outN
	return r
}

// each calls fn(slot, value) for every element in row-major order.
func (r *reduction) each(fn func(o int, v float64)) {
	last := len(r.shape) - 1
	inner, istride := r.shape[last], r.ostride[last]
	coord := make([]int, last)
	o := 0
	var f32 []float32
	var f64 []float64
	if r.x.DType() == tensor.Float32 {
		f32 = r.x.Float32sShared() // a copy only if x is not contiguous
	} else {
		f64 = r.x.Float64sShared()
	}
	visit := func(off int) {
		if f32 != nil {
			for k, v := range f32[off : off+inner] {
				fn(o+k*istride, float64(v))
			}
		} else {
			for k, v := range f64[off : off+inner] {
				fn(o+k*istride, v)
			}
		}
	}
	for off := 0; off < r.x.Numel(); off += inner {
		visit(off)
		for d := last - 1; d >= 0; d-- { // odometer over the outer dimensions
			coord[d]++
			o += r.ostride[d]
			if coord[d] < r.shape[d] {
				break
			}
			o -= coord[d] * r.ostride[d]
			coord[d] = 0
		}
	}
}

func (r *reduction) tensor(v []float64) *tensor.Tensor {
	if r.x.DType() == tensor.Float64 {
		return tensor.FromFloat64(v, r.outShape...)
	}
	f := make([]float32, len(v))
	for i, e := range v {
		f[i] = float32(e)
	}
	return tensor.FromFloat32(f, r.outShape...)
}
