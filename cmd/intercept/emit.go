package main

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/intercept-ml/intercept/internal/cluster"
	"github.com/intercept-ml/intercept/lab"
	"github.com/intercept-ml/intercept/tboard"
)

// emitFlags are the flags of --emit: write the jobs of a sharded sweep
// instead of running it. They live on lab and run, so the jobs run exactly
// the command whose flags were just checked.
type emitFlags struct {
	kind, mem, image, pvc, jobName, intercept string
	shards, cpus, parallelism                 int
}

func (e *emitFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&e.kind, "emit", "", "print the jobs of a sharded sweep of this command instead of running it: slurm (an sbatch script: job array + dependent merge) or k8s (an Indexed Job + a merge Job)")
	fl.IntVar(&e.shards, "shards", 4, "with --emit: number of shards")
	fl.IntVar(&e.cpus, "cpus-per-task", 2, "with --emit: CPUs per shard")
	fl.StringVar(&e.mem, "mem", "2G", "with --emit: memory per shard (K, M, G, T; Slurm's --mem)")
	fl.StringVar(&e.image, "image", "", "with --emit k8s: container image holding intercept")
	fl.StringVar(&e.pvc, "pvc", "", "with --emit k8s: PersistentVolumeClaim for the run directories (mounted at /runs)")
	fl.StringVar(&e.jobName, "job-name", "intercept-lab", "with --emit: name of the jobs")
	fl.StringVar(&e.intercept, "intercept", "intercept", "with --emit: the intercept command in the jobs")
	fl.IntVar(&e.parallelism, "parallelism", 0, "with --emit k8s: shards running at once (default: all)")
}

// emitJobs prints the jobs of a sharded sweep of base (the subcommand and
// its experiment flags) for f.
func (a *app) emitJobs(base []string, exps []*lab.Experiment, f runFlags) error {
	e := f.emit
	if f.shard != "" || f.resume != "" {
		return usageError{fmt.Errorf("--emit writes its own --shard and --out for each job: drop --shard and --resume")}
	}
	if f.seeds < 1 || f.seeds > 1000 {
		return usageError{fmt.Errorf("--seeds must be between 1 and 1000, got %d", f.seeds)}
	}
	// Check the plan here, so that a bad --set fails now and not on the cluster.
	overrides, err := parseSet(f.set)
	if err != nil {
		return usageError{err}
	}
	data := f.data
	if data == "digits" {
		data = ""
	}
	if _, err := lab.NewPlans(exps, lab.PlanOptions{Quick: f.quick, Overrides: overrides, Data: data, Seeds: []uint64{0}}); err != nil {
		return usageError{err}
	}
	args := append([]string{}, base...)
	if f.quick {
		args = append(args, "--quick")
	}
	args = append(args, "--seeds", strconv.Itoa(f.seeds))
	if f.data != "" {
		args = append(args, "--data", f.data)
	}
	if len(f.set) > 0 {
		args = append(args, "--set", strings.Join(f.set, ","))
	}
	mem, err := cluster.ParseMem(e.mem)
	if err != nil {
		return usageError{fmt.Errorf("--mem: %w", err)}
	}
	s := cluster.Sweep{Args: args, Shards: e.shards, CPUs: e.cpus, MemMiB: mem, Dir: f.out, Intercept: e.intercept,
		JobName: e.jobName, Image: e.image, Claim: e.pvc, Parallelism: e.parallelism}
	var out string
	switch e.kind {
	case "slurm":
		if s.Dir == "" {
			s.Dir = filepath.Join("runs", e.jobName+"-"+a.now().Format("20060102-150405"))
		}
		if s.Dir, err = filepath.Abs(s.Dir); err != nil {
			return err
		}
		out, err = cluster.Slurm(s)
	case "k8s":
		if s.Dir == "" {
			s.Dir = e.jobName
		}
		out, err = cluster.Kubernetes(s)
	default:
		return usageError{fmt.Errorf("--emit %q: want slurm or k8s", e.kind)}
	}
	if err != nil {
		return usageError{err}
	}
	_, err = fmt.Fprint(a.stdout, out)
	return err
}

// newTrialLog opens a trial's TensorBoard event file (--tensorboard).
func newTrialLog(dir string) (lab.TrialLog, error) {
	w, err := tboard.NewWriter(dir)
	if err != nil {
		return nil, err
	}
	return w, nil
}
