package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/eksaccess/kubectl-eksaccess/pkg/accessentry"
	"github.com/eksaccess/kubectl-eksaccess/pkg/awsauth"
	"github.com/eksaccess/kubectl-eksaccess/pkg/kube"
	"github.com/eksaccess/kubectl-eksaccess/pkg/output"
	"github.com/eksaccess/kubectl-eksaccess/third_party/forked/genericclioptions"
)

// ListOptions are the options of `list`.
type ListOptions struct {
	genericiooptions.IOStreams
	Source awsAuthSource

	Cluster clusterTarget
	Fleet   fleetFlags

	ARN       string
	Print     *printFlags
	NoHeaders bool

	principal *awsauth.Principal
}

// listView is what list read from one source: the aws-auth-only list when
// the EKS cluster is unknown, or the combined list with access entries.
type listView struct {
	m       *awsauth.Map
	mapping *output.MappingList
	access  *output.AccessList
	// awsAuth is false in API mode, where aws-auth is ignored.
	awsAuth bool
}

// NewCmdList builds `kubectl eksaccess list`.
func NewCmdList(flags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *cobra.Command {
	o := &ListOptions{IOStreams: streams, Source: awsAuthSource{configFlags: flags, in: streams.In}, Cluster: clusterTarget{configFlags: flags}, Fleet: fleetFlags{configFlags: flags}, Print: newPrintFlags(outputWide, outputName)}
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
adds the access policies and their scopes.

For a fleet: --all-contexts, --contexts a,b or --context-pattern 'prod-*'
read every selected kubeconfig context in parallel (at most --parallel at
once) and add a CONTEXT column (-o json|yaml: each item carries its context
and cluster). A context that cannot be read is a row with its error
(unreachable, unauthorized, forbidden, not found) and the exit status is 1.`,
		Example: `  kubectl eksaccess list
  kubectl eksaccess list -o wide
  kubectl eksaccess list --arn arn:aws:sts::111122223333:assumed-role/Admin/alice -o json
  kubectl eksaccess list -f aws-auth.yaml
  kubectl eksaccess list --all-contexts --arn arn:aws:iam::111122223333:role/Admin`,
		Args: cobra.NoArgs,
		RunE: runE(flags, o),
	}
	o.Source.addFlags(cmd)
	o.Cluster.addFlags(cmd)
	o.Fleet.addFlags(cmd)
	cmd.Flags().StringVar(&o.ARN, "arn", "", "Show only the entry the authenticator applies to this caller ARN (user, role, or sts assumed-role session)")
	o.Print.addFlags(cmd)
	cmd.Flags().BoolVar(&o.NoHeaders, "no-headers", false, "Don't print headers")
	return cmd
}

// Complete prepares the printer and the client, unless -f is given, a test
// set one, or several contexts are read (each gets its own).
func (o *ListOptions) Complete(_ *genericclioptions.ConfigFlags, _ *cobra.Command, _ []string) error {
	return completeRead(o.Print, &o.Fleet, &o.Source)
}

// Validate checks the flags; it does no I/O.
func (o *ListOptions) Validate() error {
	if err := o.Print.validate(); err != nil {
		return err
	}
	if err := o.Fleet.validate(o.Source.Filename); err != nil {
		return err
	}
	if o.Fleet.enabled() && o.Print.format() == outputName {
		return errors.New("-o name prints one source's entries, not several contexts': use -o json")
	}
	if o.Fleet.enabled() && o.Cluster.ClusterName != "" {
		return errors.New("--cluster-name names one EKS cluster and excludes --all-contexts, --contexts and --context-pattern: each context's exec plugin names its own")
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

// Run reads aws-auth (and the cluster's access entries when it is known)
// and prints them.
func (o *ListOptions) Run(ctx context.Context) error {
	if o.Fleet.enabled() {
		return o.runFleet(ctx)
	}
	v, err := o.read(ctx, &o.Source, &o.Cluster, o.ErrOut)
	if err != nil {
		return err
	}
	return o.print(v)
}

// read reads aws-auth from src (and the access entries of the EKS cluster
// of target, when it is known) and picks the rows to show. Notices and
// warnings go to errOut. aws-auth, DescribeCluster and the access entries
// are read at once: none needs another's answer.
func (o *ListOptions) read(ctx context.Context, src *awsAuthSource, target *clusterTarget, errOut io.Writer) (*listView, error) {
	type loaded struct {
		data  map[string]string
		where string
		found bool
		err   error
	}
	awsAuth := make(chan loaded, 1)
	go func() {
		var l loaded
		l.data, l.where, l.found, l.err = src.loadOptional(ctx)
		awsAuth <- l
	}()
	cl, listed, why, clErr := target.describeListing(ctx, src.Filename == "" || target.ClusterName != "", true)
	l := <-awsAuth
	data, where, found, err := l.data, l.where, l.found, l.err
	if err != nil {
		return nil, err
	}
	if !found && (cl == nil || !cl.AccessEntries()) {
		return nil, apiError(apierrors.NewNotFound(schema.GroupResource{Resource: "configmaps"}, kube.ConfigMapName), where, "get")
	}
	switch {
	case clErr != nil:
		fmt.Fprintf(errOut, "Warning: access entries not read: %v\n", clErr)
	case cl == nil && src.Filename == "":
		fmt.Fprintf(errOut, "Notice: access entries not read: %s.\n", why)
	}
	var entries []accessentry.Entry
	if listed != nil {
		if entries, err = listed.entries, listed.err; err != nil {
			fmt.Fprintf(errOut, "Warning: access entries of cluster %s not read: %v\n", cl.Name, target.eksError(err, clusterLocation{Name: cl.Name, Region: cl.Region, Profile: cl.Profile}, "listing the access entries of"))
			cl = nil
		}
	}
	m := awsauth.Parse(data)
	if !found {
		where += " (no aws-auth ConfigMap)"
	}
	if cl == nil {
		rows, id := o.awsAuthRows(m, where, errOut, true)
		list := output.NewMappingList(where, m, rows)
		list.Identity = id
		return &listView{m: m, mapping: list, awsAuth: true}, nil
	}
	return &listView{m: m, access: o.combined(m, where, cl, entries, errOut), awsAuth: cl.AWSAuth()}, nil
}

// print writes one source's view in the format asked for.
func (o *ListOptions) print(v *listView) error {
	if !o.Print.human() {
		if v.access != nil {
			return o.Print.print(o.Out, v.access)
		}
		return o.Print.print(o.Out, v.mapping)
	}
	if o.Print.format() == outputName {
		if v.access == nil {
			return output.Names(o.Out, v.mapping.Items)
		}
		rows := make([]output.Mapping, len(v.access.Items))
		for i, a := range v.access.Items {
			rows[i] = a.Mapping
			if a.Source == output.SourceAccessEntry {
				rows[i].Type = output.SourceAccessEntry
			}
		}
		return output.Names(o.Out, rows)
	}
	if v.awsAuth {
		o.keyWarnings(v.m, o.ErrOut)
	}
	if v.access == nil {
		if len(v.mapping.Items) == 0 {
			if o.principal == nil {
				fmt.Fprintf(o.ErrOut, "No mappings found in aws-auth (%s).\n", v.mapping.Source)
			}
			return nil
		}
		return output.MappingTable(o.Out, v.mapping.Items, o.Print.wide(), o.NoHeaders)
	}
	if len(v.access.Items) == 0 {
		if o.principal == nil {
			fmt.Fprintf(o.ErrOut, "No aws-auth mappings (%s) and no access entries found.\n", v.access.Source)
		}
		return nil
	}
	return output.AccessTable(o.Out, v.access.Items, o.Print.wide(), o.NoHeaders)
}

// awsAuthRows picks the aws-auth entries to show and, with --arn, who the
// caller is; say writes how --arn matches to errOut.
func (o *ListOptions) awsAuthRows(m *awsauth.Map, where string, errOut io.Writer, say bool) ([]*awsauth.Entry, *output.Identity) {
	entries := m.Entries
	if o.principal == nil {
		return entries, nil
	}
	entries = nil
	match := m.Lookup(*o.principal, "")
	id := awsAuthIdentity(o.ARN, *o.principal, match)
	switch {
	case match == nil:
		if say {
			fmt.Fprintf(errOut, "No entry of aws-auth (%s) maps %s (canonical ARN %s): EKS answers 401 Unauthorized unless an access entry covers it.\n", where, o.ARN, o.principal.Canonical)
		}
	case len(match.Candidates) > 0:
		entries = match.Candidates
		if say {
			fmt.Fprintf(errOut, "Warning: %d entries match %s and the authenticator picks one at random on each request.\n", len(match.Candidates), o.principal.Canonical)
		}
	default:
		entries = []*awsauth.Entry{match.Entry}
		if !say {
			break
		}
		if match.RenderErr != "" {
			fmt.Fprintf(errOut, "Warning: the entry matches, but the authenticator refuses the caller (401): %s.\n", match.RenderErr)
		} else if o.Print.tabular() {
			fmt.Fprintf(errOut, "%s is authenticated as username %q with groups [%s].\n", o.ARN, match.Username, strings.Join(match.Groups, ", "))
		}
	}
	return entries, id
}

func (o *ListOptions) keyWarnings(m *awsauth.Map, errOut io.Writer) {
	for _, k := range m.Keys {
		if k.Err != "" {
			fmt.Fprintf(errOut, "Warning: %s is not loaded at all (%s): run 'kubectl eksaccess lint'.\n", k.Key, k.Err)
		}
	}
	for _, k := range m.IgnoredKeys {
		fmt.Fprintf(errOut, "Warning: data key %q is ignored (keys are case-sensitive): run 'kubectl eksaccess lint'.\n", k)
	}
}

// combined puts access entries next to aws-auth, and says which one wins.
func (o *ListOptions) combined(m *awsauth.Map, where string, cl *eksCluster, entries []accessentry.Entry, errOut io.Writer) *output.AccessList {
	fmt.Fprintf(errOut, "Cluster %s is in %s mode: %s.\n", clusterLabel(cl), cl.AuthenticationMode, modeSentence(cl))
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
	rows, identity := o.awsAuthRows(m, where, errOut, entry == nil && cl.AWSAuth())
	if o.principal != nil && (o.Print.tabular()) {
		switch {
		case entry != nil:
			ps := make([]string, len(entry.Policies))
			for i, p := range entry.Policies {
				ps[i] = p.String()
			}
			fmt.Fprintf(errOut, "%s is authenticated through its access entry (%s) as username %q with groups [%s] and access policies [%s].\n", o.ARN, entry.PrincipalARN, entry.Username, strings.Join(entry.Groups, ", "), strings.Join(ps, ", "))
		case !cl.AWSAuth():
			fmt.Fprintf(errOut, "No access entry maps %s: in API mode EKS answers 401 Unauthorized.\n", o.ARN)
		}
	}
	if o.principal != nil {
		switch {
		case entry != nil:
			identity = accessEntryIdentity(o.ARN, *o.principal, entry)
		case !cl.AWSAuth():
			identity = &output.Identity{ARN: o.ARN, CanonicalARN: o.principal.Canonical, Groups: []string{}, Reason: "no access entry maps it, and aws-auth is ignored in API mode"}
		}
	}
	base := output.NewMappingList(where, m, rows)
	base.Identity = identity
	list := output.NewAccessList(base, output.ClusterInfo{Name: cl.Name, Region: cl.Region, AuthenticationMode: cl.AuthenticationMode, AccessEntriesRead: cl.AccessEntries()})
	list.Items = slices.Grow(list.Items, len(entries))
	byKey := make(map[string]int, len(entries))
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
	return list
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

// listFleetValue is what list read from one context of a fleet, and the
// notes it would have written to stderr.
type listFleetValue struct {
	view  *listView
	notes string
}

// runFleet lists every selected context: the same reading as for one
// context, in parallel, printed with a CONTEXT column.
func (o *ListOptions) runFleet(ctx context.Context) error {
	targets, err := o.Fleet.targets()
	if err != nil {
		return err
	}
	res := runFleet(ctx, targets, o.Fleet.Parallel, func(ctx context.Context, t fleetTarget) (listFleetValue, error) {
		src, rec, err := fleetSource(t)
		if err != nil {
			return listFleetValue{}, err
		}
		target := &clusterTarget{Region: o.Cluster.Region, Profile: o.Cluster.Profile, configFlags: t.flags, NewClients: o.Cluster.NewClients}
		var notes strings.Builder
		v, err := o.read(ctx, src, target, &notes)
		if err == nil && v.awsAuth && (o.Print.tabular()) {
			o.keyWarnings(v.m, &notes)
		}
		return listFleetValue{v, notes.String()}, rec.wrap(err)
	})
	l := output.NewFleetAccessList()
	for _, r := range res {
		writeNotes(o.ErrOut, r.Context, r.Value.notes)
		c := output.FleetContext{FleetRow: fleetRow(r)}
		if r.Err != nil {
			l.Contexts = append(l.Contexts, c)
			l.Items = append(l.Items, output.FleetAccess{FleetRow: c.FleetRow})
			continue
		}
		var items []output.Access
		if v := r.Value.view; v.access != nil {
			c.Source, c.Identity, items = v.access.Source, v.access.Identity, v.access.Items
			info := v.access.Cluster
			c.EKS = &info
		} else {
			c.Source, c.Identity = v.mapping.Source, v.mapping.Identity
			for _, m := range v.mapping.Items {
				items = append(items, output.Access{Mapping: m})
			}
		}
		for i := range items {
			l.Items = append(l.Items, output.FleetAccess{FleetRow: c.FleetRow, Access: &items[i]})
		}
		l.Contexts = append(l.Contexts, c)
	}
	if !o.Print.human() {
		err = o.Print.print(o.Out, l)
	} else {
		err = output.FleetAccessTable(o.Out, l.Items, o.Print.wide(), o.NoHeaders)
	}
	if err != nil {
		return err
	}
	return fleetSummary(res)
}
