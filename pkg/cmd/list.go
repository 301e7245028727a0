package cmd

import (
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/eksaccess/kubectl-eksaccess/pkg/awsauth"
	"github.com/eksaccess/kubectl-eksaccess/pkg/output"
)

// ListOptions are the options of `list`.
type ListOptions struct {
	genericiooptions.IOStreams
	Source awsAuthSource

	ARN       string
	Output    string
	NoHeaders bool

	principal *awsauth.Principal
}

// NewCmdList builds `kubectl eksaccess list`.
func NewCmdList(flags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *cobra.Command {
	o := &ListOptions{IOStreams: streams, Source: awsAuthSource{configFlags: flags, in: streams.In}}
	cmd := &cobra.Command{
		Use:   "list [--arn ARN] [-f FILE]",
		Short: "List every aws-auth mapping as the EKS authenticator reads it",
		Long: `List every entry of the aws-auth ConfigMap (mapRoles, mapUsers, mapAccounts)
with its status as the EKS authenticator reads it: ok, or why it never applies
(dropped, shadowed by a later duplicate, never matches).`,
		Example: `  kubectl eksaccess list
  kubectl eksaccess list -o wide
  kubectl eksaccess list --arn arn:aws:sts::111122223333:assumed-role/Admin/alice -o json
  kubectl eksaccess list -f aws-auth.yaml`,
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
	cmd.Flags().StringVar(&o.ARN, "arn", "", "Show only the entry the authenticator applies to this caller ARN (user, role, or sts assumed-role session)")
	cmd.Flags().StringVarP(&o.Output, "output", "o", "", "Output format: wide, json or yaml")
	cmd.Flags().BoolVar(&o.NoHeaders, "no-headers", false, "Don't print headers")
	return cmd
}

// Validate checks the flags; it does no I/O.
func (o *ListOptions) Validate() error {
	if err := validateOutput(o.Output, "wide", "json", "yaml"); err != nil {
		return err
	}
	if o.ARN != "" {
		p, err := awsauth.Canonicalize(o.ARN)
		if err != nil {
			return fmt.Errorf("--arn: %w", err)
		}
		o.principal = &p
	}
	return nil
}

// Complete prepares the client, unless -f is given or a test set one.
func (o *ListOptions) Complete() error { return o.Source.complete() }

// Run reads aws-auth and prints it.
func (o *ListOptions) Run(cmd *cobra.Command) error {
	data, where, err := o.Source.load(cmd.Context())
	if err != nil {
		return err
	}
	m := awsauth.Parse(data)
	entries := m.Entries
	if o.principal != nil {
		entries = nil
		match := m.Lookup(*o.principal, "")
		switch {
		case match == nil:
			fmt.Fprintf(o.ErrOut, "No entry of aws-auth (%s) maps %s (canonical ARN %s): EKS answers 401 Unauthorized unless an access entry covers it.\n", where, o.ARN, o.principal.Canonical)
		case len(match.Candidates) > 0:
			entries = match.Candidates
			fmt.Fprintf(o.ErrOut, "Warning: %d entries match %s and the authenticator picks one at random on each request.\n", len(match.Candidates), o.principal.Canonical)
		default:
			entries = []*awsauth.Entry{match.Entry}
			if match.RenderErr != "" {
				fmt.Fprintf(o.ErrOut, "Warning: the entry matches, but the authenticator refuses the caller (401): %s.\n", match.RenderErr)
			} else if o.Output == "" || o.Output == "wide" {
				fmt.Fprintf(o.ErrOut, "%s is authenticated as username %q with groups [%s].\n", o.ARN, match.Username, joinGroups(match.Groups))
			}
		}
	}
	list := output.NewMappingList(where, m, entries)
	if o.Output == "json" || o.Output == "yaml" {
		return output.Print(o.Out, o.Output, list)
	}
	for _, k := range m.Keys {
		if k.Err != "" {
			fmt.Fprintf(o.ErrOut, "Warning: %s is not loaded at all (%s): run 'kubectl eksaccess lint'.\n", k.Key, k.Err)
		}
	}
	for _, k := range m.IgnoredKeys {
		fmt.Fprintf(o.ErrOut, "Warning: data key %q is ignored (keys are case-sensitive): run 'kubectl eksaccess lint'.\n", k)
	}
	if len(list.Items) == 0 {
		if o.principal == nil {
			fmt.Fprintf(o.ErrOut, "No mappings found in aws-auth (%s).\n", where)
		}
		return nil
	}
	return output.MappingTable(o.Out, list.Items, o.Output == "wide", o.NoHeaders)
}

func joinGroups(gs []string) string {
	s := ""
	for i, g := range gs {
		if i > 0 {
			s += ", "
		}
		s += g
	}
	return s
}
