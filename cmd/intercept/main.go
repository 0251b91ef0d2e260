// Command intercept is the command-line lab of the intercept library: it
// runs experiments about the bias term of a neuron and about weight and bias
// initialization, and writes a report of what held and what did not.
//
// Usage:
//
//	intercept lab [--quick] [--seeds N] [--out DIR] [--resume DIR] [--tensorboard]
//	intercept lab --emit slurm|k8s [--shards N] ...   (print the jobs of a sharded sweep)
//	intercept list
//	intercept run NAME|GROUP[,...] [--seeds N] [--set key=value,...] [--data SOURCE] [--out DIR]
//	intercept report DIR
//	intercept lab --shard i/n --out DIR   (one shard of a sweep)
//	intercept merge [--out DIR] [--allow-incomplete] SHARD_DIR...
//	intercept status DIR...               (trials done per shard, failed, diverged)
//	intercept verify [--all] DIR          (re-run trials: does this machine reproduce them bit for bit?)
//	intercept inspect FILE.safetensors [--json]
//	intercept inspect FILE.safetensors --run --arch SPEC   (per-layer statistics of a forward/backward)
//	intercept version
//
// Run "intercept help COMMAND" for the flags of each command. Exit status:
// 0 on success, 1 when a run fails (or verify finds a difference), 2 on a usage error, 130 when
// interrupted (the trials that finished are kept and reported).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/intercept-ml/intercept/internal/kernel"
	"github.com/intercept-ml/intercept/lab"
	"github.com/intercept-ml/intercept/lab/experiments"
)

// version is set at build time with -ldflags "-X main.version=..."; a
// source build reports the module version recorded by the Go toolchain.
var version = ""

func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

// usageError marks errors caused by the command line (exit status 2).
type usageError struct{ error }

// exitError carries a specific exit status.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }

type app struct {
	stdout, stderr io.Writer
	registry       *lab.Registry
	isTerminal     bool
	now            func() time.Time
	args           []string
	showTimings    bool   // --timings: print the time of the run and of its report to stderr
	memProfile     string // --memprofile: the heap profile's file, "" once written
}

type runFlags struct {
	seeds   int
	set     []string
	data    string
	out     string
	resume  string
	quick   bool
	quiet   bool
	workers int
	shard   string
	emit    emitFlags // --emit: print cluster jobs instead of running (emit.go)
	tboard  bool
}

func (f *runFlags) register(cmd *cobra.Command, withSet bool) {
	fl := cmd.Flags()
	fl.IntVar(&f.seeds, "seeds", lab.MinSeedsForNo, "number of seeds per variant (seeds 0..N-1); fewer than 10 never gives a \"not supported\" verdict")
	fl.StringVar(&f.data, "data", "", "data source for the classification experiments: digits (the embedded default) or idx:DIR (MNIST/Fashion-MNIST IDX files)")
	fl.StringVar(&f.out, "out", "", "run directory (default ./runs/<timestamp>)")
	fl.StringVar(&f.resume, "resume", "", "resume the run in DIR: trials already finished there are not rerun")
	fl.BoolVar(&f.quick, "quick", false, "use the experiments' quick settings (fewer steps) for a fast look")
	fl.BoolVar(&f.quiet, "quiet", false, "print only the report path and errors")
	fl.IntVar(&f.workers, "workers", 0, "trials run at once (default: GOMAXPROCS); results do not depend on it")
	fl.StringVar(&f.shard, "shard", "", "run only shard i of n of the trials (i/n, 0-based; env/n takes i from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX); combine shards with `intercept merge`")
	if withSet {
		fl.StringSliceVar(&f.set, "set", nil, "parameter overrides: key=value pairs separated by commas; a list value runs on after commas (--set offsets=0,1,2,steps=100)")
	}
	fl.BoolVar(&f.tboard, "tensorboard", false, "also write TensorBoard event files, one per trial, under DIR/tensorboard (loss, learning rate, per-layer weight/bias/gradient histograms): tensorboard --logdir DIR/tensorboard")
	f.emit.register(cmd)
}

