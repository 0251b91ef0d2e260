// Package experiments holds the studies of intercept's lab, each a
// lab.Experiment that tests one claim about bias or initialization.
package experiments

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/intercept-ml/intercept/data"
	"github.com/intercept-ml/intercept/lab"
	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/nninit"
	"github.com/intercept-ml/intercept/optim"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
	"github.com/intercept-ml/intercept/train"
)

// Registry returns a registry with every experiment of the lab, in the
// order of the report.
func Registry() *lab.Registry {
	r := &lab.Registry{}
	for _, e := range []*lab.Experiment{
		ActivationShift(),
		BiasVsNoBias(),
		Digits(),
		ZeroInitSymmetry(),
		InitComparison(),
		DeepReLU(),
		ActivationStats(),
		DyingReLU(),
		BiasBeforeBatchNorm(),
		ConvBias(),
		BiasDepth(),
		BiasTrainingTime(),
		BiasOverfit(),
		BiasGradInit(),
		// the literature
		LSTMForgetBias(),
		TransformerNoBias(),
		BiasWeightDecay(),
		BitFit(),
		PriorBiasInit(),
		ZeroInitResidual(),
		SelfNormalizing(),
		LSUVInit(),
	} {
		r.Register(e)
	}
	return r
}

// activation names a hidden activation, as written in an experiment's
// parameters.
type activation string

// parseActivations checks a list of activation names.
func parseActivations(names []string) ([]activation, error) {
	out := make([]activation, len(names))
	for i, n := range names {
		switch n {
		case "relu", "tanh", "sigmoid", "identity", "linear":
			out[i] = activation(n)
		default:
			return nil, fmt.Errorf("unknown activation %q (want relu, tanh, sigmoid or identity)", n)
		}
	}
	return out, nil
}

// module returns the activation as a module.
func (a activation) module() nn.Module {
	switch a {
	case "relu":
		return nn.NewReLU()
	case "tanh":
		return nn.NewTanh()
	case "sigmoid":
		return nn.NewSigmoid()
	case "identity", "linear":
		return nn.NewIdentity()
	}
	panic(fmt.Sprintf("unknown activation %q", string(a)))
}

// mlp builds Linear(sizes[0], sizes[1]) - act - ... - Linear(.., sizes[n-1])
// drawing its default initialization from g.
func mlp(g *rng.Generator, sizes []int, act activation, bias bool) *nn.Sequential {
	s := nn.NewSequential()
	for i := 0; i+1 < len(sizes); i++ {
		s.Append(nn.NewLinear(sizes[i], sizes[i+1], nn.Bias(bias), nn.WithGenerator(g)))
		if i+2 < len(sizes) {
			s.Append(act.module())
		}
	}
	return s
}

// linears returns the Linear layers of a Sequential in order.
func linears(s *nn.Sequential) []*nn.Linear {
	var out []*nn.Linear
	for _, m := range s.Layers() {
		if l, ok := m.(*nn.Linear); ok {
			out = append(out, l)
		}
	}
	return out
}

// weightInit names a weight initialization, as written in an experiment's
// parameters: default (PyTorch's, kept), zeros, normal (N(0, 1)), xavier,
// xavier-normal, kaiming, kaiming-normal or constant (0.1).
type weightInit string

// parseWeightInits checks a list of weight initialization names.
func parseWeightInits(names []string) ([]weightInit, error) {
	out := make([]weightInit, len(names))
	for i, n := range names {
		switch n {
		case "default", "pytorch", "zeros", "zero", "normal", "xavier", "xavier-normal",
			"kaiming", "he", "kaiming-normal", "he-normal", "constant":
			out[i] = weightInit(n)
		default:
			return nil, fmt.Errorf("unknown weight init %q (want default, zeros, normal, xavier, xavier-normal, kaiming, kaiming-normal or constant)", n)
		}
	}
	return out, nil
}

// apply initializes w, drawing from g.
func (wi weightInit) apply(w *tensor.Tensor, g *rng.Generator) {
	gen := nninit.WithGenerator(g)
	switch wi {
	case "default", "pytorch":
		// keep the layer's PyTorch default (kaiming_uniform with a=sqrt(5))
	case "zeros", "zero":
		nninit.Zeros(w)
	case "normal":
		nninit.Normal(w, 0, 1, gen)
	case "xavier":
		nninit.XavierUniform(w, gen)
	case "xavier-normal":
		nninit.XavierNormal(w, gen)
	case "kaiming", "he":
		nninit.KaimingUniform(w, nninit.ReLU, gen)
	case "kaiming-normal", "he-normal":
		nninit.KaimingNormal(w, nninit.ReLU, gen)
	case "constant":
		nninit.Constant(w, 0.1)
	default:
		panic(fmt.Sprintf("unknown weight init %q", string(wi)))
	}
}

