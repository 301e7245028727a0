package sandbox_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/eksaccess/kubectl-eksaccess/test/sandbox"
	"github.com/eksaccess/kubectl-eksaccess/test/sandbox/fakeaws"
)

// TestE2ESSOPermissionSets: --sso-permission-set resolves the
// AWSReservedSSO_<set>_* role through IAM: with its path into an access
// entry, without it into aws-auth; several matches or none are an error.
func TestE2ESSOPermissionSets(t *testing.T) {
	awsBin := needAWS(t)
	h := startTypes(t, fakeaws.ModeAPIAndConfigMap)
	add := func(wantRC int, args ...string) string {
		return h.run(wantRC, append([]string{"eksaccess", "--context", "cluster_creator", "add", "--yes"}, args...)...)
	}
	// One role, no region segment; the plugin says which role it found.
	if out := add(0, "--sso-permission-set", sandbox.SSOAdmin, "--via", "access-entry", "--policy", "AmazonEKSClusterAdminPolicy"); !strings.Contains(out, sandbox.SSOAdminRole) {
		t.Errorf("the role found is not named:\n%s", out)
	}
	if got := h.awsPolicies(awsBin, sandbox.SSOAdminRole); !slices.Equal(got, []string{"AmazonEKSClusterAdminPolicy(cluster)"}) {
		t.Errorf("%s: %v", sandbox.SSOAdminRole, got)
	}
	// One role with a region segment, and the account named.
	add(0, "--sso-permission-set", sandbox.SSOReadOnly, "--account", sandbox.Account, "--via", "access-entry", "--policy", "AmazonEKSViewPolicy")
	if e := h.describeEntry(awsBin, sandbox.SSOReadOnlyRole); e.PrincipalArn != sandbox.SSOReadOnlyRole {
		t.Errorf("%+v", e)
	}
	// A name that is a prefix of another's picks only its own role.
	add(0, "--sso-permission-set", sandbox.SSOAdminShort, "--via", "access-entry", "--policy", "AmazonEKSViewPolicy")
	entries := h.awsEntries(awsBin)
	if !slices.Contains(entries, sandbox.SSOAdminShortRole) {
		t.Errorf("Admin: %v", entries)
	}
	// Into aws-auth: the same role without its path.
	add(0, "--sso-permission-set", sandbox.SSOReadOnly, "--via", "aws-auth", "--group", sandbox.ViewerGroup)
	cm, err := h.sb.Clientset.CoreV1().ConfigMaps("kube-system").Get(context.Background(), "aws-auth", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if m := cm.Data["mapRoles"]; !strings.Contains(m, "rolearn: arn:aws:iam::111122223333:role/AWSReservedSSO_ReadOnlyAccess_89abcdef01234567") || strings.Contains(m, "aws-reserved") {
		t.Errorf("aws-auth mapRoles:\n%s", m)
	}
	// diagnose --sso-permission-set diagnoses the same role (found in IAM,
	// named on stderr): its access entry's ClusterAdmin policy lets it list
	// pods, which the access review about another principal (RBAC only)
	// cannot see. Several roles are the same one-line error, exit 2.
	out := h.run(0, "eksaccess", "--context", "cluster_creator", "diagnose", "--sso-permission-set", sandbox.SSOAdmin, "-o", "jsonpath={.arn} {.verdict}")
	if !strings.Contains(out, "Found permission set "+sandbox.SSOAdmin+" is IAM role "+sandbox.SSOAdminRole) || !strings.Contains(out, sandbox.SSOAdminRole+" authorized") {
		t.Errorf("diagnose --sso-permission-set %s:\n%s", sandbox.SSOAdmin, out)
	}
	if out := h.run(2, "eksaccess", "--context", "cluster_creator", "diagnose", "--sso-permission-set", sandbox.SSOPowerUser); !strings.Contains(out, sandbox.SSOPowerUserRoleEU) {
		t.Errorf("diagnose with two roles:\n%s", out)
	}
	// Two roles, or none: an error naming them, nothing written.
	out = add(1, "--sso-permission-set", sandbox.SSOPowerUser, "--via", "access-entry", "--policy", "AmazonEKSViewPolicy")
	if !strings.Contains(out, sandbox.SSOPowerUserRoleEU) || !strings.Contains(out, sandbox.SSOPowerUserRoleUS) {
		t.Errorf("two roles are not both named:\n%s", out)
	}
	out = add(1, "--sso-permission-set", sandbox.SSOBilling, "--via", "access-entry", "--policy", "AmazonEKSViewPolicy")
	if !strings.Contains(out, sandbox.SSOBilling) {
		t.Errorf("no role: %s", out)
	}
	after := h.awsEntries(awsBin)
	for _, arn := range []string{sandbox.SSOPowerUserRoleEU, sandbox.SSOPowerUserRoleUS, "arn:aws:iam::111122223333:role/AWSReservedSSO_Billing_7777aaaa8888bbbb"} {
		if slices.Contains(after, arn) {
			t.Errorf("an entry was written for %s", arn)
		}
	}
	// remove takes the permission set too.
	h.run(0, "eksaccess", "--context", "cluster_creator", "remove", "--sso-permission-set", sandbox.SSOAdminShort, "--via", "access-entry", "--yes")
	if slices.Contains(h.awsEntries(awsBin), sandbox.SSOAdminShortRole) {
		t.Errorf("remove --sso-permission-set left the entry")
	}
}