func newRootCmd(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:   "intercept",
		Short: "A lab about the bias term of a neuron and the initialization of networks",
		Long: "intercept runs experiments on y = f(Wx + b): what the bias does, and how weight and bias\n" +
			"initialization decide whether a network learns. Results are measured over several seeds, never assumed.",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	addProfileFlags(root, a)

	var labFlags runFlags
	labCmd := &cobra.Command{
		Use:   "lab",
		Short: "Run every experiment on the embedded defaults and write a report",
		Long: "Runs every experiment of the lab with its default parameters on the embedded data, several seeds each,\n" +
			"and writes report.html, results.json, metrics.parquet and plots/ into ./runs/<timestamp>/ (or --out).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if labFlags.emit.kind != "" {
				return a.emitJobs([]string{"lab"}, a.registry.All(), labFlags)
			}
			return a.run(cmd.Context(), a.registry.All(), labFlags)
		},
	}
	labFlags.register(labCmd, false)
	root.AddCommand(labCmd)

	var runF runFlags
	runCmd := &cobra.Command{
		Use:   "run NAME|GROUP[,NAME|GROUP...]",
		Short: "Run one experiment, or a group of them, with parameter overrides",
		Long: "Runs one experiment (see `intercept list`), or every experiment of a group (claims: the document's claims,\n" +
			"literature: the literature's results), or a comma-separated list of them, and writes its report. Override\n" +
			"parameters with --set key=value.",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError{fmt.Errorf("run takes one experiment name or group (one of: %s; groups: %s)", strings.Join(a.registry.Names(), ", "), strings.Join(groupNames(), ", "))}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			var exps []*lab.Experiment
			seen := map[string]bool{}
			for _, name := range strings.Split(args[0], ",") {
				name = strings.TrimSpace(name)
				sel := a.select1(name)
				if sel == nil && (name == string(lab.Claims) || name == string(lab.Literature)) {
					return usageError{fmt.Errorf("group %s has no experiments in this intercept", name)}
				}
				if sel == nil {
					return usageError{fmt.Errorf("unknown experiment %q (known: %s; groups: %s)", name, strings.Join(a.registry.Names(), ", "), strings.Join(groupNames(), ", "))}
				}
				for _, e := range sel {
					if !seen[e.Name] {
						seen[e.Name] = true
						exps = append(exps, e)
					}
				}
			}
			if runF.emit.kind != "" {
				return a.emitJobs([]string{"run", args[0]}, exps, runF)
			}
			return a.run(cmd.Context(), exps, runF)
		},
	}
	runF.register(runCmd, true)
	root.AddCommand(runCmd)

	root.AddCommand(&cobra.Command{
		Use:   "list",
		Short: "List the experiments, the claims they test, and their parameters with defaults",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a.list()
			return nil
		},
	})

	root.AddCommand(&cobra.Command{
		Use:   "report DIR",
		Short: "Re-render report.html and the plots from DIR/results.json",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError{errors.New("report takes one run directory")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.report(args[0])
		},
	})

	var inspectJSON bool
	var inspectRunOpts *inspectRun
	inspectCmd := &cobra.Command{
		Use:   "inspect FILE.safetensors",
		Short: "Per-tensor statistics of a model file, read against initialization theory",
		Long: "Prints each tensor's dtype (as the file stores it), shape, mean, std, range and share of zeros, and compares\n" +
			"every weight's std with what PyTorch's inits would give it, within the 99.9% sampling interval of its element\n" +
			"count: the default, Xavier, He (fan_in and fan_out), N(0, 1) (Embedding), U(±1/√hidden) (RNN/LSTM/GRU)\n" +
			"and every bias with PyTorch's default range. With --json, NaN and ±Inf statistics are the strings \"NaN\",\n" +
			"\"+Inf\" and \"-Inf\". Works on files saved by intercept or by PyTorch (safetensors).",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError{errors.New("inspect takes one .safetensors file")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if inspectRunOpts.enabled {
				return inspectRunOpts.run(a.stdout, args[0])
			}
			stats, err := inspectFile(args[0])
			if err != nil {
				return err
			}
			return printStats(a.stdout, stats, inspectJSON)
		},
	}
	inspectCmd.Flags().BoolVar(&inspectJSON, "json", false, "print JSON instead of a table")
	inspectRunOpts = addInspectRunFlags(inspectCmd)
	root.AddCommand(inspectCmd)

	var mergeOut string
	var allowIncomplete bool
	mergeCmd := &cobra.Command{
		Use:   "merge SHARD_DIR...",
		Short: "Merge the run directories of a sharded sweep into one report",
		Long: "Copies the finished trials of every shard (runs made with --shard i/n and the same experiments, parameters\n" +
			"and seeds) into one run directory and writes the report a single machine would have written.",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError{errors.New("merge takes the run directories of the shards")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.merge(mergeOut, args, allowIncomplete)
		},
	}
	mergeCmd.Flags().StringVar(&mergeOut, "out", "", "run directory for the merged report (default ./runs/<timestamp>-merged)")
	mergeCmd.Flags().BoolVar(&allowIncomplete, "allow-incomplete", false, "write the report of an incomplete set of shards on purpose (it says incomplete)")
	root.AddCommand(mergeCmd)
	root.AddCommand(&cobra.Command{
		Use:   "status DIR...",
		Short: "Print each run directory's trials done (of its shard), failed and diverged",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return usageError{errors.New("status takes run directories")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error { return a.status(args) },
	})

	root.AddCommand(newVerifyCmd(a)) // verify.go

	root.AddCommand(&cobra.Command{
		Use:   "version",
		Short: "Print the version, the Go runtime and the compute kernel in use",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			fmt.Fprintf(a.stdout, "intercept %s (%s, %s/%s, kernel %s)\n", buildVersion(), runtime.Version(), runtime.GOOS, runtime.GOARCH, kernel.Name())
		},
	})
	return root
}

