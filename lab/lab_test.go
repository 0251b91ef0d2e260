package lab

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/parquet-go/parquet-go"
)

func TestSummarize(t *testing.T) {
	s := Summarize([]float64{1, 2, 3, 4, 5})
	if s.N != 5 || s.Mean != 3 || math.Abs(s.Std-math.Sqrt(2.5)) > 1e-12 {
		t.Fatalf("summary %+v", s)
	}
	// t(0.975, 4) = 2.7764451...
	h := 2.7764451051977987 * math.Sqrt(2.5) / math.Sqrt(5)
	if math.Abs(s.CILow-(3-h)) > 1e-9 || math.Abs(s.CIHigh-(3+h)) > 1e-9 {
		t.Errorf("CI [%v, %v], want 3 ± %v", s.CILow, s.CIHigh, h)
	}
	d := Summarize([]float64{1, math.NaN(), math.Inf(1), 3})
	if d.N != 2 || d.NonFinite != 2 || d.Mean != 2 {
		t.Errorf("non-finite values: %+v", d)
	}
	if e := Summarize(nil); !math.IsNaN(e.Mean) || e.N != 0 {
		t.Errorf("empty: %+v", e)
	}
}

func TestWelch(t *testing.T) {
	a := Summarize([]float64{1, 2, 3, 4, 5})
	if p := Welch(a, a); math.Abs(p-1) > 1e-12 {
		t.Errorf("same samples p = %v", p)
	}
	b := Summarize([]float64{11, 12, 13, 14, 15})
	if p := Welch(a, b); p > 1e-4 {
		t.Errorf("clearly different samples p = %v", p)
	}
}

// fakeCond is the typed condition of fakeExperiment's variants.
type fakeCond string

func (c fakeCond) Settings() []Setting { return []Setting{Set("v", string(c))} }

// fakeExperiment produces a deterministic value from the trial generator,
// diverges for one variant and panics for one seed.
func fakeExperiment(calls *atomic.Int64) *Experiment {
	return &Experiment{
		Name:   "fake",
		Title:  "Fake",
		Claim:  "a claim",
		Params: []Param{{Name: "scale", Default: "2", Quick: "1", Kind: Float, Min: 0, Max: 100}, {Name: "list", Default: "1,2", Kind: Floats, Min: -10, Max: 10}},
		Variants: func(c Config) ([]Variant, error) {
			return []Variant{{Key: "a", Label: "A", Cond: fakeCond("a")}, {Key: "nan", Label: "NaN", Cond: fakeCond("nan")}}, nil
		},
		Run: func(ctx context.Context, t Trial) (*TrialResult, error) {
			calls.Add(1)
			if t.Variant.Key == "a" && t.Seed == 3 {
				panic("boom")
			}
			r := NewResult()
			v := float64(t.Gen.Random()%1000) * t.Config.Float("scale")
			r.Scalars["v"] = v
			r.Series["curve"] = []float64{v, v / 2, v / 4}
			if t.Variant.Key == "nan" {
				r.Diverged, r.DivergedStep, r.DivergedValue = true, 7, math.Inf(1)
				r.Scalars["v"] = math.NaN()
				r.Series["curve"] = []float64{1, math.NaN()}
			}
			return r, nil
		},
		Analyze: func(r *ExperimentResult) Analysis {
			return Analysis{Verdict: Verdict{Supported, "fine"},
				Plots: []Plot{{Name: "curve", Kind: LinePlot, Title: "curve", Lines: []Line{{Label: "A", Y: []float64{1, 2, math.NaN(), 3}, Low: []float64{0, 1, 1, 2}, High: []float64{2, 3, 3, 4}}}},
					{Name: "hist", Kind: HistPlot, Title: "hist", Lines: []Line{{Label: "x", Values: []float64{1, 2, 2, 3}}}},
					{Name: "bar", Kind: BarPlot, Title: "bar", Lines: []Line{{Label: "x", Y: []float64{1}, Low: []float64{0.5}, High: []float64{1.5}}}}}}
		},
	}
}

