package lab

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/parquet-go/parquet-go"
)

// fuzzSeeds returns a results.json, a trial summary (the metadata of a
// trial file) and a run.json of a small finished run of the fake
// experiment.
func fuzzSeeds(f *testing.F) (results, summary, manifest []byte) {
	dir := f.TempDir()
	reg := &Registry{}
	e := fakeExperiment(new(atomic.Int64))
	reg.Register(e)
	cfg, _ := e.Resolve(false, nil, "")
	plans := []Plan{{Exp: e, Config: cfg, Seeds: []uint64{0, 1}}}
	res, _ := (&Runner{Dir: dir}).Run(context.Background(), plans)
	if err := Report(reg, dir, &Results{Run: RunInfo{Shard: "0/1", Kernel: "k"}, Experiments: res}); err != nil {
		f.Fatal(err)
	}
	results, _ = os.ReadFile(filepath.Join(dir, "results.json"))
	tb, err := os.ReadFile(trialPath(filepath.Join(dir, TrialDir("fake", cfg, "a", 0))))
	if err != nil {
		f.Fatal(err)
	}
	pf, err := parquet.OpenFile(bytes.NewReader(tb), int64(len(tb)))
	if err != nil {
		f.Fatal(err)
	}
	meta, _ := pf.Lookup(trialMetaKey)
	summary = []byte(meta)
	manifest, _ = json.Marshal(NewManifest(plans, "v1", "k", "1/2", false))
	return
}

// FuzzResults feeds arbitrary results.json files to what `intercept
// report` and `merge` do with them: decode strictly, rebuild the plans and
// typed conditions, analyze. Nothing may panic (Analyze turns an
// experiment's panic into a verdict).
func FuzzResults(f *testing.F) {
	results, _, _ := fuzzSeeds(f)
	f.Add(results)
	f.Add([]byte(`{"format":1,"run":{},"experiments":[null]}`))
	f.Add([]byte(`{"format":2,"run":{},"experiments":[]}`))
	f.Add([]byte(`{"run":{},"experiments":[{"name":"fake","config":["scale=NaN"],"seeds":[0],"variants":[{"Key":"a","trials":[{"seed":0}]}]}]}`))
	reg := &Registry{}
	reg.Register(fakeExperiment(new(atomic.Int64)))
	f.Fuzz(func(t *testing.T, b []byte) {
		res, err := decodeResults("results.json", b)
		if err != nil {
			return
		}
		if _, err := Plans(reg, res); err == nil {
			_ = Missing(res.Experiments)
		}
		for _, r := range res.Experiments {
			if e := reg.Get(r.Name); e != nil {
				if cfg, err := resolveRecorded(e, r); err == nil {
					r.Resolved = cfg
				}
			}
		}
		Analyze(reg, res.Experiments)
		if _, err := json.Marshal(res); err != nil {
			t.Fatalf("a results file that decodes does not encode: %v", err)
		}
		_ = manifestOf(res).Diff(manifestOf(res))
	})
}

