package cmd

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/eksaccess/kubectl-eksaccess/pkg/accessentry"
	"github.com/eksaccess/kubectl-eksaccess/pkg/awsauth"
	"github.com/eksaccess/kubectl-eksaccess/third_party/forked/genericclioptions"
)

// RemoveOptions are the options of `remove`.
type RemoveOptions struct {
	writeOptions
	viaOptions
	principalTarget

	AllDuplicates bool
	AllowAccount  bool
	Policies      []string

	policyARNs []string
	change     awsauth.Change
	notices    []string
	file       fileTarget
}

// NewCmdRemove builds `kubectl eksaccess remove`.
func NewCmdRemove(flags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *cobra.Command {
	o := &RemoveOptions{writeOptions: newWriteOptions(flags, streams), viaOptions: viaOptions{Cluster: clusterTarget{configFlags: flags}}}
	cmd := &cobra.Command{
		Use:   "remove ARN | --account ID | --sso-permission-set NAME [--account ID]",
		Short: "Revoke the aws-auth mapping or EKS access entry of an IAM user, role or account",
		Long: `Revoke an ARN in aws-auth: remove every entry that maps it, compared as the
authenticator compares it (an assumed-role ARN means its role, case does not
matter, a role given with its path also means the pathless entry its sessions
match), exact duplicates and case variants included, and say which lines went
away. With --account, every copy of the account in mapAccounts is removed.

If mapAccounts still lists the principal's account, the principal still gets
in (with its own ARN as username and no groups): remove says so and exits 1,
unless --allow-account.

Refuses, unless --force, to remove the entry you are authenticated through,
the last entry granting system:masters, or a node role (system:nodes).

With --via access-entry (the default when the cluster is in API mode), the
principal's EKS access entry is deleted with its policies, or with --policy
only those policy associations. The entry you are authenticated through,
node entries and, in API mode, the last entry granting
AmazonEKSClusterAdminPolicy (nobody would be cluster admin) are kept unless
--force.

--sso-permission-set NAME removes the role IAM Identity Center made for a
permission set (AWSReservedSSO_NAME_*, found with IAM ListRoles; --account
names the account it must be in) instead of an ARN.`,
		Example: `  kubectl eksaccess remove arn:aws:iam::111122223333:user/former_employee
  kubectl eksaccess remove arn:aws:iam::111122223333:role/Developer --dry-run
  kubectl eksaccess remove --account 444455556666
  kubectl eksaccess remove arn:aws:iam::111122223333:role/Dev --via access-entry --policy AmazonEKSViewPolicy
  kubectl eksaccess remove --sso-permission-set ReadOnly --via access-entry
  kubectl eksaccess remove arn:aws:iam::111122223333:user/former_employee -f k8s/aws-auth.yaml --in-place`,
		Args: cobra.MaximumNArgs(1),
		RunE: runE(flags, o),
	}
	o.writeOptions.addFlags(cmd)
	o.file.addFlags(cmd)
	cmd.Flags().StringVar(&o.Account, "account", "", "Remove this account from mapAccounts instead of an ARN; with --sso-permission-set, the account of the permission set's role")
	o.sso.addFlags(cmd)
	cmd.Flags().BoolVar(&o.AllDuplicates, "all-duplicates", false, "Remove every entry that maps the ARN (always done now; kept for scripts)")
	cmd.Flags().BoolVar(&o.AllowAccount, "allow-account", false, "Exit 0 even when mapAccounts still admits the principal's whole account")
	o.viaOptions.addFlags(cmd)
	cmd.Flags().StringArrayVar(&o.Policies, "policy", nil, "Access entry: disassociate only this access policy (name or ARN) and keep the entry; repeat for several")
	return cmd
}

// Complete takes the ARN argument and, unless -f edits a file, prepares
// the clients.
func (o *RemoveOptions) Complete(f *genericclioptions.ConfigFlags, cmd *cobra.Command, args []string) error {
	if err := o.principalTarget.complete(cmd.Context(), args, &o.viaOptions.Cluster, o.ErrOut); err != nil {
		return err
	}
	if o.file.Filename != "" {
		return nil
	}
	return o.writeOptions.complete(f)
}

// Validate checks the flags and works out the change; it does no I/O.
func (o *RemoveOptions) Validate() error {
	if err := o.writeOptions.validate(); err != nil {
		return err
	}
	if err := o.viaOptions.validate(); err != nil {
		return err
	}
	if len(o.Policies) > 0 {
		if o.Via == viaAWSAuth {
			return errors.New("--policy is for access entries: drop it, or use --via access-entry")
		}
		o.Via = viaAccessEntry
		for _, name := range o.Policies {
			arn, err := accessentry.ExpandPolicy(accessentry.DefaultPartition, name)
			if err != nil {
				return fmt.Errorf("--policy: %w", err)
			}
			o.policyARNs = append(o.policyARNs, arn)
		}
	}
	if o.Via == viaAccessEntry && o.Account != "" {
		return errors.New("access entries are per principal: --account exists only in aws-auth (--via aws-auth)")
	}
	if err := o.file.validate(o.DryRun, o.Print, o.Via); err != nil {
		return err
	}
	if err := o.principalTarget.validate("remove", "remove"); err != nil {
		return err
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

// Run removes the mapping, in the cluster or in the file given with -f.
func (o *RemoveOptions) Run(ctx context.Context) error {
	var (
		via string
		cl  *eksCluster
		err error
	)
	if o.file.Filename == "" {
		if via, cl, err = o.viaOptions.route(ctx, &o.writeOptions, o.Account); err != nil {
			return err
		}
	}
	if via == viaAccessEntry {
		return o.runAccessEntry(ctx, cl)
	}
	defer func() {
		if e := overridingEntry(ctx, cl, o.ARN); e != nil {
			fmt.Fprintf(o.ErrOut, "Warning: %s still has an access entry in cluster %s, which grants access whatever aws-auth says: remove it with --via access-entry.\n", e.PrincipalARN, cl.Name)
		}
	}()
	o.say(o.notices, nil)
	// The remove does not revoke the principal while mapAccounts admits
	// its account: remember what the last attempt of the edit found.
	var admitted []*awsauth.Entry
	apply := changeEdit(o.change)
	what := func(data map[string]string) (edited, error) {
		ed, err := apply(data)
		admitted = ed.StillAdmittedBy
		return ed, err
	}
	if o.file.Filename != "" {
		err = o.writeFile(what, o.file)
	} else {
		err = o.write(ctx, what)
	}
	if err != nil {
		return err
	}
	if len(admitted) > 0 {
		a := admitted[0]
		msg := fmt.Sprintf("%s still gets in: %s maps every principal of account %s (username its ARN, no groups)", o.change.ARN, a.Source(), a.ARN)
		if o.AllowAccount {
			fmt.Fprintf(o.ErrOut, "Warning: %s; kept because of --allow-account\n", msg)
			return nil
		}
		return fmt.Errorf("%s, so removing its entries does not revoke it: remove the account with 'kubectl eksaccess remove --account %s', or pass --allow-account to accept it", msg, a.ARN)
	}
	return nil
}

// runAccessEntry deletes the access entry, or some of its policies.
// Policies are compared by name, whatever the cluster's partition.
func (o *RemoveOptions) runAccessEntry(ctx context.Context, cl *eksCluster) error {
	target := o.ARN
	if o.ssoRole.ARN != "" {
		target = o.ssoRole.ARN
	}
	arn, cur, err := accessEntryFor(ctx, &o.writeOptions, cl, target)
	if err != nil {
		return err
	}
	if cur == nil {
		if len(o.policyARNs) > 0 {
			return fmt.Errorf("%s has no access entry in cluster %s: nothing to remove (see 'kubectl eksaccess list')", arn, cl.Name)
		}
		fmt.Fprintf(o.ErrOut, "accessentry/%s unchanged: %s has no access entry in cluster %s\n", arn, arn, cl.Name)
		return nil
	}
	var after *accessentry.Entry
	if len(o.policyARNs) > 0 {
		e := cur.Clone()
		e.Policies = nil
		for _, p := range cur.Policies {
			if !slices.ContainsFunc(o.policyARNs, func(a string) bool { return accessentry.ShortPolicy(a) == accessentry.ShortPolicy(p.ARN) }) {
				e.Policies = append(e.Policies, p)
			}
		}
		after = &e
	}
	if !o.Force {
		risks, err := o.removalRisks(ctx, cl, arn, cur, after)
		if err != nil {
			return err
		}
		if len(risks) > 0 {
			return fmt.Errorf("refusing to change the access entry of %s: %s; re-run with --force if this is what you want", arn, strings.Join(risks, "; "))
		}
	}
	return o.writeAccessEntry(ctx, cl, arn, cur, after)
}
