package lab

import (
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// twinCond is a condition of the toy experiment the twin comparison test
// writes.
type twinCond struct {
	Offset string
	Bias   bool
}

func (c twinCond) Settings() []Setting {
	b := "off"
	if c.Bias {
		b = "on"
	}
	return []Setting{Set("offset", c.Offset), Set("bias", b)}
}

// compareRow is one row of compare.py --json.
type compareRow struct {
	Variant string `json:"variant"`
	Metric  string `json:"metric"`
	Verdict string `json:"verdict"`
	Go      struct {
		N         int             `json:"n"`
		NonFinite int             `json:"non_finite"`
		Mean      json.RawMessage `json:"mean"`
		Low       json.RawMessage `json:"ci95_low"`
		High      json.RawMessage `json:"ci95_high"`
	} `json:"go"`
	Paired json.RawMessage `json:"paired_rel"`
}

// TestTwinCompare runs lab/pytorch/compare.py (standard-library Python, no
// torch) on a results.json written by this package and a twin's JSON, and
// checks its verdicts and that its means and 95% intervals are Summarize's.
// It skips when python3 is not installed.
func TestTwinCompare(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 is not installed: lab/pytorch/compare.py is not tested")
	}
	nan := math.NaN()
	seeds := []uint64{0, 1, 2, 3, 4}
	a, b := twinCond{"0", true}, twinCond{"4", false}
	goVals := map[string]map[string][]float64{
		NewVariant(a).Key: {
			"loss": {1.0, 1.2, 0.9, 1.1, 1.05},
			"acc":  {0.91, 0.92, 0.90, 0.93, 0.92},
		},
		NewVariant(b).Key: {
			"loss":     {3.1, 2.8, 3.3, 2.9, 3.0},
			"acc":      {0.5, 0.6, 0.55, 0.52, 0.58},
			"diverged": {1, nan, 2, nan, 1.5},
			"exploded": {1, 2, 3, 2, 1},
		},
	}
	er := &ExperimentResult{Name: "toy", Config: []string{"steps=3"}, Seeds: seeds, Complete: true}
	for _, c := range []twinCond{a, b} {
		v := &VariantResult{Variant: NewVariant(c)}
		for i, s := range seeds {
			r := NewResult()
			for m, xs := range goVals[v.Key] {
				r.Scalars[m] = xs[i]
			}
			v.Trials = append(v.Trials, TrialRecord{Seed: s, Result: r})
		}
		er.Variants = append(er.Variants, v)
	}
	er.Aggregate()
	dir := t.TempDir()
	if err := writeResultsJSON(dir, &Results{Format: ResultsFormat, Experiments: []*ExperimentResult{er}}); err != nil {
		t.Fatal(err)
	}
	twin := map[string]any{
		"experiment": "toy",
		"config":     map[string]string{"steps": "4"},
		"seeds":      seeds,
		"metrics": map[string]map[string][]any{
			NewVariant(a).Key: {
				"loss": {1.0, 1.2, 0.9, 1.1, 1.0500001}, // the same up to rounding
				"acc":  {0.81, 0.82, 0.80, 0.83, 0.82},  // 10 points lower: differs
				"only": {1, 2, 3, 4, 5},                 // not measured by Go
			},
			NewVariant(b).Key: {
				"loss":     {2.9, 3.2, 3.0, 3.1, 2.95},          // other seeds' luck, same mean
				"diverged": {2, 1, "NaN", "NaN", 1.2},           // as many non-finite
				"exploded": {"+Inf", "+Inf", "+Inf", "+Inf", 2}, // 4 of 5 non-finite, Go none
			},
		},
	}
	tb, err := json.Marshal(twin)
	if err != nil {
		t.Fatal(err)
	}
	twinFile := filepath.Join(t.TempDir(), "toy.json")
	if err := os.WriteFile(twinFile, tb, 0o644); err != nil {
		t.Fatal(err)
	}

	out, err := exec.Command(py, filepath.Join("pytorch", "compare.py"), dir, "--twin", twinFile, "--json").Output()
	if err != nil {
		t.Fatalf("compare.py --json: %v\n%s", err, out)
	}
	var doc struct {
		Summary     struct{ Metrics, Differ, Failed int }
		Experiments []struct {
			Experiment string
			Rows       []compareRow
			Notes      []string
		}
	}
	if err := json.Unmarshal(out, &doc); err != nil {
		t.Fatalf("compare.py --json printed no JSON: %v\n%s", err, out)
	}
	if len(doc.Experiments) != 1 || doc.Experiments[0].Experiment != "toy" {
		t.Fatalf("experiments = %+v, want toy only", doc.Experiments)
	}
	want := map[string]string{
		"offset=0,bias=on loss":      "agree",
		"offset=0,bias=on acc":       "DIFFER",
		"offset=4,bias=off loss":     "agree",
		"offset=4,bias=off diverged": "agree",
		"offset=4,bias=off exploded": "DIFFER",
	}
	got := map[string]string{}
	for _, r := range doc.Experiments[0].Rows {
		k := r.Variant + " " + r.Metric
		got[k] = r.Verdict
		// compare.py's statistics are the lab's: mean and 95% t interval of the finite values
		s := er.Variant(r.Variant).Scalar(r.Metric)
		if r.Go.N != s.N || r.Go.NonFinite != s.NonFinite {
			t.Errorf("%s: compare.py counts %d finite, %d non-finite; Summarize %d, %d", k, r.Go.N, r.Go.NonFinite, s.N, s.NonFinite)
		}
		for _, f := range []struct {
			name string
			raw  json.RawMessage
			want float64
		}{{"mean", r.Go.Mean, s.Mean}, {"ci95_low", r.Go.Low, s.CILow}, {"ci95_high", r.Go.High, s.CIHigh}} {
			var x float64
			if err := json.Unmarshal(f.raw, &x); err != nil {
				t.Errorf("%s %s = %s, want a number", k, f.name, f.raw)
				continue
			}
			if math.Abs(x-f.want) > 1e-9*math.Max(1, math.Abs(f.want)) {
				t.Errorf("%s %s = %v, Summarize %v", k, f.name, x, f.want)
			}
		}
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: verdict %q, want %q", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("rows %v, want exactly %v", got, want)
	}
	notes := strings.Join(doc.Experiments[0].Notes, "\n")
	for _, n := range []string{"offset=0,bias=on only: only in the twin", "offset=4,bias=off acc: not in the twin", "parameter steps: Go 3, twin 4"} {
		if !strings.Contains(notes, n) {
			t.Errorf("notes %q lack %q", notes, n)
		}
	}
	if doc.Summary.Metrics != 5 || doc.Summary.Differ != 2 || doc.Summary.Failed != 0 {
		t.Errorf("summary %+v, want 5 metrics, 2 differ, 0 failed", doc.Summary)
	}

	// The table form, with --strict: exit status 1 when a metric differs.
	table, err := exec.Command(py, filepath.Join("pytorch", "compare.py"), dir, "--twin", twinFile, "--strict").Output()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
		t.Errorf("compare.py --strict with differing metrics: %v, want exit status 1", err)
	}
	if !strings.Contains(string(table), "offset=0,bias=on") || !strings.Contains(string(table), "5 metrics compared, 2 differ") {
		t.Errorf("table output:\n%s", table)
	}
}
