package optim

import (
	"fmt"
	"math"

	"github.com/intercept-ml/intercept/internal/glibm"
	"github.com/intercept-ml/intercept/internal/pyfmt"
)

// Scheduler adjusts the learning rates of an optimizer's parameter groups
// once per Step, like torch.optim.lr_scheduler. Call it after
// Optimizer.Step:
//
//	for epoch := range epochs {
//		train(opt)      // opt.Step() per batch
//		sched.Step()
//	}
//
// Constructing a scheduler already applies its value for epoch 0 (as
// PyTorch's constructors do), so the first optimizer step uses it.
//
// The schedulers compute PyTorch 1.13's chainable (recursive) form: each
// value is derived from the group's current learning rate, so two
// schedulers on one optimizer compose as in PyTorch, and the sequences equal
// PyTorch's bit for bit (double arithmetic in the same order, without fused
// multiply-adds, and glibc's cos).
type Scheduler interface {
	// Step advances the schedule by one epoch (or batch, for OneCycleLR)
	// and sets the groups' learning rates.
	Step()
	// LastLR returns the learning rates last set, one per group
	// (get_last_lr()).
	LastLR() []float64
	// LastEpoch returns the number of Step calls since construction, not
	// counting the one the constructor makes (PyTorch's last_epoch).
	LastEpoch() int
	// StateDict returns the scheduler's position, for checkpoints.
	StateDict() SchedulerState
	// LoadStateDict restores a position saved by StateDict of a scheduler of
	// the same kind on an optimizer with as many groups.
	LoadStateDict(s SchedulerState) error
}

// SchedulerState is the serializable position of a scheduler.
type SchedulerState struct {
	Kind      string    `json:"kind"`
	LastEpoch int       `json:"last_epoch"`
	StepCount int       `json:"_step_count"`
	BaseLRs   []float64 `json:"base_lrs"`
	LastLR    []float64 `json:"_last_lr"`
}

// sched is the part shared by all schedulers (PyTorch's _LRScheduler).
type sched struct {
	kind      string
	opt       Optimizer
	baseLRs   []float64
	lastEpoch int
	stepCount int
	lastLR    []float64
	getLR     func() []float64
}

func (s *sched) init(kind string, opt Optimizer, getLR func() []float64) {
	if opt == nil {
		panic("optim: scheduler on a nil optimizer")
	}
	s.kind, s.opt, s.getLR = kind, opt, getLR
	for _, g := range opt.ParamGroups() {
		if g.InitialLR == 0 { // group.setdefault('initial_lr', group['lr'])
			g.InitialLR = g.LR
		}
		s.baseLRs = append(s.baseLRs, g.InitialLR)
	}
	s.lastEpoch = -1
	s.Step()
}

func (s *sched) Step() {
	s.stepCount++
	s.lastEpoch++
	values := s.getLR()
	groups := s.opt.ParamGroups()
	s.lastLR = make([]float64, len(groups))
	for i, g := range groups {
		if i < len(values) {
			g.LR = values[i]
		}
		s.lastLR[i] = g.LR
	}
}

func (s *sched) LastLR() []float64 { return append([]float64(nil), s.lastLR...) }

func (s *sched) LastEpoch() int { return s.lastEpoch }

func (s *sched) StateDict() SchedulerState {
	return SchedulerState{Kind: s.kind, LastEpoch: s.lastEpoch, StepCount: s.stepCount,
		BaseLRs: append([]float64(nil), s.baseLRs...), LastLR: append([]float64(nil), s.lastLR...)}
}

func (s *sched) LoadStateDict(st SchedulerState) error {
	if st.Kind != "" && st.Kind != s.kind {
		return fmt.Errorf("optim: scheduler state is for %s, not %s", st.Kind, s.kind)
	}
	n := len(s.opt.ParamGroups())
	if len(st.BaseLRs) != n || len(st.LastLR) != n {
		return fmt.Errorf("optim: %s state has %d base and %d last learning rates for %d parameter groups",
			s.kind, len(st.BaseLRs), len(st.LastLR), n)
	}
	if st.LastEpoch < 0 || st.StepCount < 1 {
		return fmt.Errorf("optim: %s state: last_epoch %d, step count %d", s.kind, st.LastEpoch, st.StepCount)
	}
	s.lastEpoch, s.stepCount = st.LastEpoch, st.StepCount
	s.baseLRs = append([]float64(nil), st.BaseLRs...)
	s.lastLR = append([]float64(nil), st.LastLR...)
	return nil
}

func (s *sched) lrs() []float64 {
	groups := s.opt.ParamGroups()
	out := make([]float64, len(groups))
	for i, g := range groups {
		out[i] = g.LR
	}
	return out
}

