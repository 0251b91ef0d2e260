// Package k8s holds only tests: they decode the manifests of
// `intercept lab --emit k8s` strictly into k8s.io/api's batch/v1 types.
package k8s

import (
	"bytes"
	"context"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/yaml"

	"github.com/intercept-ml/intercept/internal/cluster"
)

// decodeJobs splits a YAML stream into documents and decodes each strictly
// (unknown or duplicate fields are errors) into a batch/v1 Job.
func decodeJobs(t *testing.T, manifest string) []batchv1.Job {
	t.Helper()
	var jobs []batchv1.Job
	for i, doc := range strings.Split(manifest, "\n---\n") {
		if i == 0 && strings.TrimSpace(stripComments(doc)) == "" {
			continue // the leading comment block
		}
		var job batchv1.Job
		if err := yaml.UnmarshalStrict([]byte(doc), &job); err != nil {
			t.Fatalf("document %d does not decode strictly into a batch/v1 Job: %v\n%s", i, err, doc)
		}
		if job.APIVersion != "batch/v1" || job.Kind != "Job" {
			t.Fatalf("document %d is %s %s", i, job.APIVersion, job.Kind)
		}
		jobs = append(jobs, job)
	}
	return jobs
}

func stripComments(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(l), "#") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func TestStrictDecodingRejectsUnknownFields(t *testing.T) {
	var job batchv1.Job
	if err := yaml.UnmarshalStrict([]byte("apiVersion: batch/v1\nkind: Job\nspec:\n  completionsMode: Indexed\n"), &job); err == nil {
		t.Fatal("a misspelled field decoded without error: the check would prove nothing")
	}
}

func TestKubernetesManifest(t *testing.T) {
	s := cluster.Sweep{Args: []string{"run", "digits", "--quick", "--seeds", "3", "--set", "epochs=1,hidden=8"}, Shards: 5, CPUs: 2,
		MemMiB: 1536, Dir: "sweeps/a", Intercept: "intercept", JobName: "digits-sweep", Image: "registry.example/intercept:v1", Claim: "lab-runs", Parallelism: 3}
	m, err := cluster.Kubernetes(s)
	if err != nil {
		t.Fatal(err)
	}
	checkJobs(t, decodeJobs(t, m), s)
}

func checkJobs(t *testing.T, jobs []batchv1.Job, s cluster.Sweep) {
	t.Helper()
	if len(jobs) != 2 {
		t.Fatalf("%d Jobs, want the shards and the merge", len(jobs))
	}
	shards, merge := jobs[0], jobs[1]
	sp := shards.Spec
	if shards.Name != s.JobName || sp.CompletionMode == nil || *sp.CompletionMode != batchv1.IndexedCompletion ||
		sp.Completions == nil || *sp.Completions != int32(s.Shards) || sp.Parallelism == nil {
		t.Fatalf("shards Job %s: %+v", shards.Name, sp)
	}
	if want := int32(min(max(s.Parallelism, 0), s.Shards)); s.Parallelism > 0 && *sp.Parallelism != want || s.Parallelism == 0 && *sp.Parallelism != int32(s.Shards) {
		t.Errorf("parallelism %d (asked %d)", *sp.Parallelism, s.Parallelism)
	}
	if merge.Name != s.JobName+"-merge" || merge.Spec.Suspend == nil || !*merge.Spec.Suspend || merge.Spec.CompletionMode != nil {
		t.Errorf("merge Job %s: %+v", merge.Name, merge.Spec)
	}
	dir := "/runs/" + s.Dir
	for _, job := range jobs {
		pod := job.Spec.Template.Spec
		if pod.RestartPolicy != corev1.RestartPolicyNever && pod.RestartPolicy != corev1.RestartPolicyOnFailure {
			t.Errorf("%s: restartPolicy %q is not allowed for a Job", job.Name, pod.RestartPolicy)
		}
		if len(pod.Volumes) != 1 || pod.Volumes[0].PersistentVolumeClaim == nil || pod.Volumes[0].PersistentVolumeClaim.ClaimName != s.Claim {
			t.Errorf("%s: volumes %+v, want the claim %s", job.Name, pod.Volumes, s.Claim)
		}
		if len(pod.Containers) != 1 {
			t.Fatalf("%s: %d containers", job.Name, len(pod.Containers))
		}
		c := pod.Containers[0]
		if c.Image != s.Image || !slices.Equal(c.Command, []string{s.Intercept}) {
			t.Errorf("%s: image %q, command %q", job.Name, c.Image, c.Command)
		}
		if len(c.VolumeMounts) != 1 || c.VolumeMounts[0].Name != pod.Volumes[0].Name || c.VolumeMounts[0].MountPath != "/runs" {
			t.Errorf("%s: volume mounts %+v", job.Name, c.VolumeMounts)
		}
		mem := c.Resources.Requests[corev1.ResourceMemory]
		if mem.Cmp(resource.MustParse(itoa(s.MemMiB)+"Mi")) != 0 {
			t.Errorf("%s: memory request %s, want %dMi", job.Name, mem.String(), s.MemMiB)
		}
	}
	c := shards.Spec.Template.Spec.Containers[0]
	args := strings.Join(c.Args, " ")
	for _, want := range []string{strings.Join(s.Args, " ") + " ", "--shard env/" + itoa(s.Shards), "--out " + dir + "/shard-$(JOB_COMPLETION_INDEX)"} {
		if !strings.Contains(args, want) {
			t.Errorf("shard args %q lack %q", args, want)
		}
	}
	var index *corev1.EnvVar
	for i := range c.Env {
		if c.Env[i].Name == "JOB_COMPLETION_INDEX" {
			index = &c.Env[i]
		}
	}
	if index == nil || index.ValueFrom == nil || index.ValueFrom.FieldRef == nil ||
		index.ValueFrom.FieldRef.FieldPath != "metadata.annotations['batch.kubernetes.io/job-completion-index']" {
		t.Errorf("JOB_COMPLETION_INDEX is not taken from the completion-index annotation: %+v", c.Env)
	}
	cpu := c.Resources.Requests[corev1.ResourceCPU]
	if cpu.Value() != int64(s.CPUs) {
		t.Errorf("CPU request %s, want %d", cpu.String(), s.CPUs)
	}
	margs := merge.Spec.Template.Spec.Containers[0].Args
	want := []string{"merge", "--out", dir + "/merged"}
	for i := range s.Shards {
		want = append(want, dir+"/shard-"+itoa(i))
	}
	if !slices.Equal(margs, want) {
		t.Errorf("merge args %q, want %q", margs, want)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// The command line writes the same manifest: `intercept lab --emit k8s`.
func TestCommandLine(t *testing.T) {
	if testing.Short() {
		t.Skip("builds intercept")
	}
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	var out, errb bytes.Buffer
	cmd := exec.CommandContext(context.Background(), "go", "run", "./cmd/intercept", "lab", "--quick", "--emit", "k8s",
		"--image", "registry.example/intercept:v2", "--pvc", "runs", "--shards", "4", "--mem", "1G", "--cpus-per-task", "1")
	cmd.Dir, cmd.Stdout, cmd.Stderr = root, &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("intercept lab --emit k8s: %v\n%s", err, errb.String())
	}
	checkJobs(t, decodeJobs(t, out.String()), cluster.Sweep{Args: []string{"lab", "--quick", "--seeds", "10"}, Shards: 4, CPUs: 1, MemMiB: 1024,
		Dir: "intercept-lab", Intercept: "intercept", JobName: "intercept-lab", Image: "registry.example/intercept:v2", Claim: "runs"})
}
