// Package accessentry is the pure side of EKS access entries: policy names,
// the entry model, the change between two versions of an entry (and its
// text rendering for diffs), and the plan that moves aws-auth mappings to
// access entries. It does no I/O and does not import the AWS SDK.
package accessentry

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// Policy is an access policy associated with an entry, and its scope.
type Policy struct {
	ARN        string   `json:"policyArn"`
	Scope      string   `json:"scope"`
	Namespaces []string `json:"namespaces,omitempty"`
}

// String is "AmazonEKSViewPolicy(cluster)" or "AmazonEKSEditPolicy(ns: a,b)".
func (p Policy) String() string {
	if p.Scope == ScopeNamespace {
		return ShortPolicy(p.ARN) + "(ns: " + strings.Join(p.Namespaces, ",") + ")"
	}
	return ShortPolicy(p.ARN) + "(" + p.Scope + ")"
}

func (p Policy) equal(q Policy) bool {
	return p.ARN == q.ARN && p.Scope == q.Scope && slices.Equal(sortedCopy(p.Namespaces), sortedCopy(q.Namespaces))
}

// Entry is an access entry and its policies.
type Entry struct {
	PrincipalARN string   `json:"principalArn"`
	Type         string   `json:"type"`
	Username     string   `json:"username,omitempty"`
	Groups       []string `json:"kubernetesGroups,omitempty"`
	Policies     []Policy `json:"policies,omitempty"`
	// CreatedAt is when EKS created the entry (zero when not read from EKS).
	CreatedAt time.Time `json:"-"`
}

// Clone returns a deep copy with policies sorted by ARN.
func (e Entry) Clone() Entry {
	c := e
	c.Groups = append([]string(nil), e.Groups...)
	c.Policies = nil
	for _, p := range e.Policies {
		p.Namespaces = sortedCopy(p.Namespaces)
		c.Policies = append(c.Policies, p)
	}
	sort.Slice(c.Policies, func(i, j int) bool { return c.Policies[i].ARN < c.Policies[j].ARN })
	return c
}

// Policy returns the association of a policy ARN, if any.
func (e *Entry) Policy(arn string) (Policy, bool) {
	for _, p := range e.Policies {
		if p.ARN == arn {
			return p, true
		}
	}
	return Policy{}, false
}

// SetPolicy associates p, replacing the scope of an existing association.
func (e *Entry) SetPolicy(p Policy) {
	for i := range e.Policies {
		if e.Policies[i].ARN == p.ARN {
			e.Policies[i] = p
			return
		}
	}
	e.Policies = append(e.Policies, p)
}

// IsNode reports whether the entry is one EKS fills for nodes.
func (e *Entry) IsNode() bool { return e.Type != "" && e.Type != TypeStandard }

// IsClusterAdmin reports whether the entry (nil: none) grants
// AmazonEKSClusterAdminPolicy at cluster scope, what system:masters was.
func (e *Entry) IsClusterAdmin() bool {
	if e == nil || e.IsNode() {
		return false
	}
	for _, p := range e.Policies {
		if ShortPolicy(p.ARN) == ClusterAdminPolicyName && p.Scope == ScopeCluster {
			return true
		}
	}
	return false
}

// OtherClusterAdmins lists the principals, other than the one of arn (any
// path or case), whose entries grant cluster admin.
func OtherClusterAdmins(entries []Entry, arn string) []string {
	key := PrincipalKey(arn)
	var out []string
	for i := range entries {
		if entries[i].IsClusterAdmin() && PrincipalKey(entries[i].PrincipalARN) != key {
			out = append(out, entries[i].PrincipalARN)
		}
	}
	return out
}

func sortedCopy(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	c := append([]string(nil), s...)
	sort.Strings(c)
	return c
}

func equalIgnoringOrder(a, b []string) bool { return slices.Equal(sortedCopy(a), sortedCopy(b)) }

