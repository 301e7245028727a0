package awsauth

import (
	"fmt"
	"slices"
	"strings"
)

// MastersGroup bypasses RBAC entirely.
const MastersGroup = "system:masters"

// NodesGroup is the group worker nodes need to join and stay in the cluster.
const NodesGroup = "system:nodes"

// LockoutRisks compares aws-auth before and after a change and returns why
// the change could lock people or nodes out: the caller loses or changes
// the entry through which it is authenticated, the last entry granting
// system:masters goes away, or a node role loses its mapping. caller may be
// nil when the caller's IAM identity is unknown. An empty result means the
// change is safe by these rules.
func LockoutRisks(before, after *Map, caller *Principal) []string {
	var risks []string
	if caller != nil {
		if b := before.Lookup(*caller, ""); b != nil && b.Entry.Kind != KindAccount {
			a := after.Lookup(*caller, "")
			switch {
			case a == nil:
				risks = append(risks, fmt.Sprintf("you are authenticated through %s (%s): after this change %s is not mapped and you lose access", b.Entry.Source(), b.Entry.ARN, caller.Canonical))
			case a.Entry.Username != b.Entry.Username || lost(b.Entry.Groups, a.Entry.Groups) != nil:
				risks = append(risks, fmt.Sprintf("you are authenticated through %s (%s): this change downgrades it (username %q → %q, groups lost: %s)", b.Entry.Source(), b.Entry.ARN,
					b.Entry.Username, a.Entry.Username, strings.Join(lost(b.Entry.Groups, a.Entry.Groups), ", ")))
			}
		}
	}
	if masters(before) > 0 && masters(after) == 0 {
		risks = append(risks, "this change removes the last aws-auth entry granting system:masters: only the cluster creator (and access entries) would keep admin access")
	}
	nodes := grants(after, NodesGroup)
	for _, e := range before.Entries {
		if !e.Effective() || !slices.Contains(e.Groups, NodesGroup) {
			continue
		}
		if !nodes[string(e.Kind)+" "+strings.ToLower(e.ARN)] {
			risks = append(risks, fmt.Sprintf("%s maps %s with group system:nodes: after this change its worker nodes can no longer join or stay in the cluster", e.Source(), e.ARN))
		}
	}
	return risks
}

func masters(m *Map) int {
	n := 0
	for _, e := range m.Entries {
		if e.Effective() && e.Kind != KindAccount && slices.Contains(e.Groups, MastersGroup) {
			n++
		}
	}
	return n
}

// grants indexes the effective entries of m that grant group, by kind and
// lower-cased ARN, so that a guard over thousands of node roles stays linear.
func grants(m *Map, group string) map[string]bool {
	out := map[string]bool{}
	for _, e := range m.Entries {
		if e.Effective() && slices.Contains(e.Groups, group) {
			out[string(e.Kind)+" "+strings.ToLower(e.ARN)] = true
		}
	}
	return out
}

// lost returns the groups of before that after lacks.
func lost(before, after []string) []string {
	var out []string
	for _, g := range before {
		if !slices.Contains(after, g) {
			out = append(out, g)
		}
	}
	return out
}
