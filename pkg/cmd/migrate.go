package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/eksaccess/kubectl-eksaccess/pkg/accessentry"
	"github.com/eksaccess/kubectl-eksaccess/pkg/awsapi"
	"github.com/eksaccess/kubectl-eksaccess/pkg/awsauth"
	"github.com/eksaccess/kubectl-eksaccess/pkg/output"
	"github.com/eksaccess/kubectl-eksaccess/third_party/forked/genericclioptions"
)

// MigrateOptions are the options of `migrate`.
type MigrateOptions struct {
	genericiooptions.IOStreams
	Source  awsAuthSource
	Cluster clusterTarget

	Approve    bool
	SwitchMode string
	Force      bool
	Print      *printFlags
	// WaitTimeout bounds the wait for the mode update.
	WaitTimeout time.Duration
}

// NewCmdMigrate builds `kubectl eksaccess migrate`.
func NewCmdMigrate(flags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *cobra.Command {
	o := &MigrateOptions{IOStreams: streams, Source: awsAuthSource{configFlags: flags, in: streams.In}, Cluster: clusterTarget{configFlags: flags}, Print: newPrintFlags()}
	cmd := &cobra.Command{
		Use:   "migrate [--approve [--switch-mode[=API_AND_CONFIG_MAP|API]]]",
		Short: "Plan and make the move from aws-auth to EKS access entries",
		Long: `Plan moving every mapping aws-auth applies today to an EKS access entry:
of duplicates the last one (the one the authenticator applies); node roles
become EC2_LINUX entries (EC2_WINDOWS with eks:kube-proxy-windows);
system:masters becomes the AmazonEKSClusterAdminPolicy; other groups are kept
as kubernetesGroups; role paths are restored from IAM. mapAccounts, sso
matchers, username templates access entries cannot expand and system: groups
are listed as manual steps.

Without --approve the plan is only printed. With --approve it is carried out;
running it again after a failure finishes the job. aws-auth is never changed,
and the cluster's authentication mode only with --switch-mode: to
API_AND_CONFIG_MAP (the default value; from CONFIG_MAP this happens first,
since entries cannot exist before, and changes nobody's access), or to API
after checking that every planned entry exists (and, unless --force, that no
manual step is left, since API mode ignores aws-auth). A mode switch is an
EKS update that takes minutes: migrate tells its progress on stderr and waits
for it (at most --wait-timeout; the update goes on after that, follow it with
'aws eks describe-update').`,
		Example: `  kubectl eksaccess migrate
  kubectl eksaccess migrate -o yaml
  kubectl eksaccess migrate --approve --switch-mode
  kubectl eksaccess migrate --approve --switch-mode=API`,
		Args: cobra.NoArgs,
		RunE: runE(flags, o),
	}
	o.Source.addFlags(cmd)
	o.Cluster.addFlags(cmd)
	cmd.Flags().BoolVar(&o.Approve, "approve", false, "Carry out the plan (create and complete access entries)")
	cmd.Flags().StringVar(&o.SwitchMode, "switch-mode", "", "With --approve, also move the cluster to this authentication mode: API_AND_CONFIG_MAP or API")
	cmd.Flags().Lookup("switch-mode").NoOptDefVal = modeAPIAndConfigMap
	cmd.Flags().BoolVar(&o.Force, "force", false, "Switch to API mode even though manual steps are left")
	o.Print.addFlags(cmd, "Print the plan in this format")
	cmd.Flags().DurationVar(&o.WaitTimeout, "wait-timeout", 10*time.Minute, "With --switch-mode, how long to wait for EKS to finish the update (it goes on after that)")
	return cmd
}

// Complete prepares the client (unless -f is given or a test set one) and
// the printer.
func (o *MigrateOptions) Complete(_ *genericclioptions.ConfigFlags, _ *cobra.Command, _ []string) error {
	if err := o.Print.complete(); err != nil {
		return err
	}
	return o.Source.complete()
}

// Validate checks the flags; it does no I/O.
func (o *MigrateOptions) Validate() error {
	switch o.SwitchMode {
	case "", modeAPIAndConfigMap, modeAPI:
	default:
		return fmt.Errorf("--switch-mode must be API_AND_CONFIG_MAP or API, not %q", o.SwitchMode)
	}
	if o.SwitchMode != "" && !o.Approve {
		return errors.New("--switch-mode changes the cluster: it needs --approve")
	}
	if o.WaitTimeout <= 0 {
		return fmt.Errorf("--wait-timeout must be positive, not %s", o.WaitTimeout)
	}
	return o.Print.validate()
}

// Run plans, and with --approve carries out, the migration.
func (o *MigrateOptions) Run(ctx context.Context) error {
	cl, why, err := o.Cluster.describe(ctx, o.Source.Filename == "" || o.Cluster.ClusterName != "")
	if err != nil {
		return err
	}
	if cl == nil {
		return fmt.Errorf("migrate needs the EKS cluster: %s", why)
	}
	data, where, err := o.Source.load(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(o.ErrOut, "Cluster %s is in %s mode: %s.\n", clusterLabel(cl), cl.AuthenticationMode, modeSentence(cl))
	plan, err := o.plan(ctx, cl, awsauth.Parse(data))
	if err != nil {
		return err
	}
	info := output.ClusterInfo{Name: cl.Name, Region: cl.Region, AuthenticationMode: cl.AuthenticationMode, AccessEntriesRead: cl.AccessEntries()}
	if !o.Print.human() {
		if err := o.Print.print(o.Out, output.NewMigrationPlan(info, plan)); err != nil {
			return err
		}
	} else {
		printPlan(o.Out, where, plan)
	}
	if !o.Approve {
		if plan.Pending() > 0 || o.Print.human() {
			fmt.Fprintf(o.ErrOut, "Nothing changed: re-run with --approve to carry out the plan.\n")
		}
		return nil
	}
	return o.execute(ctx, cl, plan)
}

// plan reads the cluster's entries and IAM paths and makes the plan.
func (o *MigrateOptions) plan(ctx context.Context, cl *eksCluster, m *awsauth.Map) (accessentry.Plan, error) {
	in := accessentry.PlanInput{Map: m, Resolved: map[string]string{}, Unresolved: map[string]string{},
		ClusterAccount: clusterAccount(cl), Partition: accessentry.PartitionOf(cl.ARN), SSORoles: o.ssoRoles(ctx, cl, m)}
	if cl.AccessEntries() {
		entries, err := awsapi.ListEntries(ctx, cl.API, cl.Name)
		if err != nil {
			return accessentry.Plan{}, fmt.Errorf("listing the access entries of %s: %w", cl.Name, awsError(err, cl.Profile))
		}
		in.Existing = entries
	}
	look := newIAMLookup(cl.IAM)
	warned := false
	for _, e := range m.Entries {
		if !e.Effective() || e.SSO != nil || e.Kind == awsauth.KindAccount {
			continue
		}
		p, err := awsauth.Canonicalize(e.ARN)
		if err != nil || p.Name == "" {
			continue
		}
		key := accessentry.PrincipalKey(e.ARN)
		full, err := look.principalARN(ctx, string(e.Kind), p.Name)
		switch {
		case errors.Is(err, awsapi.ErrNoSuchPrincipal):
			in.Unresolved[key] = fmt.Sprintf("IAM has no %s named %s: it was deleted, or the ARN is wrong; nothing to migrate (remove it from aws-auth)", e.Kind, p.Name)
		case err != nil:
			if !warned {
				fmt.Fprintf(o.ErrOut, "Warning: could not read IAM paths (%v): ARNs are used as aws-auth writes them\n", firstLine(awsError(err, cl.Profile).Error()))
				warned = true
			}
		default:
			in.Resolved[key] = full
		}
	}
	return accessentry.PlanMigration(in), nil
}

// ssoRoles resolves the permission set of each sso matcher that loads to
// the role IAM Identity Center made for it (with its path); one that cannot
// be resolved stays a manual step, and says why on stderr.
func (o *MigrateOptions) ssoRoles(ctx context.Context, cl *eksCluster, m *awsauth.Map) map[string]string {
	roles := map[string]string{}
	for _, e := range m.Entries {
		if e.SSO == nil || !e.Loaded || e.ShadowedBy != nil {
			continue
		}
		key := accessentry.SSOKey(e.SSO.AccountID, e.SSO.PermissionSetName)
		if _, done := roles[key]; done {
			continue
		}
		role, err := awsapi.ResolvePermissionSet(ctx, cl.IAM, e.SSO.PermissionSetName, e.SSO.AccountID)
		if err != nil {
			fmt.Fprintf(o.ErrOut, "Notice: sso matcher (%s): %s\n", e.Source(), firstLine(awsError(err, cl.Profile).Error()))
			roles[key] = ""
			continue
		}
		fmt.Fprintf(o.ErrOut, "Notice: sso matcher (%s): %s.\n", e.Source(), role.Found())
		roles[key] = role.ARN
	}
	return roles
}

func printPlan(w io.Writer, where string, plan accessentry.Plan) {
	fmt.Fprintf(w, "Migration plan for aws-auth (%s): %d access entries (%d to create or complete), %d manual steps, %d entries skipped\n", where, len(plan.Steps), plan.Pending(), len(plan.Manual), len(plan.Skipped))
	for _, s := range plan.Steps {
		e := s.Entry
		desc := e.Type
		if e.Username != "" {
			desc += fmt.Sprintf(" username %q", e.Username)
		}
		if len(e.Groups) > 0 {
			desc += " groups [" + strings.Join(e.Groups, ", ") + "]"
		}
		for _, p := range e.Policies {
			desc += " " + p.String()
		}
		fmt.Fprintf(w, "  %-8s %s (%s): %s\n", s.Action, e.PrincipalARN, s.Source, desc)
		for _, n := range s.Notes {
			fmt.Fprintf(w, "           note: %s\n", n)
		}
	}
	if len(plan.Manual) > 0 {
		fmt.Fprintln(w, "Manual steps:")
		for _, m := range plan.Manual {
			fmt.Fprintf(w, "  %s %s: %s\n", m.Source, m.ARN, m.Reason)
		}
	}
	if len(plan.Skipped) > 0 {
		fmt.Fprintln(w, "Skipped (they grant nothing today):")
		for _, m := range plan.Skipped {
			fmt.Fprintf(w, "  %s %s: %s\n", m.Source, m.ARN, m.Reason)
		}
	}
}

// execute carries out the plan, then switches the mode if asked.
func (o *MigrateOptions) execute(ctx context.Context, cl *eksCluster, plan accessentry.Plan) error {
	if !cl.AccessEntries() {
		if o.SwitchMode == "" {
			return fmt.Errorf("cluster %s is in CONFIG_MAP mode, where access entries cannot be created: re-run with --switch-mode (to API_AND_CONFIG_MAP, which keeps aws-auth working)", cl.Name)
		}
		fmt.Fprintf(o.ErrOut, "Switching cluster %s to API_AND_CONFIG_MAP (aws-auth keeps working)...\n", cl.Name)
		if err := o.switchMode(ctx, cl, modeAPIAndConfigMap); err != nil {
			return err
		}
		cl.AuthenticationMode = modeAPIAndConfigMap
	}
	done := 0
	for _, s := range plan.Steps {
		if s.Action == accessentry.ActionExists {
			continue
		}
		cur, err := awsapi.GetEntry(ctx, cl.API, cl.Name, s.Entry.PrincipalARN)
		if err != nil {
			return o.stopped(done, plan, fmt.Errorf("reading the access entry of %s: %w", s.Entry.PrincipalARN, awsError(err, cl.Profile)))
		}
		want := s.Entry
		if cur != nil {
			merged := cur.Clone()
			for _, p := range want.Policies {
				if _, ok := merged.Policy(p.ARN); !ok {
					merged.SetPolicy(p)
				}
			}
			want = merged
		}
		ch, err := accessentry.Diff(cur, &want)
		if err != nil {
			return o.stopped(done, plan, err)
		}
		if ch.Empty() {
			continue
		}
		if err := awsapi.Apply(ctx, cl.API, cl.Name, ch); err != nil {
			return o.stopped(done, plan, awsError(err, cl.Profile))
		}
		done++
		fmt.Fprintf(o.Out, "accessentry/%s: %s\n", s.Entry.PrincipalARN, ch.Summary())
	}
	fmt.Fprintf(o.Out, "Migration done: %d access entries created or completed; aws-auth was not changed.\n", done)
	if o.SwitchMode == "" || o.SwitchMode == cl.AuthenticationMode {
		return nil
	}
	entries, err := awsapi.ListEntries(ctx, cl.API, cl.Name)
	if err != nil {
		return awsError(err, cl.Profile)
	}
	if missing := accessentry.Missing(plan, entries); len(missing) > 0 {
		return fmt.Errorf("not switching to %s: %d planned entries are missing: %s; re-run 'kubectl eksaccess migrate --approve'", o.SwitchMode, len(missing), strings.Join(missing, "; "))
	}
	if o.SwitchMode == modeAPI && len(plan.Manual) > 0 && !o.Force {
		return fmt.Errorf("not switching to API: %d manual steps are left, and API mode ignores aws-auth, so those principals would lose access; do them, or re-run with --force", len(plan.Manual))
	}
	fmt.Fprintf(o.ErrOut, "Every planned access entry exists: switching cluster %s to %s...\n", cl.Name, o.SwitchMode)
	if err := o.switchMode(ctx, cl, o.SwitchMode); err != nil {
		return err
	}
	fmt.Fprintf(o.Out, "cluster/%s authenticationMode %s\n", cl.Name, o.SwitchMode)
	return nil
}

func (o *MigrateOptions) stopped(done int, plan accessentry.Plan, err error) error {
	return fmt.Errorf("migration stopped after %d of %d changes: %w; fix the cause and re-run 'kubectl eksaccess migrate --approve': it finishes the job", done, plan.Pending(), err)
}

// switchMode moves the cluster to mode and waits for the update, telling
// its progress on stderr. Its errors are one line: the update's own errors
// when it failed, its ID and the command to follow it when the wait ended.
func (o *MigrateOptions) switchMode(ctx context.Context, cl *eksCluster, mode string) error {
	wait := awsapi.UpdateWait{Timeout: o.WaitTimeout, Progress: func(id, status string, elapsed time.Duration) {
		fmt.Fprintf(o.ErrOut, "Update %s (authenticationMode %s): %s, %s elapsed\n", id, mode, status, elapsed)
	}}
	id, err := awsapi.SwitchAuthenticationMode(ctx, cl.API, cl.Name, mode, wait)
	var failed *awsapi.UpdateFailedError
	var timeout *awsapi.UpdateTimeoutError
	switch {
	case err == nil:
		fmt.Fprintf(o.ErrOut, "Update %s: Successful: cluster %s is in %s mode.\n", id, cl.Name, mode)
		return nil
	case errors.As(err, &failed):
		return fmt.Errorf("switching cluster %s to %s: %w; see 'aws eks describe-update --name %s --update-id %s', fix the cause and re-run", cl.Name, mode, err, cl.Name, id)
	case errors.As(err, &timeout), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case id == "":
		return fmt.Errorf("switching cluster %s to %s: %w", cl.Name, mode, awsError(err, cl.Profile))
	}
	return fmt.Errorf("waiting for update %s of cluster %s: %w; follow it with 'aws eks describe-update --name %s --update-id %s'", id, cl.Name, awsError(err, cl.Profile), cl.Name, id)
}
