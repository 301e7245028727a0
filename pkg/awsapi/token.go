// Package awsapi talks to AWS the way EKS and its authenticator do: it makes
// and decodes `k8s-aws-v1.` tokens (presigned STS GetCallerIdentity URLs),
// and holds the small interfaces to STS and EKS the commands use.
package awsapi

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

const (
	// TokenPrefix starts every EKS token.
	TokenPrefix = "k8s-aws-v1."
	// ClusterIDHeader is the signed header that binds a token to a cluster name.
	ClusterIDHeader = "x-k8s-aws-id"
	// PresignExpires is the X-Amz-Expires value aws eks get-token uses.
	PresignExpires = 60
	// TokenLifetime: STS accepts a presigned URL for 15 minutes after its
	// X-Amz-Date, whatever X-Amz-Expires says.
	TokenLifetime = 15 * time.Minute
	// MaxTokenSize is the largest token the authenticator accepts.
	MaxTokenSize = 4096
)

// Token is an EKS bearer token and when it stops working.
type Token struct {
	Value      string
	Expiration time.Time
}

// NewToken makes the token `aws eks get-token --cluster-name clusterName`
// makes: a GetCallerIdentity URL presigned with the cluster name among the
// signed headers, base64url-encoded without padding. Its expiration is one
// minute before STS stops accepting it, as the AWS CLI reports it.
func NewToken(ctx context.Context, client *sts.Client, clusterName string, now time.Time) (Token, error) {
	if clusterName == "" {
		return Token{}, errors.New("no cluster name: pass --cluster-name, the name of the EKS cluster the token is for")
	}
	presigner := sts.NewPresignClient(client)
	req, err := presigner.PresignGetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}, func(po *sts.PresignOptions) {
		po.Presigner = signAt{v4.NewSigner(), now}
		po.ClientOptions = append(po.ClientOptions, func(o *sts.Options) {
			o.APIOptions = append(o.APIOptions,
				smithyhttp.SetHeaderValue(ClusterIDHeader, clusterName),
				smithyhttp.SetHeaderValue("X-Amz-Expires", strconv.Itoa(PresignExpires)))
		})
	})
	if err != nil {
		return Token{}, err
	}
	return Token{
		Value:      TokenPrefix + base64.RawURLEncoding.EncodeToString([]byte(botocoreOrder(req.URL))),
		Expiration: now.Add(TokenLifetime - time.Minute),
	}, nil
}

// signAt presigns at the caller's clock rather than the SDK's: the token's
// X-Amz-Date and its expiration come from the same instant, and a test can
// make the token `aws eks get-token` made in another second.
type signAt struct {
	signer *v4.Signer
	at     time.Time
}

func (s signAt) PresignHTTP(ctx context.Context, creds aws.Credentials, r *http.Request, payloadHash, service, region string, _ time.Time, optFns ...func(*v4.SignerOptions)) (string, http.Header, error) {
	return s.signer.PresignHTTP(ctx, creds, r, payloadHash, service, region, s.at, optFns...)
}

// presignOrder is the order of the query parameters in botocore's presigned
// URLs: the operation's, then the signer's, the session token after the
// signed headers, the signature last. The Go SDK sorts them instead; the
// signature is the same, the bytes of the token are not.
var presignOrder = []string{"Action", "Version", "X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders", "X-Amz-Security-Token", "X-Amz-Signature"}

// botocoreOrder rewrites a presigned URL's query in presignOrder, keeping
// every pair's encoding; unknown parameters keep their place before them.
func botocoreOrder(raw string) string {
	base, query, ok := strings.Cut(raw, "?")
	if !ok {
		return raw
	}
	rank := func(pair string) int {
		name, _, _ := strings.Cut(pair, "=")
		for i, k := range presignOrder {
			if name == k {
				return i
			}
		}
		return -1
	}
	pairs := strings.Split(query, "&")
	sort.SliceStable(pairs, func(i, j int) bool { return rank(pairs[i]) < rank(pairs[j]) })
	return base + "?" + strings.Join(pairs, "&")
}

// ConfigOptions pick the AWS identity, as the AWS CLI's flags do.
type ConfigOptions struct {
	Profile string
	Region  string
	// RoleARN, when set, is assumed first (like aws eks get-token --role-arn).
	RoleARN string
	// SessionName names the role session; DefaultSessionName when empty.
	SessionName string
}

// DefaultSessionName is the role session name `aws eks get-token --role-arn`
// always uses (awscli customizations/eks/get_token.py), so that a username
// template {{SessionName}} renders the same for the AWS CLI and the plugin.
const DefaultSessionName = "EKSGetTokenAuth"

// FallbackRegion is used for EKS and IAM calls when no region is configured.
const FallbackRegion = "us-east-1"

// globalSTSRegion makes the SDK resolve the global STS endpoint,
// https://sts.amazonaws.com, signed for us-east-1.
const globalSTSRegion = "aws-global"

// LoadConfig loads the AWS SDK configuration from the usual places
// (environment, shared config and credentials files, SSO...), then assumes
// RoleARN if given. Without a configured region, EKS and IAM calls go to
// FallbackRegion and STS calls to the global endpoint, as the AWS CLI's do.
func LoadConfig(ctx context.Context, o ConfigOptions) (aws.Config, error) {
	cfg, _, err := loadConfig(ctx, o)
	return cfg, err
}

