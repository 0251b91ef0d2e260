package tensor

import (
	"math"

	"github.com/intercept-ml/intercept/internal/fp"
	"github.com/intercept-ml/intercept/internal/kernel"
	"github.com/intercept-ml/intercept/internal/xmath"
)

// Softmax and LogSoftmax follow ATen's CPU kernels (PyTorch 1.13 built for
// AVX2) in the input's element type, so that their small rounding
// differences from a correctly rounded result are PyTorch's too: the
// maximum m along dim, the exponentials exp(x − m), their sum (in vector
// lanes, see laneSum, when dim is the last dimension and in order otherwise),
// then the result. Their backward passes read the output's own elements:
// an output must not be modified in place while a backward pass may still
// run. exp and log are Go's, which differ from ATen's vectorized (Sleef)
// ones by an ulp now and then.

// Softmax returns exp(t) / sum(exp(t)) along dim (torch.softmax; grad_fn
// SoftmaxBackward0), computed as ATen does: exp(x − m) times the reciprocal
// of the sum along the last dimension, divided by the sum along others. The
// backward pass is y·(g − Σ g·y).
func (t *Tensor) Softmax(dim int) *Tensor {
	requireFloat("softmax", t)
	if t.dtype == Float32 {
		return softmaxT[float32](t, dim)
	}
	return softmaxT[float64](t, dim)
}

// LogSoftmax returns log(softmax(t)) along dim (torch.log_softmax; grad_fn
// LogSoftmaxBackward0), computed as ATen does: (x − m) − log(Σ exp(x − m)).
// This matters for cross entropy, which is LogSoftmax followed by NLLLoss:
// its gradient, softmax − one-hot, cancels where a class is confidently
// predicted and would magnify any other rounding. The backward pass is
// g − exp(y)·Σg, the product fused with the subtraction as in PyTorch's
// build.
func (t *Tensor) LogSoftmax(dim int) *Tensor {
	requireFloat("log_softmax", t)
	if t.dtype == Float32 {
		return logSoftmaxT[float32](t, dim)
	}
	return logSoftmaxT[float64](t, dim)
}

func softmaxT[T float32 | float64](input *Tensor, dim int) *Tensor {
	shape := input.Shape()
	nc, outer, inner := softmaxGeometry(input, dim)
	x := floatElems[T](input)
	out, y := newFloatElems[T](shape, false)
	if inner == 1 {
		rowChunks(outer, outer*nc, func(lo, hi int) {
			for o := lo; o < hi; o++ {
				row := y[o*nc : (o+1)*nc]
				expRow(row, x, o*nc, 1)
				r := 1 / laneSum(row)
				for c := range row {
					row[c] *= r
				}
			}
		})
	} else {
		row := make([]T, nc)
		for o := range outer {
			for p := range inner {
				base := o*nc*inner + p
				expRow(row, x, base, inner)
				var s T
				for _, v := range row {
					s += v
				}
				for c := range nc {
					y[base+c*inner] = row[c] / s
				}
			}
		}
	}
	record(out, "SoftmaxBackward0", []*Tensor{input}, func(g *Tensor) []*Tensor {
		gv := floatElems[T](g)
		gxT, gx := newFloatElems[T](shape, true) // every element is written below
		if inner == 1 {
			rowChunks(outer, outer*nc, func(lo, hi int) {
				for o := lo; o < hi; o++ {
					gr, yr, xr := gv[o*nc:(o+1)*nc], y[o*nc:(o+1)*nc], gx[o*nc:(o+1)*nc]
					s := laneDot(gr, yr)
					for c := range xr {
						xr[c] = (gr[c] - s) * yr[c]
					}
				}
			})
			return []*Tensor{gxT}
		}
		for o := range outer {
			for p := range inner {
				base := o*nc*inner + p
				var s T
				for c := range nc {
					i := base + c*inner
					s = fmaT(gv[i], y[i], s)
				}
				for c := range nc {
					i := base + c*inner
					gx[i] = (gv[i] - s) * y[i]
				}
			}
		}
		return []*Tensor{gxT}
	})
	return out
}