// parseSet turns --set values into overrides. Cobra splits on commas, so
// "a=1,b=2" arrives as two items; an item without '=' continues the list
// value of the previous one ("offsets=0,1,2").
func parseSet(items []string) (map[string]string, error) {
	out := map[string]string{}
	last := ""
	for _, it := range items {
		it = strings.TrimSpace(it)
		if it == "" {
			continue
		}
		k, v, ok := strings.Cut(it, "=")
		if !ok {
			if last == "" {
				return nil, fmt.Errorf("--set %q: want key=value", it)
			}
			out[last] += "," + it
			continue
		}
		k = strings.TrimSpace(k)
		if k == "" {
			return nil, fmt.Errorf("--set %q: empty key", it)
		}
		out[k] = strings.ReplaceAll(strings.TrimSpace(v), ";", ",")
		last = k
	}
	return out, nil
}

func (a *app) run(ctx context.Context, exps []*lab.Experiment, f runFlags) error {
	if f.seeds < 1 || f.seeds > 1000 {
		return usageError{fmt.Errorf("--seeds must be between 1 and 1000, got %d", f.seeds)}
	}
	if f.workers < 0 {
		return usageError{fmt.Errorf("--workers must not be negative, got %d", f.workers)}
	}
	overrides, err := parseSet(f.set)
	if err != nil {
		return usageError{err}
	}
	shard, shards, err := parseShard(f.shard, os.Getenv)
	if err != nil {
		return usageError{err}
	}
	shardInfo := ""
	if shards > 1 {
		shardInfo = fmt.Sprintf("%d/%d", shard, shards)
	}
	data := f.data
	if data == "digits" {
		data = ""
	}
	seeds := make([]uint64, f.seeds)
	for i := range seeds {
		seeds[i] = uint64(i)
	}
	plans, err := lab.NewPlans(exps, lab.PlanOptions{Quick: f.quick, Overrides: overrides, Data: data, Seeds: seeds, Workers: f.workers})
	if err != nil {
		return usageError{err}
	}
	manifest := lab.NewManifest(plans, buildVersion(), kernel.Name(), shardInfo, f.quick)
	dir := f.out
	switch {
	case f.resume != "":
		if f.out != "" && f.out != f.resume {
			return usageError{errors.New("--resume and --out name different directories")}
		}
		if st, err := os.Stat(f.resume); err != nil || !st.IsDir() {
			return usageError{fmt.Errorf("--resume %s: not a run directory", f.resume)}
		}
		if _, err := lab.ReadManifest(f.resume); errors.Is(err, lab.ErrNoRun) {
			return usageError{fmt.Errorf("--resume %s: not a run directory (no run.json or results.json); to start a new run there, use --out", f.resume)}
		}
		dir = f.resume
	case dir == "" && shards > 1:
		dir = filepath.Join("runs", fmt.Sprintf("%s-shard-%d-of-%d", a.now().Format("20060102-150405"), shard, shards))
	case dir == "":
		dir = filepath.Join("runs", a.now().Format("20060102-150405"))
	}
	unlock, err := openRunDir(dir, manifest, f.resume != "")
	if err != nil {
		return err
	}
	defer unlock()
	var progress lab.Progress
	switch {
	case f.quiet:
	case a.isTerminal:
		progress = &lab.BarProgress{W: a.stderr}
	default:
		progress = &lab.LineProgress{W: a.stderr}
	}
	start := a.now()
	runStart, runCPU := time.Now(), cpuTime()
	defer func() { a.timing("run", runStart, runCPU) }()
	runner := &lab.Runner{Dir: dir, Workers: f.workers, Progress: progress, Shard: shard, Shards: shards}
	if f.tboard {
		runner.NewLog = newTrialLog
	}
	results, runErr := runner.Run(ctx, plans)
	a.timing("trials", runStart, runCPU)
	interrupted := runErr != nil && ctx.Err() != nil
	if runErr != nil && !interrupted {
		return runErr
	}
	res := &lab.Results{Run: lab.RunInfo{
		Command: "intercept " + strings.Join(a.args, " "), Version: buildVersion(), GoVersion: runtime.Version(),
		Platform: runtime.GOOS + "/" + runtime.GOARCH, Kernel: kernel.Name(), Seeds: seeds, Started: start,
		Elapsed: a.now().Sub(start).Seconds(), Interrupted: interrupted, Quick: f.quick, Shard: shardInfo,
	}, Experiments: results}
	if err := a.writeMemProfile(); err != nil {
		return err
	}
	reportStart, reportCPU := time.Now(), cpuTime()
	if err := reportAndCompact(a.registry, dir, res); err != nil {
		return err
	}
	a.timing("report", reportStart, reportCPU)
	if !f.quiet {
		a.printVerdicts(results)
	}
	fmt.Fprintln(a.stdout, "report:", filepath.Join(dir, "report.html"))
	if f.tboard && !f.quiet {
		fmt.Fprintln(a.stdout, "tensorboard --logdir", filepath.Join(dir, "tensorboard"))
	}
	if interrupted {
		return &exitError{130, fmt.Errorf("interrupted; the finished trials are in %s (continue with --resume %s)", dir, dir)}
	}
	return allFailed(results)
}

