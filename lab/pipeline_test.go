package lab

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
)

type offsetCond struct {
	Offset string
	Bias   bool
}

func (c offsetCond) Settings() []Setting {
	b := "off"
	if c.Bias {
		b = "on"
	}
	return []Setting{Set("offset", c.Offset), Set("bias", b)}
}

func TestNewVariant(t *testing.T) {
	v := NewVariant(offsetCond{"4", true})
	if v.Key != "offset=4,bias=on" || v.Label != "offset=4 bias=on" || len(v.Params) != 2 || v.Params["offset"] != "4" || v.Params["bias"] != "on" {
		t.Fatalf("NewVariant = %+v", v)
	}
	if v.Cond != (offsetCond{"4", true}) {
		t.Errorf("Cond = %#v", v.Cond)
	}
	r := &ExperimentResult{Variants: []*VariantResult{{Variant: NewVariant(offsetCond{"0", false})}, {Variant: v}}}
	if got := r.VariantOf(offsetCond{"4", true}); got == nil || got.Key != v.Key {
		t.Errorf("VariantOf = %v", got)
	}
	if got := r.VariantOf(offsetCond{"4", false}); got != nil {
		t.Errorf("VariantOf an absent condition = %v", got)
	}
}

func TestRunnerNeedsCond(t *testing.T) {
	e := fakeExperiment(new(atomic.Int64))
	e.Variants = func(Config) ([]Variant, error) { return []Variant{{Key: "a", Label: "A"}}, nil }
	cfg, _ := e.Resolve(false, nil, "")
	_, err := (&Runner{Dir: t.TempDir()}).Run(context.Background(), []Plan{{Exp: e, Config: cfg, Seeds: []uint64{0}}})
	if err == nil || !strings.Contains(err.Error(), "has no Cond") {
		t.Fatalf("a variant without Cond: err = %v", err)
	}
}

func TestNewPlans(t *testing.T) {
	e := fakeExperiment(new(atomic.Int64))
	seeds := []uint64{0, 1}
	plans, err := NewPlans([]*Experiment{e}, PlanOptions{Quick: true, Overrides: map[string]string{"list": "3"}, Data: "idx:x", Seeds: seeds})
	if err != nil {
		t.Fatal(err)
	}
	seeds[0] = 9
	p := plans[0]
	if p.Exp != e || p.Config.Float("scale") != 1 || p.Config.Floats("list")[0] != 3 || p.Config.Data != "idx:x" || p.Seeds[0] != 0 {
		t.Errorf("plan = %+v (values %v)", p, p.Config.Values())
	}
	var pe *PlanError
	if _, err := NewPlans([]*Experiment{e}, PlanOptions{Overrides: map[string]string{"nope": "1"}}); !errors.As(err, &pe) {
		t.Errorf("unknown parameter: err = %v, want a *PlanError", err)
	}
	bad := fakeExperiment(new(atomic.Int64))
	bad.Variants = func(Config) ([]Variant, error) { return nil, errors.New("no such layer") }
	if _, err := NewPlans([]*Experiment{bad}, PlanOptions{}); !errors.As(err, &pe) || !strings.Contains(err.Error(), "fake: no such layer") {
		t.Errorf("bad variants: err = %v", err)
	}
}

// Load gives a finished run back its typed conditions and resolved config,
// and Report re-analyzes and rewrites it; a variant the experiment no
// longer defines makes the verdict inconclusive.
func TestLoadAndReport(t *testing.T) {
	dir := t.TempDir()
	reg := &Registry{}
	reg.Register(fakeExperiment(new(atomic.Int64)))
	res := runFake(t, dir, 2, new(atomic.Int64))
	if res[0].Resolved.Float("scale") != 2 {
		t.Errorf("Runner left Resolved unset: %v", res[0].Resolved.Values())
	}
	if err := Report(reg, dir, &Results{Experiments: res}); err != nil {
		t.Fatal(err)
	}
	back, err := Load(reg, dir)
	if err != nil {
		t.Fatal(err)
	}
	r := back.Experiments[0]
	if r.Resolved.Float("scale") != 2 {
		t.Errorf("Load: Resolved = %v", r.Resolved.Values())
	}
	for _, v := range r.Variants {
		if c, ok := v.Cond.(fakeCond); !ok || string(c) != v.Key {
			t.Errorf("Load: variant %s has Cond %#v", v.Key, v.Cond)
		}
	}
	os.Remove(filepath.Join(dir, "report.html"))
	if err := Report(reg, dir, back); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "report.html")); err != nil {
		t.Error("Report did not write report.html")
	}
	if r.Analysis == nil || r.Analysis.Verdict.Status != Supported {
		t.Errorf("reloaded verdict %+v", r.Analysis)
	}

	r.Variants[0].Key, r.Variants[0].Cond = "gone", nil
	Analyze(reg, back.Experiments)
	if v := r.Analysis.Verdict; v.Status != Inconclusive || !strings.Contains(v.Text, `variant "gone" is not one this version of fake defines`) {
		t.Errorf("verdict with an unknown variant: %+v", v)
	}

	if _, err := Load(reg, t.TempDir()); err == nil {
		t.Error("Load of an empty directory succeeded")
	}
}

