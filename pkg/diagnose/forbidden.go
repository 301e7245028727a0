package diagnose

import (
	"fmt"
	"slices"
	"strings"

	"github.com/eksaccess/kubectl-eksaccess/pkg/awsauth"
)

// forbiddenCheck is one run of the forbidden checks: they explain a
// refusal by RBAC, and note the same problems as warnings when the
// identity gets in anyway.
type forbiddenCheck struct {
	*diag
	// forbidden is true when the verdict is Forbidden.
	forbidden bool
	// access is the access review, nil when it did not run.
	access *Access
}

// forbiddenChecks runs the checks; forbidden is true when the verdict is
// Forbidden.
func (d *diag) forbiddenChecks(forbidden bool) {
	c := forbiddenCheck{diag: d, forbidden: forbidden}
	if a := d.s.Access; a != nil && ran(&a.Step) {
		c.access = a
	}
	if d.sim.entry != nil && d.authenticated {
		c.entryChecks(d.sim.entry)
	}
	if ae := d.sim.ae; ae != nil && d.authenticated {
		if d.sim.awsMatch != nil && d.mode == ModeAPIAndConfigMap {
			c.overrides(ae, d.sim.awsMatch)
		}
		c.policies(ae)
	}
	if !d.authenticated {
		return
	}
	groups := withoutAuthenticated(d.r.Groups)
	if len(groups) == 0 && !d.liveKnown {
		groups = withoutAuthenticated(d.sim.groups)
	}
	boundUser := c.access != nil && slices.ContainsFunc(c.access.Bindings, func(b Binding) bool { return b.Subject == d.r.Username })
	if !boundUser && len(groups) == 0 {
		c.template(d.sim.entry)
	}
	c.bindings(groups, boundUser)
}

// sev is an error for a root cause of a Forbidden verdict, else a warning.
func (c forbiddenCheck) sev(root bool) awsauth.Severity {
	if c.forbidden && root {
		return awsauth.SeverityError
	}
	return awsauth.SeverityWarning
}

// cause records a root cause when the verdict is Forbidden.
func (c forbiddenCheck) cause(root bool, code, text string) {
	if c.forbidden && root {
		c.because(Forbidden, code, text)
	}
}

func (c forbiddenCheck) denied() bool  { return c.access != nil && !c.access.Allowed }
func (c forbiddenCheck) allowed() bool { return c.access != nil && c.access.Allowed }

// entryChecks looks at the aws-auth entry that maps the identity: read
// differently than written, shadowing a duplicate, or one of several
// case-variant duplicates.
func (c forbiddenCheck) entryChecks(e *awsauth.Entry) {
	sm := c.sim
	if len(e.FieldProblems) > 0 {
		c.add(Finding{Code: CodeBrokenEntry, Severity: c.sev(true), Key: e.Key, Line: e.Line,
			Message: fmt.Sprintf("aws-auth %s maps you, but is read differently than written: %s; you get groups %s", e.Source(), strings.Join(e.FieldProblems, "; "), listOrNone(sm.groups)),
			Fix:     fmt.Sprintf("rewrite the entry: kubectl eksaccess add %s --group GROUP%s (groups as a YAML list, values quoted)", e.ARN, c.ctxFlag())})
		c.cause(true, CodeBrokenEntry, fmt.Sprintf("aws-auth %s is read differently than written (%s), so you get groups %s", e.Source(), e.FieldProblems[0], listOrNone(sm.groups)))
		c.attachLint(e)
	}
	// The winning entry shadows an earlier one that grants more.
	for _, o := range c.m.Entries {
		if o.ShadowedBy != e {
			continue
		}
		extra := missing(o.Groups, e.Groups)
		if len(extra) == 0 && o.Username == e.Username {
			continue
		}
		c.add(Finding{Code: CodeShadowedEntry, Severity: c.sev(len(extra) > 0), Key: o.Key, Line: o.Line,
			Message: fmt.Sprintf("aws-auth %s (groups %s) is a duplicate shadowed by %s (groups %s), which the authenticator applies: the last duplicate wins", o.Source(), listOrNone(o.Groups), e.Source(), listOrNone(e.Groups)),
			Fix:     fmt.Sprintf("keep one entry with the groups you mean: kubectl eksaccess remove %[1]s%[3]s, then kubectl eksaccess add %[1]s --group %[2]s%[3]s", e.ARN, firstOr(extra, "GROUP"), c.ctxFlag())})
		c.cause(len(extra) > 0, CodeShadowedEntry, fmt.Sprintf("the entry on aws-auth %s wins over the earlier duplicate on %s, so you lose its groups %s", e.Source(), o.Source(), listOrNone(extra)))
		c.attachLint(o)
	}
	if len(sm.match.Candidates) > 1 {
		var where []string
		for _, x := range sm.match.Candidates {
			where = append(where, x.Source()+" ("+listOrNone(x.Groups)+")")
		}
		c.add(Finding{Code: CodeRandomMapping, Severity: c.sev(true), Key: e.Key, Line: e.Line,
			Message: "mapUsers has case-variant duplicates for you: " + strings.Join(where, ", ") + "; which one applies changes from one request to the next",
			Fix:     fmt.Sprintf("keep exactly one: kubectl eksaccess remove %s%s, then add it back once", e.ARN, c.ctxFlag())})
		c.cause(true, CodeRandomMapping, "case-variant mapUsers duplicates give you a different mapping from one request to the next")
		for _, x := range sm.match.Candidates {
			c.attachLint(x)
		}
	}
	c.attachLint(e)
}

