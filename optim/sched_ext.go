package optim

import (
	"fmt"
	"math"
)

// LambdaLR sets each group's learning rate to its initial value times a
// function of the epoch (torch.optim.lr_scheduler.LambdaLR):
//
//	lr = base_lr · λ(epoch)
//
// One function serves every group, or one is given per group.
type LambdaLR struct {
	sched
	// Lambdas holds one function per parameter group.
	Lambdas []func(epoch int) float64
}

// NewLambdaLR returns a LambdaLR on opt with one lambda for every group or
// one per group (PyTorch's lr_lambda, a function or a list); any other
// number panics with PyTorch's message. Like PyTorch's constructor it
// applies λ(0) right away:
//
//	warmup := optim.NewLambdaLR(opt, func(e int) float64 { return min(1, float64(e+1)/5) })
func NewLambdaLR(opt Optimizer, lambdas ...func(epoch int) float64) *LambdaLR {
	if opt == nil {
		panic("optim: scheduler on a nil optimizer")
	}
	n := len(opt.ParamGroups())
	s := &LambdaLR{}
	switch len(lambdas) {
	case 1:
		for range n {
			s.Lambdas = append(s.Lambdas, lambdas[0])
		}
	case n:
		s.Lambdas = append(s.Lambdas, lambdas...)
	default:
		panic(fmt.Sprintf("Expected %d lr_lambdas, but got %d", n, len(lambdas)))
	}
	for i, f := range s.Lambdas {
		if f == nil {
			panic(fmt.Sprintf("optim: LambdaLR: lambda %d is nil", i))
		}
	}
	s.init("LambdaLR", opt, func() []float64 {
		lrs := make([]float64, len(s.baseLRs))
		for i, b := range s.baseLRs {
			lrs[i] = b * s.Lambdas[i](s.lastEpoch)
		}
		return lrs
	})
	return s
}

// ReduceLROnPlateau multiplies the learning rate by a factor when a metric
// has stopped improving for Patience epochs
// (torch.optim.lr_scheduler.ReduceLROnPlateau). Its Step takes the metric,
// so it is not a Scheduler:
//
//	sched := optim.NewReduceLROnPlateau(opt, optim.Patience(5))
//	for epoch := range epochs {
//		train(opt)
//		sched.Step(validationLoss())
//	}
//
// An epoch improves on the best so far when, with ModeMin and ThresholdRel
// (the defaults), metric < best·(1 − Threshold); ThresholdAbs compares with
// best − Threshold, ModeMax with best·(1 + Threshold) or best + Threshold.
// After more than Patience epochs without improvement each group's
// learning rate becomes max(lr·Factor, min_lr) unless that changes it by Eps
// or less; then Cooldown epochs follow in which bad epochs are not counted.
// The arithmetic is PyTorch's, so the learning rates are the same bits.
type ReduceLROnPlateau struct {
	opt           Optimizer
	Mode          PlateauMode
	Factor        float64
	Patience      int
	Threshold     float64
	ThresholdMode ThresholdMode
	Cooldown      int
	MinLRs        []float64 // one per group
	Eps           float64

	best            float64
	numBadEpochs    int
	cooldownCounter int
	lastEpoch       int
	lastLR          []float64
}

// ReduceLROnPlateauOption configures NewReduceLROnPlateau: ModeMin /
// ModeMax, Factor, Patience, Threshold, ThresholdRel / ThresholdAbs,
// Cooldown, MinLR or MinLRs, Eps.
type ReduceLROnPlateauOption interface{ applyReduceLROnPlateau(*plateauConfig) }

type plateauConfig struct {
	mode          PlateauMode
	factor        float64
	patience      int
	threshold     float64
	thresholdMode ThresholdMode
	cooldown      int
	minLR         float64
	minLRs        []float64
	eps           float64
}

// PlateauMode is whether ReduceLROnPlateau's metric should decrease
// (ModeMin, the default) or increase (ModeMax): PyTorch's mode. It is a
// ReduceLROnPlateauOption.
type PlateauMode int

const (
	// ModeMin watches a metric that should decrease (mode='min').
	ModeMin PlateauMode = iota
	// ModeMax watches a metric that should increase (mode='max').
	ModeMax
)

// String returns PyTorch's name: "min" or "max".
func (m PlateauMode) String() string {
	switch m {
	case ModeMin:
		return "min"
	case ModeMax:
		return "max"
	}
	return fmt.Sprintf("PlateauMode(%d)", int(m))
}

func (m PlateauMode) applyReduceLROnPlateau(c *plateauConfig) {
	if m != ModeMin && m != ModeMax {
		panic("mode " + m.String() + " is unknown!")
	}
	c.mode = m
}

// ThresholdMode is how ReduceLROnPlateau's Threshold measures an
// improvement: relative to the best value (ThresholdRel, the default) or
// absolute (ThresholdAbs); PyTorch's threshold_mode. It is a
// ReduceLROnPlateauOption.
type ThresholdMode int

const (
	// ThresholdRel is threshold_mode='rel'.
	ThresholdRel ThresholdMode = iota
	// ThresholdAbs is threshold_mode='abs'.
	ThresholdAbs
)

