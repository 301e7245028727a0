package cmd

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"

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
		return fmt.Errorf("you may not assume that role (%s): the role's trust policy must allow your identity (or your account, with sts:AssumeRole allowed by your own policy), and no policy of yours may deny sts:AssumeRole on it", msg)
	case code == "AccessDenied" || code == "AccessDeniedException":
		if m := notAuthorizedRE().FindStringSubmatch(api.ErrorMessage()); m != nil {
			how := "allow it in an IAM policy of " + m[1]
			if strings.Contains(m[4], "explicit deny") {
				how = "an explicit Deny in a policy of " + m[1] + " refuses it: remove that Deny"
			}
			return fmt.Errorf("missing AWS permission %s on %s: %s, or use another --profile (see 'Permissions each verb needs' in the README)", m[2], m[3], how)
		}
		return fmt.Errorf("AWS refused the call (%s): %s; ask for the permission it needs, or use another --profile", code, firstLine(api.ErrorMessage()))
	case code == "InvalidClientTokenId" || code == "SignatureDoesNotMatch":
		return fmt.Errorf("AWS refused your credentials (%s): check the access key of profile %s", code, profile)
	}
	return fmt.Errorf("AWS: %s", firstLine(msg))
}

// notAuthorizedRE reads the caller, action and resource of an AWS refusal:
// "User: ARN is not authorized to perform: ACTION on resource: RESOURCE",
// followed by nothing, "because no identity-based policy allows ..." or
// "with an explicit deny in ...".
// IAM writes some resources as "role NAME".
var notAuthorizedRE = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`User: (\S+) is not authorized to perform: (\S+) on resource: (.+?)( because .*| with an explicit deny.*)?$`)
})
