package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/intercept-ml/intercept/lab"
	"github.com/intercept-ml/intercept/lab/experiments"
)

// A resume continues exactly the run its directory holds and refuses
// anything else (exit 2, saying what differs and how to start a new run).
func TestResumeRefusesAnotherRun(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	base := []string{"run", "activation-shift", "--quick", "--seeds", "2", "--set", "steps=20", "--quiet"}
	if _, stderr, code := runApp(t, context.Background(), append(base, "--out", dir)...); code != 0 {
		t.Fatalf("first run: exit %d: %s", code, stderr)
	}
	results, _ := os.ReadFile(filepath.Join(dir, "results.json"))
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "activation-shift", "--seeds", "2", "--set", "steps=20", "--resume", dir}, "quick: true in the directory, false asked"},
		{[]string{"run", "activation-shift", "--quick", "--seeds", "3", "--set", "steps=20", "--resume", dir}, "seeds: 0,1 in the directory, 0,1,2 asked"},
		{[]string{"run", "activation-shift", "--quick", "--seeds", "2", "--set", "steps=30", "--resume", dir}, "steps=20 in the directory, steps=30 asked"},
		{[]string{"run", "bias-vs-nobias", "--quick", "--seeds", "2", "--resume", dir}, "experiments: activation-shift in the directory, bias-vs-nobias asked"},
		{append(base, "--shard", "0/2", "--resume", dir), "shard: none in the directory, 0/2 asked"},
		{append(base, "--out", dir), "holds another run"}, // --out, too, never mixes two runs
	} {
		if tc.args[len(tc.args)-2] == "--out" {
			tc.args = append(append([]string{}, tc.args[:len(tc.args)-2]...), "--set", "steps=21", "--out", dir)
		}
		_, stderr, code := runApp(t, context.Background(), tc.args...)
		if code != 2 || !strings.Contains(stderr, tc.want) || !strings.Contains(stderr, "to start a new run") {
			t.Errorf("%v: exit %d, %q; want exit 2 and %q", tc.args, code, stderr, tc.want)
		}
	}
	if after, _ := os.ReadFile(filepath.Join(dir, "results.json")); !bytes.Equal(after, results) {
		t.Error("a refused resume rewrote results.json")
	}

	// A shard directory resumed without its --shard is refused too.
	sd := filepath.Join(t.TempDir(), "shard")
	if _, stderr, code := runApp(t, context.Background(), append(base, "--shard", "1/2", "--out", sd)...); code != 0 {
		t.Fatal(stderr)
	}
	if _, stderr, code := runApp(t, context.Background(), "lab", "--quick", "--seeds", "2", "--resume", sd); code != 2 || !strings.Contains(stderr, "shard: 1/2 in the directory, none asked") {
		t.Errorf("lab --resume on a shard: exit %d, %q", code, stderr)
	}
	if _, stderr, code := runApp(t, context.Background(), append(base, "--shard", "1/2", "--resume", sd)...); code != 0 {
		t.Errorf("resuming the same shard: exit %d, %q", code, stderr)
	}
	// The version that wrote the run is part of it.
	m, err := lab.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	m.Version = "v0.0.1"
	if err := lab.WriteManifest(dir, *m); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := runApp(t, context.Background(), append(base, "--resume", dir)...); code != 2 || !strings.Contains(stderr, "intercept version: v0.0.1 in the directory") {
		t.Errorf("resume by another version: exit %d, %q", code, stderr)
	}
}

