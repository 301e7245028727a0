// Package sandbox is a local stand-in for an EKS cluster and the AWS APIs
// around it, for end-to-end tests and `make demo`: a real kube-apiserver and
// etcd (envtest) whose token webhook verifies `k8s-aws-v1.` tokens against a
// local STS and maps callers with the real aws-iam-authenticator code, whose
// authorization webhook enforces EKS access policies, and local STS, EKS and
// IAM endpoints that the real aws-sdk-go-v2 clients reach through
// AWS_ENDPOINT_URL_* and AWS_CA_BUNDLE.
package sandbox

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/eksaccess/kubectl-eksaccess/test/sandbox/fakeaws"
	"github.com/eksaccess/kubectl-eksaccess/test/sandbox/webhook"
)

// The scenario's account, cluster and principals.
const (
	Account        = "111122223333"
	Region         = "us-east-1"
	ClusterName    = "sandbox"
	CreatorRole    = "arn:aws:iam::111122223333:role/eks-creator"
	PathRole       = "arn:aws:iam::111122223333:role/platform/platform-admin"
	NodeRole       = "arn:aws:iam::111122223333:role/eks-node"
	DesignatedUser = "arn:aws:iam::111122223333:user/designated_user"
	AssumeRoleUser = "arn:aws:iam::111122223333:user/assume_role_user"
	CreatorUser    = "arn:aws:iam::111122223333:user/cluster_creator"
	// AdminContext is a client-certificate system:masters context, for setup
	// only: it stands for nothing on EKS.
	AdminContext = "sandbox-admin"
)

// Personas are the kubeconfig contexts and AWS profiles, in order.
var Personas = []string{"cluster_creator", "designated_user", "assume_role_user", "creator_role", "platform_admin"}

// DefaultSeed is the scenario: three IAM users, a creator role that
// assume_role_user may assume, a role with a path, a node role, and one
// cluster created by the user cluster_creator (creator "user") or by the
// role eks-creator (creator "role").
func DefaultSeed(creator, mode string) (*fakeaws.Seed, error) {
	c := CreatorUser
	switch creator {
	case "", "user":
	case "role":
		c = CreatorRole
	default:
		return nil, fmt.Errorf("creator %q: want user or role", creator)
	}
	if mode == "" {
		mode = fakeaws.ModeConfigMap
	}
	return fakeaws.ParseSeed([]byte(fmt.Sprintf(`
account: %q
region: %s
users:
  - name: cluster_creator
  - name: designated_user
  - name: assume_role_user
roles:
  - name: eks-creator
    assumableBy: [%s]
  - name: platform-admin
    path: /platform/
    assumableBy: [%s]
  - name: eks-node
clusters:
  - name: %s
    creator: %s
    authenticationMode: %s
`, Account, Region, AssumeRoleUser, AssumeRoleUser, ClusterName, c, mode)))
}

// Options configure Start.
type Options struct {
	// Dir holds everything: kubeconfig, AWS files, CA, logs, pid files.
	Dir string
	// Assets is the directory of kube-apiserver and etcd (KUBEBUILDER_ASSETS).
	Assets string
	// Seed is the AWS state (default: DefaultSeed("user", "")).
	Seed *fakeaws.Seed
	// TokenCommand is the kubeconfig exec command and its first arguments;
	// "--cluster-name NAME" is appended. For example
	// ["/path/kubectl-eksaccess", "token"].
	TokenCommand []string
	// Latency is added to every AWS response and, through a proxy in front
	// of kube-apiserver that the kubeconfig and the EKS endpoint point at,
	// to every Kubernetes request.
	Latency time.Duration
	// Observe, when set, is told of every AWS request and, with a
	// latency, of every Kubernetes request through the proxy.
	Observe func(fakeaws.Call)
}

