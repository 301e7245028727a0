package awsapi

import (
	"context"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"

	"github.com/eksaccess/kubectl-eksaccess/pkg/accessentry"
)

// PolicyLister lists the access policies EKS offers (eks.Client).
type PolicyLister interface {
	ListAccessPolicies(ctx context.Context, in *eks.ListAccessPoliciesInput, optFns ...func(*eks.Options)) (*eks.ListAccessPoliciesOutput, error)
}

// ListAccessPolicies returns the name of every access policy EKS offers,
// every page, in EKS's order.
func ListAccessPolicies(ctx context.Context, c PolicyLister) ([]string, error) {
	var names []string
	var next *string
	for {
		out, err := c.ListAccessPolicies(ctx, &eks.ListAccessPoliciesInput{NextToken: next})
		if err != nil {
			return nil, err
		}
		for _, p := range out.AccessPolicies {
			name := aws.ToString(p.Name)
			if name == "" {
				name = accessentry.ShortPolicy(aws.ToString(p.Arn))
			}
			names = append(names, name)
		}
		if out.NextToken == nil {
			return names, nil
		}
		next = out.NextToken
	}
}

// PolicyCatalogue reads the live policy list once per run (one value per
// command run) and gives the built-in fallback when EKS cannot be asked.
type PolicyCatalogue struct {
	// API is nil when no cluster is reachable: the fallback is used.
	API PolicyLister

	once sync.Once
	cat  accessentry.Catalogue
	err  error
}

// Get returns the live catalogue, read on the first call only. When the
// list cannot be read it returns the fallback and the error, for the
// caller to warn about; with no API it returns the fallback and nil.
func (p *PolicyCatalogue) Get(ctx context.Context) (accessentry.Catalogue, error) {
	p.once.Do(func() {
		p.cat = accessentry.Fallback()
		if p.API == nil {
			return
		}
		names, err := ListAccessPolicies(ctx, p.API)
		if err != nil {
			p.err = err
			return
		}
		p.cat = accessentry.Catalogue{Names: names, Live: true}
	})
	return p.cat, p.err
}
