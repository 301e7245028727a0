package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/eksaccess/kubectl-eksaccess/pkg/awsauth"
	"github.com/eksaccess/kubectl-eksaccess/pkg/diagnose"
	"github.com/eksaccess/kubectl-eksaccess/pkg/diagnose/gather"
	"github.com/eksaccess/kubectl-eksaccess/pkg/kube"
	"github.com/eksaccess/kubectl-eksaccess/pkg/output"
	"github.com/eksaccess/kubectl-eksaccess/third_party/forked/genericclioptions"
)

// DiagnoseOptions are the options of `diagnose`: the flags, and what
// Complete fills. Gathering is pkg/diagnose/gather's, deciding
// pkg/diagnose's; this command turns flags into their options, prints the
// checklist and the verdict, and sets the exit status.
type DiagnoseOptions struct {
	genericiooptions.IOStreams
	configFlags *genericclioptions.ConfigFlags

	ARN      string
	Filename string
	// sso is --sso-permission-set: the principal is the permission set's
	// role, found in IAM by Run; Account is the role's account.
	sso          ssoTarget
	Account      string
	Mode         string
	AdminContext string
	Verb         string
	Resource     string
	Namespace    string
	ClusterName  string
	Region       string
	Profile      string
	Print        *printFlags
	// Fleet diagnoses --arn in several contexts (see diagnose_fleet.go).
	Fleet fleetFlags

	// Filled by Complete unless a test set them first.
	Now      func() time.Time
	Terminal func() bool
	// NewAWS builds the AWS clients of a profile and region.
	NewAWS gather.NewAWS
}

// NewCmdDiagnose builds `kubectl eksaccess diagnose`.
func NewCmdDiagnose(flags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *cobra.Command {
	o := &DiagnoseOptions{IOStreams: streams, Fleet: fleetFlags{configFlags: flags}, Print: newPrintFlags()}
	cmd := &cobra.Command{
		Use:   "diagnose [--arn ARN | --sso-permission-set NAME [--account ID]] [-f FILE]",
		Short: "Say exactly why an identity gets Unauthorized or Forbidden, and print the fix",
		Long: `Find out why an IAM identity gets 'You must be logged in to the server
(Unauthorized)' or Forbidden from an EKS cluster, and print the command that
fixes it.

Without --arn it diagnoses the identity kubectl really uses: it runs the
kubeconfig user's exec plugin as kubectl does, decodes the token (never
printing it), replays it to STS as the EKS authenticator does, reads the
cluster (EKS DescribeCluster, access entries), aws-auth and RBAC, and makes a
real request. With --arn it answers for another principal; with --arn and -f
it works offline from an aws-auth manifest alone.

A checklist goes to stderr as steps complete; the verdict, the cause, the
evidence and the fix go to stdout. Exit status: 0 authorized, 1 unauthorized
or forbidden, 2 when the diagnosis itself could not run.

With --arn and --all-contexts, --contexts a,b or --context-pattern 'prod-*',
it answers for every selected context in parallel (at most --parallel at
once), one row each: authorized, unauthorized or forbidden, as which username
and groups, through which entry; a context that cannot be read says why.
Exit status: 0 when every context answers authorized, 1 when one answers
unauthorized or forbidden, 2 when one could not be diagnosed.`,
		Example: `  # Why does kubectl say Unauthorized?
  kubectl eksaccess diagnose

  # Would this role get in, and with which groups? (read the cluster as admin)
  kubectl eksaccess diagnose --arn arn:aws:iam::111122223333:role/Developer --admin-context admin

  # Offline, from a file
  kubectl eksaccess diagnose --arn arn:aws:iam::111122223333:user/alice -f aws-auth.yaml --mode CONFIG_MAP

  # Where can this role get in, and as whom?
  kubectl eksaccess diagnose --arn arn:aws:iam::111122223333:role/Developer --all-contexts`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Complete(flags, cmd, args); err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			if err := o.Validate(); err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			return o.Run(cmd.Context())
		},
	}
	cmd.Flags().StringVar(&o.ARN, "arn", "", "Diagnose this principal instead of the identity kubectl uses")
	o.sso.addFlags(cmd)
	cmd.Flags().StringVar(&o.Account, "account", "", "With --sso-permission-set: the account of the permission set's role (default: the account of your credentials)")
	cmd.Flags().StringVarP(&o.Filename, "filename", "f", "", "Offline: read aws-auth from this manifest ('-' for stdin); needs --arn")
	cmd.Flags().StringVar(&o.Mode, "mode", "", "Cluster authentication mode when it cannot be read from EKS: CONFIG_MAP, API_AND_CONFIG_MAP or API")
	cmd.Flags().StringVar(&o.AdminContext, "admin-context", "", "Read aws-auth and RBAC through this kubeconfig context (when the identity under test cannot)")
	cmd.Flags().StringVar(&o.Verb, "verb", "list", "Verb of the access check")
	cmd.Flags().StringVar(&o.Resource, "resource", "pods", "Resource of the access check")
	cmd.Flags().StringVarP(&o.Namespace, "namespace", "n", "default", "Namespace of the access check")
	cmd.Flags().StringVar(&o.ClusterName, "cluster-name", "", "EKS cluster name (default: from the exec plugin's --cluster-name)")
	cmd.Flags().StringVar(&o.Region, "region", "", "AWS region of the cluster (default: from the exec plugin or the AWS config)")
	cmd.Flags().StringVar(&o.Profile, "profile", "", "AWS profile for EKS calls (default: the exec plugin's)")
	o.Print.addFlags(cmd)
	o.Fleet.addFlags(cmd)
	return cmd
}

