package sandbox_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	smithyhttp "github.com/aws/smithy-go/transport/http"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/eksaccess/kubectl-eksaccess/test/sandbox"
	"github.com/eksaccess/kubectl-eksaccess/test/sandbox/awstoken"
)

// diagnosis is the part of `diagnose -o json` the tests read.
type diagnosis struct {
	Kind          string   `json:"kind"`
	Verdict       string   `json:"verdict"`
	Cause         string   `json:"cause"`
	ARN           string   `json:"arn"`
	CanonicalARN  string   `json:"canonicalArn"`
	Authenticated bool     `json:"authenticated"`
	Username      string   `json:"username"`
	Groups        []string `json:"groups"`
	Source        string   `json:"source"`
	Findings      []struct {
		Code     string `json:"code"`
		Severity string `json:"severity"`
		Message  string `json:"message"`
		Fix      string `json:"fix"`
	} `json:"findings"`
}

// diagRun is one run of `kubectl eksaccess diagnose`.
type diagRun struct {
	rc             int
	stdout, stderr string
}

// diagnoseRaw runs `kubectl eksaccess diagnose ARGS` through the real
// kubectl with extra environment variables (last wins), and checks that no
// secret or token reaches its output.
func (h *harness) diagnoseRaw(env []string, args ...string) diagRun {
	h.t.Helper()
	cmd := exec.Command(h.kubectl, append([]string{"eksaccess", "diagnose"}, args...)...)
	cmd.Env = append(append([]string(nil), h.env...), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	rc, err := exitCode(cmd.Run())
	if err != nil {
		h.t.Fatal(err)
	}
	r := diagRun{rc: rc, stdout: stdout.String(), stderr: stderr.String()}
	h.noSecrets(r.stdout + r.stderr)
	return r
}

// noSecrets fails when out holds a token, a signature or a secret key.
func (h *harness) noSecrets(out string) {
	h.t.Helper()
	for _, s := range []string{"k8s-aws-v1.", "X-Amz-Signature", "X-Amz-Security-Token", "X-Amz-Credential"} {
		if strings.Contains(out, s) {
			h.t.Errorf("diagnose output holds %q (a token or part of one)", s)
		}
	}
	for _, u := range h.sb.State.Users() {
		if strings.Contains(out, u.Secret) {
			h.t.Errorf("diagnose output holds the secret access key of %s", u.Name)
		}
		if strings.Contains(out, u.AccessKeyID) {
			h.t.Errorf("diagnose output holds the unmasked access key id of %s", u.Name)
		}
	}
}

// diagnose runs diagnose -o json, checks the exit status and decodes it.
func (h *harness) diagnose(env []string, wantRC int, args ...string) diagnosis {
	h.t.Helper()
	r := h.diagnoseRaw(env, append(args, "-o", "json")...)
	if r.rc != wantRC {
		h.t.Fatalf("diagnose %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.rc, wantRC, r.stdout, r.stderr)
	}
	var d diagnosis
	if err := json.Unmarshal([]byte(r.stdout), &d); err != nil {
		h.t.Fatalf("diagnose %s: not JSON: %v\n%s", strings.Join(args, " "), err, r.stdout)
	}
	if d.Kind != "Diagnosis" {
		h.t.Errorf("diagnose %s: kind %q, want Diagnosis", strings.Join(args, " "), d.Kind)
	}
	return d
}

// expectDiag asserts the verdict, and that a finding with the code has a
// fix (or, when fix is empty, a message) containing want.
func expectDiag(t *testing.T, d diagnosis, verdict, code, want string) {
	t.Helper()
	if d.Verdict != verdict {
		t.Errorf("verdict %q, want %q (cause: %s)", d.Verdict, verdict, d.Cause)
	}
	if code == "" {
		return
	}
	var codes []string
	for _, f := range d.Findings {
		codes = append(codes, f.Code)
		if f.Code == code && strings.Contains(f.Fix+"\n"+f.Message, want) {
			return
		}
	}
	t.Errorf("no finding %s whose fix or message holds %q; findings %v:\n%+v", code, want, codes, d.Findings)
}

// firstFinding asserts that the root cause (the first finding) has the code.
func firstFinding(t *testing.T, d diagnosis, code string) {
	t.Helper()
	if len(d.Findings) == 0 || d.Findings[0].Code != code {
		t.Errorf("first finding is not %s: %+v (cause: %s)", code, d.Findings, d.Cause)
	}
}

// poll runs check until it returns "" or the deadline passes.
func poll(t *testing.T, within time.Duration, check func() string) {
	t.Helper()
	deadline := time.NewTimer(within)
	defer deadline.Stop()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		why := check()
		if why == "" {
			return
		}
		select {
		case <-deadline.C:
			t.Fatalf("after %s: %s", within, why)
		case <-tick.C:
		}
	}
}

// diagnoseAfterChange polls diagnose until its exit status is wantRC and
// its verdict is verdict, then returns it: kube-apiserver keeps an
// authentication for a moment, and a token is the same for every call
// within one second, so a mapping change shows from the next token on.
func (h *harness) diagnoseAfterChange(env []string, wantRC int, verdict string, args ...string) diagnosis {
	h.t.Helper()
	poll(h.t, 15*time.Second, func() string {
		r := h.diagnoseRaw(env, append(args, "-o", "json")...)
		if r.rc != wantRC || !strings.Contains(r.stdout, `"verdict": "`+verdict+`"`) {
			return "diagnose " + strings.Join(args, " ") + " still says:\n" + r.stdout + r.stderr
		}
		return ""
	})
	return h.diagnose(env, wantRC, args...)
}

// eksAPI is an EKS client of the sandbox as a profile.
func (h *harness) eksAPI(profile string) *eks.Client {
	return eks.NewFromConfig(h.sdk(profile))
}

// withContext writes a copy of the sandbox kubeconfig with one more
// context, name, whose user is a copy of from's with edit applied, and
// returns the path of the copy.
func (h *harness) withContext(name, from string, edit func(args []string) []string) string {
	h.t.Helper()
	cfg, err := clientcmd.LoadFromFile(h.sb.Kubeconfig)
	if err != nil {
		h.t.Fatal(err)
	}
	u := cfg.AuthInfos[from].DeepCopy()
	u.Exec.Args = edit(u.Exec.Args)
	cfg.AuthInfos[name] = u
	c := cfg.Contexts[from].DeepCopy()
	c.AuthInfo = name
	cfg.Contexts[name] = c
	path := filepath.Join(h.t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		h.t.Fatal(err)
	}
	return path
}

// The creator is an IAM user, CONFIG_MAP mode: the unmapped user, the exec
// plugin on another profile than the shell, a token for another cluster
// name, then the user mapped.
func TestDiagnoseCreatorIsUser(t *testing.T) {
	h := start(t, "user", "")
	const admin = "--admin-context"

	t.Run("unmapped user", func(t *testing.T) {
		h := *h
		h.t = t
		d := h.diagnose(nil, 1, "--context", "designated_user", admin, "cluster_creator")
		expectDiag(t, d, "unauthorized", "EKSA201", "kubectl eksaccess add arn:aws:iam::111122223333:user/designated_user")
		firstFinding(t, d, "EKSA201")
		if d.ARN != sandbox.DesignatedUser || d.Authenticated {
			t.Errorf("arn %q authenticated %v, want %s and false", d.ARN, d.Authenticated, sandbox.DesignatedUser)
		}
		// The human output, once: checklist on stderr, verdict on stdout.
		r := h.diagnoseRaw(nil, "--context", "designated_user", admin, "cluster_creator")
		if r.rc != 1 {
			t.Fatalf("exit %d, want 1\n%s%s", r.rc, r.stdout, r.stderr)
		}
		for _, want := range []string{"Verdict: unauthorized", "Fix:", "kubectl eksaccess add arn:aws:iam::111122223333:user/designated_user", "EKSA201", "STS says you are " + sandbox.DesignatedUser, "access key AKIA****"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("human output lacks %q:\n%s", want, r.stdout)
			}
		}
		for _, want := range []string{"[ok] exec plugin", "(AWS_PROFILE=designated_user) gave a token", "[ok] STS: the token stands for " + sandbox.DesignatedUser, "[x] the cluster answers 401 Unauthorized", "[ok] aws-auth: 1 entries read through context cluster_creator"} {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("checklist lacks %q:\n%s", want, r.stderr)
			}
		}
		if strings.Contains(r.stdout, "[ok]") || strings.Contains(r.stderr, "Verdict:") {
			t.Errorf("checklist and verdict mixed up:\nstdout:\n%s\nstderr:\n%s", r.stdout, r.stderr)
		}
	})

	t.Run("exec plugin on another profile", func(t *testing.T) {
		h := *h
		h.t = t
		// The shell is cluster_creator (who gets in); kubectl is not.
		d := h.diagnose([]string{"AWS_PROFILE=cluster_creator"}, 1, "--context", "designated_user", admin, "cluster_creator")
		expectDiag(t, d, "unauthorized", "EKSA216", "your exec plugin uses AWS_PROFILE=designated_user")
		expectDiag(t, d, "unauthorized", "EKSA216", "aws sts get-caller-identity --profile designated_user")
		firstFinding(t, d, "EKSA216")
		if !strings.Contains(d.Cause, "AWS_PROFILE=designated_user") {
			t.Errorf("cause does not name the exec plugin's profile: %s", d.Cause)
		}
		// The same shell and context as the exec plugin: no such finding.
		d = h.diagnose([]string{"AWS_PROFILE=designated_user"}, 1, "--context", "designated_user", admin, "cluster_creator")
		for _, f := range d.Findings {
			if f.Code == "EKSA216" {
				t.Errorf("EKSA216 with the shell on the exec plugin's profile: %+v", f)
			}
		}
	})

	t.Run("token for another cluster name", func(t *testing.T) {
		h := *h
		h.t = t
		kc := h.withContext("wrong_cluster", "cluster_creator", func(args []string) []string {
			out := append([]string(nil), args...)
			for i := range out {
				if i > 0 && out[i-1] == "--cluster-name" {
					out[i] = "another-cluster"
				}
			}
			return out
		})
		// The cluster is found by the kubeconfig's server.
		d := h.diagnose(nil, 1, "--kubeconfig", kc, "--context", "wrong_cluster", admin, sandbox.AdminContext)
		expectDiag(t, d, "unauthorized", "EKSA212", "--cluster-name sandbox")
		firstFinding(t, d, "EKSA212")
		// Named on the command line: STS refuses the replay.
		d = h.diagnose(nil, 1, "--kubeconfig", kc, "--context", "wrong_cluster", "--cluster-name", sandbox.ClusterName, admin, sandbox.AdminContext)
		expectDiag(t, d, "unauthorized", "EKSA212", "SignatureDoesNotMatch")
	})

	t.Run("authorized after add", func(t *testing.T) {
		h := *h
		h.t = t
		h.run(0, "eksaccess", "--context", "cluster_creator", "add", sandbox.DesignatedUser, "--group", "system:masters", "--yes")
		d := h.diagnoseAfterChange(nil, 0, "authorized", "--context", "designated_user")
		expectDiag(t, d, "authorized", "", "")
		if d.Username != "designated_user" || !strings.Contains(d.Source, "mapUsers") || !d.Authenticated {
			t.Errorf("username %q source %q authenticated %v, want designated_user from mapUsers", d.Username, d.Source, d.Authenticated)
		}
	})
}

