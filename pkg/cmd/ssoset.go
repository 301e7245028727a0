package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/aws/smithy-go"
	"github.com/spf13/cobra"

	"github.com/eksaccess/kubectl-eksaccess/pkg/accessentry"
	"github.com/eksaccess/kubectl-eksaccess/pkg/awsapi"
	"github.com/eksaccess/kubectl-eksaccess/pkg/awsauth"
)

// principalTarget is what add and remove act on: the ARN argument,
// --account (every principal of an account, mapAccounts), or the role of
// --sso-permission-set.
type principalTarget struct {
	ARN     string
	Account string
	sso     ssoTarget
	// ssoRole is the role --sso-permission-set resolved to.
	ssoRole awsapi.SSORole
}

// complete takes the ARN argument and resolves --sso-permission-set (with
// --account as its role's account) in IAM: aws-auth takes the role without
// its path, an access entry write uses ssoRole.ARN, with it.
func (p *principalTarget) complete(ctx context.Context, args []string, cluster *clusterTarget, errOut io.Writer) error {
	if len(args) == 1 {
		p.ARN = args[0]
	}
	if p.sso.PermissionSet == "" {
		return nil
	}
	if p.ARN != "" {
		return errors.New("give an ARN or --sso-permission-set, not both")
	}
	role, err := p.sso.resolve(ctx, cluster, errOut, p.Account)
	if err != nil {
		return err
	}
	p.ssoRole, p.ARN, p.Account = role, role.PathlessARN, ""
	return nil
}

// validate checks that exactly one of an ARN and --account was given;
// verb is the command, what it does to the ARN ("map", "remove").
func (p *principalTarget) validate(verb, does string) error {
	switch {
	case p.ARN == "" && p.Account == "":
		return fmt.Errorf("give the ARN to %s, or --account ID: see 'kubectl eksaccess %s --help'", does, verb)
	case p.ARN != "" && p.Account != "":
		return errors.New("give an ARN or --account, not both")
	}
	return nil
}

// ssoTarget is --sso-permission-set NAME (with --account ID) on add and
// remove: the principal is the role IAM Identity Center made for the
// permission set, found with IAM ListRoles.
type ssoTarget struct {
	PermissionSet string
}

func (s *ssoTarget) addFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&s.PermissionSet, "sso-permission-set", "", "IAM Identity Center permission set whose role (AWSReservedSSO_NAME_*) is the principal, instead of an ARN; --account says which account's role (default: the account of your credentials)")
}

// resolve finds the permission set's role in account ("" for the account
// the credentials reach), says which role it found on errOut, and returns
// it. The IAM client is the one of the cluster's exec plugin identity (or
// --profile), the identity an add or remove writes with.
func (s *ssoTarget) resolve(ctx context.Context, t *clusterTarget, errOut io.Writer, account string) (awsapi.SSORole, error) {
	iamc, profile, err := t.iamClient(ctx)
	if err != nil {
		return awsapi.SSORole{}, fmt.Errorf("--sso-permission-set %s: %w", s.PermissionSet, err)
	}
	role, err := awsapi.ResolvePermissionSet(ctx, iamc, s.PermissionSet, account)
	if err != nil {
		var api interface{ ErrorCode() string }
		if errors.As(err, &api) {
			return awsapi.SSORole{}, awsError(err, profile)
		}
		return awsapi.SSORole{}, err
	}
	fmt.Fprintf(errOut, "Found %s.\n", role.Found())
	return role, nil
}

// iamClient builds the IAM client of the identity the cluster is reached
// with (kubeconfig exec plugin, --profile), without needing a cluster name.
func (t *clusterTarget) iamClient(ctx context.Context) (awsapi.IAMAPI, string, error) {
	loc, _ := t.locate(true)
	newClients := t.NewClients
	if newClients == nil {
		newClients = defaultClients
	}
	_, iamc, err := newClients(ctx, awsapi.ConfigOptions{Profile: loc.Profile, Region: loc.Region, RoleARN: loc.RoleARN})
	if err != nil {
		return nil, loc.Profile, awsError(err, loc.Profile)
	}
	return iamc, loc.Profile, nil
}

// policyCatalogue is the list of access policy names for a cluster: the
// live one when it is reachable, else the fallback, with a warning on
// errOut when the read failed (not when it was refused: the permission is
// optional). pc holds the list read, so
// a run asks EKS once.
func policyCatalogue(ctx context.Context, pc *awsapi.PolicyCatalogue, cl *eksCluster, errOut io.Writer) accessentry.Catalogue {
	if cl == nil || cl.API == nil {
		return accessentry.Fallback()
	}
	if pc.API == nil {
		pc.API = cl.API
	}
	cat, err := pc.Get(ctx)
	var api smithy.APIError
	if errors.As(err, &api) && api.ErrorCode() == "AccessDeniedException" {
		// eks:ListAccessPolicies is not a permission add needs: without
		// it, EKS judges the names itself.
		return cat
	}
	if err != nil && errOut != nil {
		fmt.Fprintf(errOut, "Warning: the access policies EKS offers could not be read (%s): policy names are checked against the built-in list\n", firstLine(awsError(err, cl.Profile).Error()))
	}
	return cat
}

// clusterAccount is the account of the cluster's ARN, "" when unknown.
func clusterAccount(cl *eksCluster) string {
	if a, err := awsauth.ParseARN(cl.ARN); err == nil {
		return a.AccountID
	}
	return ""
}
