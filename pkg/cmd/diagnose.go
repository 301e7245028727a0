package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awseks "github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/eksaccess/kubectl-eksaccess/pkg/awsauth"
	"github.com/eksaccess/kubectl-eksaccess/pkg/diagnose"
	"github.com/eksaccess/kubectl-eksaccess/pkg/eks"
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

	// Filled by Complete unless a test set them first.
	Now      func() time.Time
	Terminal func() bool
	// AWSConfig loads the AWS configuration for a profile and region.
	AWSConfig func(ctx context.Context, o eks.ConfigOptions) (aws.Config, error)
}

// NewCmdDiagnose builds `kubectl eksaccess diagnose`.
func NewCmdDiagnose(flags *genericclioptions.ConfigFlags, streams genericiooptions.IOStreams) *cobra.Command {
	o := &DiagnoseOptions{IOStreams: streams, configFlags: flags}
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
or forbidden, 2 when the diagnosis itself could not run.`,
		Example: `  # Why does kubectl say Unauthorized?
  kubectl eksaccess diagnose

  # Would this role get in, and with which groups? (read the cluster as admin)
  kubectl eksaccess diagnose --arn arn:aws:iam::111122223333:role/Developer --admin-context admin

  # Offline, from a file
  kubectl eksaccess diagnose --arn arn:aws:iam::111122223333:user/alice -f aws-auth.yaml --mode CONFIG_MAP`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Validate(); err != nil {
				return &ExitError{Code: 2, Err: err}
			}
			o.Complete()
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
	return nil
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
		o.AWSConfig = eks.LoadConfig
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
	clients *kubernetes.Clientset
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
	if kc.config, err = loader.ClientConfig(); err != nil {
		return nil, kubeconfigError(err)
	}
	if kc.clients, err = kubernetes.NewForConfig(kc.config); err != nil {
		return nil, kubeconfigError(err)
	}
	return kc, nil
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
	awsOpts := eks.ConfigOptions{Profile: o.Profile, Region: o.Region}
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

	var token string
	if snap.AsMyself {
		token = g.runExec(ctx, &snap, execCfg, user.server)
	}

	var awsCfg aws.Config
	var awsErr error
	if clusterName != "" || token != "" {
		awsCfg, awsErr = o.AWSConfig(ctx, awsOpts)
	}
	// Independent calls run at once; each writes only its own variable.
	var (
		wg       sync.WaitGroup
		stsFacts *diagnose.STS
		shellARN string
	)
	do := func(f func()) {
		wg.Add(1)
		go func() { defer wg.Done(); f() }()
	}
	if token != "" {
		do(func() { stsFacts = g.replay(ctx, awsCfg, awsErr, token, clusterName) })
		do(func() { shellARN = g.shellIdentity(ctx) })
		do(func() { snap.Review = g.review(ctx, user) })
		do(func() { snap.Access = g.canI(ctx, user) })
	}
	do(func() { snap.Cluster = g.describe(ctx, awsCfg, awsErr, clusterName, user.server) })
	do(func() { snap.AWSAuth = g.awsAuth(ctx, admin) })
	wg.Wait()
	if stsFacts != nil {
		stsFacts.ShellARN = shellARN
		snap.STS = stsFacts
	}

	if snap.Subject == "" && snap.STS != nil {
		snap.Subject = snap.STS.ARN
	}
	if snap.Mode == "" && snap.Cluster != nil {
		snap.Mode = snap.Cluster.AuthenticationMode
	}
	snap.AccessEntries = g.accessEntries(ctx, awsCfg, awsErr, snap)

	// RBAC: who the cluster thinks the identity is decides what to ask.
	pre := diagnose.Diagnose(snap)
	if pre.Authenticated && (snap.Access == nil || !snap.Access.Allowed) {
		snap.Access = g.rbac(ctx, admin, snap.Access, pre.Username, pre.Groups)
	}
	return snap, nil
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
	e.RoleARN = kube.ExecArg(cfg.Args, "--role-arn", "-r")
	e.Profile = kube.ExecArg(cfg.Args, "--profile")
	if e.Profile == "" {
		e.Profile = kube.ExecEnv(cfg, "AWS_PROFILE")
	}
	if e.Region == "" {
		e.Region = kube.ExecEnv(cfg, "AWS_REGION")
	}
	return e
}

func (g *gatherer) runExec(ctx context.Context, snap *diagnose.Snapshot, cfg *clientcmdapi.ExecConfig, server string) string {
	snap.Token = &diagnose.Token{}
	if cfg == nil {
		snap.Token.Skipped = "the kubeconfig user has no exec plugin (not an EKS token user)"
		g.check.warn("exec plugin: none for context %s: not an EKS identity", snap.Context)
		return ""
	}
	if cfg.APIVersion == diagnose.ExecAPIVersionV1Alpha {
		g.check.fail("exec plugin apiVersion %s: kubectl 1.24 and later refuse it", cfg.APIVersion)
	}
	env := ""
	if snap.Exec.Profile != "" {
		env = " (AWS_PROFILE=" + snap.Exec.Profile + ")"
	}
	res, err := kube.RunExec(ctx, cfg, server)
	snap.Token.Ran = true
	if err != nil {
		snap.Exec.Err = err.Error()
		snap.Token.Err = err.Error()
		g.check.fail("exec plugin %s %s%s: %v", cfg.Command, strings.Join(cfg.Args, " "), env, err)
		return ""
	}
	g.check.ok("exec plugin %s %s%s gave a token", cfg.Command, strings.Join(cfg.Args, " "), env)
	info, err := eks.DecodeToken(res.Token, g.o.Now())
	snap.Token.AccessKeyID = eks.MaskAccessKeyID(info.AccessKeyID)
	snap.Token.Region, snap.Token.Date, snap.Token.Expires = info.Region, info.Date, info.Expires
	snap.Token.SignedHeaders, snap.Token.Size = info.SignedHeaders, info.Size
	if err != nil {
		snap.Token.Invalid = err.Error()
		g.check.fail("token: %v", err)
	} else {
		g.check.ok("token: signed by %s in %s at %s, %d bytes", snap.Token.AccessKeyID, info.Region, info.Date.Format(time.RFC3339), info.Size)
	}
	return res.Token
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
	id, err := eks.ReplayToken(ctx, client, token, cluster)
	if err != nil {
		s.Err = err.Error()
		var se *eks.STSError
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
	cfg, err := g.o.AWSConfig(ctx, eks.ConfigOptions{Region: g.o.Region})
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
	cl, err := eks.DescribeCluster(ctx, awseks.NewFromConfig(cfg), name)
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
func (g *gatherer) rbac(ctx context.Context, kc *kubeContext, prev *diagnose.Access, user string, groups []string) *diagnose.Access {
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
	bs, err := kube.BindingsFor(ctx, kc.clients.RbacV1(), user, groups)
	if err != nil {
		g.check.warn("RBAC bindings: cannot list them: %s", firstLine(err.Error()))
		return a
	}
	for _, b := range bs {
		a.Bindings = append(a.Bindings, diagnose.Binding{Kind: b.Kind, Name: b.Name, Namespace: b.Namespace, Role: b.Role, Subject: b.Subject})
	}
	return a
}

func (g *gatherer) accessEntries(ctx context.Context, cfg aws.Config, cfgErr error, snap diagnose.Snapshot) *diagnose.AccessEntries {
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
	entries, err := eks.AccessEntries(ctx, awseks.NewFromConfig(cfg), snap.Cluster.Name, keep)
	if err != nil {
		ae.Err = awsError(err, g.o.Profile).Error()
		g.check.warn("access entries: %s", ae.Err)
		return ae
	}
	for _, e := range entries {
		d := diagnose.AccessEntry{PrincipalARN: e.PrincipalARN, Type: e.Type, Username: e.Username, KubernetesGroups: e.KubernetesGroups, CreatedAt: e.CreatedAt}
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
