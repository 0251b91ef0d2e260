// Package stats records, layer by layer and step by step, the statistics
// one looks at to judge an initialization or a training run: the mean and
// standard deviation of each layer's activations and of the gradients
// w.r.t. them, of its weight and bias and of their gradients, the
// update-to-weight ratio (Karpathy's rule of thumb: about 1e-3), the share
// of dead ReLU units and of saturated tanh and sigmoid outputs.
//
// A Recorder attaches to any model with nn's module hooks (every layer of
// package nn, and any module following the pattern of nn's documentation,
// Hooks), so the model's code does not change:
//
//	rec := stats.Attach(model)
//	defer rec.Close()
//	for step := range steps {
//		... zero the gradients, forward, backward, optimizer step ...
//		s := rec.Step() // this step's figures; rec.Steps() keeps them all
//	}
//	stats.WriteTable(os.Stdout, rec.Steps()[0])
//	rec.WriteJSONL(file)
//
// Only the leaf modules (those without sub-modules) are recorded, under
// their names in the model. Attach with Only to record some families of
// figures (each costs a pass over the tensors it reads), DeadWindow to
// count dead units over several batches, Samples to keep values for
// histograms.
//
// The figures are those PyTorch gives for the same model with hooks (see
// nn/testdata/gen_hooks.py): means and population standard deviations
// (correction 0) computed by package tensor, in the tensor's own type.
// Plots (std per layer over depth and over steps) are drawn by the lab
// (lab.StatsPlots), which keeps plotting libraries out of this package.
package stats

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"reflect"
	"strings"
	"sync"
	"text/tabwriter"

	"github.com/intercept-ml/intercept/nn"
	"github.com/intercept-ml/intercept/tensor"
)

// Moments are the mean and population standard deviation of N values; N
// is 0 when nothing was recorded.
type Moments struct {
	Mean, Std float64
	N         int
}

// ParamStats are the figures of one parameter of a layer in one step.
type ParamStats struct {
	Name string // "weight", "bias"
	// Value are the moments of the values the step's forward used (before
	// the optimizer's update), Grad those of the gradient after Backward.
	Value, Grad Moments
	// UpdateRatio is std(after − before) / std(before) over the step (0
	// when no update happened between two Steps).
	UpdateRatio float64
}

// LayerStats are the figures of one layer in one step.
type LayerStats struct {
	Name string // dotted name in the model, as nn.NamedModules gives it
	Type string // Go type name: "Linear", "ReLU"
	// Act are the moments of the layer's output in the step's last
	// forward, Grad those of the gradient w.r.t. that output in the step's
	// last backward.
	Act, Grad Moments
	// ActSample and GradSample hold up to Samples(n) values of the output
	// and of its gradient, spread evenly over the elements.
	ActSample, GradSample []float64
	Params                []ParamStats
	// For a ReLU: Units is the number of its units (the elements of one
	// example's output) and DeadUnits the number of those that were never
	// positive over the last DeadWindow batches; DeadShare their ratio.
	DeadUnits, Units int
	DeadShare        float64
	// For a Tanh (|y| > 0.99) or a Sigmoid (y < 0.01 or y > 0.99): the
	// share of the last forward's outputs in saturation, and Saturable is
	// set.
	Saturated float64
	Saturable bool
}

// Param returns the figures of the parameter name, or nil.
func (l *LayerStats) Param(name string) *ParamStats {
	for i := range l.Params {
		if l.Params[i].Name == name {
			return &l.Params[i]
		}
	}
	return nil
}

// StepStats are the figures of every recorded layer in one step.
type StepStats struct {
	Step   int
	Layers []LayerStats
}

// Layer returns the figures of the layer name, or nil.
func (s *StepStats) Layer(name string) *LayerStats {
	for i := range s.Layers {
		if s.Layers[i].Name == name {
			return &s.Layers[i]
		}
	}
	return nil
}

// Option configures Attach.
type Option interface{ apply(*config) }

type config struct {
	window  int
	samples int
	figures Figure
}

// Figure selects a family of figures to record (see Only).
type Figure uint8

// The families of figures. Each costs a pass over the tensors it reads
// (the activations' moments one per layer and forward, say), so a caller
// that needs a few can skip the others.
const (
	// Activations: the moments of each layer's output (LayerStats.Act,
	// and ActSample with Samples).
	Activations Figure = 1 << iota
	// Gradients: the moments of the gradient w.r.t. each layer's output
	// (LayerStats.Grad, GradSample).
	Gradients
	// Parameters: each parameter's value and gradient moments and update
	// ratio (LayerStats.Params); it keeps a copy of the parameters.
	Parameters
	// DeadUnits: the dead units of ReLU layers.
	DeadUnits
	// Saturation: the saturated share of Tanh and Sigmoid outputs.
	Saturation

	allFigures = Activations | Gradients | Parameters | DeadUnits | Saturation
)

