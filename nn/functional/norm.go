package functional

import (
	"fmt"
	"math"
	"slices"

	"github.com/intercept-ml/intercept/internal/pyfmt"
	"github.com/intercept-ml/intercept/internal/tensorinternal"
	"github.com/intercept-ml/intercept/tensor"
)

// BatchNorm normalizes x of shape (N, C), (N, C, L), (N, C, H, W) or any
// (N, C, *) per channel, like torch.nn.functional.batch_norm:
//
//	y = (x − mean) / sqrt(var + eps) · weight + bias
//
// In training mode mean and var are the batch statistics over N and the
// spatial dimensions, var biased (divisor N·L), and the running statistics,
// when given, are updated in place (they are buffers, not recorded):
//
//	runningMean = (1 − momentum)·runningMean + momentum·mean
//	runningVar  = (1 − momentum)·runningVar  + momentum·var_unbiased
//
// with the unbiased (divisor N·L − 1) variance. Outside training the running
// statistics are used and must be given. Either running tensor may be nil in
// training (track_running_stats=False); weight and bias (C) may be nil
// (affine=False), independently.
//
// Options (BatchNormOption): Training (default evaluation, as in
// F.batch_norm), Momentum (default 0.1) and Eps (default 1e-5). Momentum is
// the exponential average factor, as in F.batch_norm. For PyTorch's
// momentum=None (a cumulative moving average), the caller counts batches, as
// nn.BatchNorm does with num_batches_tracked, and passes
// Momentum(1/num_batches_tracked) after incrementing it; F.batch_norm takes
// a float for the same reason.
//
// Statistics are accumulated in float64 as PyTorch's CPU kernel does.
// The gradient flows to x, weight and bias; in training it includes the
// dependence of the batch statistics on x.
func BatchNorm(x, runningMean, runningVar, weight, bias *tensor.Tensor, opts ...BatchNormOption) *tensor.Tensor {
	c := callConfig{momentum: 0.1, eps: 1e-5}
	applyOptions(&c, opts)
	return batchNorm(x, runningMean, runningVar, weight, bias, c.training, c.momentum, c.eps)
}

func batchNorm(x, runningMean, runningVar, weight, bias *tensor.Tensor, training bool, momentum, eps float64) *tensor.Tensor {
	if x.Dim() < 2 {
		panic(fmt.Sprintf("batch_norm: expected input with at least 2 dimensions (N, C, *), but got input of size %s", pyfmt.List(x.Shape()...)))
	}
	requireFloat("batch_norm", "input", x)
	xs := x.Shape()
	n, c := xs[0], xs[1]
	s := numel(xs[2:])
	if training && n*s == 1 {
		panic(fmt.Sprintf("Expected more than 1 value per channel when training, got input size torch.Size(%s)", pyfmt.List(xs...)))
	}
	check := func(name string, t *tensor.Tensor) {
		if t == nil {
			return
		}
		if t.Numel() != c {
			panic(fmt.Sprintf("%s should contain %d elements not %d", name, c, t.Numel()))
		}
		sameType(x, t)
	}
	check("running_mean", runningMean)
	if runningMean == nil && !training {
		panic("running_mean must be defined in evaluation mode")
	}
	check("running_var", runningVar)
	if runningVar == nil && !training {
		panic("running_var must be defined in evaluation mode")
	}
	check("weight", weight)
	check("bias", bias)
	if x.Numel() == 0 {
		return x.Clone()
	}
	xc := x.Contiguous()
	wc, bc := contigParam(weight), contigParam(bias)
	dt := x.DType()
	out := newLike(dt, xs)
	var rm, rv *tensor.Tensor
	if runningMean != nil {
		rm = runningMean.Detach().Contiguous()
	}
	if runningVar != nil {
		rv = runningVar.Detach().Contiguous()
	}
	mean, invstd := newLike(dt, []int{c}), newLike(dt, []int{c})
	if dt == tensor.Float32 {
		batchNormForward(raw[float32](xc), raw[float32](out), rawOrNil[float32](rm), rawOrNil[float32](rv), rawOrNil[float32](wc), rawOrNil[float32](bc),
			raw[float32](mean), raw[float32](invstd), n, c, s, training, momentum, eps)
	} else {
		batchNormForward(raw[float64](xc), raw[float64](out), rawOrNil[float64](rm), rawOrNil[float64](rv), rawOrNil[float64](wc), rawOrNil[float64](bc),
			raw[float64](mean), raw[float64](invstd), n, c, s, training, momentum, eps)
	}
	if training {
		// Write back running statistics that were not contiguous.
		tensor.NoGrad(func() {
			if runningMean != nil && !rm.SharesStorage(runningMean) {
				runningMean.CopyFrom(rm)
			}
			if runningVar != nil && !rv.SharesStorage(runningVar) {
				runningVar.CopyFrom(rv)
			}
		})
	}
	xd := xc.Detach()
	var wd *tensor.Tensor
	if wc != nil {
		wd = wc.Detach()
	}
	needX, needW, needB := xc.RequiresGrad(), wc != nil && wc.RequiresGrad(), bc != nil && bc.RequiresGrad()
	tensor.Record(out, "NativeBatchNormBackward0", []*tensor.Tensor{xc, wc, bc}, func(gy *tensor.Tensor) []*tensor.Tensor {
		gy = contig(gy)
		var gx, gw, gb *tensor.Tensor
		if needX {
			gx = newLike(dt, xs)
		}
		if needW {
			gw = newLike(dt, []int{c})
		}
		if needB {
			gb = newLike(dt, []int{c})
		}
		if dt == tensor.Float32 {
			batchNormBackward(raw[float32](xd), raw[float32](gy), rawOrNil[float32](wd), raw[float32](mean), raw[float32](invstd),
				rawOrNil[float32](gx), rawOrNil[float32](gw), rawOrNil[float32](gb), n, c, s, training)
		} else {
			batchNormBackward(raw[float64](xd), raw[float64](gy), rawOrNil[float64](wd), raw[float64](mean), raw[float64](invstd),
				rawOrNil[float64](gx), rawOrNil[float64](gw), rawOrNil[float64](gb), n, c, s, training)
		}
		return []*tensor.Tensor{gx, gw, gb}
	})
	return out
}