// rowChunks calls f on consecutive ranges [lo, hi) covering [0, rows), in
// a number of chunks that depends only on rows and work (the number of
// elements; at most eight chunks, none under 16384 elements), run on the
// kernel's worker pool. f must write disjoint outputs for different rows.
func rowChunks(rows, work int, f func(lo, hi int)) {
	const grain = 1 << 14
	chunks := min(rows, 8, work/grain)
	if chunks <= 1 {
		f(0, rows)
		return
	}
	kernel.ParallelFor(chunks, func(c int) { f(c*rows/chunks, (c+1)*rows/chunks) })
}

func logSoftmaxT[T float32 | float64](input *Tensor, dim int) *Tensor {
	shape := input.Shape()
	nc, outer, inner := softmaxGeometry(input, dim)
	x := floatElems[T](input)
	out, y := newFloatElems[T](shape, false)
	row := make([]T, nc)
	for o := range outer {
		for p := range inner {
			base := o*nc*inner + p
			m := expRow(row, x, base, inner)
			ls := T(xmath.Log(float64(sumRow(row, inner))))
			for c := range nc {
				i := base + c*inner
				y[i] = (x[i] - m) - ls
			}
		}
	}
	record(out, "LogSoftmaxBackward0", []*Tensor{input}, func(g *Tensor) []*Tensor {
		gv := floatElems[T](g)
		gxT, gx := newFloatElems[T](shape, true) // every element is written below
		for o := range outer {
			for p := range inner {
				base := o*nc*inner + p
				for c := range nc {
					row[c] = gv[base+c*inner]
				}
				s := sumRow(row, inner)
				for c := range nc {
					i := base + c*inner
					gx[i] = fmaT(-T(xmath.Exp(float64(y[i]))), s, gv[i])
				}
			}
		}
		return []*Tensor{gxT}
	})
	return out
}

// softmaxGeometry returns the size nc of dim and the products of the
// dimensions before (outer) and after (inner) it; a 0-d tensor is one
// class.
func softmaxGeometry(t *Tensor, dim int) (nc, outer, inner int) {
	nc, outer, inner = 1, 1, 1
	if t.Dim() == 0 {
		normDimN(dim, 0)
		return nc, outer, inner
	}
	dim = t.normDim(dim)
	nc = t.shape[dim]
	for _, d := range t.shape[:dim] {
		outer *= d
	}
	for _, d := range t.shape[dim+1:] {
		inner *= d
	}
	if nc == 0 {
		outer = 0
	}
	return nc, outer, inner
}

// expRow sets row[c] to exp(x[base+c·inner] − m) for the maximum m of those
// elements (NaN if one is NaN), and returns m.
func expRow[T float32 | float64](row, x []T, base, inner int) T {
	m := x[base]
	for c := 1; c < len(row); c++ {
		v := x[base+c*inner]
		if v > m || v != v {
			m = v
		}
	}
	if inner == 1 {
		if r32, ok := any(row).([]float32); ok {
			xmath.ExpDiff32(r32, any(x[base:base+len(row)]).([]float32), float32(m))
			return m
		}
	}
	for c := range row {
		row[c] = T(xmath.Exp(float64(x[base+c*inner] - m)))
	}
	return m
}

// sumRow adds row: in vector lanes along the last dimension (inner 1), in
// order along others.
func sumRow[T float32 | float64](row []T, inner int) T {
	if inner == 1 {
		return laneSum(row)
	}
	var s T
	for _, v := range row {
		s += v
	}
	return s
}

// vecLanes is ATen's Vectorized<T>::size() on AVX2: 8 float32 or 4
// float64.
func vecLanes[T float32 | float64]() int {
	if _, ok := any(T(0)).(float64); ok {
		return 4
	}
	return 8
}