// Only records the given families of figures and no others (all by
// default).
func Only(figures ...Figure) Option {
	var f Figure
	for _, x := range figures {
		f |= x
	}
	return optionFunc(func(c *config) { c.figures = f })
}

func (c *config) has(f Figure) bool { return c.figures&f != 0 }

type optionFunc func(*config)

func (f optionFunc) apply(c *config) { f(c) }

// DeadWindow sets the number of batches (forwards) over which a ReLU unit
// must stay non-positive to count as dead; the default is 1, the step's
// last batch.
func DeadWindow(batches int) Option {
	if batches < 1 {
		panic(fmt.Sprintf("stats.DeadWindow: %d batches", batches))
	}
	return optionFunc(func(c *config) { c.window = batches })
}

// Samples keeps up to n values of each layer's output and of its gradient
// in every step (LayerStats.ActSample, GradSample), for histograms.
func Samples(n int) Option {
	return optionFunc(func(c *config) { c.samples = n })
}

// layer is a recorded module.
type layer struct {
	name, typ string
	module    any
	params    []nn.Named
	prev      []*tensor.Tensor // parameter values at the last Step
	kind      int              // kindReLU, kindTanh, kindSigmoid or 0
	alive     [][]bool         // per batch of the window: units seen positive
	cur       LayerStats
}

const (
	kindReLU = iota + 1
	kindTanh
	kindSigmoid
)

// Recorder records the statistics of a model's layers; see Attach.
type Recorder struct {
	mu      sync.Mutex
	cfg     config
	layers  []*layer
	handles []*nn.HookHandle
	steps   []StepStats
}

// Attach registers hooks on every leaf module of model (those without
// sub-modules, in nn.NamedModules order) and returns the recorder; Close
// removes them. The figures of a step are gathered from the forwards and
// backwards run until Step is called.
func Attach(model any, opts ...Option) *Recorder {
	r := &Recorder{cfg: config{window: 1, figures: allFigures}}
	for _, o := range opts {
		o.apply(&r.cfg)
	}
	mods := nn.NamedModules(model)
	seen := map[any]bool{}
	for i, nm := range mods {
		if i+1 < len(mods) && strings.HasPrefix(mods[i+1].Name, prefixOf(nm.Name)) {
			continue // has sub-modules
		}
		v := reflect.ValueOf(nm.Module)
		if v.Kind() != reflect.Pointer || v.IsNil() || seen[nm.Module] {
			continue
		}
		seen[nm.Module] = true
		l := &layer{name: nm.Name, typ: v.Elem().Type().Name(), module: nm.Module}
		if r.cfg.has(Parameters) {
			l.params = nn.NamedParameters(nm.Module)
		}
		switch nm.Module.(type) {
		case *nn.ReLU:
			if r.cfg.has(DeadUnits) {
				l.kind = kindReLU
			}
		case *nn.Tanh:
			if r.cfg.has(Saturation) {
				l.kind = kindTanh
			}
		case *nn.Sigmoid:
			if r.cfg.has(Saturation) {
				l.kind = kindSigmoid
			}
		}
		l.snapshot()
		r.layers = append(r.layers, l)
		if r.cfg.has(Activations) || l.kind != 0 {
			r.handles = append(r.handles, nn.RegisterForwardHook(nm.Module, func(_ any, _, out []*tensor.Tensor) []*tensor.Tensor {
				r.forward(l, out)
				return nil
			}))
		}
		if r.cfg.has(Gradients) {
			r.handles = append(r.handles, nn.RegisterFullBackwardHook(nm.Module, func(_ any, _, gradOut []*tensor.Tensor) []*tensor.Tensor {
				r.backward(l, gradOut)
				return nil
			}))
		}
	}
	return r
}

func prefixOf(name string) string {
	if name == "" {
		return ""
	}
	return name + "."
}

// Close removes the recorder's hooks; the recorded steps stay.
func (r *Recorder) Close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, h := range r.handles {
		h.Remove()
	}
	r.handles = nil
}

