package sandbox_test

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"k8s.io/client-go/tools/clientcmd"

	"github.com/eksaccess/kubectl-eksaccess/test/sandbox"
)

// awsUser is a kubeconfig user that `aws eks update-kubeconfig` writes
// (--user-alias: without it every identity shares one user named after the
// cluster ARN; --role-arn is written as "--role", argparse's prefix).
type awsUser struct{ alias, profile, roleARN string }

// awsKubeconfig writes a kubeconfig with the real `aws eks update-kubeconfig`
// (one call per user, as a user would run it), and returns two harnesses
// that use it unmodified: real, whose `aws eks get-token` signs for the real
// STS host (no AWS_ENDPOINT_URL_STS), and local, which reaches the sandbox
// STS (needed to assume a role, and by diagnose to replay the token).
func (h *harness) awsKubeconfig(awsBin string, users ...awsUser) (real, local *harness) {
	h.t.Helper()
	file := filepath.Join(h.sb.Dir, "aws-kubeconfig")
	env := append(slices.Clone(h.env), "KUBECONFIG="+file)
	for _, u := range users {
		args := []string{"eks", "update-kubeconfig", "--name", sandbox.ClusterName, "--alias", u.alias, "--user-alias", u.alias, "--profile", u.profile}
		if u.roleARN != "" {
			args = append(args, "--role-arn", u.roleARN)
		}
		cmd := exec.Command(awsBin, args...)
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			h.t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	cfg, err := clientcmd.LoadFromFile(file)
	if err != nil {
		h.t.Fatal(err)
	}
	for _, u := range users {
		ctx := cfg.Contexts[u.alias]
		if ctx == nil {
			h.t.Fatalf("aws eks update-kubeconfig wrote no context %s", u.alias)
		}
		if got := cfg.Clusters[ctx.Cluster].Server; got != h.sb.Server || strings.HasSuffix(got, "/") {
			h.t.Errorf("kubeconfig server %q, want DescribeCluster's endpoint %q without a trailing slash", got, h.sb.Server)
		}
		ex := cfg.AuthInfos[ctx.AuthInfo].Exec
		if ex == nil || ex.Command != "aws" || !slices.Contains(ex.Args, "get-token") || slices.Contains(ex.Args, "--role") != (u.roleARN != "") {
			h.t.Errorf("context %s: exec %+v, want aws eks get-token", u.alias, ex)
		}
	}
	local = &harness{t: h.t, sb: h.sb, kubectl: h.kubectl, env: env}
	var noSTS []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, "AWS_ENDPOINT_URL_STS=") {
			noSTS = append(noSTS, kv)
		}
	}
	return &harness{t: h.t, sb: h.sb, kubectl: h.kubectl, env: noSTS}, local
}

var cliUsers = []awsUser{
	{"creator", "cluster_creator", ""},
	{"designated", "designated_user", ""},
	{"creator-role", "assume_role_user", sandbox.CreatorRole},
}

// TestAWSCLIKubeconfigStory: the story (Unauthorized, add, access, remove)
// through a kubeconfig written by `aws eks update-kubeconfig`, whose tokens
// `aws eks get-token` signs for the real STS host; the plugin finds the
// cluster from that exec; diagnose runs it too.
func TestAWSCLIKubeconfigStory(t *testing.T) {
	awsBin := needAWS(t)
	h := start(t, "user", "")
	h.warm()
	real, local := h.awsKubeconfig(awsBin, cliUsers...)
	real.contains("error: You must be logged in to the server", 1, "--context", "designated", "get", "pods")
	real.listsPods("creator")
	list := real.contains("CONFIG_MAP", 0, "eksaccess", "--context", "creator", "list")
	if strings.Contains(list, "designated_user") {
		t.Errorf("designated_user listed before it was added:\n%s", list)
	}
	real.run(0, "eksaccess", "--context", "creator", "add", sandbox.DesignatedUser, "--group", "system:masters", "--yes")
	real.listsPods("designated")
	real.contains("designated_user", 0, "eksaccess", "--context", "creator", "list")

	// --role-arn: the session is EKSGetTokenAuth (the plugin's token verb
	// uses the same name: TestTokenRoleARNMatchesAWSCLI).
	local.contains("error: You must be logged in to the server", 1, "--context", "creator-role", "get", "pods")
	local.run(0, "eksaccess", "--context", "creator", "add", sandbox.CreatorRole, "--group", sandbox.ViewerGroup, "--yes")
	local.eventually("eks-creator:EKSGetTokenAuth", 0, "--context", "creator-role", "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}")

	local.contains("Verdict: authorized", 0, "eksaccess", "--context", "designated", "diagnose")
	// The other verbs through the same kubeconfig: each finds the cluster
	// from the exec plugin the AWS CLI wrote, and reads aws-auth.
	if out, rc := real.output("eksaccess", "--context", "creator", "lint"); rc > 1 || !strings.Contains(out, "in all") && !strings.Contains(out, "no findings") {
		t.Errorf("lint through the AWS CLI kubeconfig: exit %d\n%s", rc, out)
	}
	real.contains(sandbox.DesignatedUser, 0, "eksaccess", "--context", "creator", "migrate")
	real.contains(`"identity"`, 0, "eksaccess", "--context", "creator", "list", "--arn", sandbox.DesignatedUser, "-o", "json")
	real.contains("diff kube-system/aws-auth", 0, "eksaccess", "--context", "creator", "add", sandbox.DesignatedUser, "--group", "viewers", "--append-groups", "--dry-run")
	// It is the last system:masters entry: the guard wants --force.
	real.run(0, "eksaccess", "--context", "creator", "remove", sandbox.DesignatedUser, "--yes", "--force")
	real.eventually(unauthorized, 1, "--context", "designated", "get", "pods")
	d := local.contains("Verdict: unauthorized", 1, "eksaccess", "--context", "designated", "diagnose")
	if !strings.Contains(d, "STS: the token stands for "+sandbox.DesignatedUser) || !strings.Contains(d, "Fix:") {
		t.Errorf("diagnose through aws eks get-token:\n%s", d)
	}
}

