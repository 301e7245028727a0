package cmd

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/eksaccess/kubectl-eksaccess/pkg/accessentry"
	"github.com/eksaccess/kubectl-eksaccess/pkg/awsapi"
	"github.com/eksaccess/kubectl-eksaccess/pkg/awsauth"
	"github.com/eksaccess/kubectl-eksaccess/pkg/output"
)

// Where add and remove write.
const (
	viaAccessEntry = "access-entry"
	viaAWSAuth     = "aws-auth"
)

// viaOptions choose between aws-auth and access entries for a write.
type viaOptions struct {
	Via     string
	Cluster clusterTarget
}

func (v *viaOptions) addFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&v.Via, "via", "", `Write through "access-entry" or "aws-auth" (default: aws-auth, or access-entry when the cluster is in API mode)`)
	v.Cluster.addFlags(cmd)
}

func (v *viaOptions) validate() error {
	switch v.Via {
	case "", viaAccessEntry, viaAWSAuth:
		return nil
	}
	return fmt.Errorf(`--via must be "access-entry" or "aws-auth", not %q`, v.Via)
}

// resolve describes the cluster and decides where to write. cl is nil when
// the cluster is unknown (then only aws-auth can be written).
// route picks where a write goes: a mapAccounts change (account set) goes
// to aws-auth unless --via says otherwise; anything else as resolve decides.
func (v *viaOptions) route(ctx context.Context, w *writeOptions, account string) (string, *eksCluster, error) {
	if account != "" && v.Via == "" {
		return viaAWSAuth, nil, nil
	}
	return v.resolve(ctx, w)
}

func (v *viaOptions) resolve(ctx context.Context, w *writeOptions) (string, *eksCluster, error) {
	cl, why, err := v.Cluster.describe(ctx, true)
	if v.Via == viaAccessEntry {
		switch {
		case err != nil:
			return "", nil, err
		case cl == nil:
			return "", nil, fmt.Errorf("cannot write an access entry: %s", why)
		case !cl.AccessEntries():
			return "", nil, fmt.Errorf("cluster %s is in CONFIG_MAP mode, where access entries do not exist: use --via aws-auth, or switch it first ('kubectl eksaccess migrate --approve --switch-mode')", cl.Name)
		}
		return viaAccessEntry, cl, nil
	}
	switch {
	case err != nil:
		fmt.Fprintf(w.ErrOut, "Warning: access entries not checked: %v\n", err)
		return viaAWSAuth, nil, nil
	case cl == nil:
		fmt.Fprintf(w.ErrOut, "Notice: access entries not checked: %s.\n", why)
		return viaAWSAuth, nil, nil
	}
	if v.Via == "" && cl.AuthenticationMode == modeAPI {
		fmt.Fprintf(w.ErrOut, "Notice: cluster %s is in API mode (aws-auth is ignored): writing an access entry.\n", cl.Name)
		return viaAccessEntry, cl, nil
	}
	if cl.AuthenticationMode == modeAPI {
		fmt.Fprintf(w.ErrOut, "Warning: cluster %s is in API mode: aws-auth is ignored, so this change grants or revokes nothing; use --via access-entry.\n", cl.Name)
	}
	return viaAWSAuth, cl, nil
}

// overridingEntry returns the access entry of the principal behind arn, if
// the cluster has one (it wins over aws-auth).
func overridingEntry(ctx context.Context, cl *eksCluster, arn string) *accessentry.Entry {
	if cl == nil || !cl.AccessEntries() || arn == "" {
		return nil
	}
	entries, err := awsapi.ListEntries(ctx, cl.API, cl.Name)
	if err != nil {
		return nil
	}
	return entriesByPrincipal(entries)[accessentry.PrincipalKey(arn)]
}

