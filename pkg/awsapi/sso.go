package awsapi

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/eksaccess/kubectl-eksaccess/pkg/awsauth"
)

// RoleLister lists IAM roles under a path (iam.Client).
type RoleLister interface {
	ListRoles(ctx context.Context, in *iam.ListRolesInput, optFns ...func(*iam.Options)) (*iam.ListRolesOutput, error)
}

// SSORolePathPrefix is where IAM Identity Center puts the roles of its
// permission sets: /aws-reserved/sso.amazonaws.com/ then, for newer
// ones, the region of the Identity Center instance and a slash.
const SSORolePathPrefix = "/aws-reserved/sso.amazonaws.com/"

// ssoRolePrefix starts the name of a permission set's role:
// AWSReservedSSO_<PermissionSetName>_<suffix>.
const ssoRolePrefix = "AWSReservedSSO_"

// SSORole is the IAM role of a permission set in one account.
type SSORole struct {
	PermissionSet string
	// ARN is the role's ARN with its path: what an access entry takes.
	ARN string
	// PathlessARN is the ARN without the path: what aws-auth takes (a
	// session's ARN carries no path).
	PathlessARN string
	AccountID   string
}

// Found says which role was found, for the line a command prints.
func (r SSORole) Found() string {
	return fmt.Sprintf("permission set %s is IAM role %s", r.PermissionSet, r.ARN)
}

// ResolvePermissionSet finds the role IAM Identity Center made for the
// permission set name in the account the IAM client reaches (IAM
// ListRoles under SSORolePathPrefix, every page, with or without the
// region segment). account, when not "", is the account the role must be
// in. One match is returned; none or several are one-line errors naming
// the candidates and the fix.
func ResolvePermissionSet(ctx context.Context, c RoleLister, name, account string) (SSORole, error) {
	if name == "" || strings.ContainsAny(name, "/: ") {
		return SSORole{}, fmt.Errorf("permission set name %q is not valid: give the name as IAM Identity Center shows it, e.g. AdministratorAccess", name)
	}
	arns, err := ssoRoleARNs(ctx, c)
	if err != nil {
		return SSORole{}, fmt.Errorf("listing the IAM Identity Center roles (iam:ListRoles, path %s): %w", SSORolePathPrefix, err)
	}
	return matchPermissionSet(arns, name, account)
}

// ssoRoleARNs lists the ARNs of the roles under SSORolePathPrefix.
func ssoRoleARNs(ctx context.Context, c RoleLister) ([]string, error) {
	var arns []string
	var marker *string
	for {
		out, err := c.ListRoles(ctx, &iam.ListRolesInput{PathPrefix: aws.String(SSORolePathPrefix), Marker: marker})
		if err != nil {
			return nil, err
		}
		for _, r := range out.Roles {
			arns = append(arns, aws.ToString(r.Arn))
		}
		if !out.IsTruncated || out.Marker == nil {
			return arns, nil
		}
		marker = out.Marker
	}
}

// permissionSetOf is the permission set of an SSO role name, or "".
// The suffix after the last underscore is IAM Identity Center's; the
// name between may hold underscores itself.
func permissionSetOf(roleName string) string {
	rest, ok := strings.CutPrefix(roleName, ssoRolePrefix)
	i := strings.LastIndexByte(rest, '_')
	if !ok || i <= 0 || i == len(rest)-1 {
		return ""
	}
	return rest[:i]
}

// matchPermissionSet picks the role of permission set name among the
// role ARNs (pure, for tests).
func matchPermissionSet(arns []string, name, account string) (SSORole, error) {
	var matches []SSORole
	sets := map[string]bool{}
	foldMatch, otherAccount := "", ""
	for _, arn := range arns {
		p, err := awsauth.Canonicalize(arn)
		if err != nil || p.Type != awsauth.PrincipalRole || !strings.HasPrefix(p.Path, SSORolePathPrefix) {
			continue
		}
		set := permissionSetOf(p.Name)
		if set == "" {
			continue
		}
		sets[set] = true
		if set != name {
			if strings.EqualFold(set, name) {
				foldMatch = set
			}
			continue
		}
		if account != "" && p.AccountID != account {
			otherAccount = p.AccountID
			continue
		}
		matches = append(matches, SSORole{PermissionSet: set, ARN: arn, PathlessARN: p.PathlessARN(), AccountID: p.AccountID})
	}
	switch len(matches) {
	case 1:
		return matches[0], nil
	case 0:
		where := "this account"
		if account != "" {
			where = "account " + account
		}
		if otherAccount != "" {
			return SSORole{}, fmt.Errorf("the IAM Identity Center role of permission set %q found is in account %s, not %s: IAM lists the roles of the account your credentials are in; use a --profile of account %[3]s", name, otherAccount, account)
		}
		if foldMatch != "" {
			return SSORole{}, fmt.Errorf("no IAM Identity Center role for permission set %q in %s, but there is one for %q: permission set names are case-sensitive, use --sso-permission-set %s", name, where, foldMatch, foldMatch)
		}
		if len(sets) == 0 {
			return SSORole{}, fmt.Errorf("no IAM Identity Center role for permission set %q in %s: IAM has no role under %s; assign the permission set to this account in IAM Identity Center, or check --profile", name, where, SSORolePathPrefix)
		}
		return SSORole{}, fmt.Errorf("no IAM Identity Center role for permission set %q in %s: the permission sets provisioned here are %s; check the name, or assign the permission set to this account in IAM Identity Center", name, where, strings.Join(sortedKeys(sets), ", "))
	}
	var arnsFound []string
	for _, m := range matches {
		arnsFound = append(arnsFound, m.ARN)
	}
	sort.Strings(arnsFound)
	return SSORole{}, fmt.Errorf("%d IAM roles match permission set %q: %s; give the role ARN you mean instead of --sso-permission-set", len(matches), name, strings.Join(arnsFound, ", "))
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
