package sandbox_test

import (
	"context"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/yaml"

	"github.com/eksaccess/kubectl-eksaccess/test/sandbox"
	"github.com/eksaccess/kubectl-eksaccess/test/sandbox/fakeaws"
)

// The migration scenario's extra principals: an SSO permission-set role
// (IAM gives it a path that aws-auth must not write), node roles, and people
// and teams that only fill aws-auth.
const (
	ssoRoleName = "AWSReservedSSO_Developer_0123456789abcdef"
	ssoRole     = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/us-east-1/" + ssoRoleName
	ssoPersona  = "sso_developer"
	nodeWindows = "arn:aws:iam::111122223333:role/eks-node-windows"
)

// migrationSeed is DefaultSeed in CONFIG_MAP mode plus the principals the
// aws-auth below names: every one exists in IAM, so the plan has no
// "IAM has no role" steps and only mapAccounts is left to do by hand.
func migrationSeed(t *testing.T) *fakeaws.Seed {
	t.Helper()
	seed, err := sandbox.DefaultSeed("user", fakeaws.ModeConfigMap)
	if err != nil {
		t.Fatal(err)
	}
	seed.Roles = append(seed.Roles,
		fakeaws.SeedRole{Name: ssoRoleName, Path: "/aws-reserved/sso.amazonaws.com/us-east-1/", AssumableBy: []string{sandbox.AssumeRoleUser}},
		fakeaws.SeedRole{Name: "eks-node-windows"},
		fakeaws.SeedRole{Name: "ci-deployer", Path: "/ci/"},
	)
	for _, r := range []string{"readonly", "ops-admin", "app-team-a", "app-team-b", "app-team-c", "monitoring", "legacy-admin", "batch-jobs", "security-audit", "KarpenterNodeRole-sandbox"} {
		seed.Roles = append(seed.Roles, fakeaws.SeedRole{Name: r})
	}
	for _, u := range []string{"alice", "bob", "carol", "dave", "erin"} {
		seed.Users = append(seed.Users, fakeaws.SeedUser{Name: u})
	}
	return seed
}

// migrationAWSAuth has 29 entries. Duplicates: eks-creator (the first maps it
// to a viewer, the later line to system:masters), app-team-a, and
// assume_role_user (first to an unbound group, then to viewers): the
// authenticator applies the last of each. platform-admin is written once
// with its path (which never matches: no access today) and once without.
const migrationAWSAuth = `mapRoles: |
  - rolearn: arn:aws:iam::111122223333:role/eks-node
    username: system:node:{{EC2PrivateDNSName}}
    groups: [system:bootstrappers, system:nodes]
  - rolearn: arn:aws:iam::111122223333:role/eks-creator
    username: creator-view
    groups: [viewers, developers]
  - rolearn: arn:aws:iam::111122223333:role/eks-node-windows
    username: system:node:{{EC2PrivateDNSName}}
    groups: [system:bootstrappers, system:nodes, eks:kube-proxy-windows]
  - rolearn: arn:aws:iam::111122223333:role/platform/platform-admin
    username: platform-admin
    groups: [system:masters]
  - rolearn: arn:aws:iam::111122223333:role/platform-admin
    username: platform-viewer
    groups: [viewers]
  - rolearn: arn:aws:iam::111122223333:role/AWSReservedSSO_Developer_0123456789abcdef
    username: sso-developer:{{SessionName}}
    groups: [viewers]
  - rolearn: arn:aws:iam::111122223333:role/ci-deployer
    username: ci
    groups: [deployers]
  - rolearn: arn:aws:iam::111122223333:role/app-team-a
    username: app-a
    groups: [team-a]
  - rolearn: arn:aws:iam::111122223333:role/readonly
    username: readonly
    groups: [viewers]
  - rolearn: arn:aws:iam::111122223333:role/ops-admin
    username: ops:{{SessionName}}
    groups: [system:masters]
  - rolearn: arn:aws:iam::111122223333:role/app-team-b
    username: app-b
    groups: [team-b]
  - rolearn: arn:aws:iam::111122223333:role/app-team-c
    username: app-c
    groups: [team-c, viewers]
  - rolearn: arn:aws:iam::111122223333:role/monitoring
    username: monitoring
    groups: [viewers]
  - rolearn: arn:aws:iam::111122223333:role/legacy-admin
    username: legacy
    groups: [system:masters]
  - rolearn: arn:aws:iam::111122223333:role/batch-jobs
    username: batch
    groups: [batch]
  - rolearn: arn:aws:iam::111122223333:role/security-audit
    username: audit
    groups: [viewers]
  - rolearn: arn:aws:iam::111122223333:role/app-team-a
    username: app-a
    groups: [team-a, viewers]
  - rolearn: arn:aws:iam::111122223333:role/eks-creator
    username: creator-admin
    groups: [system:masters]
  - rolearn: arn:aws:iam::111122223333:role/KarpenterNodeRole-sandbox
    username: system:node:{{EC2PrivateDNSName}}
    groups: [system:bootstrappers, system:nodes]
mapUsers: |
  - userarn: arn:aws:iam::111122223333:user/assume_role_user
    username: assume-dev
    groups: [developers]
  - userarn: arn:aws:iam::111122223333:user/designated_user
    username: designated-admin
    groups: [system:masters]
  - userarn: arn:aws:iam::111122223333:user/alice
    username: alice
    groups: [team-a]
  - userarn: arn:aws:iam::111122223333:user/bob
    username: bob
    groups: [system:masters]
  - userarn: arn:aws:iam::111122223333:user/carol
    username: carol
    groups: [viewers]
  - userarn: arn:aws:iam::111122223333:user/dave
    username: dave
    groups: [deployers]
  - userarn: arn:aws:iam::111122223333:user/assume_role_user
    username: assume-viewer
    groups: [viewers]
  - userarn: arn:aws:iam::111122223333:user/erin
    username: erin
    groups: [viewers]
mapAccounts: |
  - "444455556666"
  - "777788889999"
`

