package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/eksaccess/kubectl-eksaccess/pkg/awsapi"
	"github.com/eksaccess/kubectl-eksaccess/pkg/awsauth"
	"github.com/eksaccess/kubectl-eksaccess/pkg/diagnose"
	"github.com/eksaccess/kubectl-eksaccess/pkg/kube"
	"github.com/eksaccess/kubectl-eksaccess/pkg/output"
)

// DiagnoseOptions are the options of `diagnose`.
type DiagnoseOptions struct {
	genericiooptions.IOStreams
	configFlags *genericclioptions.ConfigFlags

	ARN          string
	Filename     string
	Mode         string
	AdminContext string
	Verb         string
	Resource     string
	Namespace    string
	ClusterName  string
	Region       string
	Profile      string
	Output       string
	// Fleet diagnoses --arn in several contexts (see diagnose_fleet.go).
	Fleet fleetFlags

	// Filled by Complete unless a test set them first.
	Now      func() time.Time
	Terminal func() bool
	// AWSConfig loads the AWS configuration for a profile and region.
	AWSConfig func(ctx context.Context, o awsapi.ConfigOptions) (aws.Config, error)
}

// NewCmdDiagnose builds `kubectl eksaccess diagnose`.
func NewCmdDiagnose(flags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *cobra.Command {
	o := &DiagnoseOptions{IOStreams: streams, configFlags: flags, Fleet: fleetFlags{configFlags: flags}}
	cmd := &cobra.Command{
		Use:   "diagnose [--arn ARN] [-f FILE]",
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
			if err := o.Validate(); err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			o.Complete()
			if o.Fleet.enabled() {
				return o.runFleet(cmd.Context())
			}
			return o.Run(cmd.Context())
		},
	}
	cmd.Flags().StringVar(&o.ARN, "arn", "", "Diagnose this principal instead of the identity kubectl uses")
	cmd.Flags().StringVarP(&o.Filename, "filename", "f", "", "Offline: read aws-auth from this manifest ('-' for stdin); needs --arn")
	cmd.Flags().StringVar(&o.Mode, "mode", "", "Cluster authentication mode when it cannot be read from EKS: CONFIG_MAP, API_AND_CONFIG_MAP or API")
	cmd.Flags().StringVar(&o.AdminContext, "admin-context", "", "Read aws-auth and RBAC through this kubeconfig context (when the identity under test cannot)")
	cmd.Flags().StringVar(&o.Verb, "verb", "list", "Verb of the access check")
	cmd.Flags().StringVar(&o.Resource, "resource", "pods", "Resource of the access check")
	cmd.Flags().StringVarP(&o.Namespace, "namespace", "n", "default", "Namespace of the access check")
	cmd.Flags().StringVar(&o.ClusterName, "cluster-name", "", "EKS cluster name (default: from the exec plugin's --cluster-name)")
	cmd.Flags().StringVar(&o.Region, "region", "", "AWS region of the cluster (default: from the exec plugin or the AWS config)")
	cmd.Flags().StringVar(&o.Profile, "profile", "", "AWS profile for EKS calls (default: the exec plugin's)")
	cmd.Flags().StringVarP(&o.Output, "output", "o", "", "Output format: json or yaml")
	o.Fleet.addFlags(cmd)
	return cmd
}

// Validate checks the flags.
func (o *DiagnoseOptions) Validate() error {
	if err := validateOutput(o.Output, "json", "yaml"); err != nil {
		return err
	}
	switch o.Mode {
	case "", diagnose.ModeConfigMap, diagnose.ModeAPIAndConfigMap, diagnose.ModeAPI:
	default:
		return fmt.Errorf("--mode must be CONFIG_MAP, API_AND_CONFIG_MAP or API, not %q", o.Mode)
	}
	if o.Filename != "" && o.ARN == "" {
		return errors.New("-f works offline and needs --arn: whose access should be diagnosed?")
	}
	if o.ARN != "" {
		if _, err := awsauth.Canonicalize(o.ARN); err != nil {
			return fmt.Errorf("--arn: %w", err)
		}
	}
	return o.validateFleet()
}

// Complete fills the dependencies a test did not set.
func (o *DiagnoseOptions) Complete() {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Terminal == nil {
		o.Terminal = func() bool { return isTerminal(o.ErrOut) && os.Getenv("NO_COLOR") == "" }
	}
	if o.AWSConfig == nil {
		o.AWSConfig = awsapi.LoadConfig
	}
}

