package gather

import (
	"errors"
	"slices"
	"testing"

	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/eksaccess/kubectl-eksaccess/pkg/diagnose"
)

func TestOffline(t *testing.T) {
	data := map[string]string{"mapUsers": "- userarn: arn:aws:iam::111122223333:user/alice\n  username: alice\n  groups: [devs]\n"}
	for _, tc := range []struct {
		name  string
		err   error
		steps []Step
	}{
		{"read", nil, []Step{{OK, "aws-auth read from f.yaml (1 entries)"}, {Warning, "offline: EKS, STS and RBAC not checked (mode CONFIG_MAP assumed)"}}},
		{"unreadable", errors.New("open f.yaml: no such file"), []Step{{Failed, "aws-auth: open f.yaml: no such file"}, {Warning, "offline: EKS, STS and RBAC not checked (mode CONFIG_MAP assumed)"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var steps []Step
			snap := Offline(Options{ARN: "arn:aws:iam::111122223333:user/alice", Progress: func(s Step) { steps = append(steps, s) }}, data, "f.yaml", tc.err)
			if !slices.Equal(steps, tc.steps) {
				t.Errorf("steps %v, want %v", steps, tc.steps)
			}
			if snap.Mode != diagnose.ModeConfigMap || snap.AsMyself || snap.Subject == "" {
				t.Errorf("snapshot %+v", snap)
			}
			if got := diagnose.Diagnose(snap).Verdict; tc.err == nil && got != diagnose.Authorized || tc.err != nil && got != diagnose.Unknown {
				t.Errorf("verdict %s", got)
			}
		})
	}
}

// TestExecFactsMasksSecrets: values of env names that may hold a secret
// never reach the snapshot (which -o json prints).
func TestExecFactsMasksSecrets(t *testing.T) {
	e := execFacts(&clientcmdapi.ExecConfig{Command: "aws", APIVersion: "client.authentication.k8s.io/v1beta1",
		Args: []string{"eks", "get-token", "--cluster-name", "prod", "--region", "eu-west-1"},
		Env:  []clientcmdapi.ExecEnvVar{{Name: "AWS_PROFILE", Value: "dev"}, {Name: "AWS_SECRET_ACCESS_KEY", Value: "s3cr3t"}, {Name: "AWS_SESSION_TOKEN", Value: "t0k3n"}, {Name: "my_api_key", Value: "k3y"}}})
	want := map[string]string{"AWS_PROFILE": "dev", "AWS_SECRET_ACCESS_KEY": "****", "AWS_SESSION_TOKEN": "****", "my_api_key": "****"}
	for k, v := range want {
		if e.Env[k] != v {
			t.Errorf("env %s = %q, want %q", k, e.Env[k], v)
		}
	}
	if e.ClusterName != "prod" || e.Region != "eu-west-1" || e.Profile != "dev" {
		t.Errorf("exec facts %+v", e)
	}
}
