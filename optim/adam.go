package optim

import (
	"fmt"
	"github.com/intercept-ml/intercept/internal/tensorinternal"
	"math"

	"github.com/intercept-ml/intercept/internal/kernel"
	"github.com/intercept-ml/intercept/internal/pyfmt"
	"github.com/intercept-ml/intercept/tensor"
)

// Adam is torch.optim.Adam (Kingma & Ba), with L2 weight decay added to the
// gradient, optional AMSGrad and Maximize:
//
//	g ← ∇ + λ·p;  m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²
//	p ← p − lr/(1 − β1^t) · m / (√v / √(1 − β2^t) + ε)
//
// State per parameter: step, "exp_avg", "exp_avg_sq" and, with AMSGrad,
// "max_exp_avg_sq" (the running maximum of exp_avg_sq, used in place of v).
type Adam struct{ adam }

// AdamW is torch.optim.AdamW (Loshchilov & Hutter): Adam with decoupled
// weight decay, p ← p·(1 − lr·λ) before the Adam step (which then has no
// L2 term).
type AdamW struct{ adam }

type adam struct {
	base
	decoupled bool
}

// NewAdam returns an Adam optimizer over params (e.g. nn.Parameters(model)),
// which form its first parameter group. Options not given take PyTorch's
// defaults: LR 1e-3, Betas(0.9, 0.999), Eps 1e-8, WeightDecay 0.
func NewAdam(params []*tensor.Tensor, opts ...AdamOption) *Adam {
	return &Adam{newAdam("Adam", params, opts, 0, false)}
}

// NewAdamW returns an AdamW optimizer over params (e.g.
// nn.Parameters(model)), which form its first parameter group. Options not
// given take PyTorch's defaults: LR 1e-3, Betas(0.9, 0.999), Eps 1e-8,
// WeightDecay 1e-2.
func NewAdamW(params []*tensor.Tensor, opts ...AdamOption) *AdamW {
	return &AdamW{newAdam("AdamW", params, opts, 1e-2, true)}
}

func newAdam(name string, params []*tensor.Tensor, opts []AdamOption, wd float64, decoupled bool) adam {
	c := config{Hyper: Hyper{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: wd}}
	for _, o := range opts {
		o.applyAdam(&c)
	}
	bufs := []string{"exp_avg", "exp_avg_sq", "max_exp_avg_sq"}
	return adam{newBase(name, params, c.Hyper, bufs, checkAdam), decoupled}
}

// AddParamGroup adds a group of parameters with its own hyperparameters
// (PyTorch's add_param_group): those not set by opts are the ones given to
// the constructor.
func (o *adam) AddParamGroup(params []*tensor.Tensor, opts ...AdamOption) {
	c := config{Hyper: o.defaults}
	for _, opt := range opts {
		opt.applyAdam(&c)
	}
	o.addGroup(params, c.Hyper)
}

func checkAdam(h *Hyper) {
	checkLR(h.LR)
	checkEps(h.Eps)
	if !(h.Beta1 >= 0 && h.Beta1 < 1) {
		panic("Invalid beta parameter at index 0: " + pyfmt.Float(h.Beta1))
	}
	if !(h.Beta2 >= 0 && h.Beta2 < 1) {
		panic("Invalid beta parameter at index 1: " + pyfmt.Float(h.Beta2))
	}
	checkWD(h.WeightDecay)
}

// maxAdamStep is where PyTorch's step counter, a float32 tensor
// incremented by one, stops growing (2^24 + 1 rounds to 2^24).
const maxAdamStep = 1 << 24

