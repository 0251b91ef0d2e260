package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"strings"

	"github.com/spf13/cobra"

	"github.com/intercept-ml/intercept/internal/kernel"
	"github.com/intercept-ml/intercept/lab"
)

// verifyFlags are the flags of `intercept verify`.
type verifyFlags struct {
	all     bool
	sample  int
	workers int
	quiet   bool
}

func newVerifyCmd(a *app) *cobra.Command {
	var f verifyFlags
	cmd := &cobra.Command{
		Use:   "verify DIR",
		Short: "Re-run trials of a finished run and check that this machine reproduces them bit for bit",
		Long: "Re-runs a sample of the trials of the run in DIR (a few per experiment, always the same ones; --all for\n" +
			"every trial) with the recorded parameters, data and seeds, on this machine and its kernel, and compares\n" +
			"every metric with the record bit for bit. It also checks the recorded values against the run's fingerprint.\n" +
			"Works on whole runs, --quick runs, shards and merged runs. Exit status 0 when every re-run trial is\n" +
			"reproduced, 1 when one is not (the first differing trial, step and both values are named), 2 on a usage\n" +
			"error.",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError{errors.New("verify takes one run directory")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error { return a.verify(cmd.Context(), args[0], f) },
	}
	fl := cmd.Flags()
	fl.BoolVar(&f.all, "all", false, "re-run every trial instead of a sample")
	fl.IntVar(&f.sample, "sample", lab.DefaultVerifySample, "trials re-run per experiment (without --all), chosen deterministically")
	fl.IntVar(&f.workers, "workers", 0, "trials re-run at once (default: GOMAXPROCS); results do not depend on it")
	fl.BoolVar(&f.quiet, "quiet", false, "no progress lines")
	return cmd
}

// maxListed is how many differing trials verify lists after the first.
const maxListed = 10

func (a *app) verify(ctx context.Context, dir string, f verifyFlags) error {
	if f.sample < 1 {
		return usageError{fmt.Errorf("--sample must be at least 1, got %d", f.sample)}
	}
	if f.workers < 0 {
		return usageError{fmt.Errorf("--workers must not be negative, got %d", f.workers)}
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return usageError{fmt.Errorf("verify %s: not a run directory", dir)}
	}
	if _, err := lab.ReadManifest(dir); errors.Is(err, lab.ErrNoRun) || errors.Is(err, fs.ErrNotExist) {
		return usageError{fmt.Errorf("verify %s: not a run directory (no results.json)", dir)}
	}
	opts := lab.VerifyOptions{All: f.all, Sample: f.sample, Workers: f.workers}
	if !f.quiet {
		opts.Progress = &lab.LineProgress{W: a.stderr}
	}
	here := fmt.Sprintf("%s/%s, kernel %s, intercept %s", runtime.GOOS, runtime.GOARCH, kernel.Name(), buildVersion())
	v, err := lab.Verify(ctx, a.registry, dir, opts)
	if err != nil {
		if ctx.Err() != nil {
			return &exitError{130, fmt.Errorf("interrupted: %w", err)}
		}
		if v == nil && errors.Is(err, fs.ErrNotExist) {
			return usageError{fmt.Errorf("verify %s: %w", dir, err)}
		}
		return err
	}
	w := a.stdout
	fmt.Fprintf(w, "run %s: made on %s, kernel %s, intercept %s\n", dir, orUnknown(v.Run.Platform), orUnknown(v.Run.Kernel), orUnknown(v.Run.Version))
	fmt.Fprintf(w, "this machine: %s\n", here)
	how := fmt.Sprintf("%d per experiment, the same ones every time; --all for every trial", f.sample)
	if f.all {
		how = "all"
	}
	fmt.Fprintf(w, "re-ran %d of %d recorded trials (%s)\n", v.Rerun, v.Recorded, how)
	switch {
	case v.NoFingerprint:
		fmt.Fprintln(w, "fingerprint: none recorded (a run made before fingerprints), the recorded values were not checked against one")
	case len(v.Tampered) > 0:
		hint := ""
		if !f.all {
			hint = " (--all re-runs every trial and names the ones that differ)"
		}
		fmt.Fprintf(w, "fingerprint: MISMATCH: the recorded values of %s do not give the fingerprint recorded with them: results.json was changed after the run%s\n", strings.Join(v.Tampered, ", "), hint)
	default:
		fmt.Fprintln(w, "fingerprint: the recorded values match the recorded fingerprint")
	}
	if len(v.Mismatches) == 0 {
		fmt.Fprintf(w, "reproduced: %d of %d re-run trials bit for bit\n", v.Reproduced, v.Rerun)
	} else {
		fmt.Fprintf(w, "NOT REPRODUCED: %d of %d re-run trials differ\n", len(v.Mismatches), v.Rerun)
		fmt.Fprintf(w, "first difference: %s\n", v.Mismatches[0])
		for i, m := range v.Mismatches[1:] {
			if i == maxListed {
				fmt.Fprintf(w, "  ... and %d more\n", len(v.Mismatches)-1-maxListed)
				break
			}
			fmt.Fprintf(w, "  also: %s\n", m)
		}
	}
	switch {
	case len(v.Mismatches) > 0:
		return &exitError{1, fmt.Errorf("%s is not reproduced on this machine (%s)", dir, here)}
	case !v.OK():
		return &exitError{1, fmt.Errorf("%s: the recorded values do not match their fingerprint", dir)}
	}
	return nil
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
