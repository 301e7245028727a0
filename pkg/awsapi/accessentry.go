package awsapi

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/aws/smithy-go"

	"github.com/eksaccess/kubectl-eksaccess/pkg/accessentry"
)

// AccessEntryAPI is the part of the EKS API that reads and writes access
// entries and the cluster's authentication mode (eks.Client).
type AccessEntryAPI interface {
	ClusterAPI
	CreateAccessEntry(ctx context.Context, in *eks.CreateAccessEntryInput, optFns ...func(*eks.Options)) (*eks.CreateAccessEntryOutput, error)
	UpdateAccessEntry(ctx context.Context, in *eks.UpdateAccessEntryInput, optFns ...func(*eks.Options)) (*eks.UpdateAccessEntryOutput, error)
	DeleteAccessEntry(ctx context.Context, in *eks.DeleteAccessEntryInput, optFns ...func(*eks.Options)) (*eks.DeleteAccessEntryOutput, error)
	AssociateAccessPolicy(ctx context.Context, in *eks.AssociateAccessPolicyInput, optFns ...func(*eks.Options)) (*eks.AssociateAccessPolicyOutput, error)
	DisassociateAccessPolicy(ctx context.Context, in *eks.DisassociateAccessPolicyInput, optFns ...func(*eks.Options)) (*eks.DisassociateAccessPolicyOutput, error)
	UpdateClusterConfig(ctx context.Context, in *eks.UpdateClusterConfigInput, optFns ...func(*eks.Options)) (*eks.UpdateClusterConfigOutput, error)
}

// IsNotFound reports an EKS ResourceNotFoundException.
func IsNotFound(err error) bool {
	var nf *ekstypes.ResourceNotFoundException
	if errors.As(err, &nf) {
		return true
	}
	var api smithy.APIError
	return errors.As(err, &api) && api.ErrorCode() == "ResourceNotFoundException"
}

// ToEntry converts an access entry as AccessEntries reads it.
func ToEntry(e AccessEntry) accessentry.Entry {
	out := accessentry.Entry{PrincipalARN: e.PrincipalARN, Type: e.Type, Username: e.Username, Groups: e.KubernetesGroups}
	for _, p := range e.Policies {
		out.Policies = append(out.Policies, accessentry.Policy{ARN: p.PolicyARN, Scope: p.ScopeType, Namespaces: p.Namespaces})
	}
	return out.Clone()
}

// ListEntries reads every access entry of a cluster with its policies.
func ListEntries(ctx context.Context, c ClusterAPI, cluster string) ([]accessentry.Entry, error) {
	raw, err := AccessEntries(ctx, c, cluster, nil)
	if err != nil {
		return nil, err
	}
	out := make([]accessentry.Entry, 0, len(raw))
	for _, e := range raw {
		out = append(out, ToEntry(e))
	}
	return out, nil
}

// GetEntry reads one access entry with its policies, or nil when there is none.
func GetEntry(ctx context.Context, c ClusterAPI, cluster, principalARN string) (*accessentry.Entry, error) {
	raw, err := AccessEntries(ctx, singleEntry{c, principalARN}, cluster, nil)
	if IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if len(raw) == 0 {
		return nil, nil
	}
	e := ToEntry(raw[0])
	return &e, nil
}

// singleEntry lists one principal instead of the cluster's entries.
type singleEntry struct {
	ClusterAPI
	arn string
}

func (s singleEntry) ListAccessEntries(context.Context, *eks.ListAccessEntriesInput, ...func(*eks.Options)) (*eks.ListAccessEntriesOutput, error) {
	return &eks.ListAccessEntriesOutput{AccessEntries: []string{s.arn}}, nil
}

// Apply makes the EKS calls of a change, in an order that never leaves
// more access than planned: delete, create or update, disassociate, then
// associate. It stops at the first error.
func Apply(ctx context.Context, c AccessEntryAPI, cluster string, ch accessentry.Change) error {
	name, arn := aws.String(cluster), aws.String(ch.PrincipalARN)
	if ch.Delete {
		_, err := c.DeleteAccessEntry(ctx, &eks.DeleteAccessEntryInput{ClusterName: name, PrincipalArn: arn})
		if err != nil {
			return fmt.Errorf("deleting the access entry of %s: %w", ch.PrincipalARN, err)
		}
		return nil
	}
	after := ch.After
	switch {
	case ch.Create:
		in := &eks.CreateAccessEntryInput{ClusterName: name, PrincipalArn: arn}
		if after.Type != "" {
			in.Type = aws.String(after.Type)
		}
		if !after.IsNode() {
			if after.Username != "" {
				in.Username = aws.String(after.Username)
			}
			in.KubernetesGroups = after.Groups
		}
		if _, err := c.CreateAccessEntry(ctx, in); err != nil {
			return fmt.Errorf("creating the access entry of %s: %w", ch.PrincipalARN, err)
		}
	case ch.Update:
		in := &eks.UpdateAccessEntryInput{ClusterName: name, PrincipalArn: arn, KubernetesGroups: after.Groups}
		if in.KubernetesGroups == nil {
			in.KubernetesGroups = []string{}
		}
		if after.Username != "" {
			in.Username = aws.String(after.Username)
		}
		if _, err := c.UpdateAccessEntry(ctx, in); err != nil {
			return fmt.Errorf("updating the access entry of %s: %w", ch.PrincipalARN, err)
		}
	}
	for _, p := range ch.Disassociate {
		_, err := c.DisassociateAccessPolicy(ctx, &eks.DisassociateAccessPolicyInput{ClusterName: name, PrincipalArn: arn, PolicyArn: aws.String(p)})
		if err != nil && !IsNotFound(err) {
			return fmt.Errorf("disassociating %s from %s: %w", accessentry.ShortPolicy(p), ch.PrincipalARN, err)
		}
	}
	for _, p := range ch.Associate {
		scope := &ekstypes.AccessScope{Type: ekstypes.AccessScopeType(p.Scope), Namespaces: p.Namespaces}
		_, err := c.AssociateAccessPolicy(ctx, &eks.AssociateAccessPolicyInput{ClusterName: name, PrincipalArn: arn, PolicyArn: aws.String(p.ARN), AccessScope: scope})
		if err != nil {
			return fmt.Errorf("associating %s with %s: %w", accessentry.ShortPolicy(p.ARN), ch.PrincipalARN, err)
		}
	}
	return nil
}

// SetAuthenticationMode moves the cluster to mode and waits (polling, up to
// timeout) until DescribeCluster reports it.
func SetAuthenticationMode(ctx context.Context, c AccessEntryAPI, cluster, mode string, poll, timeout time.Duration) error {
	_, err := c.UpdateClusterConfig(ctx, &eks.UpdateClusterConfigInput{
		Name:         aws.String(cluster),
		AccessConfig: &ekstypes.UpdateAccessConfigRequest{AuthenticationMode: ekstypes.AuthenticationMode(mode)},
	})
	if err != nil {
		return fmt.Errorf("switching cluster %s to %s: %w", cluster, mode, err)
	}
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(poll)
	defer tick.Stop()
	for {
		cl, err := DescribeCluster(ctx, c, cluster)
		if err != nil {
			return err
		}
		if cl.AuthenticationMode == mode {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-deadline.C:
			return fmt.Errorf("cluster %s is still in %s mode after %s: check 'aws eks describe-update'", cluster, cl.AuthenticationMode, timeout)
		case <-tick.C:
		}
	}
}