// NewTokenClient is the STS client `aws eks get-token` would sign with: the
// identity of LoadConfig, and without a configured region (and no
// AWS_ENDPOINT_URL_STS) the global endpoint sts.amazonaws.com, where
// botocore sends a regionless STS client.
func NewTokenClient(ctx context.Context, o ConfigOptions) (*sts.Client, error) {
	cfg, regionSet, err := loadConfig(ctx, o)
	if err != nil {
		return nil, err
	}
	return newSTSClient(cfg, regionSet), nil
}

func loadConfig(ctx context.Context, o ConfigOptions) (aws.Config, bool, error) {
	var opts []func(*config.LoadOptions) error
	if o.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(o.Profile))
	}
	if o.Region != "" {
		opts = append(opts, config.WithRegion(o.Region))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, false, fmt.Errorf("loading AWS configuration: %w", err)
	}
	regionSet := cfg.Region != ""
	if !regionSet {
		cfg.Region = FallbackRegion
	}
	if o.RoleARN != "" {
		session := o.SessionName
		if session == "" {
			session = DefaultSessionName
		}
		provider := stscreds.NewAssumeRoleProvider(newSTSClient(cfg, regionSet), o.RoleARN, func(ao *stscreds.AssumeRoleOptions) {
			ao.RoleSessionName = session
		})
		cfg.Credentials = aws.NewCredentialsCache(provider)
	}
	return cfg, regionSet, nil
}

// newSTSClient sends a regionless client to the global endpoint unless an
// endpoint is configured (AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL), which
// keeps FallbackRegion for its signature.
func newSTSClient(cfg aws.Config, regionSet bool) *sts.Client {
	return sts.NewFromConfig(cfg, func(so *sts.Options) {
		if !regionSet && so.BaseEndpoint == nil {
			so.Region = globalSTSRegion
		}
	})
}

// TokenInfo is what a token says about itself, without any secret.
type TokenInfo struct {
	// Host is the STS endpoint the URL points at.
	Host string
	// AccessKeyID signed the URL (print it masked: MaskAccessKeyID).
	AccessKeyID   string
	Region        string
	Date          time.Time
	Expires       int
	SignedHeaders []string
	// ClusterID is not in the URL: it is the header value the server
	// supplies. HasClusterHeader says whether the header was signed at all.
	HasClusterHeader bool
	HasSessionToken  bool
	Size             int
}

// DecodeToken checks a token's shape as the authenticator does
// (pkg/token.Verify) and returns what it says. It never needs a secret.
func DecodeToken(token string, now time.Time) (TokenInfo, error) {
	info := TokenInfo{Size: len(token)}
	if len(token) > MaxTokenSize {
		return info, fmt.Errorf("token is %d bytes, more than the %d the authenticator accepts", len(token), MaxTokenSize)
	}
	if !strings.HasPrefix(token, TokenPrefix) {
		return info, fmt.Errorf("token does not start with %q: it is not an EKS token", TokenPrefix)
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(token, TokenPrefix))
	if err != nil {
		return info, fmt.Errorf("token is not base64url: %w", err)
	}
	u, err := url.Parse(string(raw))
	if err != nil {
		return info, fmt.Errorf("token does not hold a URL: %w", err)
	}
	info.Host = u.Host
	if u.Scheme != "https" {
		return info, fmt.Errorf("token URL scheme is %q, not https", u.Scheme)
	}
	if u.Path != "/" && u.Path != "" {
		return info, fmt.Errorf("token URL path is %q, not /", u.Path)
	}
	q := u.Query()
	if q.Get("Action") != "GetCallerIdentity" {
		return info, fmt.Errorf("token URL action is %q, not GetCallerIdentity", q.Get("Action"))
	}
	cred := strings.Split(q.Get("X-Amz-Credential"), "/")
	if len(cred) >= 3 {
		info.AccessKeyID, info.Region = cred[0], cred[2]
	}
	info.SignedHeaders = strings.Split(q.Get("X-Amz-SignedHeaders"), ";")
	for _, h := range info.SignedHeaders {
		if h == ClusterIDHeader {
			info.HasClusterHeader = true
		}
	}
	info.HasSessionToken = q.Get("X-Amz-Security-Token") != ""
	if !info.HasClusterHeader {
		return info, fmt.Errorf("token does not sign the %s header: it was not made for an EKS cluster", ClusterIDHeader)
	}
	if info.Expires, err = strconv.Atoi(q.Get("X-Amz-Expires")); err != nil || info.Expires < 0 || info.Expires > 900 {
		return info, fmt.Errorf("token X-Amz-Expires is %q, not 0..900", q.Get("X-Amz-Expires"))
	}
	if info.Date, err = time.Parse("20060102T150405Z", q.Get("X-Amz-Date")); err != nil {
		return info, fmt.Errorf("token X-Amz-Date %q is not a date", q.Get("X-Amz-Date"))
	}
	if now.After(info.Date.Add(TokenLifetime)) {
		return info, fmt.Errorf("token expired at %s (signed %s; tokens last %s): get a new one, and check this machine's clock", info.Date.Add(TokenLifetime).Format(time.RFC3339), info.Date.Format(time.RFC3339), TokenLifetime)
	}
	if info.Date.After(now.Add(TokenLifetime)) {
		return info, fmt.Errorf("token is dated %s, in the future: this machine's clock is ahead; sync it", info.Date.Format(time.RFC3339))
	}
	return info, nil
}

// MaskAccessKeyID keeps the first 4 and last 4 characters of an access key ID.
func MaskAccessKeyID(id string) string {
	if len(id) <= 8 {
		return strings.Repeat("*", len(id))
	}
	return id[:4] + strings.Repeat("*", len(id)-8) + id[len(id)-4:]
}