// String returns PyTorch's name: "rel" or "abs".
func (m ThresholdMode) String() string {
	switch m {
	case ThresholdRel:
		return "rel"
	case ThresholdAbs:
		return "abs"
	}
	return fmt.Sprintf("ThresholdMode(%d)", int(m))
}

func (m ThresholdMode) applyReduceLROnPlateau(c *plateauConfig) {
	if m != ThresholdRel && m != ThresholdAbs {
		panic("threshold mode " + m.String() + " is unknown!")
	}
	c.thresholdMode = m
}

// FactorOption is ReduceLROnPlateau's factor, made by Factor.
type FactorOption float64

// Factor sets the factor by which ReduceLROnPlateau multiplies the learning
// rate (PyTorch's factor, default 0.1); 1 or more panics in the
// constructor.
func Factor(f float64) FactorOption { return FactorOption(f) }

func (o FactorOption) applyReduceLROnPlateau(c *plateauConfig) { c.factor = float64(o) }

// PatienceOption is ReduceLROnPlateau's patience, made by Patience.
type PatienceOption int

// Patience sets the number of epochs without improvement that
// ReduceLROnPlateau tolerates before reducing (PyTorch's patience, default
// 10).
func Patience(n int) PatienceOption { return PatienceOption(n) }

func (o PatienceOption) applyReduceLROnPlateau(c *plateauConfig) { c.patience = int(o) }

// ThresholdOption is ReduceLROnPlateau's threshold, made by Threshold.
type ThresholdOption float64

// Threshold sets the smallest change that counts as an improvement, read
// according to the ThresholdMode (PyTorch's threshold, default 1e-4).
func Threshold(t float64) ThresholdOption { return ThresholdOption(t) }

func (o ThresholdOption) applyReduceLROnPlateau(c *plateauConfig) { c.threshold = float64(o) }

// CooldownOption is ReduceLROnPlateau's cooldown, made by Cooldown.
type CooldownOption int

// Cooldown sets the number of epochs after a reduction during which bad
// epochs are not counted (PyTorch's cooldown, default 0).
func Cooldown(n int) CooldownOption { return CooldownOption(n) }

func (o CooldownOption) applyReduceLROnPlateau(c *plateauConfig) { c.cooldown = int(o) }

// MinLROption is ReduceLROnPlateau's lower bound on the learning rates,
// made by MinLR (one for every group) or MinLRs (one per group).
type MinLROption struct {
	lr  float64
	lrs []float64
}

// MinLR sets the learning rate below which ReduceLROnPlateau does not
// reduce any group (PyTorch's min_lr as a number, default 0).
func MinLR(lr float64) MinLROption { return MinLROption{lr: lr} }

// MinLRs sets one lower bound per parameter group (PyTorch's min_lr as a
// list); another count panics in the constructor with PyTorch's message.
func MinLRs(lrs ...float64) MinLROption {
	return MinLROption{lrs: append([]float64{}, lrs...)}
}

func (o MinLROption) applyReduceLROnPlateau(c *plateauConfig) { c.minLR, c.minLRs = o.lr, o.lrs }

// applyReduceLROnPlateau makes Eps an option of ReduceLROnPlateau too: the
// smallest change of a learning rate that is applied (PyTorch's eps,
// default 1e-8).
func (o EpsOption) applyReduceLROnPlateau(c *plateauConfig) { c.eps = float64(o) }

// NewReduceLROnPlateau returns a ReduceLROnPlateau on opt with PyTorch's
// defaults (ModeMin, Factor 0.1, Patience 10, Threshold 1e-4, ThresholdRel,
// Cooldown 0, MinLR 0, Eps 1e-8) for the options not given. Unlike the
// other schedulers it does not change the learning rates when built.
func NewReduceLROnPlateau(opt Optimizer, opts ...ReduceLROnPlateauOption) *ReduceLROnPlateau {
	if opt == nil {
		panic("optim: scheduler on a nil optimizer")
	}
	c := plateauConfig{factor: 0.1, patience: 10, threshold: 1e-4, eps: 1e-8}
	for _, o := range opts {
		if o != nil {
			o.applyReduceLROnPlateau(&c)
		}
	}
	if c.factor >= 1 {
		panic("Factor should be < 1.0.")
	}
	n := len(opt.ParamGroups())
	minLRs := c.minLRs
	if minLRs == nil {
		for range n {
			minLRs = append(minLRs, c.minLR)
		}
	} else if len(minLRs) != n {
		panic(fmt.Sprintf("expected %d min_lrs, got %d", n, len(minLRs)))
	}
	r := &ReduceLROnPlateau{opt: opt, Mode: c.mode, Factor: c.factor, Patience: c.patience, Threshold: c.threshold,
		ThresholdMode: c.thresholdMode, Cooldown: c.cooldown, MinLRs: minLRs, Eps: c.eps}
	r.reset()
	return r
}

// modeWorse is the initial best: +inf for ModeMin, −inf for ModeMax.
func (r *ReduceLROnPlateau) modeWorse() float64 {
	if r.Mode == ModeMax {
		return math.Inf(-1)
	}
	return math.Inf(1)
}

