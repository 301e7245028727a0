package cmd

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/eksaccess/kubectl-eksaccess/pkg/awsauth"
)

// RemoveOptions are the options of `remove`.
type RemoveOptions struct {
	writeOptions

	ARN           string
	Account       string
	AllDuplicates bool

	change  awsauth.Change
	notices []string
}

// NewCmdRemove builds `kubectl eksaccess remove`.
func NewCmdRemove(flags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *cobra.Command {
	o := &RemoveOptions{writeOptions: writeOptions{IOStreams: streams, configFlags: flags}}
	cmd := &cobra.Command{
		Use:   "remove ARN | --account ID",
		Short: "Revoke the aws-auth mapping of an IAM user, role or account",
		Long: `Remove the aws-auth entry that maps an ARN (compared as the authenticator
compares it: an assumed-role ARN means its role, case does not matter) and say
which lines went away. With duplicates, only the entry the authenticator
applies is removed, unless --all-duplicates.

Refuses, unless --force, to remove the entry you are authenticated through,
the last entry granting system:masters, or a node role (system:nodes).`,
		Example: `  kubectl eksaccess remove arn:aws:iam::111122223333:user/former_employee
  kubectl eksaccess remove arn:aws:iam::111122223333:role/Developer --all-duplicates --dry-run
  kubectl eksaccess remove --account 444455556666`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.ARN = args[0]
			}
			if err := o.Validate(); err != nil {
				return err
			}
			if err := o.complete(); err != nil {
				return err
			}
			return o.Run(cmd)
		},
	}
	o.writeOptions.addFlags(cmd)
	cmd.Flags().StringVar(&o.Account, "account", "", "Remove this account from mapAccounts instead of an ARN")
	cmd.Flags().BoolVar(&o.AllDuplicates, "all-duplicates", false, "Remove every entry for the ARN, not only the one that applies")
	return cmd
}

// Validate checks the flags and works out the change.
func (o *RemoveOptions) Validate() error {
	if err := o.writeOptions.validate(); err != nil {
		return err
	}
	switch {
	case o.ARN == "" && o.Account == "":
		return errors.New("give the ARN to remove, or --account ID: see 'kubectl eksaccess remove --help'")
	case o.ARN != "" && o.Account != "":
		return errors.New("give an ARN or --account, not both")
	}
	if o.Account != "" {
		c, err := awsauth.NormalizeAccount(o.Account)
		if err != nil {
			return err
		}
		c.Op = awsauth.OpRemove
		o.change = c
	} else {
		c, notices, err := awsauth.NormalizeRemove(o.ARN)
		if err != nil {
			return err
		}
		o.change, o.notices = c, notices
	}
	o.change.AllDuplicates = o.AllDuplicates
	o.change.Force = o.Force
	return nil
}

// Run removes the mapping.
func (o *RemoveOptions) Run(cmd *cobra.Command) error {
	for _, n := range o.notices {
		fmt.Fprintf(o.ErrOut, "Notice: %s\n", n)
	}
	err := o.write(cmd.Context(), changeEdit(o.change))
	if errors.Is(err, awsauth.ErrNotFound) {
		return fmt.Errorf("%s is not mapped in aws-auth: nothing to remove (see 'kubectl eksaccess list')", o.change.ARN)
	}
	return err
}
