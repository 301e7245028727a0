package cmd

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/eksaccess/kubectl-eksaccess/pkg/accessentry"
	"github.com/eksaccess/kubectl-eksaccess/pkg/awsapi"
	"github.com/eksaccess/kubectl-eksaccess/pkg/awsauth"
	"github.com/eksaccess/kubectl-eksaccess/third_party/forked/genericclioptions"
)

// AddOptions are the options of `add`.
type AddOptions struct {
	writeOptions
	viaOptions
	principalTarget

	Username     string
	Groups       []string
	AppendGroups bool
	Node         bool
	Policies     []string
	Namespaces   []string
	Type         string

	// groupsChanged says whether --group was given (even empty).
	groupsChanged bool
	target        accessentry.Request
	policies      awsapi.PolicyCatalogue
	change        awsauth.Change
	notices       []string
	file          fileTarget
}

// NewCmdAdd builds `kubectl eksaccess add`.
func NewCmdAdd(flags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *cobra.Command {
	o := &AddOptions{writeOptions: newWriteOptions(flags, streams), viaOptions: viaOptions{Cluster: clusterTarget{configFlags: flags}}}
	cmd := &cobra.Command{
		Use:   "add ARN [--username NAME] [--group G]... | --account ID | --sso-permission-set NAME [--account ID]",
		Short: "Grant an IAM user, role or account access through aws-auth or an EKS access entry",
		Long: `Map an IAM user (mapUsers), an IAM role (mapRoles) or a whole account
(mapAccounts) in aws-auth. The ARN decides where it goes. An STS assumed-role
ARN is mapped as its role; a role path is dropped, since the authenticator
never matches one. An existing entry for the same ARN is updated in place,
never duplicated; adding the same thing twice changes nothing.

Every write shows a diff first, asks for confirmation on a terminal (--yes
skips it), refuses to write a ConfigMap that would lose a mapping or lock you
or your nodes out (--force overrides the guards), and saves a backup of the
previous aws-auth.

With --via access-entry (the default when the cluster is in API mode), the
grant is an EKS access entry instead: the principal's exact ARN, path
included, is looked up in IAM; --policy associates an access policy
(AmazonEKSClusterAdminPolicy, AmazonEKSAdminPolicy, AmazonEKSEditPolicy,
AmazonEKSViewPolicy...) with the whole cluster or, with --namespace, with some
namespaces; --node creates an EC2_LINUX entry, --type any other type
(FARGATE_LINUX, EC2 for Auto Mode, HYBRID_LINUX, HYPERPOD_LINUX...). Policy
names are checked against the list EKS offers (ListAccessPolicies), and the
rules EKS applies (reserved usernames and groups, what node types take) are
checked before any call. An existing access entry is updated in place: its
username and groups (--append-groups adds to them), and its policies; its
type cannot change. The same diff, --dry-run and --yes apply. In
API_AND_CONFIG_MAP mode aws-auth stays the default, with a warning when an
access entry already overrides it.

--sso-permission-set NAME gives the role IAM Identity Center made for a
permission set (AWSReservedSSO_NAME_*, found with IAM ListRoles; --account
names the account it must be in) instead of an ARN: aws-auth gets it without
its path, an access entry with it.`,
		Example: `  # Give an IAM user cluster-admin
  kubectl eksaccess add arn:aws:iam::111122223333:user/designated_user --group system:masters

  # See the diff only
  kubectl eksaccess add arn:aws:iam::111122223333:role/Developer --group developers --dry-run

  # Map the worker nodes' role
  kubectl eksaccess add arn:aws:iam::111122223333:role/eks-node --node --yes

  # Add a group to an existing mapping
  kubectl eksaccess add arn:aws:iam::111122223333:role/Developer --group viewers --append-groups

  # An access entry with cluster-admin, and one with view rights on two namespaces
  kubectl eksaccess add arn:aws:iam::111122223333:role/Admin --via access-entry --policy AmazonEKSClusterAdminPolicy
  kubectl eksaccess add arn:aws:iam::111122223333:role/Dev --via access-entry --policy AmazonEKSViewPolicy --namespace dev --namespace qa

  # The role of an IAM Identity Center permission set, as an access entry
  kubectl eksaccess add --sso-permission-set AdministratorAccess --via access-entry --policy AmazonEKSClusterAdminPolicy

  # Edit the aws-auth manifest of a GitOps repository instead of the cluster
  kubectl eksaccess add arn:aws:iam::111122223333:role/Dev --group devs -f k8s/aws-auth.yaml --in-place`,
		Args: cobra.MaximumNArgs(1),
		RunE: runE(flags, o),
	}
	o.writeOptions.addFlags(cmd)
	o.viaOptions.addFlags(cmd)
	o.file.addFlags(cmd)
	cmd.Flags().StringArrayVar(&o.Policies, "policy", nil, "Access entry: associate this access policy (a name like AmazonEKSViewPolicy, or its ARN); repeat for several")
	cmd.Flags().StringArrayVar(&o.Namespaces, "namespace", nil, "Access entry: scope --policy to this namespace (wildcards allowed); repeat for several (default: the whole cluster)")
	cmd.Flags().StringVar(&o.Type, "type", "", "Access entry type: STANDARD (default), or for nodes EC2_LINUX (--node), EC2_WINDOWS, FARGATE_LINUX, EC2 (Auto Mode), HYBRID_LINUX, HYPERPOD_LINUX")
	cmd.Flags().StringVar(&o.Account, "account", "", "Map every principal of this 12-digit AWS account (mapAccounts) instead of one ARN; with --sso-permission-set, the account of the permission set's role")
	o.sso.addFlags(cmd)
	cmd.Flags().StringVar(&o.Username, "username", "", "Kubernetes username (default: the IAM user name, or ROLE:{{SessionName}} for a role)")
	cmd.Flags().StringArrayVar(&o.Groups, "group", nil, "Kubernetes group; repeat for several")
	cmd.Flags().BoolVar(&o.AppendGroups, "append-groups", false, "Merge --group into an existing entry's groups instead of replacing them")
	cmd.Flags().BoolVar(&o.Node, "node", false, "Map a worker-node role: username system:node:{{EC2PrivateDNSName}}, groups system:bootstrappers and system:nodes")
	return cmd
}

// Complete takes the ARN argument and, unless -f edits a file, prepares
// the clients.
func (o *AddOptions) Complete(f *genericclioptions.ConfigFlags, cmd *cobra.Command, args []string) error {
	o.groupsChanged = cmd.Flags().Changed("group")
	if err := o.principalTarget.complete(cmd.Context(), args, &o.viaOptions.Cluster, o.ErrOut); err != nil {
		return err
	}
	if o.file.Filename != "" {
		return nil
	}
	return o.writeOptions.complete(f)
}

// Validate checks the flags and works out the change; it does no I/O.
func (o *AddOptions) Validate() error {
	if err := o.writeOptions.validate(); err != nil {
		return err
	}
	if err := o.validateAccessEntry(); err != nil {
		return err
	}
	if err := o.file.validate(o.DryRun, o.Print, o.Via); err != nil {
		return err
	}
	if err := o.principalTarget.validate("add", "map"); err != nil {
		return err
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
	if o.groupsChanged {
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

// validateAccessEntry checks the access-entry flags; they imply --via access-entry.
func (o *AddOptions) validateAccessEntry() error {
	if err := o.viaOptions.validate(); err != nil {
		return err
	}
	entryOnly := len(o.Policies) > 0 || len(o.Namespaces) > 0 || o.Type != ""
	if entryOnly && o.Via == viaAWSAuth {
		return errors.New("--policy, --namespace and --type are for access entries: drop them, or use --via access-entry")
	}
	if entryOnly {
		o.Via = viaAccessEntry
	}
	if o.Via == viaAccessEntry && o.Account != "" {
		return errors.New("access entries are per principal: --account exists only in aws-auth (--via aws-auth)")
	}
	if len(o.Namespaces) > 0 && len(o.Policies) == 0 {
		return errors.New("--namespace scopes --policy: give the policy too (e.g. --policy AmazonEKSViewPolicy --namespace dev)")
	}
	t := accessentry.Request{Type: o.Type, Username: o.Username, Groups: o.Groups, GroupsChanged: o.groupsChanged, AppendGroups: o.AppendGroups}
	if err := accessentry.CheckType(t.Type); err != nil {
		return fmt.Errorf("--type: %w", err)
	}
	if o.Node && t.Type == "" {
		t.Type = accessentry.TypeEC2Linux
	}
	policies, err := o.requestPolicies(accessentry.Fallback(), accessentry.DefaultPartition)
	if err != nil {
		return err
	}
	t.Policies = policies
	if o.Via == viaAccessEntry {
		// The rules of the type, on an example principal: the real one is
		// checked again in Run, with the cluster's account.
		if _, err := t.Desired("arn:aws:iam::000000000000:role/check", nil, ""); err != nil {
			return err
		}
	}
	o.target = t
	return nil
}

// requestPolicies turns --policy and --namespace into policies of the
// catalogue, in partition.
func (o *AddOptions) requestPolicies(cat accessentry.Catalogue, partition string) ([]accessentry.Policy, error) {
	var out []accessentry.Policy
	for _, name := range o.Policies {
		arn, err := cat.Expand(partition, name)
		if err != nil {
			return nil, fmt.Errorf("--policy: %w", err)
		}
		p := accessentry.Policy{ARN: arn, Scope: accessentry.ScopeCluster}
		if len(o.Namespaces) > 0 {
			p.Scope, p.Namespaces = accessentry.ScopeNamespace, o.Namespaces
		}
		out = append(out, p)
	}
	return out, nil
}

// Run writes the mapping, in the cluster or in the file given with -f.
func (o *AddOptions) Run(ctx context.Context) error {
	if o.file.Filename != "" {
		o.say(o.notices, nil)
		return o.writeFile(changeEdit(o.change), o.file)
	}
	via, cl, err := o.viaOptions.route(ctx, &o.writeOptions, o.Account)
	if err != nil {
		return err
	}
	if via == viaAccessEntry {
		return o.runAccessEntry(ctx, cl)
	}
	if e := overridingEntry(ctx, cl, o.ARN); e != nil {
		fmt.Fprintf(o.ErrOut, "Warning: the access entry of %s overrides aws-auth in cluster %s: this aws-auth change has no effect while it exists (change it with --via access-entry).\n", e.PrincipalARN, cl.Name)
	}
	o.say(o.notices, nil)
	return o.write(ctx, changeEdit(o.change))
}

// runAccessEntry creates or updates the principal's access entry.
// Policy names are checked against the list EKS offers, in the cluster's
// partition; the entry against the rules of its type, with the cluster's
// account.
func (o *AddOptions) runAccessEntry(ctx context.Context, cl *eksCluster) error {
	target := o.ARN
	if o.ssoRole.ARN != "" {
		target = o.ssoRole.ARN
	}
	arn, cur, err := accessEntryFor(ctx, &o.writeOptions, cl, target)
	if err != nil {
		return err
	}
	req := o.target
	if len(o.Policies) > 0 {
		if req.Policies, err = o.requestPolicies(policyCatalogue(ctx, &o.policies, cl, o.ErrOut), accessentry.PartitionOf(cl.ARN)); err != nil {
			return err
		}
	}
	after, err := req.Desired(arn, cur, clusterAccount(cl))
	if err != nil {
		return err
	}
	return o.writeAccessEntry(ctx, cl, arn, cur, after)
}

// changeEdit applies a Change and checks the result is never worse.
func changeEdit(c awsauth.Change) edit {
	return func(data map[string]string) (edited, error) {
		before := awsauth.Parse(data)
		res, err := awsauth.ApplyParsed(data, before, c)
		if err != nil || !res.Changed {
			return edited{Result: res, before: before}, err
		}
		after := awsauth.Parse(res.Data)
		if err := awsauth.CheckNotWorseParsed(data, res.Data, before, after, c); err != nil {
			return edited{}, err
		}
		return edited{Result: res, before: before, after: after}, nil
	}
}
