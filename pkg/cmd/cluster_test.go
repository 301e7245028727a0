package cmd

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/eksaccess/kubectl-eksaccess/third_party/forked/genericclioptions"
)

const execKubeconfig = `apiVersion: v1
kind: Config
current-context: prod
contexts:
- name: prod
  context: {cluster: prod, user: prod}
- name: legacy
  context: {cluster: legacy, user: legacy}
- name: plain
  context: {cluster: legacy, user: plain}
- name: awscli
  context: {cluster: prod, user: awscli}
clusters:
- name: prod
  cluster: {server: "https://ABC.gr7.eu-west-1.eks.amazonaws.com"}
- name: legacy
  cluster: {server: "https://DEF.yl4.us-east-2.eks.amazonaws.com"}
users:
- name: prod
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: aws
      args: [--region, eu-west-1, eks, get-token, --cluster-name, prod-cluster, --output, json, --role-arn, "arn:aws:iam::111122223333:role/Admin"]
      env:
      - {name: AWS_PROFILE, value: ops}
- name: legacy
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: aws-iam-authenticator
      args: [token, -i, legacy-cluster, --profile=dev]
- name: plain
  user: {token: abc}
# as 'aws eks update-kubeconfig --name demo --role-arn ...' writes it
- name: awscli
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: aws
      args: [--region, eu-west-1, eks, get-token, --cluster-name, demo, --output, json, --role, "arn:aws:iam::111122223333:role/Deployer"]
`

func TestClusterLocate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(path, []byte(execKubeconfig), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_PROFILE", "")
	for _, tc := range []struct {
		name, context, flagName, flagRegion, flagProfile string
		want                                             clusterLocation
		why                                              bool
	}{
		{name: "aws eks get-token", context: "prod", want: clusterLocation{Name: "prod-cluster", Region: "eu-west-1", Profile: "ops", RoleARN: "arn:aws:iam::111122223333:role/Admin"}},
		{name: "aws-iam-authenticator -i, region from the endpoint", context: "legacy", want: clusterLocation{Name: "legacy-cluster", Region: "us-east-2", Profile: "dev"}},
		{name: "flags win", context: "prod", flagName: "other", flagRegion: "ap-south-1", flagProfile: "p", want: clusterLocation{Name: "other", Region: "ap-south-1", Profile: "p", RoleARN: "arn:aws:iam::111122223333:role/Admin"}},
		{name: "aws eks update-kubeconfig --role-arn writes --role", context: "awscli", want: clusterLocation{Name: "demo", Region: "eu-west-1", RoleARN: "arn:aws:iam::111122223333:role/Deployer"}},
		{name: "no exec plugin", context: "plain", why: true, want: clusterLocation{Region: "us-east-2"}},
		{name: "no exec plugin, named by flag", context: "plain", flagName: "x", want: clusterLocation{Name: "x", Region: "us-east-2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			flags := genericclioptions.NewConfigFlags(false)
			flags.KubeConfig, flags.Context = &path, &tc.context
			ct := clusterTarget{configFlags: flags, ClusterName: tc.flagName, Region: tc.flagRegion, Profile: tc.flagProfile}
			got, why := ct.locate(true)
			if (why != "") != tc.why || got != tc.want {
				t.Errorf("locate = %+v, %q; want %+v (reason: %v)", got, why, tc.want, tc.why)
			}
		})
	}
}
