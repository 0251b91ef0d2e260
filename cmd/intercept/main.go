// Command intercept is the command-line lab of the intercept library: it
// runs experiments about the bias term of a neuron and about weight and bias
// initialization, and writes a report of what held and what did not.
//
// Usage:
//
//	intercept lab        run every experiment on the embedded defaults
//	intercept version    print the version and the kernel in use
//
// Run "intercept help COMMAND" for the flags of each command.
package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
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

func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "intercept",
		Short:         "A lab about the bias term of a neuron and the initialization of networks",
		Long:          "intercept runs experiments on y = f(Wx + b): what the bias does, and how weight and bias\ninitialization decide whether a network learns. Results are measured, never assumed.",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(&cobra.Command{
		Use:   "lab",
		Short: "Run every experiment on the embedded defaults and write a report",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintln(cmd.OutOrStdout(), "intercept lab: the experiments are not built yet (they land with the lab issue).")
			fmt.Fprintln(cmd.OutOrStdout(), "The library is usable now: see the README and `go doc github.com/intercept-ml/intercept/tensor`.")
			return nil
		},
	})
	root.AddCommand(&cobra.Command{
		Use:   "version",
		Short: "Print the version, the Go runtime and the compute kernel in use",
		Args:  cobra.NoArgs,
		Run: func(cmd *cobra.Command, _ []string) {
			fmt.Fprintf(cmd.OutOrStdout(), "intercept %s (%s, %s/%s)\n", buildVersion(), runtime.Version(), runtime.GOOS, runtime.GOARCH)
		},
	})
	return root
}

func main() {
	root := newRootCmd(os.Stdout, os.Stderr)
	if err := root.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "intercept:", err)
		os.Exit(2)
	}
}
