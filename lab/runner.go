package lab

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"

	"github.com/intercept-ml/intercept/internal/atomicfile"
	"github.com/intercept-ml/intercept/rng"
	"github.com/intercept-ml/intercept/tensor"
)

// Plan is one experiment to run with its configuration and seeds.
type Plan struct {
	Exp    *Experiment // what to run
	Config Config      // its resolved parameters
	Seeds  []uint64    // one trial per variant and seed
}

// Progress receives the runner's progress. Implementations must be safe
// for concurrent use.
type Progress interface {
	Start(total, alreadyDone int)
	TrialDone(exp, variant string, seed uint64, res *TrialResult, err error)
	Finish()
}

// Runner runs plans and stores their trials under Dir.
type Runner struct {
	// Dir is the run directory; trials go to Dir/trials/<exp>/<config hash>/<variant>/seed-<n>.parquet.
	Dir string
	// Workers is the number of trials run at once (default GOMAXPROCS).
	// Results do not depend on it.
	Workers int
	// Progress, if set, is told about every finished trial.
	Progress Progress
	// Shard and Shards split a sweep across processes or machines: with
	// Shards > 1 this runner runs only the trials whose index (in plan,
	// variant, seed order) is Shard modulo Shards. Trials of other shards
	// already present in Dir are still loaded. Merge the shards' run
	// directories with Merge.
	Shard, Shards int
	// LoadOnly makes Run load the finished trials in Dir without running
	// any (used to merge shards).
	LoadOnly bool
	// NewLog, if set, opens a log for every trial that runs, in the
	// directory LogDir gives (under Dir); the trial's Run gets it as
	// Trial.Log, and its measured series and scalars are added when it
	// finishes (`intercept lab --tensorboard` opens tboard.Writers).
	NewLog func(dir string) (TrialLog, error)
}

type job struct {
	plan    *Plan
	variant Variant
	seed    uint64
	dir     string
	out     *TrialRecord
	newLog  func(string) (TrialLog, error)
	logDir  string
	// parked is the trial file of a finished trial whose series were
	// taken out of out.Result until the run ends (see park).
	parked []byte
}

// TrialDir returns the directory of a trial, relative to the run
// directory. The configuration's hash is part of the path, so a resumed run
// with different parameters never mixes in stale trials.
func TrialDir(exp string, cfg Config, variantKey string, seed uint64) string {
	h := sha256.Sum256([]byte(strings.Join(cfg.Values(), "\n") + "\ndata=" + cfg.Data))
	return filepath.Join("trials", exp, hex.EncodeToString(h[:4]), safeName(variantKey), fmt.Sprintf("seed-%d", seed))
}

func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.', r == '=':
			return r
		}
		return '_'
	}, s)
}