// overrides notes an access entry that replaces an aws-auth mapping.
func (c forbiddenCheck) overrides(ae *AccessEntry, mt *awsauth.Match) {
	sm := c.sim
	u, g := c.rendered(mt)
	lost := missing(g, sm.groups)
	c.add(Finding{Code: CodeAccessEntryOverrides, Severity: c.sev(len(lost) > 0), Key: mt.Entry.Key, Line: mt.Entry.Line,
		Message: fmt.Sprintf("the access entry for %s overrides aws-auth %s (username %s, groups %s): EKS uses the access entry's username %s, groups %s and its access policies", ae.PrincipalARN, mt.Entry.Source(), u, listOrNone(g), sm.username, listOrNone(sm.groups)),
		Fix: fmt.Sprintf("give the access entry what it needs (aws eks associate-access-policy --cluster-name %[1]s --principal-arn %[2]s --policy-arn %[3]s --access-scope type=cluster, or --kubernetes-groups on update-access-entry), or delete it to fall back to aws-auth: aws eks delete-access-entry --cluster-name %[1]s --principal-arn %[2]s",
			c.clusterName(), ae.PrincipalARN, policyARN(c.p.Partition, "AmazonEKSClusterAdminPolicy"))})
	c.cause(len(lost) > 0, CodeAccessEntryOverrides, fmt.Sprintf("the access entry for %s overrides aws-auth %s, so you lose its groups %s", ae.PrincipalARN, mt.Entry.Source(), listOrNone(lost)))
}

// grantsNothing reports whether an access entry has no access policy and
// no Kubernetes group.
func grantsNothing(ae *AccessEntry) bool {
	return len(ae.Policies) == 0 && len(nonEmpty(ae.Groups)) == 0
}

// policies looks at the access entry's access policies: none, or scoped
// to other namespaces than the request's.
func (c forbiddenCheck) policies(ae *AccessEntry) {
	a := c.access
	switch {
	case grantsNothing(ae):
		c.add(Finding{Code: CodeAccessPolicyMissing, Severity: c.sev(true),
			Message: fmt.Sprintf("the access entry for %s has no access policy and no Kubernetes groups: it authenticates, and grants nothing", ae.PrincipalARN),
			Fix:     fmt.Sprintf("associate an access policy: aws eks associate-access-policy --cluster-name %s --principal-arn %s --policy-arn %s --access-scope type=cluster", c.clusterName(), ae.PrincipalARN, policyARN(c.p.Partition, "AmazonEKSViewPolicy"))})
		c.cause(true, CodeAccessPolicyMissing, fmt.Sprintf("the access entry for %s has no access policy and no groups, so it grants nothing", ae.PrincipalARN))
	case c.denied() && len(ae.Policies) > 0 && !policiesCover(ae.Policies, a.Namespace):
		scopes := policyList(ae.Policies)
		ns := a.Namespace
		target := "namespace " + ns
		if ns == "" {
			target = "cluster-wide resources"
		}
		c.add(Finding{Code: CodeAccessPolicyScope, Severity: c.sev(true),
			Message: fmt.Sprintf("the access policies of %s are scoped to other namespaces: %s; they do not cover %s", ae.PrincipalARN, scopes, target),
			Fix:     fmt.Sprintf("widen the scope: aws eks associate-access-policy --cluster-name %s --principal-arn %s --policy-arn %s --access-scope %s", c.clusterName(), ae.PrincipalARN, ae.Policies[0].ARN, widened(ae.Policies[0], ns))})
		c.cause(true, CodeAccessPolicyScope, fmt.Sprintf("the access policies of %s are scoped to %s, not %s", ae.PrincipalARN, scopes, target))
	}
}

// template notes an aws-auth username template that renders a username
// RBAC does not name (the identity has no group and no binding names it).
func (c forbiddenCheck) template(e *awsauth.Entry) {
	if e == nil || !strings.Contains(e.Username, "{{") || !(c.forbidden || c.access != nil) {
		return
	}
	user := c.r.Username
	note := ""
	if strings.Contains(e.Username, "{{SessionName}}") && strings.Contains(c.p.SessionName, "@") {
		note = fmt.Sprintf(" ({{SessionName}} turns the @ of %q into -; {{SessionNameRaw}} keeps it)", c.p.SessionName)
	}
	c.add(Finding{Code: CodeUsernameUnbound, Severity: c.sev(true), Key: e.Key, Line: e.Line,
		Message: fmt.Sprintf("aws-auth %s renders the username template %q as %q%s, and no RBAC binding names that user", e.Source(), e.Username, user, note),
		Fix:     fmt.Sprintf("bind the rendered name (kubectl create clusterrolebinding %s --clusterrole=view --user=%s), or give the entry a group: kubectl eksaccess add %s --group GROUP%s", bindingName(user), user, e.ARN, c.ctxFlag())})
	c.cause(true, CodeUsernameUnbound, fmt.Sprintf("the username template %q renders as %q, which no RBAC binding names", e.Username, user))
}

