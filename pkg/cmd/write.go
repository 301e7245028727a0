package cmd

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"golang.org/x/term"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/eksaccess/kubectl-eksaccess/pkg/awsauth"
	"github.com/eksaccess/kubectl-eksaccess/pkg/kube"
	"github.com/eksaccess/kubectl-eksaccess/third_party/forked/genericclioptions"
)

// Dry-run strategies, as kubectl names them.
const (
	dryRunNone   = "none"
	dryRunClient = "client"
	dryRunServer = "server"
)

// writeOptions are what every command that writes aws-auth shares: the
// diff, the dry run, the confirmation, the guards, the backup.
type writeOptions struct {
	genericiooptions.IOStreams
	configFlags *genericclioptions.ConfigFlags

	DryRun     string
	Yes        bool
	Force      bool
	Print      *printFlags
	BackupDir  string
	BackupKeep int

	// Filled by complete unless a test set them first.
	ConfigMaps kube.ConfigMapsGetter
	Reviews    kube.SelfSubjectReviewsGetter
	// Terminal reports whether In is a terminal a person can answer on.
	Terminal func() bool
	// Color reports whether Out takes ANSI colors.
	Color func() bool
	Now   func() time.Time
}

// newWriteOptions are the write options of a command, before its flags.
func newWriteOptions(flags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) writeOptions {
	return writeOptions{IOStreams: streams, configFlags: flags, Print: newPrintFlags()}
}

func (w *writeOptions) addFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&w.DryRun, "dry-run", dryRunNone, `Must be "none", "client", or "server". "client" only prints the diff; "server" also has the API server validate the update without storing it`)
	cmd.Flags().Lookup("dry-run").NoOptDefVal = dryRunClient
	cmd.Flags().BoolVarP(&w.Yes, "yes", "y", false, "Write without asking for confirmation")
	cmd.Flags().BoolVar(&w.Force, "force", false, "Write even if a guard refuses: a lockout risk, or a data key that is already broken")
	w.Print.addFlags(cmd, "Print the resulting object in this format (the diff then goes to stderr)")
	cmd.Flags().StringVar(&w.BackupDir, "backup-dir", "", "Where to save the previous aws-auth, in a subdirectory per context (default $XDG_STATE_HOME/kubectl-eksaccess/backups, or ~/.local/state/kubectl-eksaccess/backups)")
	cmd.Flags().IntVar(&w.BackupKeep, "backup-keep", kube.DefaultBackupKeep, "How many backups to keep per context: after a write the oldest beyond this number are deleted (0 keeps them all)")
}

func (w *writeOptions) validate() error {
	switch w.DryRun {
	case dryRunNone, dryRunClient, dryRunServer:
	default:
		return fmt.Errorf(`--dry-run must be "none", "client" or "server", not %q`, w.DryRun)
	}
	if w.BackupKeep < 0 {
		return fmt.Errorf("--backup-keep must be 0 (keep every backup) or more, not %d", w.BackupKeep)
	}
	return w.Print.validate()
}

// complete builds the clients and the terminal checks, each unless a test
// set it first.
func (w *writeOptions) complete(f *genericclioptions.ConfigFlags) error {
	if w.configFlags == nil {
		w.configFlags = f
	}
	if err := w.Print.complete(); err != nil {
		return err
	}
	if w.ConfigMaps == nil {
		cs, err := newClients(w.configFlags)
		if err != nil {
			return err
		}
		w.ConfigMaps, w.Reviews = cs.CoreV1(), cs.AuthenticationV1()
	}
	if w.Terminal == nil {
		w.Terminal = func() bool { return isTerminal(w.In) && isTerminal(w.ErrOut) }
	}
	if w.Color == nil {
		w.Color = func() bool { return os.Getenv("NO_COLOR") == "" && isTerminal(w.Out) && w.Print.human() }
	}
	if w.Now == nil {
		w.Now = time.Now
	}
	if w.BackupDir == "" {
		root, err := kube.BackupRoot()
		if err != nil {
			return err
		}
		w.BackupDir = root
	}
	return nil
}

func isTerminal(f any) bool {
	file, ok := f.(*os.File)
	return ok && term.IsTerminal(int(file.Fd()))
}

// errNotConfirmed ends a write the user declined or could not confirm.
var errNotConfirmed = errors.New("not confirmed")

// edit is one write: it computes the change from the current data. It is
// called again on a fresh read after a conflict.
type edit func(data map[string]string) (edited, error)

