package accessentry

import (
	"fmt"
	"strings"
	"testing"

	"github.com/eksaccess/kubectl-eksaccess/pkg/awsauth"
)

var clusterAdmin = PolicyARN("aws", ClusterAdminPolicyName)

func TestExpandPolicy(t *testing.T) {
	for in, want := range map[string]string{
		"AmazonEKSClusterAdminPolicy":                 clusterAdmin,
		"amazoneksviewpolicy":                         PolicyARN("aws", "AmazonEKSViewPolicy"),
		PolicyARN("aws", "AmazonEKSEditPolicy"):       PolicyARN("aws", "AmazonEKSEditPolicy"),
		"arn:aws:iam::aws:policy/AdministratorAccess": "",
		"": "",
	} {
		got, err := ExpandPolicy("", in)
		if got != want || (want == "") != (err != nil) {
			t.Errorf("ExpandPolicy(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestDiffAndRender(t *testing.T) {
	before := &Entry{PrincipalARN: "arn:aws:iam::1:role/a/R", Type: TypeStandard, Username: "r", Groups: []string{"dev"},
		Policies: []Policy{{ARN: PolicyARN("aws", "AmazonEKSViewPolicy"), Scope: ScopeCluster}}}
	after := before.Clone()
	after.SetPolicy(Policy{ARN: PolicyARN("aws", "AmazonEKSViewPolicy"), Scope: ScopeNamespace, Namespaces: []string{"b", "a"}})
	after.SetPolicy(Policy{ARN: clusterAdmin, Scope: ScopeCluster})
	ch, err := Diff(before, &after)
	if err != nil || ch.Update || len(ch.Associate) != 2 || len(ch.Disassociate) != 0 {
		t.Fatalf("Diff = %+v, %v", ch, err)
	}
	if ch2, _ := Diff(&after, &after); !ch2.Empty() {
		t.Errorf("same entry: %+v", ch2)
	}
	if ch3, _ := Diff(before, nil); !ch3.Delete {
		t.Errorf("delete: %+v", ch3)
	}
	node := after.Clone()
	node.Type = TypeEC2Linux
	if _, err := Diff(before, &node); err == nil {
		t.Error("a type change must be refused")
	}
	r := Render(&after)
	for _, want := range []string{"type: STANDARD", "- policy: AmazonEKSClusterAdminPolicy\n  scope: cluster", "namespaces: [a, b]", "- dev"} {
		if !strings.Contains(r, want) {
			t.Errorf("Render lacks %q:\n%s", want, r)
		}
	}
	if err := CheckGroups([]string{"system:masters"}, TypeStandard); err == nil || !strings.Contains(err.Error(), "AmazonEKSClusterAdminPolicy") {
		t.Errorf("system:masters: %v", err)
	}
}

// A 30-entry aws-auth: duplicates, paths, nodes, SSO, templates, mapAccounts.
func migrationFixture() map[string]string {
	var roles strings.Builder
	w := func(arn, user string, groups ...string) {
		fmt.Fprintf(&roles, "- rolearn: %s\n  username: %s\n  groups:\n", arn, user)
		for _, g := range groups {
			fmt.Fprintf(&roles, "  - %s\n", g)
		}
	}
	w("arn:aws:iam::111122223333:role/Admin", "first-admin", "system:masters")                       // shadowed
	w("arn:aws:iam::111122223333:role/Admin", "admin:{{SessionName}}", "system:masters", "auditors") // wins
	w("arn:aws:iam::111122223333:role/eks-node", "system:node:{{EC2PrivateDNSName}}", "system:bootstrappers", "system:nodes")
	w("arn:aws:iam::111122223333:role/win-node", "system:node:{{EC2PrivateDNSName}}", "system:bootstrappers", "system:nodes", "eks:kube-proxy-windows")
	w("arn:aws:iam::111122223333:role/platform/PathRole", "never", "dev") // never matches: path
	w("arn:aws:iam::111122223333:role/Pathless", "pathless", "dev")       // resolved to /team/
	w("arn:aws:iam::111122223333:role/KeyUser", "key-{{AccessKeyID}}", "dev")
	w("arn:aws:iam::111122223333:role/Acct", "acct-{{AccountID}}", "dev")
	w("arn:aws:iam::111122223333:role/Reserved", "eks:thing", "dev")
	w("arn:aws:iam::111122223333:role/Gone", "gone", "dev")
	w("arn:aws:iam::111122223333:role/Existing", "existing", "dev")
	w("arn:aws:iam::111122223333:role/Half", "half", "system:masters")
	w("arn:aws:iam::111122223333:role/Conflict", "mine", "dev")
	for i := 0; i < 10; i++ {
		w(fmt.Sprintf("arn:aws:iam::111122223333:role/Dev%d", i), fmt.Sprintf("dev%d", i), "developers")
	}
	roles.WriteString("- sso:\n    permissionSetName: Admins\n    accountID: \"111122223333\"\n  username: sso-admin\n  groups:\n  - system:masters\n")
	users := `- userarn: arn:aws:iam::111122223333:user/alice
  username: alice
  groups: [system:masters]
- userarn: arn:aws:iam::111122223333:user/bob
  username: bob
  groups: [viewers]
- userarn: arn:aws:iam::111122223333:user/bob
  username: bob2
  groups: [editors]
- userarn: arn:aws:iam::111122223333:user/carol
  username: carol
  groups: [system:authenticated]
`
	return map[string]string{"mapRoles": roles.String(), "mapUsers": users, "mapAccounts": "- \"444455556666\"\n- \"777788889999\"\n"}
}

func TestPlanMigration(t *testing.T) {
	m := awsauth.Parse(migrationFixture())
	if n := len(m.Entries); n != 30 {
		t.Fatalf("fixture has %d entries, want 30", n)
	}
	plan := PlanMigration(PlanInput{
		Map:        m,
		Resolved:   map[string]string{"arn:aws:iam::111122223333:role/pathless": "arn:aws:iam::111122223333:role/team/Pathless"},
		Unresolved: map[string]string{"arn:aws:iam::111122223333:role/gone": "IAM has no role named Gone"},
		Existing: []Entry{
			{PrincipalARN: "arn:aws:iam::111122223333:role/Existing", Type: TypeStandard, Username: "existing", Groups: []string{"dev"}},
			{PrincipalARN: "arn:aws:iam::111122223333:role/Half", Type: TypeStandard, Username: "half"},
			{PrincipalARN: "arn:aws:iam::111122223333:role/Conflict", Type: TypeStandard, Username: "theirs"},
		},
	})
	steps := map[string]Step{}
	for _, s := range plan.Steps {
		steps[s.Entry.PrincipalARN] = s
	}
	admin := steps["arn:aws:iam::111122223333:role/Admin"]
	if admin.Entry.Username != "admin:{{SessionName}}" || len(admin.Entry.Policies) != 1 || admin.Entry.Policies[0].ARN != clusterAdmin || strings.Join(admin.Entry.Groups, ",") != "auditors" || admin.Action != ActionCreate {
		t.Errorf("the last Admin duplicate is not the one migrated: %+v", admin)
	}
	if s := steps["arn:aws:iam::111122223333:role/eks-node"]; s.Entry.Type != TypeEC2Linux || len(s.Entry.Groups) != 0 {
		t.Errorf("node: %+v", s)
	}
	if s := steps["arn:aws:iam::111122223333:role/win-node"]; s.Entry.Type != TypeEC2Windows {
		t.Errorf("windows node: %+v", s)
	}
	if s, ok := steps["arn:aws:iam::111122223333:role/team/Pathless"]; !ok || s.From != "arn:aws:iam::111122223333:role/Pathless" {
		t.Errorf("path not restored: %+v", plan.Steps)
	}
	if s := steps["arn:aws:iam::111122223333:role/Acct"]; s.Entry.Username != "acct-111122223333" {
		t.Errorf("{{AccountID}}: %+v", s)
	}
	if s := steps["arn:aws:iam::111122223333:role/Existing"]; s.Action != ActionExists {
		t.Errorf("existing: %+v", s)
	}
	if s := steps["arn:aws:iam::111122223333:role/Half"]; s.Action != ActionComplete || len(s.Entry.Policies) != 1 {
		t.Errorf("half-done entry must be completed: %+v", s)
	}
	if s := steps["arn:aws:iam::111122223333:user/bob"]; s.Entry.Username != "bob2" {
		t.Errorf("last bob duplicate: %+v", s)
	}
	for i := 0; i < 10; i++ {
		if _, ok := steps[fmt.Sprintf("arn:aws:iam::111122223333:role/Dev%d", i)]; !ok {
			t.Errorf("Dev%d not planned", i)
		}
	}
	// Admin, eks-node, win-node, Pathless, Acct, Existing, Half, Dev0-9, alice, bob.
	if len(plan.Steps) != 19 {
		t.Errorf("%d steps, want 19: %+v", len(plan.Steps), plan.Steps)
	}
	manual := ""
	for _, m := range plan.Manual {
		manual += m.Source + " " + m.Reason + "\n"
	}
	for _, want := range []string{"{{AccessKeyID}}", "reserved prefix", "IAM has no role named Gone", "username \"theirs\"", "sso matcher", "444455556666", "777788889999", "system:authenticated"} {
		if !strings.Contains(manual, want) {
			t.Errorf("manual steps lack %q:\n%s", want, manual)
		}
	}
	if len(plan.Manual) != 8 {
		t.Errorf("%d manual steps, want 8:\n%s", len(plan.Manual), manual)
	}
	// Admin's first duplicate, the path role, bob's first duplicate.
	if len(plan.Skipped) != 3 {
		t.Errorf("skipped: %+v", plan.Skipped)
	}
	if got := Missing(plan, nil); len(got) != 19 {
		t.Errorf("Missing with no entries: %d lines: %v", len(got), got)
	}
	var all []Entry
	for _, st := range plan.Steps {
		all = append(all, st.Entry)
	}
	if got := Missing(plan, all); len(got) != 0 {
		t.Errorf("Missing with every entry: %v", got)
	}
}

func TestClusterAdmins(t *testing.T) {
	admin := Policy{ARN: clusterAdmin, Scope: ScopeCluster}
	entries := []Entry{
		{PrincipalARN: "arn:aws:iam::111122223333:role/team/Admin", Type: TypeStandard, Policies: []Policy{admin}},
		{PrincipalARN: "arn:aws:iam::111122223333:user/ns-admin", Policies: []Policy{{ARN: clusterAdmin, Scope: ScopeNamespace, Namespaces: []string{"dev"}}}},
		{PrincipalARN: "arn:aws:iam::111122223333:user/viewer", Policies: []Policy{{ARN: PolicyARN("aws", "AmazonEKSViewPolicy"), Scope: ScopeCluster}}},
		{PrincipalARN: "arn:aws:iam::111122223333:role/node", Type: TypeEC2Linux, Policies: []Policy{admin}},
	}
	var none *Entry
	if none.IsClusterAdmin() || !entries[0].IsClusterAdmin() || entries[1].IsClusterAdmin() || entries[2].IsClusterAdmin() || entries[3].IsClusterAdmin() {
		t.Error("IsClusterAdmin: only the cluster-scoped ClusterAdmin policy of a STANDARD entry counts")
	}
	// The same principal given without its path or in another case is no other admin.
	for _, arn := range []string{"arn:aws:iam::111122223333:role/Admin", "arn:aws:iam::111122223333:role/team/admin"} {
		if got := OtherClusterAdmins(entries, arn); len(got) != 0 {
			t.Errorf("OtherClusterAdmins(%s) = %v, want none", arn, got)
		}
	}
	if got := OtherClusterAdmins(entries, "arn:aws:iam::111122223333:user/viewer"); fmt.Sprint(got) != "[arn:aws:iam::111122223333:role/team/Admin]" {
		t.Errorf("OtherClusterAdmins(viewer) = %v", got)
	}
}