// StepLR multiplies the learning rate by Gamma every StepSize epochs
// (torch.optim.lr_scheduler.StepLR): lr = base·γ^⌊epoch/step⌋.
type StepLR struct {
	sched
	StepSize int
	Gamma    float64
}

// NewStepLR returns a StepLR on opt that decays the learning rate every
// stepSize epochs, by Gamma (default 0.1).
func NewStepLR(opt Optimizer, stepSize int, opts ...StepLROption) *StepLR {
	if stepSize <= 0 {
		panic(fmt.Sprintf("optim: StepLR step_size must be positive, got %d", stepSize))
	}
	c := gammaConfig{gamma: 0.1}
	for _, o := range opts {
		o.applyStepLR(&c)
	}
	s := &StepLR{StepSize: stepSize, Gamma: c.gamma}
	s.init("StepLR", opt, func() []float64 {
		lrs := s.lrs()
		if s.lastEpoch == 0 || s.lastEpoch%s.StepSize != 0 {
			return lrs
		}
		for i := range lrs {
			lrs[i] *= s.Gamma
		}
		return lrs
	})
	return s
}

// MultiStepLR multiplies the learning rate by Gamma at each milestone epoch
// (torch.optim.lr_scheduler.MultiStepLR); a milestone listed k times
// multiplies by γ^k.
type MultiStepLR struct {
	sched
	Milestones map[int]int // epoch → multiplicity
	Gamma      float64
}

// NewMultiStepLR returns a MultiStepLR on opt that decays the learning rate
// at each of milestones, by Gamma (default 0.1).
func NewMultiStepLR(opt Optimizer, milestones []int, opts ...MultiStepLROption) *MultiStepLR {
	c := gammaConfig{gamma: 0.1}
	for _, o := range opts {
		o.applyMultiStepLR(&c)
	}
	s := &MultiStepLR{Milestones: map[int]int{}, Gamma: c.gamma}
	for _, m := range milestones {
		s.Milestones[m]++
	}
	s.init("MultiStepLR", opt, func() []float64 {
		lrs := s.lrs()
		k, ok := s.Milestones[s.lastEpoch]
		if !ok {
			return lrs
		}
		f := powInt(s.Gamma, int64(k))
		for i := range lrs {
			lrs[i] *= f
		}
		return lrs
	})
	return s
}

// ExponentialLR multiplies the learning rate by Gamma every epoch
// (torch.optim.lr_scheduler.ExponentialLR).
type ExponentialLR struct {
	sched
	Gamma float64
}

// NewExponentialLR returns an ExponentialLR on opt.
func NewExponentialLR(opt Optimizer, gamma float64) *ExponentialLR {
	s := &ExponentialLR{Gamma: gamma}
	s.init("ExponentialLR", opt, func() []float64 {
		lrs := s.lrs()
		if s.lastEpoch == 0 {
			return lrs
		}
		for i := range lrs {
			lrs[i] *= s.Gamma
		}
		return lrs
	})
	return s
}

// CosineAnnealingLR anneals the learning rate from its initial value to
// EtaMin along a half cosine over TMax epochs, then back up over the next
// TMax, and so on (torch.optim.lr_scheduler.CosineAnnealingLR, SGDR without
// restarts):
//
//	lr = η_min + (base − η_min)·(1 + cos(π·epoch/T_max))/2
//
// computed in PyTorch's recursive form.
type CosineAnnealingLR struct {
	sched
	TMax   int
	EtaMin float64
}

// NewCosineAnnealingLR returns a CosineAnnealingLR on opt with a half
// period of tMax epochs, annealing to EtaMin (default 0).
func NewCosineAnnealingLR(opt Optimizer, tMax int, opts ...CosineAnnealingLROption) *CosineAnnealingLR {
	if tMax <= 0 {
		panic(fmt.Sprintf("optim: CosineAnnealingLR T_max must be positive, got %d", tMax))
	}
	var c cosineConfig
	for _, o := range opts {
		o.applyCosineAnnealingLR(&c)
	}
	s := &CosineAnnealingLR{TMax: tMax, EtaMin: c.etaMin}
	s.init("CosineAnnealingLR", opt, func() []float64 {
		lrs := s.lrs()
		e, tm, eta := s.lastEpoch, float64(s.TMax), s.EtaMin
		switch {
		case e == 0:
		case s.stepCount == 1 && e > 0:
			c := glibm.Cos(float64(e) * math.Pi / tm)
			for i, base := range s.baseLRs {
				lrs[i] = eta + (base-eta)*(1+c)/2
			}
		case (e-1-s.TMax)%(2*s.TMax) == 0:
			c := glibm.Cos(math.Pi / tm)
			for i, base := range s.baseLRs {
				lrs[i] += (base - eta) * (1 - c) / 2
			}
		default:
			f := (1 + glibm.Cos(math.Pi*float64(e)/tm)) / (1 + glibm.Cos(math.Pi*float64(e-1)/tm))
			for i := range lrs {
				lrs[i] = float64(f*(lrs[i]-eta)) + eta
			}
		}
		return lrs
	})
	return s
}