// contigParam returns a contiguous form of an optional parameter (recorded,
// so that gradients reach the original tensor).
func contigParam(t *tensor.Tensor) *tensor.Tensor {
	if t == nil {
		return nil
	}
	return t.Contiguous()
}

// batchNormForward normalizes x (n, c, s) into y and stores the mean and
// inverse standard deviation used per channel; in training it updates rm
// and rv (when not nil).
func batchNormForward[T float](x, y, rm, rv, w, b, mean, invstd []T, n, c, s int, training bool, momentum, eps float64) {
	cnt := n * s
	for ch := range c {
		var m, is T
		if training {
			var sum float64
			for i := range n {
				for _, v := range x[(i*c+ch)*s : (i*c+ch+1)*s] {
					sum += float64(v)
				}
			}
			m = T(sum / float64(cnt))
			var vs float64
			for i := range n {
				for _, v := range x[(i*c+ch)*s : (i*c+ch+1)*s] {
					d := v - m
					vs += float64(d * d)
				}
			}
			varSum := T(vs)
			is = T(1 / math.Sqrt(float64(varSum/T(cnt))+eps))
			if rm != nil {
				rm[ch] = T(float64(momentum*float64(m)) + float64((1-momentum)*float64(rm[ch])))
			}
			if rv != nil {
				unbiased := float64(varSum / T(cnt-1))
				rv[ch] = T(float64(momentum*unbiased) + float64((1-momentum)*float64(rv[ch])))
			}
		} else {
			m = rm[ch]
			is = T(1) / T(math.Sqrt(float64(rv[ch]+T(eps))))
		}
		mean[ch], invstd[ch] = m, is
		alpha := is
		if w != nil {
			alpha = is * w[ch]
		}
		beta := -T(m * alpha)
		if b != nil {
			beta = b[ch] - T(m*alpha)
		}
		for i := range n {
			xr := x[(i*c+ch)*s : (i*c+ch+1)*s]
			yr := y[(i*c+ch)*s : (i*c+ch+1)*s]
			for j, v := range xr {
				yr[j] = T(v*alpha) + beta
			}
		}
	}
}

// batchNormBackward computes the gradients of batchNormForward for the
// outputs that are not nil.
func batchNormBackward[T float](x, gy, w, mean, invstd, gx, gw, gb []T, n, c, s int, training bool) {
	cnt := n * s
	for ch := range c {
		m, is := mean[ch], invstd[ch]
		var sum, dotp float64
		for i := range n {
			xr := x[(i*c+ch)*s : (i*c+ch+1)*s]
			gr := gy[(i*c+ch)*s : (i*c+ch+1)*s]
			for j, g := range gr {
				sum += float64(g)
				dotp += float64((xr[j] - m) * g)
			}
		}
		if gw != nil {
			gw[ch] = T(dotp * float64(is))
		}
		if gb != nil {
			gb[ch] = T(sum)
		}
		if gx == nil {
			continue
		}
		wv := T(1)
		if w != nil {
			wv = w[ch]
		}
		if training {
			k := T(dotp) * is * is / T(cnt)
			gm := T(sum / float64(cnt))
			for i := range n {
				xr := x[(i*c+ch)*s : (i*c+ch+1)*s]
				gr := gy[(i*c+ch)*s : (i*c+ch+1)*s]
				dr := gx[(i*c+ch)*s : (i*c+ch+1)*s]
				for j, g := range gr {
					dr[j] = T(T(g-gm-T((xr[j]-m)*k))*is) * wv
				}
			}
			continue
		}
		for i := range n {
			gr := gy[(i*c+ch)*s : (i*c+ch+1)*s]
			dr := gx[(i*c+ch)*s : (i*c+ch+1)*s]
			for j, g := range gr {
				dr[j] = T(g*is) * wv
			}
		}
	}
}

