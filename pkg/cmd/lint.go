package cmd

import (
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/eksaccess/kubectl-eksaccess/pkg/awsauth"
	"github.com/eksaccess/kubectl-eksaccess/pkg/manifest"
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
multi-document YAML file, or '-' for stdin); with -f each finding also names
its line in the file.

For CI: -o github prints GitHub Actions workflow annotations, which show on
the pull request's lines; -o sarif prints a SARIF 2.1.0 log for code-scanning
tools (one rule per EKSA code).

Exit status: 0 when there is no error-level finding, 1 when there is.`,
		Example: `  kubectl eksaccess lint
  kubectl eksaccess lint -f aws-auth.yaml
  kubectl get configmap aws-auth -n kube-system -o yaml | kubectl eksaccess lint -f - -o json
  kubectl eksaccess lint -f k8s/aws-auth.yaml -o github   # in a GitHub Actions step
  kubectl eksaccess lint -f k8s/aws-auth.yaml -o sarif > eksaccess.sarif`,
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
	cmd.Flags().StringVarP(&o.Output, "output", "o", "", "Output format: json, yaml, github (workflow annotations) or sarif (SARIF 2.1.0)")
	return cmd
}

// Validate checks the flags.
func (o *LintOptions) Validate() error {
	return validateOutput(o.Output, "json", "yaml", "github", "sarif")
}

// Complete prepares the client, unless -f is given or a test set one.
func (o *LintOptions) Complete() error { return o.Source.complete() }

// locate adds the file and the line in it to each finding, when aws-auth
// was read from a file.
func (o *LintOptions) locate(fs []awsauth.Finding) []output.Located {
	out := make([]output.Located, len(fs))
	var f *manifest.File
	if o.Source.raw != nil {
		f, _ = manifest.Parse(o.Source.raw)
	}
	for i, fd := range fs {
		out[i].Finding = fd
		if o.Source.Filename == "" || o.Source.Filename == "-" {
			continue
		}
		out[i].File = o.Source.Filename
		if f != nil && fd.Key != "" {
			out[i].FileLine = f.Line(fd.Key, fd.Line)
		}
	}
	return out
}

// Run lints aws-auth; it fails with status 1 when a finding is an error.
func (o *LintOptions) Run(cmd *cobra.Command) error {
	data, where, err := o.Source.load(cmd.Context())
	if err != nil {
		return err
	}
	findings := awsauth.Lint(awsauth.Parse(data))
	var err2 error
	switch o.Output {
	case "":
		output.Findings(o.Out, where, o.locate(findings))
	case "github":
		err2 = output.GitHub(o.Out, o.locate(findings))
	case "sarif":
		err2 = output.SARIF(o.Out, version, o.locate(findings))
	default:
		err2 = output.Print(o.Out, o.Output, output.NewFindingList(where, o.locate(findings)))
	}
	if err2 != nil {
		return err2
	}
	if awsauth.HasErrors(findings) {
		return &ExitError{Code: 1}
	}
	return nil
}
