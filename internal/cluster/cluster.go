// Package cluster writes the jobs that run a sharded lab sweep on a
// cluster: a Slurm batch script (a job array of shards and the merge as a
// dependent job) and Kubernetes manifests (an Indexed Job of shards and a
// merge Job). `intercept lab --emit slurm|k8s` prints them.
package cluster

import (
	"encoding/json"
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"
)

// Sweep describes a sharded sweep.
type Sweep struct {
	// Args is the lab command after the program name, without --shard,
	// --out, --workers or --quiet: ["lab", "--quick", "--seeds", "5"].
	Args []string
	// Shards is the number of shards (array tasks, completions).
	Shards int
	// CPUs and MemMiB are each shard's CPUs and memory.
	CPUs, MemMiB int
	// Dir is the sweep directory: shard i writes Dir/shard-i and the merge
	// Dir/merged. For Slurm an absolute path on the shared file system; for
	// Kubernetes a path relative to the volume's mount point /runs.
	Dir string
	// Intercept is the command that runs intercept in the job.
	Intercept string
	// JobName names the jobs (the merge job adds "-merge").
	JobName string
	// Image and Claim are the container image and the PersistentVolumeClaim
	// holding the runs (Kubernetes only).
	Image, Claim string
	// Parallelism is the number of shards running at once (Kubernetes
	// only; 0 means all).
	Parallelism int
}

// ParseMem parses a memory size as Slurm's --mem reads it: a number with an
// optional unit K, M (the default), G or T, binary multiples. It returns
// MiB, at least 1.
func ParseMem(s string) (int, error) {
	m := regexp.MustCompile(`^([0-9]+)([KkMmGgTt]?)$`).FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return 0, fmt.Errorf("memory %q: want a number with an optional unit K, M, G or T (2G, 1500M)", s)
	}
	n, err := strconv.Atoi(m[1])
	if err != nil {
		return 0, fmt.Errorf("memory %q: %w", s, err)
	}
	switch strings.ToUpper(m[2]) {
	case "K":
		n = (n + 1023) / 1024
	case "G":
		n *= 1024
	case "T":
		n *= 1024 * 1024
	}
	if n < 1 {
		return 0, fmt.Errorf("memory %q: less than 1 MiB", s)
	}
	return n, nil
}

func (s Sweep) check() error {
	switch {
	case s.Shards < 1:
		return fmt.Errorf("--shards must be at least 1, got %d", s.Shards)
	case s.CPUs < 1:
		return fmt.Errorf("--cpus-per-task must be at least 1, got %d", s.CPUs)
	case s.MemMiB < 1:
		return fmt.Errorf("the memory per task must be at least 1 MiB")
	case s.Dir == "" || s.Intercept == "" || s.JobName == "":
		return fmt.Errorf("a sweep needs a directory, a command and a job name")
	case !regexp.MustCompile(`^[a-z0-9]([-a-z0-9]{0,40}[a-z0-9])?$`).MatchString(s.JobName):
		return fmt.Errorf("--job-name %q: use lower-case letters, digits and '-' (a Kubernetes name), at most 42 characters", s.JobName)
	}
	return nil
}

// shellQuote quotes s for bash when it needs it.
func shellQuote(s string) string {
	if s != "" && regexp.MustCompile(`^[A-Za-z0-9_./:=,+@%-]+$`).MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func shellJoin(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = shellQuote(a)
	}
	return strings.Join(q, " ")
}

