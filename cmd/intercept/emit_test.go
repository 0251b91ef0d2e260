package main

import (
	"context"
	"strings"
	"testing"
)

func TestEmit(t *testing.T) {
	ctx := context.Background()
	out, errOut, code := runApp(t, ctx, "lab", "--quick", "--emit", "slurm", "--shards", "3", "--mem", "1G", "--out", "/shared/sweep")
	if code != 0 || !strings.Contains(out, "#SBATCH --array=0-2\n") || !strings.Contains(out, "#SBATCH --mem=1024M\n") ||
		!strings.Contains(out, `exec "$intercept" lab --quick --seeds 10 --quiet --shard env/3`) {
		t.Fatalf("lab --emit slurm: exit %d, %s\n%s", code, errOut, out)
	}
	out, errOut, code = runApp(t, ctx, "run", "digits", "--set", "epochs=1,hidden=8", "--emit", "k8s", "--image", "img:1", "--pvc", "runs")
	if code != 0 || !strings.Contains(out, `args: ["run", "digits", "--seeds", "10", "--set", "epochs=1,hidden=8", "--quiet", "--shard", "env/4"`) ||
		!strings.Contains(out, "completionMode: Indexed") {
		t.Fatalf("run --emit k8s: exit %d, %s\n%s", code, errOut, out)
	}
	// A group name runs (here: emits) every experiment of the group.
	out, errOut, code = runApp(t, ctx, "run", "claims", "--emit", "slurm", "--shards", "2")
	if code != 0 || !strings.Contains(out, `run claims --seeds 10 --quiet --shard env/2`) {
		t.Fatalf("run claims --emit slurm: exit %d, %s\n%s", code, errOut, out)
	}
	for _, args := range [][]string{
		{"lab", "--emit", "pbs"},
		{"lab", "--emit", "k8s", "--pvc", "runs"},               // no image
		{"lab", "--emit", "k8s", "--image", "i"},                // no claim
		{"lab", "--emit", "slurm", "--shard", "0/2"},            // its own shards
		{"lab", "--emit", "slurm", "--mem", "lots"},             // bad memory
		{"run", "digits", "--set", "nope=1", "--emit", "slurm"}, // a bad plan fails now, not on the cluster
		{"lab", "--emit", "slurm", "--shards", "0"},             // no shards
	} {
		_, errOut, code := runApp(t, ctx, args...)
		if code != 2 || errOut == "" {
			t.Errorf("%q: exit %d (%q), want a usage error (2)", args, code, errOut)
		}
	}
}
