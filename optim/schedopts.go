package optim

import "fmt"

// StepLROption configures NewStepLR. Gamma is the only one.
type StepLROption interface{ applyStepLR(*gammaConfig) }

// MultiStepLROption configures NewMultiStepLR. Gamma is the only one.
type MultiStepLROption interface{ applyMultiStepLR(*gammaConfig) }

type gammaConfig struct{ gamma float64 }

// GammaOption sets the factor by which StepLR and MultiStepLR multiply the
// learning rate (PyTorch's gamma, default 0.1). It is a StepLROption and a
// MultiStepLROption. (ExponentialLR's gamma has no default and is an
// argument of NewExponentialLR.)
type GammaOption float64

// Gamma sets the learning rate's decay factor (PyTorch's gamma).
func Gamma(g float64) GammaOption { return GammaOption(g) }

func (o GammaOption) applyStepLR(c *gammaConfig)      { c.gamma = float64(o) }
func (o GammaOption) applyMultiStepLR(c *gammaConfig) { c.gamma = float64(o) }

// CosineAnnealingLROption configures NewCosineAnnealingLR. EtaMin is the
// only one.
type CosineAnnealingLROption interface {
	applyCosineAnnealingLR(*cosineConfig)
}

type cosineConfig struct{ etaMin float64 }

// EtaMinOption sets the learning rate CosineAnnealingLR anneals to
// (PyTorch's eta_min, default 0). It is a CosineAnnealingLROption.
type EtaMinOption float64

// EtaMin sets the minimum learning rate (PyTorch's eta_min).
func EtaMin(lr float64) EtaMinOption { return EtaMinOption(lr) }

func (o EtaMinOption) applyCosineAnnealingLR(c *cosineConfig) { c.etaMin = float64(o) }

// LinearLROption configures NewLinearLR: StartFactor, EndFactor and
// TotalIters.
type LinearLROption interface{ applyLinearLR(*linearConfig) }

type linearConfig struct {
	startFactor, endFactor float64
	totalIters             int
}

// StartFactorOption sets the factor LinearLR multiplies the learning rate
// by at the start (PyTorch's start_factor, default 1/3). It is a
// LinearLROption.
type StartFactorOption float64

// StartFactor sets LinearLR's initial factor (PyTorch's start_factor).
func StartFactor(f float64) StartFactorOption { return StartFactorOption(f) }

func (o StartFactorOption) applyLinearLR(c *linearConfig) { c.startFactor = float64(o) }

// EndFactorOption sets the factor LinearLR reaches after TotalIters epochs
// (PyTorch's end_factor, default 1). It is a LinearLROption.
type EndFactorOption float64

// EndFactor sets LinearLR's final factor (PyTorch's end_factor).
func EndFactor(f float64) EndFactorOption { return EndFactorOption(f) }

func (o EndFactorOption) applyLinearLR(c *linearConfig) { c.endFactor = float64(o) }

// TotalItersOption sets the number of epochs over which LinearLR moves its
// factor (PyTorch's total_iters, default 5). It is a LinearLROption.
type TotalItersOption int

// TotalIters sets LinearLR's length (PyTorch's total_iters).
func TotalIters(n int) TotalItersOption { return TotalItersOption(n) }

func (o TotalItersOption) applyLinearLR(c *linearConfig) { c.totalIters = int(o) }

// OneCycleLROption configures NewOneCycleLR: TotalSteps (or Epochs and
// StepsPerEpoch), MaxLRs, PctStart, an AnnealStrategy, CycleMomentum,
// BaseMomentum, MaxMomentum, DivFactor, FinalDivFactor and ThreePhase.
type OneCycleLROption interface{ applyOneCycleLR(*oneCycleConfig) }

type oneCycleConfig struct {
	maxLRs                             []float64
	totalSteps, epochs, stepsPerEpoch  int
	hasTotal, hasEpochs, hasStepsPerEp bool
	pctStart                           float64
	anneal                             AnnealStrategy
	cycleMomentum                      bool
	baseMomentum, maxMomentum          float64
	divFactor, finalDivFactor          float64
	threePhase                         bool
}

// TotalStepsOption sets the length of OneCycleLR's cycle in steps
// (PyTorch's total_steps). It is a OneCycleLROption. NewOneCycleLR needs it
// or both Epochs and StepsPerEpoch.
type TotalStepsOption int

// TotalSteps sets the length of the cycle (PyTorch's total_steps).
func TotalSteps(n int) TotalStepsOption { return TotalStepsOption(n) }

func (o TotalStepsOption) applyOneCycleLR(c *oneCycleConfig) {
	c.totalSteps, c.hasTotal = int(o), true
}

// EpochsOption sets the number of epochs of OneCycleLR's cycle (PyTorch's
// epochs), which lasts Epochs·StepsPerEpoch steps when TotalSteps is not
// given. It is a OneCycleLROption.
type EpochsOption int

// Epochs sets the number of epochs of the cycle (PyTorch's epochs).
func Epochs(n int) EpochsOption { return EpochsOption(n) }

func (o EpochsOption) applyOneCycleLR(c *oneCycleConfig) { c.epochs, c.hasEpochs = int(o), true }

// StepsPerEpochOption sets the number of steps per epoch of OneCycleLR's
// cycle (PyTorch's steps_per_epoch). It is a OneCycleLROption.
type StepsPerEpochOption int

// StepsPerEpoch sets the number of steps per epoch (PyTorch's
// steps_per_epoch).
func StepsPerEpoch(n int) StepsPerEpochOption { return StepsPerEpochOption(n) }

