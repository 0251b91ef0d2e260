package optim

import (
	"fmt"
	"github.com/intercept-ml/intercept/internal/tensorinternal"

	"github.com/intercept-ml/intercept/internal/kernel"
	"github.com/intercept-ml/intercept/internal/pyfmt"
	"github.com/intercept-ml/intercept/tensor"
)

// SGD is stochastic gradient descent with optional momentum, Nesterov
// momentum, dampening and (L2) weight decay, as torch.optim.SGD:
//
//	g ← ∇ (−∇ with Maximize);  g ← g + λ·p
//	b ← g on the first step, else μ·b + (1 − τ)·g;  g ← g + μ·b (Nesterov) or b
//	p ← p − lr·g
//
// State: "momentum_buffer" per parameter once momentum is used.
type SGD struct{ base }

// NewSGD returns an SGD optimizer over params (e.g. nn.Parameters(model)),
// which form its first parameter group:
//
//	opt := optim.NewSGD(nn.Parameters(model), optim.LR(0.01), optim.Momentum(0.9), optim.Nesterov)
//
// LR is required: torch.optim.SGD 1.13 has no default learning rate. The
// other options default to PyTorch's values (all zero or off).
func NewSGD(params []*tensor.Tensor, opts ...SGDOption) *SGD {
	var c config
	for _, o := range opts {
		o.applySGD(&c)
	}
	if !c.lrSet {
		panic("optim: NewSGD requires an LR option (torch.optim.SGD has no default learning rate)")
	}
	return &SGD{newBase("SGD", params, c.Hyper, []string{"momentum_buffer"}, checkSGD)}
}

// AddParamGroup adds a group of parameters with its own hyperparameters
// (PyTorch's add_param_group): those not set by opts are the ones given to
// NewSGD.
func (o *SGD) AddParamGroup(params []*tensor.Tensor, opts ...SGDOption) {
	c := config{Hyper: o.defaults}
	for _, opt := range opts {
		opt.applySGD(&c)
	}
	o.addGroup(params, c.Hyper)
}

func checkSGD(h *Hyper) {
	checkLR(h.LR)
	if h.Momentum < 0 {
		panic("Invalid momentum value: " + pyfmt.Float(h.Momentum))
	}
	checkWD(h.WeightDecay)
	if h.Nesterov && (h.Momentum <= 0 || h.Dampening != 0) {
		panic("Nesterov momentum requires a momentum and zero dampening")
	}
}

func checkLR(lr float64) {
	if !(lr >= 0) {
		panic("Invalid learning rate: " + pyfmt.Float(lr))
	}
}

func checkWD(wd float64) {
	if !(wd >= 0) {
		panic("Invalid weight_decay value: " + pyfmt.Float(wd))
	}
}

func checkEps(eps float64) {
	if !(eps >= 0) {
		panic("Invalid epsilon value: " + pyfmt.Float(eps))
	}
}

// Step performs one SGD update.
func (o *SGD) Step() {
	o.forEach(func(g *Group, p, data, grad *tensor.Tensor) {
		h := g.Hyper
		var buf *tensor.Tensor
		first := false
		if h.Momentum != 0 {
			st := o.stateOf(p)
			buf = st.bufs["momentum_buffer"]
			if buf == nil {
				buf = tensor.ZerosOf(p.DType(), p.Shape()...)
				st.bufs["momentum_buffer"] = buf
				first = true
			}
		}
		switch p.DType() {
		case tensor.Float32:
			var b []float32
			if buf != nil {
				b = tensorinternal.Writable32(buf)
			}
			sgdStep(tensorinternal.Writable32(data), tensorinternal.Writable32(grad), b, sgdScalarsOf[float32](h, first))
		case tensor.Float64:
			var b []float64
			if buf != nil {
				b = tensorinternal.Writable64(buf)
			}
			sgdStep(tensorinternal.Writable64(data), tensorinternal.Writable64(grad), b, sgdScalarsOf[float64](h, first))
		default:
			panic(fmt.Sprintf("optim: SGD cannot update a %v parameter", p.DType()))
		}
	})
}

func sgdScalarsOf[T float](h Hyper, first bool) kernel.SGDScalars[T] {
	return kernel.SGDScalars[T]{
		WeightDecay: T(h.WeightDecay), Momentum: T(h.Momentum), OneMinusDampening: T(1 - h.Dampening), NegLR: T(-h.LR),
		L2: h.WeightDecay != 0, UseMomentum: h.Momentum != 0, Nesterov: h.Nesterov, Maximize: h.Maximize,
		First: first,
	}
}

// sgdSplitMin is the shortest parameter whose SGD update is split across
// cores. The update reads and writes each element once, so a core updates
// a parameter of up to a few megabytes in the time it takes to wake a
// worker; waking one for it would, in the training step of a small batch,
// keep the worker spinning through the whole step (see kernel.ParallelFor)
// for no gain in time.
const sgdSplitMin = 1 << 20

// sgdStep runs the SGD kernel for T on p, split across cores when p is
// longer than sgdSplitMin.
func sgdStep[T float](p, grad, buf []T, s kernel.SGDScalars[T]) {
	if len(p) < sgdSplitMin || !splits(len(p)) {
		sgdKernel(p, grad, buf, s)
		return
	}
	parallel(len(p), func(lo, hi int) { sgdKernel(p[lo:hi], grad[lo:hi], sub(buf, lo, hi), s) })
}

func sgdKernel[T float](p, grad, buf []T, s kernel.SGDScalars[T]) {
	switch p := any(p).(type) {
	case []float32:
		kernel.SGD32(p, any(grad).([]float32), any(buf).([]float32), any(s).(kernel.SGDScalars[float32]))
	case []float64:
		kernel.SGD64(p, any(grad).([]float64), any(buf).([]float64), any(s).(kernel.SGDScalars[float64]))
	}
}