// Run gathers, diagnoses and prints.
func (o *DiagnoseOptions) Run(ctx context.Context) error {
	g := &gatherer{o: o, check: &checklist{w: o.ErrOut, fancy: o.Terminal()}}
	var snap diagnose.Snapshot
	if o.Filename != "" {
		snap = g.offline(ctx)
	} else {
		var err error
		if snap, err = g.live(ctx); err != nil {
			return &ExitError{Code: 2, Err: err}
		}
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

func (o *DiagnoseOptions) print(r diagnose.Report) error {
	if o.Output != "" {
		return output.Print(o.Out, o.Output, output.NewDiagnosis(r))
	}
	output.DiagnosisText(o.Out, r)
	return nil
}

// checklist prints one line per gathering step as it completes.
type checklist struct {
	mu    sync.Mutex
	w     io.Writer
	fancy bool
}

func (c *checklist) line(ok, warn bool, format string, args ...any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	mark := map[[2]bool]string{{true, false}: "✔", {false, false}: "✖", {true, true}: "!", {false, true}: "!"}[[2]bool{ok, warn}]
	if !c.fancy {
		mark = map[string]string{"✔": "[ok]", "✖": "[x]", "!": "[!]"}[mark]
	}
	fmt.Fprintf(c.w, "%s %s\n", mark, fmt.Sprintf(format, args...))
}

func (c *checklist) ok(format string, args ...any)   { c.line(true, false, format, args...) }
func (c *checklist) fail(format string, args ...any) { c.line(false, false, format, args...) }
func (c *checklist) warn(format string, args ...any) { c.line(true, true, format, args...) }

// gatherer collects the facts of a Snapshot.
type gatherer struct {
	o     *DiagnoseOptions
	check *checklist
}

func (g *gatherer) offline(ctx context.Context) diagnose.Snapshot {
	o := g.o
	snap := diagnose.Snapshot{Subject: o.ARN, Mode: o.Mode, AsMyself: false}
	if snap.Mode == "" {
		snap.Mode = diagnose.ModeConfigMap
	}
	src := awsAuthSource{Filename: o.Filename, in: o.In}
	data, where, err := src.load(ctx)
	snap.AWSAuth = &diagnose.AWSAuth{Step: diagnose.Step{Ran: true}, Source: where}
	if err != nil {
		snap.AWSAuth.Err = err.Error()
		g.check.fail("aws-auth: %v", err)
	} else {
		snap.AWSAuth.Map, snap.AWSAuth.Data = awsauth.Parse(data), data
		g.check.ok("aws-auth read from %s (%d entries)", where, len(snap.AWSAuth.Map.Entries))
	}
	g.check.warn("offline: EKS, STS and RBAC not checked (mode %s assumed)", snap.Mode)
	return snap
}

// kubeContext is the kubeconfig context under test.
type kubeContext struct {
	name    string
	server  string
	user    *clientcmdapi.AuthInfo
	config  *rest.Config
	clients *kube.Clients
}

func (g *gatherer) resolve(contextName string) (*kubeContext, error) {
	loader := g.o.configFlags.ToRawKubeConfigLoader()
	if contextName != "" {
		rules := clientcmd.NewDefaultClientConfigLoadingRules()
		if g.o.configFlags.KubeConfig != nil && *g.o.configFlags.KubeConfig != "" {
			rules.ExplicitPath = *g.o.configFlags.KubeConfig
		}
		loader = clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, &clientcmd.ConfigOverrides{CurrentContext: contextName})
	}
	raw, err := loader.RawConfig()
	if err != nil {
		return nil, kubeconfigError(err)
	}
	name := raw.CurrentContext
	if contextName != "" {
		name = contextName
	} else if g.o.configFlags.Context != nil && *g.o.configFlags.Context != "" {
		name = *g.o.configFlags.Context
	}
	kc := &kubeContext{name: name}
	if c, ok := raw.Contexts[name]; ok {
		kc.user = raw.AuthInfos[c.AuthInfo]
		if cl, ok := raw.Clusters[c.Cluster]; ok {
			kc.server = cl.Server
		}
	}
	// client-go refuses an exec plugin declared v1alpha1, as kubectl 1.24+
	// does. That is a finding (EKSA217), not a reason to stop: build the
	// client as if it said v1beta1 (its output is read the same way) and let
	// the diagnosis name the problem.
	if kc.user != nil && kc.user.Exec != nil && kc.user.Exec.APIVersion == diagnose.ExecAPIVersionV1Alpha {
		fixed := raw.DeepCopy()
		fixed.AuthInfos[raw.Contexts[name].AuthInfo].Exec.APIVersion = "client.authentication.k8s.io/v1beta1"
		loader = clientcmd.NewNonInteractiveClientConfig(*fixed, name, &clientcmd.ConfigOverrides{}, nil)
	}
	if kc.config, err = loader.ClientConfig(); err != nil {
		return nil, kubeconfigError(err)
	}
	// As ConfigFlags.ToRESTConfig does: a fleet run watches the aws-auth
	// request this way (diagnose_fleet.go).
	if wrap := g.o.configFlags.WrapConfigFn; wrap != nil {
		kc.config = wrap(kc.config)
	}
	if kc.clients, err = kube.NewClients(kc.config); err != nil {
		return nil, kubeconfigError(err)
	}
	return kc, nil
}

// future is the result of a step running on its own goroutine.
type future[T any] struct {
	done chan struct{}
	v    T
}

func async[T any](f func() T) *future[T] {
	ft := &future[T]{done: make(chan struct{})}
	go func() {
		defer close(ft.done)
		ft.v = f()
	}()
	return ft
}

func (f *future[T]) get() T {
	<-f.done
	return f.v
}

func ready[T any](v T) *future[T] {
	ft := &future[T]{done: make(chan struct{}), v: v}
	close(ft.done)
	return ft
}

// execToken is what running the exec plugin gave.
type execToken struct {
	token   string
	facts   *diagnose.Token
	execErr string
}

// bindingLists are every ClusterRoleBinding and RoleBinding, read at once
// before it is known whether they are needed (the RBAC step needs them
// only when the request is denied), so that they cost no round trip after
// the access review.
type bindingLists struct {
	kube.Bindings
	err error
}

func (g *gatherer) live(ctx context.Context) (diagnose.Snapshot, error) {
	o := g.o
	user, err := g.resolve("")
	if err != nil {
		return diagnose.Snapshot{}, err
	}
	admin := user
	if o.AdminContext != "" {
		if admin, err = g.resolve(o.AdminContext); err != nil {
			return diagnose.Snapshot{}, fmt.Errorf("--admin-context: %w", err)
		}
	}
	snap := diagnose.Snapshot{Subject: o.ARN, Mode: o.Mode, Context: user.name, AdminContext: o.AdminContext, AsMyself: o.ARN == ""}

	// The exec plugin tells which cluster and AWS identity kubectl uses.
	var execCfg *clientcmdapi.ExecConfig
	if user.user != nil {
		execCfg = user.user.Exec
	}
	awsOpts := awsapi.ConfigOptions{Profile: o.Profile, Region: o.Region}
	clusterName := o.ClusterName
	if execCfg != nil {
		snap.Exec = execFacts(execCfg)
		if clusterName == "" {
			clusterName = snap.Exec.ClusterName
		}
		if awsOpts.Profile == "" {
			awsOpts.Profile = snap.Exec.Profile
		}
		if awsOpts.Region == "" {
			awsOpts.Region = snap.Exec.Region
		}
	}
	runExec := snap.AsMyself && execCfg != nil

	// Loading the AWS configuration reads files only; every call after it
	// goes to the network.
	var awsCfg aws.Config
	var awsErr error
	if clusterName != "" || runExec {
		awsCfg, awsErr = o.AWSConfig(ctx, awsOpts)
	}

	// Everything that does not need the token starts now, at once; what
	// needs it starts as soon as the exec plugin has given it. Each step
	// writes only its own result.
	var tokenF *future[execToken]
	if snap.AsMyself {
		tokenF = async(func() execToken { return g.runExec(ctx, &snap, execCfg, user.server) })
	} else {
		tokenF = ready(execToken{})
	}
	// The requests made as the user carry the token the plugin already
	// gave, as kubectl would send it: client-go would run the plugin again.
	userF := async(func() *kubeContext {
		t := tokenF.get()
		if t.token == "" {
			return user
		}
		kc, err := user.withToken(t.token)
		if err != nil {
			return user
		}
		return kc
	})
	adminF := ready(admin)
	adminARNF := ready("")
	switch {
	case admin == user:
		adminF = userF
	case admin.user != nil && admin.user.Exec != nil:
		// Run the admin context's exec plugin once, for its requests (as
		// client-go would) and to learn who it is: an admin that gets in
		// without being in aws-auth in CONFIG_MAP mode is the creator.
		tokF := async(func() string {
			res, err := kube.RunExec(ctx, admin.user.Exec, admin.server)
			if err != nil {
				return "" // client-go runs it again and says why
			}
			return res.Token
		})
		adminF = async(func() *kubeContext {
			if tok := tokF.get(); tok != "" {
				if kc, err := admin.withToken(tok); err == nil {
					return kc
				}
			}
			return admin
		})
		adminARNF = async(func() string {
			tok := tokF.get()
			if tok == "" || clusterName == "" {
				return ""
			}
			var client aws.HTTPClient = awshttp.NewBuildableClient()
			if awsErr == nil && awsCfg.HTTPClient != nil {
				client = awsCfg.HTTPClient
			}
			id, err := awsapi.ReplayToken(ctx, client, tok, clusterName)
			if err != nil {
				return ""
			}
			return id.ARN
		})
	}
	clusterF := async(func() *diagnose.Cluster { return g.describe(ctx, awsCfg, awsErr, clusterName, user.server) })
	type arnList struct {
		arns []string
		err  error
	}
	listF := async(func() arnList {
		if clusterName == "" || awsErr != nil || o.Mode == diagnose.ModeConfigMap {
			return arnList{}
		}
		// EKS refuses ListAccessEntries on a CONFIG_MAP cluster: wait for
		// DescribeCluster rather than leave a failed call in CloudTrail.
		if c := clusterF.get(); c != nil && c.Ran && c.Err == "" && c.AuthenticationMode == diagnose.ModeConfigMap {
			return arnList{}
		}
		arns, err := awsapi.AccessEntryARNs(ctx, eks.NewFromConfig(awsCfg), clusterName)
		return arnList{arns, err}
	})
	awsAuthF := async(func() *diagnose.AWSAuth { return g.awsAuth(ctx, adminF.get()) })
	shellF := ready("")
	if runExec {
		shellF = async(func() string { return g.shellIdentity(ctx) })
	}
	stsF := async(func() *diagnose.STS {
		if t := tokenF.get(); t.token != "" {
			return g.replay(ctx, awsCfg, awsErr, t.token, clusterName)
		}
		return nil
	})
	reviewF := async(func() *diagnose.Review {
		if tokenF.get().token == "" {
			return nil
		}
		return g.review(ctx, userF.get())
	})
	accessF := async(func() *diagnose.Access {
		if tokenF.get().token == "" {
			return nil
		}
		return g.canI(ctx, userF.get())
	})
	bindingsF := async(func() bindingLists {
		if admin == user {
			// Read as the identity under test: not when the cluster
			// refuses it anyway.
			if rv := reviewF.get(); rv != nil && rv.Unauthorized {
				return bindingLists{err: errors.New("the cluster answers 401 Unauthorized")}
			}
		}
		return listBindings(ctx, adminF.get())
	})
	// Access entries: the list is read at once; the entries of the
	// principal are described as soon as STS has said who it is.
	entriesF := async(func() *diagnose.AccessEntries {
		part := diagnose.Snapshot{Subject: snap.Subject, Mode: snap.Mode, Cluster: clusterF.get()}
		if part.Subject == "" {
			if st := stsF.get(); st != nil {
				part.Subject = st.ARN
			}
		}
		if part.Mode == "" && part.Cluster != nil {
			part.Mode = part.Cluster.AuthenticationMode
		}
		l := listF.get()
		if c := part.Cluster; c != nil && c.Name != "" && c.Name != clusterName && awsErr == nil {
			// DescribeCluster found the cluster under another name.
			l.arns, l.err = awsapi.AccessEntryARNs(ctx, eks.NewFromConfig(awsCfg), c.Name)
		}
		return g.accessEntries(ctx, awsCfg, part, l.arns, l.err)
	})

	t := tokenF.get()
	snap.Token = t.facts
	if t.execErr != "" {
		snap.Exec.Err = t.execErr
	}
	snap.Cluster = clusterF.get()
	snap.AWSAuth = awsAuthF.get()
	snap.Review = reviewF.get()
	snap.Access = accessF.get()
	if st := stsF.get(); st != nil {
		st.ShellARN = shellF.get()
		snap.STS = st
	}
	snap.AccessEntries = entriesF.get()
	if snap.Subject == "" && snap.STS != nil {
		snap.Subject = snap.STS.ARN
	}
	if snap.Mode == "" && snap.Cluster != nil {
		snap.Mode = snap.Cluster.AuthenticationMode
	}

	g.inferCreator(&snap, adminARNF.get())

	// RBAC: who the cluster thinks the identity is decides what to ask.
	pre := diagnose.Diagnose(snap)
	if pre.Authenticated && (snap.Access == nil || !snap.Access.Allowed) {
		snap.Access = g.rbac(ctx, adminF.get(), snap.Access, pre.Username, pre.Groups, bindingsF)
	}
	return snap, nil
}

// inferCreator learns the cluster creator from the admin context: in
// CONFIG_MAP mode the creator's admin access is in no aws-auth entry, so an
// admin identity that read aws-auth (it got in) without being mapped there
// is the creator (or a mapping as invisible).
func (g *gatherer) inferCreator(snap *diagnose.Snapshot, adminARN string) {
	c, a := snap.Cluster, snap.AWSAuth
	if adminARN == "" || c == nil || c.Creator != "" || c.Err != "" || !c.Ran || c.AuthenticationMode != diagnose.ModeConfigMap ||
		(c.CreatorAdmin != nil && !*c.CreatorAdmin) || a == nil || a.Map == nil || a.Err != "" {
		return
	}
	p, err := awsauth.Canonicalize(adminARN)
	if err != nil || a.Map.Lookup(p, "") != nil {
		return
	}
	c.Creator = p.Canonical
	g.check.ok("the admin context %s gets in as %s, which aws-auth does not map: it is the cluster creator", snap.AdminContext, p.Canonical)
}

// withToken is the context with the token as its bearer token instead of
// the exec plugin.
func (kc *kubeContext) withToken(token string) (*kubeContext, error) {
	cfg := rest.CopyConfig(kc.config)
	cfg.ExecProvider, cfg.AuthProvider = nil, nil
	cfg.Username, cfg.Password = "", ""
	cfg.BearerToken, cfg.BearerTokenFile = token, ""
	clients, err := kube.NewClients(cfg)
	if err != nil {
		return nil, err
	}
	out := *kc
	out.config, out.clients = cfg, clients
	return &out, nil
}

func listBindings(ctx context.Context, kc *kubeContext) bindingLists {
	b, err := kube.ListBindings(ctx, kc.clients.RbacV1())
	return bindingLists{Bindings: b, err: err}
}

// bindingsFor are the bindings that name the user or one of the groups.
func (l bindingLists) bindingsFor(user string, groups []string) []diagnose.Binding {
	var out []diagnose.Binding
	for _, b := range l.For(user, groups) {
		out = append(out, diagnose.Binding{Kind: b.Kind, Name: b.Name, Namespace: b.Namespace, Role: b.Role, Subject: b.Subject})
	}
	return out
}

func execFacts(cfg *clientcmdapi.ExecConfig) *diagnose.Exec {
	e := &diagnose.Exec{Step: diagnose.Step{Ran: true}, Command: cfg.Command, Args: cfg.Args, APIVersion: cfg.APIVersion, Env: map[string]string{}}
	for _, v := range cfg.Env {
		val := v.Value
		up := strings.ToUpper(v.Name)
		if strings.Contains(up, "SECRET") || strings.Contains(up, "TOKEN") || strings.Contains(up, "KEY") {
			val = "****"
		}
		e.Env[v.Name] = val
	}
	e.ClusterName = kube.ExecArg(cfg.Args, "--cluster-name", "-i", "--cluster-id")
	e.Region = kube.ExecArg(cfg.Args, "--region")
	e.RoleARN = kube.ExecArg(cfg.Args, kube.ExecRoleArgs...)
	e.Profile = kube.ExecArg(cfg.Args, "--profile")
	if e.Profile == "" {
		e.Profile = kube.ExecEnv(cfg, "AWS_PROFILE")
	}
	if e.Region == "" {
		e.Region = kube.ExecEnv(cfg, "AWS_REGION")
	}
	return e
}

func (g *gatherer) runExec(ctx context.Context, snap *diagnose.Snapshot, cfg *clientcmdapi.ExecConfig, server string) execToken {
	out := execToken{facts: &diagnose.Token{}}
	if cfg == nil {
		out.facts.Skipped = "the kubeconfig user has no exec plugin (not an EKS token user)"
		g.check.warn("exec plugin: none for context %s: not an EKS identity", snap.Context)
		return out
	}
	if cfg.APIVersion == diagnose.ExecAPIVersionV1Alpha {
		g.check.fail("exec plugin apiVersion %s: kubectl 1.24 and later refuse it", cfg.APIVersion)
	}
	env := ""
	if snap.Exec.Profile != "" {
		env = " (AWS_PROFILE=" + snap.Exec.Profile + ")"
	}
	res, err := kube.RunExec(ctx, cfg, server)
	out.facts.Ran = true
	if err != nil {
		out.execErr = err.Error()
		out.facts.Err = err.Error()
		g.check.fail("exec plugin %s %s%s: %v", cfg.Command, strings.Join(cfg.Args, " "), env, err)
		return out
	}
	g.check.ok("exec plugin %s %s%s gave a token", cfg.Command, strings.Join(cfg.Args, " "), env)
	info, err := awsapi.DecodeToken(res.Token, g.o.Now())
	t := out.facts
	t.AccessKeyID = awsapi.MaskAccessKeyID(info.AccessKeyID)
	t.Region, t.Date, t.Expires = info.Region, info.Date, info.Expires
	t.SignedHeaders, t.Size = info.SignedHeaders, info.Size
	if err != nil {
		t.Invalid = err.Error()
		g.check.fail("token: %v", err)
	} else {
		g.check.ok("token: signed by %s in %s at %s, %d bytes", t.AccessKeyID, info.Region, info.Date.Format(time.RFC3339), info.Size)
	}
	out.token = res.Token
	return out
}

func (g *gatherer) replay(ctx context.Context, cfg aws.Config, cfgErr error, token, cluster string) *diagnose.STS {
	s := &diagnose.STS{Step: diagnose.Step{Ran: true}}
	if cluster == "" {
		s.Ran, s.Skipped = false, "no cluster name: pass --cluster-name"
		g.check.warn("STS: not asked (no cluster name; pass --cluster-name)")
		return s
	}
	var client aws.HTTPClient = awshttp.NewBuildableClient()
	if cfgErr == nil && cfg.HTTPClient != nil {
		client = cfg.HTTPClient
	}
	id, err := awsapi.ReplayToken(ctx, client, token, cluster)
	if err != nil {
		s.Err = err.Error()
		var se *awsapi.STSError
		if errors.As(err, &se) {
			s.ErrorCode = se.Code
		}
		g.check.fail("STS refused the token for cluster %q: %v", cluster, err)
		return s
	}
	s.ARN, s.Account, s.UserID = id.ARN, id.Account, id.UserID
	g.check.ok("STS: the token stands for %s", id.ARN)
	return s
}

// shellIdentity is who `aws sts get-caller-identity` says you are in this
// shell, with the default AWS configuration.
func (g *gatherer) shellIdentity(ctx context.Context) string {
	cfg, err := g.o.AWSConfig(ctx, awsapi.ConfigOptions{Region: g.o.Region})
	if err != nil {
		return ""
	}
	out, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return ""
	}
	return aws.ToString(out.Arn)
}