// LinearLR scales the learning rate by a factor that goes linearly from
// StartFactor to EndFactor over TotalIters epochs and then stays
// (torch.optim.lr_scheduler.LinearLR). With its default end factor 1 it is
// a linear warm-up:
//
//	warmup := optim.NewLinearLR(opt, optim.StartFactor(0.1), optim.TotalIters(5))
type LinearLR struct {
	sched
	StartFactor, EndFactor float64
	TotalIters             int
}

// NewLinearLR returns a LinearLR on opt. Options not given take PyTorch's
// defaults: StartFactor 1/3, EndFactor 1, TotalIters 5.
func NewLinearLR(opt Optimizer, opts ...LinearLROption) *LinearLR {
	c := linearConfig{startFactor: 1.0 / 3, endFactor: 1, totalIters: 5}
	for _, o := range opts {
		o.applyLinearLR(&c)
	}
	startFactor, endFactor, totalIters := c.startFactor, c.endFactor, c.totalIters
	if !(startFactor > 0 && startFactor <= 1) {
		panic("Starting multiplicative factor expected to be greater than 0 and less or equal to 1, got " + pyfmt.Float(startFactor))
	}
	if !(endFactor >= 0 && endFactor <= 1) {
		panic("Ending multiplicative factor expected to be between 0 and 1, got " + pyfmt.Float(endFactor))
	}
	if totalIters < 0 {
		panic(fmt.Sprintf("optim: LinearLR total_iters must not be negative, got %d", totalIters))
	}
	s := &LinearLR{StartFactor: startFactor, EndFactor: endFactor, TotalIters: totalIters}
	s.init("LinearLR", opt, func() []float64 {
		lrs := s.lrs()
		e := s.lastEpoch
		switch {
		case e == 0:
			for i := range lrs {
				lrs[i] *= s.StartFactor
			}
		case e > s.TotalIters:
		default:
			d := s.EndFactor - s.StartFactor
			f := 1. + d/(float64(float64(s.TotalIters)*s.StartFactor)+float64(float64(e-1)*d))
			for i := range lrs {
				lrs[i] *= f
			}
		}
		return lrs
	})
	return s
}

// OneCycleLR is the 1cycle policy (Smith & Topin) of
// torch.optim.lr_scheduler.OneCycleLR, stepped once per batch: the learning
// rate rises from max_lr/div_factor to max_lr over pct_start of the steps,
// then anneals to initial_lr/final_div_factor, by cosine (default) or
// linear interpolation; the momentum moves the other way. Stepping more
// than TotalSteps times panics, as PyTorch raises.
type OneCycleLR struct {
	sched
	TotalSteps int
	phases     []ocPhase
	linear     bool
	cycleMom   bool
	useBeta1   bool
	initialLR  []float64
	maxLR      []float64
	minLR      []float64
	maxMom     []float64
	baseMom    []float64
}

type ocPhase struct {
	endStep          float64
	startLR, endLR   int // 0 initial, 1 max, 2 min
	startMom, endMom int // 0 max, 1 base
}