// writeAccessEntry makes the change of an access entry through the one
// confirm-and-apply step (diff, dry run, confirmation), then the EKS calls.
// after nil deletes the entry.
func (w *writeOptions) writeAccessEntry(ctx context.Context, cl *eksCluster, arn string, before, after *accessentry.Entry) error {
	ch, err := accessentry.Diff(before, after)
	if err != nil {
		return err
	}
	name := "accessentry/" + arn
	if ch.Empty() {
		fmt.Fprintf(w.ErrOut, "%s unchanged: %s\n", name, ch.Summary())
		return w.printEntry(cl, after)
	}
	applied, err := w.confirmAndApply(proposal{
		header:   fmt.Sprintf("diff access entry %s (cluster %s, %s mode)", arn, cl.Name, cl.AuthenticationMode),
		before:   renderMap(before),
		after:    renderMap(after),
		question: fmt.Sprintf("Make this change to the access entry of %s in cluster %s?", arn, cl.Name),
		apply: func() error {
			err := awsapi.Apply(ctx, cl.API, cl.Name, ch)
			switch {
			case errors.Is(err, context.Canceled):
				return fmt.Errorf("interrupted: the access entry of %s may be partly written; re-run the same command to finish", arn)
			case err != nil:
				return fmt.Errorf("%w: re-run the same command to finish (it is idempotent)", awsError(err, cl.Profile))
			}
			return nil
		},
	})
	switch {
	case errors.Is(err, errNotConfirmed):
		return &ExitError{Code: 1}
	case err != nil:
		return err
	case !applied:
		note := ""
		if w.DryRun == dryRunServer {
			note = "; EKS has no server-side dry run"
		}
		fmt.Fprintf(w.ErrOut, "%s not written (dry run%s): %s\n", name, note, ch.Summary())
		return w.printEntry(cl, after)
	}
	verb := "configured"
	switch {
	case ch.Create:
		verb = "created"
	case ch.Delete:
		verb = "deleted"
	}
	fmt.Fprintf(w.statusOut(), "%s %s: %s\n", name, verb, ch.Summary())
	return w.printEntry(cl, after)
}

func renderMap(e *accessentry.Entry) map[string]string {
	if e == nil {
		return map[string]string{}
	}
	return map[string]string{"accessEntry": accessentry.Render(e)}
}

func (w *writeOptions) printEntry(cl *eksCluster, e *accessentry.Entry) error {
	if w.Print.human() || e == nil {
		return nil
	}
	return w.Print.print(w.Out, output.NewAccessEntryObject(cl.Name, e.Clone()))
}

// accessEntryFor resolves the principal ARN, with its path, of an add or
// remove target, and reads its current entry.
func accessEntryFor(ctx context.Context, w *writeOptions, cl *eksCluster, arn string) (string, *accessentry.Entry, error) {
	full, err := resolvePrincipal(ctx, newIAMLookup(cl.IAM), clusterAccount(cl), arn, func(s string) { fmt.Fprintf(w.ErrOut, "Warning: %s\n", s) })
	if err != nil {
		return "", nil, err
	}
	if full != arn {
		fmt.Fprintf(w.ErrOut, "Notice: %s is the IAM principal of %s (access entries need the exact ARN, path included).\n", full, arn)
	}
	cur, err := awsapi.GetEntry(ctx, cl.API, cl.Name, full)
	if err != nil {
		return "", nil, fmt.Errorf("reading the access entry of %s: %w", full, awsError(err, cl.Profile))
	}
	return full, cur, nil
}

// removalRisks says why deleting the access entry cur of arn, or changing it
// to after (nil: deleted), is dangerous: it is the caller's own entry, a node
// entry, or, in API mode (aws-auth ignored), the last entry granting
// AmazonEKSClusterAdminPolicy, after which nobody is cluster admin.
func (w *writeOptions) removalRisks(ctx context.Context, cl *eksCluster, arn string, cur, after *accessentry.Entry) ([]string, error) {
	var risks []string
	if callerKey(w.caller(ctx)) == accessentry.PrincipalKey(arn) {
		risks = append(risks, "it is the access entry you are authenticated through")
	}
	if after == nil && cur.IsNode() {
		risks = append(risks, fmt.Sprintf("it is a %s entry: the nodes using %s lose access to the cluster", cur.Type, arn))
	}
	if cl.AuthenticationMode == modeAPI && cur.IsClusterAdmin() && !after.IsClusterAdmin() {
		entries, err := awsapi.ListEntries(ctx, cl.API, cl.Name)
		if err != nil {
			return nil, fmt.Errorf("could not check that another access entry keeps %s in cluster %s: %w; re-run with --force to skip the check", accessentry.ClusterAdminPolicyName, cl.Name, awsError(err, cl.Profile))
		}
		if len(accessentry.OtherClusterAdmins(entries, arn)) == 0 {
			risks = append(risks, fmt.Sprintf("it is the last access entry granting %s (cluster scope) in cluster %s, which is in API mode (aws-auth is ignored): nobody would be cluster admin; give the policy to another principal first ('kubectl eksaccess add ARN --via access-entry --policy %[1]s')", accessentry.ClusterAdminPolicyName, cl.Name))
		}
	}
	return risks, nil
}

// callerKey is the principal key of the caller, for the guards.
func callerKey(p *awsauth.Principal) string {
	if p == nil {
		return ""
	}
	return accessentry.PrincipalKey(p.Canonical)
}