func (g *gatherer) describe(ctx context.Context, cfg aws.Config, cfgErr error, name, server string) *diagnose.Cluster {
	c := &diagnose.Cluster{Name: name, KubeconfigServer: server}
	switch {
	case name == "":
		c.Skipped = "no cluster name (no exec plugin --cluster-name and no --cluster-name flag)"
		g.check.warn("EKS: cluster not described (no cluster name; pass --cluster-name)")
		return c
	case cfgErr != nil:
		c.Skipped = awsError(cfgErr, g.o.Profile).Error()
		g.check.warn("EKS: %s", c.Skipped)
		return c
	}
	c.Ran = true
	client := eks.NewFromConfig(cfg)
	cl, err := awsapi.DescribeCluster(ctx, client, name)
	if err != nil && awsapi.IsNotFound(err) && server != "" {
		// The name (from the exec plugin's args) is not a cluster here:
		// find the cluster kubectl really talks to by its endpoint. When
		// it is another name, the token is signed for the wrong one.
		if found, ok, ferr := awsapi.FindClusterByEndpoint(ctx, client, server); ferr == nil && ok {
			g.check.fail("EKS: no cluster %q; the kubeconfig server %s is the endpoint of cluster %s", name, server, found.Name)
			cl, err, c.Name = found, nil, found.Name
		}
	}
	if err != nil {
		c.Err = awsError(err, g.o.Profile).Error()
		g.check.fail("EKS DescribeCluster %s: %s", name, c.Err)
		return c
	}
	c.Region, c.ARN, c.Endpoint, c.AuthenticationMode, c.CreatorAdmin = cfg.Region, cl.ARN, cl.Endpoint, cl.AuthenticationMode, cl.CreatorAdmin
	g.check.ok("EKS: cluster %s, mode %s, endpoint %s", name, cl.AuthenticationMode, cl.Endpoint)
	return c
}

