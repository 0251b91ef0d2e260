// Package lab runs the experiments of intercept's lab: each one tests a
// claim of the document "Bias in neural networks" (or of the literature it
// leans on) by training small networks over several seeds, and ends with a
// verdict that compares the measurement with the claim.
//
// An Experiment declares its parameters with defaults, the variants it
// compares (each built with NewVariant from a typed Condition, which its
// Run and Analyze functions read back), a Run function that runs one
// variant with one seed and returns scalars and series, and an Analyze
// function that turns the aggregated results into tables, plots and a
// verdict. The Runner runs the trials in parallel with a fixed,
// seed-derived random stream per trial, so results are identical at any
// GOMAXPROCS; it writes every finished trial atomically, skips finished
// trials when resumed, records diverging runs as diverged, and stops
// cleanly on cancellation.
//
// Every command of the lab goes through one pipeline: plan (NewPlans),
// run (Runner.Run) or load (Load, Merge), analyze and write (Report).
package lab

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/intercept-ml/intercept/rng"
)

// Param is a parameter of an experiment, settable with --set name=value.
type Param struct {
	Name    string // as written in --set and results.json, e.g. "steps"
	Default string // the value used by `intercept lab`
	Quick   string // the value used by `intercept lab --quick` ("" = Default)
	Help    string // one line for `intercept list`
	Kind    Kind   // how the value is parsed
	// Min and Max bound an Int, Float or Floats parameter (every number of
	// a Floats list): a value outside [Min, Max], NaN or infinite is
	// refused before any trial runs. Every numeric parameter declares its
	// range (Max > Min); String and Strings parameters are checked by the
	// experiment's Variants.
	Min, Max float64
}

// Range spells the parameter's valid range, e.g. "an integer in [1, 4096]".
func (p Param) Range() string {
	switch p.Kind {
	case Int, Float, Floats:
		if !(p.Max > p.Min) {
			return "a finite number"
		}
	}
	switch p.Kind {
	case Int:
		return fmt.Sprintf("an integer in [%s, %s]", fmtBound(p.Min), fmtBound(p.Max))
	case Float:
		return fmt.Sprintf("a finite number in [%s, %s]", fmtBound(p.Min), fmtBound(p.Max))
	case Floats:
		return fmt.Sprintf("a comma-separated list of finite numbers in [%s, %s]", fmtBound(p.Min), fmtBound(p.Max))
	}
	return "a non-empty value"
}

