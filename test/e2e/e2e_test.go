package e2e

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/klog/v2"
	"sigs.k8s.io/yaml"

	"github.com/eksaccess/kubectl-eksaccess/pkg/kube"
	"github.com/eksaccess/kubectl-eksaccess/test/cluster"
)

// putAWSAuth replaces the live aws-auth with the manifest in testdata
// (or deletes it when file is empty).
func putAWSAuth(t *testing.T, c *cluster.Cluster, file string) {
	t.Helper()
	ctx := context.Background()
	cms := c.Clientset.CoreV1().ConfigMaps(kube.Namespace)
	if err := cms.Delete(ctx, kube.ConfigMapName, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
		t.Fatal(err)
	}
	if file == "" {
		return
	}
	b, err := os.ReadFile(filepath.Join(testdata, file))
	if err != nil {
		t.Fatal(err)
	}
	var cm corev1.ConfigMap
	if err := yaml.Unmarshal(b, &cm); err != nil {
		t.Fatal(err)
	}
	if _, err := cms.Create(ctx, &cm, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestE2EListLive(t *testing.T) {
	c := cluster.Get(t)
	putAWSAuth(t, c, "aws-auth-mixed.yaml")

	r := run(t, "", "--kubeconfig", c.Kubeconfig, "list", "-o", "json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var l struct {
		Kind, Source string
		Items        []struct{ Type, ARN, Status, Source string }
	}
	if err := json.Unmarshal([]byte(r.stdout), &l); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.stdout)
	}
	if l.Kind != "MappingList" || l.Source != "context envtest" || len(l.Items) != 8 {
		t.Fatalf("kind %q source %q items %d, want MappingList, context envtest, 8", l.Kind, l.Source, len(l.Items))
	}
	// The live object must read exactly as the same manifest read from a file.
	file := run(t, "", "list", "-f", fixture("aws-auth-mixed.yaml"), "-o", "wide")
	live := run(t, "", "--kubeconfig", c.Kubeconfig, "list", "-o", "wide")
	if live.stdout != file.stdout {
		t.Errorf("live list differs from the file list:\n%s\n---\n%s", live.stdout, file.stdout)
	}
	if !strings.Contains(live.stdout, "never matches: role path") || !strings.Contains(live.stdout, "shadowed by line 14") {
		t.Errorf("statuses missing:\n%s", live.stdout)
	}

	r = run(t, "", "--kubeconfig", c.Kubeconfig, "list", "--arn", "arn:aws:iam::111122223333:user/alice", "-o", "json")
	if r.code != 0 || !strings.Contains(r.stdout, `"arn": "arn:aws:iam::111122223333:user/alice"`) || !strings.Contains(r.stderr, "at random") {
		t.Errorf("list --arn for an ambiguous user: %+v", r)
	}
}

func TestE2ELintLive(t *testing.T) {
	c := cluster.Get(t)
	putAWSAuth(t, c, "aws-auth-mixed.yaml")
	r := run(t, "", "--kubeconfig", c.Kubeconfig, "lint")
	if r.code != 1 {
		t.Fatalf("lint of a broken aws-auth exited %d, want 1: %s", r.code, r.stderr)
	}
	for _, code := range []string{"EKSA104", "EKSA107", "EKSA110", "EKSA111", "EKSA105"} {
		if !strings.Contains(r.stdout, code) {
			t.Errorf("lint output lacks %s:\n%s", code, r.stdout)
		}
	}
	putAWSAuth(t, c, "aws-auth-ok.yaml")
	if r := run(t, "", "--kubeconfig", c.Kubeconfig, "lint", "-o", "json"); r.code != 0 || !strings.Contains(r.stdout, `"errors": 0`) {
		t.Errorf("lint of a clean aws-auth: %+v", r)
	}
}

func TestE2EMissingAWSAuth(t *testing.T) {
	c := cluster.Get(t)
	putAWSAuth(t, c, "")
	for _, verb := range []string{"list", "lint"} {
		r := run(t, "", "--kubeconfig", c.Kubeconfig, verb)
		want := "error: configmap kube-system/aws-auth not found (context envtest): without it only the cluster creator and EKS access entries can get in\n"
		if r.code != 1 || r.stderr != want {
			t.Errorf("%s without aws-auth: exit %d, stderr %q, want %q", verb, r.code, r.stderr, want)
		}
	}
}

func TestE2EForbidden(t *testing.T) {
	c := cluster.Get(t)
	putAWSAuth(t, c, "aws-auth-ok.yaml")
	kc := c.UserKubeconfig(t, "viewer-without-rbac", "developers")
	r := run(t, "", "--kubeconfig", kc, "list")
	if r.code != 1 || !strings.Contains(r.stderr, "you may not get configmap kube-system/aws-auth") || !strings.Contains(r.stderr, "'get' on configmaps named aws-auth in namespace kube-system") {
		t.Errorf("forbidden list: %+v", r)
	}
	if strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Errorf("want a one-line error, got %q", r.stderr)
	}
}

func TestE2EUnreachable(t *testing.T) {
	kc := filepath.Join(t.TempDir(), "kubeconfig")
	conf := `apiVersion: v1
kind: Config
clusters:
- name: gone
  cluster:
    server: https://127.0.0.1:1
contexts:
- name: gone
  context: {cluster: gone, user: u}
current-context: gone
users:
- name: u
  user: {token: not-a-secret}
`
	if err := os.WriteFile(kc, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	r := run(t, "", "--kubeconfig", kc, "--request-timeout", "5s", "list")
	if r.code != 1 || !strings.Contains(r.stderr, "context gone: cannot reach the cluster https://127.0.0.1:1") || !strings.Contains(r.stderr, "check --context/--kubeconfig") {
		t.Errorf("unreachable cluster: %+v", r)
	}
	if strings.Contains(r.stderr, "not-a-secret") {
		t.Errorf("the token leaked into the error: %q", r.stderr)
	}
	r = run(t, "", "--kubeconfig", kc, "--context", "nope", "list")
	if r.code != 1 || !strings.Contains(r.stderr, `context "nope" does not exist: list contexts with 'kubectl config get-contexts'`) {
		t.Errorf("unknown context: %+v", r)
	}
}

// TestVerboseMasksToken: -v 9 logs every request like kubectl, with the
// bearer token masked.
func TestVerboseMasksToken(t *testing.T) {
	kc := filepath.Join(t.TempDir(), "kubeconfig")
	conf := "apiVersion: v1\nkind: Config\nclusters:\n- name: gone\n  cluster: {server: 'https://127.0.0.1:1'}\ncontexts:\n- name: gone\n  context: {cluster: gone, user: u}\ncurrent-context: gone\nusers:\n- name: u\n  user: {token: super-secret-token-value}\n"
	if err := os.WriteFile(kc, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := os.Stderr
	os.Stderr = w
	res := run(t, "", "--kubeconfig", kc, "--request-timeout", "2s", "-v", "9", "list")
	klog.Flush()
	os.Stderr = stderr
	w.Close()
	logged, _ := io.ReadAll(r)
	run(t, "", "-v", "0", "version") // back to quiet for the other tests
	all := string(logged) + res.stderr + res.stdout
	if !strings.Contains(all, "Authorization: Bearer <masked>") || !strings.Contains(all, "/api/v1/namespaces/kube-system/configmaps/aws-auth") {
		t.Errorf("-v 9 did not log the request:\n%s", all)
	}
	if strings.Contains(all, "super-secret-token-value") {
		t.Error("the bearer token was logged")
	}
}