func (g *gatherer) awsAuth(ctx context.Context, kc *kubeContext) *diagnose.AWSAuth {
	a := &diagnose.AWSAuth{Step: diagnose.Step{Ran: true}, Source: "context " + kc.name}
	cm, err := kube.GetAWSAuth(ctx, kc.clients.CoreV1())
	switch {
	case apierrors.IsNotFound(err):
		a.Missing = true
		g.check.fail("aws-auth: configmap kube-system/aws-auth does not exist")
	case err != nil:
		a.Err = apiError(err, "context "+kc.name, "get").Error()
		g.check.warn("aws-auth: cannot read it: %s (use --admin-context)", a.Err)
	default:
		a.Map, a.Data = awsauth.Parse(cm.Data), cm.Data
		g.check.ok("aws-auth: %d entries read through context %s", len(a.Map.Entries), kc.name)
	}
	return a
}

func (g *gatherer) review(ctx context.Context, kc *kubeContext) *diagnose.Review {
	r := &diagnose.Review{Step: diagnose.Step{Ran: true}}
	u, err := kube.WhoAmI(ctx, kc.clients.AuthenticationV1())
	switch {
	case apierrors.IsUnauthorized(err):
		r.Unauthorized = true
		g.check.fail("the cluster answers 401 Unauthorized to your token")
	case err != nil:
		r.Err = firstLine(err.Error())
		g.check.warn("SelfSubjectReview: %s", r.Err)
	default:
		r.Username, r.Groups = u.Username, u.Groups
		g.check.ok("the cluster knows you as %q, groups [%s]", u.Username, strings.Join(u.Groups, ", "))
	}
	return r
}