// openRunDir prepares the run directory of a run described by m: it
// refuses a directory that holds another run (exit 2, saying what differs),
// takes the directory's lock, removes the temporary files a crash left and
// records m in run.json. It returns the function that releases the lock.
func openRunDir(dir string, m lab.Manifest, resume bool) (func(), error) {
	have, err := lab.ReadManifest(dir)
	switch {
	case err == nil:
		if d := have.Diff(m); len(d) > 0 {
			return nil, usageError{fmt.Errorf("%s holds another run than the one asked: %s. A resume continues exactly the run its directory holds (the same command, experiments, --set, --data, --seeds, --quick and --shard, by the same intercept); to start a new run, give another --out", dir, strings.Join(d, "; "))}
		}
	case errors.Is(err, lab.ErrNoRun) || errors.Is(err, fs.ErrNotExist):
		if resume {
			if st, err := os.Stat(dir); err != nil || !st.IsDir() {
				return nil, usageError{fmt.Errorf("--resume %s: not a run directory", dir)}
			}
		}
	default:
		return nil, usageError{fmt.Errorf("%s: cannot tell which run it holds: %w", dir, err)}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating the run directory: %w", err)
	}
	lock, err := lab.LockDir(dir)
	if err != nil {
		return nil, err
	}
	if _, err := lab.CleanTemp(dir); err != nil {
		lock.Unlock()
		return nil, fmt.Errorf("removing temporary files: %w", err)
	}
	if err := lab.WriteManifest(dir, m); err != nil {
		lock.Unlock()
		return nil, err
	}
	return func() { lock.Unlock() }, nil
}

