package sandbox_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/eksaccess/kubectl-eksaccess/test/internal/e2eenv"
	"github.com/eksaccess/kubectl-eksaccess/test/sandbox"
	"github.com/eksaccess/kubectl-eksaccess/test/sandbox/awstoken"
)

const (
	unauthorized     = "error: You must be logged in to the server (Unauthorized)\n"
	unauthorizedCold = "error: You must be logged in to the server (the server has asked for the client to provide credentials)\n"
)

// need skips the test (fails it with EKSACCESS_E2E=required) without the
// control plane, kubectl or the plugin.
func need(t *testing.T) (assets, kubectl, plugin string) {
	t.Helper()
	assets = e2eenv.Env(t, "KUBEBUILDER_ASSETS", "run the tests with 'make test-e2e', which builds kube-apiserver and etcd with hack/testbin.sh")
	kubectl = e2eenv.Tool(t, "kubectl", "'make test-e2e' puts the one hack/testbin.sh builds on PATH")
	plugin = needPlugin(t)
	return assets, kubectl, plugin
}

var (
	fallbackOnce sync.Once
	fallbackBin  string
	fallbackErr  error
)

// tokenCommand is the plugin's token verb, or eks-sandbox token until the
// plugin has one.
func tokenCommand(t *testing.T, plugin string) []string {
	if sandbox.HasTokenVerb(plugin) {
		return []string{plugin, "token"}
	}
	fallbackOnce.Do(func() {
		dir, err := os.MkdirTemp("", "eks-sandbox-bin-")
		if err != nil {
			fallbackErr = err
			return
		}
		fallbackBin = filepath.Join(dir, "eks-sandbox")
		out, err := exec.Command("go", "build", "-o", fallbackBin, "./cmd/eks-sandbox").CombinedOutput()
		if err != nil {
			fallbackErr = errors.New(string(out))
		}
	})
	if fallbackErr != nil {
		t.Fatal(fallbackErr)
	}
	return []string{fallbackBin, "token"}
}

type harness struct {
	t       *testing.T
	sb      *sandbox.Sandbox
	kubectl string
	env     []string
}

func start(t *testing.T, creator, mode string) *harness {
	t.Helper()
	seed, err := sandbox.DefaultSeed(creator, mode)
	if err != nil {
		t.Fatal(err)
	}
	return startSeed(t, seed)
}

// run runs kubectl and returns its output without discovery noise; the
// exit status must be wantRC.
func (h *harness) run(wantRC int, args ...string) string {
	h.t.Helper()
	got, rc := h.output(args...)
	if rc != wantRC {
		h.t.Fatalf("kubectl %s: exit %d, want %d; output:\n%s", strings.Join(args, " "), rc, wantRC, got)
	}
	return got
}

// exitCode is the exit status of a command that ran; err is returned when
// it could not run at all.
func exitCode(err error) (int, error) {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), nil
	}
	return 0, err
}

func (h *harness) expect(want string, wantRC int, args ...string) {
	h.t.Helper()
	if got := h.run(wantRC, args...); got != want {
		h.t.Errorf("kubectl %s:\n got: %q\nwant: %q", strings.Join(args, " "), got, want)
	}
}

func (h *harness) contains(want string, wantRC int, args ...string) string {
	h.t.Helper()
	got := h.run(wantRC, args...)
	if !strings.Contains(got, want) {
		h.t.Errorf("kubectl %s: output lacks %q:\n%s", strings.Join(args, " "), want, got)
	}
	return got
}

// warm fills kubectl's discovery cache, as any earlier use does.
func (h *harness) warm() { h.run(0, "--context", sandbox.AdminContext, "api-resources") }

const pods = "NAME   READY   STATUS    RESTARTS   AGE\n"

// listsPods polls until context lists the pod: kube-apiserver caches a
// successful authentication for a while, and a token is the same for every
// call within one second, so a mapping change shows from the next token on.
func (h *harness) listsPods(context string) {
	h.t.Helper()
	h.eventually(pods+"web    0/1     Pending", 0, "--context", context, "get", "pods")
}

// eventually retries kubectl for 15 s until its exit status and output match.
func (h *harness) eventually(want string, wantRC int, args ...string) {
	h.t.Helper()
	poll(h.t, 15*time.Second, func() string {
		out, rc := h.output(args...)
		if rc == wantRC && strings.Contains(out, want) {
			return ""
		}
		return fmt.Sprintf("kubectl %s: still exit %d (want %d) and output without %q:\n%s", strings.Join(args, " "), rc, wantRC, want, out)
	})
}

