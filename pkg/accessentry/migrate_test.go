package accessentry

import (
	"strings"
	"testing"

	"github.com/eksaccess/kubectl-eksaccess/pkg/awsauth"
)

// The cases issue 12 adds to migrate: SSO roles with their path, node
// types, partitions, and entries EKS made itself.
func TestPlanMigrationCases(t *testing.T) {
	const ssoPath = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Admins_0123456789abcdef"
	for _, tc := range []struct {
		name     string
		mapRoles string
		in       PlanInput
		// step: "ARN TYPE ACTION" of the one step, or "" for none;
		// manual/note: a piece of the one manual step or of a note.
		step, manual, note, policy string
	}{
		{name: "SSO role with its path restored",
			mapRoles: "- rolearn: arn:aws:iam::111122223333:role/AWSReservedSSO_Admins_0123456789abcdef\n  username: admin:{{SessionName}}\n  groups: [admins]\n",
			in:       PlanInput{Resolved: map[string]string{"arn:aws:iam::111122223333:role/awsreservedsso_admins_0123456789abcdef": ssoPath}},
			step:     ssoPath + " STANDARD create", note: "IAM path restored"},
		{name: "SSO role whose path IAM was not asked for",
			mapRoles: "- rolearn: arn:aws:iam::111122223333:role/AWSReservedSSO_Admins_0123456789abcdef\n  username: admin:{{SessionName}}\n  groups: [admins]\n",
			manual:   "is an IAM Identity Center role, whose access entry needs its path (/aws-reserved/sso.amazonaws.com/[REGION/])"},
		{name: "sso matcher resolved",
			mapRoles: "- sso:\n    permissionSetName: Admins\n    accountID: \"111122223333\"\n  username: admin:{{SessionName}}\n  groups:\n  - system:masters\n",
			in:       PlanInput{SSORoles: map[string]string{SSOKey("111122223333", "Admins"): ssoPath}},
			step:     ssoPath + " STANDARD create", note: "sso matcher (permission set Admins, account 111122223333) is IAM role " + ssoPath, policy: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"},
		{name: "sso matcher unresolved",
			mapRoles: "- sso:\n    permissionSetName: Admins\n    accountID: \"111122223333\"\n  username: admin\n  groups: [admins]\n",
			manual:   "the sso matcher (permission set Admins, account 111122223333) has no access-entry form"},
		{name: "Fargate pod execution role",
			mapRoles: "- rolearn: arn:aws:iam::111122223333:role/FargatePod\n  username: system:node:{{SessionName}}\n  groups: [system:bootstrappers, system:nodes, system:node-proxier]\n",
			in:       PlanInput{ClusterAccount: "111122223333"},
			step:     "arn:aws:iam::111122223333:role/FargatePod FARGATE_LINUX create"},
		{name: "hybrid node role",
			mapRoles: "- rolearn: arn:aws:iam::111122223333:role/Hybrid\n  username: system:node:{{SessionName}}\n  groups: [system:bootstrappers, system:nodes]\n",
			step:     "arn:aws:iam::111122223333:role/Hybrid HYBRID_LINUX create"},
		{name: "windows node",
			mapRoles: "- rolearn: arn:aws:iam::111122223333:role/Win\n  username: system:node:{{EC2PrivateDNSName}}\n  groups: [system:bootstrappers, system:nodes, eks:kube-proxy-windows]\n",
			step:     "arn:aws:iam::111122223333:role/Win EC2_WINDOWS create"},
		{name: "node role of another account",
			mapRoles: "- rolearn: arn:aws:iam::444455556666:role/Node\n  username: system:node:{{EC2PrivateDNSName}}\n  groups: [system:bootstrappers, system:nodes]\n",
			in:       PlanInput{ClusterAccount: "111122223333"},
			manual:   "maps a node: arn:aws:iam::444455556666:role/Node is in account 444455556666, and EC2_LINUX entries take roles of the cluster's account 111122223333 only"},
		{name: "node user",
			mapRoles: "- rolearn: arn:aws:iam::111122223333:user/node\n  username: system:node:{{EC2PrivateDNSName}}\n  groups: [system:nodes]\n",
			manual:   "entries take IAM roles only"},
		{name: "managed node group entry EKS made",
			mapRoles: "- rolearn: arn:aws:iam::111122223333:role/NodeGroup\n  username: system:node:{{EC2PrivateDNSName}}\n  groups: [system:bootstrappers, system:nodes]\n",
			in:       PlanInput{Existing: []Entry{{PrincipalARN: "arn:aws:iam::111122223333:role/NodeGroup", Type: TypeEC2Linux, Username: NodeUsername, Groups: []string{"system:nodes"}}}},
			step:     "arn:aws:iam::111122223333:role/NodeGroup EC2_LINUX exists", note: "as EKS makes it for managed node groups"},
		{name: "creator entry EKS made",
			mapRoles: "- rolearn: arn:aws:iam::111122223333:role/Admin\n  username: admin\n  groups: [system:masters]\n",
			in: PlanInput{Existing: []Entry{{PrincipalARN: "arn:aws:iam::111122223333:role/Admin", Type: TypeStandard, Username: "arn:aws:sts::111122223333:assumed-role/Admin/{{SessionName}}",
				Policies: []Policy{{ARN: PolicyARN("aws", ClusterAdminPolicyName), Scope: ScopeCluster}}}}},
			step: "arn:aws:iam::111122223333:role/Admin STANDARD exists", note: "the access entry EKS made for arn:aws:iam::111122223333:role/Admin (e.g. as the cluster's creator) is kept"},
		{name: "creator entry EKS made, policy missing",
			mapRoles: "- rolearn: arn:aws:iam::111122223333:role/Admin\n  username: admin\n  groups: [system:masters]\n",
			in:       PlanInput{Existing: []Entry{{PrincipalARN: "arn:aws:iam::111122223333:role/Admin", Type: TypeStandard, Username: "arn:aws:sts::111122223333:assumed-role/Admin/{{SessionName}}"}}},
			step:     "arn:aws:iam::111122223333:role/Admin STANDARD complete", policy: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"},
		{name: "an entry someone made with other groups",
			mapRoles: "- rolearn: arn:aws:iam::111122223333:role/Dev\n  username: dev\n  groups: [devs]\n",
			in:       PlanInput{Existing: []Entry{{PrincipalARN: "arn:aws:iam::111122223333:role/Dev", Type: TypeStandard, Username: "arn:aws:sts::111122223333:assumed-role/Dev/{{SessionName}}"}}},
			manual:   "reconcile it by hand"},
		{name: "partition of the cluster",
			mapRoles: "- rolearn: arn:aws-us-gov:iam::111122223333:role/Admin\n  username: admin\n  groups: [system:masters]\n",
			in:       PlanInput{Partition: "aws-us-gov"},
			step:     "arn:aws-us-gov:iam::111122223333:role/Admin STANDARD create", policy: "arn:aws-us-gov:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"},
		{name: "session name without a colon",
			mapRoles: "- rolearn: arn:aws:iam::111122223333:role/Dev\n  username: dev-{{SessionName}}\n  groups: [devs]\n",
			manual:   "uses {{SessionName}} without a colon before it"},
		{name: "raw session name kept",
			mapRoles: "- rolearn: arn:aws:iam::111122223333:role/Dev\n  username: dev:{{SessionNameRaw}}\n  groups: [devs]\n",
			step:     "arn:aws:iam::111122223333:role/Dev STANDARD create"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			in.Map = awsauth.Parse(map[string]string{"mapRoles": tc.mapRoles})
			plan := PlanMigration(in)
			var steps, manual, notes []string
			for _, s := range plan.Steps {
				steps = append(steps, s.Entry.PrincipalARN+" "+s.Entry.Type+" "+s.Action)
				notes = append(notes, s.Notes...)
			}
			for _, m := range plan.Manual {
				manual = append(manual, m.Reason)
			}
			if tc.step == "" && len(steps) != 0 || tc.step != "" && (len(steps) != 1 || steps[0] != tc.step) {
				t.Errorf("steps %q, want %q (manual: %q)", steps, tc.step, manual)
			}
			if tc.manual == "" && len(manual) != 0 || tc.manual != "" && (len(manual) != 1 || !strings.Contains(manual[0], tc.manual)) {
				t.Errorf("manual %q, want %q", manual, tc.manual)
			}
			if tc.note != "" && !strings.Contains(strings.Join(notes, "\n"), tc.note) {
				t.Errorf("notes %q lack %q", notes, tc.note)
			}
			if tc.policy != "" && (len(plan.Steps) != 1 || len(plan.Steps[0].Entry.Policies) != 1 || plan.Steps[0].Entry.Policies[0].ARN != tc.policy) {
				t.Errorf("policy: %+v, want %s", plan.Steps, tc.policy)
			}
			if tc.step != "" && len(plan.Steps) == 1 {
				if s := plan.Steps[0]; s.Action == ActionCreate && len(s.Entry.Groups) > 0 && IsNodeType(s.Entry.Type) {
					t.Errorf("node entry with groups: %+v", plan.Steps[0].Entry)
				}
			}
		})
	}
}

func TestEKSUsername(t *testing.T) {
	for arn, want := range map[string]string{
		"arn:aws:iam::111122223333:role/team/Admin": "arn:aws:sts::111122223333:assumed-role/Admin/{{SessionName}}",
		"arn:aws-cn:iam::111122223333:role/Admin":   "arn:aws-cn:sts::111122223333:assumed-role/Admin/{{SessionName}}",
		"arn:aws:iam::111122223333:user/alice":      "arn:aws:iam::111122223333:user/alice",
	} {
		if got := EKSUsername(arn, TypeStandard); got != want {
			t.Errorf("EKSUsername(%s) = %s", arn, got)
		}
	}
	if EKSUsername("arn:aws:iam::111122223333:role/N", TypeFargateLinux) != SessionNodeUsername {
		t.Error("node type")
	}
}
