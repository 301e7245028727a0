package sandbox_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/eksaccess/kubectl-eksaccess/test/internal/e2eenv"
	"github.com/eksaccess/kubectl-eksaccess/test/sandbox"
	"github.com/eksaccess/kubectl-eksaccess/test/sandbox/awstoken"
	"github.com/eksaccess/kubectl-eksaccess/test/sandbox/fakeaws"
	"github.com/eksaccess/kubectl-eksaccess/test/sandbox/webhook"
)

// needAWS is the real AWS CLI (awscli 1.x with botocore that knows access
// entries and AWS_ENDPOINT_URL_*, or v2): the skip, or the failure with
// EKSACCESS_E2E=required, when there is none.
func needAWS(t *testing.T) string {
	t.Helper()
	return e2eenv.Tool(t, "aws", "install the AWS CLI: awscli (pip install 'awscli>=1.32') or AWS CLI v2")
}

// needPlugin is the built plugin (EKSACCESS_PLUGIN).
func needPlugin(t *testing.T) string {
	t.Helper()
	return e2eenv.Env(t, "EKSACCESS_PLUGIN", "it names the built bin/kubectl-eksaccess: run 'make test-e2e'")
}

// awsOnly is the sandbox's STS, EKS and IAM without a control plane, and the
// environment that points the AWS CLI and the plugin at them.
type awsOnly struct {
	state *fakeaws.State
	srv   *fakeaws.Servers
	ca    *fakeaws.CA
	env   []string
}

func startAWS(t *testing.T, seed *fakeaws.Seed) *awsOnly {
	t.Helper()
	if seed == nil {
		var err error
		if seed, err = sandbox.DefaultSeed("user", ""); err != nil {
			t.Fatal(err)
		}
	}
	st, err := fakeaws.NewState(seed)
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
	dir := t.TempDir()
	cfg, creds, caFile := filepath.Join(dir, "aws-config"), filepath.Join(dir, "aws-credentials"), filepath.Join(dir, "ca.pem")
	if err := sandbox.WriteAWSFiles(st, cfg, creds); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(caFile, ca.PEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return &awsOnly{state: st, srv: srv, ca: ca, env: []string{
		"HOME=" + dir, "PATH=" + os.Getenv("PATH"),
		"AWS_CONFIG_FILE=" + cfg, "AWS_SHARED_CREDENTIALS_FILE=" + creds, "AWS_CA_BUNDLE=" + caFile,
		"AWS_ENDPOINT_URL_STS=" + srv.STSURL, "AWS_ENDPOINT_URL_EKS=" + srv.EKSURL, "AWS_ENDPOINT_URL_IAM=" + srv.IAMURL,
		"AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=",
	}}
}

// run runs a command in the environment plus extra and returns its stdout.
func (a *awsOnly) run(t *testing.T, extra []string, name string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(append([]string(nil), a.env...), extra...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, stderr.String())
	}
	return out
}

// presigned is the URL inside an ExecCredential's token.
func presigned(t *testing.T, execCredential []byte) (*url.URL, string) {
	t.Helper()
	var cred struct{ Status struct{ Token string } }
	if err := json.Unmarshal(execCredential, &cred); err != nil {
		t.Fatalf("not an ExecCredential: %v\n%s", err, execCredential)
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(cred.Status.Token, awstoken.Prefix))
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(string(raw))
	if err != nil {
		t.Fatal(err)
	}
	return u, cred.Status.Token
}

// caller replays a presigned URL to the local STS as the authenticator does
// and returns the ARN STS names.
func (a *awsOnly) caller(t *testing.T, u *url.URL, cluster string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u.String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set(awstoken.ClusterIDHeader, cluster)
	req.Header.Set("Accept", "application/json")
	resp, err := a.ca.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		GetCallerIdentityResponse struct{ GetCallerIdentityResult struct{ Arn string } }
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("replaying the token to STS: %d %v", resp.StatusCode, err)
	}
	return out.GetCallerIdentityResponse.GetCallerIdentityResult.Arn
}

// masked is a presigned URL without what differs between two AssumeRole
// sessions: the key, the session token and the signature.
func masked(u *url.URL) string {
	q := u.Query()
	cred := strings.SplitN(q.Get("X-Amz-Credential"), "/", 2)
	q.Set("X-Amz-Credential", "KEY/"+cred[len(cred)-1])
	for _, k := range []string{"X-Amz-Security-Token", "X-Amz-Signature"} {
		if q.Has(k) {
			q.Set(k, "...")
		}
	}
	c := *u
	c.RawQuery = q.Encode()
	return c.String()
}