// LayerNorm normalizes x over its last len(normalizedShape) dimensions,
// which must equal normalizedShape, like torch.nn.functional.layer_norm:
// y = (x − mean) / sqrt(var + eps) · weight + bias with the biased variance
// of each normalized slice. weight and bias have shape normalizedShape; each
// may be nil independently (elementwise_affine=False, or bias=False in newer
// PyTorch). Option (LayerNormOption): Eps (default 1e-5). Statistics are
// accumulated in float64.
func LayerNorm(x *tensor.Tensor, normalizedShape []int, weight, bias *tensor.Tensor, opts ...LayerNormOption) *tensor.Tensor {
	c := callConfig{eps: 1e-5}
	applyOptions(&c, opts)
	return layerNorm(x, normalizedShape, weight, bias, c.eps)
}

func layerNorm(x *tensor.Tensor, normalizedShape []int, weight, bias *tensor.Tensor, eps float64) *tensor.Tensor {
	ns := normalizedShape
	if len(ns) == 0 {
		panic("Expected normalized_shape to be at least 1-dimensional, i.e., containing at least one element, but got normalized_shape = []")
	}
	if weight != nil && !slices.Equal(weight.Shape(), ns) {
		panic(fmt.Sprintf("Expected weight to be of same shape as normalized_shape, but got weight of shape %s and normalized_shape = %s",
			pyfmt.List(weight.Shape()...), pyfmt.List(ns...)))
	}
	if bias != nil && !slices.Equal(bias.Shape(), ns) {
		panic(fmt.Sprintf("Expected bias to be of same shape as normalized_shape, but got bias of shape %s and normalized_shape = %s",
			pyfmt.List(bias.Shape()...), pyfmt.List(ns...)))
	}
	xs := x.Shape()
	if len(xs) < len(ns) || !slices.Equal(xs[len(xs)-len(ns):], ns) {
		msg := fmt.Sprintf("Given normalized_shape=%s, expected input with shape [*", pyfmt.List(ns...))
		for _, v := range ns {
			msg += fmt.Sprintf(", %d", v)
		}
		panic(msg + "], but got input of size" + pyfmt.List(xs...))
	}
	requireFloat("layer_norm", "input", x)
	sameType(x, weight)
	sameType(x, bias)
	k := numel(ns)
	m := numel(xs[:len(xs)-len(ns)])
	xc := x.Contiguous()
	wc, bc := contigParam(weight), contigParam(bias)
	dt := x.DType()
	// Every element of out and of the gradients below is written, so they
	// can take recycled memory.
	out := tensorinternal.EmptyReused(dt, xs...)
	mean, rstd := newLike(dt, []int{m}), newLike(dt, []int{m})
	if dt == tensor.Float32 {
		layerNormForward(raw[float32](xc), raw[float32](out), rawOrNil[float32](wc), rawOrNil[float32](bc), raw[float32](mean), raw[float32](rstd), m, k, eps)
	} else {
		layerNormForward(raw[float64](xc), raw[float64](out), rawOrNil[float64](wc), rawOrNil[float64](bc), raw[float64](mean), raw[float64](rstd), m, k, eps)
	}
	xd := xc.Detach()
	var wd *tensor.Tensor
	if wc != nil {
		wd = wc.Detach()
	}
	needX, needW, needB := xc.RequiresGrad(), wc != nil && wc.RequiresGrad(), bc != nil && bc.RequiresGrad()
	tensor.Record(out, "NativeLayerNormBackward0", []*tensor.Tensor{xc, wc, bc}, func(gy *tensor.Tensor) []*tensor.Tensor {
		gy = contig(gy)
		var gx, gw, gb *tensor.Tensor
		if needX {
			gx = tensorinternal.EmptyGrad(dt, xs...)
		}
		if needW {
			gw = tensorinternal.EmptyGrad(dt, ns...)
		}
		if needB {
			gb = tensorinternal.EmptyGrad(dt, ns...)
		}
		if dt == tensor.Float32 {
			layerNormBackward(raw[float32](xd), raw[float32](gy), rawOrNil[float32](wd), raw[float32](mean), raw[float32](rstd),
				rawOrNil[float32](gx), rawOrNil[float32](gw), rawOrNil[float32](gb), m, k)
		} else {
			layerNormBackward(raw[float64](xd), raw[float64](gy), rawOrNil[float64](wd), raw[float64](mean), raw[float64](rstd),
				rawOrNil[float64](gx), rawOrNil[float64](gw), rawOrNil[float64](gb), m, k)
		}
		return []*tensor.Tensor{gx, gw, gb}
	})
	return out
}

