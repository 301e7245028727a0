package cmd

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/eksaccess/kubectl-eksaccess/pkg/awsauth"
)

// AddOptions are the options of `add`.
type AddOptions struct {
	writeOptions

	ARN          string
	Account      string
	Username     string
	Groups       []string
	AppendGroups bool
	Node         bool

	change  awsauth.Change
	notices []string
}

// NewCmdAdd builds `kubectl eksaccess add`.
func NewCmdAdd(flags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *cobra.Command {
	o := &AddOptions{writeOptions: writeOptions{IOStreams: streams, configFlags: flags}}
	cmd := &cobra.Command{
		Use:   "add ARN [--username NAME] [--group G]... | --account ID",
		Short: "Grant an IAM user, role or account access through aws-auth",
		Long: `Map an IAM user (mapUsers), an IAM role (mapRoles) or a whole account
(mapAccounts) in aws-auth. The ARN decides where it goes. An STS assumed-role
ARN is mapped as its role; a role path is dropped, since the authenticator
never matches one. An existing entry for the same ARN is updated in place,
never duplicated; adding the same thing twice changes nothing.

Every write shows a diff first, asks for confirmation on a terminal (--yes
skips it), refuses to write a ConfigMap that would lose a mapping or lock you
or your nodes out (--force overrides the guards), and saves a backup of the
previous aws-auth.`,
		Example: `  # Give an IAM user cluster-admin
  kubectl eksaccess add arn:aws:iam::111122223333:user/designated_user --group system:masters

  # See the diff only
  kubectl eksaccess add arn:aws:iam::111122223333:role/Developer --group developers --dry-run

  # Map the worker nodes' role
  kubectl eksaccess add arn:aws:iam::111122223333:role/eks-node --node --yes

  # Add a group to an existing mapping
  kubectl eksaccess add arn:aws:iam::111122223333:role/Developer --group viewers --append-groups`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				o.ARN = args[0]
			}
			if err := o.Validate(cmd); err != nil {
				return err
			}
			if err := o.complete(); err != nil {
				return err
			}
			return o.Run(cmd)
		},
	}
	o.writeOptions.addFlags(cmd)
	cmd.Flags().StringVar(&o.Account, "account", "", "Map every principal of this 12-digit AWS account (mapAccounts) instead of one ARN")
	cmd.Flags().StringVar(&o.Username, "username", "", "Kubernetes username (default: the IAM user name, or ROLE:{{SessionName}} for a role)")
	cmd.Flags().StringArrayVar(&o.Groups, "group", nil, "Kubernetes group; repeat for several")
	cmd.Flags().BoolVar(&o.AppendGroups, "append-groups", false, "Merge --group into an existing entry's groups instead of replacing them")
	cmd.Flags().BoolVar(&o.Node, "node", false, "Map a worker-node role: username system:node:{{EC2PrivateDNSName}}, groups system:bootstrappers and system:nodes")
	return cmd
}

// Validate checks the flags and works out the change; it does no I/O.
func (o *AddOptions) Validate(cmd *cobra.Command) error {
	if err := o.writeOptions.validate(); err != nil {
		return err
	}
	switch {
	case o.ARN == "" && o.Account == "":
		return errors.New("give the ARN to map, or --account ID: see 'kubectl eksaccess add --help'")
	case o.ARN != "" && o.Account != "":
		return errors.New("give an ARN or --account, not both")
	}
	if o.Account != "" {
		if o.Username != "" || len(o.Groups) > 0 || o.Node || o.AppendGroups {
			return errors.New("--account maps every principal of an account under its own ARN, with no groups: --username, --group, --node and --append-groups do not apply")
		}
		c, err := awsauth.NormalizeAccount(o.Account)
		if err != nil {
			return err
		}
		o.change = c
		return nil
	}
	c, notices, err := awsauth.NormalizeTarget(o.ARN, o.Node)
	if err != nil {
		return err
	}
	if o.Node && (o.Username != "" || len(o.Groups) > 0) {
		return errors.New("--node sets the username and groups of the standard node mapping: drop --username and --group")
	}
	if o.Username != "" {
		c.Username, c.UsernameIsDefault = o.Username, false
	}
	if cmd.Flags().Changed("group") {
		c.Groups = o.Groups
	}
	if o.AppendGroups && len(o.Groups) == 0 {
		return errors.New("--append-groups needs at least one --group")
	}
	c.AppendGroups = o.AppendGroups
	c.Force = o.Force
	o.change, o.notices = c, notices
	return nil
}

// Run writes the mapping.
func (o *AddOptions) Run(cmd *cobra.Command) error {
	for _, n := range o.notices {
		fmt.Fprintf(o.ErrOut, "Notice: %s\n", n)
	}
	if o.change.Kind != awsauth.KindAccount {
		for _, w := range awsauth.UsernameWarnings(o.change.Username, o.change.Node) {
			fmt.Fprintf(o.ErrOut, "Warning: %s\n", w)
		}
	}
	return o.write(cmd.Context(), changeEdit(o.change))
}

// changeEdit applies a Change and checks the result is never worse.
func changeEdit(c awsauth.Change) edit {
	return func(data map[string]string) (awsauth.Result, error) {
		res, err := awsauth.Apply(data, c)
		if err != nil || !res.Changed {
			return res, err
		}
		if err := awsauth.CheckNotWorse(data, res.Data, c); err != nil {
			return res, err
		}
		return res, nil
	}
}
