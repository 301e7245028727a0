package sandbox

import (
	"github.com/eksaccess/kubectl-eksaccess/test/sandbox/fakeaws"
)

// VerbPermission is one row of the README's "Permissions each verb needs"
// table (AWS IAM column), for one case of a verb: the sandbox user User
// has exactly these actions (on every resource). The sandbox e2e tests
// prove each set is what the verb needs: without any one of them it fails
// naming that one, with all of them it works.
type VerbPermission struct {
	User    string
	Verb    string
	Actions []string
}

// VerbPermissions are the rows, one sandbox user each.
var VerbPermissions = []VerbPermission{
	{"can_list", "list, lint (with a discovered cluster in API_AND_CONFIG_MAP or API mode)",
		[]string{"eks:DescribeCluster", "eks:ListAccessEntries", "eks:DescribeAccessEntry", "eks:ListAssociatedAccessPolicies"}},
	{"can_add_entry", "add --via access-entry (a new entry with --policy; iam:GetRole for a role)",
		[]string{"eks:DescribeCluster", "iam:GetUser", "eks:DescribeAccessEntry", "eks:CreateAccessEntry", "eks:AssociateAccessPolicy"}},
	{"can_update_entry", "add --via access-entry (an existing entry)",
		[]string{"eks:DescribeCluster", "iam:GetUser", "eks:DescribeAccessEntry", "eks:ListAssociatedAccessPolicies", "eks:UpdateAccessEntry"}},
	{"can_remove_entry", "remove --via access-entry",
		[]string{"eks:DescribeCluster", "iam:GetUser", "eks:DescribeAccessEntry", "eks:ListAssociatedAccessPolicies", "eks:DeleteAccessEntry"}},
	{"can_remove_policy", "remove --via access-entry --policy",
		[]string{"eks:DescribeCluster", "iam:GetUser", "eks:DescribeAccessEntry", "eks:ListAssociatedAccessPolicies", "eks:DisassociateAccessPolicy"}},
	{"can_diagnose", "diagnose (AWS side)",
		[]string{"eks:DescribeCluster", "eks:ListAccessEntries", "eks:DescribeAccessEntry", "eks:ListAssociatedAccessPolicies", "iam:GetUser"}},
	{"can_migrate", "migrate --approve (users and roles in aws-auth)",
		[]string{"eks:DescribeCluster", "eks:ListAccessEntries", "iam:GetUser", "iam:GetRole", "eks:DescribeAccessEntry", "eks:ListAssociatedAccessPolicies", "eks:CreateAccessEntry"}},
	{"can_switch_mode", "migrate --approve --switch-mode",
		[]string{"eks:DescribeCluster", "eks:ListAccessEntries", "iam:GetUser", "iam:GetRole", "eks:DescribeAccessEntry", "eks:ListAssociatedAccessPolicies", "eks:CreateAccessEntry", "eks:UpdateClusterConfig", "eks:DescribeUpdate"}},
}

// Permission returns the row of a sandbox user.
func Permission(user string) VerbPermission {
	for _, p := range VerbPermissions {
		if p.User == user {
			return p
		}
	}
	panic("sandbox: no permission row for user " + user)
}

// WithPermissionUsers adds a user per row of VerbPermissions to the seed,
// each with exactly the row's actions, and a user no_permissions with
// none. Their keys are in the sandbox's credentials file, so
// '--profile can_list' picks one.
func WithPermissionUsers(seed *fakeaws.Seed) *fakeaws.Seed {
	for _, p := range VerbPermissions {
		seed.Users = append(seed.Users, fakeaws.SeedUser{Name: p.User, Policy: fakeaws.Allow(p.Actions...)})
	}
	seed.Users = append(seed.Users, fakeaws.SeedUser{Name: "no_permissions", Policy: &fakeaws.Policy{Statement: []fakeaws.Statement{}}})
	return seed
}
