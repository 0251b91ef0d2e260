package lab

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/parquet-go/parquet-go"
)

// A trial pack holds every trial of one experiment run with one
// configuration, trials/<exp>/<config hash>.parquet, in place of their
// trial files once all of them finished (Compact): one file instead of one
// per trial (and a directory per variant), which is what a run directory's
// size is mostly made of when trials are small. Its rows are (trial,
// series, step, value), trial naming the trial as "<variant dir>/seed-<n>";
// its key-value metadata packMetaKey holds a packFile: each trial's summary,
// as in its trial file (version 3, with the lengths and CRC-32 of its
// series). loadTrial finds a trial there when it has no trial file.
const packMetaKey = "intercept.trials"

// packFile is the metadata of a trial pack.
type packFile struct {
	Version int                   `json:"version"` // trialFormat
	Trials  map[string]*trialFile `json:"trials"`  // by "<variant dir>/seed-<n>"
}

// packRow is one point of a series of a trial in a pack.
type packRow struct {
	Trial  string  `parquet:"trial,dict"`
	Series string  `parquet:"series,dict"`
	Step   int32   `parquet:"step,delta"`
	Value  float64 `parquet:"value,split"`
}

// packOf returns the pack that would hold the trial whose directory is
// stem, and the trial's name in it.
func packOf(stem string) (pack, name string) {
	variantDir := filepath.Dir(stem)
	return filepath.Dir(variantDir) + trialExt, filepath.Base(variantDir) + "/" + filepath.Base(stem)
}

// encodePack is the content of the pack of trials (by name in the pack).
func encodePack(trials map[string]*TrialResult) ([]byte, error) {
	pf := packFile{Version: trialFormat, Trials: map[string]*trialFile{}}
	n := 0
	for name, res := range trials {
		crc := seriesCRC(res.Series)
		tf := &trialFile{Version: trialFormat, SeriesLength: map[string]int{}, SeriesCRC: &crc}
		for s, xs := range res.Series {
			tf.SeriesLength[s] = len(xs)
			n += len(xs)
		}
		lean := *res
		lean.Series = nil
		tf.Result = &lean
		pf.Trials[name] = tf
	}
	meta, err := json.Marshal(pf)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[packRow](&buf, parquet.Compression(zstdCodec), parquet.CreatedBy("intercept", "", ""),
		parquet.KeyValueMetadata(packMetaKey, string(meta)))
	// the rows go to the writer in chunks: all at once they would take
	// tens of bytes a point
	rows := make([]packRow, 0, min(n, 4096))
	for _, name := range sortedKeys(trials) {
		series := trials[name].Series
		for _, s := range sortedKeys(series) {
			for step, x := range series[s] {
				rows = append(rows, packRow{name, s, int32(step), x})
				if len(rows) == cap(rows) {
					if _, err := w.Write(rows); err != nil {
						return nil, err
					}
					rows = rows[:0]
				}
			}
		}
	}
	if _, err := w.Write(rows); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// decodePack decodes a trial pack strictly: every trial's summary, and its
// series checked against the summary's lengths and CRC.
func decodePack(path string, b []byte) (trials map[string]*TrialResult, err error) {
	defer func() {
		// the Parquet reader is not ours; whatever a damaged file makes it
		// do is an error naming the file, not a crash
		if r := recover(); r != nil {
			trials, err = nil, fmt.Errorf("%s: not a trial pack: %v", path, r)
		}
	}()
	f, err := parquet.OpenFile(bytes.NewReader(b), int64(len(b)), parquet.SkipPageIndex(true), parquet.SkipBloomFilters(true))
	if err != nil {
		return nil, fmt.Errorf("%s: not a trial pack: %w", path, err)
	}
	meta, ok := f.Lookup(packMetaKey)
	if !ok {
		return nil, fmt.Errorf("%s: not a trial pack: no %s metadata", path, packMetaKey)
	}
	var pf packFile
	if err := decodeStrict([]byte(meta), &pf); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if pf.Version != trialFormat {
		return nil, fmt.Errorf("%s: trial pack version %d, this intercept reads version %d (use the intercept that wrote it)", path, pf.Version, trialFormat)
	}
	series := map[string]map[string][]float64{}
	var bad error // a row out of order
	err = readRows(b, func(r *packRow) error {
		ts := series[r.Trial]
		if ts == nil {
			ts = map[string][]float64{}
			series[r.Trial] = ts
		}
		s := ts[r.Series]
		if int(r.Step) != len(s) {
			bad = fmt.Errorf("%s: trial %s, series %s: step %d where %d was expected", path, r.Trial, r.Series, r.Step, len(s))
			return bad
		}
		ts[r.Series] = append(s, r.Value)
		return nil
	})
	if bad != nil {
		return nil, bad
	}
	if err != nil {
		return nil, fmt.Errorf("%s: not a trial pack: %w", path, err)
	}
	trials = map[string]*TrialResult{}
	for name, tf := range pf.Trials {
		where := path + ": trial " + name
		if tf == nil {
			return nil, fmt.Errorf("%s: null", where)
		}
		if err := tf.check(where); err != nil {
			return nil, err
		}
		if tf.Version != trialFormat {
			return nil, fmt.Errorf("%s: version %d, want %d", where, tf.Version, trialFormat)
		}
		ts := series[name]
		if ts == nil {
			ts = map[string][]float64{}
		}
		if err := checkSeries(where, ts, tf.SeriesLength); err != nil {
			return nil, err
		}
		if got := seriesCRC(ts); got != *tf.SeriesCRC {
			return nil, fmt.Errorf("%s: the series' CRC-32 is %08x, the summary says %08x (a damaged file)", where, got, *tf.SeriesCRC)
		}
		res := tf.Result
		res.Series = ts
		trials[name] = res
	}
	for name := range series {
		if pf.Trials[name] == nil {
			return nil, fmt.Errorf("%s: series of trial %s, which the pack does not list", path, name)
		}
	}
	return trials, nil
}

// lastPack caches the pack read last: the loaders go through the trials of
// one experiment in a row, each of which would read the same pack again.
var lastPack struct {
	sync.Mutex
	path    string
	size    int64
	modTime time.Time
	trials  map[string]*TrialResult
	err     error
}

// loadFromPack reads the trial whose directory is stem from its pack.
// The result is the caller's: its maps are copies of the cached ones.
func loadFromPack(stem string) (*TrialResult, error) {
	path, name := packOf(stem)
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	lastPack.Lock()
	defer lastPack.Unlock()
	if lastPack.path != path || lastPack.size != st.Size() || !lastPack.modTime.Equal(st.ModTime()) {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		lastPack.path, lastPack.size, lastPack.modTime = path, st.Size(), st.ModTime()
		lastPack.trials, lastPack.err = decodePack(path, b)
	}
	if lastPack.err != nil {
		return nil, lastPack.err
	}
	res, ok := lastPack.trials[name]
	if !ok {
		return nil, fmt.Errorf("%s: no trial %s: %w", path, name, os.ErrNotExist)
	}
	out := *res
	out.Scalars = make(map[string]float64, len(res.Scalars))
	for k, v := range res.Scalars {
		out.Scalars[k] = v
	}
	out.Series = make(map[string][]float64, len(res.Series))
	for k, v := range res.Series {
		out.Series[k] = append([]float64(nil), v...)
	}
	return &out, nil
}

// Compact packs the trials of every experiment of results that finished
// all of its trials (none failed, none missing) into its trial pack under
// the run directory dir (synced), then removes their trial files and the
// variants' and the configuration's directories (when empty). Experiments with a failed or missing trial keep
// their trial files, so that a resumed run can complete them.
func Compact(dir string, results []*ExperimentResult) error {
	// The experiments are packed in parallel: encoding, and syncing each
	// pack before its trial files go.
	next := make(chan *ExperimentResult)
	errs := make([]error, len(results))
	index := map[*ExperimentResult]int{}
	for i, r := range results {
		index[r] = i
	}
	var wg sync.WaitGroup
	for w := 0; w < min(max(runtime.GOMAXPROCS(0), 4), len(results)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range next {
				errs[index[r]] = compact1(dir, r)
			}
		}()
	}
	for _, r := range results {
		next <- r
	}
	close(next)
	wg.Wait()
	return errors.Join(errs...)
}