// reset is PyTorch's _reset: best, cooldown and bad-epoch counters.
func (r *ReduceLROnPlateau) reset() {
	r.best = r.modeWorse()
	r.cooldownCounter = 0
	r.numBadEpochs = 0
}

// isBetter is PyTorch's is_better, in its order of operations.
func (r *ReduceLROnPlateau) isBetter(a, best float64) bool {
	switch {
	case r.Mode == ModeMin && r.ThresholdMode == ThresholdRel:
		relEpsilon := 1. - r.Threshold
		return a < best*relEpsilon
	case r.Mode == ModeMin:
		return a < best-r.Threshold
	case r.ThresholdMode == ThresholdRel:
		relEpsilon := r.Threshold + 1.
		return a > best*relEpsilon
	}
	return a > best+r.Threshold
}

// Step records the metric of one more epoch and reduces the learning rates
// when it has not improved for more than Patience epochs.
func (r *ReduceLROnPlateau) Step(metric float64) {
	r.lastEpoch++
	if r.isBetter(metric, r.best) {
		r.best = metric
		r.numBadEpochs = 0
	} else {
		r.numBadEpochs++
	}
	if r.cooldownCounter > 0 {
		r.cooldownCounter--
		r.numBadEpochs = 0 // ignore any bad epochs in cooldown
	}
	if r.numBadEpochs > r.Patience {
		r.reduceLR()
		r.cooldownCounter = r.Cooldown
		r.numBadEpochs = 0
	}
	groups := r.opt.ParamGroups()
	r.lastLR = make([]float64, len(groups))
	for i, g := range groups {
		r.lastLR[i] = g.LR
	}
}

func (r *ReduceLROnPlateau) reduceLR() {
	for i, g := range r.opt.ParamGroups() {
		old := g.LR
		newLR := old * r.Factor
		if r.MinLRs[i] > newLR { // Python's max(old·factor, min_lr)
			newLR = r.MinLRs[i]
		}
		if old-newLR > r.Eps {
			g.LR = newLR
		}
	}
}

// LastLR returns the learning rates after the last Step, one per group
// (nil before the first Step, when PyTorch 1.13 has no _last_lr).
func (r *ReduceLROnPlateau) LastLR() []float64 { return append([]float64(nil), r.lastLR...) }

// LastEpoch returns the number of Step calls (PyTorch's last_epoch).
func (r *ReduceLROnPlateau) LastEpoch() int { return r.lastEpoch }

// Best returns the best metric so far (+inf or −inf before any Step).
func (r *ReduceLROnPlateau) Best() float64 { return r.best }

// NumBadEpochs returns the number of epochs since the last improvement,
// not counting those in cooldown (PyTorch's num_bad_epochs).
func (r *ReduceLROnPlateau) NumBadEpochs() int { return r.numBadEpochs }

// CooldownCounter returns the number of cooldown epochs left (PyTorch's
// cooldown_counter).
func (r *ReduceLROnPlateau) CooldownCounter() int { return r.cooldownCounter }

// PlateauState is the serializable position of a ReduceLROnPlateau, with
// PyTorch's state_dict keys. Best is ±Inf until a Step sees a finite
// metric; encoding/json cannot encode infinities, so save it after the
// first Step (or with an encoder that can).
type PlateauState struct {
	Best            float64   `json:"best"`
	NumBadEpochs    int       `json:"num_bad_epochs"`
	CooldownCounter int       `json:"cooldown_counter"`
	LastEpoch       int       `json:"last_epoch"`
	LastLR          []float64 `json:"_last_lr,omitempty"`
}

// StateDict returns the scheduler's position, for checkpoints (its
// settings are the exported fields).
func (r *ReduceLROnPlateau) StateDict() PlateauState {
	return PlateauState{Best: r.best, NumBadEpochs: r.numBadEpochs, CooldownCounter: r.cooldownCounter,
		LastEpoch: r.lastEpoch, LastLR: r.LastLR()}
}

// LoadStateDict restores a position saved by StateDict.
func (r *ReduceLROnPlateau) LoadStateDict(s PlateauState) error {
	if s.NumBadEpochs < 0 || s.CooldownCounter < 0 || s.LastEpoch < 0 {
		return fmt.Errorf("optim: ReduceLROnPlateau state: num_bad_epochs %d, cooldown_counter %d, last_epoch %d",
			s.NumBadEpochs, s.CooldownCounter, s.LastEpoch)
	}
	if s.LastLR != nil && len(s.LastLR) != len(r.opt.ParamGroups()) {
		return fmt.Errorf("optim: ReduceLROnPlateau state has %d learning rates for %d parameter groups",
			len(s.LastLR), len(r.opt.ParamGroups()))
	}
	r.best, r.numBadEpochs, r.cooldownCounter, r.lastEpoch = s.Best, s.NumBadEpochs, s.CooldownCounter, s.LastEpoch
	r.lastLR = append([]float64(nil), s.LastLR...)
	return nil
}