func TestMergeRejectsOtherSweeps(t *testing.T) {
	reg := &Registry{}
	reg.Register(fakeExperiment(new(atomic.Int64)))
	a, b := t.TempDir(), t.TempDir()
	if err := Report(reg, a, &Results{Experiments: runFake(t, a, 2, new(atomic.Int64))}); err != nil {
		t.Fatal(err)
	}
	e := fakeExperiment(new(atomic.Int64))
	cfg, _ := e.Resolve(true, nil, "")
	res, err := (&Runner{Dir: b}).Run(context.Background(), []Plan{{Exp: e, Config: cfg, Seeds: []uint64{0}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := Report(reg, b, &Results{Experiments: res}); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "merged")
	var me *MergeError
	if _, err := Merge(reg, dst, []string{a, b}, false); !errors.As(err, &me) || !strings.Contains(err.Error(), "only shards of one sweep") {
		t.Errorf("merging two sweeps: err = %v", err)
	}
	if _, err := os.Stat(dst); err == nil {
		t.Error("a refused merge created the run directory")
	}
	if _, err := Merge(reg, dst, []string{a, t.TempDir()}, false); !errors.As(err, &me) || !strings.Contains(err.Error(), "not a run directory") {
		t.Errorf("merging a non-run: err = %v", err)
	}
	// The failed trial (variant a, seed 3) is merged as failed, not missing;
	// the directory given twice is merged once and reported.
	info, err := Merge(reg, dst, []string{a, a}, false)
	if err != nil || info.Copied != 9 || Missing(info.Results) != 0 || len(info.Duplicates) != 1 || len(info.Sources) != 1 {
		t.Fatalf("merging a run with itself: %+v, err %v; want 9 trials, none missing, one duplicate", info, err)
	}
	if v := info.Results[0].Variant("a"); v.Failed != 1 {
		t.Errorf("the failed trial was not merged as failed: %+v", v.Trials)
	}
}

// A run whose trials cannot fit in memory is refused before it starts.
func TestNewPlansRefusesWhatCannotFit(t *testing.T) {
	e := fakeExperiment(new(atomic.Int64))
	e.Memory = func(c Config) int64 { return int64(c.Float("scale")) << 30 }
	var pe *PlanError
	_, err := NewPlans([]*Experiment{e}, PlanOptions{Overrides: map[string]string{"scale": "3"}, Seeds: []uint64{0, 1}, Workers: 2, MemoryLimit: 4 << 30})
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), "fake needs about 3.0 GiB per trial (6.0 GiB for 2 trials at once) but only 4.0 GiB") {
		t.Errorf("err = %v", err)
	}
	if _, err := NewPlans([]*Experiment{e}, PlanOptions{Overrides: map[string]string{"scale": "3"}, Seeds: []uint64{0, 1}, Workers: 1, MemoryLimit: 4 << 30}); err != nil {
		t.Errorf("one worker fits: %v", err)
	}
	if AvailableMemory() < 0 {
		t.Error("AvailableMemory < 0")
	}
}

// A run directory written before results.json format 2 (series inside
// results.json, metrics.jsonl per trial; testdata/run-format1, written by
// intercept at commit 95e8f30) still loads, series included, and re-renders
// with the new files.
func TestLoadFormat1RunDirectory(t *testing.T) {
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("testdata/run-format1")); err != nil {
		t.Fatal(err)
	}
	reg := &Registry{} // the experiment is unknown here: loaded as read
	res, err := Load(reg, dir)
	if err != nil {
		t.Fatal(err)
	}
	if res.Format != 1 {
		t.Errorf("format = %d, want 1", res.Format)
	}
	points := 0
	for _, r := range res.Experiments {
		for _, v := range r.Variants {
			for _, s := range v.Series("loss") {
				points += len(s)
			}
		}
	}
	if points == 0 {
		t.Fatal("no series points loaded from a format-1 results.json")
	}
	if err := Rerender(reg, dir, res); err != nil {
		t.Fatal(err)
	}
	rows, err := ReadMetrics(filepath.Join(dir, MetricsFile))
	if err != nil {
		t.Fatal(err)
	}
	series := 0
	for _, r := range rows {
		if r.Kind == "series" && r.Metric == "loss" {
			series++
		}
	}
	if series != points {
		t.Errorf("metrics.parquet has %d loss points, results.json %d", series, points)
	}
}