// compact1 is Compact for one experiment.
func compact1(dir string, r *ExperimentResult) error {
	if !r.Complete || len(r.Variants) == 0 {
		return nil
	}
	cfg := Config{values: map[string]string{}, Data: r.Data}
	for _, kv := range r.Config {
		k, v, _ := strings.Cut(kv, "=")
		cfg.values[k] = v
	}
	trials := map[string]*TrialResult{}
	var stems []string
	var pack string
	for _, v := range r.Variants {
		if len(v.Trials) != len(r.Seeds) {
			return nil
		}
		for _, t := range v.Trials {
			if t.Result == nil {
				return nil
			}
			stem := filepath.Join(dir, TrialDir(r.Name, cfg, v.Key, t.Seed))
			p, name := packOf(stem)
			pack = p
			trials[name] = t.Result
			stems = append(stems, stem)
		}
	}
	if len(trials) == 0 {
		return nil
	}
	b, err := encodePack(trials)
	if err != nil {
		return fmt.Errorf("encoding %s: %w", pack, err)
	}
	if err := WriteFileAtomic(pack, b); err != nil {
		return err
	}
	variantDirs := map[string]bool{}
	for _, stem := range stems {
		if err := os.Remove(trialPath(stem)); err != nil && !os.IsNotExist(err) {
			return err
		}
		os.RemoveAll(stem) // a trial directory of an older run
		variantDirs[filepath.Dir(stem)] = true
	}
	for d := range variantDirs {
		os.Remove(d) // only if empty
	}
	os.Remove(strings.TrimSuffix(pack, trialExt)) // the configuration's directory, if empty
	return nil
}