// startSeed starts the sandbox from seed (start uses the default seed of a
// scenario).
func startSeed(t *testing.T, seed *fakeaws.Seed) *harness {
	t.Helper()
	assets, kubectl, plugin := need(t)
	dir := t.TempDir()
	sb, err := sandbox.Start(context.Background(), sandbox.Options{Dir: dir, Assets: assets, Seed: seed, TokenCommand: tokenCommand(t, plugin)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := sb.Stop(); err != nil {
			t.Logf("stopping the sandbox: %v", err)
		}
		if t.Failed() {
			b, _ := os.ReadFile(sb.AuthnLog)
			t.Logf("authenticator log:\n%s", b)
		}
	})
	pluginDir, _ := filepath.Abs(filepath.Dir(plugin))
	env := append(os.Environ(), sb.Env()...)
	env = append(env, "KUBECACHEDIR="+filepath.Join(dir, "kubecache"), "XDG_STATE_HOME="+filepath.Join(dir, "state"),
		"PATH="+pluginDir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return &harness{t: t, sb: sb, kubectl: kubectl, env: env}
}

// addRolePersona adds an AWS profile that assumes role from
// assume_role_user with session, and a kubeconfig context of the same name
// that gets its token through that profile, like the seeded role personas.
func (h *harness) addRolePersona(name, role, session string) {
	h.t.Helper()
	f, err := os.OpenFile(h.sb.AWSConfig, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		h.t.Fatal(err)
	}
	_, err = fmt.Fprintf(f, "[profile %s]\nregion = %s\nrole_arn = %s\nsource_profile = assume_role_user\nrole_session_name = %s\n\n", name, sandbox.Region, role, session)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		h.t.Fatal(err)
	}
	cfg, err := clientcmd.LoadFromFile(h.sb.Kubeconfig)
	if err != nil {
		h.t.Fatal(err)
	}
	ai := cfg.AuthInfos["creator_role"].DeepCopy()
	for i := range ai.Exec.Env {
		if ai.Exec.Env[i].Name == "AWS_PROFILE" {
			ai.Exec.Env[i].Value = name
		}
	}
	cfg.AuthInfos[name] = ai
	cfg.Contexts[name] = &clientcmdapi.Context{Cluster: h.sb.Cluster, AuthInfo: name, Namespace: "default"}
	if err := clientcmd.WriteToFile(*cfg, h.sb.Kubeconfig); err != nil {
		h.t.Fatal(err)
	}
}

// probes are what each persona's access is compared on.
var probes = [][]string{
	{"get", "pods", "-o", "name"},
	{"auth", "can-i", "list", "pods"},
	{"auth", "can-i", "delete", "pods"},
	{"auth", "can-i", "list", "pods", "-n", "kube-system"},
	{"auth", "can-i", "create", "deployments.apps"},
	{"auth", "can-i", "get", "secrets"},
	{"auth", "can-i", "create", "clusterrolebindings.rbac.authorization.k8s.io"},
}