func fmtBound(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

// Kind is the type of a parameter's value.
type Kind int

// Parameter kinds.
const (
	Int Kind = iota
	Float
	Floats // comma-separated list of numbers
	String
	Strings // comma-separated list of words
)

// String names the kind as `intercept list` shows it.
func (k Kind) String() string {
	return [...]string{"int", "float", "list of floats", "string", "list of strings"}[k]
}

// Config holds the resolved parameter values of one run of an experiment.
type Config struct {
	values map[string]string
	// Data is the --data source ("" for the experiment's embedded default).
	Data string
}

// Int returns an Int parameter.
func (c Config) Int(name string) int {
	v, err := strconv.Atoi(c.values[name])
	if err != nil {
		panic(fmt.Sprintf("lab: parameter %s is not an int: %q", name, c.values[name]))
	}
	return v
}

// Float returns a Float parameter.
func (c Config) Float(name string) float64 {
	v, err := strconv.ParseFloat(c.values[name], 64)
	if err != nil {
		panic(fmt.Sprintf("lab: parameter %s is not a number: %q", name, c.values[name]))
	}
	return v
}

// Floats returns a Floats parameter.
func (c Config) Floats(name string) []float64 {
	out, err := parseFloats(c.values[name])
	if err != nil {
		panic(fmt.Sprintf("lab: parameter %s: %v", name, err))
	}
	return out
}

// String returns a String parameter.
func (c Config) String(name string) string { return c.values[name] }

// Strings returns a Strings parameter.
func (c Config) Strings(name string) []string {
	var out []string
	for _, s := range strings.Split(c.values[name], ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Values returns the parameter values, sorted by name, as "name=value".
func (c Config) Values() []string {
	var out []string
	for k, v := range c.values {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

func parseFloats(s string) ([]float64, error) {
	var out []float64
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		v, err := strconv.ParseFloat(f, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a number", f)
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("empty list")
	}
	return out, nil
}

// Variant is one condition an experiment compares (for example "bias on,
// offset 4"). Make one with [NewVariant] from the experiment's typed
// [Condition]. Its Key must be unique within the experiment and stable: it
// names the trial directories.
type Variant struct {
	Key    string            // e.g. "act=relu,bias=off"; names the trial directories
	Label  string            // shown in tables and legends
	Params map[string]string // Cond's settings, recorded in results.json
	// Cond is the experiment's typed description of the variant, which
	// Run and Analyze read (t.Variant.Cond.(myCondition)). It is not stored:
	// a loaded run gets it back from the experiment's Variants (see Load).
	Cond Condition `json:"-"`
}

// Setting is one name=value pair that sets a variant apart, such as
// bias=on or offset=4.
type Setting struct{ Name, Value string }

// Set returns the Setting name=value.
func Set(name, value string) Setting { return Setting{Name: name, Value: value} }

// A Condition is an experiment's typed description of one variant: usually
// a small struct of the values that set it apart (bias on or off, a target
// offset, an initialization). Settings spells it as name=value pairs in the
// order of the variant's key; they name the trial directories and are what
// results.json and metrics.parquet record, so they must be stable.
type Condition interface {
	Settings() []Setting
}

// NewVariant returns the variant of condition c: Key "a=1,b=x", Label
// "a=1 b=x", Params the same pairs and Cond c.
func NewVariant(c Condition) Variant {
	v := Variant{Params: map[string]string{}, Cond: c}
	for i, s := range c.Settings() {
		if i > 0 {
			v.Key += ","
			v.Label += " "
		}
		v.Key += s.Name + "=" + s.Value
		v.Label += s.Name + "=" + s.Value
		v.Params[s.Name] = s.Value
	}
	return v
}

// Trial is one run of a variant with one seed.
type Trial struct {
	Experiment string  // the experiment's Name
	Variant    Variant // the condition to run
	Seed       uint64  // the seed Gen was seeded with
	Config     Config  // the resolved parameters
	// Gen is the trial's own generator, seeded from the seed; every random
	// draw of the trial must come from it (never from rng.Default()), so
	// parallel trials cannot disturb each other.
	Gen *rng.Generator
	// Log, if not nil, takes the trial's training curves and parameter
	// histograms (Runner.NewLog); give it to a train.Trainer's Log. It must
	// not change what the trial computes.
	Log Logger
}

// TrialResult is what a trial measured.
type TrialResult struct {
	Scalars map[string]float64   `json:"scalars"`          // one number per quantity (final loss, accuracy, ...)
	Series  map[string][]float64 `json:"series,omitempty"` // per-step or per-layer curves
	// Diverged is set when the loss became NaN or infinite; Step and Value
	// say where. A diverged trial is a result, not an error.
	Diverged      bool    `json:"diverged,omitempty"`
	DivergedStep  int     `json:"diverged_step,omitempty"`  // the step whose loss was not finite
	DivergedValue float64 `json:"diverged_value,omitempty"` // that loss
}

// NewResult returns an empty TrialResult.
func NewResult() *TrialResult {
	return &TrialResult{Scalars: map[string]float64{}, Series: map[string][]float64{}}
}

// Experiment is one study of the lab.
type Experiment struct {
	Name   string // command-line name, e.g. "bias-vs-nobias"
	Title  string // the report's heading
	Claim  string // the claim under test, quoted or paraphrased from its source
	Source string // where the claim comes from
	// Group is the report section the experiment belongs to: Claims (the
	// document's claims) or Literature (published results on bias and
	// initialization). `intercept list` shows it and `intercept run GROUP`
	// runs a whole group.
	Group  Group
	Params []Param // every parameter, with defaults
	// Variants lists the conditions to compare under cfg, each with its
	// Cond set (build them with NewVariant).
	Variants func(cfg Config) ([]Variant, error)
	// Run runs one trial. It should check ctx between training steps and
	// return ctx.Err() when cancelled.
	Run func(ctx context.Context, t Trial) (*TrialResult, error)
	// Analyze turns the aggregated results into the report's content.
	Analyze func(r *ExperimentResult) Analysis
	// Memory, if set, estimates the bytes one trial needs under cfg
	// (parameters, gradients, optimizer state, activations and data), so
	// that NewPlans can refuse a run that cannot fit before it starts.
	Memory func(cfg Config) int64
}

// Group names a section of the lab's report.
type Group string

// The lab's groups, in the order of the report.
const (
	// Claims holds the experiments that test the document's own claims.
	Claims Group = "claims"
	// Literature holds the experiments that measure published results on
	// bias and initialization.
	Literature Group = "literature"
)

// Title is the group's heading in the report and in `intercept list`.
func (g Group) Title() string {
	switch g {
	case Claims:
		return "The document's claims"
	case Literature:
		return "The literature"
	}
	return string(g)
}

// Resolve builds a Config from the defaults (or quick values) and the
// given overrides, validating names and values.
func (e *Experiment) Resolve(quick bool, overrides map[string]string, data string) (Config, error) {
	c := Config{values: map[string]string{}, Data: data}
	known := map[string]Param{}
	for _, p := range e.Params {
		v := p.Default
		if quick && p.Quick != "" {
			v = p.Quick
		}
		c.values[p.Name] = v
		known[p.Name] = p
	}
	keys := make([]string, 0, len(overrides))
	for k := range overrides {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		p, ok := known[k]
		if !ok {
			return c, fmt.Errorf("experiment %s has no parameter %q (it has: %s)", e.Name, k, e.paramNames())
		}
		if err := checkValue(p, overrides[k]); err != nil {
			return c, fmt.Errorf("--set %s=%s: %v", k, overrides[k], err)
		}
		c.values[k] = overrides[k]
	}
	return c, nil
}

func (e *Experiment) paramNames() string {
	var n []string
	for _, p := range e.Params {
		n = append(n, p.Name)
	}
	return strings.Join(n, ", ")
}

func checkValue(p Param, v string) error {
	inRange := func(x float64) bool {
		return !math.IsNaN(x) && !math.IsInf(x, 0) && (p.Max <= p.Min || x >= p.Min && x <= p.Max)
	}
	switch p.Kind {
	case Int:
		x, err := strconv.Atoi(v)
		if err != nil || !inRange(float64(x)) {
			return fmt.Errorf("%s must be %s", p.Name, p.Range())
		}
	case Float:
		x, err := strconv.ParseFloat(v, 64)
		if err != nil || !inRange(x) {
			return fmt.Errorf("%s must be %s", p.Name, p.Range())
		}
	case Floats:
		xs, err := parseFloats(v)
		if err != nil {
			return fmt.Errorf("%s must be %s: %v", p.Name, p.Range(), err)
		}
		for _, x := range xs {
			if !inRange(x) {
				return fmt.Errorf("%s must be %s: %s is not", p.Name, p.Range(), fmtBound(x))
			}
		}
	case String, Strings:
		if strings.TrimSpace(v) == "" {
			return fmt.Errorf("%s must not be empty", p.Name)
		}
	}
	return nil
}

// Registry holds the experiments by name, in registration order.
type Registry struct {
	list []*Experiment
}

// Register adds an experiment; it panics on a duplicate name and on an
// Int, Float or Floats parameter without a declared range (Max > Min).
func (r *Registry) Register(e *Experiment) {
	if r.Get(e.Name) != nil {
		panic("lab: duplicate experiment " + e.Name)
	}
	for _, p := range e.Params {
		if (p.Kind == Int || p.Kind == Float || p.Kind == Floats) && !(p.Max > p.Min) {
			panic(fmt.Sprintf("lab: parameter %s of experiment %s declares no range (set Min and Max)", p.Name, e.Name))
		}
	}
	r.list = append(r.list, e)
}

// Get returns the experiment with the given name, or nil.
func (r *Registry) Get(name string) *Experiment {
	for _, e := range r.list {
		if e.Name == name {
			return e
		}
	}
	return nil
}

// All returns the experiments in registration order.
func (r *Registry) All() []*Experiment { return append([]*Experiment(nil), r.list...) }

// Names returns the experiment names in registration order.
func (r *Registry) Names() []string {
	var n []string
	for _, e := range r.list {
		n = append(n, e.Name)
	}
	return n
}
