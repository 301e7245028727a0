package cmd

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/eksaccess/kubectl-eksaccess/pkg/eks"
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
		info, err := eks.DecodeToken(cred.Status.Token, time.Now())
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
