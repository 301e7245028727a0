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

// TestE2EUpdateInPlace: add on an existing access entry changes it in
// place (UpdateAccessEntry, associate), showing the change; --append-groups
// merges; the type never changes; the AWS CLI reads back each step.
func TestE2EUpdateInPlace(t *testing.T) {
	awsBin := needAWS(t)
	h := startTypes(t, fakeaws.ModeAPI)
	add := func(args ...string) string {
		return h.run(0, append([]string{"eksaccess", "--context", "cluster_creator", "add", sandbox.DesignatedUser, "--via", "access-entry", "--yes"}, args...)...)
	}
	add("--group", "devs", "--policy", "AmazonEKSViewPolicy", "--namespace", "default")
	created := entryOf(t, h.sb.State, sandbox.DesignatedUser).Created

	if out := add("--group", "ops", "--append-groups"); !strings.Contains(out, "ops") {
		t.Errorf("the change is not shown:\n%s", out)
	}
	if e := h.describeEntry(awsBin, sandbox.DesignatedUser); !slices.Equal(e.KubernetesGroups, []string{"devs", "ops"}) || e.Type != "STANDARD" {
		t.Errorf("--append-groups: %+v", e)
	}
	add("--group", "qa")
	if e := h.describeEntry(awsBin, sandbox.DesignatedUser); !slices.Equal(e.KubernetesGroups, []string{"qa"}) {
		t.Errorf("--group replaces: %+v", e)
	}
	add("--username", "designated:{{SessionName}}", "--group", "qa")
	if e := h.describeEntry(awsBin, sandbox.DesignatedUser); e.Username != "designated:{{SessionName}}" {
		t.Errorf("--username: %+v", e)
	}
	add("--group", "qa", "--policy", "AmazonEKSViewPolicy", "--policy", "AmazonEKSSecretReaderPolicy", "--namespace", "default")
	if got := h.awsPolicies(awsBin, sandbox.DesignatedUser); !slices.Contains(got, "AmazonEKSSecretReaderPolicy(namespace:default)") || !slices.Contains(got, "AmazonEKSViewPolicy(namespace:default)") {
		t.Errorf("policies after the update: %v", got)
	}
	// The same entry, updated: never deleted and made again.
	if e := entryOf(t, h.sb.State, sandbox.DesignatedUser); !e.Created.Equal(created) {
		t.Errorf("the entry was replaced (created %v, then %v)", created, e.Created)
	}
	// A type change is refused before any call, saying how to replace it.
	h.refusedLocally("", []string{"EC2_LINUX", "remove"}, "add", sandbox.DesignatedUser, "--via", "access-entry", "--type", "EC2_LINUX", "--yes")
	if e := h.describeEntry(awsBin, sandbox.DesignatedUser); e.Type != "STANDARD" {
		t.Errorf("the type changed: %+v", e)
	}
	// The node group's entry (EKS made it) takes no groups.
	h.refusedLocally("", []string{"EC2_LINUX"}, "add", sandbox.ManagedNGRole, "--via", "access-entry", "--group", "ops", "--yes")
}

// TestE2EMigrateEKSMadeEntries: migrate on a cluster whose aws-auth holds
// an SSO role (pathless, as aws-auth needs) and whose managed node group
// and creator already have entries EKS made: the SSO role's entry gets its
// path, the self-managed node role an EC2_LINUX entry, and EKS's own
// entries are recognised, not duplicated or changed.
func TestE2EMigrateEKSMadeEntries(t *testing.T) {
	awsBin := needAWS(t)
	h := startTypes(t, fakeaws.ModeAPIAndConfigMap)
	ctx := context.Background()
	cms := h.sb.Clientset.CoreV1().ConfigMaps("kube-system")
	cm, err := cms.Get(ctx, "aws-auth", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cm.Data["mapRoles"] += "- rolearn: arn:aws:iam::111122223333:role/AWSReservedSSO_AdministratorAccess_0a1b2c3d4e5f6789\n  username: sso-admin:{{SessionName}}\n  groups:\n    - " + sandbox.ViewerGroup + "\n"
	if _, err := cms.Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	before := entryOf(t, h.sb.State, sandbox.ManagedNGRole)
	creator := entryOf(t, h.sb.State, sandbox.CreatorUser)
	h.run(0, "eksaccess", "--context", "cluster_creator", "migrate", "--approve")

	if e := h.describeEntry(awsBin, sandbox.SSOAdminRole); e.Username != "sso-admin:{{SessionName}}" || !slices.Equal(e.KubernetesGroups, []string{sandbox.ViewerGroup}) || e.Type != "STANDARD" {
		t.Errorf("the SSO role's entry: %+v", e)
	}
	if e := h.describeEntry(awsBin, sandbox.NodeRole); e.Type != "EC2_LINUX" {
		t.Errorf("the self-managed node role's entry: %+v", e)
	}
	if e := entryOf(t, h.sb.State, sandbox.ManagedNGRole); !e.Modified.Equal(before.Modified) || e.Type != "EC2_LINUX" {
		t.Errorf("the managed node group's entry was touched: %+v", e)
	}
	if e := entryOf(t, h.sb.State, sandbox.CreatorUser); !e.Modified.Equal(creator.Modified) || len(e.Policies) != 1 {
		t.Errorf("the creator's entry was touched: %+v", e)
	}
	entries := h.awsEntries(awsBin)
	for _, pathless := range []string{"arn:aws:iam::111122223333:role/AWSReservedSSO_AdministratorAccess_0a1b2c3d4e5f6789"} {
		if slices.Contains(entries, pathless) {
			t.Errorf("an entry without the path: %v", entries)
		}
	}
	// A second run has nothing left to create.
	out := h.run(0, "eksaccess", "--context", "cluster_creator", "migrate")
	if strings.Contains(out, "\n  create ") || !strings.Contains(out, "(0 to create or complete)") {
		t.Errorf("migrate again plans creations:\n%s", out)
	}
}