// redact is a presigned URL in its own order with the session token and
// the signature cut short: a failure message shows no usable credential.
func redact(u *url.URL) string {
	pairs := strings.Split(u.RawQuery, "&")
	for i, p := range pairs {
		if k, v, _ := strings.Cut(p, "="); k == "X-Amz-Security-Token" || k == "X-Amz-Signature" {
			pairs[i] = k + "=" + v[:min(6, len(v))] + "..."
		}
	}
	return u.Scheme + "://" + u.Host + u.Path + "?" + strings.Join(pairs, "&")
}

// sameSecond runs make until the AWS CLI's and the plugin's URLs carry the
// same X-Amz-Date (each run takes a fraction of a second), with a deadline.
func sameSecond(t *testing.T, make func() (cli, plugin []byte)) (cli, plugin []byte) {
	t.Helper()
	deadline := time.Now().Add(45 * time.Second)
	for try := 1; ; try++ {
		cli, plugin = make()
		cu, _ := presigned(t, cli)
		pu, _ := presigned(t, plugin)
		if cu.Query().Get("X-Amz-Date") == pu.Query().Get("X-Amz-Date") {
			return cli, plugin
		}
		if time.Now().After(deadline) {
			t.Fatalf("no two tokens made in the same second in %d tries", try)
		}
	}
}

// TestTokenRoleARNMatchesAWSCLI: `token --role-arn` assumes the role as
// `aws eks get-token --role-arn` does (session EKSGetTokenAuth), against the
// sandbox STS; and with the same session credentials both tokens are the
// same bytes.
func TestTokenRoleARNMatchesAWSCLI(t *testing.T) {
	awsBin, plugin := needAWS(t), needPlugin(t)
	a := startAWS(t, nil)
	user := []string{"AWS_PROFILE=assume_role_user"}
	cli, plug := sameSecond(t, func() ([]byte, []byte) {
		return a.run(t, user, awsBin, "eks", "get-token", "--cluster-name", sandbox.ClusterName, "--role-arn", sandbox.CreatorRole, "--output", "json"),
			a.run(t, user, plugin, "token", "--cluster-name", sandbox.ClusterName, "--role-arn", sandbox.CreatorRole)
	})
	cu, _ := presigned(t, cli)
	pu, _ := presigned(t, plug)
	if masked(cu) != masked(pu) {
		t.Errorf("the URLs differ beyond key, session token and signature:\n plugin: %s\naws cli: %s", masked(pu), masked(cu))
	}
	want := "arn:aws:sts::111122223333:assumed-role/eks-creator/EKSGetTokenAuth"
	if got := a.caller(t, cu, sandbox.ClusterName); got != want {
		t.Errorf("aws eks get-token --role-arn: STS says %s, want %s", got, want)
	}
	if got := a.caller(t, pu, sandbox.ClusterName); got != want {
		t.Errorf("kubectl eksaccess token --role-arn: STS says %s, want %s", got, want)
	}
	other, _ := presigned(t, a.run(t, user, plugin, "token", "--cluster-name", sandbox.ClusterName, "--role-arn", sandbox.CreatorRole, "--session-name", "alice"))
	if got := a.caller(t, other, sandbox.ClusterName); got != "arn:aws:sts::111122223333:assumed-role/eks-creator/alice" {
		t.Errorf("--session-name alice: STS says %s", got)
	}

	// The same session credentials (from the AWS CLI's own AssumeRole): the
	// same token, byte for byte.
	var assumed struct {
		Credentials struct{ AccessKeyId, SecretAccessKey, SessionToken string }
	}
	out := a.run(t, user, awsBin, "sts", "assume-role", "--role-arn", sandbox.CreatorRole, "--role-session-name", "EKSGetTokenAuth", "--output", "json")
	if err := json.Unmarshal(out, &assumed); err != nil {
		t.Fatal(err)
	}
	session := []string{"AWS_ACCESS_KEY_ID=" + assumed.Credentials.AccessKeyId, "AWS_SECRET_ACCESS_KEY=" + assumed.Credentials.SecretAccessKey,
		"AWS_SESSION_TOKEN=" + assumed.Credentials.SessionToken, "AWS_DEFAULT_REGION=" + sandbox.Region}
	cli, plug = sameSecond(t, func() ([]byte, []byte) {
		return a.run(t, session, awsBin, "eks", "get-token", "--cluster-name", sandbox.ClusterName, "--output", "json"),
			a.run(t, session, plugin, "token", "--cluster-name", sandbox.ClusterName)
	})
	cu, ctok := presigned(t, cli)
	pu, ptok := presigned(t, plug)
	if ctok != ptok {
		t.Errorf("same session credentials, same second, different tokens:\n plugin: %s\naws cli: %s", redact(pu), redact(cu))
	}
	if got := a.caller(t, cu, sandbox.ClusterName); got != want {
		t.Errorf("session token: STS says %s, want %s", got, want)
	}
}