// Step performs one Adam (or AdamW) update.
func (o *adam) Step() {
	var bc biasCorrections
	o.forEach(func(g *Group, p, data, grad *tensor.Tensor) {
		h := g.Hyper
		st := o.stateOf(p, "exp_avg", "exp_avg_sq")
		if h.AMSGrad && st.bufs["max_exp_avg_sq"] == nil {
			st.bufs["max_exp_avg_sq"] = tensor.ZerosOf(p.DType(), p.Shape()...)
		}
		if st.step < maxAdamStep {
			st.step++
		}
		bc1, bc2 := bc.get(h.Beta1, h.Beta2, st.step)
		step := h.LR / bc1
		bc2Sqrt := math.Sqrt(bc2)
		switch p.DType() {
		case tensor.Float32:
			adamStep(tensorinternal.Writable32(data), tensorinternal.Writable32(grad), tensorinternal.Writable32(st.bufs["exp_avg"]), tensorinternal.Writable32(st.bufs["exp_avg_sq"]),
				data32(st.bufs["max_exp_avg_sq"], h.AMSGrad), adamScalarsOf[float32](h, step, bc2Sqrt, o.decoupled))
		case tensor.Float64:
			adamStep(tensorinternal.Writable64(data), tensorinternal.Writable64(grad), tensorinternal.Writable64(st.bufs["exp_avg"]), tensorinternal.Writable64(st.bufs["exp_avg_sq"]),
				data64(st.bufs["max_exp_avg_sq"], h.AMSGrad), adamScalarsOf[float64](h, step, bc2Sqrt, o.decoupled))
		default:
			panic(fmt.Sprintf("optim: %s cannot update a %v parameter", o.name, p.DType()))
		}
	})
}

// biasCorrections holds the last bias corrections 1 − β1^t and 1 − β2^t computed in a step, which
// the parameters of a group (all at the same step, usually) share.
type biasCorrections struct {
	beta1, beta2 float64
	step         int64
	bc1, bc2     float64
	ok           bool
}

// get returns 1 − β1^t and 1 − β2^t.
func (c *biasCorrections) get(beta1, beta2 float64, t int64) (float64, float64) {
	if !c.ok || c.beta1 != beta1 || c.beta2 != beta2 || c.step != t {
		*c = biasCorrections{beta1, beta2, t, 1 - powInt(beta1, t), 1 - powInt(beta2, t), true}
	}
	return c.bc1, c.bc2
}

func data32(t *tensor.Tensor, on bool) []float32 {
	if t == nil || !on {
		return nil
	}
	return tensorinternal.Writable32(t)
}

func data64(t *tensor.Tensor, on bool) []float64 {
	if t == nil || !on {
		return nil
	}
	return tensorinternal.Writable64(t)
}

func adamScalarsOf[T float](h Hyper, step, bc2Sqrt float64, decoupled bool) kernel.AdamScalars[T] {
	return kernel.AdamScalars[T]{
		WeightDecay: T(h.WeightDecay), Beta1: T(h.Beta1), OneMinusBeta1: T(1 - h.Beta1),
		Beta2: T(h.Beta2), OneMinusBeta2: T(1 - h.Beta2),
		NegStepSize: T(-step), BiasCorrection2Sqrt: T(bc2Sqrt), Eps: T(h.Eps),
		L2: !decoupled && h.WeightDecay != 0, AMSGrad: h.AMSGrad, Maximize: h.Maximize,
		Decoupled: decoupled, Decay: T(1 - float64(h.LR*h.WeightDecay)),
	}
}

// adamStep runs the Adam kernel for T on p, split across cores when p is long.
func adamStep[T float](p, grad, m, v, vmax []T, s kernel.AdamScalars[T]) {
	if !splits(len(p)) {
		adamKernel(p, grad, m, v, vmax, s)
		return
	}
	parallel(len(p), func(lo, hi int) {
		adamKernel(p[lo:hi], grad[lo:hi], m[lo:hi], v[lo:hi], sub(vmax, lo, hi), s)
	})
}

func adamKernel[T float](p, grad, m, v, vmax []T, s kernel.AdamScalars[T]) {
	switch p := any(p).(type) {
	case []float32:
		kernel.Adam32(p, any(grad).([]float32), any(m).([]float32), any(v).([]float32), any(vmax).([]float32), any(s).(kernel.AdamScalars[float32]))
	case []float64:
		kernel.Adam64(p, any(grad).([]float64), any(m).([]float64), any(v).([]float64), any(vmax).([]float64), any(s).(kernel.AdamScalars[float64]))
	}
}
