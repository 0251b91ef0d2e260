package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/intercept-ml/intercept/lab"
	"github.com/intercept-ml/intercept/lab/experiments"
)

// runApp runs the command line as main does and returns stdout, stderr and
// the exit status.
func runApp(t *testing.T, ctx context.Context, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	a := &app{stdout: &out, stderr: &errb, registry: experiments.Registry(), now: time.Now, args: args}
	code := a.execute(ctx)
	return out.String(), errb.String(), code
}

func TestVersion(t *testing.T) {
	out, _, code := runApp(t, context.Background(), "version")
	if code != 0 || !strings.HasPrefix(out, "intercept ") || !strings.Contains(out, "kernel ") {
		t.Fatalf("version: exit %d, %q", code, out)
	}
}

func TestListNamesEveryExperimentWithItsParameters(t *testing.T) {
	out, _, code := runApp(t, context.Background(), "list")
	if code != 0 {
		t.Fatalf("list: exit %d", code)
	}
	// Both groups, the document's claims first, each under its heading.
	ci, li := strings.Index(out, "== "+lab.Claims.Title()), strings.Index(out, "== "+lab.Literature.Title())
	if ci < 0 || li < 0 || li < ci {
		t.Errorf("list does not show the two groups in order (claims at %d, literature at %d)", ci, li)
	}
	for _, e := range experiments.Registry().All() {
		i := strings.Index(out, e.Name+" — ")
		inLit := li >= 0 && i > li
		if (e.Group == lab.Literature) != inLit {
			t.Errorf("list shows %s (group %q) under the wrong heading", e.Name, e.Group)
		}
	}
	for _, e := range experiments.Registry().All() {
		if !strings.Contains(out, e.Name+" — ") || !strings.Contains(out, e.Claim) {
			t.Errorf("list does not show %s and its claim", e.Name)
		}
		for _, p := range e.Params {
			if !strings.Contains(out, "    "+p.Name+" ") {
				t.Errorf("list does not show parameter %s of %s", p.Name, e.Name)
			}
		}
	}
}

func TestHelpOnEveryCommand(t *testing.T) {
	for _, cmd := range []string{"lab", "run", "list", "report", "merge", "inspect", "version"} {
		out, _, code := runApp(t, context.Background(), cmd, "--help")
		if code != 0 || !strings.Contains(out, "Usage:") {
			t.Errorf("%s --help: exit %d, %q", cmd, code, out)
		}
	}
}

func TestUsageErrorsExitTwoWithAClearMessage(t *testing.T) {
	dir := t.TempDir()
	notADir := filepath.Join(dir, "file")
	os.WriteFile(notADir, []byte("x"), 0o644)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"no-such-command"}, "unknown command"},
		{[]string{"lab", "extra"}, "unknown command \"extra\""},
		{[]string{"lab", "--no-such-flag"}, "unknown flag"},
		{[]string{"run"}, "run takes one experiment name"},
		{[]string{"run", "no-such-experiment"}, `unknown experiment "no-such-experiment"`},
		{[]string{"run", "no-such-experiment"}, "groups: claims, literature"},
		{[]string{"run", "digits", "--set", "epochs=many"}, "epochs"},
		{[]string{"run", "digits", "--set", "no_such_param=1"}, "no_such_param"},
		{[]string{"run", "digits", "--set", "=1"}, "empty key"},
		{[]string{"run", "digits", "--seeds", "0"}, "--seeds must be between 1 and 1000"},
		{[]string{"run", "digits", "--data", "idx:" + filepath.Join(dir, "missing")}, "missing"},
		{[]string{"run", "digits", "--data", "idx:" + notADir}, "not a directory"},
		{[]string{"run", "digits", "--data", "idx:" + dir}, "train-images-idx3-ubyte"},
		{[]string{"run", "digits", "--resume", filepath.Join(dir, "missing")}, "--resume"},
		{[]string{"report"}, "report takes one run directory"},
	} {
		_, stderr, code := runApp(t, context.Background(), tc.args...)
		if code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%q: exit %d, stderr %q; want exit 2 and %q", tc.args, code, stderr, tc.want)
		}
	}
}

