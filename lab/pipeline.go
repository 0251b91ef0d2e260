package lab

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
)

// The pipeline. Every command of the lab is one path through the same four
// steps:
//
//	plan      NewPlans (a new run), or Plans (the plans of a finished run)
//	run/load  Runner.Run (run the missing trials), Load (a finished run) or
//	          Merge (the shards of a sweep)
//	analyze   Analyze
//	write     WriteReport
//
// Report performs the last two.

// PlanOptions are the choices of a new run.
type PlanOptions struct {
	Quick     bool              // use the parameters' Quick values
	Overrides map[string]string // --set name=value, validated against each experiment
	Data      string            // the --data source, "" for the embedded default
	Seeds     []uint64          // one trial per variant and seed
}

// PlanError is a plan that cannot be run: an unknown parameter, a bad
// value, variants that cannot be built. It is the user's to fix.
type PlanError struct{ Err error }

func (e *PlanError) Error() string { return e.Err.Error() }
func (e *PlanError) Unwrap() error { return e.Err }

// NewPlans is the plan step of a new run: it resolves every experiment's
// parameters from o and builds its variants once, so that a bad --set fails
// before any trial runs. Its errors are *PlanError.
func NewPlans(exps []*Experiment, o PlanOptions) ([]Plan, error) {
	var plans []Plan
	for _, e := range exps {
		cfg, err := e.Resolve(o.Quick, o.Overrides, o.Data)
		if err != nil {
			return nil, &PlanError{err}
		}
		if _, err := e.Variants(cfg); err != nil {
			return nil, &PlanError{fmt.Errorf("%s: %w", e.Name, err)}
		}
		plans = append(plans, Plan{Exp: e, Config: cfg, Seeds: slices.Clone(o.Seeds)})
	}
	return plans, nil
}

// Load is the load step of a finished run: it reads dir/results.json and
// gives back what the file does not store, each result's Resolved config and
// each variant's typed Cond, rebuilt from the experiment's definition in
// reg. Experiments unknown to reg, and variants their experiment no longer
// defines, are left as read (Analyze says so in their verdict).
func Load(reg *Registry, dir string) (*Results, error) {
	res, err := ReadResults(filepath.Join(dir, "results.json"))
	if err != nil {
		return nil, err
	}
	for _, r := range res.Experiments {
		e := reg.Get(r.Name)
		if e == nil {
			continue
		}
		cfg, err := resolveRecorded(e, r)
		if err != nil {
			continue
		}
		r.Resolved = cfg
		variants, err := e.Variants(cfg)
		if err != nil {
			continue
		}
		for _, v := range r.Variants {
			for _, d := range variants {
				if d.Key == v.Key {
					v.Cond = d.Cond
				}
			}
		}
	}
	return res, nil
}

// Merge is the load step of a sweep run in shards (Runner.Shard): it checks
// that the run directories srcs hold shards of one sweep (same experiments,
// parameters, data and seeds), copies their finished trials into dst
// (MergeTrials) and aggregates them as one machine would have. It returns
// the results, the first shard's RunInfo and the number of trials copied.
// A source that is not a run directory, or that belongs to another sweep,
// is a *PlanError.
func Merge(reg *Registry, dst string, srcs []string) (results []*ExperimentResult, first RunInfo, copied int, err error) {
	var plans []Plan
	for i, src := range srcs {
		res, err := ReadResults(filepath.Join(src, "results.json"))
		if err != nil {
			return nil, first, 0, &PlanError{fmt.Errorf("%s is not a run directory: %w", src, err)}
		}
		p, err := Plans(reg, res)
		if err != nil {
			return nil, first, 0, fmt.Errorf("%s: %w", src, err)
		}
		if i == 0 {
			first, plans = res.Run, p
			continue
		}
		if !samePlans(plans, p) {
			return nil, first, 0, &PlanError{fmt.Errorf("%s was run with other experiments, parameters, data or seeds than %s: only shards of one sweep can be merged", src, srcs[0])}
		}
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return nil, first, 0, fmt.Errorf("creating the run directory: %w", err)
	}
	copied, err = MergeTrials(dst, srcs)
	if err != nil {
		return nil, first, copied, err
	}
	results, err = (&Runner{Dir: dst, LoadOnly: true}).Run(context.Background(), plans)
	return results, first, copied, err
}

// samePlans reports whether two runs have the same experiments, parameters,
// data and seeds.
func samePlans(a, b []Plan) bool {
	return slices.EqualFunc(a, b, func(x, y Plan) bool {
		return x.Exp.Name == y.Exp.Name && x.Config.Data == y.Config.Data &&
			slices.Equal(x.Config.Values(), y.Config.Values()) && slices.Equal(x.Seeds, y.Seeds)
	})
}

// Report is the analyze and write steps: it analyzes res's experiments with
// their definitions in reg (Analyze) and writes report.html, results.json,
// metrics.csv and the plots into dir (WriteReport).
func Report(reg *Registry, dir string, res *Results) error {
	Analyze(reg, res.Experiments)
	if err := WriteReport(dir, res); err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	return nil
}

// Missing returns the number of trials of results that have no record
// (neither a result nor an error): an interrupted run, or a shard missing
// from a merge.
func Missing(results []*ExperimentResult) int {
	n := 0
	for _, r := range results {
		for _, v := range r.Variants {
			n += len(r.Seeds) - len(v.Trials)
		}
	}
	return n
}

// resolveRecorded rebuilds the Config a result was run with.
func resolveRecorded(e *Experiment, r *ExperimentResult) (Config, error) {
	over, err := recordedOverrides(r)
	if err != nil {
		return Config{}, err
	}
	return e.Resolve(false, over, r.Data)
}
