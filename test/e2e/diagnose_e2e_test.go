package e2e

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/eksaccess/kubectl-eksaccess/test/cluster"
)

// TestE2EDiagnoseForbidden: a mapped user whose group no RBAC binding names
// is Forbidden, not Unauthorized; binding the group makes it authorized.
func TestE2EDiagnoseForbidden(t *testing.T) {
	c := cluster.Get(t)
	putAWSAuth(t, c, "aws-auth-eksctl.yaml")
	r := run(t, "", "--kubeconfig", c.Kubeconfig, "add", "arn:aws:iam::111122223333:user/dev", "--group", "developers", "--yes", "--backup-dir", t.TempDir())
	if r.code != 0 {
		t.Fatalf("add: %s", r.stderr)
	}
	args := []string{"--kubeconfig", c.Kubeconfig, "diagnose", "--arn", "arn:aws:iam::111122223333:user/dev", "-o", "json"}
	r = run(t, "", args...)
	var d struct {
		Verdict, Username string
		Groups            []string
		Findings          []struct{ Code, Fix string }
	}
	if err := json.Unmarshal([]byte(r.stdout), &d); err != nil {
		t.Fatalf("not JSON (exit %d): %v\n%s\n%s", r.code, err, r.stdout, r.stderr)
	}
	if r.code != 1 || d.Verdict != "forbidden" || d.Username != "dev" || strings.Join(d.Groups, ",") != "developers" {
		t.Fatalf("exit %d, diagnosis %+v\n%s", r.code, d, r.stderr)
	}
	if !hasCode(d.Findings, "EKSA231") {
		t.Errorf("no EKSA231 (groups bound to nothing): %+v", d.Findings)
	}

	ctx := context.Background()
	rbac := c.Clientset.RbacV1()
	role := &rbacv1.Role{ObjectMeta: metav1.ObjectMeta{Name: "pod-reader", Namespace: "default"},
		Rules: []rbacv1.PolicyRule{{APIGroups: []string{""}, Resources: []string{"pods"}, Verbs: []string{"get", "list", "watch"}}}}
	binding := &rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Name: "developers-read-pods", Namespace: "default"},
		Subjects: []rbacv1.Subject{{Kind: rbacv1.GroupKind, Name: "developers", APIGroup: rbacv1.GroupName}},
		RoleRef:  rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "Role", Name: "pod-reader"}}
	if _, err := rbac.Roles("default").Create(ctx, role, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := rbac.RoleBindings("default").Create(ctx, binding, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = rbac.RoleBindings("default").Delete(ctx, binding.Name, metav1.DeleteOptions{})
		_ = rbac.Roles("default").Delete(ctx, role.Name, metav1.DeleteOptions{})
	})
	r = run(t, "", args...)
	if r.code != 0 || !strings.Contains(r.stdout, `"verdict": "authorized"`) {
		t.Errorf("after binding the group: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	// Another namespace is still refused.
	r = run(t, "", append(args, "-n", "kube-system")...)
	if r.code != 1 || !strings.Contains(r.stdout, `"verdict": "forbidden"`) {
		t.Errorf("kube-system: exit %d\n%s", r.code, r.stdout)
	}
}

func hasCode(fs []struct{ Code, Fix string }, code string) bool {
	for _, f := range fs {
		if f.Code == code {
			return true
		}
	}
	return false
}
