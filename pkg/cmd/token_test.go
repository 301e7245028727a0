package cmd

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/eksaccess/kubectl-eksaccess/pkg/awsapi"
)

func TestTokenExecCredential(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "none"))
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_PROFILE", "")
	for _, tc := range []struct {
		execInfo, wantAPI string
	}{
		{"", "client.authentication.k8s.io/v1beta1"},
		{`{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","spec":{"interactive":false}}`, "client.authentication.k8s.io/v1"},
	} {
		t.Setenv("KUBERNETES_EXEC_INFO", tc.execInfo)
		r := run(t, "", "token", "--cluster-name", "demo", "--region", "eu-west-1")
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		if strings.Contains(r.stdout+r.stderr, "wJalrXUtnFEMI") {
			t.Fatal("the secret key was printed")
		}
		var cred struct {
			APIVersion, Kind string
			Status           struct {
				Token               string
				ExpirationTimestamp time.Time
			}
		}
		if err := json.Unmarshal([]byte(r.stdout), &cred); err != nil {
			t.Fatalf("not JSON: %v\n%s", err, r.stdout)
		}
		if cred.APIVersion != tc.wantAPI || cred.Kind != "ExecCredential" {
			t.Errorf("apiVersion %q kind %q, want %q ExecCredential", cred.APIVersion, cred.Kind, tc.wantAPI)
		}
		info, err := awsapi.DecodeToken(cred.Status.Token, time.Now())
		if err != nil || info.Region != "eu-west-1" || info.Host != "sts.eu-west-1.amazonaws.com" {
			t.Errorf("token: %+v, %v", info, err)
		}
		if d := time.Until(cred.Status.ExpirationTimestamp); d < 13*time.Minute || d > 15*time.Minute {
			t.Errorf("expiration in %v, want about 14m", d)
		}
	}
	if r := run(t, "", "token"); r.code != 1 || !strings.Contains(r.stderr, "--cluster-name is required") {
		t.Errorf("no cluster name: %+v", r)
	}
}

// awsCLI is the real AWS CLI, the witness of the token tests; without it
// the test is skipped, or fails with EKSACCESS_E2E=required.
func awsCLI(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("aws")
	if err != nil {
		if os.Getenv("EKSACCESS_E2E") == "required" {
			t.Fatal("no aws (the AWS CLI) on PATH: install awscli 1.x (pip install awscli) or AWS CLI v2")
		}
		t.Skip("skipping: no aws (the AWS CLI) on PATH")
	}
	return path
}

func unsetenv(t *testing.T, keys ...string) {
	for _, k := range keys {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
}

// tokenDate is the X-Amz-Date signed into an ExecCredential's token.
func tokenDate(t *testing.T, cred map[string]any) string {
	t.Helper()
	status, _ := cred["status"].(map[string]any)
	tok, _ := status["token"].(string)
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(tok, awsapi.TokenPrefix))
	if err != nil {
		t.Fatalf("token %.20s...: %v", tok, err)
	}
	u, err := url.Parse(string(raw))
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("X-Amz-Date")
}

// TestTokenMatchesAWSCLI: with the same credentials in the same second, the
// plugin prints the ExecCredential `aws eks get-token` prints, token byte for
// byte, including the global STS endpoint when no region is configured. The
// plugin's clock is stopped at the second the AWS CLI signed in, so that the
// test does not depend on both running within one second (it did, and
// failed on a loaded machine).
func TestTokenMatchesAWSCLI(t *testing.T) {
	awsBin := awsCLI(t)
	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "none"))
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	unsetenv(t, "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_SESSION_TOKEN",
		"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS", "AWS_STS_REGIONAL_ENDPOINTS", "KUBERNETES_EXEC_INFO")
	for _, tc := range []struct {
		name     string
		env      map[string]string
		args     []string
		wantHost string
	}{
		{"no region", nil, nil, "sts.amazonaws.com"},
		{"--region", nil, []string{"--region", "eu-west-1"}, "sts.eu-west-1.amazonaws.com"},
		{"--region us-east-1", nil, []string{"--region", "us-east-1"}, "sts.us-east-1.amazonaws.com"},
		// awscli 1.x reads AWS_DEFAULT_REGION, not AWS_REGION (the Go SDK and AWS CLI v2 read both).
		{"AWS_DEFAULT_REGION", map[string]string{"AWS_DEFAULT_REGION": "ap-southeast-2"}, nil, "sts.ap-southeast-2.amazonaws.com"},
		{"cn partition", nil, []string{"--region", "cn-north-1"}, "sts.cn-north-1.amazonaws.com.cn"},
		{"session token", map[string]string{"AWS_SESSION_TOKEN": "FwoGZXIvYXdzEXAMPLE/session+token=="}, []string{"--region", "eu-west-1"}, "sts.eu-west-1.amazonaws.com"},
		{"exec info v1", map[string]string{"KUBERNETES_EXEC_INFO": `{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","spec":{"interactive":false}}`}, nil, "sts.amazonaws.com"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			args := append([]string{"token", "--cluster-name", "demo"}, tc.args...)
			cliArgs := append([]string{"eks", "get-token", "--cluster-name", "demo", "--output", "json"}, tc.args...)
			// The plugin signs in the second the AWS CLI signed in (its
			// X-Amz-Date); the CLI reads its clock again for the expiration,
			// which may fall in the next second: then it is asked again.
			for try := 1; ; try++ {
				out, err := exec.Command(awsBin, cliArgs...).Output()
				if err != nil {
					t.Fatalf("aws %s: %v", strings.Join(cliArgs, " "), err)
				}
				var want, got map[string]any
				if err := json.Unmarshal(out, &want); err != nil {
					t.Fatalf("aws eks get-token printed no JSON: %v\n%s", err, out)
				}
				signed, err := time.Parse("20060102T150405Z", tokenDate(t, want))
				if err != nil {
					t.Fatalf("aws eks get-token's X-Amz-Date: %v", err)
				}
				if exp := want["status"].(map[string]any)["expirationTimestamp"]; exp != signed.Add(awsapi.TokenLifetime-time.Minute).Format(time.RFC3339) && try < 5 {
					continue
				}
				tokenClock = func() time.Time { return signed }
				r := run(t, "", args...)
				tokenClock = time.Now
				if r.code != 0 {
					t.Fatalf("token: exit %d: %s", r.code, r.stderr)
				}
				if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
					t.Fatalf("token printed no JSON: %v\n%s", err, r.stdout)
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("the plugin's ExecCredential differs from aws eks get-token's:\n got: %v\nwant: %v", got, want)
				}
				info, err := awsapi.DecodeToken(got["status"].(map[string]any)["token"].(string), time.Now())
				if err != nil || info.Host != tc.wantHost {
					t.Errorf("host %q (err %v), want %q", info.Host, err, tc.wantHost)
				}
				return
			}
		})
	}
}