// biasInit is a bias initialization: default (PyTorch's, kept), zeros,
// normal (N(0, 0.1)) or a constant.
type biasInit struct {
	name     string  // as written in the parameters: "zeros", "0.5", ...
	constant bool    // the name is a number
	value    float64 // that number
}

// String returns the name as written in the parameters.
func (b biasInit) String() string { return b.name }

// parseBiasInits checks a list of bias initializations.
func parseBiasInits(names []string) ([]biasInit, error) {
	out := make([]biasInit, len(names))
	for i, n := range names {
		switch n {
		case "default", "pytorch", "zeros", "zero", "normal":
			out[i] = biasInit{name: n}
		default:
			v, err := strconv.ParseFloat(n, 64)
			if err != nil {
				return nil, fmt.Errorf("unknown bias init %q (want default, zeros, normal or a number)", n)
			}
			out[i] = biasInit{name: n, constant: true, value: v}
		}
	}
	return out, nil
}

// random reports whether the initialization draws each bias at random
// (normal, or PyTorch's default uniform), so that units start with
// different biases.
func (bi biasInit) random() bool {
	switch bi.name {
	case "normal", "default", "pytorch":
		return true
	}
	return false
}

// constantBias is the bias initialization to the constant v.
func constantBias(v float64) biasInit {
	return biasInit{name: trimFloat(v), constant: true, value: v}
}

// zeroBias is the bias initialization to zeros.
var zeroBias = biasInit{name: "zeros"}

// apply initializes b (nil for a layer without bias), drawing from g.
func (bi biasInit) apply(b *tensor.Tensor, g *rng.Generator) {
	switch {
	case b == nil:
	case bi.constant:
		nninit.Constant(b, bi.value)
	case bi.name == "default" || bi.name == "pytorch":
	case bi.name == "zeros" || bi.name == "zero":
		nninit.Zeros(b)
	case bi.name == "normal":
		nninit.Normal(b, 0, 0.1, nninit.WithGenerator(g))
	default:
		panic(fmt.Sprintf("unknown bias init %q", bi.name))
	}
}

// onOff spells a bias switch in variant keys.
func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}

// variants returns the variant of each condition, in order.
func variants[C lab.Condition](conds []C) []lab.Variant {
	out := make([]lab.Variant, len(conds))
	for i, c := range conds {
		out[i] = lab.NewVariant(c)
	}
	return out
}

// each returns f(a) for every a of as.
func each[A, C any](as []A, f func(A) C) []C {
	out := make([]C, len(as))
	for i, a := range as {
		out[i] = f(a)
	}
	return out
}

// grid returns f(a, b) for every a of as and b of bs, a varying slowest.
func grid[A, B, C any](as []A, bs []B, f func(A, B) C) []C {
	var out []C
	for _, a := range as {
		for _, b := range bs {
			out = append(out, f(a, b))
		}
	}
	return out
}

var bothBias = []bool{true, false}

func mse(pred, target *tensor.Tensor) *tensor.Tensor { return nn.MSELoss(pred, target) }

func newOptimizer(name string, params []*tensor.Tensor, lr float64) optim.Optimizer {
	switch name {
	case "adam":
		return optim.NewAdam(params, optim.LR(lr))
	default:
		return optim.NewSGD(params, optim.LR(lr))
	}
}

// trainConfig describes a training run.
type trainConfig struct {
	steps int     // optimizer steps
	lr    float64 // learning rate
	opt   string  // "sgd" or "adam"
	// batch is the minibatch size, 0 for the whole training set at every
	// step. Batches come from a data.Loader drawing from the trial's
	// generator, exactly as PyTorch's DataLoader(generator=g) would:
	// minibatches are shuffled, each epoch's last, smaller one dropped
	// unless partial is set; the whole set is one unshuffled batch (whose
	// epochs still draw the loader's base seed).
	batch   int
	partial bool
	every   int            // record the loss every `every` steps (0 = every step)
	onStep  func(step int) // called after each update with the step's index
	// maxLoss, if positive, also counts a finite loss above it as
	// divergence. The check runs after the step's update (in the Trainer's
	// OnStep), which is harmless: a diverged model is not evaluated.
	maxLoss float64
	// log, if set, receives the Trainer's loss, learning rate and
	// parameter and gradient histograms about 10 times per run (the
	// trial's Log, from `intercept lab --tensorboard`).
	log lab.Logger
}

