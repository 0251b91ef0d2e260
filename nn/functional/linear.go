package functional

import (
	"fmt"

	"github.com/intercept-ml/intercept/internal/kernel"
	"github.com/intercept-ml/intercept/internal/pyfmt"
	"github.com/intercept-ml/intercept/internal/tensorinternal"
	"github.com/intercept-ml/intercept/tensor"
)

// Linear returns x·Wᵀ + b, like torch.nn.functional.linear, for x of shape
// (..., in) (any number of leading dimensions, or none), weight (out, in) and
// bias (out) or nil (no bias: no addition). A 1-D weight (in) gives a result
// without the last dimension, as in PyTorch. The product is one GEMM over
// all leading dimensions; its gradient flows to x, weight and bias.
func Linear(x, w, b *tensor.Tensor) *tensor.Tensor { return linear(x, w, b, false) }

// LinearReLU returns Linear(x, w, b).ReLU(), the values, gradients and
// GradFn of the two operations in sequence, computed as one: the ReLU is
// applied in place to the product while it is still in the cache, which
// saves allocating and writing a second tensor.
// nn.Sequential uses it for a Linear layer followed by ReLU; a model of
// one's own can call it directly.
func LinearReLU(x, w, b *tensor.Tensor) *tensor.Tensor { return linear(x, w, b, true) }

// linear is Linear, followed by ReLU when relu is set.
func linear(x, w, b *tensor.Tensor, relu bool) *tensor.Tensor {
	if x.Dim() == 0 || w.Dim() == 0 {
		panic(fmt.Sprintf("both arguments to matmul need to be at least 1D, but they are %dD and %dD", x.Dim(), w.Dim()))
	}
	if w.Dim() > 2 {
		panic(fmt.Sprintf("t() expects a tensor with <= 2 dimensions, but self is %dD", w.Dim()))
	}
	requireFloat("linear", "input", x)
	sameType(x, w)
	if b != nil {
		sameType(x, b)
	}
	if w.Dim() == 1 {
		y := Linear(x, w.Unsqueeze(0), nil).Squeeze(-1)
		if b != nil {
			y = y.Add(b)
		}
		if relu {
			y = y.ReLU()
		}
		return y
	}
	in := x.Size(-1)
	out := w.Size(0)
	rows := 1
	for d := range x.Dim() - 1 {
		rows *= x.Size(d)
	}
	if in != w.Size(1) {
		panic(fmt.Sprintf("mat1 and mat2 shapes cannot be multiplied (%dx%d and %dx%d)", rows, in, w.Size(1), out))
	}
	fused := b
	if b != nil && !(b.Dim() == 1 && b.Size(0) == out) {
		if b.Dim() == 1 && b.Size(0) != 1 {
			panic(fmt.Sprintf("The expanded size of the tensor (%d) must match the existing size (%d) at non-singleton dimension 1.  Target sizes: [%d, %d].  Tensor sizes: [%d]",
				out, b.Size(0), rows, out, b.Size(0)))
		}
		fused = nil
	}
	x2 := x.Contiguous()
	if x.Dim() != 2 {
		x2 = x2.Reshape(rows, in)
	}
	// The ReLU is fused only where it comes right after the product's
	// node, so that the result's GradFn is the ReLU's either way.
	fuseReLU := relu && x.Dim() == 2 && (fused != nil || b == nil)
	y := linear2d(x2, w.Contiguous(), contigParam(fused), fuseReLU)
	if fused == nil && b != nil {
		y = y.Add(b)
	}
	if x.Dim() != 2 {
		xs := x.Shape()
		y = y.Reshape(append(xs[:len(xs)-1], out)...)
	}
	if relu && !fuseReLU {
		y = y.ReLU()
	}
	return y
}