// Resume removes the temporary files a crash left; a second process
// cannot write a run directory another one holds.
func TestRunDirectoryTempFilesAndLock(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	args := []string{"run", "activation-shift", "--quick", "--seeds", "1", "--set", "steps=10,activations=relu", "--quiet"}
	if _, stderr, code := runApp(t, context.Background(), append(args, "--out", dir)...); code != 0 {
		t.Fatal(stderr)
	}
	var trial string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if strings.HasSuffix(d.Name(), ".parquet") && strings.Contains(p, "trials") {
			trial = filepath.Dir(p)
		}
		return nil
	})
	if trial == "" {
		t.Fatal("no trial file or pack in the run directory")
	}
	stray := filepath.Join(trial, ".seed-0.parquet.tmp-123456")
	if err := os.WriteFile(stray, []byte("torn"), 0o644); err != nil {
		t.Fatal(err)
	}
	// A lock held by a live process (this one) refuses the second writer.
	lock := filepath.Join(dir, ".lock")
	host, _ := os.Hostname()
	if err := os.WriteFile(lock, fmt.Appendf(nil, "%d %s now\n", os.Getpid(), strings.Join(strings.Fields(host), "_")), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := runApp(t, context.Background(), append(args, "--resume", dir)...); code != 1 || !strings.Contains(stderr, "being written by another intercept") {
		t.Errorf("second writer: exit %d, %q", code, stderr)
	}
	if out, _, code := runApp(t, context.Background(), "status", dir); code != 0 || !strings.Contains(out, "running") {
		t.Errorf("status of a locked run: exit %d, %q", code, out)
	}
	// A lock left by a process that is gone is taken over.
	if err := os.WriteFile(lock, fmt.Appendf(nil, "%d %s then\n", 1<<30, strings.Join(strings.Fields(host), "_")), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := runApp(t, context.Background(), append(args, "--resume", dir)...); code != 0 {
		t.Fatalf("resume after a crash: exit %d, %q", code, stderr)
	}
	if _, err := os.Stat(stray); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the stray temporary file survived the resume: %v", err)
	}
	if _, err := os.Stat(lock); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the lock survived the run: %v", err)
	}
	out, _, code := runApp(t, context.Background(), "status", dir)
	if code != 0 || !strings.Contains(out, "whole run, 2/2 trials done, 0 failed, 0 diverged, finished") {
		t.Errorf("status: exit %d, %q", code, out)
	}
}

// Nonsense parameters never reach a trial: exit 2 naming the parameter and
// its range.
func TestParameterRangesCheckedFirst(t *testing.T) {
	for _, tc := range []struct{ exp, set, want string }{
		{"bias-vs-nobias", "steps=-5", "steps must be an integer in [1, 1e+06]"},
		{"bias-vs-nobias", "hidden=0", "hidden must be an integer in [1, 4096]"},
		{"bias-vs-nobias", "hidden=100000", "hidden must be an integer in [1, 4096]"},
		{"bias-vs-nobias", "lr=NaN", "lr must be a finite number in [1e-08, 100]"},
		{"bias-vs-nobias", "lr=+Inf", "lr must be a finite number"},
		{"bias-vs-nobias", "offsets=0;NaN", "offsets must be a comma-separated list of finite numbers"},
		{"digits", "batch=0", "batch must be an integer in [1, 65536]"},
	} {
		dir := filepath.Join(t.TempDir(), "run")
		_, stderr, code := runApp(t, context.Background(), "run", tc.exp, "--quick", "--seeds", "1", "--set", tc.set, "--out", dir)
		if code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("--set %s: exit %d, %q; want exit 2 and %q", tc.set, code, stderr, tc.want)
		}
		if _, err := os.Stat(dir); err == nil {
			t.Errorf("--set %s: the refused run created its directory", tc.set)
		}
	}
	for _, e := range experiments.Registry().All() {
		for _, p := range e.Params {
			if (p.Kind == lab.Int || p.Kind == lab.Float || p.Kind == lab.Floats) && !(p.Max > p.Min) {
				t.Errorf("%s: parameter %s declares no range", e.Name, p.Name)
			}
		}
	}
}

// writeIDX writes MNIST-like IDX files (n images of 2×2 and labels) for
// the train and t10k parts into dir.
func writeIDX(t *testing.T, dir string, n int, label byte) {
	t.Helper()
	for _, part := range []string{"train", "t10k"} {
		var img, lab bytes.Buffer
		img.Write([]byte{0, 0, 8, 3})
		binary.Write(&img, binary.BigEndian, []int32{int32(n), 2, 2})
		img.Write(make([]byte, 4*n))
		lab.Write([]byte{0, 0, 8, 1})
		binary.Write(&lab, binary.BigEndian, int32(n))
		for i := range n {
			lab.WriteByte(byte(i % 10))
		}
		if n > 0 {
			lab.Bytes()[8+n-1] = label
		}
		os.WriteFile(filepath.Join(dir, part+"-images-idx3-ubyte"), img.Bytes(), 0o644)
		os.WriteFile(filepath.Join(dir, part+"-labels-idx1-ubyte"), lab.Bytes(), 0o644)
	}
}

