package cmd

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/eksaccess/kubectl-eksaccess/pkg/output"
	"github.com/eksaccess/kubectl-eksaccess/third_party/forked/genericclioptions"
)

// Set at build time with -ldflags "-X github.com/eksaccess/kubectl-eksaccess/pkg/cmd.version=v1.2.3 ...".
var (
	version = "v0.0.0-dev"
	commit  = ""
	date    = ""
)

// moduleVersion is the version set at build time or, for a binary built by
// 'go install .../cmd/kubectl-eksaccess@v1.2.3', the module's version.
func moduleVersion() string {
	if version != "v0.0.0-dev" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return version
}

// VersionOptions are the options of `version`.
type VersionOptions struct {
	genericiooptions.IOStreams
	Print *printFlags
}

// NewCmdVersion builds `kubectl eksaccess version`.
func NewCmdVersion(streams genericiooptions.IOStreams) *cobra.Command {
	o := &VersionOptions{IOStreams: streams, Print: newPrintFlags()}
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the plugin's version",
		Args:  cobra.NoArgs,
		RunE:  runE(nil, o),
	}
	o.Print.addFlags(cmd)
	return cmd
}

// Complete prepares the printer.
func (o *VersionOptions) Complete(_ *genericclioptions.ConfigFlags, _ *cobra.Command, _ []string) error {
	return o.Print.complete()
}

// Validate checks the flags.
func (o *VersionOptions) Validate() error {
	return o.Print.validate()
}

// Run prints the version.
func (o *VersionOptions) Run(context.Context) error {
	v := output.NewVersion(moduleVersion(), commit, date, runtime.Version(), runtime.GOOS+"/"+runtime.GOARCH)
	if !o.Print.human() {
		return o.Print.print(o.Out, v)
	}
	fmt.Fprintf(o.Out, "kubectl-eksaccess %s", v.Version)
	if v.Commit != "" {
		fmt.Fprintf(o.Out, " (commit %s, built %s)", v.Commit, v.Date)
	}
	fmt.Fprintf(o.Out, " %s %s\n", v.GoVersion, v.Platform)
	return nil
}