func TestReportOfAMissingRunFails(t *testing.T) {
	_, stderr, code := runApp(t, context.Background(), "report", filepath.Join(t.TempDir(), "nothing"))
	if code != 1 || !strings.Contains(stderr, "results.json") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
}

// A small run writes the report files; --resume reruns nothing and gives
// the same numbers; report re-renders from results.json.
func TestRunResumeAndReport(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	args := []string{"run", "activation-shift", "--seeds", "2", "--set", "steps=30,activations=sigmoid", "--out", dir}
	out, stderr, code := runApp(t, context.Background(), args...)
	if code != 0 {
		t.Fatalf("run: exit %d\n%s", code, stderr)
	}
	if !strings.Contains(out, "report: "+filepath.Join(dir, "report.html")) {
		t.Errorf("the report path is not printed: %q", out)
	}
	if got := strings.Count(stderr, ": ok\n"); got != 4 {
		t.Errorf("%d trials reported ok, want 4 (2 variants × 2 seeds):\n%s", got, stderr)
	}
	for _, f := range []string{"report.html", "results.json", "metrics.parquet", "plots/activation-shift-loss.svg"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s missing or empty: %v", f, err)
		}
	}
	before, err := lab.ReadResults(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}

	resumeArgs := []string{"run", "activation-shift", "--seeds", "2", "--set", "steps=30,activations=sigmoid", "--resume", dir}
	_, stderr, code = runApp(t, context.Background(), resumeArgs...)
	if code != 0 || !strings.Contains(stderr, "resuming: 4 of 4 trials already finished") {
		t.Fatalf("resume: exit %d\n%s", code, stderr)
	}
	res, err := lab.ReadResults(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	a, b := before.Experiments[0].Variants[0].Scalar("final_loss"), res.Experiments[0].Variants[0].Scalar("final_loss")
	if a.Mean != b.Mean || a.N != 2 {
		t.Errorf("resumed results differ: %v vs %v", a, b)
	}

	os.Remove(filepath.Join(dir, "report.html"))
	out, _, code = runApp(t, context.Background(), "report", dir)
	if code != 0 || !strings.Contains(out, "report.html") {
		t.Fatalf("report: exit %d %q", code, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "report.html")); err != nil {
		t.Errorf("report did not re-render report.html: %v", err)
	}
}

