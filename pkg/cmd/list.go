package cmd

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/eksaccess/kubectl-eksaccess/pkg/accessentry"
	"github.com/eksaccess/kubectl-eksaccess/pkg/awsauth"
	"github.com/eksaccess/kubectl-eksaccess/pkg/eks"
	"github.com/eksaccess/kubectl-eksaccess/pkg/kube"
	"github.com/eksaccess/kubectl-eksaccess/pkg/output"
)

// ListOptions are the options of `list`.
type ListOptions struct {
	genericiooptions.IOStreams
	Source awsAuthSource

	Cluster clusterTarget

	ARN       string
	Output    string
	NoHeaders bool

	principal *awsauth.Principal
	// identity is who --arn is, as the authenticator renders it.
	identity *output.Identity
}

// NewCmdList builds `kubectl eksaccess list`.
func NewCmdList(flags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *cobra.Command {
	o := &ListOptions{IOStreams: streams, Source: awsAuthSource{configFlags: flags, in: streams.In}, Cluster: clusterTarget{configFlags: flags}}
	cmd := &cobra.Command{
		Use:   "list [--arn ARN] [-f FILE]",
		Short: "List every aws-auth mapping and EKS access entry, and which one applies",
		Long: `List every entry of the aws-auth ConfigMap (mapRoles, mapUsers, mapAccounts)
with its status as the EKS authenticator reads it: ok, or why it never applies
(dropped, shadowed by a later duplicate, never matches).

When the EKS cluster behind the context is known (from the kubeconfig user's
exec plugin, or --cluster-name/--region/--profile), its access entries are
listed too, with a SOURCE column, and the status says which one wins for a
principal mapped both ways: an access entry overrides aws-auth; in API mode
aws-auth is ignored; in CONFIG_MAP mode access entries do not apply. -o wide
adds the access policies and their scopes.`,
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
	o.Cluster.addFlags(cmd)
	cmd.Flags().StringVar(&o.ARN, "arn", "", "Show only the entry the authenticator applies to this caller ARN (user, role, or sts assumed-role session)")
	cmd.Flags().StringVarP(&o.Output, "output", "o", "", "Output format: wide, json, yaml or name (TYPE/ARN, one per line)")
	cmd.Flags().BoolVar(&o.NoHeaders, "no-headers", false, "Don't print headers")
	return cmd
}

// Validate checks the flags; it does no I/O.
func (o *ListOptions) Validate() error {
	if err := validateOutput(o.Output, "wide", "json", "yaml", "name"); err != nil {
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

// Run reads aws-auth (and the cluster's access entries when it is known)
// and prints them.
func (o *ListOptions) Run(cmd *cobra.Command) error {
	ctx := cmd.Context()
	cl, why, clErr := o.Cluster.describe(ctx, o.Source.Filename == "" || o.Cluster.ClusterName != "")
	data, where, found, err := o.Source.loadOptional(ctx)
	if err != nil {
		return err
	}
	if !found && (cl == nil || !cl.AccessEntries()) {
		return apiError(apierrors.NewNotFound(schema.GroupResource{Resource: "configmaps"}, kube.ConfigMapName), where, "get")
	}
	switch {
	case clErr != nil:
		fmt.Fprintf(o.ErrOut, "Warning: access entries not read: %v\n", clErr)
	case cl == nil && o.Source.Filename == "":
		fmt.Fprintf(o.ErrOut, "Notice: access entries not read: %s.\n", why)
	}
	var entries []accessentry.Entry
	if cl != nil && cl.AccessEntries() {
		if entries, err = eks.ListEntries(ctx, cl.API, cl.Name); err != nil {
			fmt.Fprintf(o.ErrOut, "Warning: access entries of cluster %s not read: %v\n", cl.Name, o.Cluster.eksError(err, clusterLocation{Name: cl.Name, Region: cl.Region, Profile: cl.Profile}, "listing the access entries of"))
			cl = nil
		}
	}
	m := awsauth.Parse(data)
	if !found {
		where += " (no aws-auth ConfigMap)"
	}
	if cl == nil {
		return o.printAWSAuth(m, where)
	}
	return o.printCombined(m, where, cl, entries)
}

// awsAuthRows picks the aws-auth entries to show, and says how --arn matches.
func (o *ListOptions) awsAuthRows(m *awsauth.Map, where string, say bool) []*awsauth.Entry {
	entries := m.Entries
	if o.principal == nil {
		return entries
	}
	entries = nil
	match := m.Lookup(*o.principal, "")
	o.identity = awsAuthIdentity(o.ARN, *o.principal, match)
	switch {
	case match == nil:
		if say {
			fmt.Fprintf(o.ErrOut, "No entry of aws-auth (%s) maps %s (canonical ARN %s): EKS answers 401 Unauthorized unless an access entry covers it.\n", where, o.ARN, o.principal.Canonical)
		}
	case len(match.Candidates) > 0:
		entries = match.Candidates
		if say {
			fmt.Fprintf(o.ErrOut, "Warning: %d entries match %s and the authenticator picks one at random on each request.\n", len(match.Candidates), o.principal.Canonical)
		}
	default:
		entries = []*awsauth.Entry{match.Entry}
		if !say {
			break
		}
		if match.RenderErr != "" {
			fmt.Fprintf(o.ErrOut, "Warning: the entry matches, but the authenticator refuses the caller (401): %s.\n", match.RenderErr)
		} else if o.Output == "" || o.Output == "wide" {
			fmt.Fprintf(o.ErrOut, "%s is authenticated as username %q with groups [%s].\n", o.ARN, match.Username, strings.Join(match.Groups, ", "))
		}
	}
	return entries
}

// printAWSAuth is the aws-auth-only view, when the EKS cluster is unknown.
func (o *ListOptions) printAWSAuth(m *awsauth.Map, where string) error {
	entries := o.awsAuthRows(m, where, true)
	list := output.NewMappingList(where, m, entries)
	list.Identity = o.identity
	if o.Output == "json" || o.Output == "yaml" {
		return output.Print(o.Out, o.Output, list)
	}
	if o.Output == "name" {
		return output.Names(o.Out, list.Items)
	}
	o.keyWarnings(m)
	if len(list.Items) == 0 {
		if o.principal == nil {
			fmt.Fprintf(o.ErrOut, "No mappings found in aws-auth (%s).\n", where)
		}
		return nil
	}
	return output.MappingTable(o.Out, list.Items, o.Output == "wide", o.NoHeaders)
}

func (o *ListOptions) keyWarnings(m *awsauth.Map) {
	for _, k := range m.Keys {
		if k.Err != "" {
			fmt.Fprintf(o.ErrOut, "Warning: %s is not loaded at all (%s): run 'kubectl eksaccess lint'.\n", k.Key, k.Err)
		}
	}
	for _, k := range m.IgnoredKeys {
		fmt.Fprintf(o.ErrOut, "Warning: data key %q is ignored (keys are case-sensitive): run 'kubectl eksaccess lint'.\n", k)
	}
}

// printCombined shows access entries next to aws-auth, and which one wins.
func (o *ListOptions) printCombined(m *awsauth.Map, where string, cl *eksCluster, entries []accessentry.Entry) error {
	fmt.Fprintf(o.ErrOut, "Cluster %s is in %s mode: %s.\n", clusterLabel(cl), cl.AuthenticationMode, modeSentence(cl))
	var entry *accessentry.Entry
	if o.principal != nil {
		key := accessentry.PrincipalKey(o.principal.Canonical)
		var kept []accessentry.Entry
		for i := range entries {
			if accessentry.PrincipalKey(entries[i].PrincipalARN) == key {
				kept = append(kept, entries[i])
				entry = &kept[0]
			}
		}
		entries = kept
	}
	rows := o.awsAuthRows(m, where, entry == nil && cl.AWSAuth())
	if o.principal != nil && (o.Output == "" || o.Output == "wide") {
		switch {
		case entry != nil:
			ps := make([]string, len(entry.Policies))
			for i, p := range entry.Policies {
				ps[i] = p.String()
			}
			fmt.Fprintf(o.ErrOut, "%s is authenticated through its access entry (%s) as username %q with groups [%s] and access policies [%s].\n", o.ARN, entry.PrincipalARN, entry.Username, strings.Join(entry.Groups, ", "), strings.Join(ps, ", "))
		case !cl.AWSAuth():
			fmt.Fprintf(o.ErrOut, "No access entry maps %s: in API mode EKS answers 401 Unauthorized.\n", o.ARN)
		}
	}
	if o.principal != nil {
		switch {
		case entry != nil:
			o.identity = accessEntryIdentity(o.ARN, *o.principal, entry)
		case !cl.AWSAuth():
			o.identity = &output.Identity{ARN: o.ARN, CanonicalARN: o.principal.Canonical, Groups: []string{}, Reason: "no access entry maps it, and aws-auth is ignored in API mode"}
		}
	}
	base := output.NewMappingList(where, m, rows)
	base.Identity = o.identity
	list := output.NewAccessList(base, output.ClusterInfo{Name: cl.Name, Region: cl.Region, AuthenticationMode: cl.AuthenticationMode, AccessEntriesRead: cl.AccessEntries()})
	byKey := map[string]int{}
	for _, e := range entries {
		byKey[accessentry.PrincipalKey(e.PrincipalARN)] = len(list.Items)
		kind := "user"
		if strings.Contains(e.PrincipalARN, ":role/") {
			kind = "role"
		}
		groups := e.Groups
		if groups == nil {
			groups = []string{}
		}
		list.Items = append(list.Items, output.Access{
			Mapping:   output.Mapping{Type: kind, ARN: e.PrincipalARN, Username: e.Username, Groups: groups, Status: "ok", Effective: true, Source: output.SourceAccessEntry},
			EntryType: e.Type, Policies: e.Policies,
		})
	}
	for _, item := range base.Items {
		a := output.Access{Mapping: item}
		switch {
		case !cl.AWSAuth():
			if a.Effective {
				a.Status = "ignored: API mode"
			}
			a.Effective = false
		case a.Effective && a.Type != string(awsauth.KindAccount):
			if i, ok := byKey[accessentry.PrincipalKey(a.ARN)]; ok {
				a.Effective, a.Status, a.OverriddenBy = false, "overridden by access entry", output.SourceAccessEntry
				win := &list.Items[i]
				win.Wins = true
				win.Overrides = append(win.Overrides, a.Source)
				win.Status = "ok, wins over " + strings.Join(win.Overrides, ", ")
			}
		}
		list.Items = append(list.Items, a)
	}
	if o.Output == "json" || o.Output == "yaml" {
		return output.Print(o.Out, o.Output, list)
	}
	if o.Output == "name" {
		rows := make([]output.Mapping, len(list.Items))
		for i, a := range list.Items {
			rows[i] = a.Mapping
			if a.Source == "access-entry" {
				rows[i].Type = "access-entry"
			}
		}
		return output.Names(o.Out, rows)
	}
	if cl.AWSAuth() {
		o.keyWarnings(m)
	}
	if len(list.Items) == 0 {
		if o.principal == nil {
			fmt.Fprintf(o.ErrOut, "No aws-auth mappings (%s) and no access entries found.\n", where)
		}
		return nil
	}
	return output.AccessTable(o.Out, list.Items, o.Output == "wide", o.NoHeaders)
}

// awsAuthIdentity is the identity aws-auth gives a caller (match is nil when
// no entry maps it).
func awsAuthIdentity(arn string, p awsauth.Principal, match *awsauth.Match) *output.Identity {
	id := &output.Identity{ARN: arn, CanonicalARN: p.Canonical, Groups: []string{}}
	switch {
	case match == nil:
		id.Reason = "no entry of aws-auth maps it"
	case match.RenderErr != "":
		id.Via = match.Entry.Source()
		id.Reason = "the entry matches, but the authenticator refuses the caller: " + match.RenderErr
	default:
		id.Authenticated = true
		id.Username, id.Groups, id.Via = match.Username, match.Groups, match.Entry.Source()
		id.Random = len(match.Candidates) > 0
	}
	return id
}

// accessEntryIdentity is the identity an access entry gives a caller: EKS
// renders the same templates in its username as the authenticator does.
func accessEntryIdentity(arn string, p awsauth.Principal, e *accessentry.Entry) *output.Identity {
	id := &output.Identity{ARN: arn, CanonicalARN: p.Canonical, Groups: []string{}, Via: output.SourceAccessEntry}
	user, err := awsauth.Render(e.Username, p, "")
	if err != nil {
		id.Reason = fmt.Sprintf("the access entry matches, but its username %q does not render: %v", e.Username, err)
		return id
	}
	id.Authenticated, id.Username = true, user
	id.Groups = append(id.Groups, e.Groups...)
	return id
}

func clusterLabel(cl *eksCluster) string {
	if cl.Region != "" {
		return cl.Name + " (" + cl.Region + ")"
	}
	return cl.Name
}