// Complete fills what a test did not set: the kubeconfig flags the
// contexts are resolved with, the clock and the AWS clients' constructor.
// It reads nothing: Run builds the Kubernetes clients from the contexts it
// resolves (each context of a fleet its own), and the printer of -o (which
// may read a template file), so that a kubeconfig or template error never
// comes before Validate's flag errors.
func (o *DiagnoseOptions) Complete(f *genericclioptions.ConfigFlags, _ *cobra.Command, _ []string) error {
	if o.configFlags == nil {
		o.configFlags = f
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Terminal == nil {
		o.Terminal = func() bool { return isTerminal(o.ErrOut) && os.Getenv("NO_COLOR") == "" }
	}
	if o.NewAWS == nil {
		o.NewAWS = gather.LoadAWS
	}
	return nil
}

// Validate checks the flags; it does no I/O.
func (o *DiagnoseOptions) Validate() error {
	if err := o.Print.validate(); err != nil {
		return err
	}
	switch o.Mode {
	case "", diagnose.ModeConfigMap, diagnose.ModeAPIAndConfigMap, diagnose.ModeAPI:
	default:
		return fmt.Errorf("--mode must be CONFIG_MAP, API_AND_CONFIG_MAP or API, not %q", o.Mode)
	}
	if o.sso.PermissionSet != "" && o.ARN != "" {
		return errors.New("give --arn or --sso-permission-set, not both")
	}
	if o.Account != "" && o.sso.PermissionSet == "" {
		return errors.New("--account goes with --sso-permission-set (the account of its role): for a principal give --arn")
	}
	if o.Filename != "" && o.ARN == "" && o.sso.PermissionSet == "" {
		return errors.New("-f works offline and needs --arn: whose access should be diagnosed?")
	}
	if o.ARN != "" {
		if _, err := awsauth.Canonicalize(o.ARN); err != nil {
			return fmt.Errorf("--arn: %w", err)
		}
	}
	return o.validateFleet()
}

// Run gathers, diagnoses and prints: one context, or each of a fleet.
func (o *DiagnoseOptions) Run(ctx context.Context) error {
	if err := o.Print.complete(); err != nil {
		return &ExitError{Code: 2, Err: err}
	}
	if o.sso.PermissionSet != "" {
		t := clusterTarget{ClusterName: o.ClusterName, Region: o.Region, Profile: o.Profile, configFlags: o.configFlags}
		role, err := o.sso.resolve(ctx, &t, o.ErrOut, o.Account)
		if err != nil {
			return &ExitError{Code: 2, Err: err}
		}
		o.ARN = role.ARN
	}
	if o.Fleet.enabled() {
		return o.runFleet(ctx)
	}
	snap, err := o.gather(ctx, checklist(o.ErrOut, o.Terminal()))
	if err != nil {
		return &ExitError{Code: 2, Err: err}
	}
	report := diagnose.Diagnose(snap)
	if err := o.print(report); err != nil {
		return &ExitError{Code: 2, Err: err}
	}
	switch report.Verdict {
	case diagnose.Authorized:
		return nil
	case diagnose.Unauthorized, diagnose.Forbidden:
		return &ExitError{Code: 1}
	}
	return &ExitError{Code: 2}
}

// gather collects the snapshot: offline from -f, or live through the
// kubeconfig's contexts. progress gets each step; nil to say nothing.
func (o *DiagnoseOptions) gather(ctx context.Context, progress func(gather.Step)) (diagnose.Snapshot, error) {
	opts := gather.Options{
		ARN: o.ARN, Mode: o.Mode, AdminContext: o.AdminContext,
		ClusterName: o.ClusterName, Region: o.Region, Profile: o.Profile,
		Verb: o.Verb, Resource: o.Resource, Namespace: o.Namespace,
		Now: o.Now, Progress: progress,
		AWSError: func(err error) error { return awsError(err, o.Profile) },
		APIError: apiError,
	}
	if o.Filename != "" {
		src := awsAuthSource{Filename: o.Filename, in: o.In}
		data, where, err := src.load(ctx)
		return gather.Offline(opts, data, where, err), nil
	}
	// The user's exec plugin starts as soon as the kubeconfig names it;
	// the admin context is read beside the user's (each loads the
	// kubeconfig). When either fails, the plugin is stopped.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	c := gather.Clients{NewAWS: o.NewAWS}
	var adminErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		if o.AdminContext != "" {
			c.Admin, adminErr = o.resolve(o.AdminContext)
		}
	}()
	user, loader, err := o.readContext("")
	if err == nil {
		if o.ARN == "" && user.Exec != nil {
			c.Exec = gather.StartExec(ctx, user.Exec, user.Server)
		}
		err = o.connect(user, loader)
	}
	<-done
	if err != nil {
		return diagnose.Snapshot{}, err
	}
	if adminErr != nil {
		return diagnose.Snapshot{}, fmt.Errorf("--admin-context: %w", adminErr)
	}
	c.User = user
	return gather.Live(ctx, opts, c), nil
}

