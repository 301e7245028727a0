package awsapi

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

	"github.com/eksaccess/kubectl-eksaccess/pkg/accessentry"
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
	// AuthenticationMode is one of accessentry.Modes.
	AuthenticationMode string
	CreatorAdmin       *bool
}

// ClusterDescriber describes a cluster (eks.Client).
type ClusterDescriber interface {
	DescribeCluster(ctx context.Context, in *eks.DescribeClusterInput, optFns ...func(*eks.Options)) (*eks.DescribeClusterOutput, error)
}

// DescribeCluster reads a cluster's endpoint and access configuration.
func DescribeCluster(ctx context.Context, c ClusterDescriber, name string) (Cluster, error) {
	out, err := c.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String(name)})
	if err != nil {
		return Cluster{}, err
	}
	cl := Cluster{Name: name, AuthenticationMode: accessentry.ModeConfigMap}
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

// ClusterLister lists and describes clusters (eks.Client).
type ClusterLister interface {
	ListClusters(ctx context.Context, in *eks.ListClustersInput, optFns ...func(*eks.Options)) (*eks.ListClustersOutput, error)
	DescribeCluster(ctx context.Context, in *eks.DescribeClusterInput, optFns ...func(*eks.Options)) (*eks.DescribeClusterOutput, error)
}

// SameEndpoint reports whether two API server URLs are the same endpoint
// (case and a trailing slash aside).
func SameEndpoint(a, b string) bool {
	norm := func(s string) string { return strings.TrimRight(strings.ToLower(strings.TrimSpace(s)), "/") }
	return a != "" && norm(a) == norm(b)
}

// FindClusterByEndpoint finds the cluster of the account and region whose
// endpoint is the given URL (a kubeconfig's server), describing the
// clusters concurrently. found is false when none has it.
func FindClusterByEndpoint(ctx context.Context, c ClusterLister, endpoint string) (cl Cluster, found bool, err error) {
	var names []string
	var next *string
	for {
		out, err := c.ListClusters(ctx, &eks.ListClustersInput{NextToken: next})
		if err != nil {
			return Cluster{}, false, err
		}
		names = append(names, out.Clusters...)
		if out.NextToken == nil {
			break
		}
		next = out.NextToken
	}
	clusters, errs := eachParallel(names, func(n string) (Cluster, error) {
		return DescribeCluster(ctx, c, n)
	})
	for i, cl := range clusters {
		if errs[i] == nil && SameEndpoint(cl.Endpoint, endpoint) {
			return cl, true, nil
		}
	}
	return Cluster{}, false, errors.Join(errs...)
}

// ClusterUpdater starts a cluster configuration update and reads it
// (eks.Client).
type ClusterUpdater interface {
	UpdateClusterConfig(ctx context.Context, in *eks.UpdateClusterConfigInput, optFns ...func(*eks.Options)) (*eks.UpdateClusterConfigOutput, error)
	DescribeUpdate(ctx context.Context, in *eks.DescribeUpdateInput, optFns ...func(*eks.Options)) (*eks.DescribeUpdateOutput, error)
}

// UpdateWait bounds and reports the wait for a cluster update.
type UpdateWait struct {
	// Timeout ends the wait (the update goes on in EKS).
	Timeout time.Duration
	// Poll is the first interval between DescribeUpdate calls; it doubles
	// up to MaxPoll. Zero: 2 s up to 15 s (an update takes minutes).
	Poll, MaxPoll time.Duration
	// Progress, when set, is told the update's status after each read.
	Progress func(id, status string, elapsed time.Duration)
}

// UpdateFailedError is an update that ended Failed or Cancelled.
type UpdateFailedError struct {
	Cluster, ID, Status string
	Errors              []ekstypes.ErrorDetail
}

func (e *UpdateFailedError) Error() string {
	var why []string
	for _, d := range e.Errors {
		why = append(why, strings.TrimSpace(fmt.Sprintf("%s: %s", d.ErrorCode, aws.ToString(d.ErrorMessage))))
	}
	if len(why) == 0 {
		why = []string{"EKS gave no reason"}
	}
	return fmt.Sprintf("update %s of cluster %s %s: %s", e.ID, e.Cluster, strings.ToLower(e.Status), strings.Join(why, "; "))
}