// Part (a) of the demo: the creator is an IAM user.
func TestStoryCreatorIsUser(t *testing.T) {
	h := start(t, "user", "")
	// With a cold discovery cache kubectl words the 401 differently.
	h.expect(unauthorizedCold, 1, "--context", "designated_user", "get", "pods")
	h.warm()
	h.listsPods("cluster_creator")
	h.expect(unauthorized, 1, "--context", "designated_user", "get", "pods")
	diff := h.contains("+- userarn: arn:aws:iam::111122223333:user/designated_user\n+  username: designated_user\n+  groups:\n+    - system:masters\n", 0,
		"eksaccess", "--context", "cluster_creator", "add", sandbox.DesignatedUser, "--group", "system:masters", "--dry-run")
	if !strings.Contains(diff, "not written (dry run)") {
		t.Errorf("dry run does not say so:\n%s", diff)
	}
	h.expect(unauthorized, 1, "--context", "designated_user", "get", "pods")
	h.run(0, "eksaccess", "--context", "cluster_creator", "add", sandbox.DesignatedUser, "--group", "system:masters", "--yes")
	h.listsPods("designated_user")
	// The creator role means nothing on this cluster.
	h.expect(unauthorized, 1, "--context", "creator_role", "get", "pods")
}

// Part (b): the creator is an IAM role, reached by assuming it; plus a role
// path mapped the wrong way, and a group bound to nothing.
func TestStoryCreatorIsRole(t *testing.T) {
	h := start(t, "role", "")
	h.warm()
	h.expect(unauthorized, 1, "--context", "assume_role_user", "get", "pods")
	h.expect(unauthorized, 1, "--context", "cluster_creator", "get", "pods")
	h.listsPods("creator_role")
	h.expect(unauthorized, 1, "--context", "designated_user", "get", "pods")
	h.run(0, "eksaccess", "--context", "creator_role", "add", sandbox.DesignatedUser, "--group", "system:masters", "--yes")
	h.listsPods("designated_user")

	t.Run("role path", func(t *testing.T) {
		h := *h
		h.t = t
		patch := filepath.Join(t.TempDir(), "patch.yaml")
		body := "data:\n  mapRoles: |\n" + indent(sandbox.AWSAuth+"- rolearn: "+sandbox.PathRole+"\n  username: platform-admin\n  groups:\n    - system:masters\n", "    ")
		if err := os.WriteFile(patch, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		h.expect("configmap/aws-auth patched\n", 0, "--context", "creator_role", "-n", "kube-system", "patch", "configmap", "aws-auth", "--type", "merge", "--patch-file", patch)
		h.expect(unauthorized, 1, "--context", "platform_admin", "get", "pods")
		h.contains("error EKSA107", 1, "eksaccess", "--context", "creator_role", "lint")
		h.run(0, "eksaccess", "--context", "creator_role", "add", sandbox.PathRole, "--username", "platform-admin", "--group", "system:masters", "--yes")
		h.listsPods("platform_admin")
	})
	t.Run("group without binding", func(t *testing.T) {
		h := *h
		h.t = t
		h.run(0, "eksaccess", "--context", "creator_role", "add", sandbox.AssumeRoleUser, "--group", "developers", "--yes")
		h.expect("Error from server (Forbidden): pods is forbidden: User \"assume_role_user\" cannot list resource \"pods\" in API group \"\" in the namespace \"default\"\n", 1,
			"--context", "assume_role_user", "get", "pods")
		h.run(0, "eksaccess", "--context", "creator_role", "add", sandbox.AssumeRoleUser, "--group", sandbox.ViewerGroup, "--yes")
		h.listsPods("assume_role_user")
	})
}

func indent(s, p string) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(s, "\n") {
		if l != "" {
			b.WriteString(p + l)
		}
	}
	return b.String()
}

// sdk is an AWS config for a profile of the sandbox, through the
// environment only.
func (h *harness) sdk(profile string) aws.Config {
	h.t.Helper()
	for _, kv := range h.sb.Env() {
		k, v, _ := strings.Cut(kv, "=")
		h.t.Setenv(k, v)
	}
	h.t.Setenv("AWS_PROFILE", profile)
	cfg, err := config.LoadDefaultConfig(context.Background())
	if err != nil {
		h.t.Fatal(err)
	}
	return cfg
}