// laneSum adds v as ATen's vec::reduce_all does: in order when v is shorter
// than a vector, otherwise in lanes accumulated vector by vector (the tail
// added to the first lanes) and then reduced by reduceLanes.
func laneSum[T float32 | float64](v []T) T {
	lanes := vecLanes[T]()
	if len(v) < lanes {
		s := v[0]
		for _, x := range v[1:] {
			s += x
		}
		return s
	}
	var buf [8]T
	acc := buf[:lanes]
	copy(acc, v[:lanes])
	d := lanes
	for ; d+lanes <= len(v); d += lanes {
		for k := range lanes {
			acc[k] += v[d+k]
		}
	}
	for k := 0; d+k < len(v); k++ {
		acc[k] += v[d+k]
	}
	return reduceLanes(acc)
}

// laneDot is Σ a[i]·b[i] as ATen's vec::map2_reduce_all computes it: like
// laneSum, the products of each vector after the first added by fused
// multiply-adds (GCC contracts the vectorized acc + a·b).
func laneDot[T float32 | float64](a, b []T) T {
	lanes := vecLanes[T]()
	n := len(a)
	if n < lanes {
		s := a[0] * b[0]
		for i := 1; i < n; i++ {
			s += T(a[i] * b[i]) // rounded: ATen multiplies, then adds
		}
		return s
	}
	var buf [8]T
	acc := buf[:lanes]
	for k := range lanes {
		acc[k] = a[k] * b[k]
	}
	d := lanes
	for ; d+lanes <= n; d += lanes {
		for k := range lanes {
			acc[k] = fmaT(a[d+k], b[d+k], acc[k])
		}
	}
	for k := 0; d+k < n; k++ {
		acc[k] = fmaT(a[d+k], b[d+k], acc[k])
	}
	return reduceLanes(acc)
}

// reduceLanes adds the lanes of a vector as ATen's vec_reduce_all does:
// pairwise for float32 (lane i with lane i + 4, then i + 2, then i + 1: its
// AVX2 shuffles), in order for float64 (no specialization).
func reduceLanes[T float32 | float64](acc []T) T {
	if _, ok := any(T(0)).(float64); ok {
		s := acc[0]
		for _, x := range acc[1:] {
			s += x
		}
		return s
	}
	for half := len(acc) / 2; half >= 1; half /= 2 {
		for k := range half {
			acc[k] += acc[k+half]
		}
	}
	return acc[0]
}

// fmaT is a·b + c rounded once to T.
func fmaT[T float32 | float64](a, b, c T) T {
	if _, ok := any(a).(float32); ok {
		return T(fp.FMA32(float32(a), float32(b), float32(c)))
	}
	return T(math.FMA(float64(a), float64(b), float64(c)))
}

// floatElems returns the elements of the float tensor t (of element type T)
// in row-major order, sharing its storage when it is contiguous: they must
// not be modified.
func floatElems[T float32 | float64](t *Tensor) []T {
	if _, ok := any(T(0)).(float32); ok {
		return any(t.Float32sShared()).([]T)
	}
	return any(t.Float64sShared()).([]T)
}

// newFloatElems returns a new contiguous tensor of element type T and its
// elements, whose values are unspecified: the caller must set every
// element. A gradient (grad) comes from emptyGrad, a result from
// emptyReused.
func newFloatElems[T float32 | float64](shape []int, grad bool) (*Tensor, []T) {
	dt := Float64
	if _, ok := any(T(0)).(float32); ok {
		dt = Float32
	}
	var t *Tensor
	if grad {
		t = emptyGrad(dt, shape...)
	} else {
		t = emptyReused(dt, shape...)
	}
	if dt == Float32 {
		return t, any(t.Data32()).([]T)
	}
	return t, any(t.Data64()).([]T)
}