// reportAndCompact writes the report of res into dir (lab.Report), then
// packs the trials of its finished experiments (lab.Compact), even when
// the report failed; both only read the trials. They run one after the
// other: each encodes Parquet in parallel already, and at the same time
// they made the peak memory of a run.
func reportAndCompact(reg *lab.Registry, dir string, res *lab.Results) error {
	err := lab.Report(reg, dir, res)
	if cerr := lab.Compact(dir, res.Experiments); err == nil && cerr != nil {
		err = fmt.Errorf("packing the trials: %w", cerr)
	}
	return err
}

// allFailed is an error (exit 1) when every trial of an experiment failed.
func allFailed(results []*lab.ExperimentResult) error {
	var names []string
	for _, r := range results {
		n, failed := 0, 0
		for _, v := range r.Variants {
			for _, t := range v.Trials {
				n++
				if t.Result == nil {
					failed++
				}
			}
		}
		if n > 0 && failed == n {
			names = append(names, r.Name)
		}
	}
	if len(names) > 0 {
		return fmt.Errorf("every trial of %s failed (the errors are in results.json and report.html)", strings.Join(names, ", "))
	}
	return nil
}

// parseShard reads --shard: "" (no sharding), "i/n" or "env/n", where env
// takes i from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX (Kubernetes
// Indexed Jobs).
func parseShard(s string, getenv func(string) string) (shard, shards int, err error) {
	if s == "" {
		return 0, 1, nil
	}
	is, ns, ok := strings.Cut(s, "/")
	if !ok {
		return 0, 0, fmt.Errorf("--shard %q: want i/n, e.g. 0/4", s)
	}
	n, err := strconv.Atoi(ns)
	if err != nil || n < 1 {
		return 0, 0, fmt.Errorf("--shard %q: the number of shards must be a positive integer", s)
	}
	if is == "env" {
		for _, v := range []string{"SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"} {
			if x := getenv(v); x != "" {
				is = x
				break
			}
		}
		if is == "env" {
			return 0, 0, fmt.Errorf("--shard %q: neither SLURM_ARRAY_TASK_ID nor JOB_COMPLETION_INDEX is set", s)
		}
	}
	i, err := strconv.Atoi(is)
	if err != nil || i < 0 || i >= n {
		return 0, 0, fmt.Errorf("--shard %q: the shard index must be an integer in 0..%d", s, n-1)
	}
	return i, n, nil
}

// merge combines the run directories of a sharded sweep.
func (a *app) merge(out string, srcs []string, allowIncomplete bool) error {
	start := a.now()
	dir := out
	if dir == "" {
		dir = filepath.Join("runs", a.now().Format("20060102-150405")+"-merged")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating the run directory: %w", err)
	}
	lock, err := lab.LockDir(dir)
	if err != nil {
		return err
	}
	defer lock.Unlock()
	info, err := lab.Merge(a.registry, dir, srcs, allowIncomplete)
	for _, d := range info.Duplicates {
		fmt.Fprintln(a.stderr, "intercept: merged once:", d)
	}
	if err != nil {
		return err
	}
	run := info.Run
	run.Command = "intercept " + strings.Join(a.args, " ")
	run.Shard, run.Merged, run.Interrupted = "", info.Sources, false
	run.Started, run.Elapsed = start, a.now().Sub(start).Seconds()
	if err := reportAndCompact(a.registry, dir, &lab.Results{Run: run, Experiments: info.Results}); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "merged %d trials from %d run directories\n", info.Copied, len(info.Sources))
	if info.Incomplete != "" {
		fmt.Fprintln(a.stdout, "INCOMPLETE (--allow-incomplete):", info.Incomplete)
	}
	a.printVerdicts(info.Results)
	fmt.Fprintln(a.stdout, "report:", filepath.Join(dir, "report.html"))
	return nil
}

// status prints, per run directory, the trials done of its shard and the
// failed and diverged ones.
func (a *app) status(dirs []string) error {
	bad := 0
	for _, d := range dirs {
		st, err := lab.DirStatus(a.registry, d)
		if err != nil {
			fmt.Fprintln(a.stderr, "intercept:", err)
			bad++
			continue
		}
		shard, state := "whole run", "stopped"
		if st.Shard != "" {
			shard = "shard " + st.Shard
		}
		if st.Running {
			state = "running (" + st.Lock + ")"
		} else if st.Done == st.Total {
			state = "finished"
		}
		fmt.Fprintf(a.stdout, "%s: %s, %d/%d trials done, %d failed, %d diverged, %s\n", d, shard, st.Done, st.Total, len(st.Failed), len(st.Diverged), state)
		for _, t := range st.Failed {
			msg, _, _ := strings.Cut(t.Error, "\n")
			fmt.Fprintf(a.stdout, "  failed    %s %s seed %d: %s\n", t.Experiment, t.Variant, t.Seed, msg)
		}
		for _, t := range st.Diverged {
			fmt.Fprintf(a.stdout, "  diverged  %s %s seed %d at step %d\n", t.Experiment, t.Variant, t.Seed, t.DivergedStep)
		}
	}
	if bad > 0 {
		return &exitError{1, fmt.Errorf("%d of %d directories could not be read", bad, len(dirs))}
	}
	return nil
}