// An interrupted run exits 130, keeps what it has and still writes a report.
func TestInterruptedRunExits130AndWritesAReport(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, stderr, code := runApp(t, ctx, "run", "activation-shift", "--seeds", "2", "--out", dir)
	if code != 130 || !strings.Contains(stderr, "--resume "+dir) {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	res, err := lab.ReadResults(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !res.Run.Interrupted || res.Experiments[0].Complete {
		t.Errorf("results do not say the run was interrupted: %+v", res.Run)
	}
}

// The whole lab in quick mode, end to end: every experiment ends with a
// verdict and its plots, and the report renders in a real browser.
func TestLabQuickEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole lab")
	}
	dir := filepath.Join(t.TempDir(), "lab")
	out, stderr, code := runApp(t, context.Background(), "lab", "--quick", "--seeds", "2", "--quiet", "--out", dir)
	if code != 0 {
		t.Fatalf("lab --quick: exit %d\n%s", code, stderr)
	}
	if !strings.Contains(out, "report: ") {
		t.Errorf("no report path printed: %q", out)
	}
	res, err := lab.ReadResults(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	reg := experiments.Registry()
	if len(res.Experiments) != len(reg.All()) {
		t.Fatalf("%d experiments in results, want %d", len(res.Experiments), len(reg.All()))
	}
	plots := 0
	var names []string
	for _, e := range res.Experiments {
		names = append(names, e.Name)
		if e.Analysis == nil {
			t.Errorf("%s: no analysis", e.Name)
			continue
		}
		// Two seeds decide little under the paired rule, and never a "not
		// supported" (lab.MinSeedsForNo): every verdict is one of the four,
		// with its numbers.
		switch e.Analysis.Verdict.Status {
		case lab.Supported, lab.Depends, lab.Inconclusive:
		default:
			t.Errorf("%s: verdict %q from 2 seeds (%s)", e.Name, e.Analysis.Verdict.Status, e.Analysis.Verdict.Text)
		}
		if e.Analysis.Verdict.Text == "" {
			t.Errorf("%s: a verdict without its numbers", e.Name)
		}
		if len(e.Analysis.Plots) == 0 {
			t.Errorf("%s: no plots", e.Name)
		}
		for _, v := range e.Variants {
			if v.Failed > 0 {
				t.Errorf("%s %s: %d failed trials", e.Name, v.Key, v.Failed)
			}
		}
		plots += len(e.Analysis.Plots)
	}
	groups := map[lab.Group]bool{}
	for _, e := range res.Experiments {
		groups[e.Section()] = true
	}
	checkReportInBrowser(t, filepath.Join(dir, "report.html"), plots, names, len(groups))
}

// A sweep split into shards and merged gives the report one machine gives:
// every trial identical. A missing shard makes merge fail after writing
// what it has.
func TestShardsMergeToTheSingleMachineRun(t *testing.T) {
	tmp := t.TempDir()
	args := []string{"run", "activation-shift", "--seeds", "3", "--set", "steps=30", "--quiet"}
	run := func(extra ...string) {
		t.Helper()
		if _, stderr, code := runApp(t, context.Background(), append(append([]string{}, args...), extra...)...); code != 0 {
			t.Fatalf("%v: exit %d: %s", extra, code, stderr)
		}
	}
	single := filepath.Join(tmp, "single")
	run("--out", single)
	var shards []string
	for i := range 3 {
		d := filepath.Join(tmp, fmt.Sprintf("shard%d", i))
		run("--shard", fmt.Sprintf("%d/3", i), "--out", d)
		shards = append(shards, d)
	}
	part, err := lab.ReadResults(filepath.Join(shards[1], "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if part.Run.Shard != "1/3" || part.Experiments[0].Complete {
		t.Errorf("a shard's results should say which shard it is and be incomplete: %q %v", part.Run.Shard, part.Experiments[0].Complete)
	}

	// status shows each shard's share of the trials.
	if out, stderr, code := runApp(t, context.Background(), append([]string{"status"}, shards...)...); code != 0 ||
		!strings.Contains(out, shards[1]+": shard 1/3, 4/4 trials done, 0 failed, 0 diverged, finished") {
		t.Errorf("status: exit %d, %q %q", code, out, stderr)
	}

	merged := filepath.Join(tmp, "merged")
	out, stderr, code := runApp(t, context.Background(), append([]string{"merge", "--out", merged}, shards...)...)
	if code != 0 {
		t.Fatalf("merge: exit %d: %s", code, stderr)
	}
	if !strings.Contains(out, "merged 12 trials from 3 run directories") {
		t.Errorf("merge output: %q", out)
	}
	want, err := lab.ReadResults(filepath.Join(single, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := lab.ReadResults(filepath.Join(merged, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !got.Experiments[0].Complete {
		t.Error("the merged run is not complete")
	}
	for i, wv := range want.Experiments[0].Variants {
		gv := got.Experiments[0].Variants[i]
		wj, _ := json.Marshal(wv)
		gj, _ := json.Marshal(gv)
		if string(wj) != string(gj) {
			t.Errorf("variant %s differs between the single run and the merged shards", wv.Key)
		}
	}
	if want.Experiments[0].Analysis.Verdict != got.Experiments[0].Analysis.Verdict {
		t.Errorf("verdicts differ: %+v vs %+v", want.Experiments[0].Analysis.Verdict, got.Experiments[0].Analysis.Verdict)
	}

	// A shard missing: exit 1 naming the directories, before any verdict
	// and without a report; --allow-incomplete writes it on purpose and
	// the terminal says incomplete.
	out, stderr, code = runApp(t, context.Background(), "merge", "--out", filepath.Join(tmp, "partial"), shards[0], shards[2])
	if code != 1 || !strings.Contains(stderr, "4 of 12 trials are in no shard") || !strings.Contains(stderr, "shard 1/3") || !strings.Contains(stderr, shards[2]) {
		t.Errorf("merge with a shard missing: exit %d, %q", code, stderr)
	}
	if strings.Contains(out, "VERDICT") {
		t.Errorf("merge with a shard missing printed verdicts: %q", out)
	}
	if _, err := os.Stat(filepath.Join(tmp, "partial", "report.html")); err == nil {
		t.Error("merge with a shard missing wrote a report without --allow-incomplete")
	}
	out, stderr, code = runApp(t, context.Background(), "merge", "--allow-incomplete", "--out", filepath.Join(tmp, "partial"), shards[0], shards[2])
	if code != 0 || !strings.Contains(out, "INCOMPLETE") || !strings.Contains(out, "(incomplete: not every trial finished)") {
		t.Errorf("merge --allow-incomplete: exit %d, %q %q", code, out, stderr)
	}
	if _, err := os.Stat(filepath.Join(tmp, "partial", "report.html")); err != nil {
		t.Errorf("merge --allow-incomplete wrote no report: %v", err)
	}

	// A shard given twice (as itself, or as a copy of the same shard) is
	// reported and counted once.
	dup := filepath.Join(tmp, "shard1-copy")
	if err := os.CopyFS(dup, os.DirFS(shards[1])); err != nil {
		t.Fatal(err)
	}
	out, stderr, code = runApp(t, context.Background(), "merge", "--out", filepath.Join(tmp, "twice"), shards[0], shards[1], shards[2], shards[0], dup)
	if code != 0 || !strings.Contains(out, "merged 12 trials from 3 run directories") || strings.Count(stderr, "merged once") != 2 {
		t.Errorf("merge with duplicates: exit %d, %q %q", code, out, stderr)
	}

	other := filepath.Join(tmp, "other")
	if _, stderr, code := runApp(t, context.Background(), "run", "activation-shift", "--seeds", "2", "--set", "steps=30", "--quiet", "--out", other); code != 0 {
		t.Fatal(stderr)
	}
	_, stderr, code = runApp(t, context.Background(), "merge", "--out", filepath.Join(tmp, "bad"), shards[0], other)
	if code != 1 || !strings.Contains(stderr, "only shards of one sweep can be merged") || !strings.Contains(stderr, other) {
		t.Errorf("merging different sweeps: exit %d, %q", code, stderr)
	}

	// Shards of another kernel (or version) do not merge silently.
	editResults(t, shards[2], func(r *lab.Results) { r.Run.Kernel = "other-kernel" })
	out, stderr, code = runApp(t, context.Background(), append([]string{"merge", "--out", filepath.Join(tmp, "kernels")}, shards...)...)
	if code != 1 || !strings.Contains(stderr, "kernel") || !strings.Contains(stderr, shards[2]) || strings.Contains(out, "VERDICT") {
		t.Errorf("merging shards of two kernels: exit %d, %q %q", code, out, stderr)
	}
}

// editResults rewrites dir/results.json through f.
func editResults(t *testing.T, dir string, f func(*lab.Results)) {
	t.Helper()
	r, err := lab.ReadResults(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	f(r)
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "results.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestParseShard(t *testing.T) {
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	for _, tc := range []struct {
		in      string
		env     map[string]string
		i, n    int
		wantErr string
	}{
		{"", nil, 0, 1, ""},
		{"0/4", nil, 0, 4, ""},
		{"3/4", nil, 3, 4, ""},
		{"4/4", nil, 0, 0, "0..3"},
		{"-1/4", nil, 0, 0, "0..3"},
		{"1/0", nil, 0, 0, "positive"},
		{"1", nil, 0, 0, "want i/n"},
		{"env/8", map[string]string{"SLURM_ARRAY_TASK_ID": "5"}, 5, 8, ""},
		{"env/8", map[string]string{"JOB_COMPLETION_INDEX": "7"}, 7, 8, ""},
		{"env/8", nil, 0, 0, "SLURM_ARRAY_TASK_ID"},
	} {
		env = tc.env
		i, n, err := parseShard(tc.in, getenv)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%q: err %v, want %q", tc.in, err, tc.wantErr)
			}
			continue
		}
		if err != nil || i != tc.i || n != tc.n {
			t.Errorf("%q: %d/%d, %v; want %d/%d", tc.in, i, n, err, tc.i, tc.n)
		}
	}
}
