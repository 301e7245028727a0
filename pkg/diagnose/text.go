package diagnose

import (
	"github.com/eksaccess/kubectl-eksaccess/pkg/accessentry"
	"regexp"
	"slices"
	"strings"
)

func policyName(arn string) string {
	if i := strings.LastIndex(arn, "/"); i >= 0 {
		return arn[i+1:]
	}
	return arn
}

// policyNames are the policies' names, each with its scope.
func policyNames(ps []accessentry.Policy) []string {
	var out []string
	for _, x := range ps {
		out = append(out, policyName(x.ARN)+" ("+scope(x)+")")
	}
	return out
}

func policyList(ps []accessentry.Policy) string { return strings.Join(policyNames(ps), ", ") }

func scope(x accessentry.Policy) string {
	if strings.EqualFold(x.Scope, "namespace") {
		return "namespaces " + strings.Join(x.Namespaces, ", ")
	}
	return "cluster"
}

// readVerbs are the verbs the view policies allow.
var readVerbs = map[string]bool{"get": true, "list": true, "watch": true}

// policyGranting names a policy among ps that allows verb on a namespaced
// resource in ns, by the EKS user guide's "access policy permissions":
// ClusterAdmin and Admin allow everything in scope, Edit everything but RBAC
// and impersonation, View and AdminView reading (View not secrets). Other
// policies are not judged: "".
func policyGranting(ps []accessentry.Policy, verb, resource, ns string) string {
	for _, x := range ps {
		if !policyCovers(x, ns) {
			continue
		}
		name := policyName(x.ARN)
		switch name {
		case "AmazonEKSClusterAdminPolicy", "AmazonEKSAdminPolicy":
			return name
		case "AmazonEKSEditPolicy":
			if verb != "impersonate" && resource != "roles" && resource != "rolebindings" {
				return name
			}
		case "AmazonEKSAdminViewPolicy":
			if readVerbs[verb] {
				return name
			}
		case "AmazonEKSViewPolicy":
			if readVerbs[verb] && resource != "secrets" {
				return name
			}
		}
	}
	return ""
}

// policiesCover reports whether any policy applies in namespace ns ("":
// cluster-scoped request). Namespace names may end with a * wildcard.
func policiesCover(ps []accessentry.Policy, ns string) bool {
	return slices.ContainsFunc(ps, func(x accessentry.Policy) bool { return policyCovers(x, ns) })
}

// policyCovers reports whether policy x applies in namespace ns.
func policyCovers(x accessentry.Policy, ns string) bool {
	if !strings.EqualFold(x.Scope, "namespace") {
		return true
	}
	if ns == "" {
		return false
	}
	for _, n := range x.Namespaces {
		if n == ns || n == "*" || strings.HasSuffix(n, "*") && strings.HasPrefix(ns, strings.TrimSuffix(n, "*")) {
			return true
		}
	}
	return false
}

func widened(x accessentry.Policy, ns string) string {
	if ns == "" {
		return "type=cluster"
	}
	return "type=namespace,namespaces=" + strings.Join(append(slices.Clone(x.Namespaces), ns), ",")
}

func withoutAuthenticated(gs []string) []string {
	out := []string{}
	for _, g := range gs {
		if g != "" && g != "system:authenticated" {
			out = append(out, g)
		}
	}
	return out
}

func nonEmpty(gs []string) []string {
	var out []string
	for _, g := range gs {
		if g != "" {
			out = append(out, g)
		}
	}
	return out
}

// sameMembers reports whether a and b hold the same strings, ignoring order
// and repeats.
func sameMembers(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}

func listOrNone(ss []string) string {
	ss = nonEmpty(ss)
	if len(ss) == 0 {
		return "(none)"
	}
	return "[" + strings.Join(ss, ", ") + "]"
}

func firstOr(ss []string, def string) string {
	if len(ss) > 0 {
		return ss[0]
	}
	return def
}

var spaces = regexp.MustCompile(`\s*\n\s*`)

// oneLine joins a multi-line message (yaml.v2 errors) into one line.
func oneLine(s string) string {
	if !strings.Contains(s, "\n") {
		return s
	}
	return spaces.ReplaceAllString(strings.TrimSpace(s), " ")
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func suffix(sep, s string, end ...string) string {
	if s == "" {
		return ""
	}
	return sep + s + strings.Join(end, "")
}

func nsSuffix(ns string) string {
	if ns == "" {
		return ""
	}
	return " in namespace " + ns
}

func fmtTime(t *Token) string {
	if t.Date.IsZero() {
		return "?"
	}
	return t.Date.UTC().Format("2006-01-02T15:04:05Z")
}