// Run runs every trial of the plans that has no stored result yet and
// returns the aggregated results in plan order. Trials already finished in
// Dir (a resumed run) are loaded instead of rerun. When ctx is cancelled,
// Run stops starting trials, abandons the running ones and returns what
// finished together with ctx.Err().
func (r *Runner) Run(ctx context.Context, plans []Plan) ([]*ExperimentResult, error) {
	if r.Shards > 1 && (r.Shard < 0 || r.Shard >= r.Shards) {
		return nil, fmt.Errorf("shard %d of %d: the shard index must be in 0..%d", r.Shard, r.Shards, r.Shards-1)
	}
	var results []*ExperimentResult
	var jobs []*job
	done, index := 0, 0
	for i := range plans {
		p := &plans[i]
		variants, err := p.Exp.Variants(p.Config)
		if err != nil {
			return nil, fmt.Errorf("experiment %s: %w", p.Exp.Name, err)
		}
		er := &ExperimentResult{Name: p.Exp.Name, Title: p.Exp.Title, Claim: p.Exp.Claim, Source: p.Exp.Source, Group: p.Exp.Group,
			Config: p.Config.Values(), Data: p.Config.Data, Seeds: p.Seeds, Resolved: p.Config}
		seen := map[string]bool{}
		for _, v := range variants {
			if seen[v.Key] {
				return nil, fmt.Errorf("experiment %s: duplicate variant key %q", p.Exp.Name, v.Key)
			}
			if v.Cond == nil {
				return nil, fmt.Errorf("experiment %s: variant %q has no Cond (build variants with lab.NewVariant)", p.Exp.Name, v.Key)
			}
			seen[v.Key] = true
			vr := &VariantResult{Variant: v, Trials: make([]TrialRecord, len(p.Seeds))}
			er.Variants = append(er.Variants, vr)
			for k, s := range p.Seeds {
				j := &job{plan: p, variant: v, seed: s, dir: filepath.Join(r.Dir, TrialDir(p.Exp.Name, p.Config, v.Key, s)), out: &vr.Trials[k]}
				if r.NewLog != nil {
					j.newLog, j.logDir = r.NewLog, filepath.Join(r.Dir, LogDir(p.Exp.Name, p.Config, v.Key, s))
				}
				j.out.Seed = s
				mine := r.Shards <= 1 || index%r.Shards == r.Shard
				index++
				if res, err := loadTrial(j.dir); err == nil {
					j.out.Result = res
					done++
					continue
				}
				if r.LoadOnly {
					// A merge keeps the failures the shards recorded.
					if msg, ok := readTrialError(j.dir); ok {
						j.out.Error = msg
						continue
					}
				}
				if mine && !r.LoadOnly {
					jobs = append(jobs, j)
				}
			}
		}
		results = append(results, er)
	}
	if r.Progress != nil {
		r.Progress.Start(len(jobs)+done, done)
		defer r.Progress.Finish()
	}
	workers := r.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	ch := make(chan *job)
	var wg sync.WaitGroup
	var cancelled sync.Once
	var stopErr error
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var last *Plan
			for j := range ch {
				if j.plan != last {
					// The pools keep arrays by exact length, for the shapes
					// of the trials that put them back: the next
					// experiment's trials may never ask for them, and what
					// is left in them counts as live memory, which the
					// collector lets the heap double. (Draining before
					// every trial saves a little more memory but costs
					// more in collections than it saves: the trials of an
					// experiment reuse each other's arrays.)
					tensor.DrainPools()
					last = j.plan
				}
				res, err := runTrial(ctx, j)
				if err != nil && ctx.Err() != nil {
					cancelled.Do(func() { stopErr = ctx.Err() })
					continue
				}
				var file []byte
				if err == nil {
					file, err = writeTrial(j.dir, res)
				} else {
					writeTrialError(j.dir, err)
				}
				if err != nil {
					j.out.Error = err.Error()
				} else {
					j.out.Result = res
				}
				if r.Progress != nil {
					r.Progress.TrialDone(j.plan.Exp.Name, j.variant.Label, j.seed, res, err)
				}
				if err == nil {
					j.park(file)
				}
			}
		}()
	}
feed:
	for _, j := range jobs {
		select {
		case ch <- j:
		case <-ctx.Done():
			break feed
		}
	}
	close(ch)
	wg.Wait()
	tensor.DrainPools()
	for _, j := range jobs {
		j.unpark()
	}
	if stopErr == nil {
		stopErr = ctx.Err()
	}
	for _, er := range results {
		er.Complete = true
		for _, v := range er.Variants {
			for _, t := range v.Trials {
				if t.Result == nil && t.Error == "" {
					er.Complete = false
				}
			}
			v.Trials = finished(v.Trials)
		}
		er.Aggregate()
	}
	return results, stopErr
}

// park takes the series of the job's finished trial out of memory until
// the run ends, keeping file, the trial file written from it (compressed,
// a fraction of their size): the series of the trials that finished make
// up most of what a long run holds, and nothing reads them before unpark.
// Empty series, which a trial file does not store, stay.
func (j *job) park(file []byte) {
	res := j.out.Result
	kept := map[string][]float64{}
	for name, s := range res.Series {
		if len(s) == 0 {
			kept[name] = s
		}
	}
	if len(kept) == len(res.Series) {
		return
	}
	res.Series, j.parked = kept, file
}

// unpark puts back the series that park took out, decoded from the trial
// file: the values are those the trial measured, bit for bit. A file that
// cannot be decoded (which would be a bug) turns the trial into a failed
// one.
func (j *job) unpark() {
	if j.parked == nil {
		return
	}
	stored, err := decodeTrialParquet(trialPath(j.dir), j.parked)
	j.parked = nil
	if err != nil {
		j.out.Result, j.out.Error = nil, fmt.Sprintf("reading back the trial's series: %v", err)
		return
	}
	for name, s := range stored.Series {
		j.out.Result.Series[name] = s
	}
}

// finished drops trials that never ran (interrupted runs).
func finished(ts []TrialRecord) []TrialRecord {
	out := ts[:0]
	for _, t := range ts {
		if t.Result != nil || t.Error != "" {
			out = append(out, t)
		}
	}
	return out
}