func (g *gatherer) canI(ctx context.Context, kc *kubeContext) *diagnose.Access {
	o := g.o
	a := &diagnose.Access{Step: diagnose.Step{Ran: true}, Verb: o.Verb, Resource: o.Resource, Namespace: o.Namespace}
	allowed, reason, err := kube.CanI(ctx, kc.clients.AuthorizationV1(), kube.AccessQuery{Verb: o.Verb, Resource: o.Resource, Namespace: o.Namespace})
	if err != nil {
		a.Err = firstLine(err.Error())
		return a
	}
	a.Allowed, a.Reason = allowed, reason
	if allowed {
		g.check.ok("RBAC: you may %s %s in %s", o.Verb, o.Resource, o.Namespace)
	} else {
		g.check.fail("RBAC: you may not %s %s in %s", o.Verb, o.Resource, o.Namespace)
	}
	return a
}

// rbac asks, as admin, what the identity may do and which bindings name it.
func (g *gatherer) rbac(ctx context.Context, kc *kubeContext, prev *diagnose.Access, user string, groups []string, lists *future[bindingLists]) *diagnose.Access {
	o := g.o
	a := prev
	if a == nil {
		a = &diagnose.Access{Step: diagnose.Step{Ran: true}, Verb: o.Verb, Resource: o.Resource, Namespace: o.Namespace}
		allowed, reason, err := kube.CanUser(ctx, kc.clients.AuthorizationV1(), user, groups, nil, kube.AccessQuery{Verb: o.Verb, Resource: o.Resource, Namespace: o.Namespace})
		if err != nil {
			a.Err = firstLine(err.Error())
			g.check.warn("RBAC: cannot ask for %q: %s", user, a.Err)
		} else {
			a.Allowed, a.Reason = allowed, reason
			if allowed {
				g.check.ok("RBAC: %q may %s %s in %s", user, o.Verb, o.Resource, o.Namespace)
			} else {
				g.check.fail("RBAC: %q may not %s %s in %s", user, o.Verb, o.Resource, o.Namespace)
			}
		}
	}
	l := lists.get()
	if l.err != nil {
		g.check.warn("RBAC bindings: cannot list them: %s", firstLine(l.err.Error()))
		return a
	}
	// system:authenticated is everybody's: its bindings say nothing.
	a.Bindings = append(a.Bindings, l.bindingsFor(user, slices.DeleteFunc(slices.Clone(groups), func(g string) bool { return g == "system:authenticated" }))...)
	return a
}

