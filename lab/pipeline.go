package lab

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
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
	// Workers is the number of trials that will run at once (for the
	// memory estimate; 0 means GOMAXPROCS).
	Workers int
	// MemoryLimit is the memory the run may use, in bytes; 0 means what
	// the system has available (AvailableMemory), negative means no check.
	MemoryLimit int64
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
	if err := checkMemory(plans, o); err != nil {
		return nil, &PlanError{err}
	}
	return plans, nil
}

// checkMemory refuses plans whose trials, Workers at a time, need more
// memory than the limit.
func checkMemory(plans []Plan, o PlanOptions) error {
	limit := o.MemoryLimit
	if limit < 0 {
		return nil
	}
	if limit == 0 {
		if limit = AvailableMemory(); limit <= 0 {
			return nil // unknown: no check
		}
	}
	workers := o.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	for _, p := range plans {
		if p.Exp.Memory == nil {
			continue
		}
		per := p.Exp.Memory(p.Config)
		n := int64(min(workers, max(1, len(p.Seeds))))
		if per > 0 && per*n > limit {
			return fmt.Errorf("%s needs about %s per trial (%s for %d trials at once) but only %s of memory is available: lower its sizes (%s) or --workers",
				p.Exp.Name, fmtBytes(per), fmtBytes(per*n), n, fmtBytes(limit), strings.Join(p.Config.Values(), " "))
		}
	}
	return nil
}

func fmtBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d KiB", n>>10)
}

// AvailableMemory returns the memory this process may still use, in
// bytes: the smaller of the system's available memory (MemAvailable of
// /proc/meminfo) and the Go memory limit (GOMEMLIMIT), or 0 when neither is
// known.
func AvailableMemory() int64 {
	var avail int64
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if rest, ok := strings.CutPrefix(line, "MemAvailable:"); ok {
				f := strings.Fields(rest)
				if len(f) >= 1 {
					if kb, err := strconv.ParseInt(f[0], 10, 64); err == nil {
						avail = kb << 10
					}
				}
			}
		}
	}
	if lim := debug.SetMemoryLimit(-1); lim > 0 && lim < math.MaxInt64 && (avail == 0 || lim < avail) {
		avail = lim
	}
	return avail
}

