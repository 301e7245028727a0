// Package accessentries runs list, add, remove and migrate in-process
// against the sandbox's EKS and IAM endpoints (real aws-sdk-go-v2 clients,
// SigV4 verified), with aws-auth read from a manifest.
package accessentries

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/eksaccess/kubectl-eksaccess/pkg/cmd"
	"github.com/eksaccess/kubectl-eksaccess/test/sandbox/fakeaws"
)

const seed = `
account: "111122223333"
region: eu-west-1
users:
  - name: alice
    accessKeyId: AKIAALICE00000000001
    secretAccessKey: alicesecretalicesecretalicesecret0000000
  - name: bob
roles:
  - name: Admin
  - name: eks-node
  - name: Pathless
    path: /team/
  - name: Dev0
  - name: Dev1
  - name: Dev2
clusters:
  - name: demo
    creator: arn:aws:iam::111122223333:user/alice
  - name: both
    creator: arn:aws:iam::111122223333:user/alice
    authenticationMode: API_AND_CONFIG_MAP
`

const awsAuth = `apiVersion: v1
kind: ConfigMap
metadata: {name: aws-auth, namespace: kube-system}
data:
  mapRoles: |
    - rolearn: arn:aws:iam::111122223333:role/Admin
      username: old-admin
      groups: [viewers]
    - rolearn: arn:aws:iam::111122223333:role/Admin
      username: admin:{{SessionName}}
      groups: [system:masters]
    - rolearn: arn:aws:iam::111122223333:role/eks-node
      username: system:node:{{EC2PrivateDNSName}}
      groups: [system:bootstrappers, system:nodes]
    - rolearn: arn:aws:iam::111122223333:role/Pathless
      username: pathless
      groups: [developers]
    - rolearn: arn:aws:iam::111122223333:role/Dev0
      username: dev0
      groups: [developers]
    - rolearn: arn:aws:iam::111122223333:role/Dev1
      username: dev1
      groups: [developers]
    - rolearn: arn:aws:iam::111122223333:role/Dev2
      username: dev2
      groups: [developers]
  mapUsers: |
    - userarn: arn:aws:iam::111122223333:user/bob
      username: bob
      groups: [system:masters]
`

type sandbox struct {
	state   *fakeaws.State
	dir     string
	failing atomic.Bool
}

// start serves the sandbox AWS endpoints, with an EKS endpoint that refuses
// access-policy associations while failing is set, and points the SDK there.
func start(t *testing.T) *sandbox {
	t.Helper()
	sd, err := fakeaws.ParseSeed([]byte(seed))
	if err != nil {
		t.Fatal(err)
	}
	st, err := fakeaws.NewState(sd)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := fakeaws.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := fakeaws.Start(st, ca, fakeaws.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close(context.Background()) })
	sb := &sandbox{state: st, dir: t.TempDir()}
	eks := srv.EKSHandler()
	eksURL, err := srv.ServeTLS(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if sb.failing.Load() && r.Method == http.MethodPost && strings.HasSuffix(r.URL.Path, "/access-policies") {
			w.Header().Set("X-Amzn-Errortype", "AccessDeniedException")
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`{"message":"injected failure"}`))
			return
		}
		eks.ServeHTTP(w, r)
	}))
	if err != nil {
		t.Fatal(err)
	}
	write := func(name, body string) string {
		p := filepath.Join(sb.dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	t.Setenv("AWS_CA_BUNDLE", write("ca.pem", string(ca.PEM)))
	t.Setenv("AWS_CONFIG_FILE", write("config", ""))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", write("credentials", ""))
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAALICE00000000001")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "alicesecretalicesecretalicesecret0000000")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_REGION", "eu-west-1")
	t.Setenv("AWS_ENDPOINT_URL_EKS", eksURL)
	t.Setenv("AWS_ENDPOINT_URL_IAM", srv.IAMURL)
	t.Setenv("AWS_ENDPOINT_URL_STS", srv.STSURL)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	write("aws-auth.yaml", awsAuth)
	write("empty.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: aws-auth, namespace: kube-system}\ndata: {}\n")
	// A kubeconfig that is valid but never reached: access-entry writes do
	// not touch the apiserver.
	t.Setenv("KUBECONFIG", write("kubeconfig", `apiVersion: v1
kind: Config
current-context: x
contexts: [{name: x, context: {cluster: x, user: x}}]
clusters: [{name: x, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: x, user: {token: t}}]
`))
	return sb
}

type result struct {
	code           int
	stdout, stderr string
}

func (sb *sandbox) run(t *testing.T, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	code := cmd.Execute(context.Background(), genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, args)
	return result{code, out.String(), errOut.String()}
}

