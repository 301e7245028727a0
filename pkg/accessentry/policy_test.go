package accessentry

import (
	"slices"
	"strings"
	"testing"

	"github.com/eksaccess/kubectl-eksaccess/pkg/awsauth"
)

func TestPolicyARNPartitions(t *testing.T) {
	for _, part := range []string{"aws", "aws-cn", "aws-us-gov"} {
		arn := PolicyARN(part, "AmazonEKSViewPolicy")
		if want := "arn:" + part + ":eks::aws:cluster-access-policy/AmazonEKSViewPolicy"; arn != want {
			t.Errorf("PolicyARN(%s) = %s", part, arn)
		}
		if p, n, ok := ParsePolicyARN(arn); !ok || p != part || n != "AmazonEKSViewPolicy" {
			t.Errorf("ParsePolicyARN(%s) = %s %s %v", arn, p, n, ok)
		}
		if ShortPolicy(arn) != "AmazonEKSViewPolicy" {
			t.Errorf("ShortPolicy(%s)", arn)
		}
		got, err := ExpandPolicy(part, "amazoneksviewpolicy")
		if err != nil || got != arn {
			t.Errorf("ExpandPolicy(%s) = %s, %v", part, got, err)
		}
		e := Entry{PrincipalARN: "arn:" + part + ":iam::111122223333:role/R", Policies: []Policy{{ARN: PolicyARN("aws", ClusterAdminPolicyName), Scope: ScopeCluster}}}
		if moved := e.InPartition(part); moved.Policies[0].ARN != PolicyARN(part, ClusterAdminPolicyName) || !moved.IsClusterAdmin() {
			t.Errorf("InPartition(%s) = %+v", part, moved)
		}
		if PartitionOf("arn:"+part+":eks:r:111122223333:cluster/c") != part {
			t.Errorf("PartitionOf %s", part)
		}
	}
	if PolicyARN("", "X") != "arn:aws:eks::aws:cluster-access-policy/X" || PartitionOf("") != "aws" {
		t.Error("the default partition is aws")
	}
	for _, bad := range []string{"arn:aws:iam::aws:policy/AdministratorAccess", "arn:aws:eks::111122223333:cluster-access-policy/X", "arn:aws:eks::aws:cluster-access-policy/"} {
		if _, _, ok := ParsePolicyARN(bad); ok {
			t.Errorf("ParsePolicyARN(%s) accepted", bad)
		}
	}
	if _, err := ExpandPolicy("aws-cn", "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"); err == nil || !strings.Contains(err.Error(), "use arn:aws-cn:eks::aws:cluster-access-policy/AmazonEKSViewPolicy") {
		t.Errorf("a policy ARN of another partition: %v", err)
	}
}

func TestCatalogue(t *testing.T) {
	// The fallback holds every policy AWS documents, the ones for people included.
	for _, name := range append(slices.Clone(KnownPolicies), "AmazonEKSSecretReaderPolicy", "AmazonEKSAutoNodePolicy", "AmazonEKSHybridPolicy", "AmazonEKSNetworkingPolicy", "AmazonEKSBlockStoragePolicy", "AmazonEKSLoadBalancingPolicy", "AmazonEKSComputePolicy") {
		if !Fallback().Has(name) {
			t.Errorf("the fallback lacks %s", name)
		}
	}
	if !slices.IsSorted(FallbackPolicies) {
		t.Error("FallbackPolicies is not sorted")
	}
	// Offline, an unknown name is left for EKS to judge; live, it is refused
	// before any call, with suggestions.
	if got, err := Fallback().Expand("aws", "AmazonEKSBrandNewPolicy"); err != nil || got != PolicyARN("aws", "AmazonEKSBrandNewPolicy") {
		t.Errorf("fallback: %s %v", got, err)
	}
	live := Catalogue{Names: []string{"AmazonEKSViewPolicy", "AmazonEKSAdminViewPolicy", "AmazonEKSBrandNewPolicy"}, Live: true}
	if got, err := live.Expand("aws-us-gov", "amazoneksbrandnewpolicy"); err != nil || got != PolicyARN("aws-us-gov", "AmazonEKSBrandNewPolicy") {
		t.Errorf("live: %s %v", got, err)
	}
	_, err := live.Expand("aws", "AmazonEKSViw")
	if err == nil || err.Error() != `policy "AmazonEKSViw" is not one EKS offers ('aws eks list-access-policies' lists them): use one of AmazonEKSAdminPolicy, AmazonEKSAdminViewPolicy, AmazonEKSClusterAdminPolicy, AmazonEKSEditPolicy, AmazonEKSViewPolicy, or another listed there` {
		t.Errorf("live, unknown: %v", err)
	}
	_, err = live.Expand("aws", "View")
	if err == nil || !strings.HasSuffix(err.Error(), ": did you mean AmazonEKSViewPolicy, AmazonEKSAdminViewPolicy?") {
		t.Errorf("live, suggestion: %v", err)
	}
}

// system:masters becomes the cluster admin policy of the principal's partition.
func TestPlanMigrationPartition(t *testing.T) {
	m := awsauth.Parse(map[string]string{"mapRoles": "- rolearn: arn:aws-cn:iam::111122223333:role/Admin\n  username: admin\n  groups: [system:masters]\n"})
	plan := PlanMigration(PlanInput{Map: m})
	if len(plan.Steps) != 1 || len(plan.Steps[0].Entry.Policies) != 1 || plan.Steps[0].Entry.Policies[0].ARN != "arn:aws-cn:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy" {
		t.Fatalf("plan %+v", plan)
	}
}
