package cmd

import (
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/eksaccess/kubectl-eksaccess/pkg/awsauth"
	"github.com/eksaccess/kubectl-eksaccess/pkg/output"
)

// LintOptions are the options of `lint`.
type LintOptions struct {
	genericiooptions.IOStreams
	Source awsAuthSource
	Output string
}

// NewCmdLint builds `kubectl eksaccess lint`.
func NewCmdLint(flags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *cobra.Command {
	o := &LintOptions{IOStreams: streams, Source: awsAuthSource{configFlags: flags, in: streams.In}}
	cmd := &cobra.Command{
		Use:   "lint [-f FILE]",
		Short: "Find every mistake in aws-auth, with the fix",
		Long: `Check the aws-auth ConfigMap the way the EKS authenticator reads it and report
every finding with a stable code (documented in docs/findings.md), its line and
the fix. Reads the live ConfigMap, or a manifest with -f (a single or
multi-document YAML file, or '-' for stdin).

Exit status: 0 when there is no error-level finding, 1 when there is.`,
		Example: `  kubectl eksaccess lint
  kubectl eksaccess lint -f aws-auth.yaml
  kubectl get configmap aws-auth -n kube-system -o yaml | kubectl eksaccess lint -f - -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Validate(); err != nil {
				return err
			}
			if err := o.Complete(); err != nil {
				return err
			}
			return o.Run(cmd)
		},
	}
	o.Source.addFlags(cmd)
	cmd.Flags().StringVarP(&o.Output, "output", "o", "", "Output format: json or yaml")
	return cmd
}

// Validate checks the flags.
func (o *LintOptions) Validate() error { return validateOutput(o.Output, "json", "yaml") }

// Complete prepares the client, unless -f is given or a test set one.
func (o *LintOptions) Complete() error { return o.Source.complete() }

// Run lints aws-auth; it fails with status 1 when a finding is an error.
func (o *LintOptions) Run(cmd *cobra.Command) error {
	data, where, err := o.Source.load(cmd.Context())
	if err != nil {
		return err
	}
	findings := awsauth.Lint(awsauth.Parse(data))
	if o.Output != "" {
		if err := output.Print(o.Out, o.Output, output.NewFindingList(where, findings)); err != nil {
			return err
		}
	} else {
		output.Findings(o.Out, where, findings)
	}
	if awsauth.HasErrors(findings) {
		return &ExitError{Code: 1}
	}
	return nil
}