func (sb *sandbox) awsAuth() string { return filepath.Join(sb.dir, "aws-auth.yaml") }

func (sb *sandbox) entry(t *testing.T, cluster, arn string) *fakeaws.AccessEntry {
	t.Helper()
	v, ok := sb.state.Cluster(cluster)
	if !ok {
		t.Fatalf("no cluster %s", cluster)
	}
	for i := range v.Entries {
		if v.Entries[i].PrincipalARN == arn {
			return &v.Entries[i]
		}
	}
	return nil
}

func mode(t *testing.T, sb *sandbox, cluster string) string {
	v, _ := sb.state.Cluster(cluster)
	return v.Mode
}

func TestListEachMode(t *testing.T) {
	sb := start(t)
	// CONFIG_MAP: aws-auth only, said so.
	r := sb.run(t, "list", "-f", sb.awsAuth(), "--cluster-name", "demo")
	if r.code != 0 || !strings.Contains(r.stderr, "CONFIG_MAP mode: only aws-auth applies") || !strings.Contains(r.stdout, "SOURCE") || strings.Contains(r.stdout, "access-entry") {
		t.Fatalf("CONFIG_MAP list: %+v", r)
	}
	// API_AND_CONFIG_MAP: the creator's entry, and an entry overriding bob.
	if r := sb.run(t, "add", "arn:aws:iam::111122223333:user/bob", "--via", "access-entry", "--policy", "AmazonEKSViewPolicy", "--yes", "--cluster-name", "both"); r.code != 0 {
		t.Fatalf("add: %+v", r)
	}
	r = sb.run(t, "list", "-f", sb.awsAuth(), "--cluster-name", "both", "-o", "wide")
	if r.code != 0 || !strings.Contains(r.stdout, "overridden by access entry") || !strings.Contains(r.stdout, "ok, wins over mapUsers line 1") || !strings.Contains(r.stdout, "AmazonEKSViewPolicy(cluster)") || !strings.Contains(r.stdout, "alice") {
		t.Fatalf("API_AND_CONFIG_MAP list:\n%s\n%s", r.stdout, r.stderr)
	}
	r = sb.run(t, "list", "-f", sb.awsAuth(), "--cluster-name", "both", "-o", "json")
	if r.code != 0 || !strings.Contains(r.stdout, `"overriddenBy": "access-entry"`) || !strings.Contains(r.stdout, `"authenticationMode": "API_AND_CONFIG_MAP"`) || !strings.Contains(r.stdout, `"scope": "cluster"`) {
		t.Fatalf("json list:\n%s", r.stdout)
	}
	// No cluster named (-f alone): unchanged aws-auth-only output.
	r = sb.run(t, "list", "-f", sb.awsAuth())
	if r.code != 0 || strings.Contains(r.stdout, "access-entry") || strings.Contains(r.stdout, "SOURCE") {
		t.Fatalf("list without a cluster: %+v", r)
	}
}

