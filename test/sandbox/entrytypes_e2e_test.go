package sandbox_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/eksaccess/kubectl-eksaccess/test/sandbox"
	"github.com/eksaccess/kubectl-eksaccess/test/sandbox/fakeaws"
)

// TestE2EEntryTypes: add --type for every access-entry type writes what
// EKS would (the AWS CLI reads it back), and each node-type rule is
// refused before EKS sees the request.
func TestE2EEntryTypes(t *testing.T) {
	awsBin := needAWS(t)
	h := startTypes(t, fakeaws.ModeAPI)
	add := func(args ...string) string {
		return h.run(0, append([]string{"eksaccess", "--context", "cluster_creator", "add"}, append(args, "--via", "access-entry", "--yes")...)...)
	}
	// The rules first, while no entry exists.
	h.refusedLocally(sandbox.NodeRole, []string{"EC2_LINUX", "group"}, "add", sandbox.NodeRole, "--via", "access-entry", "--type", "EC2_LINUX", "--group", "nodes", "--yes")
	h.refusedLocally(sandbox.WindowsRole, []string{"EC2_WINDOWS", "polic"}, "add", sandbox.WindowsRole, "--via", "access-entry", "--type", "EC2_WINDOWS", "--policy", "AmazonEKSViewPolicy", "--yes")
	h.refusedLocally(sandbox.FargateRole, []string{"FARGATE_LINUX", "username"}, "add", sandbox.FargateRole, "--via", "access-entry", "--type", "FARGATE_LINUX", "--username", "pods:{{SessionName}}", "--yes")
	h.refusedLocally(sandbox.DesignatedUser, []string{"HYBRID_LINUX", "role"}, "add", sandbox.DesignatedUser, "--via", "access-entry", "--type", "HYBRID_LINUX", "--yes")
	h.refusedLocally(sandbox.OtherAccountRole, []string{"444455556666"}, "add", sandbox.OtherAccountRole, "--via", "access-entry", "--type", "EC2", "--yes")
	h.refusedLocally(sandbox.ServiceLinkedRole, []string{"service-linked"}, "add", sandbox.ServiceLinkedRole, "--via", "access-entry", "--yes")

	for _, tc := range []struct{ role, typ, username string }{
		{sandbox.NodeRole, "EC2_LINUX", "system:node:{{EC2PrivateDNSName}}"},
		{sandbox.WindowsRole, "EC2_WINDOWS", "system:node:{{EC2PrivateDNSName}}"},
		{sandbox.FargateRole, "FARGATE_LINUX", "system:node:{{SessionName}}"},
		{sandbox.AutoModeRole, "EC2", "system:node:{{EC2PrivateDNSName}}"},
		{sandbox.HybridRole, "HYBRID_LINUX", "system:node:{{SessionName}}"},
		{sandbox.HyperPodRole, "HYPERPOD_LINUX", "system:node:{{SessionName}}"},
	} {
		args := []string{tc.role, "--type", tc.typ}
		if tc.typ == "EC2" {
			args = append(args, "--policy", "AmazonEKSAutoNodePolicy")
		}
		add(args...)
		e := entryOf(t, h.sb.State, tc.role)
		if tc.typ == "EC2_LINUX" || tc.typ == "EC2" {
			d := h.describeEntry(awsBin, tc.role)
			e.Type, e.Username, e.Groups = d.Type, d.Username, d.KubernetesGroups
		}
		if e.Type != tc.typ || e.Username != tc.username {
			t.Errorf("add --type %s: %s %s", tc.typ, e.Type, e.Username)
		}
	}
	if got := h.awsPolicies(awsBin, sandbox.AutoModeRole); !slices.Equal(got, []string{"AmazonEKSAutoNodePolicy(cluster)"}) {
		t.Errorf("EC2 (Auto Mode) policies: %v", got)
	}
	// STANDARD with a role of another account is fine.
	add(sandbox.OtherAccountRole, "--policy", "AmazonEKSViewPolicy")
	if e := h.describeEntry(awsBin, sandbox.OtherAccountRole); e.Type != "STANDARD" {
		t.Errorf("another account's role: %+v", e)
	}
	// list shows every type, the node group's entry EKS made included.
	out := h.run(0, "eksaccess", "--context", "cluster_creator", "list", "-o", "wide")
	for _, want := range []string{"EC2_WINDOWS", "FARGATE_LINUX", "HYBRID_LINUX", "HYPERPOD_LINUX", sandbox.ManagedNGRole} {
		if !strings.Contains(out, want) {
			t.Errorf("list -o wide lacks %s:\n%s", want, out)
		}
	}
}

// TestE2ECompletesLivePolicies: --policy completes the names
// ListAccessPolicies gives (a policy AWS added since included) on a
// reachable cluster, and the built-in list when EKS cannot be reached.
func TestE2ECompletesLivePolicies(t *testing.T) {
	h := startTypes(t, fakeaws.ModeAPI)
	_, _, plugin := need(t)
	h.sb.State.AddAccessPolicy("AmazonEKSTomorrowPolicy")
	complete := func(extra ...string) string {
		cmd := exec.Command(plugin, "__complete", "--context", "cluster_creator", "add", sandbox.DesignatedUser, "--via", "access-entry", "--policy", "")
		cmd.Env = append(append([]string(nil), h.env...), extra...)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("__complete: %v\n%s", err, out)
		}
		return string(out)
	}
	live := complete()
	for _, want := range []string{"AmazonEKSTomorrowPolicy", "AmazonEKSSecretReaderPolicy", "AmazonSagemakerHyperpodClusterPolicy"} {
		if !strings.Contains(live, want) {
			t.Errorf("live completion lacks %s:\n%s", want, live)
		}
	}
	offline := complete("AWS_ENDPOINT_URL_EKS=https://127.0.0.1:1")
	if strings.Contains(offline, "AmazonEKSTomorrowPolicy") || !strings.Contains(offline, "AmazonEKSAdminViewPolicy") || !strings.Contains(offline, "AmazonEKSClusterAdminPolicy") {
		t.Errorf("offline completion is not the built-in list:\n%s", offline)
	}
}