// NewOneCycleLR returns a OneCycleLR on opt with peak learning rate maxLR
// for every group (with MaxLRs, one per group, maxLR is not used).
// TotalSteps, or Epochs and StepsPerEpoch, are required; the other options
// default to PyTorch's values:
//
//	sched := optim.NewOneCycleLR(opt, 0.1, optim.TotalSteps(1000))
//
// It sets the groups' learning rates to max_lr/div_factor (and, with
// CycleMomentum, their momentum or β1 to MaxMomentum) right away.
func NewOneCycleLR(opt Optimizer, maxLR float64, opts ...OneCycleLROption) *OneCycleLR {
	cfg := oneCycleConfig{pctStart: 0.3, cycleMomentum: true, baseMomentum: 0.85, maxMomentum: 0.95,
		divFactor: 25, finalDivFactor: 1e4}
	for _, o := range opts {
		o.applyOneCycleLR(&cfg)
	}
	s := &OneCycleLR{}
	switch {
	case !cfg.hasTotal && !cfg.hasEpochs && !cfg.hasStepsPerEp:
		panic("You must define either total_steps OR (epochs AND steps_per_epoch)")
	case cfg.hasTotal:
		if cfg.totalSteps <= 0 {
			panic(fmt.Sprintf("Expected positive integer total_steps, but got %d", cfg.totalSteps))
		}
		s.TotalSteps = cfg.totalSteps
	default:
		if cfg.epochs <= 0 {
			panic(fmt.Sprintf("Expected positive integer epochs, but got %d", cfg.epochs))
		}
		if cfg.stepsPerEpoch <= 0 {
			panic(fmt.Sprintf("Expected positive integer steps_per_epoch, but got %d", cfg.stepsPerEpoch))
		}
		s.TotalSteps = cfg.epochs * cfg.stepsPerEpoch
	}
	pct := cfg.pctStart
	if !(pct >= 0 && pct <= 1) {
		panic("Expected float between 0 and 1 pct_start, but got " + pyfmt.Float(pct))
	}
	total := float64(s.TotalSteps)
	if cfg.threePhase {
		s.phases = []ocPhase{
			{float64(pct*total) - 1, 0, 1, 0, 1},
			{float64(2*pct*total) - 2, 1, 0, 1, 0},
			{total - 1, 0, 2, 0, 0},
		}
	} else {
		s.phases = []ocPhase{
			{float64(pct*total) - 1, 0, 1, 0, 1},
			{total - 1, 1, 2, 1, 0},
		}
	}
	switch cfg.anneal {
	case AnnealCos:
	case AnnealLinear:
		s.linear = true
	default:
		panic(fmt.Sprintf("anneal_strategy must by one of 'cos' or 'linear', instead got %v", cfg.anneal))
	}
	div, finalDiv := cfg.divFactor, cfg.finalDivFactor
	groups := opt.ParamGroups()
	maxLRs := perGroup("max_lr", cfg.maxLRs, maxLR, len(groups))
	for i, g := range groups {
		g.InitialLR = maxLRs[i] / div
		s.initialLR = append(s.initialLR, g.InitialLR)
		s.maxLR = append(s.maxLR, maxLRs[i])
		s.minLR = append(s.minLR, g.InitialLR/finalDiv)
	}
	s.cycleMom = cfg.cycleMomentum
	if s.cycleMom {
		switch opt.(type) {
		case *Adam, *AdamW:
			s.useBeta1 = true
		case *SGD, *RMSprop:
		default:
			panic("optimizer must support momentum with `cycle_momentum` option enabled")
		}
		maxM, baseM := cfg.maxMomentum, cfg.baseMomentum
		for _, g := range groups {
			if s.useBeta1 {
				g.Beta1 = maxM
			} else {
				g.Momentum = maxM
			}
			s.maxMom = append(s.maxMom, maxM)
			s.baseMom = append(s.baseMom, baseM)
		}
	}
	s.init("OneCycleLR", opt, s.get)
	return s
}

func perGroup(name string, list []float64, v float64, n int) []float64 {
	if list != nil {
		if len(list) != n {
			panic(fmt.Sprintf("expected %d values for %s, got %d", n, name, len(list)))
		}
		return list
	}
	out := make([]float64, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func (s *OneCycleLR) anneal(start, end, pct float64) float64 {
	if s.linear {
		return float64((end-start)*pct) + start
	}
	cosOut := glibm.Cos(math.Pi*pct) + 1
	return end + float64((start-end)/2.0*cosOut)
}

func (s *OneCycleLR) get() []float64 {
	step := float64(s.lastEpoch)
	if s.lastEpoch > s.TotalSteps {
		panic(fmt.Sprintf("Tried to step %d times. The specified number of total steps is %d", s.lastEpoch+1, s.TotalSteps))
	}
	groups := s.opt.ParamGroups()
	lrs := make([]float64, len(groups))
	for gi, g := range groups {
		lrOf := func(k int) float64 { return [3]float64{s.initialLR[gi], s.maxLR[gi], s.minLR[gi]}[k] }
		var lr, mom float64
		start := 0.0
		for i, ph := range s.phases {
			if step <= ph.endStep || i == len(s.phases)-1 {
				if ph.endStep == start {
					panic("optim: OneCycleLR: a phase of zero length (PyTorch: ZeroDivisionError: float division by zero); use more total steps or another pct_start")
				}
				pct := (step - start) / (ph.endStep - start)
				lr = s.anneal(lrOf(ph.startLR), lrOf(ph.endLR), pct)
				if s.cycleMom {
					momOf := func(k int) float64 { return [2]float64{s.maxMom[gi], s.baseMom[gi]}[k] }
					mom = s.anneal(momOf(ph.startMom), momOf(ph.endMom), pct)
				}
				break
			}
			start = ph.endStep
		}
		lrs[gi] = lr
		if s.cycleMom {
			if s.useBeta1 {
				g.Beta1 = mom
			} else {
				g.Momentum = mom
			}
		}
	}
	return lrs
}
