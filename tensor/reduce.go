package tensor

import (
	"fmt"
	"math"
	"sort"
)

// reduceDims normalizes dims (all dimensions when empty), sorted and unique.
func (t *Tensor) reduceDims(dims []int) []int {
	if len(dims) == 0 {
		all := make([]int, t.Dim())
		for i := range all {
			all[i] = i
		}
		return all
	}
	seen := map[int]bool{}
	var out []int
	for _, d := range dims {
		d = t.normDim(d)
		if seen[d] {
			panic(fmt.Sprintf("dim %d appears multiple times in the list of dims", d))
		}
		seen[d] = true
		out = append(out, d)
	}
	sort.Ints(out)
	return out
}

// moveToEnd permutes the reduced dims to the end and returns the contiguous
// data as float64 rows of length r, along with the kept and reduced shapes.
func (t *Tensor) rows(dims []int) (data []float64, outer, r int) {
	isRed := make([]bool, t.Dim())
	for _, d := range dims {
		isRed[d] = true
	}
	perm := make([]int, 0, t.Dim())
	r = 1
	for i := range t.shape {
		if !isRed[i] {
			perm = append(perm, i)
		}
	}
	for _, d := range dims {
		perm = append(perm, d)
		r *= t.shape[d]
	}
	p := t.Detach()
	if len(perm) > 0 {
		p = p.Permute(perm...)
	}
	data = p.Float64s()
	if r == 0 {
		return data, numelOf(t.shape), 0
	}
	return data, len(data) / r, r
}

// reducedShape returns the output shape of a reduction over dims.
func (t *Tensor) reducedShape(dims []int, keep bool) []int {
	isRed := make([]bool, t.Dim())
	for _, d := range dims {
		isRed[d] = true
	}
	out := []int{}
	for i, s := range t.shape {
		switch {
		case !isRed[i]:
			out = append(out, s)
		case keep:
			out = append(out, 1)
		}
	}
	return out
}

// fromFloat64s builds a tensor of type dt from float64 values.
func fromFloat64s(dt DType, vals []float64, shape []int) *Tensor {
	out := Empty(dt, shape...)
	switch dt {
	case Float32:
		for i, v := range vals {
			out.st.f32()[i] = float32(v)
		}
	case Float64:
		copy(out.st.f64(), vals)
	case Int64:
		for i, v := range vals {
			out.st.i64()[i] = int64(v)
		}
	case Bool:
		for i, v := range vals {
			out.st.b()[i] = v != 0
		}
	}
	return out
}

// reduceSum sums over dims without recording. Float sums accumulate in
// float64 in a fixed order; integer and bool sums give int64.
func reduceSum(t *Tensor, dims []int, keep bool) *Tensor {
	dims = t.reduceDims(dims)
	data, outer, r := t.rows(dims)
	vals := make([]float64, outer)
	for i := range vals {
		s := 0.0
		for _, v := range data[i*r : i*r+r] {
			s += v
		}
		vals[i] = s
	}
	dt := t.dtype
	if !dt.IsFloat() {
		dt = Int64
	}
	return fromFloat64s(dt, vals, t.reducedShape(dims, keep))
}

// Sum returns the sum over the given dimensions (all when none are given),
// removing them. Sums of integer or bool tensors are int64.
func (t *Tensor) Sum(dims ...int) *Tensor { return t.sum(dims, false) }

// SumKeep is Sum with keepdim=True: reduced dimensions stay with size 1.
func (t *Tensor) SumKeep(dims ...int) *Tensor { return t.sum(dims, true) }

func (t *Tensor) sum(dims []int, keep bool) *Tensor {
	out := reduceSum(t, dims, keep)
	rd := t.reduceDims(dims)
	in := t.shape
	name := "SumBackward1"
	if len(dims) == 0 {
		name = "SumBackward0"
	}
	record(out, name, []*Tensor{t}, func(g *Tensor) []*Tensor {
		return []*Tensor{g.Reshape(t.reducedShape(rd, true)...).Expand(in...).contiguousCopy()}
	})
	return out
}

// Mean returns the mean over the given dimensions (all when none are given).
func (t *Tensor) Mean(dims ...int) *Tensor { return t.mean(dims, false) }

// MeanKeep is Mean with keepdim=True.
func (t *Tensor) MeanKeep(dims ...int) *Tensor { return t.mean(dims, true) }

