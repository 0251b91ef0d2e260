package experiments

import (
	"context"
	"fmt"
	"math"

	"github.com/intercept-ml/intercept/internal/xmath"
	"github.com/intercept-ml/intercept/lab"
	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/nninit"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
	"github.com/intercept-ml/intercept/train"
)

// The margins of ZeroInitResidual's verdict, fixed from the claims'
// meaning: a better start is an early loss lower by more than 0.05 nats;
// "trains as well as with normalization" means a test accuracy within two
// percentage points; see resDivMargin for divergence.
const (
	resLossMargin = 0.05
	resAccMargin  = 0.02
	// resDivMargin: "explodes" versus "trains" is a difference in the
	// share of diverged runs of more than one run in ten.
	resDivMargin = 0.1
)

// ZeroInitResidual trains a deep residual MLP with and without BatchNorm:
// He init with γ = 1 (default), the last BatchNorm of each block at γ = 0
// (Goyal et al.), no normalization with He init, and Fixup (Zhang et al.).
func ZeroInitResidual() *lab.Experiment {
	return &lab.Experiment{
		Name:  "zero-init-residual",
		Title: "Zero-initializing the last normalization scale or the residual branch (zero-γ, Fixup)",
		Claim: "Initializing the scale γ of the last BatchNorm of each residual block to zero, so that every block starts as the " +
			"identity, eases optimization at the start of training (Goyal et al.). Without any normalization, a residual network " +
			"trains as well as with BatchNorm when each branch's last layer starts at zero, the other branch layers are rescaled by " +
			"L^(−1/(2m−2)) and scalar biases and a multiplier are added (Fixup), where the same network with the standard init " +
			"explodes (Zhang et al.).",
		Source: "Goyal, Dollár, Girshick, Noordhuis, Wesolowski, Kyrola, Tulloch, Jia & He 2017, “Accurate, large minibatch SGD: " +
			"training ImageNet in 1 hour”, §5.1 (zero γ); Zhang, Dauphin & Ma 2019, “Fixup initialization: residual learning " +
			"without normalization”, §3",
		Group: lab.Literature,
		Params: []lab.Param{
			{Name: "blocks", Default: "8", Quick: "4", Kind: lab.Int, Min: 1, Max: 200, Help: "residual blocks L (two Linear layers each, m = 2)"},
			{Name: "width", Default: "32", Kind: lab.Int, Min: 1, Max: 4096, Help: "width of the residual stream"},
			{Name: "steps", Default: "100", Quick: "20", Kind: lab.Int, Min: 1, Max: 1e6, Help: "SGD steps (batch 128, momentum 0.9)"},
			{Name: "early", Default: "20", Quick: "5", Kind: lab.Int, Min: 1, Max: 1e6, Help: "the start of training: steps whose minibatch losses are averaged"},
			{Name: "lr", Default: "0.1", Kind: lab.Float, Min: 1e-8, Max: 10, Help: "learning rate (the papers' 0.1)"},
		},
		Variants: func(c lab.Config) ([]lab.Variant, error) {
			if _, _, err := loadClassification(c.Data, 0); err != nil {
				return nil, err
			}
			if c.Int("early") > c.Int("steps") {
				return nil, fmt.Errorf("early (%d) must not exceed steps (%d)", c.Int("early"), c.Int("steps"))
			}
			return variants([]resCond{{true, "default"}, {true, "zero-gamma"}, {false, "default"}, {false, "fixup"}}), nil
		},
		Memory: func(c lab.Config) int64 {
			return mlpBytes(classInputs(c.Data), c.Int("width"), 2*c.Int("blocks")+1, 10, 128*3, 70000)
		},
		Run:     runZeroInitResidual,
		Analyze: analyzeZeroInitResidual,
	}
}

// resCond is a variant of ZeroInitResidual: BatchNorm on or off, and the
// initialization (default, zero-gamma with BatchNorm, fixup without).
type resCond struct {
	BN   bool
	Init string
}

func (c resCond) Settings() []lab.Setting {
	return []lab.Setting{lab.Set("batchnorm", onOff(c.BN)), lab.Set("init", c.Init)}
}