// accessEntries describes the access entries, among the listed ones, that
// may be the principal's.
func (g *gatherer) accessEntries(ctx context.Context, cfg aws.Config, snap diagnose.Snapshot, arns []string, listErr error) *diagnose.AccessEntries {
	ae := &diagnose.AccessEntries{}
	switch {
	case snap.Cluster == nil || !snap.Cluster.Ran || snap.Cluster.Err != "":
		ae.Skipped = "the cluster could not be described"
		return ae
	case snap.Mode == diagnose.ModeConfigMap:
		ae.Skipped = "the cluster is in CONFIG_MAP mode: access entries do not apply"
		return ae
	case snap.Subject == "":
		ae.Skipped = "the principal is unknown"
		return ae
	}
	p, err := awsauth.Canonicalize(snap.Subject)
	if err != nil {
		ae.Skipped = err.Error()
		return ae
	}
	ae.Ran = true
	keep := func(arn string) bool {
		q, err := awsauth.Canonicalize(arn)
		// Entries carry the role path; STS canonical ARNs do not.
		return err == nil && q.Type == p.Type && strings.EqualFold(q.AccountID, p.AccountID) && strings.EqualFold(q.Name, p.Name) ||
			err == nil && p.Type == awsauth.PrincipalAssumedRole && q.Type == awsauth.PrincipalRole && strings.EqualFold(q.Name, p.Name) && q.AccountID == p.AccountID
	}
	var mine []string
	for _, a := range arns {
		if keep(a) {
			mine = append(mine, a)
		}
	}
	// When each principal was created (IAM), read beside the entries: an
	// entry older than its principal is stale (EKSA211).
	created := make([]time.Time, len(mine))
	createdErr := make([]error, len(mine))
	var wg sync.WaitGroup
	for i, a := range mine {
		wg.Add(1)
		go func() {
			defer wg.Done()
			created[i], createdErr[i] = awsapi.PrincipalCreated(ctx, iam.NewFromConfig(cfg), a)
		}()
	}
	entries, err := []awsapi.AccessEntry(nil), listErr
	if err == nil {
		entries, err = awsapi.DescribeAccessEntries(ctx, eks.NewFromConfig(cfg), snap.Cluster.Name, mine)
	}
	wg.Wait()
	for _, e := range createdErr {
		// A principal IAM does not know (deleted) is not an error here; a
		// refused or failed read means EKSA211 was not checked: say why.
		var api smithy.APIError
		if e != nil && !(errors.As(e, &api) && api.ErrorCode() == "NoSuchEntity") {
			g.check.warn("stale access entries not checked: %s", awsError(e, g.o.Profile))
			break
		}
	}
	if err != nil {
		ae.Err = awsError(err, g.o.Profile).Error()
		g.check.warn("access entries: %s", ae.Err)
		return ae
	}
	for _, e := range entries {
		d := diagnose.AccessEntry{PrincipalARN: e.PrincipalARN, Type: e.Type, Username: e.Username, KubernetesGroups: e.KubernetesGroups, CreatedAt: e.CreatedAt}
		if i := slices.Index(mine, e.PrincipalARN); i >= 0 {
			d.PrincipalCreatedAt = created[i]
		}
		for _, pol := range e.Policies {
			d.Policies = append(d.Policies, diagnose.AccessPolicy{PolicyARN: pol.PolicyARN, ScopeType: pol.ScopeType, Namespaces: pol.Namespaces})
		}
		ae.Entries = append(ae.Entries, d)
	}
	if len(entries) == 0 {
		g.check.warn("access entries: none for %s", p.Canonical)
	} else {
		g.check.ok("access entries: %d for %s", len(entries), p.Canonical)
	}
	return ae
}
