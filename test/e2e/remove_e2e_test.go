package e2e

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/eksaccess/kubectl-eksaccess/pkg/awsauth"
	"github.com/eksaccess/kubectl-eksaccess/pkg/kube"
	"github.com/eksaccess/kubectl-eksaccess/test/cluster"
)

// TestE2ERemoveRevokes runs `remove` on the real apiserver: every entry that
// maps the principal goes, and a mapAccounts entry that still admits it
// makes the command exit 1 (after writing) unless --allow-account.
func TestE2ERemoveRevokes(t *testing.T) {
	c := cluster.Get(t)
	const node = "- rolearn: arn:aws:iam::111122223333:role/node\n  username: system:node:{{EC2PrivateDNSName}}\n  groups:\n    - system:bootstrappers\n    - system:nodes\n"
	for _, tc := range []struct {
		name      string
		data      map[string]string
		args      []string
		code      int
		stderr    string
		after     map[string]string
		unwritten bool
	}{
		{
			name: "case variants and a pathed twin",
			data: map[string]string{awsauth.KeyRoles: node + "- rolearn: arn:aws:iam::111122223333:role/dev\n  username: dev\n", awsauth.KeyUsers: "- userarn: arn:aws:iam::111122223333:role/DEV\n  username: dev2\n"},
			args: []string{"remove", "arn:aws:iam::111122223333:role/team/dev", "--yes"},
			code: 0, stderr: "mapUsers line 1 (arn:aws:iam::111122223333:role/DEV)",
			after: map[string]string{awsauth.KeyRoles: node, awsauth.KeyUsers: ""},
		},
		{
			name: "the account still admits it",
			data: map[string]string{awsauth.KeyRoles: node, awsauth.KeyUsers: "- userarn: arn:aws:iam::111122223333:user/bob\n", awsauth.KeyAccounts: "- \"111122223333\"\n"},
			args: []string{"remove", "arn:aws:iam::111122223333:user/bob", "--yes"},
			code: 1, stderr: "error: arn:aws:iam::111122223333:user/bob still gets in: mapAccounts line 1 maps every principal of account 111122223333",
			after: map[string]string{awsauth.KeyRoles: node, awsauth.KeyUsers: "", awsauth.KeyAccounts: "- \"111122223333\"\n"},
		},
		{
			name: "the account still admits it, --allow-account",
			data: map[string]string{awsauth.KeyRoles: node, awsauth.KeyUsers: "- userarn: arn:aws:iam::111122223333:user/bob\n", awsauth.KeyAccounts: "- \"111122223333\"\n"},
			args: []string{"remove", "arn:aws:iam::111122223333:user/bob", "--yes", "--allow-account"},
			code: 0, stderr: "Warning: arn:aws:iam::111122223333:user/bob still gets in",
			after: map[string]string{awsauth.KeyRoles: node, awsauth.KeyUsers: "", awsauth.KeyAccounts: "- \"111122223333\"\n"},
		},
		{
			name: "not mapped but admitted by the account",
			data: map[string]string{awsauth.KeyRoles: node, awsauth.KeyAccounts: "- \"111122223333\"\n"},
			args: []string{"remove", "arn:aws:iam::111122223333:user/bob", "--yes"},
			code: 1, stderr: "revoke that with 'kubectl eksaccess remove --account 111122223333'",
			unwritten: true,
		},
		{
			name:  "every copy of an account",
			data:  map[string]string{awsauth.KeyRoles: node, awsauth.KeyAccounts: "- \"111122223333\"\n- \"444455556666\"\n- 111122223333\n"},
			args:  []string{"remove", "--account", "111122223333", "--yes"},
			code:  0,
			after: map[string]string{awsauth.KeyRoles: node, awsauth.KeyAccounts: "- \"444455556666\"\n"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			cms := c.Clientset.CoreV1().ConfigMaps(kube.Namespace)
			if err := cms.Delete(ctx, kube.ConfigMapName, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
				t.Fatal(err)
			}
			if _, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: kube.ConfigMapName, Namespace: kube.Namespace}, Data: tc.data}, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
			rv := liveAWSAuth(t, c).ResourceVersion
			r := run(t, "", writeArgs(t, c, tc.args...)...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.stderr) {
				t.Fatalf("exit %d, want %d with %q\nstderr: %s", r.code, tc.code, tc.stderr, r.stderr)
			}
			if n := strings.Count(r.stderr, "error:"); n > 1 || n == 1 && strings.Count(strings.SplitN(r.stderr, "error:", 2)[1], "\n") != 1 {
				t.Errorf("the error is not one line:\n%s", r.stderr)
			}
			live := liveAWSAuth(t, c)
			if tc.unwritten {
				if live.ResourceVersion != rv {
					t.Errorf("aws-auth was written")
				}
				return
			}
			for k, v := range tc.after {
				if live.Data[k] != v {
					t.Errorf("%s = %q, want %q", k, live.Data[k], v)
				}
			}
		})
	}
}
