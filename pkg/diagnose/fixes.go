package diagnose

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/eksaccess/kubectl-eksaccess/pkg/awsauth"
)

// ensureFix gives an unauthorized or forbidden verdict a fix when no
// finding has one, as when the caller cannot read aws-auth, the access
// entries or RBAC itself (no --admin-context): then the fix is the command
// a cluster admin must run.
func (d *diag) ensureFix() {
	v := d.r.Verdict
	if v != Unauthorized && v != Forbidden {
		return
	}
	for _, f := range d.r.Findings {
		if f.Severity == awsauth.SeverityError && f.Fix != "" && strings.HasPrefix(f.Code, "EKSA2") {
			return
		}
	}
	who := orDefault(d.r.CanonicalARN, orDefault(d.r.ARN, "ARN"))
	again := "; to see why, re-run diagnose with --admin-context ADMIN_CONTEXT"
	if v == Unauthorized {
		fix := fmt.Sprintf("a cluster admin must map %s: kubectl eksaccess add %s --group GROUP --context ADMIN_CONTEXT", who, who)
		if d.mode != ModeConfigMap || !d.modeKnown {
			fix += fmt.Sprintf(", or aws eks create-access-entry --cluster-name %[1]s --principal-arn %[2]s and aws eks associate-access-policy --cluster-name %[1]s --principal-arn %[2]s --policy-arn %[3]s --access-scope type=cluster (AmazonEKSViewPolicy is an example)", d.clusterName(), who, policyARN(d.p.Partition, "AmazonEKSViewPolicy"))
		}
		d.add(Finding{Code: CodeNotMapped, Severity: awsauth.SeverityError,
			Message: fmt.Sprintf("the cluster answers 401 Unauthorized for %s, and what would map it (aws-auth, access entries) could not be read with this identity", who),
			Fix:     fix + again})
		return
	}
	d.add(Finding{Code: CodeRBACDenies, Severity: awsauth.SeverityError,
		Message: fmt.Sprintf("the cluster authenticates %s as %s but refuses the request, and the RBAC bindings could not be read with this identity", who, d.r.Username),
		Fix:     fmt.Sprintf("a cluster admin must grant it: kubectl create rolebinding %s-view --clusterrole=view --user=%s --context ADMIN_CONTEXT (view is an example), or map %s with a group bound to a role", bindingName(d.r.Username), d.r.Username, who) + again})
}

// addCmd is the command that maps the principal in aws-auth.
func (d *diag) addCmd() string {
	return fmt.Sprintf("`kubectl eksaccess add %s --group system:masters%s` (system:masters is only an example: give the group your RBAC binds)", d.p.Canonical, d.ctxFlag())
}

// accessEntryFix is the pair of commands that give the principal an access entry.
func (d *diag) accessEntryFix() string {
	arn := d.p.Canonical
	if d.rolePath != "" {
		arn = d.r.ARN
	}
	note := ""
	if d.p.Type == awsauth.PrincipalAssumedRole {
		note = " (use the role's full ARN, with its path if it has one)"
	}
	return fmt.Sprintf("create an access entry%s: aws eks create-access-entry --cluster-name %[2]s --principal-arn %[3]s, then aws eks associate-access-policy --cluster-name %[2]s --principal-arn %[3]s --policy-arn %[4]s --access-scope type=cluster (AmazonEKSViewPolicy is an example)", note, d.clusterName(), arn, policyARN(d.p.Partition, "AmazonEKSViewPolicy"))
}

func (d *diag) ctxFlag() string {
	if d.s.AdminContext != "" {
		return " --context " + d.s.AdminContext
	}
	return ""
}

func (d *diag) clusterName() string {
	if d.s.Cluster != nil && d.s.Cluster.Name != "" {
		return d.s.Cluster.Name
	}
	if d.s.Exec != nil && d.s.Exec.ClusterName != "" {
		return d.s.Exec.ClusterName
	}
	return "CLUSTER"
}

func (d *diag) region() string {
	if d.s.Cluster != nil && d.s.Cluster.Region != "" {
		return d.s.Cluster.Region
	}
	if d.s.Exec != nil {
		return d.s.Exec.Region
	}
	return ""
}

func (d *diag) profileFlag() string {
	if x := d.s.Exec; x != nil {
		if p := orDefault(x.Env["AWS_PROFILE"], x.Profile); p != "" {
			return " --profile " + p
		}
	}
	return ""
}

func regionFlag(r string) string {
	if r == "" {
		return ""
	}
	return " --region " + r
}

func sessionFor(p awsauth.Principal) string {
	if p.Name != "" {
		return p.Name
	}
	return "me"
}

func reservedPrefix(username string) string {
	for _, p := range awsauth.ReservedPrefixes {
		if strings.HasPrefix(username, p) {
			return p
		}
	}
	return ""
}

func policyARN(partition, name string) string {
	if partition == "" {
		partition = "aws"
	}
	return "arn:" + partition + ":eks::aws:cluster-access-policy/" + name
}

var notDNS = regexp.MustCompile(`[^a-z0-9.-]+`)

// bindingName makes an RBAC object name from a user or group name.
func bindingName(s string) string {
	s = strings.ToLower(s)
	s = notDNS.ReplaceAllString(s, "-")
	s = strings.Trim(s, "-.")
	if len(s) > 50 {
		s = s[:50]
	}
	return orDefault(s, "access")
}

func nsFlag(ns string) string {
	if ns == "" {
		return ""
	}
	return " -n " + ns
}
