package sandbox_test

import (
	"encoding/json"
	"errors"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/eksaccess/kubectl-eksaccess/test/sandbox"
	"github.com/eksaccess/kubectl-eksaccess/test/sandbox/fakeaws"
)

// The real AWS CLI meets the sandbox's access-entry rules as it would meet
// EKS's: each refusal is the InvalidParameterException (or other) answer,
// word for word, that 'aws' prints.

// typesSeed is DefaultSeed in mode with the SSO roles, a role per node type
// and a managed node group.
func typesSeed(t *testing.T, mode string) *fakeaws.Seed {
	t.Helper()
	seed, err := sandbox.DefaultSeed("user", mode)
	if err != nil {
		t.Fatal(err)
	}
	return sandbox.WithNodeRoles(sandbox.WithSSORoles(seed), true)
}

// fails runs a command that must fail and returns its stderr.
func (a *awsOnly) fails(t *testing.T, extra []string, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(append([]string(nil), a.env...), extra...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("%s %s: want a failure, got %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return stderr.String()
}

// entryOf is the sandbox's access entry of principal on the sandbox cluster.
func entryOf(t *testing.T, st *fakeaws.State, principal string) fakeaws.AccessEntry {
	t.Helper()
	v, _ := st.Cluster(sandbox.ClusterName)
	for _, e := range v.Entries {
		if e.PrincipalARN == principal {
			return e
		}
	}
	t.Fatalf("no access entry for %s", principal)
	return fakeaws.AccessEntry{}
}

// awsCLIError is how aws 1.x prints an API error.
func awsCLIError(code, op, msg string) string {
	return "An error occurred (" + code + ") when calling the " + op + " operation: " + msg
}

func TestAWSCLIAccessEntryTypes(t *testing.T) {
	awsBin := needAWS(t)
	a := startAWS(t, typesSeed(t, fakeaws.ModeAPI))
	env := []string{"AWS_PROFILE=cluster_creator"}
	cl := []string{"--cluster-name", sandbox.ClusterName, "--output", "json"}
	eks := func(args ...string) []string { return append(append([]string{"eks"}, args...), cl...) }
	refused := func(what, code, op, msg string, args ...string) {
		t.Helper()
		if got := a.fails(t, env, awsBin, eks(args...)...); !strings.Contains(got, awsCLIError(code, op, msg)) {
			t.Errorf("%s: aws printed\n%s\nwant %s", what, got, awsCLIError(code, op, msg))
		}
	}
	describe := func(principal string) (e struct {
		PrincipalArn, Username, Type string
		KubernetesGroups             []string
	}) {
		t.Helper()
		var out struct{ AccessEntry json.RawMessage }
		if err := json.Unmarshal(a.run(t, env, awsBin, eks("describe-access-entry", "--principal-arn", principal)...), &out); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(out.AccessEntry, &e); err != nil {
			t.Fatal(err)
		}
		return e
	}

	// The node types' rules.
	refused("EC2_LINUX with groups", "InvalidParameterException", "CreateAccessEntry", "You can't specify kubernetesGroups for an access entry of type EC2_LINUX.",
		"create-access-entry", "--principal-arn", sandbox.NodeRole, "--type", "EC2_LINUX", "--kubernetes-groups", "x")
	refused("EC2_LINUX with system: groups", "InvalidParameterException", "CreateAccessEntry", "The kubernetes group name system:bootstrappers is invalid, it cannot start with system:",
		"create-access-entry", "--principal-arn", sandbox.NodeRole, "--type", "EC2_LINUX", "--kubernetes-groups", "system:bootstrappers", "system:nodes")
	refused("FARGATE_LINUX with a username", "InvalidParameterException", "CreateAccessEntry", "You can't specify a username for an access entry of type FARGATE_LINUX.",
		"create-access-entry", "--principal-arn", sandbox.FargateRole, "--type", "FARGATE_LINUX", "--username", "pods:{{SessionName}}")
	refused("HYBRID_LINUX for a user", "InvalidParameterException", "CreateAccessEntry", "The principalArn must be an IAM role for an access entry of type HYBRID_LINUX.",
		"create-access-entry", "--principal-arn", sandbox.DesignatedUser, "--type", "HYBRID_LINUX")
	refused("EC2 for another account", "InvalidParameterException", "CreateAccessEntry", "The principalArn must be in the same AWS account as the cluster for an access entry of type EC2.",
		"create-access-entry", "--principal-arn", sandbox.OtherAccountRole, "--type", "EC2")
	// The reserved names and what is no principal.
	// (Every prefix is in fakeaws's own tests; two here keep the CLI runs few.)
	for _, p := range []string{"system:", "iam:"} {
		refused("username "+p, "InvalidParameterException", "CreateAccessEntry", "The username must not begin with "+p,
			"create-access-entry", "--principal-arn", sandbox.CreatorRole, "--username", p+"admin")
	}
	refused("system:masters", "InvalidParameterException", "CreateAccessEntry", "The kubernetes group name system:masters is invalid, it cannot start with system:",
		"create-access-entry", "--principal-arn", sandbox.CreatorRole, "--kubernetes-groups", "system:masters")
	refused("an STS session", "InvalidParameterException", "CreateAccessEntry", "The principalArn parameter format is not valid",
		"create-access-entry", "--principal-arn", "arn:aws:sts::111122223333:assumed-role/eks-creator/alice")
	refused("a service-linked role", "InvalidParameterException", "CreateAccessEntry", "The caller is not allowed to modify access entries with a principalArn value of a Service Linked Role",
		"create-access-entry", "--principal-arn", sandbox.ServiceLinkedRole)
	refused("an SSO role without its path", "InvalidParameterException", "CreateAccessEntry", "The specified principalArn is invalid: invalid principal.",
		"create-access-entry", "--principal-arn", "arn:aws:iam::111122223333:role/AWSReservedSSO_AdministratorAccess_0a1b2c3d4e5f6789")

	// Each type, as EKS fills it in (the CLI reads back two; the state the
	// others, to keep the CLI runs few).
	for _, tc := range []struct{ role, typ, username string }{
		{sandbox.NodeRole, "EC2_LINUX", "system:node:{{EC2PrivateDNSName}}"},
		{sandbox.WindowsRole, "EC2_WINDOWS", "system:node:{{EC2PrivateDNSName}}"},
		{sandbox.FargateRole, "FARGATE_LINUX", "system:node:{{SessionName}}"},
		{sandbox.AutoModeRole, "EC2", "system:node:{{EC2PrivateDNSName}}"},
		{sandbox.HybridRole, "HYBRID_LINUX", "system:node:{{SessionName}}"},
		{sandbox.HyperPodRole, "HYPERPOD_LINUX", "system:node:{{SessionName}}"},
		{sandbox.SSOAdminRole, "STANDARD", "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_AdministratorAccess_0a1b2c3d4e5f6789/{{SessionName}}"},
	} {
		a.run(t, env, awsBin, eks("create-access-entry", "--principal-arn", tc.role, "--type", tc.typ)...)
		e := entryOf(t, a.state, tc.role)
		if tc.typ == "EC2_LINUX" || tc.typ == "STANDARD" {
			d := describe(tc.role)
			e.Type, e.Username, e.Groups = d.Type, d.Username, d.KubernetesGroups
		}
		if e.Type != tc.typ || e.Username != tc.username || (tc.typ != "STANDARD") != slices.Equal(e.Groups, []string{"system:nodes"}) {
			t.Errorf("%s: %+v", tc.typ, e)
		}
	}
	// Policies: none on EC2_LINUX (EKS's own node group entry included),
	// AmazonEKSAutoNodePolicy on EC2.
	for _, r := range []string{sandbox.NodeRole, sandbox.ManagedNGRole} {
		refused("a policy on EC2_LINUX", "InvalidParameterException", "AssociateAccessPolicy", `This operation can only be performed on Access Entries with a type of "STANDARD".`,
			"associate-access-policy", "--principal-arn", r, "--policy-arn", "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy", "--access-scope", "type=cluster")
	}
	a.run(t, env, awsBin, eks("associate-access-policy", "--principal-arn", sandbox.AutoModeRole, "--policy-arn", "arn:aws:eks::aws:cluster-access-policy/AmazonEKSAutoNodePolicy", "--access-scope", "type=cluster")...)
	refused("a policy for no entry", "ResourceNotFoundException", "AssociateAccessPolicy", "The specified principalArn could not be found. You can view your available access entries with 'list-access-entries'.",
		"associate-access-policy", "--principal-arn", sandbox.PathRole, "--policy-arn", "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy", "--access-scope", "type=cluster")

	// update-access-entry: groups and username of a STANDARD entry; the
	// type stays; a node entry takes neither.
	var upd struct {
		AccessEntry struct {
			Username, Type   string
			KubernetesGroups []string
		}
	}
	if err := json.Unmarshal(a.run(t, env, awsBin, eks("update-access-entry", "--principal-arn", sandbox.SSOAdminRole, "--kubernetes-groups", "tester", "--username", "admin:{{SessionName}}")...), &upd); err != nil {
		t.Fatal(err)
	}
	if e := describe(sandbox.SSOAdminRole); e.Type != "STANDARD" || e.Username != "admin:{{SessionName}}" || !slices.Equal(e.KubernetesGroups, []string{"tester"}) || upd.AccessEntry.Username != e.Username {
		t.Errorf("after update-access-entry: %+v (answered %+v)", e, upd.AccessEntry)
	}
	refused("update: system: group", "InvalidParameterException", "UpdateAccessEntry", "The kubernetes group name system:bootstrappers is invalid, it cannot start with system:",
		"update-access-entry", "--principal-arn", sandbox.SSOAdminRole, "--kubernetes-groups", "system:bootstrappers")
	refused("update: groups on the node group's entry", "InvalidParameterException", "UpdateAccessEntry", `This operation can only be performed on Access Entries with a type of "STANDARD".`,
		"update-access-entry", "--principal-arn", sandbox.ManagedNGRole, "--kubernetes-groups", "nodes")
	refused("update: the node username", "InvalidParameterException", "UpdateAccessEntry", "The username must not begin with system:",
		"update-access-entry", "--principal-arn", sandbox.ManagedNGRole, "--username", "system:node:{{EC2PrivateDNSName}}")

	// The entries EKS made itself are listed with the rest.
	var list struct{ AccessEntries []string }
	if err := json.Unmarshal(a.run(t, env, awsBin, eks("list-access-entries")...), &list); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{sandbox.CreatorUser, sandbox.ManagedNGRole, sandbox.HyperPodRole} {
		if !slices.Contains(list.AccessEntries, want) {
			t.Errorf("list-access-entries: no %s in %v", want, list.AccessEntries)
		}
	}
}

// TestAWSCLIListAccessPolicies: the catalogue, whole through the CLI's own
// pages, and in the partition of the region.
func TestAWSCLIListAccessPolicies(t *testing.T) {
	awsBin := needAWS(t)
	for _, tc := range []struct{ region, partition string }{{"us-east-1", "aws"}, {"cn-north-1", "aws-cn"}, {"us-gov-west-1", "aws-us-gov"}} {
		t.Run(tc.partition, func(t *testing.T) {
			seed, err := fakeaws.ParseSeed([]byte("region: " + tc.region + "\nusers: [{name: cluster_creator}]\n"))
			if err != nil {
				t.Fatal(err)
			}
			a := startAWS(t, seed)
			env := []string{"AWS_PROFILE=cluster_creator"}
			read := func(args ...string) (names []string, next string) {
				var out struct {
					AccessPolicies []struct{ Name, Arn string }
					NextToken      string
				}
				if err := json.Unmarshal(a.run(t, env, awsBin, append([]string{"eks", "list-access-policies", "--output", "json"}, args...)...), &out); err != nil {
					t.Fatal(err)
				}
				for _, p := range out.AccessPolicies {
					if want := "arn:" + tc.partition + ":eks::aws:cluster-access-policy/" + p.Name; p.Arn != want {
						t.Errorf("arn %s, want %s", p.Arn, want)
					}
					names = append(names, p.Name)
				}
				return names, out.NextToken
			}
			if names, _ := read(); !slices.Equal(names, fakeaws.AccessPolicies) {
				t.Errorf("list-access-policies: %v", names)
			}
			if names, _ := read("--page-size", "4"); !slices.Equal(names, fakeaws.AccessPolicies) {
				t.Errorf("list-access-policies --page-size 4: %v", names)
			}
			names, next := read("--max-items", "5")
			if !slices.Equal(names, fakeaws.AccessPolicies[:5]) || next == "" {
				t.Fatalf("--max-items 5: %v next %q", names, next)
			}
			if rest, _ := read("--starting-token", next); !slices.Equal(append(names, rest...), fakeaws.AccessPolicies) {
				t.Errorf("--starting-token: %v", rest)
			}
		})
	}
}

// TestAWSCLIListsSSORoles: aws iam list-roles --path-prefix finds the SSO
// permission sets' roles with and without the region segment.
func TestAWSCLIListsSSORoles(t *testing.T) {
	awsBin := needAWS(t)
	a := startAWS(t, typesSeed(t, ""))
	env := []string{"AWS_PROFILE=cluster_creator"}
	arns := func(args ...string) []string {
		var out struct{ Roles []struct{ Arn string } }
		if err := json.Unmarshal(a.run(t, env, awsBin, append([]string{"iam", "list-roles", "--output", "json"}, args...)...), &out); err != nil {
			t.Fatal(err)
		}
		var s []string
		for _, r := range out.Roles {
			s = append(s, r.Arn)
		}
		return s
	}
	all := []string{sandbox.SSOAdminShortRole, sandbox.SSOAdminRole, sandbox.SSOPowerUserRoleEU, sandbox.SSOPowerUserRoleUS, sandbox.SSOReadOnlyRole}
	if got := arns("--path-prefix", "/aws-reserved/sso.amazonaws.com/"); !slices.Equal(got, all) {
		t.Errorf("--path-prefix /aws-reserved/sso.amazonaws.com/:\n%v\nwant\n%v", got, all)
	}
	if got := arns("--path-prefix", "/aws-reserved/sso.amazonaws.com/", "--page-size", "2"); !slices.Equal(got, all) {
		t.Errorf("two a page: %v", got)
	}
	if got := arns("--path-prefix", "/aws-reserved/sso.amazonaws.com/eu-west-1/"); !slices.Equal(got, []string{sandbox.SSOPowerUserRoleEU, sandbox.SSOReadOnlyRole}) {
		t.Errorf("region segment: %v", got)
	}
	if got := arns(); slices.Contains(got, sandbox.OtherAccountRole) || !slices.Contains(got, "arn:aws:iam::111122223333:role/AWSReservedSSO_Billing_7777aaaa8888bbbb") {
		t.Errorf("every role: %v", got)
	}
	if got := a.fails(t, env, awsBin, "iam", "list-roles", "--path-prefix", "aws-reserved/"); !strings.Contains(got, "An error occurred (ValidationError) when calling the ListRoles operation") {
		t.Errorf("a prefix without its slash: %s", got)
	}
}