// FuzzTrialSummary feeds arbitrary trial summaries (summary.json files of
// older runs, the metadata of trial files) to the trial loader of --resume
// and merge.
func FuzzTrialSummary(f *testing.F) {
	_, summary, _ := fuzzSeeds(f)
	f.Add(summary)
	f.Add([]byte(`{"version":1,"result":{"scalars":{"v":"NaN"},"series":{"c":["+Inf",1]}}}`))
	f.Add([]byte(`{"version":1,"result":null}`))
	f.Add([]byte(`{"version":2,"result":{"scalars":{}},"series_length":{"a":3}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := decodeTrial("summary.json", b)
		if err != nil {
			return
		}
		if r.Scalars == nil {
			t.Fatal("a loaded trial without scalars")
		}
		out, err := json.Marshal(trialFile{Version: 1, Result: r})
		if err != nil {
			t.Fatalf("re-encoding: %v", err)
		}
		if _, err := decodeTrial("again", out); err != nil {
			t.Fatalf("a re-encoded trial does not load: %v", err)
		}
	})
}

// FuzzManifest feeds arbitrary run.json files to the resume check and to
// `intercept status`.
func FuzzManifest(f *testing.F) {
	_, _, manifest := fuzzSeeds(f)
	f.Add(manifest)
	f.Add([]byte(`{"format":1,"version":"","kernel":"","quick":false,"shard":"9/2","seeds":[],"experiments":[{"name":"fake","config":["x"],"data":""}]}`))
	reg := &Registry{}
	reg.Register(fakeExperiment(new(atomic.Int64)))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := decodeManifest("run.json", b)
		if err != nil {
			return
		}
		_ = m.Diff(*m)
		_, _, _ = ParseShardSpec(m.Shard)
		if len(m.Seeds) > 64 {
			return // Trials walks every seed; keep each input fast
		}
		if plans, err := m.Plans(reg); err == nil {
			_, _ = Trials(dir, plans)
		}
	})
}

// FuzzSeries feeds arbitrary series.parquet files to the trial loader of
// --resume, merge and report: an error or a series map, never a crash.
func FuzzSeries(f *testing.F) {
	good, err := encodeSeries(map[string][]float64{"loss": {2.3, 1.1, math.NaN()}, "acc": {0.1, math.Inf(1)}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add([]byte("PAR1PAR1"))
	f.Fuzz(func(t *testing.T, b []byte) {
		series, err := decodeSeries("series.parquet", b)
		if err != nil {
			return
		}
		out, err := encodeSeries(series)
		if err != nil {
			t.Fatalf("re-encoding: %v", err)
		}
		back, err := decodeSeries("again", out)
		if err != nil || len(back) != len(series) {
			t.Fatalf("a re-encoded series file does not load: %v", err)
		}
	})
}

// FuzzTrialFile feeds arbitrary trial files (seed-<n>.parquet) to the
// trial loader of --resume, merge and report: an error or a trial whose
// series match its summary, never a crash.
func FuzzTrialFile(f *testing.F) {
	good, err := encodeTrial(&TrialResult{Scalars: map[string]float64{"final": 0.5, "nan": math.NaN()},
		Series: map[string][]float64{"loss": {2.3, 1.1, math.NaN()}, "acc": {0.1, math.Inf(1)}}, Diverged: true, DivergedStep: 2})
	if err != nil {
		f.Fatal(err)
	}
	empty, err := encodeTrial(&TrialResult{Scalars: map[string]float64{}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(empty)
	f.Add(good[:len(good)/2])
	f.Add([]byte("PAR1PAR1"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := decodeTrialParquet("seed-0.parquet", b)
		if err != nil {
			return
		}
		if r.Scalars == nil {
			t.Fatal("a loaded trial without scalars")
		}
		out, err := encodeTrial(r)
		if err != nil {
			t.Fatalf("re-encoding: %v", err)
		}
		back, err := decodeTrialParquet("again", out)
		if err != nil || len(back.Series) != len(r.Series) || seriesCRC(back.Series) != seriesCRC(r.Series) {
			t.Fatalf("a re-encoded trial file does not load back: %v", err)
		}
	})
}

// FuzzTrialPack feeds arbitrary trial packs (trials/<exp>/<hash>.parquet)
// to the trial loader: an error or trials whose series match their
// summaries, never a crash.
func FuzzTrialPack(f *testing.F) {
	good, err := encodePack(map[string]*TrialResult{
		"a/seed-0": {Scalars: map[string]float64{"final": 0.5, "nan": math.NaN()}, Series: map[string][]float64{"loss": {2.3, 1.1, math.NaN()}, "acc": {0.1, math.Inf(1)}}, Diverged: true, DivergedStep: 2},
		"b/seed-1": {Scalars: map[string]float64{}},
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add([]byte("PAR1PAR1"))
	f.Fuzz(func(t *testing.T, b []byte) {
		trials, err := decodePack("pack.parquet", b)
		if err != nil {
			return
		}
		out, err := encodePack(trials)
		if err != nil {
			t.Fatalf("re-encoding: %v", err)
		}
		back, err := decodePack("again", out)
		if err != nil || len(back) != len(trials) {
			t.Fatalf("a re-encoded trial pack does not load back: %v", err)
		}
	})
}