// resBlock is one residual block, out = relu(x + branch(x)), with the
// branch Linear-BN-ReLU-Linear-BN, or Linear-ReLU-Linear without
// normalization, or Fixup's
//
//	fc2(relu(fc1(x + b1a) + b1b) + b2a)·scale + b2b
//
// with scalar biases and multiplier (the FixupBasicBlock of the paper's
// code, with Linear layers for convolutions).
type resBlock struct {
	FC1, FC2                       *nn.Linear
	BN1, BN2                       *nn.BatchNorm1d
	Bias1a, Bias1b, Bias2a, Bias2b *tensor.Tensor // Fixup's scalars, nil otherwise
	Scale                          *tensor.Tensor
}

func (b *resBlock) Forward(x *tensor.Tensor) *tensor.Tensor {
	var h *tensor.Tensor
	switch {
	case b.Scale != nil:
		h = b.FC1.Forward(x.Add(b.Bias1a)).Add(b.Bias1b).ReLU()
		h = b.FC2.Forward(h.Add(b.Bias2a)).Mul(b.Scale).Add(b.Bias2b)
	case b.BN1 != nil:
		h = b.BN1.Forward(b.FC1.Forward(x)).ReLU()
		h = b.BN2.Forward(b.FC2.Forward(h))
	default:
		h = b.FC2.Forward(b.FC1.Forward(x).ReLU())
	}
	return x.Add(h).ReLU()
}

// resMLP is the residual network: a stem Linear (with BatchNorm, or a
// scalar bias under Fixup) and ReLU, the blocks, and a Linear classifier.
type resMLP struct {
	Stem     *nn.Linear
	StemBN   *nn.BatchNorm1d
	StemBias *tensor.Tensor // Fixup's scalar bias after the stem
	Blocks   []*resBlock
	OutBias  *tensor.Tensor // Fixup's scalar bias before the classifier
	Out      *nn.Linear
}

func (m *resMLP) Forward(x *tensor.Tensor) *tensor.Tensor {
	h := m.Stem.Forward(x)
	switch {
	case m.StemBN != nil:
		h = m.StemBN.Forward(h)
	case m.StemBias != nil:
		h = h.Add(m.StemBias)
	}
	h = h.ReLU()
	for _, b := range m.Blocks {
		h = b.Forward(h)
	}
	if m.OutBias != nil {
		h = h.Add(m.OutBias)
	}
	return m.Out.Forward(h)
}

func scalarParam(v float64) *tensor.Tensor { return tensor.NewParameter(tensor.Full(v, 1)) }

// newResMLP builds and initializes the network of condition c, drawing
// from g: He-normal (fan_in, ReLU) weights in the stem and the branches as
// in ResNets, PyTorch's default classifier; Fixup rescales each branch's
// first layer by L^(−1/2) (m = 2), zeroes its last layer and the
// classifier, and adds its scalars.
func newResMLP(g *rng.Generator, c resCond, in, width, blocks, out int) *resMLP {
	he := func(l *nn.Linear) { nninit.KaimingNormal(l.Weight, nninit.ReLU, nninit.WithGenerator(g)) }
	fixup := c.Init == "fixup"
	// Linear layers followed by BatchNorm, and Fixup's, have no bias.
	branchBias := !c.BN && !fixup
	m := &resMLP{Stem: nn.NewLinear(in, width, nn.Bias(!c.BN && !fixup), nn.WithGenerator(g))}
	he(m.Stem)
	if m.Stem.Bias != nil {
		nninit.Zeros(m.Stem.Bias)
	}
	if c.BN {
		m.StemBN = nn.NewBatchNorm1d(width)
	}
	if fixup {
		m.StemBias = scalarParam(0)
	}
	for i := 0; i < blocks; i++ {
		b := &resBlock{
			FC1: nn.NewLinear(width, width, nn.Bias(branchBias), nn.WithGenerator(g)),
			FC2: nn.NewLinear(width, width, nn.Bias(branchBias), nn.WithGenerator(g)),
		}
		he(b.FC1)
		he(b.FC2)
		for _, l := range []*nn.Linear{b.FC1, b.FC2} {
			if l.Bias != nil {
				nninit.Zeros(l.Bias)
			}
		}
		if c.BN {
			b.BN1, b.BN2 = nn.NewBatchNorm1d(width), nn.NewBatchNorm1d(width)
			if c.Init == "zero-gamma" {
				nninit.Zeros(b.BN2.Weight)
			}
		}
		if fixup {
			tensor.NoGrad(func() {
				w := b.FC1.Weight.Data32()
				f := float32(xmath.Pow(float64(blocks), -0.5))
				for j := range w {
					w[j] *= f
				}
			})
			nninit.Zeros(b.FC2.Weight)
			b.Bias1a, b.Bias1b, b.Bias2a, b.Bias2b = scalarParam(0), scalarParam(0), scalarParam(0), scalarParam(0)
			b.Scale = scalarParam(1)
		}
		m.Blocks = append(m.Blocks, b)
	}
	m.Out = nn.NewLinear(width, out, nn.WithGenerator(g))
	if fixup {
		nninit.Zeros(m.Out.Weight)
		nninit.Zeros(m.Out.Bias)
		m.OutBias = scalarParam(0)
	}
	return m
}