func layerNormForward[T float](x, y, w, b, mean, rstd []T, m, k int, eps float64) {
	parallelChunks(m, m*k, func(lo, hi int) { layerNormRows(x, y, w, b, mean, rstd, lo, hi, k, eps) })
}

// layerNormRows is layerNormForward on rows [lo, hi).
func layerNormRows[T float](x, y, w, b, mean, rstd []T, lo, hi, k int, eps float64) {
	for i := lo; i < hi; i++ {
		xr := x[i*k : (i+1)*k]
		yr := y[i*k : (i+1)*k]
		var sum float64
		for _, v := range xr {
			sum += float64(v)
		}
		mu := sum / float64(k)
		var vs float64
		for _, v := range xr {
			d := float64(v) - mu
			vs += float64(d * d)
		}
		mt := T(mu)
		rs := T(1 / math.Sqrt(float64(T(vs/float64(k)))+eps))
		mean[i], rstd[i] = mt, rs
		shift := -T(rs * mt)
		for j, v := range xr {
			z := T(v*rs) + shift
			if w != nil {
				z = T(z * w[j])
			}
			if b != nil {
				z += b[j]
			}
			yr[j] = z
		}
	}
}

// layerNormBackward forms the input gradient row by row (rows in parallel
// chunks) and the parameter gradients column by column (columns in
// parallel chunks), each column's sum over the rows in row order.
func layerNormBackward[T float](x, gy, w, mean, rstd, gx, gw, gb []T, m, k int) {
	if gx != nil {
		parallelChunks(m, m*k, func(lo, hi int) { layerNormBackwardRows(x, gy, w, mean, rstd, gx, lo, hi, k) })
	}
	if gw != nil || gb != nil {
		parallelChunks(k, m*k, func(lo, hi int) { layerNormParamGrads(x, gy, mean, rstd, gw, gb, lo, hi, m, k) })
	}
}

// layerNormBackwardRows sets the input gradient of rows [lo, hi): dx =
// rstd·(g·w − mean(g·w) − x̂·mean(g·w·x̂)).
func layerNormBackwardRows[T float](x, gy, w, mean, rstd, gx []T, lo, hi, k int) {
	for i := lo; i < hi; i++ {
		xr := x[i*k : (i+1)*k]
		gr := gy[i*k : (i+1)*k]
		mu, rs := float64(mean[i]), float64(rstd[i])
		var s1, s2 float64
		for j, g := range gr {
			xm := float64(xr[j]) - mu
			gw := float64(g)
			if w != nil {
				gw *= float64(w[j])
			}
			s1 += gw
			s2 += float64(gw * xm * rs)
		}
		s1 /= float64(k)
		s2 /= float64(k)
		dr := gx[i*k : (i+1)*k]
		for j, g := range gr {
			gw := float64(g)
			if w != nil {
				gw *= float64(w[j])
			}
			xh := (float64(xr[j]) - mu) * rs
			dr[j] = T(rs * (gw - s1 - float64(xh*s2)))
		}
	}
}

// layerNormParamGrads sets the weight and bias gradients (either may be
// nil) of columns [lo, hi): Σ over rows, in row order, of g·x̂ and g.
func layerNormParamGrads[T float](x, gy, mean, rstd, gw, gb []T, lo, hi, m, k int) {
	n := hi - lo
	acc := make([]float64, 2*n)
	accW, accB := acc[:n], acc[n:]
	for i := range m {
		xr := x[i*k+lo : i*k+hi]
		gr := gy[i*k+lo : i*k+hi]
		mu, rs := float64(mean[i]), float64(rstd[i])
		for j, g := range gr {
			xm := float64(xr[j]) - mu
			accW[j] += float64(float64(g) * xm * rs)
			accB[j] += float64(g)
		}
	}
	for j := range n {
		if gw != nil {
			gw[lo+j] = T(accW[j])
		}
		if gb != nil {
			gb[lo+j] = T(accB[j])
		}
	}
}