// Sandbox is a running sandbox.
type Sandbox struct {
	Dir            string
	Kubeconfig     string
	AWSConfig      string
	AWSCredentials string
	CAFile         string
	AuthnLog       string
	Cluster        string
	// Server is the kube-apiserver URL (the latency proxy's with a latency).
	Server string
	AWS    *fakeaws.Servers
	State  *fakeaws.State
	// Admin is a system:masters client config (setup only).
	Admin     *rest.Config
	Clientset *kubernetes.Clientset
	// PIDs of the processes started, by name (etcd, kube-apiserver).
	PIDs map[string]int

	env     *envtest.Environment
	logFile *os.File
	proxy   *latencyProxy
}

// Start starts the AWS endpoints, the webhooks, etcd and kube-apiserver, and
// writes the kubeconfig and AWS files into opts.Dir.
func Start(ctx context.Context, opts Options) (_ *Sandbox, err error) {
	if opts.Dir == "" || opts.Assets == "" || len(opts.TokenCommand) == 0 {
		return nil, errors.New("sandbox: Dir, Assets and TokenCommand are required")
	}
	if opts.Seed == nil {
		if opts.Seed, err = DefaultSeed("user", ""); err != nil {
			return nil, err
		}
	}
	if len(opts.Seed.Clusters) != 1 {
		return nil, errors.New("sandbox: the seed must have exactly one cluster (one kube-apiserver)")
	}
	if err := os.MkdirAll(opts.Dir, 0o700); err != nil {
		return nil, err
	}
	s := &Sandbox{
		Dir: opts.Dir, Cluster: opts.Seed.Clusters[0].Name, PIDs: map[string]int{},
		Kubeconfig: filepath.Join(opts.Dir, "kubeconfig"), AWSConfig: filepath.Join(opts.Dir, "aws-config"),
		AWSCredentials: filepath.Join(opts.Dir, "aws-credentials"), CAFile: filepath.Join(opts.Dir, "ca.pem"),
		AuthnLog: filepath.Join(opts.Dir, "authenticator.log"),
	}
	defer func() {
		if err != nil {
			_ = s.Stop()
		}
	}()
	if s.logFile, err = os.OpenFile(s.AuthnLog, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600); err != nil {
		return nil, err
	}
	logger := log.New(s.logFile, "", log.LstdFlags)

	ca, err := fakeaws.NewCA()
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(s.CAFile, ca.PEM, 0o600); err != nil {
		return nil, err
	}
	if s.State, err = fakeaws.NewState(opts.Seed); err != nil {
		return nil, err
	}
	if s.AWS, err = fakeaws.Start(s.State, ca, fakeaws.Options{Latency: opts.Latency, Log: logger, Observe: opts.Observe}); err != nil {
		return nil, err
	}
	stsURL, _ := url.Parse(s.AWS.STSURL)
	hook := &webhook.Handler{Cluster: s.Cluster, State: s.State, STSHost: stsURL.Host, HTTP: ca.Client(), Log: logger}
	hookURL, err := s.AWS.ServeTLS(hook)
	if err != nil {
		return nil, err
	}
	authnCfg, authzCfg := filepath.Join(opts.Dir, "authn-webhook.kubeconfig"), filepath.Join(opts.Dir, "authz-webhook.kubeconfig")
	for file, path := range map[string]string{authnCfg: "/authenticate", authzCfg: "/authorize"} {
		if err := writeWebhookConfig(file, hookURL+path, ca.PEM); err != nil {
			return nil, err
		}
	}

	s.env = &envtest.Environment{BinaryAssetsDirectory: opts.Assets, ControlPlaneStartTimeout: 2 * time.Minute, ControlPlaneStopTimeout: 30 * time.Second}
	s.env.ControlPlane.Etcd = &envtest.Etcd{DataDir: filepath.Join(opts.Dir, "etcd")}
	api := &envtest.APIServer{CertDir: filepath.Join(opts.Dir, "apiserver")}
	s.env.ControlPlane.APIServer = api
	for _, d := range []string{api.CertDir, s.env.ControlPlane.Etcd.DataDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, err
		}
	}
	args := api.Configure()
	args.Set("authentication-token-webhook-config-file", authnCfg)
	args.Set("authentication-token-webhook-version", "v1")
	// Real tokens differ per call anyway; no cache keeps the story exact.
	args.Set("authentication-token-webhook-cache-ttl", "0s")
	args.Set("authorization-mode", "RBAC,Webhook")
	args.Set("authorization-webhook-config-file", authzCfg)
	args.Set("authorization-webhook-version", "v1")
	args.Set("authorization-webhook-cache-authorized-ttl", "0s")
	args.Set("authorization-webhook-cache-unauthorized-ttl", "0s")
	if s.Admin, err = s.env.Start(); err != nil {
		return nil, fmt.Errorf("starting kube-apiserver and etcd from %s: %w", opts.Assets, err)
	}
	s.recordPIDs()
	if s.Clientset, err = kubernetes.NewForConfig(s.Admin); err != nil {
		return nil, err
	}
	hook.ConfigMaps = s.Clientset.CoreV1()
	s.Server = s.Admin.Host
	if !strings.Contains(s.Server, "://") {
		s.Server = "https://" + s.Server
	}
	if opts.Latency > 0 {
		if s.proxy, err = startLatencyProxy(s.Server, s.Admin, api.CertDir, opts.Latency, opts.Observe); err != nil {
			return nil, err
		}
		s.Server = s.proxy.URL
	}
	// EKS endpoints have no trailing slash (https://ABC.gr7.REGION.eks.amazonaws.com).
	s.Server = strings.TrimRight(s.Server, "/")
	if err := s.State.SetClusterEndpoint(s.Cluster, s.Server, base64.StdEncoding.EncodeToString(s.Admin.CAData)); err != nil {
		return nil, err
	}
	if err := s.seedCluster(ctx, opts.Seed.Clusters[0]); err != nil {
		return nil, fmt.Errorf("seeding the cluster: %w", err)
	}
	if err := s.writeAWSFiles(); err != nil {
		return nil, err
	}
	if err := s.writeKubeconfig(opts.TokenCommand); err != nil {
		return nil, err
	}
	return s, nil
}