// Access entries: API_AND_CONFIG_MAP mode, entries and policies made with
// the real EKS client, enforced by the webhooks.
func TestAccessEntries(t *testing.T) {
	h := start(t, "user", "API_AND_CONFIG_MAP")
	h.warm()
	ctx := context.Background()
	c := eks.NewFromConfig(h.sdk("cluster_creator"))
	cl, err := c.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String(sandbox.ClusterName)})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(cl.Cluster.Endpoint) != h.sb.Server {
		t.Errorf("DescribeCluster endpoint = %s, want %s", aws.ToString(cl.Cluster.Endpoint), h.sb.Server)
	}
	// The creator's bootstrap entry (AmazonEKSClusterAdminPolicy) lets it in.
	h.listsPods("cluster_creator")
	h.expect(unauthorized, 1, "--context", "designated_user", "get", "pods")
	if _, err := c.CreateAccessEntry(ctx, &eks.CreateAccessEntryInput{ClusterName: aws.String(sandbox.ClusterName), PrincipalArn: aws.String(sandbox.DesignatedUser)}); err != nil {
		t.Fatal(err)
	}
	// An entry without a policy or a bound group: authenticated, Forbidden.
	h.contains(`Error from server (Forbidden): pods is forbidden: User "arn:aws:iam::111122223333:user/designated_user" cannot list resource "pods"`, 1, "--context", "designated_user", "get", "pods")
	if _, err := c.AssociateAccessPolicy(ctx, &eks.AssociateAccessPolicyInput{ClusterName: aws.String(sandbox.ClusterName), PrincipalArn: aws.String(sandbox.DesignatedUser),
		PolicyArn:   aws.String("arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"),
		AccessScope: &ekstypes.AccessScope{Type: ekstypes.AccessScopeTypeNamespace, Namespaces: []string{"default"}}}); err != nil {
		t.Fatal(err)
	}
	h.listsPods("designated_user")
	h.contains(`Error from server (Forbidden): pods is forbidden: User "arn:aws:iam::111122223333:user/designated_user" cannot list resource "pods" in API group "" in the namespace "kube-system"`, 1,
		"--context", "designated_user", "-n", "kube-system", "get", "pods")
	h.contains(`cannot delete resource "pods"`, 1, "--context", "designated_user", "delete", "pod", "web")

	// aws-auth still counts in API_AND_CONFIG_MAP, not in API.
	h.run(0, "eksaccess", "--context", "cluster_creator", "add", sandbox.CreatorRole, "--group", "system:masters", "--yes")
	h.listsPods("creator_role")
	if _, err := c.UpdateClusterConfig(ctx, &eks.UpdateClusterConfigInput{Name: aws.String(sandbox.ClusterName), AccessConfig: &ekstypes.UpdateAccessConfigRequest{AuthenticationMode: ekstypes.AuthenticationModeApi}}); err != nil {
		t.Fatal(err)
	}
	h.eventually(unauthorized, 1, "--context", "creator_role", "get", "pods")
	h.listsPods("designated_user")
}

// Tokens the authenticator refuses reach kubectl as 401; the reason is in
// the authenticator log only.
func TestRefusedTokens(t *testing.T) {
	h := start(t, "user", "")
	ctx := context.Background()
	client := sts.NewFromConfig(h.sdk("cluster_creator"))
	list := func(tok string) error {
		cfg := rest.CopyConfig(h.sb.Admin)
		cfg.CertData, cfg.KeyData, cfg.CertFile, cfg.KeyFile = nil, nil, "", ""
		cfg.BearerToken = tok
		cs, err := kubernetes.NewForConfig(cfg)
		if err != nil {
			t.Fatal(err)
		}
		_, err = cs.CoreV1().Pods("default").List(ctx, metav1.ListOptions{})
		return err
	}
	good, err := awstoken.New(ctx, client, sandbox.ClusterName)
	if err != nil {
		t.Fatal(err)
	}
	if err := list(good); err != nil {
		t.Fatalf("the creator's token: %v", err)
	}
	other, err := awstoken.New(ctx, client, "another-cluster")
	if err != nil {
		t.Fatal(err)
	}
	for name, tok := range map[string]string{
		"another cluster": other,
		"no prefix":       strings.TrimPrefix(good, awstoken.Prefix),
		"v1alpha prefix":  "k8s-aws-v2." + strings.TrimPrefix(good, awstoken.Prefix),
		"too long":        good + strings.Repeat("A", 4096),
	} {
		if err := list(tok); !apierrors.IsUnauthorized(err) {
			t.Errorf("%s: err = %v, want Unauthorized", name, err)
		}
	}
	var log []byte
	poll(t, 10*time.Second, func() string {
		log, _ = os.ReadFile(h.sb.AuthnLog)
		if strings.Contains(string(log), "SignatureDoesNotMatch") && strings.Contains(string(log), "token is too large") {
			return ""
		}
		return "authenticator log lacks the reasons:\n" + string(log)
	})
	if strings.Contains(string(log), h.sb.State.Account+":user/cluster_creator") && strings.Contains(string(log), good) {
		t.Error("the authenticator log holds a whole token")
	}
}
