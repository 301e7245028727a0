package awsapi

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/aws/smithy-go"

	"github.com/eksaccess/kubectl-eksaccess/pkg/accessentry"
)

// AccessEntryAPI is the part of the EKS API that reads and writes access
// entries and switches the cluster's authentication mode (eks.Client).
type AccessEntryAPI interface {
	ClusterAPI
	CreateAccessEntry(ctx context.Context, in *eks.CreateAccessEntryInput, optFns ...func(*eks.Options)) (*eks.CreateAccessEntryOutput, error)
	UpdateAccessEntry(ctx context.Context, in *eks.UpdateAccessEntryInput, optFns ...func(*eks.Options)) (*eks.UpdateAccessEntryOutput, error)
	DeleteAccessEntry(ctx context.Context, in *eks.DeleteAccessEntryInput, optFns ...func(*eks.Options)) (*eks.DeleteAccessEntryOutput, error)
	AssociateAccessPolicy(ctx context.Context, in *eks.AssociateAccessPolicyInput, optFns ...func(*eks.Options)) (*eks.AssociateAccessPolicyOutput, error)
	DisassociateAccessPolicy(ctx context.Context, in *eks.DisassociateAccessPolicyInput, optFns ...func(*eks.Options)) (*eks.DisassociateAccessPolicyOutput, error)
	ClusterUpdater
	PolicyLister
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

// AccessEntryARNs lists the principal ARNs of a cluster's access entries,
// every page.
func AccessEntryARNs(ctx context.Context, c ClusterAPI, cluster string) ([]string, error) {
	var arns []string
	var token *string
	for {
		out, err := c.ListAccessEntries(ctx, &eks.ListAccessEntriesInput{ClusterName: aws.String(cluster), NextToken: token})
		if err != nil {
			return nil, err
		}
		arns = append(arns, out.AccessEntries...)
		if out.NextToken == nil {
			return arns, nil
		}
		token = out.NextToken
	}
}

// ListEntries reads every access entry of a cluster with its policies
// (sorted by ARN, Entry.Clone).
func ListEntries(ctx context.Context, c ClusterAPI, cluster string) ([]accessentry.Entry, error) {
	arns, err := AccessEntryARNs(ctx, c, cluster)
	if err != nil {
		return nil, err
	}
	entries, err := DescribeEntries(ctx, c, cluster, arns)
	for i := range entries {
		entries[i] = entries[i].Clone()
	}
	return entries, err
}

// GetEntry reads one access entry with its policies, or nil when there is none.
func GetEntry(ctx context.Context, c ClusterAPI, cluster, principalARN string) (*accessentry.Entry, error) {
	e, err := describeEntry(ctx, c, cluster, principalARN)
	if IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	e = e.Clone()
	return &e, nil
}

// DescribeEntries reads the access entries of these principals with their
// policies, in the order given, each as EKS gave it (policies in EKS's
// order). The entries are read concurrently, and for each the entry and its
// policies at once; the first error wins.
func DescribeEntries(ctx context.Context, c ClusterAPI, cluster string, arns []string) ([]accessentry.Entry, error) {
	entries, errs := eachParallel(arns, func(arn string) (accessentry.Entry, error) {
		return describeEntry(ctx, c, cluster, arn)
	})
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return entries, nil
}

// describeEntry reads one entry and, at the same time, its policies.
func describeEntry(ctx context.Context, c ClusterAPI, cluster, arn string) (accessentry.Entry, error) {
	var policies []accessentry.Policy
	var polErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		policies, polErr = associatedPolicies(ctx, c, cluster, arn)
	}()
	d, err := c.DescribeAccessEntry(ctx, &eks.DescribeAccessEntryInput{ClusterName: aws.String(cluster), PrincipalArn: aws.String(arn)})
	<-done
	if err != nil {
		return accessentry.Entry{}, err
	}
	if polErr != nil {
		return accessentry.Entry{}, polErr
	}
	e := accessentry.Entry{PrincipalARN: arn, Policies: policies}
	if ae := d.AccessEntry; ae != nil {
		e.Type, e.Username, e.Groups = aws.ToString(ae.Type), aws.ToString(ae.Username), ae.KubernetesGroups
		e.CreatedAt = aws.ToTime(ae.CreatedAt)
	}
	return e, nil
}

// associatedPolicies lists the policies of one entry, every page.
func associatedPolicies(ctx context.Context, c ClusterAPI, cluster, arn string) ([]accessentry.Policy, error) {
	var policies []accessentry.Policy
	var next *string
	for {
		p, err := c.ListAssociatedAccessPolicies(ctx, &eks.ListAssociatedAccessPoliciesInput{ClusterName: aws.String(cluster), PrincipalArn: aws.String(arn), NextToken: next})
		if err != nil {
			return nil, err
		}
		for _, ap := range p.AssociatedAccessPolicies {
			pol := accessentry.Policy{ARN: aws.ToString(ap.PolicyArn)}
			if ap.AccessScope != nil {
				pol.Scope, pol.Namespaces = string(ap.AccessScope.Type), ap.AccessScope.Namespaces
			}
			policies = append(policies, pol)
		}
		if p.NextToken == nil {
			return policies, nil
		}
		next = p.NextToken
	}
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