func (o StepsPerEpochOption) applyOneCycleLR(c *oneCycleConfig) {
	c.stepsPerEpoch, c.hasStepsPerEp = int(o), true
}

// MaxLRsOption gives OneCycleLR one peak learning rate per parameter group,
// in place of the single maxLR of NewOneCycleLR (PyTorch's max_lr as a
// list). It is a OneCycleLROption.
type MaxLRsOption []float64

// MaxLRs sets one peak learning rate per parameter group (PyTorch's max_lr
// given as a list).
func MaxLRs(lrs ...float64) MaxLRsOption { return MaxLRsOption(lrs) }

func (o MaxLRsOption) applyOneCycleLR(c *oneCycleConfig) { c.maxLRs = []float64(o) }

// PctStartOption sets the fraction of OneCycleLR's cycle spent raising the
// learning rate (PyTorch's pct_start, default 0.3). It is a
// OneCycleLROption.
type PctStartOption float64

// PctStart sets the fraction of the cycle spent raising the learning rate
// (PyTorch's pct_start).
func PctStart(f float64) PctStartOption { return PctStartOption(f) }

func (o PctStartOption) applyOneCycleLR(c *oneCycleConfig) { c.pctStart = float64(o) }

// AnnealStrategy is how OneCycleLR interpolates between its learning rates
// (PyTorch's anneal_strategy). It is a OneCycleLROption.
type AnnealStrategy int

const (
	// AnnealCos is anneal_strategy='cos', the default.
	AnnealCos AnnealStrategy = iota
	// AnnealLinear is anneal_strategy='linear'.
	AnnealLinear
)

func (a AnnealStrategy) String() string {
	switch a {
	case AnnealCos:
		return "cos"
	case AnnealLinear:
		return "linear"
	}
	return fmt.Sprintf("AnnealStrategy(%d)", int(a))
}

func (a AnnealStrategy) applyOneCycleLR(c *oneCycleConfig) { c.anneal = a }

// CycleMomentumOption switches OneCycleLR's cycling of the momentum (SGD,
// RMSprop) or β1 (Adam, AdamW) on or off (PyTorch's cycle_momentum, on by
// default: note that it sets the momentum of an SGD optimizer created
// without one). It is a OneCycleLROption.
type CycleMomentumOption bool

// NoCycleMomentum is PyTorch's cycle_momentum=False.
const NoCycleMomentum CycleMomentumOption = false

// CycleMomentum switches the cycling of the momentum on or off (PyTorch's
// cycle_momentum).
func CycleMomentum(on bool) CycleMomentumOption { return CycleMomentumOption(on) }

func (o CycleMomentumOption) applyOneCycleLR(c *oneCycleConfig) { c.cycleMomentum = bool(o) }

// BaseMomentumOption sets the lowest momentum of OneCycleLR's cycle, reached
// at the peak learning rate (PyTorch's base_momentum, default 0.85). It is
// a OneCycleLROption.
type BaseMomentumOption float64

// BaseMomentum sets the lowest momentum of the cycle (PyTorch's
// base_momentum).
func BaseMomentum(m float64) BaseMomentumOption { return BaseMomentumOption(m) }

func (o BaseMomentumOption) applyOneCycleLR(c *oneCycleConfig) { c.baseMomentum = float64(o) }

// MaxMomentumOption sets the highest momentum of OneCycleLR's cycle, at its
// start and end (PyTorch's max_momentum, default 0.95). It is a
// OneCycleLROption.
type MaxMomentumOption float64

// MaxMomentum sets the highest momentum of the cycle (PyTorch's
// max_momentum).
func MaxMomentum(m float64) MaxMomentumOption { return MaxMomentumOption(m) }

func (o MaxMomentumOption) applyOneCycleLR(c *oneCycleConfig) { c.maxMomentum = float64(o) }

// DivFactorOption sets OneCycleLR's initial learning rate to
// max_lr/DivFactor (PyTorch's div_factor, default 25). It is a
// OneCycleLROption.
type DivFactorOption float64

// DivFactor sets the initial learning rate max_lr/f (PyTorch's div_factor).
func DivFactor(f float64) DivFactorOption { return DivFactorOption(f) }

func (o DivFactorOption) applyOneCycleLR(c *oneCycleConfig) { c.divFactor = float64(o) }

// FinalDivFactorOption sets OneCycleLR's final learning rate to
// initial_lr/FinalDivFactor (PyTorch's final_div_factor, default 1e4). It
// is a OneCycleLROption.
type FinalDivFactorOption float64

// FinalDivFactor sets the final learning rate initial_lr/f (PyTorch's
// final_div_factor).
func FinalDivFactor(f float64) FinalDivFactorOption { return FinalDivFactorOption(f) }

func (o FinalDivFactorOption) applyOneCycleLR(c *oneCycleConfig) { c.finalDivFactor = float64(o) }

// ThreePhaseOption adds to OneCycleLR a third phase that anneals from the
// initial to the final learning rate after a symmetric rise and fall
// (PyTorch's three_phase, default off). It is a OneCycleLROption.
// ThreePhase switches it on; ThreePhaseOption(on) sets it from a bool.
type ThreePhaseOption bool

// ThreePhase is PyTorch's three_phase=True.
const ThreePhase ThreePhaseOption = true

func (o ThreePhaseOption) applyOneCycleLR(c *oneCycleConfig) { c.threePhase = bool(o) }
