package fakeaws

import (
	"fmt"
	"slices"
	"strings"
)

// The rules EKS applies to access entries, with the messages it answers.
//
// Where a message is quoted from a real EKS answer, its source is named.
// Where no real answer could be found, the message is the closest wording
// of the EKS documentation (the API reference in botocore's eks model and
// the user guide's "Create access entries"), and the comment says so: a
// test may match the rule (the exception's code, the parameter named) but
// must not depend on those words.

// ---- partitions ----

// PartitionOf is the AWS partition of a region: aws-cn for cn-*, aws-us-gov
// for us-gov-*, aws otherwise.
func PartitionOf(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// iamRegion is the region IAM requests of a partition are signed for (IAM
// is global: us-east-1, cn-north-1, us-gov-west-1).
func iamRegion(partition string) string {
	switch partition {
	case "aws-cn":
		return "cn-north-1"
	case "aws-us-gov":
		return "us-gov-west-1"
	}
	return "us-east-1"
}

// ---- the access policy catalogue ----

// AccessPolicies are the access policies ListAccessPolicies returns, in its
// (alphabetical) order: the list a real `aws eks list-access-policies` gave
// in 2026 (33 policies; the EKS user guide's "Review access policy
// permissions" shows the same list abbreviated). AddAccessPolicy adds one,
// as AWS does without notice.
var AccessPolicies = []string{
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
	"AmazonEKSClusterAdminPolicy",
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

// PolicyARN is the ARN of an access policy in a partition.
func PolicyARN(partition, name string) string {
	return fmt.Sprintf("arn:%s:eks::aws:cluster-access-policy/%s", partition, name)
}

func (st *State) policyPrefix() string { return PolicyARN(st.Partition, "") }

// AddAccessPolicy adds a policy to this state's catalogue (a policy AWS
// publishes after the plugin's release).
func (s *State) AddAccessPolicy(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !slices.Contains(s.policies, name) {
		s.policies = append(s.policies, name)
		slices.Sort(s.policies)
	}
}

// ---- entry types ----

// Access entry types.
const (
	TypeStandard      = "STANDARD"
	TypeEC2Linux      = "EC2_LINUX"
	TypeEC2Windows    = "EC2_WINDOWS"
	TypeFargateLinux  = "FARGATE_LINUX"
	TypeEC2           = "EC2" // EKS Auto Mode nodes
	TypeHybridLinux   = "HYBRID_LINUX"
	TypeHyperPodLinux = "HYPERPOD_LINUX"
)

// EntryTypes are the types CreateAccessEntry takes, in the order the API
// reference lists them.
var EntryTypes = []string{TypeStandard, TypeFargateLinux, TypeEC2Linux, TypeEC2Windows, TypeEC2, TypeHybridLinux, TypeHyperPodLinux}

// ReservedUsernamePrefixes are refused in access-entry usernames.
var ReservedUsernamePrefixes = []string{"system:", "eks:", "aws:", "amazon:", "iam:"}

// nodeUsername is the username EKS sets for a node type (the user guide's
// table of generated usernames: EC2_LINUX and EC2_WINDOWS get
// system:node:{{EC2PrivateDNSName}}, FARGATE_LINUX and HYBRID_LINUX
// system:node:{{SessionName}}). EC2 (Auto Mode) nodes are EC2 instances and
// take the EC2 form; HYPERPOD_LINUX is not in the table: the SessionName
// form is assumed (HyperPod nodes join like hybrid nodes, by session).
func nodeUsername(typ string) string {
	switch typ {
	case TypeEC2Linux, TypeEC2Windows, TypeEC2:
		return "system:node:{{EC2PrivateDNSName}}"
	}
	return "system:node:{{SessionName}}"
}

// nodeGroups are the Kubernetes groups EKS shows on a node entry: the AWS
// CLI's own create-access-entry example for EC2_LINUX answers
// "kubernetesGroups": ["system:nodes"]. No answer for the other node types
// was found; they get the same group (they are all nodes).
func nodeGroups(string) []string { return []string{"system:nodes"} }

// takesPolicies reports whether access policies can be associated with an
// entry of the type: not EC2_LINUX or EC2_WINDOWS (API reference of
// CreateAccessEntry: "If you set the value to EC2_LINUX or EC2_WINDOWS, you
// can't specify values for kubernetesGroups, or associate an AccessPolicy";
// EC2 Auto Mode entries take AmazonEKSAutoNodePolicy).
func takesPolicies(typ string) bool { return typ != TypeEC2Linux && typ != TypeEC2Windows }

// Messages quoted from real EKS answers.
const (
	// terraform-aws-modules/terraform-aws-eks#2969 (CreateAccessEntry for an
	// SSO role written without its path: a principal IAM does not have).
	msgInvalidPrincipal = "The specified principalArn is invalid: invalid principal."
	// aws-samples/appmod-blueprints#319 and others (an STS assumed-role ARN).
	msgPrincipalFormat = "The principalArn parameter format is not valid"
	// hashicorp/terraform-provider-aws#36447 (a service-linked role).
	msgServiceLinked = "The caller is not allowed to modify access entries with a principalArn value of a Service Linked Role"
	// aws-controllers-k8s/community#2144 and others (AssociateAccessPolicy
	// on an EC2_LINUX entry).
	msgStandardOnly = `This operation can only be performed on Access Entries with a type of "STANDARD".`
	// terraform-aws-modules/terraform-aws-eks#3024 (AssociateAccessPolicy
	// for a principal without an entry).
	msgNoEntry = "The specified principalArn could not be found. You can view your available access entries with 'list-access-entries'."
	// The text every client quotes for a second CreateAccessEntry.
	msgEntryInUse = "The specified access entry resource is already in use on this cluster."
)

// reservedUsername refuses a username with a reserved prefix. The text is
// real for system: ("The username must not begin with system:",
// aws-ia/terraform-aws-eks-blueprints#2004, UpdateAccessEntry); the other
// prefixes are assumed to be named the same way.
func reservedUsername(username string) *apiError {
	for _, p := range ReservedUsernamePrefixes {
		if strings.HasPrefix(username, p) {
			return errf(400, "InvalidParameterException", "The username must not begin with %s", p)
		}
	}
	// User guide: "If you add {{SessionName}} to your username, the username
	// must include a colon before {{SessionName}}". No real answer was
	// found; the words are the guide's.
	for _, t := range []string{"{{SessionName}}", "{{SessionNameRaw}}"} {
		if i := strings.Index(username, t); i >= 0 && !strings.Contains(username[:i], ":") {
			return errf(400, "InvalidParameterException", "The username %s is invalid: the username must include a colon before %s.", username, t)
		}
	}
	if username == "" {
		return errf(400, "InvalidParameterException", "The username cannot be empty.") // not found verbatim
	}
	return nil
}

// reservedGroups refuses a Kubernetes group starting with system:, in the
// words real EKS uses ("The kubernetes group name system:masters is
// invalid, it cannot start with system:", terraform-aws-modules/
// terraform-aws-eks#2915, eksctl-io/eksctl#7446, aws/karpenter-provider-aws
// #7558 for UpdateAccessEntry).
func reservedGroups(groups []string) *apiError {
	for _, g := range groups {
		if strings.HasPrefix(g, "system:") {
			return errf(400, "InvalidParameterException", "The kubernetes group name %s is invalid, it cannot start with system:", g)
		}
		if g == "" {
			return errf(400, "InvalidParameterException", "The kubernetes group name cannot be empty.") // not found verbatim
		}
	}
	return nil
}

// checkPrincipal refuses what is no principal for an access entry: an STS
// session, a service-linked role (role/aws-service-role/...), and anything
// else that is not an IAM user or role ARN of this partition.
func (st *State) checkPrincipal(arn string) (account, kind string, aerr *apiError) {
	if strings.Contains(arn, ":assumed-role/") || strings.Contains(arn, ":federated-user/") {
		return "", "", errf(400, "InvalidParameterException", "%s", msgPrincipalFormat)
	}
	m := principalARNRE.FindStringSubmatch(arn)
	if m == nil || m[1] != st.Partition {
		return "", "", errf(400, "InvalidParameterException", "%s", msgPrincipalFormat)
	}
	if m[3] == "role" && strings.HasPrefix(m[4], "/aws-service-role/") {
		return "", "", errf(400, "InvalidParameterException", "%s", msgServiceLinked)
	}
	return m[2], m[3], nil
}

// checkNodeType applies the rules of the node types to a new entry: an IAM
// role of the cluster's account, no groups, no username. The texts are the
// API reference's and the user guide's wording (no real answer found).
func (st *State) checkNodeType(typ, account, kind string, username *string, groups []string) *apiError {
	if kind != "role" {
		return errf(400, "InvalidParameterException", "The principalArn must be an IAM role for an access entry of type %s.", typ)
	}
	if account != st.Account {
		return errf(400, "InvalidParameterException", "The principalArn must be in the same AWS account as the cluster for an access entry of type %s.", typ)
	}
	if len(groups) > 0 {
		return errf(400, "InvalidParameterException", "You can't specify kubernetesGroups for an access entry of type %s.", typ)
	}
	if username != nil {
		return errf(400, "InvalidParameterException", "You can't specify a username for an access entry of type %s.", typ)
	}
	return nil
}

// checkType refuses a type EKS does not know (not found verbatim).
func checkType(typ string) *apiError {
	if !slices.Contains(EntryTypes, typ) {
		return errf(400, "InvalidParameterException", "The type %s is invalid. Valid values are %s.", typ, strings.Join(EntryTypes, ", "))
	}
	return nil
}
