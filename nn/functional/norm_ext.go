package functional

import (
	"fmt"
	"math"

	"github.com/intercept-ml/intercept/internal/pyfmt"
	"github.com/intercept-ml/intercept/tensor"
)

// GroupNorm normalizes x of shape (N, C, *) over groups of channels, like
// torch.nn.functional.group_norm: the C channels are split into numGroups
// groups of C/numGroups consecutive channels, each sample's group is
// normalized with its mean and biased variance,
//
//	y = (x − mean) / sqrt(var + eps) · weight[c] + bias[c]
//
// and weight and bias (C), each possibly nil, apply per channel.
// Statistics are accumulated in float64; the output is computed as ATen's
// kernel does (rstd = 1/sqrt(var + eps) in the input's type, then
// (x − mean)·rstd without weight and bias, or scale = rstd·weight,
// shift = bias − scale·mean, y = scale·x + shift). The gradient flows to x, weight and bias (recorded as
// NativeGroupNormBackward0). Misuse panics with PyTorch's messages.
func GroupNorm(x *tensor.Tensor, numGroups int, weight, bias *tensor.Tensor, opts ...GroupNormOption) *tensor.Tensor {
	cfg := callConfig{eps: 1e-5}
	applyOptions(&cfg, opts)
	eps := cfg.eps
	xs := x.Shape()
	if len(xs) < 2 {
		panic(fmt.Sprintf("Dimension out of range (expected to be in range of [-%d, %d], but got 1)", max(len(xs), 1), max(len(xs), 1)-1))
	}
	if numGroups <= 0 {
		panic(fmt.Sprintf("Expected num groups to be greater than 0, got %d", numGroups))
	}
	n, c := xs[0], xs[1]
	if c%numGroups != 0 {
		panic(fmt.Sprintf("Expected number of channels in input to be divisible by num_groups, but got input of shape %s and num_groups=%d",
			pyfmt.List(xs...), numGroups))
	}
	s := numel(xs[2:])
	if n*c/numGroups*s == 1 {
		panic(fmt.Sprintf("Expected more than 1 value per channel when training, got input size %s", pyfmt.List(append([]int{n * c / numGroups, numGroups}, xs[2:]...)...)))
	}
	for _, p := range []struct {
		name string
		t    *tensor.Tensor
	}{{"weight", weight}, {"bias", bias}} {
		if p.t != nil && (p.t.Dim() != 1 || p.t.Numel() != c) {
			panic(fmt.Sprintf("Expected %s to be a vector of size equal to the number of channels in input, but got %s of shape %s and input of shape %s",
				p.name, p.name, pyfmt.List(p.t.Shape()...), pyfmt.List(xs...)))
		}
	}
	requireFloat("group_norm", "input", x)
	sameType(x, weight)
	sameType(x, bias)
	g := numGroups
	xc := x.Contiguous()
	wc, bc := contigParam(weight), contigParam(bias)
	dt := x.DType()
	out := newLike(dt, xs)
	mean, rstd := newLike(dt, []int{n * g}), newLike(dt, []int{n * g})
	if dt == tensor.Float32 {
		groupNormForward(raw[float32](contig(xc)), raw[float32](out), rawOrNil[float32](contig(wc)), rawOrNil[float32](contig(bc)),
			raw[float32](mean), raw[float32](rstd), n, c, g, s, eps)
	} else {
		groupNormForward(raw[float64](contig(xc)), raw[float64](out), rawOrNil[float64](contig(wc)), rawOrNil[float64](contig(bc)),
			raw[float64](mean), raw[float64](rstd), n, c, g, s, eps)
	}
	xd := xc.Detach()
	var wd *tensor.Tensor
	if wc != nil {
		wd = wc.Detach()
	}
	needX, needW, needB := xc.RequiresGrad(), wc != nil && wc.RequiresGrad(), bc != nil && bc.RequiresGrad()
	tensor.Record(out, "NativeGroupNormBackward0", []*tensor.Tensor{xc, wc, bc}, func(gy *tensor.Tensor) []*tensor.Tensor {
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
			groupNormBackward(raw[float32](xd), raw[float32](gy), rawOrNil[float32](wd), raw[float32](mean), raw[float32](rstd),
				rawOrNil[float32](gx), rawOrNil[float32](gw), rawOrNil[float32](gb), n, c, g, s)
		} else {
			groupNormBackward(raw[float64](xd), raw[float64](gy), rawOrNil[float64](wd), raw[float64](mean), raw[float64](rstd),
				rawOrNil[float64](gx), rawOrNil[float64](gw), rawOrNil[float64](gb), n, c, g, s)
		}
		return []*tensor.Tensor{gx, gw, gb}
	})
	return out
}

// groupNormForward normalizes x (n, c, s) in g groups into y, storing the
// mean and 1/std of each (sample, group).
func groupNormForward[T float](x, y, w, b, mean, rstd []T, n, c, g, s int, eps float64) {
	d := c / g
	m := d * s
	for i := range n * g {
		xr := x[i*m : (i+1)*m]
		var sum float64
		for _, v := range xr {
			sum += float64(v)
		}
		mu := sum / float64(m)
		var vs float64
		for _, v := range xr {
			e := float64(v) - mu
			vs += float64(e * e)
		}
		mt := T(mu)
		rs := 1 / T(math.Sqrt(float64(T(vs/float64(m))+T(eps)))) // in T, as ATen
		mean[i], rstd[i] = mt, rs
		if w == nil && b == nil {
			yr := y[i*m : (i+1)*m]
			for k, v := range xr {
				yr[k] = T(v-mt) * rs
			}
			continue
		}
		gi := i % g
		for j := range d {
			ch := gi*d + j
			scale := rs
			if w != nil {
				scale = rs * w[ch]
			}
			shift := -T(scale * mt)
			if b != nil {
				shift = b[ch] - T(scale*mt)
			}
			seg := xr[j*s : (j+1)*s]
			ys := y[i*m+j*s : i*m+(j+1)*s]
			for k, v := range seg {
				ys[k] = T(v*scale) + shift
			}
		}
	}
}

