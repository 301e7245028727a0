package eks

import (
	"context"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
)

// ClusterAPI is the part of the EKS API the plugin reads (eks.Client).
type ClusterAPI interface {
	DescribeCluster(ctx context.Context, in *eks.DescribeClusterInput, optFns ...func(*eks.Options)) (*eks.DescribeClusterOutput, error)
	ListAccessEntries(ctx context.Context, in *eks.ListAccessEntriesInput, optFns ...func(*eks.Options)) (*eks.ListAccessEntriesOutput, error)
	DescribeAccessEntry(ctx context.Context, in *eks.DescribeAccessEntryInput, optFns ...func(*eks.Options)) (*eks.DescribeAccessEntryOutput, error)
	ListAssociatedAccessPolicies(ctx context.Context, in *eks.ListAssociatedAccessPoliciesInput, optFns ...func(*eks.Options)) (*eks.ListAssociatedAccessPoliciesOutput, error)
}

// Cluster is what DescribeCluster says that matters for access.
type Cluster struct {
	Name, ARN, Endpoint, Region string
	AuthenticationMode         string
	CreatorAdmin               *bool
}

// DescribeCluster reads a cluster's endpoint and access configuration.
func DescribeCluster(ctx context.Context, c ClusterAPI, name string) (Cluster, error) {
	out, err := c.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String(name)})
	if err != nil {
		return Cluster{}, err
	}
	cl := Cluster{Name: name, AuthenticationMode: string(ekstypes.AuthenticationModeConfigMap)}
	if out.Cluster != nil {
		cl.ARN = aws.ToString(out.Cluster.Arn)
		cl.Endpoint = aws.ToString(out.Cluster.Endpoint)
		if ac := out.Cluster.AccessConfig; ac != nil {
			if ac.AuthenticationMode != "" {
				cl.AuthenticationMode = string(ac.AuthenticationMode)
			}
			cl.CreatorAdmin = ac.BootstrapClusterCreatorAdminPermissions
		}
	}
	return cl, nil
}

// AccessPolicy is an access policy associated with an access entry.
type AccessPolicy struct {
	PolicyARN  string
	ScopeType  string
	Namespaces []string
}

// AccessEntry is an access entry with its policies.
type AccessEntry struct {
	PrincipalARN     string
	Type             string
	Username         string
	KubernetesGroups []string
	CreatedAt        time.Time
	Policies         []AccessPolicy
}

// AccessEntries returns every access entry of a cluster whose principal ARN
// satisfies keep (nil: all), with its policies.
func AccessEntries(ctx context.Context, c ClusterAPI, cluster string, keep func(arn string) bool) ([]AccessEntry, error) {
	var arns []string
	var token *string
	for {
		out, err := c.ListAccessEntries(ctx, &eks.ListAccessEntriesInput{ClusterName: aws.String(cluster), NextToken: token})
		if err != nil {
			return nil, err
		}
		for _, a := range out.AccessEntries {
			if keep == nil || keep(a) {
				arns = append(arns, a)
			}
		}
		if out.NextToken == nil {
			break
		}
		token = out.NextToken
	}
	entries := make([]AccessEntry, 0, len(arns))
	for _, arn := range arns {
		d, err := c.DescribeAccessEntry(ctx, &eks.DescribeAccessEntryInput{ClusterName: aws.String(cluster), PrincipalArn: aws.String(arn)})
		if err != nil {
			return nil, err
		}
		e := AccessEntry{PrincipalARN: arn}
		if ae := d.AccessEntry; ae != nil {
			e.Type, e.Username, e.KubernetesGroups = aws.ToString(ae.Type), aws.ToString(ae.Username), ae.KubernetesGroups
			e.CreatedAt = aws.ToTime(ae.CreatedAt)
		}
		var next *string
		for {
			p, err := c.ListAssociatedAccessPolicies(ctx, &eks.ListAssociatedAccessPoliciesInput{ClusterName: aws.String(cluster), PrincipalArn: aws.String(arn), NextToken: next})
			if err != nil {
				return nil, err
			}
			for _, ap := range p.AssociatedAccessPolicies {
				pol := AccessPolicy{PolicyARN: aws.ToString(ap.PolicyArn)}
				if ap.AccessScope != nil {
					pol.ScopeType, pol.Namespaces = string(ap.AccessScope.Type), ap.AccessScope.Namespaces
				}
				e.Policies = append(e.Policies, pol)
			}
			if p.NextToken == nil {
				break
			}
			next = p.NextToken
		}
		entries = append(entries, e)
	}
	return entries, nil
}

// Identity is what STS GetCallerIdentity answers.
type Identity struct {
	ARN, Account, UserID string
}

// STSError is an error STS answered with.
type STSError struct {
	Status  int
	Code    string
	Message string
}

func (e *STSError) Error() string {
	return fmt.Sprintf("STS answered %d %s: %s", e.Status, e.Code, e.Message)
}

// ReplayToken does what the EKS authenticator does with a token: it sends
// the presigned GetCallerIdentity URL to STS with the cluster name in the
// x-k8s-aws-id header, and returns the identity STS vouches for. A token
// made for another cluster name fails with SignatureDoesNotMatch.
func ReplayToken(ctx context.Context, client aws.HTTPClient, token, clusterName string) (Identity, error) {
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(token, TokenPrefix))
	if err != nil {
		return Identity{}, fmt.Errorf("token is not base64url: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, string(raw), nil)
	if err != nil {
		return Identity{}, err
	}
	req.Header.Set(ClusterIDHeader, clusterName)
	req.Header.Set("Accept", "application/xml")
	resp, err := client.Do(req)
	if err != nil {
		// The URL (with its signature) must not end up in an error message.
		var ue interface{ Unwrap() error }
		if errors.As(err, &ue) {
			return Identity{}, fmt.Errorf("calling STS at %s: %v", req.URL.Host, ue.Unwrap())
		}
		return Identity{}, fmt.Errorf("calling STS at %s failed", req.URL.Host)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return Identity{}, err
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error struct {
				Code    string `xml:"Code"`
				Message string `xml:"Message"`
			} `xml:"Error"`
		}
		_ = xml.Unmarshal(body, &e)
		return Identity{}, &STSError{Status: resp.StatusCode, Code: e.Error.Code, Message: e.Error.Message}
	}
	var out struct {
		Result struct {
			Arn     string `xml:"Arn"`
			Account string `xml:"Account"`
			UserID  string `xml:"UserId"`
		} `xml:"GetCallerIdentityResult"`
	}
	if err := xml.Unmarshal(body, &out); err != nil {
		return Identity{}, fmt.Errorf("STS answer is not GetCallerIdentity XML: %w", err)
	}
	return Identity{ARN: out.Result.Arn, Account: out.Result.Account, UserID: out.Result.UserID}, nil
}
