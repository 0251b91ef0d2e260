package optim

import (
	"fmt"
	"github.com/intercept-ml/intercept/internal/tensorinternal"

	"github.com/intercept-ml/intercept/internal/kernel"
	"github.com/intercept-ml/intercept/internal/pyfmt"
	"github.com/intercept-ml/intercept/tensor"
)

// RMSprop is torch.optim.RMSprop (Hinton), with the square root taken
// before adding eps:
//
//	g ← ∇ + λ·p;  v ← α·v + (1 − α)·g²
//	centered: ḡ ← α·ḡ + (1 − α)·g;  ṽ = v − ḡ²   (else ṽ = v)
//	momentum: b ← μ·b + g/(√ṽ + ε); p ← p − lr·b   (else p ← p − lr·g/(√ṽ + ε))
//
// State per parameter: step, "square_avg", "momentum_buffer" (with
// momentum) and "grad_avg" (centered).
type RMSprop struct{ base }

// NewRMSprop returns an RMSprop optimizer over params (e.g.
// nn.Parameters(model)), which form its first parameter group. Options not
// given take PyTorch's defaults: LR 1e-2, Alpha 0.99, Eps 1e-8, the others
// zero or off.
func NewRMSprop(params []*tensor.Tensor, opts ...RMSpropOption) *RMSprop {
	c := config{Hyper: Hyper{LR: 1e-2, Alpha: 0.99, Eps: 1e-8}}
	for _, o := range opts {
		o.applyRMSprop(&c)
	}
	bufs := []string{"square_avg", "momentum_buffer", "grad_avg"}
	return &RMSprop{newBase("RMSprop", params, c.Hyper, bufs, checkRMSprop)}
}

// AddParamGroup adds a group of parameters with its own hyperparameters
// (PyTorch's add_param_group): those not set by opts are the ones given to
// NewRMSprop.
func (o *RMSprop) AddParamGroup(params []*tensor.Tensor, opts ...RMSpropOption) {
	c := config{Hyper: o.defaults}
	for _, opt := range opts {
		opt.applyRMSprop(&c)
	}
	o.addGroup(params, c.Hyper)
}

func checkRMSprop(h *Hyper) {
	checkLR(h.LR)
	checkEps(h.Eps)
	if !(h.Momentum >= 0) {
		panic("Invalid momentum value: " + pyfmt.Float(h.Momentum))
	}
	checkWD(h.WeightDecay)
	if !(h.Alpha >= 0) {
		panic("Invalid alpha value: " + pyfmt.Float(h.Alpha))
	}
}

// Step performs one RMSprop update.
func (o *RMSprop) Step() {
	o.forEach(func(g *Group, p, data, grad *tensor.Tensor) {
		h := g.Hyper
		st := o.stateOf(p, "square_avg")
		// PyTorch creates momentum_buffer and grad_avg with the state, from
		// the group's settings at that time.
		if st.step == 0 {
			if h.Momentum > 0 {
				st.bufs["momentum_buffer"] = tensor.ZerosOf(p.DType(), p.Shape()...)
			}
			if h.Centered {
				st.bufs["grad_avg"] = tensor.ZerosOf(p.DType(), p.Shape()...)
			}
		}
		if h.Momentum > 0 && st.bufs["momentum_buffer"] == nil {
			panic("optim: RMSprop: momentum was switched on after the first step of a parameter (PyTorch fails with KeyError: 'momentum_buffer')")
		}
		if h.Centered && st.bufs["grad_avg"] == nil {
			panic("optim: RMSprop: centered was switched on after the first step of a parameter (PyTorch fails with KeyError: 'grad_avg')")
		}
		st.step++
		switch p.DType() {
		case tensor.Float32:
			rmspropStep(tensorinternal.Writable32(data), tensorinternal.Writable32(grad), tensorinternal.Writable32(st.bufs["square_avg"]),
				data32(st.bufs["grad_avg"], h.Centered), data32(st.bufs["momentum_buffer"], h.Momentum > 0),
				rmspropScalarsOf[float32](h))
		case tensor.Float64:
			rmspropStep(tensorinternal.Writable64(data), tensorinternal.Writable64(grad), tensorinternal.Writable64(st.bufs["square_avg"]),
				data64(st.bufs["grad_avg"], h.Centered), data64(st.bufs["momentum_buffer"], h.Momentum > 0),
				rmspropScalarsOf[float64](h))
		default:
			panic(fmt.Sprintf("optim: RMSprop cannot update a %v parameter", p.DType()))
		}
	})
}

func rmspropScalarsOf[T float](h Hyper) kernel.RMSpropScalars[T] {
	return kernel.RMSpropScalars[T]{
		WeightDecay: T(h.WeightDecay), Alpha: T(h.Alpha), OneMinusAlpha: T(1 - h.Alpha), Eps: T(h.Eps),
		Momentum: T(h.Momentum), NegLR: T(-h.LR),
		L2: h.WeightDecay != 0, UseMomentum: h.Momentum > 0, Centered: h.Centered, Maximize: h.Maximize,
	}
}

// rmspropStep runs the RMSprop kernel for T on p, split across cores when p is long.
func rmspropStep[T float](p, grad, sq, gavg, buf []T, s kernel.RMSpropScalars[T]) {
	if !splits(len(p)) {
		rmspropKernel(p, grad, sq, gavg, buf, s)
		return
	}
	parallel(len(p), func(lo, hi int) {
		rmspropKernel(p[lo:hi], grad[lo:hi], sq[lo:hi], sub(gavg, lo, hi), sub(buf, lo, hi), s)
	})
}

func rmspropKernel[T float](p, grad, sq, gavg, buf []T, s kernel.RMSpropScalars[T]) {
	switch p := any(p).(type) {
	case []float32:
		kernel.RMSprop32(p, any(grad).([]float32), any(sq).([]float32), any(gavg).([]float32), any(buf).([]float32), any(s).(kernel.RMSpropScalars[float32]))
	case []float64:
		kernel.RMSprop64(p, any(grad).([]float64), any(sq).([]float64), any(gavg).([]float64), any(buf).([]float64), any(s).(kernel.RMSpropScalars[float64]))
	}
}
