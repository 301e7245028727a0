package cmd

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aws/smithy-go"
)

// awsError turns an AWS SDK error into one line that names the fix.
func awsError(err error, profile string) error {
	if profile == "" {
		profile = "<profile>"
	}
	msg := err.Error()
	var api smithy.APIError
	code := ""
	if errors.As(err, &api) {
		code = api.ErrorCode()
		msg = fmt.Sprintf("%s: %s", api.ErrorCode(), api.ErrorMessage())
	}
	low := strings.ToLower(msg)
	switch {
	case strings.Contains(low, "sso") && (strings.Contains(low, "failed to refresh cached credentials") || strings.Contains(low, "token has expired") || strings.Contains(low, "refresh sso token")):
		return fmt.Errorf("your AWS SSO session has expired: run 'aws sso login --profile %s'", profile)
	case strings.Contains(msg, "no EC2 IMDS role found"), strings.Contains(msg, "failed to retrieve credentials"), strings.Contains(msg, "no valid credential sources"):
		return fmt.Errorf("no AWS credentials found: set AWS_PROFILE or pass --profile, or run 'aws configure' (%s)", firstLine(msg))
	case code == "ExpiredToken" || code == "ExpiredTokenException":
		return fmt.Errorf("your AWS session credentials have expired: refresh them (for SSO: 'aws sso login --profile %s')", profile)
	case code == "AccessDenied" && strings.Contains(msg, "AssumeRole"):
		return fmt.Errorf("you may not assume that role (%s): the role's trust policy must allow your identity", msg)
	case code == "InvalidClientTokenId" || code == "SignatureDoesNotMatch":
		return fmt.Errorf("AWS refused your credentials (%s): check the access key of profile %s", code, profile)
	}
	return fmt.Errorf("AWS: %s", firstLine(msg))
}