// TestAWSCLITokensForRealSTSHosts: `aws eks get-token` without
// AWS_ENDPOINT_URL_STS signs for the real STS hosts; the sandbox's
// authenticator takes the ones the real one takes, and verifies them against
// the local STS.
func TestAWSCLITokensForRealSTSHosts(t *testing.T) {
	awsBin := needAWS(t)
	a := startAWS(t, nil)
	u, _ := url.Parse(a.srv.STSURL)
	hook := &webhook.Handler{Cluster: sandbox.ClusterName, State: a.state, STSHost: u.Host, HTTP: a.ca.Client(), Log: log.New(io.Discard, "", 0)}
	real := []string{"AWS_PROFILE=designated_user", "AWS_ENDPOINT_URL_STS="}
	for _, tc := range []struct {
		name          string
		env, args     []string
		host, refusal string
	}{
		{"no region", []string{"AWS_CONFIG_FILE=/dev/null"}, nil, "sts.amazonaws.com", ""},
		{"profile region", nil, nil, "sts.us-east-1.amazonaws.com", ""},
		{"--region", nil, []string{"--region", "eu-west-1"}, "sts.eu-west-1.amazonaws.com", ""},
		{"FIPS", []string{"AWS_USE_FIPS_ENDPOINT=true"}, []string{"--region", "us-west-2"}, "sts-fips.us-west-2.amazonaws.com", ""},
		{"GovCloud", nil, []string{"--region", "us-gov-west-1"}, "sts.us-gov-west-1.amazonaws.com", ""},
		{"China", nil, []string{"--region", "cn-north-1"}, "sts.cn-north-1.amazonaws.com.cn", "partition {aws} does not support hostname sts.cn-north-1.amazonaws.com.cn"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := append(append([]string(nil), real...), tc.env...)
			out := a.run(t, env, awsBin, append([]string{"eks", "get-token", "--cluster-name", sandbox.ClusterName, "--output", "json"}, tc.args...)...)
			pu, tok := presigned(t, out)
			if pu.Host != tc.host {
				t.Fatalf("aws eks get-token signed for %s, want %s", pu.Host, tc.host)
			}
			id, err := hook.Verify(context.Background(), tok)
			if tc.refusal != "" {
				if err == nil || !strings.Contains(err.Error(), tc.refusal) {
					t.Errorf("err = %v, want the authenticator's refusal %q", err, tc.refusal)
				}
				return
			}
			if err != nil {
				t.Fatalf("the sandbox refused a token for %s: %v", tc.host, err)
			}
			if id.ARN != sandbox.DesignatedUser {
				t.Errorf("ARN %s, want %s", id.ARN, sandbox.DesignatedUser)
			}
		})
	}
}

// TestAWSCLIListsIAM: aws iam list-users and list-roles (paths, pages)
// read the sandbox's principals.
func TestAWSCLIListsIAM(t *testing.T) {
	awsBin := needAWS(t)
	a := startAWS(t, nil)
	env := []string{"AWS_PROFILE=cluster_creator"}
	names := func(out []byte, list, key string) string {
		var v map[string][]map[string]any
		if err := json.Unmarshal(out, &v); err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		var ns []string
		for _, m := range v[list] {
			ns = append(ns, m[key].(string)+"@"+m["Path"].(string))
		}
		return strings.Join(ns, " ")
	}
	if got := names(a.run(t, env, awsBin, "iam", "list-users", "--output", "json"), "Users", "UserName"); got != "assume_role_user@/ cluster_creator@/ designated_user@/" {
		t.Errorf("list-users: %s", got)
	}
	if got := names(a.run(t, env, awsBin, "iam", "list-roles", "--page-size", "1", "--output", "json"), "Roles", "Arn"); got != sandbox.CreatorRole+"@/ "+sandbox.NodeRole+"@/ "+sandbox.PathRole+"@/platform/" {
		t.Errorf("list-roles, one per page: %s", got)
	}
	if got := names(a.run(t, env, awsBin, "iam", "list-roles", "--path-prefix", "/platform/", "--output", "json"), "Roles", "RoleName"); got != "platform-admin@/platform/" {
		t.Errorf("list-roles --path-prefix /platform/: %s", got)
	}
}