func (t *Tensor) mean(dims []int, keep bool) *Tensor {
	requireFloat("mean", t)
	rd := t.reduceDims(dims)
	n := 1
	for _, d := range rd {
		n *= t.shape[d]
	}
	data, outer, r := t.rows(rd)
	vals := make([]float64, outer)
	for i := range vals {
		s := 0.0
		for _, v := range data[i*r : i*r+r] {
			s += v
		}
		vals[i] = s / float64(n)
	}
	out := fromFloat64s(t.dtype, vals, t.reducedShape(rd, keep))
	in := t.shape
	name := "MeanBackward1"
	if len(dims) == 0 {
		name = "MeanBackward0"
	}
	record(out, name, []*Tensor{t}, func(g *Tensor) []*Tensor {
		return []*Tensor{g.Reshape(t.reducedShape(rd, true)...).Expand(in...).contiguousCopy().DivScalar(float64(n))}
	})
	return out
}

// Var returns the unbiased variance (divisor N-1, PyTorch's default) over
// the given dimensions (all when none are given).
func (t *Tensor) Var(dims ...int) *Tensor { return t.VarCorrection(1, false, dims...) }

// Std returns the unbiased standard deviation over the given dimensions.
func (t *Tensor) Std(dims ...int) *Tensor { return t.StdCorrection(1, false, dims...) }

// VarCorrection returns the variance over dims with divisor N-correction
// (0 for the biased variance, 1 for the unbiased one), keeping the reduced
// dimensions when keepdim is set.
//
// It accumulates as PyTorch 1.13 does on the CPU, in float64 whatever the
// tensor's type, and rounds once at the end: a float32 variance is +Inf only
// when the variance itself passes float32's range, not when the sum of
// squares does. A reduction to one value takes two passes (the mean, rounded
// to the tensor's type, then the squared deviations from it, as
// std_var_all_cpu); one to several values runs Welford's update per output
// (as std_var_kernel_impl).
func (t *Tensor) VarCorrection(correction int, keepdim bool, dims ...int) *Tensor {
	return t.varStd("var", correction, keepdim, dims, false)
}

// StdCorrection is the square root of VarCorrection, taken in float64
// before rounding (so a float32 standard deviation is finite whenever it
// fits, even when the variance would not).
func (t *Tensor) StdCorrection(correction int, keepdim bool, dims ...int) *Tensor {
	return t.varStd("std", correction, keepdim, dims, true)
}

// varStd computes var (or std when root is set) over dims, and records
// PyTorch's VarBackward0 / StdBackward0:
// grad·2(x − mean)/(N − correction), divided by 2·std for the std.
func (t *Tensor) varStd(op string, correction int, keepdim bool, dims []int, root bool) *Tensor {
	requireFloat(op, t)
	rd := t.reduceDims(dims)
	n := 1
	for _, d := range rd {
		n *= t.shape[d]
	}
	data, outer, r := t.rows(rd)
	div := float64(max(0, n-correction))
	vals := make([]float64, outer)
	for i := range vals {
		row := data[i*r : i*r+r]
		var m2 float64
		if outer == 1 {
			// std_var_all_cpu: the mean as self.mean() gives it (in the
			// tensor's type), then the squared deviations in float64.
			s := 0.0
			for _, v := range row {
				s += v
			}
			mean := s / float64(len(row))
			if t.dtype == Float32 {
				mean = float64(float32(mean))
			}
			for _, v := range row {
				d := v - mean
				m2 += float64(d * d)
			}
		} else {
			// WelfordOps<scalar_t, double, int64_t, double>.
			mean := 0.0
			for k, v := range row {
				delta := v - mean
				mean += delta / float64(k+1)
				m2 += float64(delta * (v - mean))
			}
		}
		v := m2 / div
		if r == 0 {
			v = math.NaN()
		}
		if root {
			v = math.Sqrt(v)
		}
		vals[i] = v
	}
	out := fromFloat64s(t.dtype, vals, t.reducedShape(rd, keepdim))
	name := "VarBackward0"
	if root {
		name = "StdBackward0"
	}
	in := t.shape
	record(out, name, []*Tensor{t}, func(g *Tensor) []*Tensor {
		g = g.Reshape(t.reducedShape(rd, true)...)
		if root {
			g = g.Div(out.Detach().Reshape(t.reducedShape(rd, true)...).MulScalar(2))
		}
		dev := t.Sub(t.MeanKeep(rd...))
		return []*Tensor{g.Expand(in...).Mul(dev).MulScalar(2 / div)}
	})
	return out
}

