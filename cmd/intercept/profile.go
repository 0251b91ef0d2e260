package main

import (
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/spf13/cobra"
)

// addProfileFlags adds the hidden flags --cpuprofile FILE, --memprofile FILE
// and --timings to every command: a CPU profile of the whole command, a heap
// profile written when it ends, and the time of a run and of its report
// printed to stderr. They are for measuring the lab, not for its users.
func addProfileFlags(root *cobra.Command, a *app) {
	var cpu string
	fl := root.PersistentFlags()
	fl.StringVar(&cpu, "cpuprofile", "", "write a CPU profile of the command to FILE")
	fl.StringVar(&a.memProfile, "memprofile", "", "write a heap profile to FILE before a run's report is written (or when the command ends)")
	fl.BoolVar(&a.showTimings, "timings", false, "print the time of the run and of its report to stderr")
	for _, n := range []string{"cpuprofile", "memprofile", "timings"} {
		fl.MarkHidden(n)
	}
	var cpuFile *os.File
	root.PersistentPreRunE = func(*cobra.Command, []string) error {
		if cpu == "" {
			return nil
		}
		f, err := os.Create(cpu)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return err
		}
		cpuFile = f
		return nil
	}
	root.PersistentPostRunE = func(*cobra.Command, []string) error {
		if cpuFile != nil {
			pprof.StopCPUProfile()
			if err := cpuFile.Close(); err != nil {
				return err
			}
			cpuFile = nil
		}
		return a.writeMemProfile()
	}
}

// writeMemProfile writes the heap profile asked for with --memprofile, once.
func (a *app) writeMemProfile() error {
	if a.memProfile == "" {
		return nil
	}
	f, err := os.Create(a.memProfile)
	a.memProfile = ""
	if err != nil {
		return err
	}
	runtime.GC()
	err = pprof.Lookup("allocs").WriteTo(f, 0)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// timing prints how long a step took when --timings is set: its wall
// time since start, the CPU time (user+sys) the process spent since cpu
// (cpuTime's value at its start), and the process's peak resident set size
// so far.
func (a *app) timing(step string, start time.Time, cpu time.Duration) {
	if a.showTimings {
		fmt.Fprintf(a.stderr, "intercept: %s took %.3f s (%.3f s CPU), peak RSS so far %.1f MiB\n", step, time.Since(start).Seconds(), (cpuTime() - cpu).Seconds(), float64(peakRSS())/(1<<20))
	}
}
