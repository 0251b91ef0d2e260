// Package experiments holds the studies of intercept's lab, each a
// lab.Experiment that tests one claim about bias or initialization.
package experiments

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"github.com/intercept-ml/intercept/lab"
	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/nninit"
	"github.com/intercept-ml/intercept/optim"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
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
	} {
		r.Register(e)
	}
	return r
}

// activation returns the named activation as a module.
func activation(name string) nn.Module {
	switch name {
	case "relu":
		return nn.NewReLU()
	case "tanh":
		return nn.NewTanh()
	case "sigmoid":
		return nn.NewSigmoid()
	case "identity", "linear":
		return nn.NewIdentity()
	}
	panic(fmt.Sprintf("unknown activation %q", name))
}

// mlp builds Linear(sizes[0], sizes[1]) - act - ... - Linear(.., sizes[n-1])
// drawing its default initialization from g.
func mlp(g *rng.Generator, sizes []int, act string, bias bool) *nn.Sequential {
	s := nn.NewSequential()
	for i := 0; i+1 < len(sizes); i++ {
		s.Append(nn.NewLinear(sizes[i], sizes[i+1], nn.Bias(bias), nn.WithGenerator(g)))
		if i+2 < len(sizes) {
			s.Append(activation(act))
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

// initWeight applies a named weight initialization drawing from g.
func initWeight(w *tensor.Tensor, name string, g *rng.Generator) {
	gen := nninit.WithGenerator(g)
	switch name {
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
		panic(fmt.Sprintf("unknown weight init %q", name))
	}
}

// initBias applies a named bias initialization drawing from g. Names:
// default, zeros, normal (N(0, 0.1)), or a number for a constant.
func initBias(b *tensor.Tensor, name string, g *rng.Generator) {
	if b == nil {
		return
	}
	switch name {
	case "default", "pytorch":
	case "zeros", "zero":
		nninit.Zeros(b)
	case "normal":
		nninit.Normal(b, 0, 0.1, nninit.WithGenerator(g))
	default:
		var v float64
		if _, err := fmt.Sscanf(name, "%g", &v); err != nil {
			panic(fmt.Sprintf("unknown bias init %q", name))
		}
		nninit.Constant(b, v)
	}
}

// lossFunc maps a prediction and a target to a scalar loss.
type lossFunc func(pred, target *tensor.Tensor) *tensor.Tensor

func mse(pred, target *tensor.Tensor) *tensor.Tensor { return nn.MSELoss(pred, target) }

func crossEntropy(logits, target *tensor.Tensor) *tensor.Tensor {
	return nn.CrossEntropyLoss(logits, target)
}

// trainConfig describes a training run.
type trainConfig struct {
	steps   int
	lr      float64
	opt     string // "sgd" or "adam"
	batch   int    // 0 = full batch
	every   int    // record the loss every `every` steps (0 = every step)
	onStep  func(step int)
	maxLoss float64 // a loss above this counts as diverged (0 = only NaN/Inf)
}

// trainResult is what train returns.
type trainResult struct {
	losses        []float64 // recorded losses
	steps         []float64 // their step numbers
	final         float64
	diverged      bool
	divergedStep  int
	divergedValue float64
}

func newOptimizer(name string, params []*tensor.Tensor, lr float64) optim.Optimizer {
	switch name {
	case "adam":
		return optim.NewAdam(params, optim.LR(lr))
	default:
		return optim.NewSGD(params, optim.LR(lr))
	}
}

// train optimizes model on (x, y), minibatches drawn from g in order, and
// records the training loss. A NaN or infinite loss stops training and is
// reported as divergence at that step.
func train(ctx context.Context, model nn.Module, x, y *tensor.Tensor, loss lossFunc, c trainConfig, g *rng.Generator) (trainResult, error) {
	opt := newOptimizer(c.opt, nn.Parameters(model), c.lr)
	n := x.Size(0)
	var r trainResult
	var perm []int64
	pos := n
	for step := 0; step < c.steps; step++ {
		if step%16 == 0 && ctx.Err() != nil {
			return r, ctx.Err()
		}
		bx, by := x, y
		if c.batch > 0 && c.batch < n {
			if pos+c.batch > n {
				perm, pos = g.Randperm(n), 0
			}
			idx := tensor.FromInt64(perm[pos : pos+c.batch])
			bx, by = x.IndexSelect(0, idx), y.IndexSelect(0, idx)
			pos += c.batch
		}
		opt.ZeroGrad()
		l := loss(model.Forward(bx), by)
		v := l.Item()
		if math.IsNaN(v) || math.IsInf(v, 0) || (c.maxLoss > 0 && v > c.maxLoss) {
			r.diverged, r.divergedStep, r.divergedValue = true, step, v
			r.losses = append(r.losses, v)
			r.steps = append(r.steps, float64(step))
			r.final = v
			return r, nil
		}
		if c.every <= 1 || step%c.every == 0 || step == c.steps-1 {
			r.losses = append(r.losses, v)
			r.steps = append(r.steps, float64(step))
		}
		r.final = v
		l.Backward()
		opt.Step()
		if c.onStep != nil {
			c.onStep(step)
		}
	}
	return r, nil
}

// evalLoss computes loss(model(x), y) without recording a graph.
func evalLoss(model nn.Module, x, y *tensor.Tensor, loss lossFunc) float64 {
	var v float64
	tensor.NoGrad(func() { v = loss(model.Forward(x), y).Item() })
	return v
}

// accuracy returns the share of rows of logits whose argmax equals y.
func accuracy(model nn.Module, x, y *tensor.Tensor) float64 {
	var acc float64
	tensor.NoGrad(func() {
		pred := model.Forward(x).Argmax(1, false)
		acc = pred.Eq(y).Float().Mean().Item()
	})
	return acc
}

// record copies a train result into a trial result.
func record(res *lab.TrialResult, tr trainResult, series string) {
	res.Series[series] = tr.losses
	res.Series[series+"_step"] = tr.steps
	if tr.diverged {
		res.Diverged, res.DivergedStep, res.DivergedValue = true, tr.divergedStep, tr.divergedValue
	}
}

// variantGrid builds variants from the product of named value lists, in
// the given order: key "a=1,b=x", label "a=1 b=x".
func variantGrid(dims ...[2]any) []lab.Variant {
	vs := []lab.Variant{{Params: map[string]string{}}}
	for _, d := range dims {
		name := d[0].(string)
		vals := d[1].([]string)
		var next []lab.Variant
		for _, v := range vs {
			for _, x := range vals {
				p := map[string]string{}
				for k, y := range v.Params {
					p[k] = y
				}
				p[name] = x
				key := v.Key
				label := v.Label
				if key != "" {
					key += ","
					label += " "
				}
				next = append(next, lab.Variant{Key: key + name + "=" + x, Label: label + name + "=" + x, Params: p})
			}
		}
		vs = next
	}
	return vs
}

func floatStrings(xs []float64) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = trimFloat(x)
	}
	return out
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