// Slurm returns a bash script that is both an sbatch script for the
// shards (a job array, one task per shard) and, run with bash, the
// submitter of the shards and of the merge as a job that depends on them
// (--dependency=afterok). s.Dir must be absolute.
func Slurm(s Sweep) (string, error) {
	if err := s.check(); err != nil {
		return "", err
	}
	if !path.IsAbs(s.Dir) {
		return "", fmt.Errorf("the sweep directory %q must be absolute for Slurm", s.Dir)
	}
	shardCmd := shellJoin(append(append([]string{}, s.Args...), "--quiet", "--shard", fmt.Sprintf("env/%d", s.Shards))) +
		` --workers "$GOMAXPROCS" --out "$dir/shard-$SLURM_ARRAY_TASK_ID"`
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	w("#!/bin/bash\n")
	w("# A sharded sweep of `intercept %s`, written by `intercept ... --emit slurm`.\n", strings.Join(s.Args, " "))
	w("#\n")
	w("#   bash %s.sbatch [SBATCH OPTIONS...]\n", s.JobName)
	w("#\n")
	w("# submits this file as a job array of %d shards and, as a job that starts only\n", s.Shards)
	w("# when every shard has succeeded (--dependency=afterok), the merge of the\n")
	w("# shards into one report. Options (--partition=..., --account=..., --wait) go\n")
	w("# to both sbatch calls. `sbatch` on this file alone runs the shards without the\n")
	w("# merge. A shard run again (requeued, resubmitted) keeps the trials it finished.\n")
	w("#\n")
	w("#   shards  %s/shard-<i>\n", s.Dir)
	w("#   report  %s/merged/report.html\n", s.Dir)
	w("#   logs    %s/logs/\n", s.Dir)
	w("#\n")
	w("#SBATCH --job-name=%s\n", s.JobName)
	w("#SBATCH --array=0-%d\n", s.Shards-1)
	w("#SBATCH --ntasks=1\n")
	w("#SBATCH --cpus-per-task=%d\n", s.CPUs)
	w("#SBATCH --mem=%dM\n", s.MemMiB)
	w("#SBATCH --output=%s/logs/shard-%%a-%%A.out\n", s.Dir)
	w("set -euo pipefail\n")
	w("intercept=%s\n", shellQuote(s.Intercept))
	w("dir=%s\n", shellQuote(s.Dir))
	w("shards=%d\n", s.Shards)
	w("\n")
	w("if [ -z \"${SLURM_ARRAY_TASK_ID:-}\" ]; then\n")
	w("\t# Not in a job: submit the array, then the merge after it.\n")
	w("\tmkdir -p \"$dir/logs\"\n")
	w("\tarray=$(sbatch --parsable \"$@\" \"$0\")\n")
	w("\tarray=${array%%%%;*}\n")
	w("\tmerge=$(sbatch --parsable \"$@\" --dependency=afterok:\"$array\" --job-name=%s-merge \\\n", s.JobName)
	w("\t\t--ntasks=1 --cpus-per-task=1 --mem=%dM --output=\"$dir/logs/merge-%%j.out\" \\\n", s.MemMiB)
	w("\t\t--wrap=\"$(printf '%%q ' \"$intercept\" merge --out \"$dir/merged\" $(for ((i = 0; i < shards; i++)); do echo \"$dir/shard-$i\"; done))\")\n")
	w("\techo \"shards: job array $array; merge: job ${merge%%%%;*} (after the shards succeed)\"\n")
	w("\techo \"report: $dir/merged/report.html\"\n")
	w("\texit 0\n")
	w("fi\n")
	w("\n")
	w("# Shard $SLURM_ARRAY_TASK_ID of %d (--shard env/%d reads SLURM_ARRAY_TASK_ID).\n", s.Shards, s.Shards)
	w("export GOMAXPROCS=${SLURM_CPUS_PER_TASK:-%d}\n", s.CPUs)
	w("exec \"$intercept\" %s\n", shardCmd)
	return b.String(), nil
}

// yamlString quotes s as a YAML double-quoted scalar (a JSON string).
func yamlString(s string) string {
	q, _ := json.Marshal(s) // a JSON string is a YAML double-quoted scalar
	return string(q)
}

func yamlList(items []string) string {
	q := make([]string, len(items))
	for i, it := range items {
		q[i] = yamlString(it)
	}
	return "[" + strings.Join(q, ", ") + "]"
}

