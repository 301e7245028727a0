package diagnose

import (
	"fmt"
	"slices"
	"strings"

	"github.com/eksaccess/kubectl-eksaccess/pkg/awsauth"
)

// forbiddenChecks explains a refusal by RBAC, and notes the same problems
// as warnings when the identity gets in anyway. forbidden is true when the
// verdict is Forbidden.
func (d *diag) forbiddenChecks(forbidden bool) {
	s, sm := d.s, d.sim
	sevFor := func(root bool) awsauth.Severity {
		if forbidden && root {
			return awsauth.SeverityError
		}
		return awsauth.SeverityWarning
	}
	e := sm.entry
	if e != nil && d.authenticated {
		// A loaded entry that reads differently than written.
		if len(e.FieldProblems) > 0 {
			d.add(Finding{Code: CodeBrokenEntry, Severity: sevFor(true), Key: e.Key, Line: e.Line,
				Message: fmt.Sprintf("aws-auth %s maps you, but is read differently than written: %s; you get groups %s", e.Source(), strings.Join(e.FieldProblems, "; "), listOrNone(sm.groups)),
				Fix:     fmt.Sprintf("rewrite the entry: kubectl eksaccess add %s --group GROUP%s (groups as a YAML list, values quoted)", e.ARN, d.ctxFlag())})
			if forbidden {
				d.because(Forbidden, 2, CodeBrokenEntry, fmt.Sprintf("aws-auth %s is read differently than written (%s), so you get groups %s", e.Source(), e.FieldProblems[0], listOrNone(sm.groups)))
			}
			d.attachLint(e)
		}
		// The winning entry shadows an earlier one that grants more.
		for _, o := range d.m.Entries {
			if o.ShadowedBy != e {
				continue
			}
			extra := []string{}
			for _, g := range o.Groups {
				if g != "" && !slices.Contains(e.Groups, g) {
					extra = append(extra, g)
				}
			}
			if len(extra) == 0 && o.Username == e.Username {
				continue
			}
			d.add(Finding{Code: CodeShadowedEntry, Severity: sevFor(len(extra) > 0), Key: o.Key, Line: o.Line,
				Message: fmt.Sprintf("aws-auth %s (groups %s) is a duplicate shadowed by %s (groups %s), which the authenticator applies: the last duplicate wins", o.Source(), listOrNone(o.Groups), e.Source(), listOrNone(e.Groups)),
				Fix:     fmt.Sprintf("keep one entry with the groups you mean: kubectl eksaccess remove %[1]s%[3]s, then kubectl eksaccess add %[1]s --group %[2]s%[3]s", e.ARN, firstOr(extra, "GROUP"), d.ctxFlag())})
			if forbidden && len(extra) > 0 {
				d.because(Forbidden, 3, CodeShadowedEntry, fmt.Sprintf("the entry on aws-auth %s wins over the earlier duplicate on %s, so you lose its groups %s", e.Source(), o.Source(), listOrNone(extra)))
			}
			d.attachLint(o)
		}
		if len(sm.match.Candidates) > 1 {
			var where []string
			for _, c := range sm.match.Candidates {
				where = append(where, c.Source()+" ("+listOrNone(c.Groups)+")")
			}
			d.add(Finding{Code: CodeRandomMapping, Severity: sevFor(true), Key: e.Key, Line: e.Line,
				Message: "mapUsers has case-variant duplicates for you: " + strings.Join(where, ", ") + "; which one applies changes from one request to the next",
				Fix:     fmt.Sprintf("keep exactly one: kubectl eksaccess remove %s%s, then add it back once", e.ARN, d.ctxFlag())})
			if forbidden {
				d.because(Forbidden, 3, CodeRandomMapping, "case-variant mapUsers duplicates give you a different mapping from one request to the next")
			}
			for _, c := range sm.match.Candidates {
				d.attachLint(c)
			}
		}
		d.attachLint(e)
	}
	ae := sm.ae
	if ae != nil && d.authenticated && sm.awsMatch != nil && d.mode == ModeAPIAndConfigMap {
		mt := sm.awsMatch
		u, g := d.rendered(mt)
		lost := []string{}
		for _, x := range g {
			if x != "" && !slices.Contains(sm.groups, x) {
				lost = append(lost, x)
			}
		}
		d.add(Finding{Code: CodeAccessEntryOverrides, Severity: sevFor(len(lost) > 0), Key: mt.Entry.Key, Line: mt.Entry.Line,
			Message: fmt.Sprintf("the access entry for %s overrides aws-auth %s (username %s, groups %s): EKS uses the access entry's username %s, groups %s and its access policies", ae.PrincipalARN, mt.Entry.Source(), u, listOrNone(g), sm.username, listOrNone(sm.groups)),
			Fix: fmt.Sprintf("give the access entry what it needs (aws eks associate-access-policy --cluster-name %[1]s --principal-arn %[2]s --policy-arn %[3]s --access-scope type=cluster, or --kubernetes-groups on update-access-entry), or delete it to fall back to aws-auth: aws eks delete-access-entry --cluster-name %[1]s --principal-arn %[2]s",
				d.clusterName(), ae.PrincipalARN, policyARN(d.p.Partition, "AmazonEKSClusterAdminPolicy"))})
		if forbidden && len(lost) > 0 {
			d.because(Forbidden, 1, CodeAccessEntryOverrides, fmt.Sprintf("the access entry for %s overrides aws-auth %s, so you lose its groups %s", ae.PrincipalARN, mt.Entry.Source(), listOrNone(lost)))
		}
	}
	a := s.Access
	accessRan := a != nil && ran(&a.Step)
	// Every authenticated user is in system:authenticated, whose default
	// bindings (system:basic-user, system:discovery...) grant no resource:
	// they do not make the user's groups "bound".
	var own []Binding
	if accessRan {
		for _, b := range a.Bindings {
			if b.Subject != "Group system:authenticated" && b.Subject != "system:authenticated" {
				own = append(own, b)
			}
		}
	}
	groups := withoutAuthenticated(d.r.Groups)
	if len(groups) == 0 && d.liveKnown == false {
		groups = withoutAuthenticated(sm.groups)
	}
	if ae != nil && d.authenticated {
		switch {
		case len(ae.Policies) == 0 && len(nonEmpty(ae.KubernetesGroups)) == 0:
			d.add(Finding{Code: CodeAccessPolicyMissing, Severity: sevFor(true),
				Message: fmt.Sprintf("the access entry for %s has no access policy and no Kubernetes groups: it authenticates, and grants nothing", ae.PrincipalARN),
				Fix:     fmt.Sprintf("associate an access policy: aws eks associate-access-policy --cluster-name %s --principal-arn %s --policy-arn %s --access-scope type=cluster", d.clusterName(), ae.PrincipalARN, policyARN(d.p.Partition, "AmazonEKSViewPolicy"))})
			if forbidden {
				d.because(Forbidden, 4, CodeAccessPolicyMissing, fmt.Sprintf("the access entry for %s has no access policy and no groups, so it grants nothing", ae.PrincipalARN))
			}
		case accessRan && !a.Allowed && len(ae.Policies) > 0 && !policiesCover(ae.Policies, a.Namespace):
			var scopes []string
			for _, x := range ae.Policies {
				scopes = append(scopes, policyName(x.PolicyARN)+" ("+scope(x)+")")
			}
			ns := a.Namespace
			target := "namespace " + ns
			if ns == "" {
				target = "cluster-wide resources"
			}
			d.add(Finding{Code: CodeAccessPolicyScope, Severity: sevFor(true),
				Message: fmt.Sprintf("the access policies of %s are scoped to other namespaces: %s; they do not cover %s", ae.PrincipalARN, strings.Join(scopes, ", "), target),
				Fix:     fmt.Sprintf("widen the scope: aws eks associate-access-policy --cluster-name %s --principal-arn %s --policy-arn %s --access-scope %s", d.clusterName(), ae.PrincipalARN, ae.Policies[0].PolicyARN, widened(ae.Policies[0], ns))})
			if forbidden {
				d.because(Forbidden, 1, CodeAccessPolicyScope, fmt.Sprintf("the access policies of %s are scoped to %s, not %s", ae.PrincipalARN, strings.Join(scopes, ", "), target))
			}
		}
	}
	if !d.authenticated {
		return
	}
	boundUser := false
	if accessRan {
		for _, b := range a.Bindings {
			if b.Subject == d.r.Username {
				boundUser = true
			}
		}
	}
	// A template that renders a username RBAC does not name.
	if e != nil && strings.Contains(e.Username, "{{") && !boundUser && len(groups) == 0 && (forbidden || accessRan) {
		note := ""
		if strings.Contains(e.Username, "{{SessionName}}") && strings.Contains(d.p.SessionName, "@") {
			note = fmt.Sprintf(" ({{SessionName}} turns the @ of %q into -; {{SessionNameRaw}} keeps it)", d.p.SessionName)
		}
		d.add(Finding{Code: CodeUsernameUnbound, Severity: sevFor(true), Key: e.Key, Line: e.Line,
			Message: fmt.Sprintf("aws-auth %s renders the username template %q as %q%s, and no RBAC binding names that user", e.Source(), e.Username, d.r.Username, note),
			Fix:     fmt.Sprintf("bind the rendered name (kubectl create clusterrolebinding %s --clusterrole=view --user=%s), or give the entry a group: kubectl eksaccess add %s --group GROUP%s", bindingName(d.r.Username), d.r.Username, e.ARN, d.ctxFlag())})
		if forbidden {
			d.because(Forbidden, 5, CodeUsernameUnbound, fmt.Sprintf("the username template %q renders as %q, which no RBAC binding names", e.Username, d.r.Username))
		}
	}
	switch {
	case len(groups) == 0 && !boundUser && (ae == nil || len(ae.Policies) == 0) && !(accessRan && a.Allowed):
		if ae != nil && len(ae.Policies) == 0 && len(nonEmpty(ae.KubernetesGroups)) == 0 {
			break // CodeAccessPolicyMissing says it
		}
		key, line, fix := "", 0, fmt.Sprintf("give it a group and bind the group: kubectl eksaccess add %s --group GROUP%s", d.r.CanonicalARN, d.ctxFlag())
		msg := fmt.Sprintf("%s is authenticated as %s with no groups: every request is Forbidden unless an RBAC binding names the username itself", orDefault(d.r.CanonicalARN, d.r.Username), d.r.Username)
		if e != nil {
			key, line = e.Key, e.Line
			if e.Kind == awsauth.KindAccount {
				msg = fmt.Sprintf("aws-auth %s lets every principal of account %s in under its own ARN with no groups (mapAccounts never gives groups): %s gets nothing unless RBAC binds that ARN", e.Source(), e.ARN, d.r.Username)
				fix = fmt.Sprintf("map the principal with a group: kubectl eksaccess add %s --group GROUP%s (or bind the user %s with RBAC)", d.r.CanonicalARN, d.ctxFlag(), d.r.Username)
			} else {
				msg = fmt.Sprintf("aws-auth %s maps %s with no groups: it is authenticated, then Forbidden unless RBAC binds the username %s", e.Source(), e.ARN, d.r.Username)
			}
		}
		d.add(Finding{Code: CodeNoGroups, Severity: sevFor(true), Key: key, Line: line, Message: msg, Fix: fix})
		if forbidden {
			d.because(Forbidden, 6, CodeNoGroups, fmt.Sprintf("%s is authenticated as %s with no groups, and RBAC binds nothing to that user", orDefault(d.r.CanonicalARN, d.r.Username), d.r.Username))
		}
	case accessRan && !a.Allowed && len(own) == 0 && len(groups) > 0:
		d.add(Finding{Code: CodeGroupsUnbound, Severity: sevFor(true),
			Message: fmt.Sprintf("no RBAC binding names the user %s or the groups %s: they are bound to nothing", d.r.Username, listOrNone(groups)),
			Fix:     fmt.Sprintf("bind a group to a role, e.g. kubectl create clusterrolebinding %s-view --clusterrole=view --group=%s%s (view is an example)", bindingName(groups[0]), groups[0], d.ctxFlag())})
		if forbidden {
			d.because(Forbidden, 7, CodeGroupsUnbound, fmt.Sprintf("no RBAC binding names %s or its groups %s", d.r.Username, listOrNone(groups)))
		}
	case accessRan && !a.Allowed && len(own) > 0:
		var roles []string
		for _, b := range own {
			roles = append(roles, b.Kind+" "+b.Name+" → "+b.Role)
		}
		d.add(Finding{Code: CodeRBACDenies, Severity: sevFor(true),
			Message: fmt.Sprintf("RBAC binds you (%s), but none of those roles allows %s %s%s", strings.Join(roles, ", "), orDefault(a.Verb, "get"), a.Resource, nsSuffix(a.Namespace)),
			Fix:     fmt.Sprintf("grant it: kubectl create rolebinding %s-%s --clusterrole=edit --group=%s%s (edit is an example), or add the rule to one of the bound roles", bindingName(d.r.Username), orDefault(a.Resource, "access"), firstOr(groups, d.r.Username), nsFlag(a.Namespace))})
		if forbidden {
			d.because(Forbidden, 8, CodeRBACDenies, fmt.Sprintf("RBAC binds %s, but no bound role allows %s %s%s", d.r.Username, orDefault(a.Verb, "get"), a.Resource, nsSuffix(a.Namespace)))
		}
	}
}
