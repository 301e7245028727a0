package accessentry

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/eksaccess/kubectl-eksaccess/pkg/awsauth"
)

// The rules EKS applies to an access entry, checked here before any AWS
// call so that each refusal is one line naming the rule and the fix. The
// sources are the EKS API reference (CreateAccessEntry: principalArn,
// username, kubernetesGroups, type) and the user guide pages "Create access
// entries" and "Set a custom username for EKS access entries".

// IsNodeType reports whether t is a type EKS fills for nodes (every type
// but STANDARD; "" is STANDARD).
func IsNodeType(t string) bool { return t != "" && t != TypeStandard }

// CheckType refuses a type EKS does not know.
func CheckType(t string) error {
	if t == "" || slices.Contains(Types, t) {
		return nil
	}
	return fmt.Errorf("access entry type %q is not one EKS knows: use one of %s", t, strings.Join(Types, ", "))
}

// ServiceLinkedRolePath starts the path of the roles AWS services create for
// themselves.
const ServiceLinkedRolePath = "/aws-service-role/"

// CheckPrincipal refuses a principal EKS does not take for an entry of type
// t. clusterAccount is the cluster's account, "" when unknown (then the
// same-account rule of node types is not checked).
func CheckPrincipal(arn, t, clusterAccount string) error {
	p, err := awsauth.Canonicalize(arn)
	if err != nil {
		return fmt.Errorf("%q is not an IAM role or user ARN: use arn:PARTITION:iam::ACCOUNT:role/PATH/NAME or ...:user/NAME", arn)
	}
	switch p.Type {
	case awsauth.PrincipalAssumedRole:
		return fmt.Errorf("%s is an STS session, which access entries do not take (a session is not a lasting identity): use the role's ARN with its path, arn:%s:iam::%s:role/PATH/%s ('aws iam get-role --role-name %[4]s' shows it)", arn, p.Partition, p.AccountID, p.Name)
	case awsauth.PrincipalFederatedUser:
		return fmt.Errorf("%s is an STS federated-user session, which access entries do not take: use the IAM user or role behind it", arn)
	case awsauth.PrincipalRoot:
		return fmt.Errorf("%s is the account root, which access entries do not take: use an IAM role or user of account %s", arn, p.AccountID)
	case awsauth.PrincipalRole, awsauth.PrincipalUser:
	default:
		return fmt.Errorf("%s is not an IAM role or user ARN, which is all an access entry takes", arn)
	}
	if p.Type == awsauth.PrincipalRole && strings.HasPrefix(p.Path, ServiceLinkedRolePath) {
		return fmt.Errorf("%s is a service-linked role, which its AWS service manages for itself (and makes its own access entry for, if it needs one): give a role of your own", arn)
	}
	if !IsNodeType(t) {
		return nil
	}
	if p.Type != awsauth.PrincipalRole {
		return fmt.Errorf("%s is an IAM user, and %s entries take IAM roles only (nodes assume a role): give the node role's ARN, or use --type STANDARD for a person", arn, t)
	}
	if clusterAccount != "" && p.AccountID != clusterAccount {
		return fmt.Errorf("%s is in account %s, and %s entries take roles of the cluster's account %s only: use a node role of account %[4]s", arn, p.AccountID, t, clusterAccount)
	}
	return nil
}

// CheckUsername refuses what EKS refuses in the username of an entry of
// type t: any custom username for node types, a reserved prefix, and a
// {{SessionName}} (or {{SessionNameRaw}}) without a colon before it.
func CheckUsername(u, t string) error {
	if u == "" {
		return nil
	}
	if IsNodeType(t) {
		if u == DefaultUsername(t) {
			return nil
		}
		return fmt.Errorf("%s entries take no custom username (EKS sets %s): drop --username %q", t, orDefault(DefaultUsername(t), "the node's"), u)
	}
	for _, p := range ReservedUsernamePrefixes {
		if strings.HasPrefix(u, p) {
			return fmt.Errorf("username %q starts with the reserved prefix %q, which EKS refuses (reserved: %s): choose a username without it, e.g. %q", u, p, strings.Join(ReservedUsernamePrefixes, ", "), strings.TrimPrefix(u, p))
		}
	}
	if i := sessionTemplate(u); i >= 0 && !strings.Contains(u[:i], ":") {
		return fmt.Errorf("username %q uses {{SessionName}} without a colon before it, which EKS refuses: put a colon before it, e.g. %q", u, u[:i]+":"+u[i:])
	}
	return nil
}