func TestAddRemoveBothWays(t *testing.T) {
	sb := start(t)
	args := []string{"--cluster-name", "both", "--yes"}
	pathless := "arn:aws:iam::111122223333:role/team/Pathless"
	// Given without its path (an assumed-role ARN even): IAM restores it.
	r := sb.run(t, append([]string{"add", "arn:aws:sts::111122223333:assumed-role/Pathless/me", "--via", "access-entry", "--policy", "AmazonEKSEditPolicy", "--namespace", "dev", "--namespace", "qa", "--group", "developers"}, args...)...)
	if r.code != 0 || !strings.Contains(r.stdout, "+- policy: AmazonEKSEditPolicy") || !strings.Contains(r.stdout, "created") {
		t.Fatalf("add: %+v", r)
	}
	e := sb.entry(t, "both", pathless)
	if e == nil || e.Policies[fakeaws.ClusterAdminPolicy] != nil || len(e.Policies) != 1 || strings.Join(e.Groups, ",") != "developers" {
		t.Fatalf("entry: %+v", e)
	}
	// Idempotent.
	r = sb.run(t, append([]string{"add", pathless, "--via", "access-entry", "--policy", "AmazonEKSEditPolicy", "--namespace", "qa", "--namespace", "dev", "--group", "developers"}, args...)...)
	if r.code != 0 || !strings.Contains(r.stderr, "unchanged") {
		t.Fatalf("second add: %+v", r)
	}
	// system:masters is refused, with the policy to use instead.
	r = sb.run(t, append([]string{"add", pathless, "--via", "access-entry", "--group", "system:masters"}, args...)...)
	if r.code == 0 || !strings.Contains(r.stderr, "AmazonEKSClusterAdminPolicy") {
		t.Fatalf("system:masters: %+v", r)
	}
	// Dry run writes nothing.
	r = sb.run(t, "add", "arn:aws:iam::111122223333:role/Dev0", "--via", "access-entry", "--cluster-name", "both", "--dry-run")
	if r.code != 0 || sb.entry(t, "both", "arn:aws:iam::111122223333:role/Dev0") != nil {
		t.Fatalf("dry run: %+v", r)
	}
	// Remove one policy, then the entry.
	r = sb.run(t, append([]string{"remove", pathless, "--via", "access-entry", "--policy", "AmazonEKSEditPolicy"}, args...)...)
	if r.code != 0 || len(sb.entry(t, "both", pathless).Policies) != 0 {
		t.Fatalf("remove --policy: %+v", r)
	}
	r = sb.run(t, append([]string{"remove", pathless, "--via", "access-entry"}, args...)...)
	if r.code != 0 || sb.entry(t, "both", pathless) != nil {
		t.Fatalf("remove: %+v", r)
	}
	// aws-auth is the default in API_AND_CONFIG_MAP; in API mode, entries are.
	if err := sb.switchMode(t, "both", "API"); err != nil {
		t.Fatal(err)
	}
	r = sb.run(t, append([]string{"add", "arn:aws:iam::111122223333:role/Dev1", "--policy", "AmazonEKSViewPolicy"}, args...)...)
	if r.code != 0 || sb.entry(t, "both", "arn:aws:iam::111122223333:role/Dev1") == nil {
		t.Fatalf("add in API mode: %+v", r)
	}
	r = sb.run(t, append([]string{"remove", "arn:aws:iam::111122223333:role/Dev1"}, args...)...)
	if r.code != 0 || !strings.Contains(r.stderr, "API mode") || sb.entry(t, "both", "arn:aws:iam::111122223333:role/Dev1") != nil {
		t.Fatalf("remove in API mode (default via access entry): %+v", r)
	}
}

func (sb *sandbox) switchMode(t *testing.T, cluster, to string) error {
	t.Helper()
	r := sb.run(t, "migrate", "-f", filepath.Join(sb.dir, "empty.yaml"), "--cluster-name", cluster, "--approve", "--switch-mode="+to, "--force")
	if r.code != 0 {
		t.Fatalf("switch to %s: %+v", to, r)
	}
	return nil
}

func TestMigrateFailureThenRerun(t *testing.T) {
	sb := start(t)
	base := []string{"migrate", "-f", sb.awsAuth(), "--cluster-name", "demo"}
	r := sb.run(t, base...)
	if r.code != 0 || !strings.Contains(r.stdout, "arn:aws:iam::111122223333:role/team/Pathless") || !strings.Contains(r.stdout, "EC2_LINUX") || !strings.Contains(r.stdout, "AmazonEKSClusterAdminPolicy") || mode(t, sb, "demo") != "CONFIG_MAP" {
		t.Fatalf("plan: %+v", r)
	}
	// CONFIG_MAP without --switch-mode: refused, nothing changed.
	if r := sb.run(t, append(base, "--approve")...); r.code == 0 || !strings.Contains(r.stderr, "--switch-mode") {
		t.Fatalf("approve in CONFIG_MAP mode: %+v", r)
	}
	// Associations fail halfway: the entries exist, the admin policy is missing.
	sb.failing.Store(true)
	r = sb.run(t, append(base, "--approve", "--switch-mode")...)
	if r.code == 0 || !strings.Contains(r.stderr, "migration stopped") || !strings.Contains(r.stderr, "injected failure") {
		t.Fatalf("injected failure not reported: %+v", r)
	}
	if mode(t, sb, "demo") != "API_AND_CONFIG_MAP" {
		t.Fatalf("mode %s", mode(t, sb, "demo"))
	}
	// Switching to API is refused while entries are missing.
	sb.failing.Store(false)
	r = sb.run(t, append(base, "--approve", "--switch-mode=API")...)
	if r.code != 0 || mode(t, sb, "demo") != "API" {
		t.Fatalf("rerun: %+v", r)
	}
	for arn, policy := range map[string]bool{
		"arn:aws:iam::111122223333:role/Admin": true, "arn:aws:iam::111122223333:user/bob": true,
		"arn:aws:iam::111122223333:role/team/Pathless": false, "arn:aws:iam::111122223333:role/eks-node": false,
		"arn:aws:iam::111122223333:role/Dev2": false,
	} {
		e := sb.entry(t, "demo", arn)
		if e == nil || (e.Policies[fakeaws.ClusterAdminPolicy] != nil) != policy {
			t.Errorf("%s: %+v", arn, e)
		}
	}
	if e := sb.entry(t, "demo", "arn:aws:iam::111122223333:role/Admin"); e == nil || e.Username != "admin:{{SessionName}}" {
		t.Errorf("Admin must come from the last duplicate: %+v", e)
	}
	if e := sb.entry(t, "demo", "arn:aws:iam::111122223333:role/eks-node"); e == nil || e.Type != "EC2_LINUX" {
		t.Errorf("node: %+v", e)
	}
	// A third run changes nothing; API-mode list says aws-auth is ignored.
	r = sb.run(t, append(base, "--approve")...)
	if r.code != 0 || !strings.Contains(r.stdout, "0 access entries created") {
		t.Errorf("third run: %+v", r)
	}
	r = sb.run(t, "list", "-f", sb.awsAuth(), "--cluster-name", "demo")
	if r.code != 0 || !strings.Contains(r.stdout, "ignored: API mode") || !strings.Contains(r.stderr, "aws-auth is ignored") {
		t.Errorf("API list: %+v", r)
	}
}

