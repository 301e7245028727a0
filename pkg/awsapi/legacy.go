package awsapi

import (
	"context"
	"time"
)

// AccessEntry is the shape pkg/cmd/diagnose.go still reads.
//
// Deprecated: use DescribeEntries, which returns accessentry.Entry; this
// adapter goes when the diagnose gatherer moves to it.
type AccessEntry struct {
	PrincipalARN     string
	Type             string
	Username         string
	KubernetesGroups []string
	CreatedAt        time.Time
	Policies         []AccessPolicy
}

// AccessPolicy is a policy of an AccessEntry.
//
// Deprecated: use accessentry.Policy.
type AccessPolicy struct {
	PolicyARN  string
	ScopeType  string
	Namespaces []string
}

// DescribeAccessEntries is DescribeEntries in the old shape.
//
// Deprecated: use DescribeEntries.
func DescribeAccessEntries(ctx context.Context, c ClusterAPI, cluster string, arns []string) ([]AccessEntry, error) {
	entries, err := DescribeEntries(ctx, c, cluster, arns)
	if err != nil {
		return nil, err
	}
	out := make([]AccessEntry, 0, len(entries))
	for _, e := range entries {
		a := AccessEntry{PrincipalARN: e.PrincipalARN, Type: e.Type, Username: e.Username, KubernetesGroups: e.Groups, CreatedAt: e.CreatedAt}
		for _, p := range e.Policies {
			a.Policies = append(a.Policies, AccessPolicy{PolicyARN: p.ARN, ScopeType: p.Scope, Namespaces: p.Namespaces})
		}
		out = append(out, a)
	}
	return out, nil
}