// sessionTemplate is the index of the first {{SessionName}} or
// {{SessionNameRaw}} in u, or -1.
func sessionTemplate(u string) int {
	return strings.Index(u, "{{SessionName")
}

// CheckGroups refuses what EKS refuses in the kubernetesGroups of an entry
// of type t: any group for node types, a system: group (naming the policy
// that replaces system:masters), an empty name.
func CheckGroups(groups []string, t string) error {
	if len(groups) > 0 && IsNodeType(t) {
		return fmt.Errorf("%s entries take no Kubernetes groups (EKS gives nodes theirs): drop --group %s", t, strings.Join(groups, ","))
	}
	for _, g := range groups {
		switch {
		case g == MastersGroup:
			return errors.New("system:masters cannot be given through an access entry (EKS refuses system: groups): use --policy AmazonEKSClusterAdminPolicy (cluster scope), which grants the same cluster-admin access")
		case strings.HasPrefix(g, ReservedGroupPrefix):
			return fmt.Errorf("group %q cannot be given through an access entry (EKS refuses system: groups): bind RBAC to a group of your own, or use a node --type for nodes", g)
		case strings.TrimSpace(g) == "":
			return errors.New("empty group name: give each --group a name")
		}
	}
	return nil
}

// TakesPolicies reports whether entries of type t can have access policies
// associated: EC2_LINUX and EC2_WINDOWS cannot (EKS gives their nodes
// access through their groups).
func TakesPolicies(t string) bool { return t != TypeEC2Linux && t != TypeEC2Windows }

// CheckPolicy refuses an association EKS refuses: a scope other than
// cluster or namespace, a namespace scope without namespaces, a cluster
// scope with some.
func CheckPolicy(p Policy) error {
	name := ShortPolicy(p.ARN)
	switch p.Scope {
	case ScopeCluster:
		if len(p.Namespaces) > 0 {
			return fmt.Errorf("policy %s has cluster scope and namespaces %s: drop the namespaces, or use namespace scope", name, strings.Join(p.Namespaces, ","))
		}
	case ScopeNamespace:
		if len(p.Namespaces) == 0 {
			return fmt.Errorf("policy %s has namespace scope but no namespace: name at least one (wildcards such as dev-* are allowed)", name)
		}
		for _, ns := range p.Namespaces {
			if strings.TrimSpace(ns) == "" {
				return fmt.Errorf("policy %s has an empty namespace name: name each namespace", name)
			}
		}
	default:
		return fmt.Errorf("policy %s has scope %q: use cluster or namespace", name, p.Scope)
	}
	return nil
}

// Check refuses, before any AWS call, an entry EKS would refuse; the error
// is the first rule broken, in one line with its fix. clusterAccount is the
// cluster's account ("" when unknown).
func (e *Entry) Check(clusterAccount string) error {
	t := orDefault(e.Type, TypeStandard)
	if err := CheckType(t); err != nil {
		return err
	}
	if err := CheckPrincipal(e.PrincipalARN, t, clusterAccount); err != nil {
		return err
	}
	return checkFields(t, e.Username, e.Groups, e.Policies)
}

// checkFields checks the username, groups and policies of an entry of type t.
func checkFields(t, username string, groups []string, policies []Policy) error {
	if err := CheckUsername(username, t); err != nil {
		return err
	}
	if err := CheckGroups(groups, t); err != nil {
		return err
	}
	if len(policies) > 0 && !TakesPolicies(t) {
		return fmt.Errorf("%s entries take no access policy (EKS gives their nodes access through system:nodes): drop --policy %s", t, ShortPolicy(policies[0].ARN))
	}
	for _, p := range policies {
		if err := CheckPolicy(p); err != nil {
			return err
		}
	}
	return nil
}