// trainResult is the loss curve of a training run.
type trainResult struct {
	losses        []float64 // recorded losses
	steps         []float64 // their step numbers
	final         float64   // the last step's loss
	diverged      bool
	divergedStep  int
	divergedValue float64
}

// explodedError stops a run whose loss passed trainConfig.maxLoss.
type explodedError struct {
	step int
	loss float64
}

func (e *explodedError) Error() string {
	return fmt.Sprintf("step %d: loss %v is above the divergence threshold", e.step, e.loss)
}

// trainer is one training run: a train.Trainer over a data.Loader of the
// training set, recording the loss curve as it goes.
type trainer struct {
	tr  *train.Trainer
	c   trainConfig
	ctx context.Context
	trainResult
}

// newTrainer prepares the training of model on ds with c's optimizer; the
// loader draws from g.
func newTrainer(model nn.Module, ds data.Dataset, loss train.LossFunc, c trainConfig, g *rng.Generator) *trainer {
	size, opts := ds.Len(), []data.LoaderOption{data.WithGenerator(g)}
	if c.batch > 0 && c.batch < ds.Len() {
		size, opts = c.batch, append(opts, data.Shuffle)
		if !c.partial {
			opts = append(opts, data.DropLast)
		}
	}
	t := &trainer{c: c}
	t.tr = &train.Trainer{
		Model:     model,
		Optimizer: newOptimizer(c.opt, nn.Parameters(model), c.lr),
		Loader:    data.NewLoader(ds, size, opts...),
		Loss:      loss,
		OnStep:    t.onStep,
	}
	if c.log != nil {
		t.tr.Log, t.tr.LogEvery = c.log, max(c.steps/10, 1)
	}
	return t
}

// onStep records the loss of step done-1 (the Trainer counts completed
// steps).
func (t *trainer) onStep(done int, loss float64) error {
	step := done - 1
	if t.c.maxLoss > 0 && loss > t.c.maxLoss {
		return &explodedError{step, loss}
	}
	if t.c.every <= 1 || step%t.c.every == 0 || step == t.c.steps-1 {
		t.losses = append(t.losses, loss)
		t.steps = append(t.steps, float64(step))
	}
	t.final = loss
	if t.c.onStep != nil {
		t.c.onStep(step)
	}
	return t.ctx.Err()
}