// argExtremum returns per-row index and value of the max (or min), NaN
// winning like PyTorch, first occurrence on ties.
func argExtremum(data []float64, outer, r int, max bool) ([]float64, []float64) {
	vals := make([]float64, outer)
	idx := make([]float64, outer)
	for i := 0; i < outer; i++ {
		row := data[i*r : i*r+r]
		best, bi := row[0], 0
		for j := 1; j < r && best == best; j++ {
			v := row[j]
			if v != v || (max && v > best) || (!max && v < best) {
				best, bi = v, j
			}
		}
		vals[i], idx[i] = best, float64(bi)
	}
	return vals, idx
}

// MaxDim returns the maximum along dim and its index (int64), like
// torch.max(t, dim, keepdim).
func (t *Tensor) MaxDim(dim int, keepdim bool) (values, indices *Tensor) {
	return t.extremumDim(dim, keepdim, true)
}

// MinDim returns the minimum along dim and its index (int64).
func (t *Tensor) MinDim(dim int, keepdim bool) (values, indices *Tensor) {
	return t.extremumDim(dim, keepdim, false)
}

func (t *Tensor) extremumDim(dim int, keep, max bool) (*Tensor, *Tensor) {
	d := t.normDim(dim)
	if t.Dim() > 0 && t.shape[d] == 0 {
		panic(fmt.Sprintf("max(): Expected reduction dim %d to have non-zero size.", d))
	}
	data, outer, r := t.rows([]int{d})
	vals, idx := argExtremum(data, outer, r, max)
	shape := t.reducedShape([]int{d}, keep)
	values := fromFloat64s(t.dtype, vals, shape)
	indices := fromFloat64s(Int64, idx, shape)
	if t.Dim() == 0 {
		values, indices = t.Detach().contiguousCopy(), Empty(Int64)
	}
	in := t.shape
	dt := t.dtype
	name := "MaxBackward0"
	if !max {
		name = "MinBackward0"
	}
	record(values, name, []*Tensor{t}, func(g *Tensor) []*Tensor {
		if len(in) == 0 {
			return []*Tensor{g}
		}
		gi := g
		ii := indices
		if !keep {
			gi = g.Unsqueeze(d)
			ii = indices.Unsqueeze(d)
		}
		z := Empty(dt, in...)
		return []*Tensor{z.scatterAdd(d, ii, gi)}
	})
	return values, indices
}

// Max returns the maximum of all elements as a 0-d tensor (NaN if any is
// NaN). Its gradient is split evenly among tied maxima, as in PyTorch.
func (t *Tensor) Max() *Tensor { return t.extremumAll(true) }

// Min returns the minimum of all elements as a 0-d tensor.
func (t *Tensor) Min() *Tensor { return t.extremumAll(false) }

func (t *Tensor) extremumAll(max bool) *Tensor {
	if t.Numel() == 0 {
		panic("max(): Expected reduction dim to be specified for input.numel() == 0. Specify the reduction dim with the 'dim' argument.")
	}
	data := t.Float64s()
	vals, _ := argExtremum(data, 1, len(data), max)
	out := fromFloat64s(t.dtype, vals, []int{})
	td := t.Detach()
	name := "MaxBackward1"
	if !max {
		name = "MinBackward1"
	}
	record(out, name, []*Tensor{t}, func(g *Tensor) []*Tensor {
		m := vals[0]
		mask := mapUnary("max", td, func(v float32) float32 { return b2f32(float64(v) == m) },
			func(v float64) float64 { return float64(b2f32(v == m)) })
		cnt := reduceSum(mask, nil, false).Item()
		return []*Tensor{Mul(mask, g.DivScalar(cnt))}
	})
	return out
}

// Argmax returns the indices (int64) of the maxima along dim.
func (t *Tensor) Argmax(dim int, keepdim bool) *Tensor {
	_, i := t.Detach().MaxDim(dim, keepdim)
	return i
}

// Argmin returns the indices (int64) of the minima along dim.
func (t *Tensor) Argmin(dim int, keepdim bool) *Tensor {
	_, i := t.Detach().MinDim(dim, keepdim)
	return i
}