// Kubernetes returns two batch/v1 Jobs in one YAML stream: an Indexed Job
// whose pod i runs shard i (JOB_COMPLETION_INDEX) and writes it on the
// volume claim s.Claim mounted at /runs, and a merge Job, created
// suspended, to resume once the shards Job has completed.
func Kubernetes(s Sweep) (string, error) {
	if err := s.check(); err != nil {
		return "", err
	}
	switch {
	case s.Image == "":
		return "", fmt.Errorf("--emit k8s needs --image, the container image that holds intercept")
	case s.Claim == "":
		return "", fmt.Errorf("--emit k8s needs --pvc, the PersistentVolumeClaim that holds the runs")
	case path.IsAbs(s.Dir) || strings.HasPrefix(path.Clean(s.Dir), ".."):
		return "", fmt.Errorf("the sweep directory %q must be relative to the volume (mounted at /runs)", s.Dir)
	}
	par := s.Parallelism
	if par <= 0 || par > s.Shards {
		par = s.Shards
	}
	dir := path.Join("/runs", s.Dir)
	shardArgs := append(append([]string{}, s.Args...), "--quiet", "--shard", fmt.Sprintf("env/%d", s.Shards),
		"--workers", strconv.Itoa(s.CPUs), "--out", dir+"/shard-$(JOB_COMPLETION_INDEX)")
	mergeArgs := []string{"merge", "--out", dir + "/merged"}
	for i := range s.Shards {
		mergeArgs = append(mergeArgs, fmt.Sprintf("%s/shard-%d", dir, i))
	}
	mem := fmt.Sprintf("%dMi", s.MemMiB)
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	w("# A sharded sweep of `intercept %s`, written by `intercept ... --emit k8s`.\n", strings.Join(s.Args, " "))
	w("#\n")
	w("#   kubectl apply -f %s.yaml\n", s.JobName)
	w("#   kubectl wait --for=condition=complete --timeout=24h job/%s\n", s.JobName)
	w("#   kubectl patch job %s-merge --type=merge -p '{\"spec\":{\"suspend\":false}}'\n", s.JobName)
	w("#   kubectl logs -f job/%s-merge\n", s.JobName)
	w("#\n")
	w("# The first Job is an Indexed Job: its pod i runs shard i of %d (--shard env/%d\n", s.Shards, s.Shards)
	w("# reads JOB_COMPLETION_INDEX) and writes %s/shard-i on the claim %s,\n", dir, s.Claim)
	w("# which must be ReadWriteMany when pods run on several nodes. The merge Job is\n")
	w("# created suspended: resume it once the shards have completed; it writes\n")
	w("# %s/merged/report.html. A retried pod keeps the trials its shard finished.\n", dir)
	for _, job := range []struct {
		name, container string
		args            []string
		indexed         bool
		cpus            int
	}{
		{s.JobName, "shard", shardArgs, true, s.CPUs},
		{s.JobName + "-merge", "merge", mergeArgs, false, 1},
	} {
		w("---\n")
		w("apiVersion: batch/v1\n")
		w("kind: Job\n")
		w("metadata:\n")
		w("  name: %s\n", job.name)
		w("  labels:\n")
		w("    app.kubernetes.io/name: intercept\n")
		w("    app.kubernetes.io/instance: %s\n", s.JobName)
		w("spec:\n")
		if job.indexed {
			w("  completionMode: Indexed\n")
			w("  completions: %d\n", s.Shards)
			w("  parallelism: %d\n", par)
			w("  backoffLimit: %d\n", 2*s.Shards)
		} else {
			w("  suspend: true\n")
			w("  backoffLimit: 2\n")
		}
		w("  template:\n")
		w("    metadata:\n")
		w("      labels:\n")
		w("        app.kubernetes.io/name: intercept\n")
		w("        app.kubernetes.io/instance: %s\n", s.JobName)
		w("    spec:\n")
		w("      restartPolicy: Never\n")
		w("      containers:\n")
		w("      - name: %s\n", job.container)
		w("        image: %s\n", yamlString(s.Image))
		w("        command: %s\n", yamlList([]string{s.Intercept}))
		w("        args: %s\n", yamlList(job.args))
		w("        env:\n")
		if job.indexed {
			w("        - name: JOB_COMPLETION_INDEX\n")
			w("          valueFrom:\n")
			w("            fieldRef:\n")
			w("              fieldPath: \"metadata.annotations['batch.kubernetes.io/job-completion-index']\"\n")
		}
		w("        - name: GOMAXPROCS\n")
		w("          value: %s\n", yamlString(strconv.Itoa(job.cpus)))
		w("        resources:\n")
		w("          requests:\n")
		w("            cpu: %s\n", yamlString(strconv.Itoa(job.cpus)))
		w("            memory: %s\n", yamlString(mem))
		w("          limits:\n")
		w("            memory: %s\n", yamlString(mem))
		w("        volumeMounts:\n")
		w("        - name: runs\n")
		w("          mountPath: /runs\n")
		w("      volumes:\n")
		w("      - name: runs\n")
		w("        persistentVolumeClaim:\n")
		w("          claimName: %s\n", yamlString(s.Claim))
	}
	return b.String(), nil
}
