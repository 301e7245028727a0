// Package awstoken makes EKS bearer tokens the way `aws eks get-token` and
// aws-iam-authenticator do: "k8s-aws-v1." and the base64url (no padding) of
// a presigned STS GetCallerIdentity URL with x-k8s-aws-id signed.
package awstoken

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sts"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// Prefix starts every token.
const Prefix = "k8s-aws-v1."

// ClusterIDHeader is the signed header naming the cluster.
const ClusterIDHeader = "x-k8s-aws-id"

// New presigns GetCallerIdentity for cluster with client's credentials.
func New(ctx context.Context, client *sts.Client, cluster string) (string, error) {
	req, err := sts.NewPresignClient(client).PresignGetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}, func(o *sts.PresignOptions) {
		o.ClientOptions = append(o.ClientOptions, func(so *sts.Options) {
			so.APIOptions = append(so.APIOptions,
				smithyhttp.SetHeaderValue(ClusterIDHeader, cluster),
				// As the authenticator: STS ignores it, but servers check it.
				smithyhttp.SetHeaderValue("X-Amz-Expires", "60"))
		})
	})
	if err != nil {
		return "", err
	}
	return Prefix + base64.RawURLEncoding.EncodeToString([]byte(req.URL)), nil
}

// ExecCredential is the client.authentication.k8s.io/v1beta1 object an exec
// plugin prints; the token expires 14 minutes after now, like get-token's.
func ExecCredential(token string, now time.Time) ([]byte, error) {
	return json.Marshal(map[string]any{
		"kind":       "ExecCredential",
		"apiVersion": "client.authentication.k8s.io/v1beta1",
		"spec":       map[string]any{},
		"status":     map[string]any{"expirationTimestamp": now.UTC().Add(14 * time.Minute).Format(time.RFC3339), "token": token},
	})
}