// access runs every probe as context once; kubectl's exit status is part
// of the answer.
func (h *harness) access(context string) map[string]string {
	h.t.Helper()
	out := map[string]string{}
	for _, p := range probes {
		args := append([]string{"--context", context}, p...)
		got, rc := h.output(args...)
		out[strings.Join(p, " ")] = fmt.Sprintf("exit %d: %s", rc, got)
	}
	return out
}

// output runs kubectl once and returns its output, without discovery
// noise, and exit status.
func (h *harness) output(args ...string) (string, int) {
	h.t.Helper()
	cmd := exec.Command(h.kubectl, args...)
	cmd.Env = h.env
	b, err := cmd.CombinedOutput()
	rc, err := exitCode(err)
	if err != nil {
		h.t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.SplitAfter(string(b), "\n") {
		if !strings.Contains(l, "memcache.go") && l != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, ""), rc
}

// whoami is the username and groups the cluster sees for context.
func (h *harness) whoami(context string) string {
	h.t.Helper()
	out, _ := h.output("--context", context, "auth", "whoami", "-o", "jsonpath={.status.userInfo.username} [{.status.userInfo.groups[*]}]")
	return out
}

// settle polls until context is seen as want (a mapping change shows from
// the next token on, and kube-apiserver may reuse a login for a moment),
// then returns its access. A deadline, not a sleep, bounds the wait.
func (h *harness) settle(context, want string) map[string]string {
	h.t.Helper()
	poll(h.t, 20*time.Second, func() string {
		if got := h.whoami(context); got != want {
			return fmt.Sprintf("%s: the cluster still sees %q, want %q", context, got, want)
		}
		return ""
	})
	return h.access(context)
}

// sameAccess polls until context's access is want, and fails with the
// difference after the deadline.
func (h *harness) sameAccess(context string, want map[string]string) {
	h.t.Helper()
	poll(h.t, 20*time.Second, func() string {
		got := h.access(context)
		var diffs []string
		for _, k := range slices.Sorted(maps.Keys(want)) {
			if got[k] != want[k] {
				diffs = append(diffs, fmt.Sprintf("%s: kubectl %s:\n before: %q\n  after: %q", context, k, want[k], got[k]))
			}
		}
		return strings.Join(diffs, "\n")
	})
}

// The end-to-end proof of the migration: a 29-entry aws-auth in CONFIG_MAP
// mode, the plan, --approve --switch-mode, --switch-mode=API, and then the
// migrated principals get in with the access they had, through access
// entries only, while aws-auth was never touched.
func TestMigrateAWSAuthToAccessEntries(t *testing.T) {
	h := startSeed(t, migrationSeed(t))
	h.addRolePersona(ssoPersona, ssoRole, "jane@example.com")
	h.warm()
	ctx := context.Background()
	cms := h.sb.Clientset.CoreV1().ConfigMaps("kube-system")
	var data map[string]string
	if err := yaml.Unmarshal([]byte(migrationAWSAuth), &data); err != nil {
		t.Fatal(err)
	}
	cm, err := cms.Get(ctx, "aws-auth", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cm.Data = data
	if cm, err = cms.Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	written := cm.DeepCopy()

	// Who is what today, through aws-auth. The path-written platform-admin
	// line (system:masters) never matches: the path-less one applies.
	personas := map[string][2]string{ // context: whoami before, after
		"designated_user":  {"designated-admin [system:masters system:authenticated]", "designated-admin [system:authenticated]"},
		"creator_role":     {"creator-admin [system:masters system:authenticated]", "creator-admin [system:authenticated]"},
		"assume_role_user": {"assume-viewer [viewers system:authenticated]", "assume-viewer [viewers system:authenticated]"},
		"platform_admin":   {"platform-viewer [viewers system:authenticated]", "platform-viewer [viewers system:authenticated]"},
		ssoPersona:         {"sso-developer:jane-example.com [viewers system:authenticated]", "sso-developer:jane-example.com [viewers system:authenticated]"},
	}
	contexts := slices.Sorted(maps.Keys(personas))
	before := map[string]map[string]string{}
	for _, c := range contexts {
		before[c] = h.settle(c, personas[c][0])
	}
	// A sanity check of the probes: admins may delete, viewers only read.
	for c, want := range map[string]string{"designated_user": "exit 0: yes\n", "creator_role": "exit 0: yes\n", "assume_role_user": "exit 1: no\n", "platform_admin": "exit 1: no\n", ssoPersona: "exit 1: no\n"} {
		if got := before[c]["auth can-i delete pods"]; got != want {
			t.Errorf("before the migration, %s can-i delete pods: %q, want %q", c, got, want)
		}
		if got := before[c]["get pods -o name"]; got != "exit 0: pod/web\n" {
			t.Errorf("before the migration, %s get pods: %q", c, got)
		}
	}
	if t.Failed() {
		t.FailNow()
	}

	c := eks.NewFromConfig(h.sdk("cluster_creator"))
	mode := func() string {
		t.Helper()
		out, err := c.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String(sandbox.ClusterName)})
		if err != nil {
			t.Fatal(err)
		}
		return string(out.Cluster.AccessConfig.AuthenticationMode)
	}

	// The plan: printed, nothing changed.
	plan := h.run(0, "eksaccess", "--context", "cluster_creator", "migrate")
	for _, want := range []string{
		"Migration plan for aws-auth (", ": 23 access entries (23 to create or complete), 2 manual steps, 4 entries skipped\n",
		"create   " + ssoRole + " (mapRoles line 16): STANDARD username \"sso-developer:{{SessionName}}\" groups [viewers]\n",
		"note: IAM path restored: " + ssoRole + "\n",
		"create   arn:aws:iam::111122223333:role/platform/platform-admin (mapRoles line 13): STANDARD username \"platform-viewer\" groups [viewers]\n",
		"create   arn:aws:iam::111122223333:role/eks-creator (mapRoles line 52): STANDARD username \"creator-admin\" AmazonEKSClusterAdminPolicy(cluster)\n",
		"create   arn:aws:iam::111122223333:user/assume_role_user (mapUsers line 19): STANDARD username \"assume-viewer\" groups [viewers]\n",
		"create   arn:aws:iam::111122223333:role/eks-node (mapRoles line 1): EC2_LINUX\n",
		"create   " + nodeWindows + " (mapRoles line 7): EC2_WINDOWS\n",
		"Manual steps:\n  mapAccounts line 1 444455556666: mapAccounts maps every IAM principal of account 444455556666",
		"  mapAccounts line 2 777788889999: mapAccounts maps",
		"Skipped (they grant nothing today):\n",
		"  mapRoles line 4 arn:aws:iam::111122223333:role/eks-creator: shadowed by line 52\n",
		"  mapRoles line 10 arn:aws:iam::111122223333:role/platform/platform-admin: never matches: ",
		"  mapUsers line 1 arn:aws:iam::111122223333:user/assume_role_user: shadowed by line 19\n",
	} {
		if !strings.Contains(plan, want) {
			t.Errorf("the plan lacks %q:\n%s", want, plan)
		}
	}
	if !strings.Contains(plan, "Nothing changed: re-run with --approve") {
		t.Errorf("the plan does not say that nothing changed:\n%s", plan)
	}
	if got := mode(); got != fakeaws.ModeConfigMap {
		t.Fatalf("after the plan the cluster is in %s mode", got)
	}

	// --approve --switch-mode: API_AND_CONFIG_MAP first, then the entries.
	out := h.run(0, "eksaccess", "--context", "cluster_creator", "migrate", "--approve", "--switch-mode")
	for _, want := range []string{"Switching cluster sandbox to API_AND_CONFIG_MAP", "Migration done: 23 access entries created or completed; aws-auth was not changed.\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("migrate --approve --switch-mode lacks %q:\n%s", want, out)
		}
	}
	if got := mode(); got != fakeaws.ModeAPIAndConfigMap {
		t.Fatalf("after --switch-mode the cluster is in %s mode", got)
	}
	// Running it again changes nothing.
	h.contains("Migration done: 0 access entries created or completed", 0, "eksaccess", "--context", "cluster_creator", "migrate", "--approve")

	// API mode ignores aws-auth: with mapAccounts still to do by hand, the
	// switch needs --force.
	h.contains("not switching to API: 2 manual steps are left", 1, "eksaccess", "--context", "cluster_creator", "migrate", "--approve", "--switch-mode=API")
	if got := mode(); got != fakeaws.ModeAPIAndConfigMap {
		t.Fatalf("a refused switch left the cluster in %s mode", got)
	}
	h.contains("cluster/sandbox authenticationMode API\n", 0, "eksaccess", "--context", "cluster_creator", "migrate", "--approve", "--switch-mode=API", "--force")
	if got := mode(); got != fakeaws.ModeAPI {
		t.Fatalf("after --switch-mode=API the cluster is in %s mode", got)
	}

	// Through access entries only now: system:masters became the
	// ClusterAdmin policy (not a group), and everyone has the same access.
	for _, ctxName := range contexts {
		h.settle(ctxName, personas[ctxName][1])
		h.sameAccess(ctxName, before[ctxName])
	}
	h.listsPods("cluster_creator")

	// The entries hold the last duplicate's mapping, not the shadowed one's.
	entry := func(arn string) (username string, groups, policies []string) {
		t.Helper()
		e, err := c.DescribeAccessEntry(ctx, &eks.DescribeAccessEntryInput{ClusterName: aws.String(sandbox.ClusterName), PrincipalArn: aws.String(arn)})
		if err != nil {
			t.Fatalf("%s: %v", arn, err)
		}
		p, err := c.ListAssociatedAccessPolicies(ctx, &eks.ListAssociatedAccessPoliciesInput{ClusterName: aws.String(sandbox.ClusterName), PrincipalArn: aws.String(arn)})
		if err != nil {
			t.Fatalf("%s: %v", arn, err)
		}
		for _, a := range p.AssociatedAccessPolicies {
			policies = append(policies, strings.TrimPrefix(aws.ToString(a.PolicyArn), "arn:aws:eks::aws:cluster-access-policy/"))
		}
		groups = slices.Sorted(slices.Values(e.AccessEntry.KubernetesGroups))
		return aws.ToString(e.AccessEntry.Username), groups, policies
	}
	for arn, want := range map[string]string{
		sandbox.CreatorRole:                             `creator-admin [] [AmazonEKSClusterAdminPolicy]`,
		sandbox.AssumeRoleUser:                          `assume-viewer [viewers] []`,
		sandbox.DesignatedUser:                          `designated-admin [] [AmazonEKSClusterAdminPolicy]`,
		sandbox.PathRole:                                `platform-viewer [viewers] []`,
		"arn:aws:iam::111122223333:role/app-team-a":     `app-a [team-a viewers] []`,
		"arn:aws:iam::111122223333:role/ci/ci-deployer": `ci [deployers] []`,
	} {
		u, g, p := entry(arn)
		if got := fmt.Sprintf("%s %v %v", u, g, p); got != want {
			t.Errorf("access entry of %s: %s, want %s", arn, got, want)
		}
	}
	for _, arn := range []string{sandbox.NodeRole, nodeWindows} {
		e, err := c.DescribeAccessEntry(ctx, &eks.DescribeAccessEntryInput{ClusterName: aws.String(sandbox.ClusterName), PrincipalArn: aws.String(arn)})
		if err != nil {
			t.Fatalf("%s: %v", arn, err)
		}
		want := "EC2_LINUX"
		if arn == nodeWindows {
			want = "EC2_WINDOWS"
		}
		if got := aws.ToString(e.AccessEntry.Type); got != want {
			t.Errorf("access entry of %s has type %s, want %s", arn, got, want)
		}
	}

	// The guards of remove: the caller's own entry, and (API mode) the last
	// ClusterAdmin entry, are kept without --force.
	h.contains("refusing to change the access entry of "+sandbox.DesignatedUser+": it is the access entry you are authenticated through", 1,
		"eksaccess", "--context", "designated_user", "remove", sandbox.DesignatedUser, "--via", "access-entry", "--yes")
	if u, _, p := entry(sandbox.DesignatedUser); u != "designated-admin" || len(p) != 1 {
		t.Errorf("a refused remove changed the entry of %s: %s %v", sandbox.DesignatedUser, u, p)
	}

	// mapAccounts is still a manual step, and aws-auth was never written.
	h.contains("Manual steps:\n  mapAccounts line 1 444455556666: ", 0, "eksaccess", "--context", "cluster_creator", "migrate")
	after, err := cms.Get(ctx, "aws-auth", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if after.ResourceVersion != written.ResourceVersion || !maps.Equal(after.Data, written.Data) || !sameMeta(after, written) {
		t.Errorf("aws-auth was modified: resourceVersion %s -> %s, data:\n%v", written.ResourceVersion, after.ResourceVersion, after.Data)
	}
}

func sameMeta(a, b *corev1.ConfigMap) bool {
	return maps.Equal(a.Annotations, b.Annotations) && maps.Equal(a.Labels, b.Labels)
}