func runFake(t *testing.T, dir string, workers int, calls *atomic.Int64) []*ExperimentResult {
	e := fakeExperiment(calls)
	cfg, err := e.Resolve(false, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	r := &Runner{Dir: dir, Workers: workers}
	res, err := r.Run(context.Background(), []Plan{{Exp: e, Config: cfg, Seeds: []uint64{0, 1, 2, 3, 4}}})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestRunnerDeterministicAndResumable(t *testing.T) {
	var calls atomic.Int64
	d1, d2 := t.TempDir(), t.TempDir()
	r1 := runFake(t, d1, 1, &calls)
	r2 := runFake(t, d2, 4, &calls)
	if !reflect.DeepEqual(r1[0].Variant("a").Scalar("v").Values, r2[0].Variant("a").Scalar("v").Values) {
		t.Fatalf("results depend on the number of workers: %v vs %v", r1[0].Variant("a").Scalar("v").Values, r2[0].Variant("a").Scalar("v").Values)
	}
	a := r1[0].Variant("a")
	if a.Failed != 1 || len(a.Trials) != 5 || !strings.Contains(a.Trials[3].Error, "boom") {
		t.Fatalf("the panicking trial should be recorded as failed: %+v", a.Trials[3])
	}
	if n := r1[0].Variant("nan"); n.Diverged != 5 || n.Scalar("v").NonFinite != 5 {
		t.Fatalf("diverged trials: %+v", n)
	}
	// resume: only the failed trial runs again
	calls.Store(0)
	r3 := runFake(t, d1, 2, &calls)
	if calls.Load() != 1 {
		t.Errorf("resumed run executed %d trials, want 1 (the failed one)", calls.Load())
	}
	if !reflect.DeepEqual(r3[0].Variant("a").Scalar("v").Values, r1[0].Variant("a").Scalar("v").Values) {
		t.Error("resumed results differ")
	}
}

func TestRunnerCancel(t *testing.T) {
	e := fakeExperiment(new(atomic.Int64))
	inner := e.Run
	ctx, cancel := context.WithCancel(context.Background())
	var n atomic.Int64
	e.Run = func(c context.Context, tr Trial) (*TrialResult, error) {
		if n.Add(1) > 3 {
			cancel()
			<-c.Done()
			return nil, c.Err()
		}
		return inner(c, tr)
	}
	cfg, _ := e.Resolve(false, nil, "")
	dir := t.TempDir()
	res, err := (&Runner{Dir: dir, Workers: 1}).Run(ctx, []Plan{{Exp: e, Config: cfg, Seeds: []uint64{0, 1, 2, 3, 4}}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if res[0].Complete {
		t.Error("an interrupted run is marked complete")
	}
	kept := 0
	for _, v := range res[0].Variants {
		kept += len(v.Trials)
	}
	if kept != 3 {
		t.Errorf("kept %d finished trials, want 3", kept)
	}
	trialFiles, _ := filepath.Glob(filepath.Join(dir, "trials", "fake", "*", "*", "seed-*"+trialExt))
	if len(trialFiles) != 3 {
		t.Errorf("%d trial files on disk, want 3", len(trialFiles))
	}
}

func TestResolve(t *testing.T) {
	e := fakeExperiment(new(atomic.Int64))
	c, err := e.Resolve(true, map[string]string{"list": "1,2,3"}, "")
	if err != nil || c.Float("scale") != 1 || len(c.Floats("list")) != 3 {
		t.Fatalf("resolve: %v %v", err, c.Values())
	}
	for _, bad := range []map[string]string{{"nope": "1"}, {"scale": "x"}, {"list": "1,a"}} {
		if _, err := e.Resolve(false, bad, ""); err == nil {
			t.Errorf("override %v accepted", bad)
		}
	}
	if _, err := e.Resolve(false, map[string]string{"nope": "1"}, ""); err == nil || !strings.Contains(err.Error(), "has no parameter \"nope\" (it has: scale, list)") {
		t.Errorf("unknown parameter error: %v", err)
	}
}

func TestReportFiles(t *testing.T) {
	dir := t.TempDir()
	res := runFake(t, dir, 2, new(atomic.Int64))
	reg := &Registry{}
	reg.Register(fakeExperiment(new(atomic.Int64)))
	Analyze(reg, res)
	if err := WriteReport(dir, &Results{Run: RunInfo{Command: "intercept test", Seeds: []uint64{0, 1}}, Experiments: res}); err != nil {
		t.Fatal(err)
	}
	html, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(html), "seed 0 at step 7, loss inf") {
		t.Error("the report does not say where the diverged trials diverged")
	}
	if !strings.Contains(string(html), "boom") {
		t.Error("the report does not say why a trial failed")
	}
	if n := strings.Count(string(html), "<svg"); n != 3 {
		t.Errorf("report has %d inline SVGs, want 3", n)
	}
	for _, f := range []string{"plots/fake-curve.svg", "plots/fake-hist.svg", "plots/fake-bar.svg", "metrics.parquet", "results.json"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s missing or empty", f)
		}
	}
	back, err := ReadResults(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	v := back.Experiments[0].Variant("nan")
	if v == nil || !math.IsNaN(v.Trials[0].Result.Scalars["v"]) || !math.IsInf(v.Trials[0].Result.DivergedValue, 1) {
		t.Fatalf("NaN/Inf did not survive results.json: %+v", v)
	}
	b, _ := json.Marshal(back.Experiments[0].Variant("a").Scalar("v"))
	if !strings.Contains(string(b), `"n":4`) {
		t.Errorf("summary round trip: %s", b)
	}
	if _, err := ReadResults(filepath.Join(dir, "report.html")); err == nil {
		t.Error("ReadResults accepted an HTML file")
	}
}

// results.json (format 2) holds no series; Load gives them back from the
// trials, bit for bit, and metrics.parquet holds every series point and
// scalar of every finished trial once.
func TestResultsWithoutSeriesLoadBack(t *testing.T) {
	dir := t.TempDir()
	res := runFake(t, dir, 2, new(atomic.Int64))
	reg := &Registry{}
	reg.Register(fakeExperiment(new(atomic.Int64)))
	Analyze(reg, res)
	if err := WriteReport(dir, &Results{Run: RunInfo{Command: "intercept test", Seeds: []uint64{0, 1, 2, 3, 4}}, Experiments: res}); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(filepath.Join(dir, "results.json"))
	if strings.Contains(string(raw), `"series"`) {
		t.Error("results.json holds raw series")
	}
	if strings.Contains(string(raw), "\n ") {
		t.Error("results.json is indented")
	}
	back, err := Load(reg, dir)
	if err != nil {
		t.Fatal(err)
	}
	points, scalars := 0, 0
	for i, r := range res {
		for k, v := range r.Variants {
			bv := back.Experiments[i].Variants[k]
			for n, tr := range v.Trials {
				if tr.Result == nil {
					continue
				}
				got := bv.Trials[n].Result
				scalars += len(tr.Result.Scalars)
				for name, s := range tr.Result.Series {
					points += len(s)
					g := got.Series[name]
					if len(g) != len(s) {
						t.Fatalf("%s seed %d %s: %d points back, want %d", v.Key, tr.Seed, name, len(g), len(s))
					}
					for j := range s {
						if math.Float64bits(g[j]) != math.Float64bits(s[j]) {
							t.Fatalf("%s seed %d %s[%d] = %v back, want %v", v.Key, tr.Seed, name, j, g[j], s[j])
						}
					}
				}
			}
		}
	}
	rows, err := ReadMetrics(filepath.Join(dir, MetricsFile))
	if err != nil {
		t.Fatal(err)
	}
	var gotPoints, gotScalars int
	for _, r := range rows {
		switch r.Kind {
		case "series":
			gotPoints++
		case "scalar":
			gotScalars++
		}
	}
	if points == 0 || gotPoints != points || gotScalars != scalars {
		t.Errorf("metrics.parquet: %d series points and %d scalars, want %d and %d", gotPoints, gotScalars, points, scalars)
	}
	// A trial file that disagrees with results.json is an error naming it.
	var td string
	filepath.WalkDir(filepath.Join(dir, "trials"), func(p string, d fs.DirEntry, err error) error {
		if td == "" && strings.HasSuffix(d.Name(), trialExt) {
			td = p
		}
		return nil
	})
	tr, err := loadTrial(strings.TrimSuffix(td, trialExt))
	if err != nil {
		t.Fatal(err)
	}
	for k := range tr.Scalars {
		tr.Scalars[k] += 1
	}
	if _, err := writeTrial(strings.TrimSuffix(td, trialExt), tr); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(reg, dir); err == nil || !strings.Contains(err.Error(), td) {
		t.Errorf("Load with a tampered trial file: %v", err)
	}
}

// Plots with nothing drawable (an interrupted run, a series that diverged
// at once) neither crash the report nor lose results.json.
func TestReportSurvivesDegeneratePlots(t *testing.T) {
	dir := t.TempDir()
	nan := math.NaN()
	res := []*ExperimentResult{{Name: "e", Title: "E", Analysis: &Analysis{
		Verdict: Verdict{Status: Inconclusive, Text: "nothing finished"},
		Plots: []Plot{
			{Name: "log-empty", Kind: LinePlot, LogY: true, Lines: []Line{{Label: "a"}}},
			{Name: "log-nan", Kind: LinePlot, LogY: true, Lines: []Line{{Label: "a", Y: []float64{nan, 0, -1}}}},
			{Name: "no-lines", Kind: LinePlot},
			{Name: "bar-empty", Kind: BarPlot},
			{Name: "hist-empty", Kind: HistPlot, Lines: []Line{{Label: "a"}}},
		},
	}}}
	if err := WriteReport(dir, &Results{Run: RunInfo{Command: "intercept test", Interrupted: true}, Experiments: res}); err != nil {
		t.Fatalf("WriteReport: %v", err)
	}
	back, err := ReadResults(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	html, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range back.Experiments[0].Analysis.Plots {
		switch {
		case p.Error != "":
			if !strings.Contains(string(html), "could not be drawn") {
				t.Errorf("%s: error %q not shown in the report", p.Name, p.Error)
			}
		case p.SVG == "":
			t.Errorf("%s: neither drawn nor reported as an error", p.Name)
		}
	}
	if st, err := os.Stat(filepath.Join(dir, "report.html")); err != nil || st.Mode().Perm()&0o044 == 0 {
		t.Errorf("report.html is not readable by others: %v", st.Mode())
	}
}

// The report has an at-a-glance list with a coloured verdict per
// experiment, then one section per group (the document's claims first), each
// with its verdict table; an experiment without a group is a claim.
func TestReportGroups(t *testing.T) {
	dir := t.TempDir()
	mk := func(name string, g Group, status string) *ExperimentResult {
		return &ExperimentResult{Name: name, Title: "T " + name, Group: g, Complete: true,
			Variants: []*VariantResult{{Variant: Variant{Key: "k", Label: "k"}, Trials: []TrialRecord{{Seed: 0, Result: &TrialResult{Diverged: true}}}, Diverged: 1}},
			Analysis: &Analysis{Verdict: Verdict{Status: status, Text: "because " + name}}}
	}
	res := []*ExperimentResult{mk("lit-one", Literature, Supported), mk("old", "", NotSupported), mk("claim-two", Claims, Depends)}
	if err := WriteReport(dir, &Results{Run: RunInfo{Command: "intercept test"}, Experiments: res}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil {
		t.Fatal(err)
	}
	html := string(b)
	order := []string{`id="glance"`, `class="badge supported"`, `href="#lit-one"`, `id="group-claims"`, `id="verdict-table-claims"`,
		`id="old"`, `id="claim-two"`, `id="group-literature"`, `id="verdict-table-literature"`, `id="lit-one"`}
	last := -1
	for _, s := range order {
		i := strings.Index(html[last+1:], s)
		if i < 0 {
			t.Fatalf("report.html lacks %s after position %d", s, last)
		}
		last += 1 + i
	}
	if !strings.Contains(html, "1 trials, 1 diverged") {
		t.Error("the verdict tables do not count the diverged trials")
	}
	if got := res[1].Section(); got != Claims {
		t.Errorf("an experiment without a group is in section %q, want claims", got)
	}
}

// FmtSummaryAs counts the non-finite values under the name given.
func TestFmtSummaryAsCountsOutcomes(t *testing.T) {
	s := Summarize([]float64{10, 12, math.NaN(), 11})
	if got := FmtSummaryAs(s, "never reached"); !strings.HasSuffix(got, "(1 of 4 never reached)") {
		t.Errorf("FmtSummaryAs = %q", got)
	}
	if got := FmtSummaryAs(Summarize([]float64{math.Inf(1)}), "diverged"); got != "diverged (1/1)" {
		t.Errorf("all non-finite: %q", got)
	}
}

// A run directory written before trial format 3 (a directory per trial
// with summary.json and series.parquet, error.txt for a failure) still
// loads, reports its failures and merges; a damaged trial file is an
// unfinished trial, which a resumed run runs again.
func TestTrialFormats(t *testing.T) {
	series := map[string][]float64{"loss": {2, 1, math.NaN()}, "acc": {0.5}}
	res := &TrialResult{Scalars: map[string]float64{"final": 0.25}, Series: series, Diverged: true, DivergedStep: 2, DivergedValue: math.Inf(1)}
	src := t.TempDir()
	old := filepath.Join(src, "trials", "e", "h", "v", "seed-0")
	if err := os.MkdirAll(old, 0o755); err != nil {
		t.Fatal(err)
	}
	sb, err := encodeSeries(series)
	if err != nil {
		t.Fatal(err)
	}
	lean := *res
	lean.Series = nil
	summary, _ := json.Marshal(trialFile{Version: 2, Result: &lean, SeriesLength: map[string]int{"loss": 3, "acc": 1}})
	os.WriteFile(filepath.Join(old, seriesFile), sb, 0o644)
	os.WriteFile(filepath.Join(old, "summary.json"), summary, 0o644)
	failed := filepath.Join(src, "trials", "e", "h", "v", "seed-1")
	os.MkdirAll(failed, 0o755)
	os.WriteFile(filepath.Join(failed, "error.txt"), []byte("boom\n"), 0o644)
	newer := filepath.Join(src, "trials", "e", "h", "v", "seed-2")
	if _, err := writeTrial(newer, res); err != nil {
		t.Fatal(err)
	}
	for _, stem := range []string{old, newer} {
		got, err := loadTrial(stem)
		if err != nil {
			t.Fatalf("%s: %v", stem, err)
		}
		if !got.Diverged || got.DivergedStep != 2 || got.Scalars["final"] != 0.25 || len(got.Series["loss"]) != 3 || !math.IsNaN(got.Series["loss"][2]) || got.Series["acc"][0] != 0.5 {
			t.Errorf("%s: loaded %+v", stem, got)
		}
	}
	if msg, ok := readTrialError(failed); !ok || msg != "boom" {
		t.Errorf("old error.txt: %q %v", msg, ok)
	}
	dst := t.TempDir()
	n, err := MergeTrials(dst, []string{src})
	if err != nil || n != 2 {
		t.Fatalf("merged %d trials: %v", n, err)
	}
	for _, seed := range []string{"seed-0", "seed-2"} {
		if _, err := loadTrial(filepath.Join(dst, "trials", "e", "h", "v", seed)); err != nil {
			t.Errorf("merged %s: %v", seed, err)
		}
	}
	if msg, ok := readTrialError(filepath.Join(dst, "trials", "e", "h", "v", "seed-1")); !ok || msg != "boom" {
		t.Errorf("merged failure: %q %v", msg, ok)
	}
	// Damaged trial files do not load.
	b, _ := os.ReadFile(trialPath(newer))
	for name, bad := range map[string][]byte{
		"truncated": b[:len(b)-10],
		"empty":     {},
		"zeroed":    make([]byte, len(b)),
	} {
		if err := os.WriteFile(trialPath(newer), bad, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := loadTrial(newer); err == nil {
			t.Errorf("a %s trial file loads", name)
		}
	}
	// A trial file whose values do not match its CRC does not load.
	bad, err := encodeSeriesMeta(map[string][]float64{"loss": {2, 1.5, math.NaN()}, "acc": {0.5}}, string(mustJSON(t, b)))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(trialPath(newer), bad, 0o644)
	if _, err := loadTrial(newer); err == nil || !strings.Contains(err.Error(), "CRC-32") {
		t.Errorf("a trial file with other values than its CRC: %v", err)
	}
}

// mustJSON returns the trial summary in the metadata of the trial file b.
func mustJSON(t *testing.T, b []byte) []byte {
	f, err := parquet.OpenFile(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	meta, ok := f.Lookup(trialMetaKey)
	if !ok {
		t.Fatal("no summary in the trial file")
	}
	return []byte(meta)
}

// Compact packs a finished experiment's trials into one file, from which
// they load, merge and resume as from their trial files; an experiment with
// a failed trial keeps its trial files.
func TestCompact(t *testing.T) {
	dir := t.TempDir()
	reg := &Registry{}
	var runs atomic.Int64
	e := fakeExperiment(&runs)
	reg.Register(e)
	cfg, _ := e.Resolve(false, nil, "")
	plans := []Plan{{Exp: e, Config: cfg, Seeds: []uint64{0, 1, 2}}}
	res, err := (&Runner{Dir: dir}).Run(context.Background(), plans)
	if err != nil {
		t.Fatal(err)
	}
	if err := Report(reg, dir, &Results{Experiments: res}); err != nil {
		t.Fatal(err)
	}
	before, err := ReadResults(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	failed := res[0].Variants[0].Trials[0].Error != ""
	if err := Compact(dir, res); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "trials", "fake", "*", "*", "seed-*"+trialExt))
	packs, _ := filepath.Glob(filepath.Join(dir, "trials", "fake", "*"+trialExt))
	if failed {
		t.Fatal("the fake experiment's first trial failed")
	}
	complete := res[0].Complete
	for _, v := range res[0].Variants {
		for _, tr := range v.Trials {
			complete = complete && tr.Result != nil
		}
	}
	if !complete {
		t.Fatal("the fake experiment did not finish every trial")
	}
	if complete && (len(files) != 0 || len(packs) != 1) {
		t.Fatalf("after Compact: %d trial files, packs %v", len(files), packs)
	}
	if !complete && len(packs) != 0 {
		t.Fatalf("an experiment with a failed trial was packed: %v", packs)
	}
	loaded, err := Load(reg, dir)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := NewFingerprint(loaded.Experiments).SHA256, before.Fingerprint.SHA256; a != b {
		t.Errorf("fingerprint after Compact %s, before %s", a, b)
	}
	// A resumed run runs nothing again.
	n := runs.Load()
	if _, err := (&Runner{Dir: dir}).Run(context.Background(), plans); err != nil {
		t.Fatal(err)
	}
	if runs.Load() != n && complete {
		t.Errorf("the resumed run ran %d trials again", runs.Load()-n)
	}
	// Merging the packed run gives the same trials.
	dst := t.TempDir()
	info, err := Merge(reg, dst, []string{dir}, false)
	if err != nil {
		t.Fatal(err)
	}
	if a, b := NewFingerprint(info.Results).SHA256, before.Fingerprint.SHA256; a != b {
		t.Errorf("fingerprint of the merge %s, of the run %s", a, b)
	}
	// An experiment with a failed trial (seed 3) is not packed.
	dir2 := t.TempDir()
	res2, _ := (&Runner{Dir: dir2}).Run(context.Background(), []Plan{{Exp: e, Config: cfg, Seeds: []uint64{0, 3}}})
	if err := Compact(dir2, res2); err != nil {
		t.Fatal(err)
	}
	if p, _ := filepath.Glob(filepath.Join(dir2, "trials", "fake", "*"+trialExt)); len(p) != 0 {
		t.Errorf("an experiment with a failed trial was packed: %v", p)
	}
	// A damaged pack is unfinished trials, not a crash.
	if complete {
		b, _ := os.ReadFile(packs[0])
		os.WriteFile(packs[0], b[:len(b)/2], 0o644)
		lastPack.Lock()
		lastPack.path = ""
		lastPack.Unlock()
		if _, err := Load(reg, dir); err == nil {
			t.Error("a run with a damaged pack loads")
		}
	}
}
