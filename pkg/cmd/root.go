// Package cmd holds one file per verb of `kubectl eksaccess`: its Options,
// flags, Complete/Validate/Run, and the translation of errors into messages.
package cmd

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/klog/v2"

	"github.com/eksaccess/kubectl-eksaccess/third_party/forked/genericclioptions"
)

// NewCmdRoot builds `kubectl eksaccess` and its verbs.
func NewCmdRoot(streams genericiooptions.IOStreams) *cobra.Command {
	flags := genericclioptions.NewConfigFlags(true)
	// aws-auth always lives in kube-system, and --username is ours.
	flags.Namespace = nil
	flags.Username = nil
	flags.Password = nil

	cmd := &cobra.Command{
		Use:   "eksaccess",
		Short: "Control and explain who can reach an Amazon EKS cluster",
		Long: `kubectl eksaccess shows, checks and edits the IAM mappings of an Amazon EKS
cluster (the kube-system/aws-auth ConfigMap) exactly as the EKS authenticator
reads them.`,
		Example: `  # Every mapping, as the authenticator reads it
  kubectl eksaccess list

  # Which entry applies to a caller
  kubectl eksaccess list --arn arn:aws:sts::111122223333:assumed-role/Admin/alice

  # Every mistake in aws-auth, from the cluster or from a file
  kubectl eksaccess lint
  kubectl eksaccess lint -f aws-auth.yaml`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Annotations:   map[string]string{cobra.CommandDisplayNameAnnotation: "kubectl eksaccess"},
	}
	flags.AddFlags(cmd.PersistentFlags())
	addVerbosityFlag(cmd)
	cmd.AddCommand(
		NewCmdList(flags, streams),
		NewCmdLint(flags, streams),
		NewCmdAdd(flags, streams),
		NewCmdRemove(flags, streams),
		NewCmdRestore(flags, streams),
		NewCmdMigrate(flags, streams),
		NewCmdToken(streams),
		NewCmdDiagnose(flags, streams),
		NewCmdVersion(streams),
	)
	registerCompletions(cmd, flags)
	return cmd
}

// ExitError ends the command with a status other than 1. With a nil Err
// nothing more is printed: the command has already said everything.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// Execute runs the root command with args and returns the process exit
// status. Errors are printed once, here, as kubectl prints them.
func Execute(ctx context.Context, streams genericiooptions.IOStreams, args []string) int {
	root := NewCmdRoot(streams)
	root.SetArgs(helperArgs(os.Args[0], args))
	root.SetIn(streams.In)
	root.SetOut(streams.Out)
	root.SetErr(streams.ErrOut)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	var exit *ExitError
	if errors.As(err, &exit) {
		if exit.Err != nil {
			fmt.Fprintf(streams.ErrOut, "error: %v\n", exit.Err)
		}
		return exit.Code
	}
	fmt.Fprintf(streams.ErrOut, "error: %v\n", err)
	return 1
}

// addVerbosityFlag adds kubectl's -v/--v: klog verbosity of client-go's
// request logging (which masks bearer tokens at every level; the plugin
// itself never logs a token or a secret key).
func addVerbosityFlag(cmd *cobra.Command) {
	fs := flag.NewFlagSet("klog", flag.ContinueOnError)
	klog.InitFlags(fs)
	v := fs.Lookup("v")
	v.Usage = "Log level: 6 logs the Kubernetes API requests (and, in diagnose, each AWS request and exec plugin run) with their durations, 8 and more their bodies (tokens are masked)"
	cmd.PersistentFlags().AddGoFlag(v)
}

// commandOptions is the shape of every verb's options, as in kubectl:
// Complete does the I/O and fills the dependencies still nil (tests set
// theirs first), Validate checks the flags without I/O, Run does the work.
type commandOptions interface {
	Complete(f *genericclioptions.ConfigFlags, cmd *cobra.Command, args []string) error
	Validate() error
	Run(ctx context.Context) error
}

// runE is the RunE of a verb: Complete, Validate and Run, in that order.
func runE(f *genericclioptions.ConfigFlags, o commandOptions) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		if err := o.Complete(f, cmd, args); err != nil {
			return err
		}
		if err := o.Validate(); err != nil {
			return err
		}
		return o.Run(cmd.Context())
	}
}