// The creator is an IAM role, CONFIG_MAP mode: the user who has not
// assumed it, a role mapped with its path, a group bound to nothing, then
// access granted.
func TestDiagnoseCreatorIsRole(t *testing.T) {
	h := start(t, "role", "")
	const admin = "--admin-context"

	t.Run("creator role not assumed", func(t *testing.T) {
		h := *h
		h.t = t
		d := h.diagnose(nil, 1, "--context", "assume_role_user", admin, "creator_role")
		expectDiag(t, d, "unauthorized", "EKSA201", "kubectl eksaccess add "+sandbox.AssumeRoleUser)
		expectDiag(t, d, "unauthorized", "EKSA221", "--role-arn "+sandbox.CreatorRole)
		expectDiag(t, d, "unauthorized", "EKSA221", "aws sts assume-role --role-arn "+sandbox.CreatorRole)
		// The creator role itself is in, invisibly.
		d = h.diagnose(nil, 0, "--context", "creator_role")
		expectDiag(t, d, "authorized", "EKSA222", "cluster creator")
		if d.CanonicalARN != sandbox.CreatorRole {
			t.Errorf("canonical ARN %q, want %s", d.CanonicalARN, sandbox.CreatorRole)
		}
	})

	t.Run("role mapped with its path", func(t *testing.T) {
		h := *h
		h.t = t
		patch := filepath.Join(t.TempDir(), "patch.yaml")
		body := "data:\n  mapRoles: |\n" + indent(sandbox.AWSAuth+"- rolearn: "+sandbox.PathRole+"\n  username: platform-admin\n  groups:\n    - system:masters\n", "    ")
		if err := os.WriteFile(patch, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		h.expect("configmap/aws-auth patched\n", 0, "--context", "creator_role", "-n", "kube-system", "patch", "configmap", "aws-auth", "--type", "merge", "--patch-file", patch)
		d := h.diagnoseAfterChange(nil, 1, "unauthorized", "--context", "platform_admin", admin, "creator_role")
		expectDiag(t, d, "unauthorized", "EKSA202", "remove `platform/`")
		firstFinding(t, d, "EKSA202")
		if d.CanonicalARN != "arn:aws:iam::111122223333:role/platform-admin" {
			t.Errorf("canonical ARN %q, want the role without its path", d.CanonicalARN)
		}
		h.run(0, "eksaccess", "--context", "creator_role", "add", sandbox.PathRole, "--username", "platform-admin", "--group", "system:masters", "--yes")
		d = h.diagnoseAfterChange(nil, 0, "authorized", "--context", "platform_admin", admin, "creator_role")
		expectDiag(t, d, "authorized", "", "")
	})

	t.Run("group without binding", func(t *testing.T) {
		h := *h
		h.t = t
		h.run(0, "eksaccess", "--context", "creator_role", "add", sandbox.AssumeRoleUser, "--group", "developers", "--yes")
		d := h.diagnoseAfterChange(nil, 1, "forbidden", "--context", "assume_role_user", admin, "creator_role")
		expectDiag(t, d, "forbidden", "EKSA231", "--group=developers")
		firstFinding(t, d, "EKSA231")
		if !d.Authenticated || d.Username != "assume_role_user" {
			t.Errorf("authenticated %v username %q, want true and assume_role_user", d.Authenticated, d.Username)
		}
		h.run(0, "eksaccess", "--context", "creator_role", "add", sandbox.AssumeRoleUser, "--group", sandbox.ViewerGroup, "--yes")
		d = h.diagnoseAfterChange(nil, 0, "authorized", "--context", "assume_role_user", admin, "creator_role")
		expectDiag(t, d, "authorized", "", "")
		if !strings.Contains(strings.Join(d.Groups, ","), sandbox.ViewerGroup) {
			t.Errorf("groups %v lack %s", d.Groups, sandbox.ViewerGroup)
		}
	})

	t.Run("authorized after add", func(t *testing.T) {
		h := *h
		h.t = t
		d := h.diagnose(nil, 1, "--context", "designated_user", admin, "creator_role")
		expectDiag(t, d, "unauthorized", "EKSA201", "kubectl eksaccess add "+sandbox.DesignatedUser)
		h.run(0, "eksaccess", "--context", "creator_role", "add", sandbox.DesignatedUser, "--group", "system:masters", "--yes")
		d = h.diagnoseAfterChange(nil, 0, "authorized", "--context", "designated_user")
		expectDiag(t, d, "authorized", "", "")
	})
}

// Access entries, API_AND_CONFIG_MAP then API mode: an access entry that
// overrides aws-auth, a policy scoped to another namespace, and a mapping
// only in aws-auth once the mode is API.
func TestDiagnoseAccessEntries(t *testing.T) {
	h := start(t, "user", "API_AND_CONFIG_MAP")
	const admin = "--admin-context"
	ctx := context.Background()
	c := h.eksAPI("cluster_creator")
	cluster := aws.String(sandbox.ClusterName)

	t.Run("creator by access entry", func(t *testing.T) {
		h := *h
		h.t = t
		d := h.diagnose(nil, 0, "--context", "cluster_creator")
		expectDiag(t, d, "authorized", "", "")
		if !strings.HasPrefix(d.Source, "access entry "+sandbox.CreatorUser) {
			t.Errorf("source %q, want the creator's access entry", d.Source)
		}
	})

	t.Run("access entry overrides aws-auth", func(t *testing.T) {
		h := *h
		h.t = t
		h.run(0, "eksaccess", "--context", "cluster_creator", "add", sandbox.DesignatedUser, "--group", "system:masters", "--yes")
		d := h.diagnoseAfterChange(nil, 0, "authorized", "--context", "designated_user", admin, "cluster_creator")
		expectDiag(t, d, "authorized", "", "")
		if _, err := c.CreateAccessEntry(ctx, &eks.CreateAccessEntryInput{ClusterName: cluster, PrincipalArn: aws.String(sandbox.DesignatedUser)}); err != nil {
			t.Fatal(err)
		}
		d = h.diagnoseAfterChange(nil, 1, "forbidden", "--context", "designated_user", admin, "cluster_creator")
		expectDiag(t, d, "forbidden", "EKSA235", "aws eks delete-access-entry --cluster-name sandbox --principal-arn "+sandbox.DesignatedUser)
		firstFinding(t, d, "EKSA235")
		if !strings.HasPrefix(d.Source, "access entry") {
			t.Errorf("source %q, want the access entry", d.Source)
		}
	})

	t.Run("access policy scoped to another namespace", func(t *testing.T) {
		h := *h
		h.t = t
		if _, err := c.CreateAccessEntry(ctx, &eks.CreateAccessEntryInput{ClusterName: cluster, PrincipalArn: aws.String(sandbox.AssumeRoleUser)}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.AssociateAccessPolicy(ctx, &eks.AssociateAccessPolicyInput{ClusterName: cluster, PrincipalArn: aws.String(sandbox.AssumeRoleUser),
			PolicyArn:   aws.String("arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"),
			AccessScope: &ekstypes.AccessScope{Type: ekstypes.AccessScopeTypeNamespace, Namespaces: []string{"default"}}}); err != nil {
			t.Fatal(err)
		}
		d := h.diagnoseAfterChange(nil, 0, "authorized", "--context", "assume_role_user", admin, "cluster_creator")
		expectDiag(t, d, "authorized", "", "")
		d = h.diagnose(nil, 1, "--context", "assume_role_user", admin, "cluster_creator", "-n", "kube-system")
		expectDiag(t, d, "forbidden", "EKSA237", "--access-scope type=namespace,namespaces=default,kube-system")
		firstFinding(t, d, "EKSA237")
	})

	t.Run("aws-auth only in API mode", func(t *testing.T) {
		h := *h
		h.t = t
		h.run(0, "eksaccess", "--context", "cluster_creator", "add", sandbox.CreatorRole, "--group", "system:masters", "--yes")
		d := h.diagnoseAfterChange(nil, 0, "authorized", "--context", "creator_role", admin, "cluster_creator")
		expectDiag(t, d, "authorized", "", "")
		if _, err := c.UpdateClusterConfig(ctx, &eks.UpdateClusterConfigInput{Name: cluster, AccessConfig: &ekstypes.UpdateAccessConfigRequest{AuthenticationMode: ekstypes.AuthenticationModeApi}}); err != nil {
			t.Fatal(err)
		}
		d = h.diagnoseAfterChange(nil, 1, "unauthorized", "--context", "creator_role", admin, "cluster_creator")
		expectDiag(t, d, "unauthorized", "EKSA210", "aws eks create-access-entry --cluster-name sandbox --principal-arn "+sandbox.CreatorRole)
		firstFinding(t, d, "EKSA210")
	})
}

// aws-auth deleted (CONFIG_MAP mode): everybody but the creator is out, and
// diagnose says why; once the creator adds the user back (which creates
// aws-auth), the user is in.
func TestDiagnoseAWSAuthMissing(t *testing.T) {
	h := start(t, "user", "")
	h.contains(`configmap "aws-auth" deleted`, 0, "--context", sandbox.AdminContext, "-n", "kube-system", "delete", "configmap", "aws-auth")
	d := h.diagnose(nil, 1, "--context", "designated_user", "--admin-context", "cluster_creator")
	expectDiag(t, d, "unauthorized", "EKSA219", "")
	// The creator keeps its hidden admin access and recreates aws-auth.
	h.contains("configmap/aws-auth created", 0, "eksaccess", "--context", "cluster_creator", "add", sandbox.DesignatedUser, "--group", "system:masters", "--yes")
	d = h.diagnoseAfterChange(nil, 0, "authorized", "--context", "designated_user")
	if d.Username != "designated_user" || !d.Authenticated {
		t.Errorf("after add: username %q authenticated %v", d.Username, d.Authenticated)
	}
}

// An exec plugin declared with client.authentication.k8s.io/v1alpha1: kubectl
// 1.24 and later refuse it before any request, and diagnose names it.
func TestDiagnoseExecV1Alpha1(t *testing.T) {
	h := start(t, "user", "")
	cfg, err := clientcmd.LoadFromFile(h.sb.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	u := cfg.AuthInfos["cluster_creator"].DeepCopy()
	u.Exec.APIVersion = "client.authentication.k8s.io/v1alpha1"
	cfg.AuthInfos["old_plugin"] = u
	c := cfg.Contexts["cluster_creator"].DeepCopy()
	c.AuthInfo = "old_plugin"
	cfg.Contexts["old_plugin"] = c
	kc := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, kc); err != nil {
		t.Fatal(err)
	}
	out := h.run(1, "--kubeconfig", kc, "--context", "old_plugin", "get", "pods")
	if !strings.Contains(out, "v1alpha1") {
		t.Errorf("kubectl does not refuse the v1alpha1 plugin as expected:\n%s", out)
	}
	r := h.diagnoseRaw(nil, "--kubeconfig", kc, "--context", "old_plugin", "-o", "json")
	var d diagnosis
	if err := json.Unmarshal([]byte(r.stdout), &d); err != nil {
		t.Fatalf("not JSON (exit %d): %v\n%s\n%s", r.rc, err, r.stdout, r.stderr)
	}
	found := false
	for _, f := range d.Findings {
		if f.Code == "EKSA217" && strings.Contains(f.Fix+f.Message, "v1beta1") {
			found = true
		}
	}
	if !found || r.rc == 0 {
		t.Errorf("exit %d, no EKSA217 naming v1beta1: %+v", r.rc, d.Findings)
	}
}

// pastPresigner signs as if the clock said at.
type pastPresigner struct {
	p  sts.HTTPPresignerV4
	at time.Time
}

func (w pastPresigner) PresignHTTP(ctx context.Context, creds aws.Credentials, r *http.Request, payloadHash, service, region string, _ time.Time, optFns ...func(*v4.SignerOptions)) (string, http.Header, error) {
	return w.p.PresignHTTP(ctx, creds, r, payloadHash, service, region, w.at, optFns...)
}

// A token signed 20 minutes ago (an exec plugin that caches tokens too
// long, or a machine whose clock is late): the authenticator refuses it,
// and diagnose says so (EKSA213), although the identity itself is mapped.
func TestDiagnoseExpiredToken(t *testing.T) {
	h := start(t, "user", "")
	req, err := sts.NewPresignClient(sts.NewFromConfig(h.sdk("cluster_creator"))).PresignGetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{}, func(o *sts.PresignOptions) {
		o.Presigner = pastPresigner{p: o.Presigner, at: time.Now().Add(-20 * time.Minute)}
		o.ClientOptions = append(o.ClientOptions, func(so *sts.Options) {
			so.APIOptions = append(so.APIOptions,
				smithyhttp.SetHeaderValue(awstoken.ClusterIDHeader, sandbox.ClusterName),
				smithyhttp.SetHeaderValue("X-Amz-Expires", "60"))
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	cred, err := awstoken.ExecCredential(awstoken.Prefix+base64.RawURLEncoding.EncodeToString([]byte(req.URL)), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	credFile, plugin := filepath.Join(dir, "cred.json"), filepath.Join(dir, "stale-token-plugin")
	if err := os.WriteFile(credFile, cred, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(plugin, []byte("#!/bin/sh\ncat "+credFile+"\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	kc := h.withContext("stale_token", "cluster_creator", func([]string) []string { return nil })
	cfg, err := clientcmd.LoadFromFile(kc)
	if err != nil {
		t.Fatal(err)
	}
	cfg.AuthInfos["stale_token"].Exec.Command = plugin
	if err := clientcmd.WriteToFile(*cfg, kc); err != nil {
		t.Fatal(err)
	}
	h.contains("error: You must be logged in to the server", 1, "--kubeconfig", kc, "--context", "stale_token", "get", "pods")
	d := h.diagnose(nil, 1, "--kubeconfig", kc, "--context", "stale_token", "--cluster-name", sandbox.ClusterName, "--profile", "cluster_creator", "--admin-context", sandbox.AdminContext)
	expectDiag(t, d, "unauthorized", "EKSA213", "")
	firstFinding(t, d, "EKSA213")
}

// An access entry older than its principal (the user was deleted and
// created again under the same ARN): EKS matches entries by the principal's
// ID, so the entry no longer applies, and diagnose reads IAM to say so.
func TestDiagnoseStaleAccessEntry(t *testing.T) {
	h := start(t, "user", "API_AND_CONFIG_MAP")
	ctx := context.Background()
	c := h.eksAPI("cluster_creator")
	// The entry is dated 5 minutes before the user's creation.
	h.sb.State.SetNow(func() time.Time { return time.Now().Add(-5 * time.Minute) })
	_, err := c.CreateAccessEntry(ctx, &eks.CreateAccessEntryInput{ClusterName: aws.String(sandbox.ClusterName), PrincipalArn: aws.String(sandbox.DesignatedUser)})
	h.sb.State.SetNow(time.Now)
	if err != nil {
		t.Fatal(err)
	}
	d := h.diagnose(nil, 1, "--context", "cluster_creator", "--arn", sandbox.DesignatedUser)
	expectDiag(t, d, d.Verdict, "EKSA211", "")
	if d.Verdict == "authorized" {
		t.Errorf("a stale access entry diagnosed as authorized: %+v", d)
	}
}