// Render writes an entry as a small YAML document, for diffs. A nil entry
// renders as "".
func Render(e *Entry) string {
	if e == nil {
		return ""
	}
	c := e.Clone()
	var b strings.Builder
	fmt.Fprintf(&b, "principalArn: %s\n", c.PrincipalARN)
	fmt.Fprintf(&b, "type: %s\n", orDefault(c.Type, TypeStandard))
	if c.Username != "" {
		fmt.Fprintf(&b, "username: %q\n", c.Username)
	}
	if len(c.Groups) > 0 {
		b.WriteString("kubernetesGroups:\n")
		for _, g := range sortedCopy(c.Groups) {
			fmt.Fprintf(&b, "- %s\n", g)
		}
	}
	if len(c.Policies) > 0 {
		b.WriteString("accessPolicies:\n")
		for _, p := range c.Policies {
			fmt.Fprintf(&b, "- policy: %s\n  scope: %s\n", ShortPolicy(p.ARN), p.Scope)
			if len(p.Namespaces) > 0 {
				fmt.Fprintf(&b, "  namespaces: [%s]\n", strings.Join(p.Namespaces, ", "))
			}
		}
	}
	return b.String()
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// Change is what turns one version of an entry into another, as EKS API
// calls: create or delete the entry, update its username and groups,
// associate and disassociate policies.
type Change struct {
	PrincipalARN string
	Before       *Entry
	After        *Entry
	Create       bool
	Delete       bool
	// Update carries the new username (when changed) and groups.
	Update       bool
	Associate    []Policy
	Disassociate []string
}

// Empty reports whether nothing needs to be done.
func (c Change) Empty() bool {
	return !c.Create && !c.Delete && !c.Update && len(c.Associate) == 0 && len(c.Disassociate) == 0
}

// Diff works out the change from before to after (either may be nil). An
// entry's type cannot change: that is an error naming the fix.
func Diff(before, after *Entry) (Change, error) {
	ch := Change{Before: before, After: after}
	switch {
	case before == nil && after == nil:
		return ch, nil
	case after == nil:
		ch.PrincipalARN, ch.Delete = before.PrincipalARN, true
		return ch, nil
	case before == nil:
		ch.PrincipalARN, ch.Create = after.PrincipalARN, true
		ch.Associate = after.Clone().Policies
		return ch, nil
	}
	ch.PrincipalARN = after.PrincipalARN
	if orDefault(before.Type, TypeStandard) != orDefault(after.Type, TypeStandard) {
		return ch, TypeChangeError(before.PrincipalARN, orDefault(before.Type, TypeStandard), orDefault(after.Type, TypeStandard))
	}
	if (after.Username != "" && after.Username != before.Username) || !equalIgnoringOrder(before.Groups, after.Groups) {
		ch.Update = true
	}
	for _, p := range after.Clone().Policies {
		if q, ok := before.Policy(p.ARN); !ok || !q.equal(p) {
			ch.Associate = append(ch.Associate, p)
		}
	}
	for _, p := range before.Clone().Policies {
		if _, ok := after.Policy(p.ARN); !ok {
			ch.Disassociate = append(ch.Disassociate, p.ARN)
		}
	}
	return ch, nil
}

// Summary says in one line what the change does.
func (c Change) Summary() string {
	var parts []string
	switch {
	case c.Create:
		parts = append(parts, "create the access entry of "+c.PrincipalARN)
	case c.Delete:
		return "delete the access entry of " + c.PrincipalARN + " and its policies"
	case c.Update:
		parts = append(parts, "update the username and groups of "+c.PrincipalARN)
	}
	for _, p := range c.Associate {
		parts = append(parts, "associate "+p.String())
	}
	for _, a := range c.Disassociate {
		parts = append(parts, "disassociate "+ShortPolicy(a))
	}
	if len(parts) == 0 {
		return "no change to the access entry of " + c.PrincipalARN
	}
	return strings.Join(parts, ", ")
}