// edited is an edit's result, with the parsed documents before and after
// when the edit already parsed them (nil: write parses them itself), so
// that a 1 MiB aws-auth is parsed once per side.
type edited struct {
	awsauth.Result
	before, after *awsauth.Map
}

// awsAuthWrite is one write of aws-auth across the attempts of kube.Write:
// what the first attempt showed and what the last one did.
type awsAuthWrite struct {
	*writeOptions
	what           edit
	ctxName, where string
	cluster        string
	caller         *awsauth.Principal

	shown     map[string]string
	final     awsauth.Result
	backup    string
	unchanged bool
	// local is the ConfigMap a client dry run would have stored.
	local *kube.ConfigMap
}

// write runs the shared flow: read, edit, check the guards, then the one
// confirm-and-apply step (diff, dry run, confirmation), back up, write with
// conflict retry.
func (w *writeOptions) write(ctx context.Context, what edit) error {
	a := &awsAuthWrite{writeOptions: w, what: what}
	a.ctxName, a.cluster = contextAndCluster(w.configFlags)
	a.where = "context " + a.ctxName
	if a.ctxName == "" {
		a.where = "the cluster"
	}
	a.caller = w.caller(ctx)
	res, err := kube.Write(ctx, w.ConfigMaps, a.intent, w.DryRun == dryRunServer)
	if err != nil {
		if errors.Is(err, errNotConfirmed) {
			return &ExitError{Code: 1}
		}
		if errors.Is(err, context.Canceled) && !errors.As(err, new(*kube.UnknownOutcomeError)) {
			// kube.Write read aws-auth again to be sure.
			return errors.New("interrupted: aws-auth was not changed")
		}
		if res.Unanswered > 0 && !isAPIError(err) {
			// Most likely the intent found its own change, stored by an
			// attempt whose answer was lost, and declined to repeat it.
			return fmt.Errorf("%w (an earlier attempt whose answer was lost may have made the change: check with 'kubectl eksaccess list')", err)
		}
		return writeError(err, a.where)
	}
	return a.report(res)
}

// intent is the edit of one attempt: the data to store, or nil to store
// nothing (unchanged, client dry run).
func (a *awsAuthWrite) intent(cur *kube.ConfigMap) (map[string]string, error) {
	var before map[string]string
	if cur != nil {
		before = cur.Data
	}
	res, err := a.what(before)
	if err != nil {
		return nil, err
	}
	if !res.Changed {
		a.unchanged, a.final = true, res.Result
		return nil, nil
	}
	if res.before == nil {
		res.before = awsauth.Parse(before)
	}
	if res.after == nil {
		res.after = awsauth.Parse(res.Data)
	}
	if risks := awsauth.LockoutRisks(res.before, res.after, a.caller); len(risks) > 0 && !a.Force {
		return nil, fmt.Errorf("refusing to write aws-auth: %s; re-run with --force if this is what you want", strings.Join(risks, "; "))
	}
	a.final = res.Result
	if a.shown != nil {
		// A later attempt, after a conflict: the change was confirmed.
		if !equalData(a.shown, res.Data) {
			fmt.Fprintf(a.ErrOut, "Notice: aws-auth changed while we wrote it; the same change was applied again to the new version: %s\n", res.Summary)
		}
		return res.Data, a.saveBackup(cur)
	}
	a.say(res.Notices, res.Warnings)
	if cur == nil {
		fmt.Fprintf(a.diffOut(), "# configmap %s/%s does not exist in %s: it will be created\n", kube.Namespace, kube.ConfigMapName, a.where)
	}
	a.shown = res.Data
	applied, err := a.confirmAndApply(proposal{
		header:       fmt.Sprintf("diff %s/%s (%s, cluster %s)", kube.Namespace, kube.ConfigMapName, a.where, a.cluster),
		before:       before,
		after:        res.Data,
		question:     fmt.Sprintf("Write this change to %s/%s in %s?", kube.Namespace, kube.ConfigMapName, a.where),
		serverDryRun: true,
		apply:        func() error { return a.saveBackup(cur) },
	})
	switch {
	case err != nil:
		return nil, err
	case !applied:
		a.local = resulting(cur, res.Data)
		return nil, nil
	}
	return res.Data, nil
}

// saveBackup saves the ConfigMap about to be replaced (not on a dry run).
func (a *awsAuthWrite) saveBackup(cur *kube.ConfigMap) error {
	if cur == nil || a.DryRun != dryRunNone {
		return nil
	}
	path, err := kube.SaveBackup(a.BackupDir, a.ctxName, cur, a.Now())
	if err != nil {
		return err
	}
	a.backup = path
	return nil
}

