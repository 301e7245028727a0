package awsapi

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"
)

// IAMAPI is the part of IAM the plugin reads (iam.Client): the ARN of a
// role or user with its path, which access entries need, and the roles of
// IAM Identity Center permission sets.
type IAMAPI interface {
	PrincipalGetter
	RoleLister
}

// PrincipalGetter reads one IAM role or user (iam.Client).
type PrincipalGetter interface {
	GetRole(ctx context.Context, in *iam.GetRoleInput, optFns ...func(*iam.Options)) (*iam.GetRoleOutput, error)
	GetUser(ctx context.Context, in *iam.GetUserInput, optFns ...func(*iam.Options)) (*iam.GetUserOutput, error)
}

// ErrNoSuchPrincipal is returned when IAM has no role or user of that name.
var ErrNoSuchPrincipal = errors.New("no such IAM principal")

// PrincipalARN returns the ARN, with its path, of the role (kind "role") or
// user (kind "user") called name.
func PrincipalARN(ctx context.Context, c PrincipalGetter, kind, name string) (string, error) {
	var arn *string
	var err error
	switch kind {
	case "role":
		var out *iam.GetRoleOutput
		if out, err = c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)}); err == nil && out.Role != nil {
			arn = out.Role.Arn
		}
	case "user":
		var out *iam.GetUserOutput
		if out, err = c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String(name)}); err == nil && out.User != nil {
			arn = out.User.Arn
		}
	default:
		return "", fmt.Errorf("%s is neither a role nor a user", kind)
	}
	if err != nil {
		var nse *iamtypes.NoSuchEntityException
		var api smithy.APIError
		if errors.As(err, &nse) || (errors.As(err, &api) && api.ErrorCode() == "NoSuchEntity") {
			return "", fmt.Errorf("IAM %s %s: %w", kind, name, ErrNoSuchPrincipal)
		}
		return "", err
	}
	if arn == nil {
		return "", fmt.Errorf("IAM %s %s: no ARN in the answer", kind, name)
	}
	return *arn, nil
}

// PrincipalCreated returns when the IAM role or user an ARN names was
// created. An access entry older than its principal is stale: EKS matches
// entries by the principal's unique ID, which a recreated principal changes.
func PrincipalCreated(ctx context.Context, c PrincipalGetter, arn string) (time.Time, error) {
	// arn:PARTITION:iam::ACCOUNT:role/PATH/NAME or user/PATH/NAME
	sections := strings.SplitN(arn, ":", 6)
	kind, resource, ok := strings.Cut(sections[len(sections)-1], "/")
	if len(sections) != 6 || !ok {
		return time.Time{}, fmt.Errorf("%s is not an IAM role or user ARN", arn)
	}
	name := resource[strings.LastIndex(resource, "/")+1:]
	switch kind {
	case "role":
		out, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(name)})
		if err != nil {
			return time.Time{}, err
		}
		if out.Role != nil {
			return aws.ToTime(out.Role.CreateDate), nil
		}
	case "user":
		out, err := c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String(name)})
		if err != nil {
			return time.Time{}, err
		}
		if out.User != nil {
			return aws.ToTime(out.User.CreateDate), nil
		}
	default:
		return time.Time{}, fmt.Errorf("%s is not an IAM role or user ARN", arn)
	}
	return time.Time{}, fmt.Errorf("IAM %s %s: no creation date in the answer", kind, name)
}