func runZeroInitResidual(ctx context.Context, t lab.Trial) (*lab.TrialResult, error) {
	c := t.Config
	trainSet, testSet, err := loadClassification(c.Data, 0)
	if err != nil {
		return nil, err
	}
	v := t.Variant.Cond.(resCond)
	model := newResMLP(t.Gen, v, trainSet.X().Size(1), c.Int("width"), c.Int("blocks"), 10)
	res := lab.NewResult()
	tr, err := fitWith(ctx, model, trainSet, train.CrossEntropy,
		trainConfig{steps: c.Int("steps"), batch: 128, every: 1, maxLoss: 1e6, log: t.Log}, t.Gen, sgdMomentum(c.Float("lr"), 0.9))
	if err != nil {
		return nil, err
	}
	record(res, tr, "loss")
	// the first minibatch's loss, in training mode (BatchNorm normalizes
	// with the batch's statistics, as it does during training)
	res.Scalars["initial_loss"] = tr.losses[0]
	res.Scalars["early_loss"] = meanLossBefore(tr, c.Int("early"))
	res.Scalars["diverged"] = 0
	if tr.diverged {
		res.Scalars["diverged"] = 1
	}
	if tr.diverged {
		res.Scalars["final_loss"] = math.Inf(1)
		res.Scalars["test_accuracy"] = math.NaN()
	} else {
		res.Scalars["final_loss"] = evalLoss(model, trainSet, train.CrossEntropy)
		res.Scalars["test_accuracy"] = accuracy(model, testSet)
	}
	return res, nil
}