// Stop stops what Start started.
func (s *Sandbox) Stop() error {
	var errs []error
	if s.proxy != nil {
		errs = append(errs, s.proxy.Close(context.Background()))
	}
	if s.env != nil {
		errs = append(errs, s.env.Stop())
	}
	if s.AWS != nil {
		errs = append(errs, s.AWS.Close(context.Background()))
	}
	if s.logFile != nil {
		errs = append(errs, s.logFile.Close())
	}
	return errors.Join(errs...)
}

// Env is the environment that points AWS tools and kubectl at the sandbox.
func (s *Sandbox) Env() []string {
	return []string{
		"KUBECONFIG=" + s.Kubeconfig,
		"AWS_CONFIG_FILE=" + s.AWSConfig,
		"AWS_SHARED_CREDENTIALS_FILE=" + s.AWSCredentials,
		"AWS_CA_BUNDLE=" + s.CAFile,
		"AWS_ENDPOINT_URL_STS=" + s.AWS.STSURL,
		"AWS_ENDPOINT_URL_EKS=" + s.AWS.EKSURL,
		"AWS_ENDPOINT_URL_IAM=" + s.AWS.IAMURL,
		"AWS_REGION=" + s.State.Region,
		"AWS_EC2_METADATA_DISABLED=true",
	}
}

func writeWebhookConfig(file, server string, caPEM []byte) error {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["webhook"] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: caPEM}
	cfg.AuthInfos["kube-apiserver"] = &clientcmdapi.AuthInfo{}
	cfg.Contexts["webhook"] = &clientcmdapi.Context{Cluster: "webhook", AuthInfo: "kube-apiserver"}
	cfg.CurrentContext = "webhook"
	return clientcmd.WriteToFile(*cfg, file)
}