// UpdateTimeoutError is an update still in progress when the wait ended.
type UpdateTimeoutError struct {
	Cluster, ID, Status string
	Waited              time.Duration
}

func (e *UpdateTimeoutError) Error() string {
	return fmt.Sprintf("update %s of cluster %s is still %s after %s: it goes on in EKS; follow it with 'aws eks describe-update --name %s --update-id %s'", e.ID, e.Cluster, e.Status, e.Waited, e.Cluster, e.ID)
}

// SwitchAuthenticationMode starts the update of the cluster's
// authenticationMode and waits until EKS says it is done. It returns the
// update's ID (empty when it could not start), and an *UpdateFailedError,
// an *UpdateTimeoutError, or the context's error wrapped with the ID.
func SwitchAuthenticationMode(ctx context.Context, c ClusterUpdater, cluster, mode string, w UpdateWait) (string, error) {
	out, err := c.UpdateClusterConfig(ctx, &eks.UpdateClusterConfigInput{
		Name:         aws.String(cluster),
		AccessConfig: &ekstypes.UpdateAccessConfigRequest{AuthenticationMode: ekstypes.AuthenticationMode(mode)},
	})
	if err != nil {
		return "", err
	}
	if out.Update == nil || out.Update.Id == nil {
		return "", fmt.Errorf("EKS started no update for cluster %s", cluster)
	}
	id := aws.ToString(out.Update.Id)
	return id, WaitForUpdate(ctx, c, cluster, id, string(out.Update.Status), w)
}

// WaitForUpdate polls DescribeUpdate until the update is Successful
// (nil), Failed or Cancelled (*UpdateFailedError), the timeout passes
// (*UpdateTimeoutError) or ctx ends. status is the status already known
// ("" for none): a Successful one returns at once.
func WaitForUpdate(ctx context.Context, c ClusterUpdater, cluster, id, status string, w UpdateWait) error {
	poll, maxPoll := w.Poll, w.MaxPoll
	if poll <= 0 {
		poll = 2 * time.Second
	}
	if maxPoll < poll {
		maxPoll = max(poll, 15*time.Second)
	}
	start := time.Now()
	deadline := time.NewTimer(w.Timeout)
	defer deadline.Stop()
	tick := time.NewTicker(poll)
	defer tick.Stop()
	for {
		switch ekstypes.UpdateStatus(status) {
		case ekstypes.UpdateStatusSuccessful:
			return nil
		case ekstypes.UpdateStatusFailed, ekstypes.UpdateStatusCancelled:
			d, err := c.DescribeUpdate(ctx, &eks.DescribeUpdateInput{Name: aws.String(cluster), UpdateId: aws.String(id)})
			fe := &UpdateFailedError{Cluster: cluster, ID: id, Status: status}
			if err == nil && d.Update != nil {
				fe.Errors = d.Update.Errors
			}
			return fe
		}
		if status != "" && w.Progress != nil {
			w.Progress(id, status, time.Since(start).Round(time.Second))
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("stopped waiting for update %s of cluster %s (it goes on in EKS; follow it with 'aws eks describe-update --name %s --update-id %s'): %w", id, cluster, cluster, id, ctx.Err())
		case <-deadline.C:
			return &UpdateTimeoutError{Cluster: cluster, ID: id, Status: status, Waited: w.Timeout}
		case <-tick.C:
		}
		if poll < maxPoll {
			poll = min(2*poll, maxPoll)
			tick.Reset(poll)
		}
		d, err := c.DescribeUpdate(ctx, &eks.DescribeUpdateInput{Name: aws.String(cluster), UpdateId: aws.String(id)})
		if err != nil {
			return fmt.Errorf("reading update %s of cluster %s: %w", id, cluster, err)
		}
		if d.Update == nil {
			return fmt.Errorf("EKS described no update %s for cluster %s", id, cluster)
		}
		status = string(d.Update.Status)
		if failed := d.Update.Status == ekstypes.UpdateStatusFailed || d.Update.Status == ekstypes.UpdateStatusCancelled; failed {
			return &UpdateFailedError{Cluster: cluster, ID: id, Status: status, Errors: d.Update.Errors}
		}
	}
}