// run trains until steps steps are done in all, or until the loss diverges,
// which is recorded, not returned. It returns ctx's error if ctx is
// cancelled.
func (t *trainer) run(ctx context.Context, steps int) error {
	if t.diverged {
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	t.ctx = ctx
	err := t.tr.Run(steps)
	var nonFinite *train.NonFiniteLossError
	var exploded *explodedError
	switch {
	case errors.As(err, &nonFinite):
		t.diverge(nonFinite.Step, nonFinite.Loss)
	case errors.As(err, &exploded):
		t.diverge(exploded.step, exploded.loss)
	default:
		return err
	}
	return nil
}

func (t *trainer) diverge(step int, loss float64) {
	t.diverged, t.divergedStep, t.divergedValue = true, step, loss
	t.losses = append(t.losses, loss)
	t.steps = append(t.steps, float64(step))
	t.final = loss
}

// close ends the loader's epoch in progress.
func (t *trainer) close() { t.tr.Close() }

// fit trains model on ds for c.steps steps and returns its loss curve; a
// NaN or infinite loss (or one above c.maxLoss) stops training and is
// reported as divergence at that step.
func fit(ctx context.Context, model nn.Module, ds data.Dataset, loss train.LossFunc, c trainConfig, g *rng.Generator) (trainResult, error) {
	t := newTrainer(model, ds, loss, c, g)
	defer t.close()
	err := t.run(ctx, c.steps)
	return t.trainResult, err
}

// evalLoss is the model's loss on the whole of ds, in one batch.
func evalLoss(model nn.Module, ds data.Dataset, loss train.LossFunc) float64 {
	return train.MeanLoss(model, ds, ds.Len(), loss)
}

// accuracy is the model's accuracy on the whole of ds, in one batch.
func accuracy(model nn.Module, ds data.Dataset) float64 {
	return train.Accuracy(model, ds, ds.Len())
}

// record copies a train result into a trial result.
func record(res *lab.TrialResult, tr trainResult, series string) {
	res.Series[series] = tr.losses
	res.Series[series+"_step"] = tr.steps
	if tr.diverged {
		res.Diverged, res.DivergedStep, res.DivergedValue = true, tr.divergedStep, tr.divergedValue
	}
}

func trimFloat(x float64) string {
	s := fmt.Sprintf("%g", x)
	return strings.TrimSuffix(s, ".0")
}

// curvePlot builds a line plot of a per-step series (mean over seeds with
// a 95% band) for each variant.
func curvePlot(r *lab.ExperimentResult, name, title, ylabel, series string, logY bool, keep func(v *lab.VariantResult) bool) lab.Plot {
	p := lab.Plot{Name: name, Kind: lab.LinePlot, Title: title, XLabel: "training step", YLabel: ylabel, LogY: logY}
	for _, v := range r.Variants {
		if keep != nil && !keep(v) {
			continue
		}
		ys := v.Series(series)
		if len(ys) == 0 {
			continue
		}
		b := lab.SeriesBand(ys)
		var x []float64
		if steps := v.Series(series + "_step"); len(steps) > 0 {
			x = longest(steps)[:len(b.Mean)]
		}
		p.Lines = append(p.Lines, lab.Line{Label: v.Label, X: x, Y: b.Mean, Low: b.Low, High: b.High,
			Dashed: v.Params["bias"] == "off", Group: biasGroup(v)})
	}
	return p
}

func longest(ss [][]float64) []float64 {
	var out []float64
	for _, s := range ss {
		if len(s) > len(out) {
			out = s
		}
	}
	return out
}

// scalarTable tabulates scalars (mean ± std [95% CI]) per variant.
func scalarTable(r *lab.ExperimentResult, title string, scalars []string, headers []string) lab.Table {
	t := lab.Table{Title: title, Columns: append([]string{"variant"}, headers...)}
	for _, v := range r.Variants {
		row := []string{v.Label}
		for _, s := range scalars {
			row = append(row, lab.FmtSummary(v.Scalar(s)))
		}
		t.Rows = append(t.Rows, row)
	}
	return t
}

// barPlot draws one bar per variant for a scalar with its 95% interval.
func barPlot(r *lab.ExperimentResult, name, title, ylabel, scalar string) lab.Plot {
	p := lab.Plot{Name: name, Kind: lab.BarPlot, Title: title, XLabel: "variant", YLabel: ylabel}
	for _, v := range r.Variants {
		s := v.Scalar(scalar)
		p.Lines = append(p.Lines, lab.Line{Label: v.Label, Y: []float64{s.Mean}, Low: []float64{s.CILow}, High: []float64{s.CIHigh}})
	}
	return p
}

// biasGroup names a variant's condition apart from its bias switch, so that
// the with- and without-bias runs of one condition share a colour.
func biasGroup(v *lab.VariantResult) string {
	if b := v.Params["bias"]; b != "on" && b != "off" {
		return ""
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(v.Params)) {
		if k != "bias" {
			parts = append(parts, k+"="+v.Params[k])
		}
	}
	return "group:" + strings.Join(parts, ",")
}

// prefixed returns l with every tag prefixed (nil for a nil l), for a trial
// that trains two models.
func prefixed(l lab.Logger, prefix string) lab.Logger {
	if l == nil {
		return nil
	}
	return prefixLogger{l, prefix}
}

type prefixLogger struct {
	l      lab.Logger
	prefix string
}

func (p prefixLogger) Scalar(tag string, step int64, v float64) error {
	return p.l.Scalar(p.prefix+tag, step, v)
}

func (p prefixLogger) HistogramValues(tag string, step int64, v []float64) error {
	return p.l.HistogramValues(p.prefix+tag, step, v)
}

// mlpBytes estimates the memory of training a float32 MLP with Adam:
// the weights of layers hidden layers of width hidden between in inputs and
// out outputs, their gradients and two optimizer moments, plus the
// activations and their gradients for one batch, and n float32 examples of
// in features.
func mlpBytes(in, hidden, layers, out, batch, n int) int64 {
	params := int64(in)*int64(hidden) + int64(layers-1)*int64(hidden)*int64(hidden) + int64(hidden)*int64(out) + int64(layers)*int64(hidden) + int64(out)
	acts := int64(batch) * int64(hidden) * int64(layers) * 4
	return 4 * (4*params + acts + int64(n)*int64(in+1) + (1 << 18))
}

// classInputs is the largest input width of a --data source's examples
// (784 for the MNIST-like IDX sets, 64 for the embedded digits).
func classInputs(source string) int {
	if source == "" || source == "digits" {
		return 64
	}
	return 784
}
