package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/intercept-ml/intercept/tboard"
)

// --tensorboard writes one event file per trial, with the Trainer's
// curves and histograms and the trial's measured series, and changes no
// result.
func TestTensorBoard(t *testing.T) {
	ctx := context.Background()
	plain, logged := t.TempDir(), t.TempDir()
	if _, errOut, code := runApp(t, ctx, "run", "activation-shift", "--quick", "--seeds", "2", "--quiet", "--out", plain); code != 0 {
		t.Fatalf("run: exit %d: %s", code, errOut)
	}
	out, errOut, code := runApp(t, ctx, "run", "activation-shift", "--quick", "--seeds", "2", "--tensorboard", "--out", logged)
	if code != 0 {
		t.Fatalf("run --tensorboard: exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, "tensorboard --logdir "+filepath.Join(logged, "tensorboard")) {
		t.Errorf("the output does not say how to open TensorBoard:\n%s", out)
	}
	a, _ := os.ReadFile(filepath.Join(plain, "metrics.parquet"))
	b, _ := os.ReadFile(filepath.Join(logged, "metrics.parquet"))
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Errorf("metrics.parquet differs with --tensorboard (%d and %d bytes)", len(a), len(b))
	}
	files, _ := filepath.Glob(filepath.Join(logged, "tensorboard", "activation-shift", "*", "*", "seed-*", "events.out.tfevents.*"))
	if len(files) != 8 { // 4 variants × 2 seeds
		t.Fatalf("%d event files, want one per trial (8): %v", len(files), files)
	}
	events, err := tboard.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	tags := map[string]int{}
	for _, e := range events {
		for _, v := range e.Values {
			tags[v.Tag]++
		}
	}
	for _, prefix := range []string{"loss", "lr", "param/", "grad/", "series/loss", "result/", "trial"} {
		found := false
		for tag := range tags {
			found = found || strings.HasPrefix(tag, prefix)
		}
		if !found {
			t.Errorf("no %q value in %s; tags: %v", prefix, files[0], tags)
		}
	}
}