// runTrial runs one trial, turning a panic into an error so that one
// broken trial cannot take the sweep down.
func runTrial(ctx context.Context, j *job) (res *TrialResult, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("trial panicked: %v\n%s", p, debug.Stack())
		}
	}()
	g := rng.NewGenerator()
	g.ManualSeed(j.seed)
	t := Trial{Experiment: j.plan.Exp.Name, Variant: j.variant, Seed: j.seed, Config: j.plan.Config, Gen: g}
	if j.newLog != nil {
		l, err := j.newLog(j.logDir)
		if err != nil {
			return nil, fmt.Errorf("opening the trial's log: %w", err)
		}
		t.Log = l
		defer func() {
			if err == nil && res != nil {
				err = logResult(l, j, res)
			}
			if cerr := l.Close(); err == nil && cerr != nil {
				err = fmt.Errorf("closing the trial's log: %w", cerr)
			}
		}()
	}
	res, err = j.plan.Exp.Run(ctx, t)
	if err == nil && res == nil {
		err = errors.New("trial returned no result")
	}
	return res, err
}

// trialFile is the summary of a finished trial: a summary.json before
// format 3 (version 1 holds the series inline; version 2 their names and
// lengths, the points being in the trial's series.parquet), the metadata
// of its trial file since (version 3: lengths and the series' CRC-32, the
// points being the file's rows; see trialExt).
type trialFile struct {
	Version      int            `json:"version"`
	Result       *TrialResult   `json:"result"`
	SeriesLength map[string]int `json:"series_length,omitempty"`
	SeriesCRC    *uint32        `json:"series_crc32,omitempty"`
}

// jsonFloat stores NaN and ±Inf, which JSON cannot hold, as strings.
type jsonFloat float64

func (f jsonFloat) MarshalJSON() ([]byte, error) {
	v := float64(f)
	switch {
	case math.IsNaN(v):
		return []byte(`"NaN"`), nil
	case math.IsInf(v, 1):
		return []byte(`"+Inf"`), nil
	case math.IsInf(v, -1):
		return []byte(`"-Inf"`), nil
	}
	return appendJSONFloat(nil, v), nil
}

func (f *jsonFloat) UnmarshalJSON(b []byte) error {
	switch string(b) {
	case `"NaN"`:
		*f = jsonFloat(math.NaN())
		return nil
	case `"+Inf"`:
		*f = jsonFloat(math.Inf(1))
		return nil
	case `"-Inf"`:
		*f = jsonFloat(math.Inf(-1))
		return nil
	}
	var v float64
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*f = jsonFloat(v)
	return nil
}

// decodeTrial decodes a summary.json strictly (the scalars of a version-2
// file; a version-1 file's series too).
func decodeTrial(path string, b []byte) (*TrialResult, error) {
	tf, err := decodeTrialFile(path, b)
	if err != nil {
		return nil, err
	}
	return tf.Result, nil
}

func decodeTrialFile(path string, b []byte) (*trialFile, error) {
	var tf trialFile
	if err := decodeStrict(b, &tf); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := tf.check(path); err != nil {
		return nil, err
	}
	return &tf, nil
}

// check checks a decoded trial summary.
func (tf *trialFile) check(path string) error {
	if tf.Result == nil || tf.Result.Scalars == nil {
		return fmt.Errorf("%s: not a finished trial", path)
	}
	switch tf.Version {
	case 1:
		if tf.SeriesLength != nil || tf.SeriesCRC != nil {
			return fmt.Errorf("%s: version 1 with series_length or series_crc32", path)
		}
	case 2, 3:
		if len(tf.Result.Series) != 0 {
			return fmt.Errorf("%s: version %d with inline series", path, tf.Version)
		}
		if (tf.Version == 3) != (tf.SeriesCRC != nil) {
			return fmt.Errorf("%s: version %d with series_crc32 %s", path, tf.Version, map[bool]string{true: "present", false: "absent"}[tf.SeriesCRC != nil])
		}
		for name, n := range tf.SeriesLength {
			if n < 0 {
				return fmt.Errorf("%s: series %s has a negative length", path, name)
			}
		}
	default:
		return fmt.Errorf("%s: trial format version %d, this intercept reads versions 1 to 3 (use the intercept that wrote it)", path, tf.Version)
	}
	return nil
}

// WriteFileAtomic writes data to path through a temporary file in the same
// directory, synced and renamed over path (and the directory synced), so
// readers never see a partial file and a crash never leaves one. A new file
// gets permissions 0644.
func WriteFileAtomic(path string, data []byte) error {
	if err := atomicfile.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}
