package cmd

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/eksaccess/kubectl-eksaccess/pkg/awsauth"
	"github.com/eksaccess/kubectl-eksaccess/pkg/manifest"
	"github.com/eksaccess/kubectl-eksaccess/pkg/output"
	"github.com/eksaccess/kubectl-eksaccess/third_party/forked/genericclioptions"
)

// LintOptions are the options of `lint`.
type LintOptions struct {
	genericiooptions.IOStreams
	Source awsAuthSource
	Fleet  fleetFlags
	Print  *printFlags
}

// NewCmdLint builds `kubectl eksaccess lint`.
func NewCmdLint(flags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *cobra.Command {
	o := &LintOptions{IOStreams: streams, Source: awsAuthSource{configFlags: flags, in: streams.In}, Fleet: fleetFlags{configFlags: flags}, Print: newPrintFlags(outputGitHub, outputSARIF)}
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

For a fleet: --all-contexts, --contexts a,b or --context-pattern 'prod-*'
lint every selected kubeconfig context in parallel (at most --parallel at
once) and print a CONTEXT column; a context that cannot be read is a row
with its error (unreachable, unauthorized, forbidden, not found).

Exit status: 0 when there is no error-level finding, 1 when there is, or
when a context could not be read.`,
		Example: `  kubectl eksaccess lint
  kubectl eksaccess lint -f aws-auth.yaml
  kubectl get configmap aws-auth -n kube-system -o yaml | kubectl eksaccess lint -f - -o json
  kubectl eksaccess lint -f k8s/aws-auth.yaml -o github   # in a GitHub Actions step
  kubectl eksaccess lint -f k8s/aws-auth.yaml -o sarif > eksaccess.sarif
  kubectl eksaccess lint --context-pattern 'prod-*'`,
		Args: cobra.NoArgs,
		RunE: runE(flags, o),
	}
	o.Source.addFlags(cmd)
	o.Fleet.addFlags(cmd)
	o.Print.addFlags(cmd)
	return cmd
}

// Output formats of lint for CI.
const (
	outputGitHub = "github"
	outputSARIF  = "sarif"
)

// Complete prepares the printer and the client, unless -f is given, a test
// set one, or several contexts are read (each gets its own).
func (o *LintOptions) Complete(_ *genericclioptions.ConfigFlags, _ *cobra.Command, _ []string) error {
	return completeRead(o.Print, &o.Fleet, &o.Source)
}

// Validate checks the flags; it does no I/O.
func (o *LintOptions) Validate() error {
	if err := o.Print.validate(); err != nil {
		return err
	}
	if err := o.Fleet.validate(o.Source.Filename); err != nil {
		return err
	}
	if f := o.Print.format(); o.Fleet.enabled() && (f == outputGitHub || f == outputSARIF) {
		return fmt.Errorf("-o %s annotates a file read with -f, not several contexts: use -o json", f)
	}
	return nil
}

// locate adds the file and the line in it to each finding, when aws-auth
// was read from a file.
func locate(src *awsAuthSource, fs []awsauth.Finding) []output.Located {
	out := make([]output.Located, len(fs))
	var f *manifest.File
	if src.raw != nil {
		f, _ = manifest.Parse(src.raw)
	}
	for i, fd := range fs {
		out[i].Finding = fd
		if src.Filename == "" || src.Filename == "-" {
			continue
		}
		out[i].File = src.Filename
		if f != nil && fd.Key != "" {
			out[i].FileLine = f.Line(fd.Key, fd.Line)
		}
	}
	return out
}

// lint reads aws-auth from src and returns where it came from and its
// findings, located in the file when it was read with -f.
func lint(ctx context.Context, src *awsAuthSource) (string, []output.Located, error) {
	data, where, err := src.load(ctx)
	if err != nil {
		return "", nil, err
	}
	return where, locate(src, awsauth.Lint(awsauth.Parse(data))), nil
}

// Run lints aws-auth; it fails with status 1 when a finding is an error.
func (o *LintOptions) Run(ctx context.Context) error {
	if o.Fleet.enabled() {
		return o.runFleet(ctx)
	}
	where, findings, err := lint(ctx, &o.Source)
	if err != nil {
		return err
	}
	var err2 error
	switch o.Print.format() {
	case outputTable:
		output.Findings(o.Out, where, findings)
	case outputGitHub:
		err2 = output.GitHub(o.Out, findings)
	case outputSARIF:
		err2 = output.SARIF(o.Out, version, findings)
	default:
		err2 = o.Print.print(o.Out, output.NewFindingList(where, findings))
	}
	if err2 != nil {
		return err2
	}
	if hasErrors(findings) {
		return &ExitError{Code: 1}
	}
	return nil
}

func hasErrors(fs []output.Located) bool {
	for _, f := range fs {
		if f.Severity == awsauth.SeverityError {
			return true
		}
	}
	return false
}

// lintResult is what lint found in one context of a fleet.
type lintResult struct {
	where    string
	findings []output.Located
}

// runFleet lints every selected context; it fails with status 1 when a
// finding is an error or a context could not be read.
func (o *LintOptions) runFleet(ctx context.Context) error {
	targets, err := o.Fleet.targets()
	if err != nil {
		return err
	}
	res := runFleet(ctx, targets, o.Fleet.Parallel, func(ctx context.Context, t fleetTarget) (lintResult, error) {
		src, rec, err := fleetSource(t)
		if err != nil {
			return lintResult{}, err
		}
		where, fs, err := lint(ctx, src)
		return lintResult{where, fs}, rec.wrap(err)
	})
	l := output.NewFleetFindingList()
	failed := false
	for _, r := range res {
		c := output.FleetContext{FleetRow: fleetRow(r), Source: r.Value.where}
		if r.Err != nil {
			l.Items = append(l.Items, output.FleetFinding{FleetRow: c.FleetRow})
		}
		for i := range r.Value.findings {
			f := &r.Value.findings[i]
			switch f.Severity {
			case awsauth.SeverityError:
				c.Errors++
				failed = true
			case awsauth.SeverityWarning:
				c.Warnings++
			}
			l.Items = append(l.Items, output.FleetFinding{FleetRow: c.FleetRow, Located: f})
		}
		l.Errors += c.Errors
		l.Warnings += c.Warnings
		l.Contexts = append(l.Contexts, c)
	}
	if o.Print.human() {
		err = output.FleetFindingTable(o.Out, l)
	} else {
		err = o.Print.print(o.Out, l)
	}
	if err != nil {
		return err
	}
	if err := fleetSummary(res); err != nil {
		return err
	}
	if failed {
		return &ExitError{Code: 1}
	}
	return nil
}