// bindings explains what RBAC makes of the identity: no groups, groups
// bound to nothing, or bindings whose roles do not allow the request.
func (c forbiddenCheck) bindings(groups []string, boundUser bool) {
	ae := c.sim.ae
	// Every authenticated user is in system:authenticated, whose default
	// bindings (system:basic-user, system:discovery...) grant no resource:
	// they do not make the user's groups "bound".
	var own []Binding
	if c.access != nil {
		own = slices.DeleteFunc(slices.Clone(c.access.Bindings), func(b Binding) bool {
			return b.Subject == "Group system:authenticated" || b.Subject == "system:authenticated"
		})
	}
	switch {
	case len(groups) == 0 && !boundUser && (ae == nil || len(ae.Policies) == 0) && !c.allowed():
		if ae != nil && grantsNothing(ae) {
			return // CodeAccessPolicyMissing says it
		}
		c.noGroups()
	case c.denied() && len(own) == 0 && len(groups) > 0:
		c.add(Finding{Code: CodeGroupsUnbound, Severity: c.sev(true),
			Message: fmt.Sprintf("no RBAC binding names the user %s or the groups %s: they are bound to nothing", c.r.Username, listOrNone(groups)),
			Fix:     fmt.Sprintf("bind a group to a role, e.g. kubectl create clusterrolebinding %s-view --clusterrole=view --group=%s%s (view is an example)", bindingName(groups[0]), groups[0], c.ctxFlag())})
		c.cause(true, CodeGroupsUnbound, fmt.Sprintf("no RBAC binding names %s or its groups %s", c.r.Username, listOrNone(groups)))
	case c.denied() && len(own) > 0:
		a := c.access
		var roles []string
		for _, b := range own {
			roles = append(roles, b.Kind+" "+b.Name+" → "+b.Role)
		}
		c.add(Finding{Code: CodeRBACDenies, Severity: c.sev(true),
			Message: fmt.Sprintf("RBAC binds you (%s), but none of those roles allows %s %s%s", strings.Join(roles, ", "), orDefault(a.Verb, "get"), a.Resource, nsSuffix(a.Namespace)),
			Fix:     fmt.Sprintf("grant it: kubectl create rolebinding %s-%s --clusterrole=edit --group=%s%s (edit is an example), or add the rule to one of the bound roles", bindingName(c.r.Username), orDefault(a.Resource, "access"), firstOr(groups, c.r.Username), nsFlag(a.Namespace))})
		c.cause(true, CodeRBACDenies, fmt.Sprintf("RBAC binds %s, but no bound role allows %s %s%s", c.r.Username, orDefault(a.Verb, "get"), a.Resource, nsSuffix(a.Namespace)))
	}
}

// noGroups notes an identity authenticated with no groups.
func (c forbiddenCheck) noGroups() {
	r, e := &c.r, c.sim.entry
	who := orDefault(r.CanonicalARN, r.Username)
	key, line, fix := "", 0, fmt.Sprintf("give it a group and bind the group: kubectl eksaccess add %s --group GROUP%s", r.CanonicalARN, c.ctxFlag())
	msg := fmt.Sprintf("%s is authenticated as %s with no groups: every request is Forbidden unless an RBAC binding names the username itself", who, r.Username)
	if e != nil {
		key, line = e.Key, e.Line
		if e.Kind == awsauth.KindAccount {
			msg = fmt.Sprintf("aws-auth %s lets every principal of account %s in under its own ARN with no groups (mapAccounts never gives groups): %s gets nothing unless RBAC binds that ARN", e.Source(), e.ARN, r.Username)
			fix = fmt.Sprintf("map the principal with a group: kubectl eksaccess add %s --group GROUP%s (or bind the user %s with RBAC)", r.CanonicalARN, c.ctxFlag(), r.Username)
		} else {
			msg = fmt.Sprintf("aws-auth %s maps %s with no groups: it is authenticated, then Forbidden unless RBAC binds the username %s", e.Source(), e.ARN, r.Username)
		}
	}
	c.add(Finding{Code: CodeNoGroups, Severity: c.sev(true), Key: key, Line: line, Message: msg, Fix: fix})
	c.cause(true, CodeNoGroups, fmt.Sprintf("%s is authenticated as %s with no groups, and RBAC binds nothing to that user", who, r.Username))
}

// missing are the non-empty groups of from that in lacks.
func missing(from, in []string) []string {
	var out []string
	for _, g := range from {
		if g != "" && !slices.Contains(in, g) {
			out = append(out, g)
		}
	}
	return out
}
