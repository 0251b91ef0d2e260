package main

import (
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"

	"github.com/intercept-ml/intercept/lab"
	"github.com/intercept-ml/intercept/lab/experiments"
)

// verify reproduces an untouched run and names the trial, step and both
// values of a tampered one.
func TestVerifyTamperedRun(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	if _, stderr, code := runApp(t, context.Background(), "run", "activation-shift", "--quick", "--seeds", "2", "--set", "steps=20", "--quiet", "--out", dir); code != 0 {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	res, err := lab.ReadResults(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Fingerprint == nil || res.Fingerprint.Trials != 8 || len(res.Fingerprint.SHA256) != 64 {
		t.Fatalf("results.json's fingerprint: %+v", res.Fingerprint)
	}
	if html, _ := os.ReadFile(filepath.Join(dir, "report.html")); !strings.Contains(string(html), `<code id="fingerprint">`+res.Fingerprint.SHA256+`</code>`) {
		t.Error("report.html does not show the fingerprint")
	}

	out, stderr, code := runApp(t, context.Background(), "verify", dir)
	if code != 0 || !strings.Contains(out, "re-ran 3 of 8 recorded trials") || !strings.Contains(out, "reproduced: 3 of 3 re-run trials bit for bit") ||
		!strings.Contains(out, "the recorded values match the recorded fingerprint") || strings.Count(stderr, "activation-shift") != 3 {
		t.Errorf("verify of an untouched run: exit %d\n%s%s", code, out, stderr)
	}
	out, _, code = runApp(t, context.Background(), "verify", "--all", "--quiet", dir)
	if code != 0 || !strings.Contains(out, "re-ran 8 of 8 recorded trials (all)") || !strings.Contains(out, "reproduced: 8 of 8") {
		t.Errorf("verify --all of an untouched run: exit %d\n%s", code, out)
	}

	// Flip the last bit of one stored value (in the experiment's trial
	// pack, the trial's CRC-32 of its values updated so that it still loads).
	loaded, err := lab.Load(experiments.Registry(), dir)
	if err != nil {
		t.Fatal(err)
	}
	v := loaded.Experiments[0].Variants[1]
	loss := v.Trials[1].Result.Series["loss"]
	if len(loss) < 4 {
		t.Fatalf("loaded loss series: %v", loss)
	}
	orig := loss[3]
	loss[3] = math.Float64frombits(math.Float64bits(orig) ^ 1)
	type packRow struct {
		Trial  string  `parquet:"trial,dict"`
		Series string  `parquet:"series,dict"`
		Step   int32   `parquet:"step"`
		Value  float64 `parquet:"value"`
	}
	paths, _ := filepath.Glob(filepath.Join(dir, "trials", "activation-shift", "*.parquet"))
	if len(paths) != 1 {
		t.Fatalf("the experiment's trial pack: %v", paths)
	}
	f, err := os.Open(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	st, _ := f.Stat()
	pf, err := parquet.OpenFile(f, st.Size())
	if err != nil {
		t.Fatal(err)
	}
	meta, _ := pf.Lookup("intercept.trials")
	f.Close()
	rows, err := parquet.ReadFile[packRow](paths[0])
	if err != nil {
		t.Fatal(err)
	}
	trial := strings.ReplaceAll(v.Key, ",", "_") + fmt.Sprintf("/seed-%d", v.Trials[1].Seed)
	flipped := false
	crc := crc32.NewIEEE()
	for i := range rows {
		if rows[i].Trial != trial {
			continue
		}
		if rows[i].Series == "loss" && rows[i].Step == 3 {
			rows[i].Value, flipped = loss[3], true
		}
		crc.Write(binary.LittleEndian.AppendUint64(nil, math.Float64bits(rows[i].Value)))
	}
	if !flipped {
		t.Fatal("no loss step 3 of the trial in the pack")
	}
	var pack struct {
		Version int                       `json:"version"`
		Trials  map[string]map[string]any `json:"trials"`
	}
	if err := json.Unmarshal([]byte(meta), &pack); err != nil {
		t.Fatal(err)
	}
	pack.Trials[trial]["series_crc32"] = crc.Sum32()
	b, _ := json.Marshal(pack)
	if err := parquet.WriteFile(paths[0], rows, parquet.KeyValueMetadata("intercept.trials", string(b))); err != nil {
		t.Fatal(err)
	}
	out, _, code = runApp(t, context.Background(), "verify", "--quiet", dir)
	if code != 1 || !strings.Contains(out, "fingerprint: MISMATCH: the recorded values of activation-shift do not give the fingerprint") {
		t.Errorf("verify of a tampered run: exit %d, want 1 and the fingerprint mismatch\n%s", code, out)
	}
	out, stderr, code = runApp(t, context.Background(), "verify", "--all", "--quiet", dir)
	want := fmt.Sprintf(`first difference: experiment activation-shift, variant %q, seed %d: series "loss" step 3: recorded %s (0x%016x), here %s (0x%016x)`,
		v.Key, v.Trials[1].Seed, strconv.FormatFloat(loss[3], 'g', -1, 64), math.Float64bits(loss[3]), strconv.FormatFloat(orig, 'g', -1, 64), math.Float64bits(orig))
	if code != 1 || !strings.Contains(out, "NOT REPRODUCED: 1 of 8 re-run trials differ") || !strings.Contains(out, want) ||
		!strings.Contains(stderr, "is not reproduced on this machine") {
		t.Errorf("verify --all of a tampered run: exit %d, want 1 and\n%s\ngot\n%s%s", code, want, out, stderr)
	}
}

// verify works on the shards of a sweep (it re-runs each shard's trials)
// and on their merge, whose fingerprint is the one run's.
func TestVerifyShardsAndMerge(t *testing.T) {
	tmp := t.TempDir()
	base := []string{"run", "activation-shift", "--quick", "--seeds", "2", "--set", "steps=10", "--quiet"}
	whole := filepath.Join(tmp, "whole")
	if _, stderr, code := runApp(t, context.Background(), append(base, "--out", whole)...); code != 0 {
		t.Fatalf("run: exit %d: %s", code, stderr)
	}
	var shards []string
	for i := range 2 {
		dir := filepath.Join(tmp, fmt.Sprintf("shard%d", i))
		if _, stderr, code := runApp(t, context.Background(), append(base, "--shard", fmt.Sprintf("%d/2", i), "--out", dir)...); code != 0 {
			t.Fatalf("shard %d: exit %d: %s", i, code, stderr)
		}
		out, stderr, code := runApp(t, context.Background(), "verify", "--all", "--quiet", dir)
		if code != 0 || !strings.Contains(out, "re-ran 4 of 4 recorded trials") || !strings.Contains(out, "reproduced: 4 of 4") {
			t.Errorf("verify of shard %d: exit %d\n%s%s", i, code, out, stderr)
		}
		shards = append(shards, dir)
	}
	merged := filepath.Join(tmp, "merged")
	if _, stderr, code := runApp(t, context.Background(), append([]string{"merge", "--out", merged}, shards...)...); code != 0 {
		t.Fatalf("merge: exit %d: %s", code, stderr)
	}
	out, stderr, code := runApp(t, context.Background(), "verify", "--quiet", merged)
	if code != 0 || !strings.Contains(out, "re-ran 3 of 8 recorded trials") || !strings.Contains(out, "reproduced: 3 of 3") {
		t.Errorf("verify of the merged run: exit %d\n%s%s", code, out, stderr)
	}
	a, errA := lab.ReadResults(filepath.Join(whole, "results.json"))
	b, errB := lab.ReadResults(filepath.Join(merged, "results.json"))
	if errA != nil || errB != nil || a.Fingerprint.SHA256 != b.Fingerprint.SHA256 {
		t.Errorf("the merged run's fingerprint differs from the one run's: %v %v", errA, errB)
	}
}

func TestVerifyUsage(t *testing.T) {
	empty := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"verify"}, "verify takes one run directory"},
		{[]string{"verify", filepath.Join(empty, "nope")}, "not a run directory"},
		{[]string{"verify", empty}, "not a run directory (no results.json)"},
		{[]string{"verify", "--sample", "0", empty}, "--sample must be at least 1"},
		{[]string{"verify", "--bogus", empty}, "unknown flag"},
	} {
		_, stderr, code := runApp(t, context.Background(), tc.args...)
		if code != 2 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, %q; want exit 2 and %q", tc.args, code, stderr, tc.want)
		}
	}
	out, _, code := runApp(t, context.Background(), "help")
	if code != 0 || !strings.Contains(out, "verify") {
		t.Errorf("help does not list verify: %s", out)
	}
}
