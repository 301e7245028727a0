package sandbox_test

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/eksaccess/kubectl-eksaccess/test/sandbox"
	"github.com/eksaccess/kubectl-eksaccess/test/sandbox/fakeaws"
)

// End to end, the built plugin against the sandbox (EKS's rules as EKS
// answers them), read back by the real AWS CLI.

// startTypes is the sandbox in mode with the SSO roles, a role per node
// type and a managed node group.
func startTypes(t *testing.T, mode string) *harness {
	t.Helper()
	return startSeed(t, typesSeed(t, mode))
}

// describeEntry is aws eks describe-access-entry of principal.
func (h *harness) describeEntry(awsBin, principal string) (e struct {
	PrincipalArn, Username, Type string
	KubernetesGroups             []string
}) {
	h.t.Helper()
	var out struct {
		AccessEntry struct {
			PrincipalArn, Username, Type string
			KubernetesGroups             []string
		}
	}
	h.awsJSON(awsBin, &out, "eks", "describe-access-entry", "--cluster-name", sandbox.ClusterName, "--principal-arn", principal, "--profile", "cluster_creator")
	return out.AccessEntry
}

// awsEntries is aws eks list-access-entries.
func (h *harness) awsEntries(awsBin string) []string {
	h.t.Helper()
	var list struct{ AccessEntries []string }
	h.awsJSON(awsBin, &list, "eks", "list-access-entries", "--cluster-name", sandbox.ClusterName, "--profile", "cluster_creator")
	return list.AccessEntries
}

// awsPolicies is aws eks list-associated-access-policies: NAME(scope[:ns,...]).
func (h *harness) awsPolicies(awsBin, principal string) []string {
	h.t.Helper()
	var out struct {
		AssociatedAccessPolicies []struct {
			PolicyArn   string
			AccessScope struct {
				Type       string
				Namespaces []string
			}
		}
	}
	h.awsJSON(awsBin, &out, "eks", "list-associated-access-policies", "--cluster-name", sandbox.ClusterName, "--principal-arn", principal, "--profile", "cluster_creator")
	var s []string
	for _, p := range out.AssociatedAccessPolicies {
		v := p.PolicyArn[strings.LastIndex(p.PolicyArn, "/")+1:] + "(" + p.AccessScope.Type
		if len(p.AccessScope.Namespaces) > 0 {
			v += ":" + strings.Join(p.AccessScope.Namespaces, ",")
		}
		s = append(s, v+")")
	}
	return s
}

// refusedLocally runs a plugin command that must fail on a rule of its own:
// exit non-zero, one error line naming each of want (case-insensitive), no
// EKS refusal in the sandbox log (the request never reached EKS's checks),
// and no access entry for principal afterwards.
func (h *harness) refusedLocally(principal string, want []string, args ...string) {
	h.t.Helper()
	before, _ := os.ReadFile(h.sb.AuthnLog)
	out, rc := h.output(append([]string{"eksaccess", "--context", "cluster_creator"}, args...)...)
	if rc == 0 {
		h.t.Errorf("eksaccess %s: exit 0, want a refusal:\n%s", strings.Join(args, " "), out)
		return
	}
	var errLines []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if strings.HasPrefix(strings.ToLower(l), "error") {
			errLines = append(errLines, l)
		}
	}
	if len(errLines) != 1 {
		h.t.Errorf("eksaccess %s: want one error line, got:\n%s", strings.Join(args, " "), out)
	}
	for _, w := range want {
		if !strings.Contains(strings.ToLower(out), strings.ToLower(w)) {
			h.t.Errorf("eksaccess %s: the refusal does not name %q:\n%s", strings.Join(args, " "), w, out)
		}
	}
	after, _ := os.ReadFile(h.sb.AuthnLog)
	if fresh := string(after[len(before):]); strings.Contains(fresh, "InvalidParameterException") {
		h.t.Errorf("eksaccess %s: EKS had to refuse it (the rule was not checked first):\n%s", strings.Join(args, " "), fresh)
	}
	if v, _ := h.sb.State.Cluster(sandbox.ClusterName); slices.ContainsFunc(v.Entries, func(e fakeaws.AccessEntry) bool { return e.PrincipalARN == principal }) && principal != "" {
		h.t.Errorf("eksaccess %s: an access entry for %s exists", strings.Join(args, " "), principal)
	}
}

// TestE2EReservedNames: each reserved-name rule is refused by the plugin
// before any call, naming the rule (and, for system:masters, the policy
// that replaces it); the AWS CLI finds no entry written.
func TestE2EReservedNames(t *testing.T) {
	awsBin := needAWS(t)
	h := startTypes(t, fakeaws.ModeAPI)
	for _, p := range fakeaws.ReservedUsernamePrefixes {
		h.refusedLocally(sandbox.CreatorRole, []string{p}, "add", sandbox.CreatorRole, "--via", "access-entry", "--username", p+"admin", "--yes")
	}
	h.refusedLocally(sandbox.CreatorRole, []string{"system:masters", "AmazonEKSClusterAdminPolicy"}, "add", sandbox.CreatorRole, "--via", "access-entry", "--group", "system:masters", "--yes")
	h.refusedLocally(sandbox.CreatorRole, []string{"system:nodes"}, "add", sandbox.CreatorRole, "--via", "access-entry", "--group", "devs", "--group", "system:nodes", "--yes")
	h.refusedLocally(sandbox.CreatorRole, []string{"{{SessionName}}", "colon"}, "add", sandbox.CreatorRole, "--via", "access-entry", "--username", "admin{{SessionName}}", "--yes")
	if got := h.awsEntries(awsBin); slices.Contains(got, sandbox.CreatorRole) {
		t.Errorf("aws eks list-access-entries: %v", got)
	}
	// What passes: a colon before {{SessionName}}.
	h.run(0, "eksaccess", "--context", "cluster_creator", "add", sandbox.CreatorRole, "--via", "access-entry", "--username", "admin:{{SessionName}}", "--group", "devs", "--yes")
	if e := h.describeEntry(awsBin, sandbox.CreatorRole); e.Username != "admin:{{SessionName}}" || !slices.Equal(e.KubernetesGroups, []string{"devs"}) {
		t.Errorf("aws eks describe-access-entry: %+v", e)
	}
}