func (a *app) printVerdicts(results []*lab.ExperimentResult) {
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "GROUP\tEXPERIMENT\tVERDICT\tTRIALS")
	for _, r := range results {
		v := "-"
		if r.Analysis != nil {
			v = r.Analysis.Verdict.Status
		}
		if !r.Complete {
			v += " (incomplete: not every trial finished)"
		}
		n, d, f := r.Outcomes()
		runs := fmt.Sprintf("%d", n)
		if d > 0 {
			runs += fmt.Sprintf(", %d diverged", d)
		}
		if f > 0 {
			runs += fmt.Sprintf(", %d failed", f)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Section(), r.Name, v, runs)
	}
	tw.Flush()
}

// groupNames are the names `intercept run` takes for a whole group.
func groupNames() []string { return []string{string(lab.Claims), string(lab.Literature)} }

// experimentGroup is e's group, Claims when it declares none.
func experimentGroup(e *lab.Experiment) lab.Group {
	if e.Group == "" {
		return lab.Claims
	}
	return e.Group
}

// select1 returns the experiment named name, or every experiment of the
// group named name, or nil.
func (a *app) select1(name string) []*lab.Experiment {
	if e := a.registry.Get(name); e != nil {
		return []*lab.Experiment{e}
	}
	var out []*lab.Experiment
	for _, e := range a.registry.All() {
		if string(experimentGroup(e)) == name {
			out = append(out, e)
		}
	}
	return out
}

func (a *app) list() {
	for _, g := range []lab.Group{lab.Claims, lab.Literature} {
		var exps []*lab.Experiment
		for _, e := range a.registry.All() {
			if experimentGroup(e) == g {
				exps = append(exps, e)
			}
		}
		fmt.Fprintf(a.stdout, "== %s (intercept run %s) ==\n\n", g.Title(), g)
		if len(exps) == 0 {
			fmt.Fprintf(a.stdout, "(none yet)\n\n")
		}
		for _, e := range exps {
			fmt.Fprintf(a.stdout, "%s — %s\n  claim: %s\n  source: %s\n", e.Name, e.Title, e.Claim, e.Source)
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			for _, p := range e.Params {
				q := ""
				if p.Quick != "" {
					q = " (quick: " + p.Quick + ")"
				}
				fmt.Fprintf(tw, "    %s\t%s\t= %s%s\t%s (%s)\n", p.Name, p.Kind, p.Default, q, p.Help, p.Range())
			}
			tw.Flush()
			fmt.Fprintln(a.stdout)
		}
	}
}

func (a *app) report(dir string) error {
	res, err := lab.Load(a.registry, dir)
	if err != nil {
		return err
	}
	if err := lab.Rerender(a.registry, dir, res); err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, "report:", filepath.Join(dir, "report.html"))
	return nil
}

func main() {
	a := &app{stdout: os.Stdout, stderr: os.Stderr, registry: experiments.Registry(),
		isTerminal: term.IsTerminal(int(os.Stderr.Fd())), now: time.Now, args: os.Args[1:]}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(a.execute(ctx))
}

// execute runs the command line and returns the exit status.
func (a *app) execute(ctx context.Context) int {
	root := newRootCmd(a)
	root.SetArgs(a.args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	fmt.Fprintln(a.stderr, "intercept:", err)
	var ue usageError
	var ee *exitError
	switch {
	case errors.As(err, &ee):
		return ee.code
	case errors.As(err, &ue), strings.HasPrefix(err.Error(), "unknown command"), strings.HasPrefix(err.Error(), "unknown flag"):
		return 2
	}
	return 1
}