// recordPIDs writes a pid file for each child process (etcd,
// kube-apiserver), so that `down` can stop exactly those if this process
// dies first.
func (s *Sandbox) recordPIDs() {
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", os.Getpid()))
	for _, t := range tasks {
		b, _ := os.ReadFile(t)
		for _, f := range strings.Fields(string(b)) {
			comm, err := os.ReadFile("/proc/" + f + "/comm")
			if err != nil {
				continue
			}
			name := strings.TrimSpace(string(comm))
			if name != "etcd" && name != "kube-apiserver" {
				continue
			}
			var pid int
			if _, err := fmt.Sscan(f, &pid); err == nil {
				s.PIDs[name] = pid
				_ = os.WriteFile(filepath.Join(s.Dir, name+".pid"), []byte(f+"\n"), 0o600)
			}
		}
	}
}

// AWSAuth is the aws-auth EKS leaves after a managed node group: the node role.
const AWSAuth = `- rolearn: arn:aws:iam::111122223333:role/eks-node
  username: system:node:{{EC2PrivateDNSName}}
  groups:
    - system:bootstrappers
    - system:nodes
`

// ViewerGroup is bound to a read-only ClusterRole; other groups are bound to
// nothing (kube-controller-manager does not run, so the built-in view, edit
// and admin ClusterRoles have no rules).
const ViewerGroup = "viewers"

// seedCluster writes aws-auth (the node role, and each managed node
// group's role as EKS maps it unless the cluster is in API mode), RBAC, a
// service account and a pod.
func (s *Sandbox) seedCluster(ctx context.Context, c fakeaws.SeedCluster) error {
	cs := s.Clientset
	mapRoles := AWSAuth
	if c.AuthenticationMode != fakeaws.ModeAPI {
		for _, ng := range c.NodeGroups {
			mapRoles += "- rolearn: " + ng + "\n  username: system:node:{{EC2PrivateDNSName}}\n  groups:\n    - system:bootstrappers\n    - system:nodes\n"
		}
	}
	if _, err := cs.CoreV1().ConfigMaps("kube-system").Create(ctx, &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "aws-auth", Namespace: "kube-system"},
		Data:       map[string]string{"mapRoles": mapRoles},
	}, metav1.CreateOptions{}); err != nil {
		return err
	}
	if _, err := cs.RbacV1().ClusterRoles().Create(ctx, &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{Name: "eksaccess-sandbox:viewer"},
		Rules:      []rbacv1.PolicyRule{{APIGroups: []string{"", "apps"}, Resources: []string{"pods", "services", "configmaps", "deployments", "namespaces"}, Verbs: []string{"get", "list", "watch"}}},
	}, metav1.CreateOptions{}); err != nil {
		return err
	}
	if _, err := cs.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "eksaccess-sandbox:viewers"},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "eksaccess-sandbox:viewer"},
		Subjects:   []rbacv1.Subject{{Kind: "Group", APIGroup: "rbac.authorization.k8s.io", Name: ViewerGroup}},
	}, metav1.CreateOptions{}); err != nil {
		return err
	}
	if _, err := cs.CoreV1().ServiceAccounts("default").Create(ctx, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "default"}}, metav1.CreateOptions{}); err != nil {
		return err
	}
	no := false
	_, err := cs.CoreV1().Pods("default").Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", Labels: map[string]string{"app": "web"}},
		Spec:       corev1.PodSpec{AutomountServiceAccountToken: &no, Containers: []corev1.Container{{Name: "web", Image: "nginx"}}},
	}, metav1.CreateOptions{})
	return err
}

// profiles describes each persona's AWS profile.
func profiles(region string) map[string]string {
	out := map[string]string{}
	for _, u := range []string{"cluster_creator", "designated_user", "assume_role_user"} {
		out[u] = fmt.Sprintf("[profile %s]\nregion = %s\n", u, region)
	}
	out["creator_role"] = fmt.Sprintf("[profile creator_role]\nregion = %s\nrole_arn = %s\nsource_profile = assume_role_user\nrole_session_name = assume_role_user\n", region, CreatorRole)
	out["platform_admin"] = fmt.Sprintf("[profile platform_admin]\nregion = %s\nrole_arn = %s\nsource_profile = assume_role_user\nrole_session_name = assume_role_user\n", region, PathRole)
	return out
}