// --data is validated before any trial: an empty set, or a label outside
// the classes, is a usage error naming the problem, never a panic.
func TestDataValidated(t *testing.T) {
	empty, bad, short := t.TempDir(), t.TempDir(), t.TempDir()
	writeIDX(t, empty, 0, 0)
	writeIDX(t, bad, 20, 200)
	writeIDX(t, short, 20, 1)
	var lab bytes.Buffer
	lab.Write([]byte{0, 0, 8, 1})
	binary.Write(&lab, binary.BigEndian, int32(19))
	lab.Write(make([]byte, 19))
	os.WriteFile(filepath.Join(short, "train-labels-idx1-ubyte"), lab.Bytes(), 0o644)
	for _, tc := range []struct{ dir, want string }{
		{empty, "holds no images"},
		{bad, "training label 19 is 200, outside the 10 classes 0..9"},
		{short, "has 20 images but"},
	} {
		for _, exp := range []string{"digits", "deep-relu", "dying-relu"} {
			_, stderr, code := runApp(t, context.Background(), "run", exp, "--quick", "--seeds", "1", "--data", "idx:"+tc.dir, "--out", filepath.Join(t.TempDir(), "r"))
			if code != 2 || !strings.Contains(stderr, tc.want) {
				t.Errorf("%s --data %s: exit %d, %q; want exit 2 and %q", exp, tc.dir, code, stderr, tc.want)
			}
		}
	}
}

// A run in which every trial of an experiment failed exits 1.
func TestEveryTrialFailedExits1(t *testing.T) {
	reg := &lab.Registry{}
	reg.Register(&lab.Experiment{Name: "broken", Title: "Broken", Claim: "c",
		Variants: func(lab.Config) ([]lab.Variant, error) { return []lab.Variant{lab.NewVariant(testCond{})}, nil },
		Run:      func(context.Context, lab.Trial) (*lab.TrialResult, error) { return nil, errors.New("no luck") },
		Analyze: func(*lab.ExperimentResult) lab.Analysis {
			return lab.Analysis{Verdict: lab.Verdict{Status: lab.Supported}}
		},
	})
	var out, errb bytes.Buffer
	dir := filepath.Join(t.TempDir(), "run")
	a := &app{stdout: &out, stderr: &errb, registry: reg, now: time.Now, args: []string{"run", "broken", "--seeds", "2", "--quiet", "--out", dir}}
	if code := a.execute(context.Background()); code != 1 || !strings.Contains(errb.String(), "every trial of broken failed") {
		t.Errorf("exit %d, %q", code, errb.String())
	}
	out.Reset()
	a.args = []string{"status", dir}
	if code := a.execute(context.Background()); code != 0 || !strings.Contains(out.String(), "0/2 trials done, 2 failed") || !strings.Contains(out.String(), "no luck") {
		t.Errorf("status: exit %d, %q", code, out.String())
	}
}

type testCond struct{}

func (testCond) Settings() []lab.Setting { return []lab.Setting{lab.Set("x", "1")} }

// report reads results.json and never rewrites it; a format version it
// does not know is refused.
func TestReportNeverRewritesResults(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	if _, stderr, code := runApp(t, context.Background(), "run", "activation-shift", "--quick", "--seeds", "1", "--set", "steps=10", "--quiet", "--out", dir); code != 0 {
		t.Fatal(stderr)
	}
	path := filepath.Join(dir, "results.json")
	b, _ := os.ReadFile(path)
	if !bytes.HasPrefix(b, []byte(`{"format":2,`)) {
		t.Errorf("results.json does not start with its format version 2: %.40q", b)
	}
	st, _ := os.Stat(path)
	time.Sleep(10 * time.Millisecond)
	if _, stderr, code := runApp(t, context.Background(), "report", dir); code != 0 {
		t.Fatal(stderr)
	}
	after, _ := os.ReadFile(path)
	st2, _ := os.Stat(path)
	if !bytes.Equal(b, after) || !st.ModTime().Equal(st2.ModTime()) {
		t.Error("report rewrote results.json")
	}
	for _, tc := range []struct{ edit, want string }{
		{`"format":3`, "format version 3"},
		{`"format":2,"extra":true`, `unknown field "extra"`},
	} {
		os.WriteFile(path, bytes.Replace(b, []byte(`"format":2`), []byte(tc.edit), 1), 0o644)
		if _, stderr, code := runApp(t, context.Background(), "report", dir); code != 1 || !strings.Contains(stderr, tc.want) {
			t.Errorf("report of %s: exit %d, %q", tc.edit, code, stderr)
		}
	}
	os.WriteFile(path, bytes.Replace(b, []byte(`"activation-shift"`), []byte("\"activation-shift\xff\""), 1), 0o644)
	if _, stderr, code := runApp(t, context.Background(), "report", dir); code != 1 || !strings.Contains(stderr, "invalid UTF-8") {
		t.Errorf("report of invalid UTF-8: exit %d, %q", code, stderr)
	}
}
