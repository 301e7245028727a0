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