func analyzeZeroInitResidual(r *lab.ExperimentResult) lab.Analysis {
	a := lab.Analysis{}
	t := scalarTable(r, "Per variant (mean ± std [95% CI] over seeds; final loss +Inf and accuracy n/a for a diverged run)",
		[]string{"initial_loss", "early_loss", "final_loss", "test_accuracy"},
		[]string{"initial loss (first batch)", "early loss", "final train loss", "test accuracy"})
	t.Columns = append(t.Columns, "diverged")
	for i, v := range r.Variants {
		t.Rows[i] = append(t.Rows[i], fmt.Sprintf("%d of %d", v.Diverged, len(v.Trials)))
	}
	a.Tables = append(a.Tables, t)
	a.Plots = append(a.Plots, curvePlot(r, "loss", "Minibatch training loss", "cross-entropy loss", "loss", true, nil))
	a.Plots = append(a.Plots, barPlot(r, "accuracy", "Test accuracy after training", "test accuracy", "test_accuracy"))
	bnDef, bnZero := r.VariantOf(resCond{true, "default"}), r.VariantOf(resCond{true, "zero-gamma"})
	noDef, fix := r.VariantOf(resCond{false, "default"}), r.VariantOf(resCond{false, "fixup"})
	if bnDef == nil || bnZero == nil || noDef == nil || fix == nil {
		a.Verdict = lab.Verdict{Status: lab.Inconclusive, Text: "all four variants are needed."}
		return a
	}
	pZeroEarly := lab.Pair(bnDef, bnZero, "early_loss", nil)
	pZeroAcc := lab.Pair(bnDef, bnZero, "test_accuracy", nil)
	pFixNo := lab.Pair(noDef, fix, "early_loss", nil)
	pFixDiv := lab.Pair(noDef, fix, "diverged", nil)
	pFixBN := lab.Pair(bnDef, fix, "test_accuracy", nil)
	pNoBN := lab.Pair(bnDef, noDef, "test_accuracy", nil)
	sZero := pZeroEarly.Decide(resLossMargin, lab.Less)
	sZeroAcc := notWorse(pZeroAcc, resAccMargin, lab.Less)
	sFixNo := pFixNo.Decide(resLossMargin, lab.Less)
	sFixDiv := pFixDiv.Decide(resDivMargin, lab.Less)
	sFixBN := notWorse(pFixBN, resAccMargin, lab.Less)
	sNoBN := notWorse(pNoBN, resAccMargin, lab.Less)
	a.Tables = append(a.Tables, pairTable(fmt.Sprintf("Paired differences over the same seeds (losses: lower by more than %s nats; accuracies: not worse by more than %s points)",
		lab.Fmt(resLossMargin), lab.Fmt(100*resAccMargin)), []pairRow{
		{"with BatchNorm", "early loss: zero-γ − default (lower?)", pZeroEarly, resLossMargin, sZero},
		{"with BatchNorm", "test accuracy: zero-γ − default (not worse?)", pZeroAcc, resAccMargin, sZeroAcc},
		{"no normalization", "early loss: Fixup − He default (lower?)", pFixNo, resLossMargin, sFixNo},
		{"no normalization", "diverged (0 or 1): Fixup − He default (fewer?)", pFixDiv, resDivMargin, sFixDiv},
		{"Fixup vs BatchNorm", "test accuracy: Fixup − BN default (not worse?)", pFixBN, resAccMargin, sFixBN},
		{"control", "test accuracy: no norm, He − BN default (not worse?)", pNoBN, resAccMargin, sNoBN},
	}))
	status := joinStatuses(sZero, sFixDiv, sFixBN)
	txt := fmt.Sprintf("%s. Zero-γ against γ = 1 with BatchNorm: early loss %s (%s: lower by more than %s nats?), test accuracy %s. "+
		"Without normalization, %d of %d runs of the He-initialized network diverged and %d of %d Fixup runs; the paired "+
		"difference of the divergence indicator Fixup − He is %s (%s: fewer by more than %s?); the early loss of the runs that did "+
		"not diverge differs by %s. Fixup against BatchNorm: test accuracy %s (%s: within %s points?). The He network without "+
		"normalization against BatchNorm: test accuracy %s.",
		statusWord(status), pZeroEarly, sZero, lab.Fmt(resLossMargin), pZeroAcc,
		noDef.Diverged, len(noDef.Trials), fix.Diverged, len(fix.Trials), pFixDiv, sFixDiv, lab.Fmt(resDivMargin), pFixNo,
		pFixBN, sFixBN, lab.Fmt(100*resAccMargin), pNoBN)
	a.Verdict = lab.Verdict{Status: status, Text: txt}
	a.Notes = append(a.Notes,
		"Setup (from the papers, not tuned): a residual MLP on the digits — a stem Linear(64, width) and ReLU, L blocks "+
			"relu(x + branch(x)) with two Linear layers per branch, a Linear classifier — trained with SGD, momentum 0.9, lr 0.1, "+
			"batch 128 (Fixup's CIFAR-10 settings; no weight decay, no warm-up). Weights are He-normal (fan_in, ReLU) as in ResNets.",
		"Zero-γ (Goyal et al. §5.1): γ = 0 in the BatchNorm that ends each branch, so each block starts as relu(x). "+
			"Fixup (Zhang et al. §3, m = 2 layers per branch): the classifier and each branch's last layer start at zero, the first "+
			"layer of each branch is He-initialized and multiplied by L^(−1/(2m−2)) = L^(−1/2), and scalar biases (init 0) sit "+
			"before each Linear and activation, with one scalar multiplier (init 1) per branch.",
		"Early loss = mean minibatch loss of the first `early` steps. A run whose loss becomes NaN or exceeds 1e6 is counted as "+
			"diverged and shown, not dropped: the paired differences then count it under 'diverged'.")
	return a
}