// report says what the write did and prints the ConfigMap with -o.
func (a *awsAuthWrite) report(res kube.WriteResult) error {
	switch {
	case a.unchanged:
		fmt.Fprintf(a.ErrOut, "configmap/%s unchanged: %s\n", kube.ConfigMapName, a.final.Summary)
		return a.printObject(resulting(res.Before, nil))
	case a.DryRun == dryRunClient:
		fmt.Fprintf(a.ErrOut, "configmap/%s not written (dry run): %s\n", kube.ConfigMapName, a.final.Summary)
		return a.printObject(a.local)
	}
	for _, m := range kube.OtherManagers(res.Before) {
		fmt.Fprintf(a.ErrOut, "Warning: %q also manages aws-auth; its next apply may revert this change: make the same change in its configuration\n", m)
	}
	verb := "configured"
	if res.Before == nil {
		verb = "created"
	}
	suffix := ""
	if a.DryRun == dryRunServer {
		suffix = " (server dry run)"
	}
	fmt.Fprintf(a.statusOut(), "configmap/%s %s%s: %s\n", kube.ConfigMapName, verb, suffix, a.final.Summary)
	if a.backup != "" {
		fmt.Fprintf(a.ErrOut, "Backup of the previous aws-auth: %s\n", a.backup)
		if _, err := kube.PruneBackups(a.BackupDir, a.ctxName, a.BackupKeep, a.backup, a.Now()); err != nil {
			fmt.Fprintf(a.ErrOut, "Warning: %v: delete old backups by hand, or pass --backup-keep=0 to keep them all\n", err)
		}
	}
	return a.printObject(res.After)
}

// caller learns which IAM identity the cluster sees, for the lockout guard.
func (w *writeOptions) caller(ctx context.Context) *awsauth.Principal {
	if w.Reviews == nil {
		return nil
	}
	u, err := kube.WhoAmI(ctx, w.Reviews)
	if err != nil {
		fmt.Fprintf(w.ErrOut, "Warning: could not ask the cluster who you are (%v): the guard for your own entry is off\n", firstLine(err.Error()))
		return nil
	}
	arn := kube.CallerARN(u)
	if arn == "" {
		return nil
	}
	p, err := awsauth.Canonicalize(arn)
	if err != nil {
		return nil
	}
	return &p
}

// ask asks question on the terminal (--yes answers it).
func (w *writeOptions) ask(question string) error {
	if w.Yes {
		return nil
	}
	if !w.Terminal() {
		fmt.Fprintf(w.ErrOut, "Not written: there is no terminal to confirm on. Re-run with --yes to write, or --dry-run to only show the diff.\n")
		return errNotConfirmed
	}
	fmt.Fprintf(w.ErrOut, "%s [y/N] ", question)
	answer, err := bufio.NewReader(w.In).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	switch strings.ToLower(strings.TrimSpace(answer)) {
	case "y", "yes":
		return nil
	}
	fmt.Fprintln(w.ErrOut, "Not written.")
	return errNotConfirmed
}

func (w *writeOptions) printObject(cm *kube.ConfigMap) error {
	if w.Print.human() || cm == nil {
		return nil
	}
	cm = cm.DeepCopy()
	cm.APIVersion, cm.Kind = "v1", "ConfigMap"
	cm.ManagedFields = nil
	return w.Print.print(w.Out, cm)
}

// resulting is the ConfigMap a write would store (for client dry runs).
func resulting(cur *kube.ConfigMap, data map[string]string) *kube.ConfigMap {
	if cur == nil && data == nil {
		return nil
	}
	var cm *kube.ConfigMap
	if cur != nil {
		cm = cur.DeepCopy()
	} else {
		cm = &kube.ConfigMap{}
		cm.Name, cm.Namespace = kube.ConfigMapName, kube.Namespace
	}
	if data != nil {
		cm.Data = data
	}
	return cm
}

func equalData(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if bv, ok := b[k]; !ok || bv != v {
			return false
		}
	}
	return true
}

// contextAndCluster names the kubeconfig context ("" when unknown) and
// cluster in use.
func contextAndCluster(f *genericclioptions.ConfigFlags) (string, string) {
	if f == nil {
		return "", "unknown"
	}
	raw, ctxName, err := currentContext(f)
	if err != nil {
		return "", "unknown"
	}
	cluster := "unknown"
	if c, ok := raw.Contexts[ctxName]; ok && c.Cluster != "" {
		cluster = c.Cluster
	}
	if f.ClusterName != nil && *f.ClusterName != "" {
		cluster = *f.ClusterName
	}
	return ctxName, cluster
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}