// Load is the load step of a finished run: it reads dir/results.json and
// gives back what the file does not store: each trial's series (from its
// trial file under dir/trials, for results.json format 2), each result's
// Resolved config and each variant's typed Cond, rebuilt from the
// experiment's definition in reg. Experiments unknown to reg, and variants
// their experiment no longer defines, are left as read (Analyze says so in
// their verdict).
func Load(reg *Registry, dir string) (*Results, error) {
	res, err := ReadResults(filepath.Join(dir, "results.json"))
	if err != nil {
		return nil, err
	}
	if res.Format >= 2 {
		if err := loadSeries(dir, res); err != nil {
			return nil, err
		}
	}
	for _, r := range res.Experiments {
		e := reg.Get(r.Name)
		if e == nil {
			continue
		}
		if r.Group == "" {
			r.Group = e.Group
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

// loadSeries fills each finished trial's series from its trial file.
// A trial whose directory is gone keeps its scalars (the report's tables
// hold) and has no series; a summary that disagrees with results.json's
// scalars is an error naming both files.
func loadSeries(dir string, res *Results) error {
	for _, r := range res.Experiments {
		cfg := Config{values: map[string]string{}, Data: r.Data}
		for _, kv := range r.Config {
			k, v, _ := strings.Cut(kv, "=")
			cfg.values[k] = v
		}
		for _, v := range r.Variants {
			for i := range v.Trials {
				t := &v.Trials[i]
				if t.Result == nil {
					continue
				}
				td := filepath.Join(dir, TrialDir(r.Name, cfg, v.Key, t.Seed))
				tr, err := loadTrial(td)
				if errors.Is(err, fs.ErrNotExist) {
					continue
				}
				if err != nil {
					return err
				}
				for name, x := range t.Result.Scalars {
					if y, ok := tr.Scalars[name]; !ok || math.Float64bits(x) != math.Float64bits(y) {
						return fmt.Errorf("%s: scalar %s is %v there and %v in %s", trialSource(td), name, y, x, filepath.Join(dir, "results.json"))
					}
				}
				t.Result.Series = tr.Series
			}
		}
	}
	return nil
}

// MergeInfo is what Merge found and did.
type MergeInfo struct {
	Results    []*ExperimentResult
	Run        RunInfo  // the first shard's
	Copied     int      // trials copied into the merged directory
	Sources    []string // the run directories merged, each once
	Duplicates []string // directories given again (the same directory, or the same shard of the sweep): merged once
	Missing    int      // trials in no shard
	// Incomplete says why the set is incomplete (shards absent, or trials
	// no shard finished, by directory); "" when it is complete.
	Incomplete string
}

// MergeError is a set of run directories that cannot be merged into a
// report that tells the truth: shards of different sweeps, versions or
// kernels, or (without allowIncomplete) an incomplete set.
type MergeError struct{ Err error }

func (e *MergeError) Error() string { return e.Err.Error() }
func (e *MergeError) Unwrap() error { return e.Err }

// Merge is the load step of a sweep run in shards (Runner.Shard): it checks
// that the run directories srcs hold shards of one sweep (same experiments,
// parameters, data and seeds, written by the same version with the same
// kernel, so their bits agree), counts a directory or shard given twice
// once (reported in Duplicates), copies their finished trials into dst
// (MergeTrials) and aggregates them as one machine would have. An
// incomplete set (a shard absent, or trials no shard finished) is a
// *MergeError naming the directories unless allowIncomplete, and is then
// reported in MergeInfo.Incomplete. Merge never writes dst's report
// (Report does).
func Merge(reg *Registry, dst string, srcs []string, allowIncomplete bool) (*MergeInfo, error) {
	info := &MergeInfo{}
	var plans []Plan
	var first *Results
	seenDir := map[string]string{}
	seenShard := map[string]string{}
	shardOf := map[int]string{} // shard index -> directory
	shards, whole := 0, false
	for _, src := range srcs {
		abs, err := filepath.Abs(src)
		if err != nil {
			abs = filepath.Clean(src)
		}
		if d, ok := seenDir[abs]; ok {
			info.Duplicates = append(info.Duplicates, fmt.Sprintf("%s (given again, as %s)", src, d))
			continue
		}
		seenDir[abs] = src
		res, err := ReadResults(filepath.Join(src, "results.json"))
		if err != nil {
			return info, &MergeError{fmt.Errorf("%s is not a run directory: %w", src, err)}
		}
		p, err := Plans(reg, res)
		if err != nil {
			return info, &MergeError{fmt.Errorf("%s: %w", src, err)}
		}
		if first == nil {
			first, plans = res, p
		} else {
			if !samePlans(plans, p) {
				return info, &MergeError{fmt.Errorf("%s was run with other experiments, parameters, data or seeds than %s: only shards of one sweep can be merged", src, srcs[0])}
			}
			for _, c := range []struct{ what, a, b string }{
				{"intercept version", first.Run.Version, res.Run.Version},
				{"kernel", first.Run.Kernel, res.Run.Kernel},
				{"quick setting", fmt.Sprint(first.Run.Quick), fmt.Sprint(res.Run.Quick)},
			} {
				if c.a != c.b {
					return info, &MergeError{fmt.Errorf("%s was run with %s %s but %s with %s %s: their bits can differ, so they cannot be merged into one report (rerun one of them)", srcs[0], c.what, c.a, src, c.what, c.b)}
				}
			}
		}
		if sh := res.Run.Shard; sh != "" {
			if d, ok := seenShard[sh]; ok {
				info.Duplicates = append(info.Duplicates, fmt.Sprintf("%s (shard %s, as %s)", src, sh, d))
				continue
			}
			i, n, err := ParseShardSpec(sh)
			if err != nil {
				return info, &MergeError{fmt.Errorf("%s: %w", src, err)}
			}
			if shards != 0 && n != shards {
				return info, &MergeError{fmt.Errorf("%s is shard %s but %s is a shard of %d: shards of different splits cannot be merged", src, sh, shardOf[firstKey(shardOf)], shards)}
			}
			shards = n
			seenShard[sh] = src
			shardOf[i] = src
		} else {
			whole = true // a whole run covers every shard
		}
		info.Sources = append(info.Sources, src)
	}
	info.Run = first.Run
	var why []string
	if shards > 0 && !whole {
		var absent []string
		for i := range shards {
			if _, ok := shardOf[i]; !ok {
				absent = append(absent, fmt.Sprintf("%d/%d", i, shards))
			}
		}
		if len(absent) > 0 {
			why = append(why, fmt.Sprintf("shard %s of the sweep is in none of %s", strings.Join(absent, ", "), strings.Join(info.Sources, ", ")))
		}
	}
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return info, fmt.Errorf("creating the run directory: %w", err)
	}
	copied, err := MergeTrials(dst, info.Sources)
	info.Copied = copied
	if err != nil {
		return info, &MergeError{err}
	}
	trials, err := Trials(dst, plans)
	if err != nil {
		return info, err
	}
	unfinished := map[string]int{}
	for _, t := range trials {
		if !t.Done && t.Error == "" {
			info.Missing++
			if shards > 0 {
				if d, ok := shardOf[t.Index%shards]; ok {
					unfinished[d]++
				}
			}
		}
	}
	for _, d := range info.Sources {
		if n := unfinished[d]; n > 0 {
			why = append(why, fmt.Sprintf("%s has %d unfinished trials (continue it with --resume %s)", d, n, d))
		}
	}
	if info.Missing > 0 && len(why) == 0 {
		why = append(why, fmt.Sprintf("%d trials are in none of %s", info.Missing, strings.Join(info.Sources, ", ")))
	}
	if len(why) > 0 {
		info.Incomplete = fmt.Sprintf("incomplete: %d of %d trials are in no shard: %s", info.Missing, len(trials), strings.Join(why, "; "))
		if !allowIncomplete {
			return info, &MergeError{fmt.Errorf("%s (merge the missing shards too, or pass --allow-incomplete to write the partial report on purpose)", info.Incomplete)}
		}
	}
	info.Results, err = (&Runner{Dir: dst, LoadOnly: true}).Run(context.Background(), plans)
	return info, err
}

func firstKey(m map[int]string) int {
	k := -1
	for i := range m {
		if k < 0 || i < k {
			k = i
		}
	}
	return k
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
// metrics.parquet and the plots into dir (WriteReport).
func Report(reg *Registry, dir string, res *Results) error {
	Analyze(reg, res.Experiments)
	if err := WriteReport(dir, res); err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	return nil
}

// Rerender is Report for a finished run read with Load: it analyzes res
// and writes report.html, metrics.parquet and the plots into dir, but never
// rewrites dir/results.json, the file it was read from.
func Rerender(reg *Registry, dir string, res *Results) error {
	Analyze(reg, res.Experiments)
	if err := writeReport(dir, res, false); err != nil {
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
