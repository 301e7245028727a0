package cmd

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/aws/smithy-go"
)

func TestAWSError(t *testing.T) {
	for _, tc := range []struct {
		name    string
		err     error
		profile string
		want    string
	}{
		{"expired sso", errors.New("failed to refresh cached credentials, refresh cached SSO token failed, unable to refresh SSO token, operation error SSO OIDC: CreateToken"), "prod", "run 'aws sso login --profile prod'"},
		{"no credentials", errors.New("failed to retrieve credentials: no EC2 IMDS role found"), "", "no AWS credentials found: set AWS_PROFILE or pass --profile"},
		{"expired session", &smithy.GenericAPIError{Code: "ExpiredToken", Message: "The security token included in the request is expired"}, "dev", "session credentials have expired"},
		{"assume role denied", fmt.Errorf("operation error STS: AssumeRole: %w", &smithy.GenericAPIError{Code: "AccessDenied", Message: "not authorized to perform: sts:AssumeRole"}), "", "you may not assume that role"},
		{"eks denied", fmt.Errorf("operation error EKS: CreateAccessEntry: %w", &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "User: arn:aws:sts::111122223333:assumed-role/R/S is not authorized to perform: eks:CreateAccessEntry on resource: arn:aws:eks:us-east-1:111122223333:cluster/prod"}), "",
			"missing AWS permission eks:CreateAccessEntry on arn:aws:eks:us-east-1:111122223333:cluster/prod: allow it in an IAM policy of arn:aws:sts::111122223333:assumed-role/R/S, or use another --profile"},
		{"iam denied, real suffix", &smithy.GenericAPIError{Code: "AccessDenied", Message: "User: arn:aws:iam::111122223333:user/u is not authorized to perform: iam:GetRole on resource: role r because no identity-based policy allows the iam:GetRole action"}, "",
			"missing AWS permission iam:GetRole on role r: allow it in an IAM policy of arn:aws:iam::111122223333:user/u,"},
		{"explicit deny", &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "User: arn:aws:iam::1:user/u is not authorized to perform: eks:DescribeCluster on resource: arn:aws:eks:us-east-1:1:cluster/c with an explicit deny in an identity-based policy"}, "",
			"missing AWS permission eks:DescribeCluster on arn:aws:eks:us-east-1:1:cluster/c: an explicit Deny in a policy of arn:aws:iam::1:user/u refuses it"},
		{"denied, other text", &smithy.GenericAPIError{Code: "AccessDeniedException", Message: "Access denied"}, "", "AWS refused the call (AccessDeniedException): Access denied; ask for the permission"},
		{"bad key", &smithy.GenericAPIError{Code: "InvalidClientTokenId", Message: "The security token included in the request is invalid."}, "ops", "check the access key of profile ops"},
		{"other", &smithy.GenericAPIError{Code: "ResourceNotFoundException", Message: "No cluster found for name: x."}, "", "AWS: ResourceNotFoundException: No cluster found for name: x."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := awsError(tc.err, tc.profile).Error(); !strings.Contains(got, tc.want) {
				t.Errorf("got %q, want it to contain %q", got, tc.want)
			}
		})
	}
}