func (s *Sandbox) writeAWSFiles() error { return WriteAWSFiles(s.State, s.AWSConfig, s.AWSCredentials) }

// WriteAWSFiles writes the AWS config (a profile per persona) and the
// shared credentials (every IAM user's key) of a state.
func WriteAWSFiles(st *fakeaws.State, configFile, credentialsFile string) error {
	var cfg, creds strings.Builder
	ps := profiles(st.Region)
	for _, p := range Personas {
		cfg.WriteString(ps[p] + "\n")
	}
	users := st.Users()
	sort.Slice(users, func(i, j int) bool { return users[i].Name < users[j].Name })
	for _, u := range users {
		fmt.Fprintf(&creds, "[%s]\naws_access_key_id = %s\naws_secret_access_key = %s\n\n", u.Name, u.AccessKeyID, u.Secret)
	}
	if err := os.WriteFile(configFile, []byte(cfg.String()), 0o600); err != nil {
		return err
	}
	return os.WriteFile(credentialsFile, []byte(creds.String()), 0o600)
}

func (s *Sandbox) writeKubeconfig(command []string) error {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters[s.Cluster] = &clientcmdapi.Cluster{Server: s.Server, CertificateAuthorityData: s.Admin.CAData}
	for _, p := range Personas {
		cfg.AuthInfos[p] = &clientcmdapi.AuthInfo{Exec: &clientcmdapi.ExecConfig{
			APIVersion: "client.authentication.k8s.io/v1beta1",
			Command:    command[0],
			Args:       append(append([]string(nil), command[1:]...), "--cluster-name", s.Cluster),
			Env: []clientcmdapi.ExecEnvVar{
				{Name: "AWS_PROFILE", Value: p},
				{Name: "AWS_CONFIG_FILE", Value: s.AWSConfig},
				{Name: "AWS_SHARED_CREDENTIALS_FILE", Value: s.AWSCredentials},
				{Name: "AWS_ENDPOINT_URL_STS", Value: s.AWS.STSURL},
				{Name: "AWS_CA_BUNDLE", Value: s.CAFile},
				{Name: "AWS_EC2_METADATA_DISABLED", Value: "true"},
			},
			InteractiveMode: clientcmdapi.NeverExecInteractiveMode,
		}}
		cfg.Contexts[p] = &clientcmdapi.Context{Cluster: s.Cluster, AuthInfo: p, Namespace: "default"}
	}
	admin, err := s.env.AddUser(envtest.User{Name: AdminContext, Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return err
	}
	ab, err := admin.KubeConfig()
	if err != nil {
		return err
	}
	ac, err := clientcmd.Load(ab)
	if err != nil {
		return err
	}
	for _, ai := range ac.AuthInfos {
		cfg.AuthInfos[AdminContext] = ai
	}
	cfg.Contexts[AdminContext] = &clientcmdapi.Context{Cluster: s.Cluster, AuthInfo: AdminContext, Namespace: "default"}
	cfg.CurrentContext = "cluster_creator"
	return clientcmd.WriteToFile(*cfg, s.Kubeconfig)
}

// HasTokenVerb reports whether the plugin binary has a `token` verb.
func HasTokenVerb(plugin string) bool {
	if plugin == "" {
		return false
	}
	out, err := exec.Command(plugin, "token", "--help").CombinedOutput()
	return err == nil && strings.Contains(string(out), "--cluster-name")
}

// IAM Identity Center (SSO) permission sets as the sandbox seeds them
// (WithSSORoles): IAM Identity Center makes a role
// AWSReservedSSO_<PermissionSet>_<16 hex> under
// /aws-reserved/sso.amazonaws.com/, with a region segment for the newer
// ones (/aws-reserved/sso.amazonaws.com/eu-west-1/).
const (
	// SSOAdmin has one role, without a region segment.
	SSOAdmin     = "AdministratorAccess"
	SSOAdminRole = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_AdministratorAccess_0a1b2c3d4e5f6789"
	// SSOReadOnly has one role, with a region segment.
	SSOReadOnly     = "ReadOnlyAccess"
	SSOReadOnlyRole = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_ReadOnlyAccess_89abcdef01234567"
	// SSOPowerUser has two roles (assigned from two regions' instances).
	SSOPowerUser       = "PowerUserAccess"
	SSOPowerUserRoleEU = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_PowerUserAccess_1111aaaa2222bbbb"
	SSOPowerUserRoleUS = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/us-east-1/AWSReservedSSO_PowerUserAccess_3333cccc4444dddd"
	// SSOBilling has no role: only a look-alike outside the SSO path.
	SSOBilling = "Billing"
	// SSOAdminShort is a permission set whose name is a prefix of
	// SSOAdmin's: resolving it must not pick AdministratorAccess.
	SSOAdminShort     = "Admin"
	SSOAdminShortRole = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Admin_5555eeee6666ffff"
)

// WithSSORoles adds the SSO permission-set roles above to the seed, and
// AWSReservedSSO_Billing_... at path / (not an SSO role: IAM Identity
// Center never makes one there).
func WithSSORoles(seed *fakeaws.Seed) *fakeaws.Seed {
	for _, arn := range []string{SSOAdminRole, SSOReadOnlyRole, SSOPowerUserRoleEU, SSOPowerUserRoleUS, SSOAdminShortRole} {
		i := strings.Index(arn, ":role/") + len(":role")
		j := strings.LastIndex(arn, "/")
		seed.Roles = append(seed.Roles, fakeaws.SeedRole{Name: arn[j+1:], Path: arn[i : j+1]})
	}
	seed.Roles = append(seed.Roles, fakeaws.SeedRole{Name: "AWSReservedSSO_Billing_7777aaaa8888bbbb"})
	return seed
}

// Roles for each access-entry type, seeded by WithNodeRoles.
const (
	FargateRole   = "arn:aws:iam::111122223333:role/eks-fargate-pods"
	WindowsRole   = "arn:aws:iam::111122223333:role/eks-windows-node"
	AutoModeRole  = "arn:aws:iam::111122223333:role/eks-auto-node"
	HybridRole    = "arn:aws:iam::111122223333:role/eks-hybrid-node"
	HyperPodRole  = "arn:aws:iam::111122223333:role/eks-hyperpod-node"
	ManagedNGRole = "arn:aws:iam::111122223333:role/eks-managed-ng"
	// OtherAccountRole is a role of another account: a STANDARD entry may
	// name it, a node type may not.
	OtherAccountRole = "arn:aws:iam::444455556666:role/partner-node"
	// ServiceLinkedRole is EKS's service-linked role: no access entry may
	// name it.
	ServiceLinkedRole = "arn:aws:iam::111122223333:role/aws-service-role/eks.amazonaws.com/AWSServiceRoleForAmazonEKS"
)

// WithNodeRoles adds a role per node type, a managed node group role, a
// role of another account and a service-linked role to the seed. With
// managedNodeGroup, the seed's cluster gets a managed node group of
// ManagedNGRole, whose EC2_LINUX access entry EKS makes itself.
func WithNodeRoles(seed *fakeaws.Seed, managedNodeGroup bool) *fakeaws.Seed {
	for _, arn := range []string{FargateRole, WindowsRole, AutoModeRole, HybridRole, HyperPodRole, ManagedNGRole} {
		seed.Roles = append(seed.Roles, fakeaws.SeedRole{Name: arn[strings.LastIndex(arn, "/")+1:]})
	}
	seed.Roles = append(seed.Roles,
		fakeaws.SeedRole{Name: "partner-node", Account: "444455556666"},
		fakeaws.SeedRole{Name: "AWSServiceRoleForAmazonEKS", Path: "/aws-service-role/eks.amazonaws.com/"})
	if managedNodeGroup {
		for i := range seed.Clusters {
			seed.Clusters[i].NodeGroups = append(seed.Clusters[i].NodeGroups, ManagedNGRole)
		}
	}
	return seed
}