// linear2d computes x (M, in) · wᵀ (in, out) + b as one autograd node, named
// like PyTorch's addmm/mm, followed by an in-place ReLU when relu is set.
func linear2d(x, w, b *tensor.Tensor, relu bool) *tensor.Tensor {
	m, in, out := x.Size(0), x.Size(1), w.Size(0)
	dt := x.DType()
	// linearForward writes every element (the bias rows, or a product
	// with beta 0), so y may take recycled memory.
	y := tensorinternal.EmptyReused(dt, m, out)
	if dt == tensor.Float32 {
		linearForward(raw[float32](x), raw[float32](w), rawOrNil[float32](b), raw[float32](y), m, in, out)
	} else {
		linearForward(raw[float64](x), raw[float64](w), rawOrNil[float64](b), raw[float64](y), m, in, out)
	}
	if !tensor.IsGradEnabled() || !(x.RequiresGrad() || w.RequiresGrad() || b != nil && b.RequiresGrad()) {
		// Nothing is recorded (under NoGrad, say): no node, no closure,
		// and the ReLU in place.
		if !relu {
			return y
		}
		if dt == tensor.Float32 {
			d := raw[float32](y)
			kernel.ReLUForward32(d, d)
			return y
		}
		return y.ReLU()
	}
	name := "MmBackward0"
	if b != nil {
		name = "AddmmBackward0"
	}
	if dt == tensor.Float32 {
		return recordLinear(y, name, x, w, b, raw[float32](x), raw[float32](w), relu)
	}
	return recordLinear(y, name, x, w, b, raw[float64](x), raw[float64](w), relu)
}

// recordLinear records linear2d's node, followed by a ReLU in place when
// relu is set, and returns y or the ReLU's output; xd and wd are the
// elements of x and w, read by the backward pass.
func recordLinear[T float](y *tensor.Tensor, name string, x, w, b *tensor.Tensor, xd, wd []T, relu bool) *tensor.Tensor {
	m, in, out := x.Size(0), x.Size(1), w.Size(0)
	dt := x.DType()
	needX, needW, needB := x.RequiresGrad(), w.RequiresGrad(), b != nil && b.RequiresGrad()
	inputs := []*tensor.Tensor{x, w, b}
	backward := func(gy *tensor.Tensor) []*tensor.Tensor {
		gy = contig(gy)
		// Every element of the gradients is written below, so they can
		// take recycled memory.
		var gx, gw, gb *tensor.Tensor
		if needX {
			gx = tensorinternal.EmptyGrad(dt, m, in)
		}
		// The weight gradient goes straight into the weight's Grad when
		// that gives the bits of adding it afterwards.
		if needW && !accumulateWeightGrad(w, x, b, raw[T](gy), xd, m, in, out) {
			gw = tensorinternal.EmptyGrad(dt, out, in)
		}
		if needB {
			gb = tensorinternal.EmptyGrad(dt, out)
		}
		linearBackward(xd, wd, raw[T](gy), rawOrNil[T](gx), rawOrNil[T](gw), rawOrNil[T](gb), m, in, out)
		return []*tensor.Tensor{gx, gw, gb}
	}
	if relu {
		return tensorinternal.RecordReLU(y, name, inputs, backward)
	}
	tensor.Record(y, name, inputs, backward)
	return y
}

func linearForward[T float](x, w, b, y []T, m, in, out int) {
	var beta T
	if b != nil {
		if m*out < 1<<15 {
			// Small outputs (a batch of one, say) are copied here, without
			// building parallelChunks's closure.
			for i := range m {
				copy(y[i*out:(i+1)*out], b)
			}
		} else {
			parallelChunks(m, m*out, func(lo, hi int) {
				for i := lo; i < hi; i++ {
					copy(y[i*out:(i+1)*out], b)
				}
			})
		}
		beta = 1
	}
	gemm(false, true, m, out, in, 1, x, in, w, in, beta, y, out)
}

// accumulateWeightGrad adds gyᵀ·x, the gradient of Linear's weight w
// (out × in), straight into w's Grad when that gives the bits of adding it
// afterwards (see tensorinternal.LeafGrad and kernel.GemmAccumulate32/64), and
// reports whether it did.
func accumulateWeightGrad[T float](w, x, b *tensor.Tensor, gy, xd []T, m, in, out int) bool {
	if out*in < kernel.GemmAccumulateMin || w == x || w == b {
		return false
	}
	dst := tensorinternal.LeafGrad(w)
	if dst == nil {
		return false
	}
	if gy32, ok := any(gy).([]float32); ok {
		return kernel.GemmAccumulate32(true, false, out, in, m, gy32, out, any(xd).([]float32), in, tensorinternal.Writable32(dst), in)
	}
	return kernel.GemmAccumulate64(true, false, out, in, m, any(gy).([]float64), out, any(xd).([]float64), in, tensorinternal.Writable64(dst), in)
}

