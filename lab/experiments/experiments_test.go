package experiments

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/intercept-ml/intercept/lab"
)

// runQuick runs the named experiments in quick mode with the given
// overrides, seeds 0 and 1, and returns their JSON-encoded variants.
func runQuick(t *testing.T, procs, workers int, names []string, overrides map[string]map[string]string) string {
	t.Helper()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
	reg := Registry()
	var plans []lab.Plan
	for _, n := range names {
		e := reg.Get(n)
		cfg, err := e.Resolve(true, overrides[n], "")
		if err != nil {
			t.Fatal(err)
		}
		plans = append(plans, lab.Plan{Exp: e, Config: cfg, Seeds: []uint64{0, 1}})
	}
	r := &lab.Runner{Dir: t.TempDir(), Workers: workers}
	res, err := r.Run(context.Background(), plans)
	if err != nil {
		t.Fatal(err)
	}
	var parts []string
	for _, e := range res {
		for _, v := range e.Variants {
			if v.Failed > 0 {
				t.Fatalf("%s %s: failed trials: %+v", e.Name, v.Key, v.Trials)
			}
			b, err := json.Marshal(v.Trials)
			if err != nil {
				t.Fatal(err)
			}
			parts = append(parts, e.Name+"/"+v.Key+": "+string(b))
		}
	}
	return strings.Join(parts, "\n")
}

// The lab's numbers do not depend on GOMAXPROCS or on how many trials run
// at once: every trial, series and scalar is bit-identical.
func TestLabNumbersIdenticalAtAnyGOMAXPROCS(t *testing.T) {
	names := []string{"activation-shift", "digits", "bias-before-batchnorm", "deep-relu"}
	over := map[string]map[string]string{
		"activation-shift":      {"steps": "40"},
		"digits":                {"epochs": "1", "limit": "512"},
		"bias-before-batchnorm": {"steps": "10"},
		"deep-relu":             {"steps": "4", "inits": "kaiming"},
	}
	one := runQuick(t, 1, 1, names, over)
	many := runQuick(t, 8, 3, names, over)
	if one != many {
		t.Fatal("results at GOMAXPROCS=1 (1 worker) and GOMAXPROCS=8 (3 workers) differ")
	}
}

// Every experiment's analysis copes with variants that have no finished
// trial (an interrupted run): no panic, an inconclusive or other verdict
// with a text.
func TestAnalyzeWithoutTrials(t *testing.T) {
	reg := Registry()
	for _, e := range reg.All() {
		cfg, err := e.Resolve(true, nil, "")
		if err != nil {
			t.Fatal(err)
		}
		vs, err := e.Variants(cfg)
		if err != nil {
			t.Fatal(err)
		}
		r := &lab.ExperimentResult{Name: e.Name, Config: cfg.Values(), Resolved: cfg}
		for _, v := range vs {
			r.Variants = append(r.Variants, &lab.VariantResult{Variant: v, Scalars: map[string]lab.Summary{}})
		}
		func() {
			defer func() {
				if p := recover(); p != nil {
					t.Errorf("%s: Analyze panics without trials: %v", e.Name, p)
				}
			}()
			lab.Analyze(reg, []*lab.ExperimentResult{r})
			a := r.Analysis
			if strings.Contains(a.Verdict.Text, "analysis failed") {
				t.Errorf("%s: %s", e.Name, a.Verdict.Text)
			}
			if a.Verdict.Status == "" || a.Verdict.Text == "" {
				t.Errorf("%s: empty verdict %+v", e.Name, a.Verdict)
			}
			if a.Verdict.Status == lab.Supported || a.Verdict.Status == lab.NotSupported {
				t.Errorf("%s: a verdict (%s: %s) from no data", e.Name, a.Verdict.Status, a.Verdict.Text)
			}
		}()
	}
}

func TestDataSourceErrors(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	os.WriteFile(file, []byte("x"), 0o644)
	for _, tc := range []struct{ source, want string }{
		{"idx:" + filepath.Join(dir, "none"), "no such file"},
		{"idx:" + file, "not a directory"},
		{"idx:" + dir, "train-images-idx3-ubyte"},
	} {
		if _, _, err := loadDataSource(tc.source, 0); err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), tc.source) {
			t.Errorf("%s: error %v, want one naming the source and %q", tc.source, err, tc.want)
		}
	}
}

func TestDigitsSource(t *testing.T) {
	trainSet, testSet, err := loadDataSource("", 0)
	if err != nil {
		t.Fatal(err)
	}
	xtr, ytr, xte, yte := trainSet.X(), trainSet.Y(), testSet.X(), testSet.Y()
	if xtr.Size(0) != 1438 || xtr.Size(1) != 64 || ytr.Size(0) != 1438 || xte.Size(0) != 359 || yte.Size(0) != 359 {
		t.Fatalf("digits: %v %v %v %v", xtr.Shape(), ytr.Shape(), xte.Shape(), yte.Shape())
	}
	if mx := xtr.Max().Item(); mx != 1 {
		t.Errorf("digits are not scaled to [0, 1]: max %v", mx)
	}
	small, _, _ := loadDataSource("digits", 100)
	if small.Len() != 100 {
		t.Errorf("limit 100 kept %d rows", small.Len())
	}
}

// With Fashion-MNIST installed (apt-get install dataset-fashion-mnist) the
// classification experiments read it through --data idx:DIR.
func TestFashionMNISTSource(t *testing.T) {
	const dir = "/usr/share/datasets/fashion-mnist"
	if _, err := os.Stat(filepath.Join(dir, "train-images-idx3-ubyte.gz")); err != nil {
		t.Skip("Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)")
	}
	trainSet, testSet, err := loadDataSource("idx:"+dir, 2000)
	if err != nil {
		t.Fatal(err)
	}
	xtr, ytr, xte := trainSet.X(), trainSet.Y(), testSet.X()
	if xtr.Size(0) != 2000 || xtr.Size(1) != 784 || ytr.Size(0) != 2000 || xte.Size(1) != 784 {
		t.Fatalf("fashion-mnist: %v %v %v", xtr.Shape(), ytr.Shape(), xte.Shape())
	}
}

// Every experiment estimates its memory: modest at the defaults, and
// growing with its sizes.
func TestMemoryEstimates(t *testing.T) {
	for _, e := range Registry().All() {
		if e.Memory == nil {
			t.Errorf("%s has no memory estimate", e.Name)
			continue
		}
		cfg, err := e.Resolve(false, nil, "")
		if err != nil {
			t.Fatal(err)
		}
		if m := e.Memory(cfg); m <= 0 || m > 1<<30 {
			t.Errorf("%s: %d bytes at the defaults", e.Name, m)
		}
	}
	d := Digits()
	small, _ := d.Resolve(false, nil, "")
	big, _ := d.Resolve(false, map[string]string{"hidden": "4096"}, "idx:x")
	if d.Memory(big) < 50*d.Memory(small) {
		t.Errorf("digits: hidden=4096 on IDX needs %d bytes, the default %d", d.Memory(big), d.Memory(small))
	}
}