func (o *DiagnoseOptions) print(r diagnose.Report) error {
	if !o.Print.human() {
		return o.Print.print(o.Out, output.NewDiagnosis(r))
	}
	output.DiagnosisText(o.Out, r)
	return nil
}

// checklist prints one line per gathering step as it completes: a mark
// (✔ ✖ !, or [ok] [x] [!] when not fancy) and what the step found.
func checklist(w io.Writer, fancy bool) func(gather.Step) {
	marks := map[gather.Status][2]string{gather.OK: {"✔", "[ok]"}, gather.Failed: {"✖", "[x]"}, gather.Warning: {"!", "[!]"}}
	return func(s gather.Step) {
		mark := marks[s.Status][1]
		if fancy {
			mark = marks[s.Status][0]
		}
		fmt.Fprintf(w, "%s %s\n", mark, s.Text)
	}
}

// resolve makes a kubeconfig context ("" for the current one) into what
// gathering reads through: its name, server, exec plugin and clients.
func (o *DiagnoseOptions) resolve(contextName string) (*gather.Context, error) {
	kc, loader, err := o.readContext(contextName)
	if err == nil {
		err = o.connect(kc, loader)
	}
	if err != nil {
		return nil, err
	}
	return kc, nil
}

// readContext reads a kubeconfig context ("" for the current one): its name,
// server and exec plugin, and the loader of its client configuration.
func (o *DiagnoseOptions) readContext(contextName string) (*gather.Context, clientcmd.ClientConfig, error) {
	loader := o.configFlags.ToRawKubeConfigLoader()
	if contextName != "" {
		rules := clientcmd.NewDefaultClientConfigLoadingRules()
		if o.configFlags.KubeConfig != nil && *o.configFlags.KubeConfig != "" {
			rules.ExplicitPath = *o.configFlags.KubeConfig
		}
		loader = clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: contextName})
	}
	flag := contextName
	if flag == "" && o.configFlags.Context != nil {
		flag = *o.configFlags.Context
	}
	raw, name, err := kube.CurrentContext(loader, flag)
	if err != nil {
		return nil, nil, kubeconfigError(err)
	}
	kc := &gather.Context{Name: name}
	if c, ok := raw.Contexts[name]; ok {
		if u := raw.AuthInfos[c.AuthInfo]; u != nil {
			kc.Exec = u.Exec
		}
		if cl, ok := raw.Clusters[c.Cluster]; ok {
			kc.Server = cl.Server
		}
	}
	// client-go refuses an exec plugin declared v1alpha1, as kubectl 1.24+
	// does. That is a finding (EKSA217), not a reason to stop: build the
	// client as if it said v1beta1 (its output is read the same way) and let
	// the diagnosis name the problem.
	if kc.Exec != nil && kc.Exec.APIVersion == diagnose.ExecAPIVersionV1Alpha {
		fixed := raw.DeepCopy()
		fixed.AuthInfos[raw.Contexts[name].AuthInfo].Exec.APIVersion = "client.authentication.k8s.io/v1beta1"
		loader = clientcmd.NewNonInteractiveClientConfig(*fixed, name, &clientcmd.ConfigOverrides{}, nil)
	}
	return kc, loader, nil
}

// connect gives a context its clients, from the loader of its client
// configuration.
func (o *DiagnoseOptions) connect(kc *gather.Context, loader clientcmd.ClientConfig) error {
	config, err := loader.ClientConfig()
	if err != nil {
		return kubeconfigError(err)
	}
	// As ConfigFlags.ToRESTConfig does: a fleet run watches the aws-auth
	// request this way (diagnose_fleet.go).
	if wrap := o.configFlags.WrapConfigFn; wrap != nil {
		config = wrap(config)
	}
	if kc.Client, err = kubeClients(config); err != nil {
		return kubeconfigError(err)
	}
	// The requests made as the user carry the token its exec plugin gave
	// once, as kubectl would send it: client-go would run the plugin again.
	kc.WithToken = func(token string) (gather.Kubernetes, error) {
		cfg := rest.CopyConfig(config)
		cfg.ExecProvider, cfg.AuthProvider = nil, nil
		cfg.Username, cfg.Password = "", ""
		cfg.BearerToken, cfg.BearerTokenFile = token, ""
		return kubeClients(cfg)
	}
	return nil
}

func kubeClients(cfg *rest.Config) (gather.Kubernetes, error) {
	c, err := kube.NewClients(cfg)
	if err != nil {
		return nil, err
	}
	return gather.KubeClients(c), nil
}
