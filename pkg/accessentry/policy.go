package accessentry

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/eksaccess/kubectl-eksaccess/pkg/awsauth"
)

// ClusterAdminPolicyName is the access policy that replaces system:masters.
const ClusterAdminPolicyName = "AmazonEKSClusterAdminPolicy"

// policyResource starts the resource of every access policy ARN:
// arn:PARTITION:eks::aws:cluster-access-policy/NAME.
const policyResource = "cluster-access-policy/"

// DefaultPartition is the partition used when none is known.
const DefaultPartition = "aws"

// PolicyARN is the ARN of the access policy name in partition (aws,
// aws-cn, aws-us-gov...; "" is aws).
func PolicyARN(partition, name string) string {
	return "arn:" + orDefault(partition, DefaultPartition) + ":eks::aws:" + policyResource + name
}

// ParsePolicyARN splits an access policy ARN into its partition and name.
func ParsePolicyARN(arn string) (partition, name string, ok bool) {
	a, err := awsauth.ParseARN(arn)
	if err != nil || a.Service != "eks" || a.Region != "" || a.AccountID != "aws" || !strings.HasPrefix(a.Resource, policyResource) {
		return "", "", false
	}
	name = strings.TrimPrefix(a.Resource, policyResource)
	return a.Partition, name, name != ""
}

// ShortPolicy is the name of a policy ARN (AmazonEKSViewPolicy), in any
// partition; anything else is returned as it is.
func ShortPolicy(arn string) string {
	if _, name, ok := ParsePolicyARN(arn); ok {
		return name
	}
	return arn
}

// PartitionOf is the partition of an ARN (a cluster's, a principal's), or
// DefaultPartition when it has none.
func PartitionOf(arn string) string {
	if a, err := awsauth.ParseARN(arn); err == nil && a.Partition != "" {
		return a.Partition
	}
	return DefaultPartition
}

// KnownPolicies are the access policies for people, offered first.
var KnownPolicies = []string{
	"AmazonEKSAdminPolicy",
	"AmazonEKSAdminViewPolicy",
	ClusterAdminPolicyName,
	"AmazonEKSEditPolicy",
	"AmazonEKSViewPolicy",
}

// FallbackPolicies are the access policies AWS documents (what 'aws eks
// list-access-policies' answered in 2026), for when EKS cannot be asked:
// completion offline and work on files (-f). With a reachable cluster the
// live list (awsapi.PolicyCatalogue) is used instead, so a policy added
// later works without a release.
var FallbackPolicies = []string{
	"AIDevOpsAgentAccessPolicy",
	"AmazonAIOpsAssistantPolicy",
	"AmazonARCRegionSwitchScalingPolicy",
	"AmazonEKSACKPolicy",
	"AmazonEKSAdminPolicy",
	"AmazonEKSAdminViewPolicy",
	"AmazonEKSArgoCDClusterPolicy",
	"AmazonEKSArgoCDPolicy",
	"AmazonEKSAutoNodePolicy",
	"AmazonEKSBlockStorageClusterPolicy",
	"AmazonEKSBlockStoragePolicy",
	ClusterAdminPolicyName,
	"AmazonEKSComputeClusterPolicy",
	"AmazonEKSComputePolicy",
	"AmazonEKSEditPolicy",
	"AmazonEKSEventPolicy",
	"AmazonEKSHybridPolicy",
	"AmazonEKSKROPolicy",
	"AmazonEKSLoadBalancingClusterPolicy",
	"AmazonEKSLoadBalancingPolicy",
	"AmazonEKSNetworkingClusterPolicy",
	"AmazonEKSNetworkingPolicy",
	"AmazonEKSPodIdentityPolicy",
	"AmazonEKSSecretAdminPolicy",
	"AmazonEKSSecretReaderPolicy",
	"AmazonEKSViewPolicy",
	"AmazonEMRJobPolicy",
	"AmazonSagemakerHyperpodClusterPolicy",
	"AmazonSagemakerHyperpodControllerPolicy",
	"AmazonSagemakerHyperpodSpacePolicy",
	"AmazonSagemakerHyperpodSpaceTemplatePolicy",
	"AmazonSagemakerHyperpodSystemNamespacePolicy",
	"AmazonSagemakerHyperpodUserClusterPolicy",
}

// Catalogue is the list of access policy names a run knows: the live one
// from EKS (Live), or FallbackPolicies.
type Catalogue struct {
	Names []string
	// Live is true when Names came from EKS ListAccessPolicies: then a
	// name outside it is refused before any other call.
	Live bool
}

// Fallback is the built-in catalogue.
func Fallback() Catalogue { return Catalogue{Names: FallbackPolicies} }

// ExpandPolicy turns a policy name (AmazonEKSViewPolicy) or ARN into its
// ARN in partition, matching the built-in names case-insensitively.
func ExpandPolicy(partition, name string) (string, error) {
	return Fallback().Expand(partition, name)
}

// Expand turns a policy name or ARN into its ARN in partition. Names of
// the catalogue are matched case-insensitively; a live catalogue refuses a
// name it lacks (naming the closest ones), the fallback lets EKS judge it.
func (c Catalogue) Expand(partition, name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", errors.New("empty policy name: use e.g. AmazonEKSViewPolicy")
	}
	short := name
	if strings.HasPrefix(name, "arn:") {
		p, n, ok := ParsePolicyARN(name)
		if !ok {
			return "", fmt.Errorf("policy %q is not an EKS access policy (those are %s; IAM policies cannot be associated with an access entry)", name, PolicyARN(partition, "NAME"))
		}
		if partition != "" && p != partition {
			return "", fmt.Errorf("policy %q is in partition %s, and the cluster is in %s: use %s", name, p, partition, PolicyARN(partition, n))
		}
		partition, short = p, n
	}
	if strings.ContainsAny(short, ":/ ") {
		return "", fmt.Errorf("policy %q is not an access policy name: use one of %s", name, strings.Join(KnownPolicies, ", "))
	}
	for _, k := range c.Names {
		if strings.EqualFold(k, short) {
			return PolicyARN(partition, k), nil
		}
	}
	if c.Live {
		return "", fmt.Errorf("policy %q is not one EKS offers ('aws eks list-access-policies' lists them)%s", short, suggest(short, c.Names))
	}
	return PolicyARN(partition, short), nil
}

// suggest names the catalogue entries that contain name or that name
// contains (case aside), at most three: ": did you mean A, B?".
func suggest(name string, names []string) string {
	low := strings.ToLower(strings.TrimSuffix(strings.TrimPrefix(name, "AmazonEKS"), "Policy"))
	var out []string
	for _, n := range names {
		l := strings.ToLower(n)
		if low != "" && strings.Contains(l, low) && len(out) < 3 {
			out = append(out, n)
		}
	}
	if len(out) == 0 {
		return ": use one of " + strings.Join(KnownPolicies, ", ") + ", or another listed there"
	}
	return ": did you mean " + strings.Join(out, ", ") + "?"
}

// Has reports whether the catalogue holds name (exact case).
func (c Catalogue) Has(name string) bool { return slices.Contains(c.Names, name) }

// InPartition returns the entry with its policy ARNs in partition: a plan
// or flags made without knowing the cluster's partition are moved to it.
func (e Entry) InPartition(partition string) Entry {
	c := e.Clone()
	for i, p := range c.Policies {
		if _, name, ok := ParsePolicyARN(p.ARN); ok {
			c.Policies[i].ARN = PolicyARN(partition, name)
		}
	}
	return c
}