// groupNormBackward is ATen's GroupNormBackward: with ds = Σ dy·x and db =
// Σ dy per (sample, channel), the input gradient is
// rstd·w·dy + c2·x + c3 per group, the weight gradient Σₙ (ds − db·mean)·rstd
// and the bias gradient Σₙ db. Sums are accumulated in float64, every
// product rounded before it is added (no fused multiply-adds on any GOARCH).
func groupNormBackward[T float](x, gy, w, mean, rstd, gx, gw, gb []T, n, c, g, s int) {
	d := c / g
	ds := make([]float64, n*c)
	db := make([]float64, n*c)
	for i := range n * c {
		xr, gr := x[i*s:(i+1)*s], gy[i*s:(i+1)*s]
		var a, b float64
		for k, v := range gr {
			a += float64(float64(v) * float64(xr[k]))
			b += float64(v)
		}
		ds[i], db[i] = a, b
	}
	if gx != nil {
		inv := 1 / float64(d*s)
		for i := range n * g {
			mu, rs := float64(mean[i]), float64(rstd[i])
			gi := i % g
			var dsv, dbv float64
			for j := range d {
				ch := gi*d + j
				wv := 1.0
				if w != nil {
					wv = float64(w[ch])
				}
				dsv += float64(ds[(i/g)*c+ch] * wv)
				dbv += float64(db[(i/g)*c+ch] * wv)
			}
			c2 := (float64(dbv*mu) - dsv) * rs * rs * rs * inv
			c3 := float64(-c2*mu) - float64(dbv*rs*inv)
			for j := range d {
				ch := gi*d + j
				wv := 1.0
				if w != nil {
					wv = float64(w[ch])
				}
				c1 := rs * wv
				off := (i/g)*c*s + ch*s
				for k := range s {
					gx[off+k] = T(float64(c1*float64(gy[off+k])) + float64(c2*float64(x[off+k])) + c3)
				}
			}
		}
	}
	for ch := range c {
		var aw, ab float64
		for i := range n {
			gi := ch / d
			aw += float64((ds[i*c+ch] - float64(db[i*c+ch]*float64(mean[i*g+gi]))) * float64(rstd[i*g+gi]))
			ab += db[i*c+ch]
		}
		if gw != nil {
			gw[ch] = T(aw)
		}
		if gb != nil {
			gb[ch] = T(ab)
		}
	}
}

// InstanceNorm normalizes each channel of each sample of x (N, C, *)
// separately, like torch.nn.functional.instance_norm. It is what ATen does:
// BatchNorm on x viewed as (1, N·C, *), with weight, bias and the running
// statistics repeated N times; in training (useInputStats) the updated
// running statistics are then averaged over the N copies and written back
// into runningMean and runningVar (when given). Outside useInputStats the
// running statistics are used and must be given. weight and bias (C) may be
// nil. The gradient flows to x, weight and bias.
func InstanceNorm(x, runningMean, runningVar, weight, bias *tensor.Tensor, opts ...InstanceNormOption) *tensor.Tensor {
	cfg := callConfig{useInputStats: true, momentum: 0.1, eps: 1e-5}
	applyOptions(&cfg, opts)
	useInputStats, momentum, eps := cfg.useInputStats, cfg.momentum, cfg.eps
	xs := x.Shape()
	if len(xs) < 2 {
		panic(fmt.Sprintf("instance_norm: expected input with at least 2 dimensions (N, C, *), but got input of size %s", pyfmt.List(xs...)))
	}
	if useInputStats && numel(xs[2:]) == 1 {
		panic(fmt.Sprintf("Expected more than 1 spatial element when training, got input size torch.Size(%s)", pyfmt.List(xs...)))
	}
	b, c := xs[0], xs[1]
	shape := append([]int{1, b * c}, xs[2:]...)
	xr := x.Contiguous().View(shape...)
	rep := func(t *tensor.Tensor) *tensor.Tensor {
		if t == nil {
			return nil
		}
		return t.Unsqueeze(0).Expand(b, t.Numel()).Reshape(b * t.Numel())
	}
	repStat := func(t *tensor.Tensor) *tensor.Tensor {
		if t == nil {
			return nil
		}
		return rep(t.Detach()).Contiguous()
	}
	rm, rv := repStat(runningMean), repStat(runningVar)
	out := BatchNorm(xr, rm, rv, rep(weight), rep(bias), TrainingOption(useInputStats), Momentum(momentum), Eps(eps))
	tensor.NoGrad(func() {
		for _, p := range [][2]*tensor.Tensor{{runningMean, rm}, {runningVar, rv}} {
			if p[0] != nil {
				p[0].CopyFrom(meanOverCopies(p[1], b, p[0].Numel()))
			}
		}
	})
	return out.View(xs...)
}

// meanOverCopies returns the mean over the b rows of t (b·k), as ATen's
// mean(0): the rows summed in order in t's element type, then divided by b.
func meanOverCopies(t *tensor.Tensor, b, k int) *tensor.Tensor {
	out := newLike(t.DType(), []int{k})
	if t.DType() == tensor.Float32 {
		meanRows(raw[float32](t), raw[float32](out), b, k)
	} else {
		meanRows(raw[float64](t), raw[float64](out), b, k)
	}
	return out
}

func meanRows[T float](t, out []T, b, k int) {
	for j := range k {
		var acc T
		for i := range b {
			acc += t[i*k+j]
		}
		out[j] = acc / T(b)
	}
}