func linearBackward[T float](x, w, gy, gx, gw, gb []T, m, in, out int) {
	if gx != nil {
		gemm(false, false, m, in, out, 1, gy, out, w, in, 0, gx, in)
	}
	if gw != nil {
		gemm(true, false, out, in, m, 1, gy, out, x, in, 0, gw, in)
	}
	if gb == nil {
		return
	}
	// Each column is summed over the rows in order, in float64. Small
	// sums run here with the accumulators on the stack (no closure to
	// build); the columns are independent, so large ones are shared out.
	if out <= 512 && m*out < 1<<15 {
		var buf [512]float64
		sumColumns(gy, gb, buf[:out], m, out, 0, out)
		return
	}
	acc := make([]float64, out)
	parallelChunks(out, m*out, func(lo, hi int) { sumColumns(gy, gb, acc[lo:hi], m, out, lo, hi) })
}

// sumColumns sets gb[j] for j in [lo, hi) to the float64 sum, over the m
// rows of gy (m × out) in order, of column j, accumulating in acc (hi−lo
// zeros).
func sumColumns[T float](gy, gb []T, acc []float64, m, out, lo, hi int) {
	for i := range m {
		for j, v := range gy[i*out+lo : i*out+hi] {
			acc[j] += float64(v)
		}
	}
	for j, v := range acc {
		gb[lo+j] = T(v)
	}
}

// Bilinear returns y_k = x1ᵀ·W_k·x2 + b_k, like
// torch.nn.functional.bilinear, for x1 (..., in1) and x2 (..., in2) with the
// same leading dimensions, weight (out, in1, in2) and bias (out) or nil. The
// result has shape (..., out).
func Bilinear(x1, x2, w, b *tensor.Tensor) *tensor.Tensor {
	if x1.Dim() != x2.Dim() {
		panic(fmt.Sprintf("bilinear(): input dimensions do not match: got %d and %d", x1.Dim(), x2.Dim()))
	}
	if x1.Dim() == 0 {
		panic("bilinear(): expected inputs with at least 1 dimension, but got 0-dimensional inputs")
	}
	for i := 0; i < x1.Dim()-1; i++ {
		if x1.Size(i) != x2.Size(i) {
			panic(fmt.Sprintf("bilinear(): input batch dimensions do not match at dim %d: got %d and %d", i, x1.Size(i), x2.Size(i)))
		}
	}
	if w.Dim() != 3 {
		panic(fmt.Sprintf("bilinear(): expected weight to be 3-D (out_features, in1_features, in2_features), but got weight of size %s", pyfmt.List(w.Shape()...)))
	}
	in1, in2, out := w.Size(1), w.Size(2), w.Size(0)
	if x1.Size(-1) != in1 {
		panic(fmt.Sprintf("bilinear(): input1 size does not match weight size: got %d but expected %d", x1.Size(-1), in1))
	}
	if x2.Size(-1) != in2 {
		panic(fmt.Sprintf("bilinear(): input2 size does not match weight size: got %d but expected %d", x2.Size(-1), in2))
	}
	if b != nil && (b.Dim() == 0 || b.Size(0) != out) {
		got := 1
		if b.Dim() > 0 {
			got = b.Size(0)
		}
		panic(fmt.Sprintf("bilinear(): bias size does not match weight size: got %d but expected %d", got, out))
	}
	requireFloat("bilinear", "input1", x1)
	sameType(x1, x2)
	sameType(x1, w)
	if b != nil {
		sameType(x1, b)
	}
	lead := x1.Shape()[:x1.Dim()-1]
	m := numel(lead)
	a := x1.Reshape(m, in1)
	c := x2.Reshape(m, in2)
	// t[n, k, j] = Σ_i x1[n, i]·W[k, i, j], then y[n, k] = Σ_j t[n, k, j]·x2[n, j].
	wt := w.Permute(1, 0, 2).Reshape(in1, out*in2)
	t := tensor.Matmul(a, wt).Reshape(m, out, in2)
	y := t.Mul(c.Unsqueeze(1)).Sum(2)
	if b != nil {
		y = y.Add(b)
	}
	return y.Reshape(append(lead, out)...)
}