// In API mode aws-auth is ignored: removing the last entry that grants
// AmazonEKSClusterAdminPolicy, or its policy, would leave nobody cluster
// admin. Refused without --force, and nothing is written.
func TestRemoveLastClusterAdmin(t *testing.T) {
	sb := start(t)
	alice, bob := "arn:aws:iam::111122223333:user/alice", "arn:aws:iam::111122223333:user/bob"
	args := []string{"--cluster-name", "both", "--yes", "--via", "access-entry"}
	admin := func(arn string) bool {
		e := sb.entry(t, "both", arn)
		return e != nil && e.Policies[fakeaws.ClusterAdminPolicy] != nil
	}
	// API_AND_CONFIG_MAP: aws-auth may still grant system:masters, no guard.
	if r := sb.run(t, append([]string{"add", bob, "--policy", "AmazonEKSClusterAdminPolicy"}, args...)...); r.code != 0 {
		t.Fatalf("add bob: %+v", r)
	}
	if r := sb.run(t, append([]string{"remove", alice, "--policy", "AmazonEKSClusterAdminPolicy"}, args...)...); r.code != 0 || admin(alice) {
		t.Fatalf("remove alice's policy in API_AND_CONFIG_MAP: %+v", r)
	}
	if err := sb.switchMode(t, "both", "API"); err != nil {
		t.Fatal(err)
	}
	const refusal = "it is the last access entry granting AmazonEKSClusterAdminPolicy (cluster scope) in cluster both, which is in API mode (aws-auth is ignored): nobody would be cluster admin"
	for _, extra := range [][]string{nil, {"--policy", "AmazonEKSClusterAdminPolicy"}, {"--dry-run"}} {
		r := sb.run(t, append(append([]string{"remove", bob}, extra...), args...)...)
		if r.code == 0 || !strings.Contains(r.stderr, "refusing to change the access entry of "+bob+": "+refusal) || !strings.Contains(r.stderr, "--force") || strings.Contains(r.stdout, "diff") || !admin(bob) {
			t.Fatalf("remove bob %v: %+v", extra, r)
		}
	}
	// With another admin, bob may go; then alice is the last one.
	if r := sb.run(t, append([]string{"add", alice, "--policy", "AmazonEKSClusterAdminPolicy"}, args...)...); r.code != 0 || !admin(alice) {
		t.Fatalf("add alice: %+v", r)
	}
	if r := sb.run(t, append([]string{"remove", bob}, args...)...); r.code != 0 || sb.entry(t, "both", bob) != nil {
		t.Fatalf("remove bob with alice admin: %+v", r)
	}
	if r := sb.run(t, append([]string{"remove", alice}, args...)...); r.code == 0 || !strings.Contains(r.stderr, refusal) || !admin(alice) {
		t.Fatalf("remove alice, the last admin: %+v", r)
	}
	// Removing a policy other than ClusterAdmin is fine.
	if r := sb.run(t, append([]string{"add", alice, "--policy", "AmazonEKSViewPolicy"}, args...)...); r.code != 0 {
		t.Fatalf("add view: %+v", r)
	}
	if r := sb.run(t, append([]string{"remove", alice, "--policy", "AmazonEKSViewPolicy"}, args...)...); r.code != 0 || !admin(alice) {
		t.Fatalf("remove view: %+v", r)
	}
	if r := sb.run(t, append([]string{"remove", alice, "--force"}, args...)...); r.code != 0 || sb.entry(t, "both", alice) != nil {
		t.Fatalf("remove alice --force: %+v", r)
	}
}