// awsJSON runs the AWS CLI in the harness's environment and decodes its
// answer.
func (h *harness) awsJSON(awsBin string, v any, args ...string) {
	h.t.Helper()
	cmd := exec.Command(awsBin, append(args, "--output", "json")...)
	cmd.Env = h.env
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		h.t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	if v != nil {
		if err := json.Unmarshal(out, v); err != nil {
			h.t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}

// TestAWSCLIAccessEntriesBothWays: what the plugin writes, the AWS CLI reads
// back, and the other way round; through an update-kubeconfig kubeconfig.
func TestAWSCLIAccessEntriesBothWays(t *testing.T) {
	awsBin := needAWS(t)
	h := start(t, "user", "API_AND_CONFIG_MAP")
	h.warm()
	real, local := h.awsKubeconfig(awsBin, cliUsers...)
	cl := []string{"--cluster-name", sandbox.ClusterName, "--profile", "cluster_creator"}

	real.run(0, "eksaccess", "--context", "creator", "add", sandbox.DesignatedUser, "--via", "access-entry", "--policy", "AmazonEKSViewPolicy", "--namespace", "default", "--yes")
	var entry struct {
		AccessEntry struct {
			PrincipalArn, Username, Type string
			KubernetesGroups             []string
		}
	}
	h.awsJSON(awsBin, &entry, append([]string{"eks", "describe-access-entry", "--principal-arn", sandbox.DesignatedUser}, cl...)...)
	if e := entry.AccessEntry; e.PrincipalArn != sandbox.DesignatedUser || e.Username != sandbox.DesignatedUser || e.Type != "STANDARD" || len(e.KubernetesGroups) != 0 {
		t.Errorf("aws eks describe-access-entry: %+v", e)
	}
	var policies struct {
		AssociatedAccessPolicies []struct {
			PolicyArn   string
			AccessScope struct {
				Type       string
				Namespaces []string
			}
		}
	}
	h.awsJSON(awsBin, &policies, append([]string{"eks", "list-associated-access-policies", "--principal-arn", sandbox.DesignatedUser}, cl...)...)
	if p := policies.AssociatedAccessPolicies; len(p) != 1 || p[0].PolicyArn != "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy" || p[0].AccessScope.Type != "namespace" || strings.Join(p[0].AccessScope.Namespaces, ",") != "default" {
		t.Errorf("aws eks list-associated-access-policies: %+v", p)
	}
	real.listsPods("designated")

	// The other way: the AWS CLI writes, the plugin reads and removes.
	h.awsJSON(awsBin, nil, append([]string{"eks", "create-access-entry", "--principal-arn", sandbox.CreatorRole, "--kubernetes-groups", sandbox.ViewerGroup}, cl...)...)
	h.awsJSON(awsBin, nil, append([]string{"eks", "associate-access-policy", "--principal-arn", sandbox.CreatorRole,
		"--policy-arn", "arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy", "--access-scope", "type=cluster"}, cl...)...)
	out := real.run(0, "eksaccess", "--context", "creator", "list", "-o", "wide")
	var line string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, sandbox.CreatorRole) {
			line = l
		}
	}
	if !strings.Contains(line, "access-entry") || !strings.Contains(line, sandbox.ViewerGroup) || !strings.Contains(line, "AmazonEKSEditPolicy(cluster)") {
		t.Errorf("list -o wide does not show the entry the AWS CLI made:\n%s", out)
	}
	local.eventually("arn:aws:sts::111122223333:assumed-role/eks-creator/EKSGetTokenAuth", 0, "--context", "creator-role", "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}")
	real.run(0, "eksaccess", "--context", "creator", "remove", sandbox.CreatorRole, "--via", "access-entry", "--yes")
	var list struct{ AccessEntries []string }
	h.awsJSON(awsBin, &list, append([]string{"eks", "list-access-entries"}, cl...)...)
	if slices.Contains(list.AccessEntries, sandbox.CreatorRole) || !slices.Contains(list.AccessEntries, sandbox.DesignatedUser) {
		t.Errorf("aws eks list-access-entries after the plugin's remove: %v", list.AccessEntries)
	}
}