// snapshot keeps the current values of l's parameters.
func (l *layer) snapshot() {
	l.prev = l.prev[:0]
	tensor.NoGrad(func() {
		for _, p := range l.params {
			l.prev = append(l.prev, p.Tensor.Detach().Clone())
		}
	})
}

// moments computes the mean and population std of t as package tensor
// does, in t's type.
func moments(t *tensor.Tensor) Moments {
	var m Moments
	tensor.NoGrad(func() {
		d := t.Detach()
		m = Moments{Mean: d.Mean().Item(), Std: d.StdCorrection(0, false).Item(), N: d.Numel()}
	})
	return m
}

// sample returns up to n values of t spread evenly over its elements.
func sample(t *tensor.Tensor, n int) []float64 {
	v := t.Float64s()
	if len(v) <= n {
		return v
	}
	out := make([]float64, n)
	for i := range out {
		out[i] = v[i*len(v)/n]
	}
	return out
}

func (r *Recorder) forward(l *layer, out []*tensor.Tensor) {
	if len(out) == 0 || out[0] == nil || !out[0].DType().IsFloat() {
		return
	}
	y := out[0]
	var st Moments
	var smp []float64
	if r.cfg.has(Activations) {
		st = moments(y)
		if r.cfg.samples > 0 {
			smp = sample(y, r.cfg.samples)
		}
	}
	var alive []bool
	var saturated float64
	switch l.kind {
	case kindReLU:
		alive = aliveUnits(y)
	case kindTanh:
		saturated = share(y, func(v float64) bool { return math.Abs(v) > 0.99 })
	case kindSigmoid:
		saturated = share(y, func(v float64) bool { return v < 0.01 || v > 0.99 })
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	l.cur.Act, l.cur.ActSample = st, smp
	if l.kind == kindReLU {
		l.alive = append(l.alive, alive)
		if len(l.alive) > r.cfg.window {
			l.alive = l.alive[len(l.alive)-r.cfg.window:]
		}
	}
	if l.kind == kindTanh || l.kind == kindSigmoid {
		l.cur.Saturated, l.cur.Saturable = saturated, true
	}
}

func (r *Recorder) backward(l *layer, gradOut []*tensor.Tensor) {
	if len(gradOut) == 0 || gradOut[0] == nil {
		return
	}
	st := moments(gradOut[0])
	var smp []float64
	if r.cfg.samples > 0 {
		smp = sample(gradOut[0], r.cfg.samples)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	l.cur.Grad, l.cur.GradSample = st, smp
}

// aliveUnits reports, per unit (element of one example's output; all of y
// for a 0- or 1-dimensional y), whether some example gave it a positive
// value (NaN is not positive).
func aliveUnits(y *tensor.Tensor) []bool {
	rows := 1
	if y.Dim() > 1 {
		rows = y.Size(0)
	}
	cols := y.Numel() / max(rows, 1)
	alive := make([]bool, cols)
	if y.DType() == tensor.Float64 {
		markAlive(y.Float64sShared(), rows, cols, alive)
	} else {
		markAlive(y.To(tensor.Float32).Float32sShared(), rows, cols, alive)
	}
	return alive
}

func markAlive[T float32 | float64](v []T, rows, cols int, alive []bool) {
	for r := range rows {
		for j, x := range v[r*cols : (r+1)*cols] {
			if x > 0 {
				alive[j] = true
			}
		}
	}
}

// share returns the share of t's elements for which f holds, computed in
// t's type.
func share(t *tensor.Tensor, f func(float64) bool) float64 {
	n := 0
	var c int
	if t.DType() == tensor.Float64 {
		for _, v := range t.Float64sShared() {
			if f(v) {
				c++
			}
			n++
		}
	} else {
		for _, v := range t.To(tensor.Float32).Float32sShared() {
			if f(float64(v)) {
				c++
			}
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return float64(c) / float64(n)
}

// Step closes the current step: it adds the parameters' figures (values
// as the step's forward used them, gradients, update ratios), keeps the
// step and returns it. Call it after the optimizer's step (or after
// Backward when there is none).
func (r *Recorder) Step() StepStats {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := StepStats{Step: len(r.steps)}
	for _, l := range r.layers {
		ls := l.cur
		ls.Name, ls.Type = l.name, l.typ
		if l.kind == kindReLU && len(l.alive) > 0 {
			ls.Units = len(l.alive[0])
			for j := 0; j < ls.Units; j++ {
				dead := true
				for _, a := range l.alive {
					if j < len(a) && a[j] {
						dead = false
						break
					}
				}
				if dead {
					ls.DeadUnits++
				}
			}
			if ls.Units > 0 {
				ls.DeadShare = float64(ls.DeadUnits) / float64(ls.Units)
			}
		}
		for i, p := range l.params {
			name := p.Name
			ps := ParamStats{Name: name, Value: moments(l.prev[i])}
			if p.Tensor.Grad != nil {
				ps.Grad = moments(p.Tensor.Grad)
			}
			tensor.NoGrad(func() {
				d := tensor.Sub(p.Tensor.Detach(), l.prev[i])
				ps.UpdateRatio = d.StdCorrection(0, false).Item() / ps.Value.Std
			})
			if math.IsNaN(ps.UpdateRatio) {
				ps.UpdateRatio = 0
			}
			ls.Params = append(ls.Params, ps)
		}
		l.snapshot()
		l.cur = LayerStats{}
		s.Layers = append(s.Layers, ls)
	}
	r.steps = append(r.steps, s)
	return s
}

// Steps returns every step recorded so far.
func (r *Recorder) Steps() []StepStats {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]StepStats(nil), r.steps...)
}

// Rows returns a step's figures as flat records, one per layer, with keys
// such as "act_std", "grad_std", "weight_std", "weight_grad_std",
// "weight_update_ratio", "dead_share" and "saturated_share" (a figure
// that was not recorded is absent).
func (s StepStats) Rows() []map[string]any {
	var out []map[string]any
	for _, l := range s.Layers {
		row := map[string]any{"step": s.Step, "layer": l.Name, "type": l.Type}
		put := func(key string, m Moments) {
			if m.N > 0 {
				row[key+"_mean"], row[key+"_std"] = finite(m.Mean), finite(m.Std)
			}
		}
		put("act", l.Act)
		put("grad", l.Grad)
		for _, p := range l.Params {
			put(p.Name, p.Value)
			put(p.Name+"_grad", p.Grad)
			row[p.Name+"_update_ratio"] = finite(p.UpdateRatio)
		}
		if l.Units > 0 {
			row["dead_share"], row["dead_units"], row["units"] = l.DeadShare, l.DeadUnits, l.Units
		}
		if l.Saturable {
			row["saturated_share"] = l.Saturated
		}
		out = append(out, row)
	}
	return out
}

// finite returns x, or its name as a string for NaN and ±Inf (which JSON
// cannot hold).
func finite(x float64) any {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return fmt.Sprint(x)
	}
	return x
}

// WriteJSONL writes every recorded step as JSON lines, one per layer and
// step (see StepStats.Rows).
func (r *Recorder) WriteJSONL(w io.Writer) error {
	enc := json.NewEncoder(w)
	for _, s := range r.Steps() {
		for _, row := range s.Rows() {
			if err := enc.Encode(row); err != nil {
				return err
			}
		}
	}
	return nil
}

// WriteTable prints a step's figures as a table, one layer per line:
// activation mean and std, gradient std, weight std, weight-gradient std,
// update ratio, dead ReLU share and saturated share ("-" where a figure
// does not apply).
func WriteTable(w io.Writer, s StepStats) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "layer\ttype\tact mean\tact std\tgrad std\tweight std\tw.grad std\tupdate/w\tbias std\tdead\tsaturated\t")
	g := func(m Moments, f func(Moments) float64) string {
		if m.N == 0 {
			return "-"
		}
		return fmt.Sprintf("%.4g", f(m))
	}
	mean := func(m Moments) float64 { return m.Mean }
	std := func(m Moments) float64 { return m.Std }
	for _, l := range s.Layers {
		var wv, wg, bv Moments
		ratio := "-"
		if p := l.Param("weight"); p != nil {
			wv, wg = p.Value, p.Grad
			if p.UpdateRatio != 0 {
				ratio = fmt.Sprintf("%.3g", p.UpdateRatio)
			}
		}
		if p := l.Param("bias"); p != nil {
			bv = p.Value
		}
		dead, sat := "-", "-"
		if l.Units > 0 {
			dead = fmt.Sprintf("%.1f%%", 100*l.DeadShare)
		}
		if l.Saturable {
			sat = fmt.Sprintf("%.1f%%", 100*l.Saturated)
		}
		name := l.Name
		if name == "" {
			name = "(model)"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", name, l.Type,
			g(l.Act, mean), g(l.Act, std), g(l.Grad, std), g(wv, std), g(wg, std), ratio, g(bv, std), dead, sat)
	}
	return tw.Flush()
}
