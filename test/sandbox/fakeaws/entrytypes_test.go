package fakeaws_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"

	"github.com/eksaccess/kubectl-eksaccess/test/sandbox/fakeaws"
)

// typesSeed has a role per access-entry type, a role of another account, a
// service-linked role, SSO roles with and without a region segment, and a
// cluster in API mode with a managed node group.
const typesSeed = `
account: "111122223333"
region: %REGION%
users: [{name: alice}, {name: bob}]
roles:
  - {name: node}
  - {name: win}
  - {name: fargate}
  - {name: auto}
  - {name: hybrid}
  - {name: hyperpod}
  - {name: dev, path: /team/}
  - {name: mng}
  - {name: partner, account: "444455556666"}
  - {name: AWSServiceRoleForAmazonEKS, path: /aws-service-role/eks.amazonaws.com/}
  - {name: AWSReservedSSO_AdministratorAccess_0a1b2c3d4e5f6789, path: /aws-reserved/sso.amazonaws.com/}
  - {name: AWSReservedSSO_ReadOnlyAccess_89abcdef01234567, path: /aws-reserved/sso.amazonaws.com/eu-west-1/}
  - {name: AWSReservedSSO_Billing_7777aaaa8888bbbb}
clusters:
  - name: demo
    creator: arn:%PARTITION%:iam::111122223333:user/alice
    authenticationMode: API
    nodeGroups: [arn:%PARTITION%:iam::111122223333:role/mng]
  - name: legacy
    creator: arn:%PARTITION%:iam::111122223333:user/alice
    nodeGroups: [arn:%PARTITION%:iam::111122223333:role/mng]
`

type typesEnv struct {
	*env
	region string
}

func startTypes(t *testing.T, region string) *typesEnv {
	t.Helper()
	y := strings.NewReplacer("%REGION%", region, "%PARTITION%", fakeaws.PartitionOf(region)).Replace(typesSeed)
	return &typesEnv{env: startSeed(t, y), region: region}
}

// clients are the real SDK clients of user alice in the env's region.
func (e *typesEnv) clients(t *testing.T) (*eks.Client, *iam.Client) {
	t.Helper()
	cfg := e.cfgIn(t, "alice", e.region)
	return eks.NewFromConfig(cfg), iam.NewFromConfig(cfg)
}

// refused checks err is the AWS error code with a message containing msg.
func refused(t *testing.T, what string, err error, code, msg string) {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Errorf("%s: want %s %q, got %v", what, code, msg, err)
		return
	}
	if ae.ErrorCode() != code || !strings.Contains(ae.ErrorMessage(), msg) {
		t.Errorf("%s: got %s %q, want %s containing %q", what, ae.ErrorCode(), ae.ErrorMessage(), code, msg)
	}
}

func role(name string) string { return "arn:aws:iam::111122223333:role/" + name }

func TestEKSEntryTypes(t *testing.T) {
	e := startTypes(t, "eu-west-1")
	c, _ := e.clients(t)
	ctx := context.Background()
	for _, tc := range []struct{ role, typ, username string }{
		{"node", "EC2_LINUX", "system:node:{{EC2PrivateDNSName}}"},
		{"win", "EC2_WINDOWS", "system:node:{{EC2PrivateDNSName}}"},
		{"fargate", "FARGATE_LINUX", "system:node:{{SessionName}}"},
		{"auto", "EC2", "system:node:{{EC2PrivateDNSName}}"},
		{"hybrid", "HYBRID_LINUX", "system:node:{{SessionName}}"},
		{"hyperpod", "HYPERPOD_LINUX", "system:node:{{SessionName}}"},
		{"team/dev", "STANDARD", "arn:aws:sts::111122223333:assumed-role/dev/{{SessionName}}"},
		{"partner", "", "arn:aws:sts::444455556666:assumed-role/partner/{{SessionName}}"},
	} {
		arn := role(tc.role)
		if tc.role == "partner" {
			arn = "arn:aws:iam::444455556666:role/partner"
		}
		in := &eks.CreateAccessEntryInput{ClusterName: aws.String("demo"), PrincipalArn: aws.String(arn)}
		if tc.typ != "" {
			in.Type = aws.String(tc.typ)
		}
		if _, err := c.CreateAccessEntry(ctx, in); err != nil {
			t.Fatalf("%s %s: %v", tc.typ, arn, err)
		}
		out, err := c.DescribeAccessEntry(ctx, &eks.DescribeAccessEntryInput{ClusterName: aws.String("demo"), PrincipalArn: aws.String(arn)})
		if err != nil {
			t.Fatal(err)
		}
		want := tc.typ
		if want == "" {
			want = "STANDARD"
		}
		ae := out.AccessEntry
		if aws.ToString(ae.Type) != want || aws.ToString(ae.Username) != tc.username {
			t.Errorf("%s: type %s username %s, want %s %s", arn, aws.ToString(ae.Type), aws.ToString(ae.Username), want, tc.username)
		}
		if groups := strings.Join(ae.KubernetesGroups, ","); (want == "STANDARD") != (groups == "") || (want != "STANDARD" && groups != "system:nodes") {
			t.Errorf("%s %s: groups %q", want, arn, groups)
		}
	}
	// The node types' rules, each type alone.
	for _, typ := range []string{"EC2_LINUX", "EC2_WINDOWS", "FARGATE_LINUX", "EC2", "HYBRID_LINUX", "HYPERPOD_LINUX"} {
		create := func(arn, username string, groups ...string) error {
			in := &eks.CreateAccessEntryInput{ClusterName: aws.String("demo"), PrincipalArn: aws.String(arn), Type: aws.String(typ), KubernetesGroups: groups}
			if username != "" {
				in.Username = aws.String(username)
			}
			_, err := c.CreateAccessEntry(ctx, in)
			return err
		}
		refused(t, typ+" with groups", create(role("mng"), "", "nodes"), "InvalidParameterException", "You can't specify kubernetesGroups")
		refused(t, typ+" with a username", create(role("mng"), "node:{{SessionName}}"), "InvalidParameterException", "You can't specify a username")
		refused(t, typ+" for a user", create("arn:aws:iam::111122223333:user/bob", ""), "InvalidParameterException", "IAM role")
		refused(t, typ+" for another account", create("arn:aws:iam::444455556666:role/partner", ""), "InvalidParameterException", "same AWS account")
		// A node role written as in aws-auth meets the reserved names first.
		refused(t, typ+" with system: groups", create(role("mng"), "", "system:nodes"), "InvalidParameterException", "The kubernetes group name system:nodes is invalid, it cannot start with system:")
		refused(t, typ+" with the node username", create(role("mng"), "system:node:{{EC2PrivateDNSName}}"), "InvalidParameterException", "The username must not begin with system:")
	}
	refused(t, "an unknown type", func() error {
		_, err := c.CreateAccessEntry(ctx, &eks.CreateAccessEntryInput{ClusterName: aws.String("demo"), PrincipalArn: aws.String(role("mng")), Type: aws.String("EC2_MAC")})
		return err
	}(), "InvalidParameterException", "EC2_MAC")
	if _, err := c.CreateAccessEntry(ctx, &eks.CreateAccessEntryInput{ClusterName: aws.String("demo"), PrincipalArn: aws.String(role("node"))}); err == nil {
		t.Error("a second entry for a principal was created")
	} else {
		refused(t, "a second entry", err, "ResourceInUseException", "The specified access entry resource is already in use on this cluster.")
	}
}

func TestEKSReservedNamesAndPrincipals(t *testing.T) {
	e := startTypes(t, "eu-west-1")
	c, _ := e.clients(t)
	ctx := context.Background()
	create := func(arn, username string, groups ...string) error {
		in := &eks.CreateAccessEntryInput{ClusterName: aws.String("demo"), PrincipalArn: aws.String(arn), KubernetesGroups: groups}
		if username != "" {
			in.Username = aws.String(username)
		}
		_, err := c.CreateAccessEntry(ctx, in)
		return err
	}
	for _, p := range fakeaws.ReservedUsernamePrefixes {
		refused(t, "username "+p, create(role("team/dev"), p+"admin"), "InvalidParameterException", "The username must not begin with "+p)
	}
	refused(t, "system:masters", create(role("team/dev"), "", "devs", "system:masters"), "InvalidParameterException", "The kubernetes group name system:masters is invalid, it cannot start with system:")
	refused(t, "{{SessionName}} without a colon", create(role("team/dev"), "dev{{SessionName}}"), "InvalidParameterException", "colon before {{SessionName}}")
	refused(t, "an STS session", create("arn:aws:sts::111122223333:assumed-role/dev/alice", ""), "InvalidParameterException", "The principalArn parameter format is not valid")
	refused(t, "a service-linked role", create("arn:aws:iam::111122223333:role/aws-service-role/eks.amazonaws.com/AWSServiceRoleForAmazonEKS", ""), "InvalidParameterException", "Service Linked Role")
	refused(t, "an SSO role without its path", create(role("AWSReservedSSO_AdministratorAccess_0a1b2c3d4e5f6789"), ""), "InvalidParameterException", "The specified principalArn is invalid: invalid principal.")
	refused(t, "another partition", create("arn:aws-cn:iam::111122223333:role/dev", ""), "InvalidParameterException", "The principalArn parameter format is not valid")
	// What passes: a colon before {{SessionName}}, a group of one's own.
	if err := create(role("team/dev"), "dev:{{SessionName}}", "devs"); err != nil {
		t.Fatal(err)
	}
	if err := create("arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_AdministratorAccess_0a1b2c3d4e5f6789", ""); err != nil {
		t.Fatal(err)
	}
	if v, _ := e.state.Cluster("demo"); len(v.Entries) != 4 { // creator, node group, dev, SSO
		t.Errorf("entries: %d, want 4", len(v.Entries))
	}
}

func TestEKSPoliciesByType(t *testing.T) {
	e := startTypes(t, "eu-west-1")
	c, _ := e.clients(t)
	ctx := context.Background()
	for _, r := range []struct{ role, typ string }{{"node", "EC2_LINUX"}, {"win", "EC2_WINDOWS"}, {"auto", "EC2"}, {"team/dev", "STANDARD"}} {
		if _, err := c.CreateAccessEntry(ctx, &eks.CreateAccessEntryInput{ClusterName: aws.String("demo"), PrincipalArn: aws.String(role(r.role)), Type: aws.String(r.typ)}); err != nil {
			t.Fatal(err)
		}
	}
	associate := func(r, policy string) error {
		_, err := c.AssociateAccessPolicy(ctx, &eks.AssociateAccessPolicyInput{ClusterName: aws.String("demo"), PrincipalArn: aws.String(role(r)),
			PolicyArn: aws.String(fakeaws.PolicyARN("aws", policy)), AccessScope: &ekstypes.AccessScope{Type: ekstypes.AccessScopeTypeCluster}})
		return err
	}
	refused(t, "EC2_LINUX", associate("node", "AmazonEKSViewPolicy"), "InvalidParameterException", `This operation can only be performed on Access Entries with a type of "STANDARD".`)
	refused(t, "EC2_WINDOWS", associate("win", "AmazonEKSViewPolicy"), "InvalidParameterException", `type of "STANDARD"`)
	refused(t, "the managed node group", associate("mng", "AmazonEKSViewPolicy"), "InvalidParameterException", `type of "STANDARD"`)
	if err := associate("auto", "AmazonEKSAutoNodePolicy"); err != nil {
		t.Errorf("EC2 (Auto Mode) with AmazonEKSAutoNodePolicy: %v", err)
	}
	for _, p := range []string{"AmazonEKSAdminViewPolicy", "AmazonEKSSecretReaderPolicy"} {
		if err := associate("team/dev", p); err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
	refused(t, "a policy AWS has not published", associate("team/dev", "AmazonEKSTomorrowPolicy"), "ResourceNotFoundException", "AmazonEKSTomorrowPolicy")
	e.state.AddAccessPolicy("AmazonEKSTomorrowPolicy")
	if err := associate("team/dev", "AmazonEKSTomorrowPolicy"); err != nil {
		t.Errorf("a policy published since: %v", err)
	}
	// A policy for an entry that does not exist: the real words.
	refused(t, "no entry", associate("hybrid", "AmazonEKSViewPolicy"), "ResourceNotFoundException", "The specified principalArn could not be found. You can view your available access entries with 'list-access-entries'.")
}

func TestEKSUpdateAccessEntry(t *testing.T) {
	e := startTypes(t, "eu-west-1")
	c, _ := e.clients(t)
	ctx := context.Background()
	dev := role("team/dev")
	if _, err := c.CreateAccessEntry(ctx, &eks.CreateAccessEntryInput{ClusterName: aws.String("demo"), PrincipalArn: aws.String(dev), KubernetesGroups: []string{"devs"}}); err != nil {
		t.Fatal(err)
	}
	out, err := c.UpdateAccessEntry(ctx, &eks.UpdateAccessEntryInput{ClusterName: aws.String("demo"), PrincipalArn: aws.String(dev), KubernetesGroups: []string{"devs", "ops"}, Username: aws.String("dev:{{SessionName}}")})
	if err != nil {
		t.Fatal(err)
	}
	if ae := out.AccessEntry; strings.Join(ae.KubernetesGroups, ",") != "devs,ops" || aws.ToString(ae.Username) != "dev:{{SessionName}}" || aws.ToString(ae.Type) != "STANDARD" {
		t.Errorf("updated: %+v", ae)
	}
	// Groups only: the username stays.
	out, err = c.UpdateAccessEntry(ctx, &eks.UpdateAccessEntryInput{ClusterName: aws.String("demo"), PrincipalArn: aws.String(dev), KubernetesGroups: []string{"ops"}})
	if err != nil || aws.ToString(out.AccessEntry.Username) != "dev:{{SessionName}}" || strings.Join(out.AccessEntry.KubernetesGroups, ",") != "ops" {
		t.Errorf("groups only: %v %+v", err, out)
	}
	upd := func(arn, username string, groups ...string) error {
		in := &eks.UpdateAccessEntryInput{ClusterName: aws.String("demo"), PrincipalArn: aws.String(arn), KubernetesGroups: groups}
		if username != "" {
			in.Username = aws.String(username)
		}
		_, err := c.UpdateAccessEntry(ctx, in)
		return err
	}
	refused(t, "a system: group", upd(dev, "", "system:masters"), "InvalidParameterException", "The kubernetes group name system:masters is invalid, it cannot start with system:")
	refused(t, "an eks: username", upd(dev, "eks:me"), "InvalidParameterException", "The username must not begin with eks:")
	refused(t, "no such entry", upd(role("hybrid"), "", "x"), "ResourceNotFoundException", "The specified principalArn could not be found.")
	mng := role("mng") // EKS made it: EC2_LINUX
	refused(t, "groups on EC2_LINUX", upd(mng, "", "nodes"), "InvalidParameterException", `type of "STANDARD"`)
	refused(t, "the node username on EC2_LINUX", upd(mng, "system:node:{{EC2PrivateDNSName}}"), "InvalidParameterException", "The username must not begin with system:")
	// The API has no type: the entry keeps its own.
	if v, _ := e.state.Cluster("demo"); func() bool {
		for _, en := range v.Entries {
			if en.PrincipalARN == mng {
				return en.Type != "EC2_LINUX" || strings.Join(en.Groups, ",") != "system:nodes"
			}
		}
		return true
	}() {
		t.Errorf("the node group entry changed: %+v", v.Entries)
	}
}

func TestEKSListAccessPoliciesPagedAndPartitioned(t *testing.T) {
	for _, tc := range []struct{ region, partition string }{{"eu-west-1", "aws"}, {"cn-north-1", "aws-cn"}, {"us-gov-west-1", "aws-us-gov"}} {
		t.Run(tc.partition, func(t *testing.T) {
			e := startTypes(t, tc.region)
			c, _ := e.clients(t)
			ctx := context.Background()
			list := func(maxResults int32) (names []string, pages int) {
				in := &eks.ListAccessPoliciesInput{}
				if maxResults > 0 {
					in.MaxResults = aws.Int32(maxResults)
				}
				for p := eks.NewListAccessPoliciesPaginator(c, in); p.HasMorePages(); pages++ {
					out, err := p.NextPage(ctx)
					if err != nil {
						t.Fatal(err)
					}
					for _, ap := range out.AccessPolicies {
						if want := "arn:" + tc.partition + ":eks::aws:cluster-access-policy/" + aws.ToString(ap.Name); aws.ToString(ap.Arn) != want {
							t.Errorf("arn %s, want %s", aws.ToString(ap.Arn), want)
						}
						names = append(names, aws.ToString(ap.Name))
					}
				}
				return names, pages
			}
			names, pages := list(0)
			if !slices.Equal(names, fakeaws.AccessPolicies) || pages != 1 || len(names) != 33 {
				t.Errorf("one page: %d pages %v", pages, names)
			}
			if names, pages = list(10); !slices.Equal(names, fakeaws.AccessPolicies) || pages != 4 {
				t.Errorf("maxResults 10: %d pages, %d names", pages, len(names))
			}
			e.state.SetPageLimit(5)
			if names, pages = list(0); !slices.Equal(names, fakeaws.AccessPolicies) || pages != 7 {
				t.Errorf("page limit 5: %d pages, %d names", pages, len(names))
			}
			for _, want := range []string{"AmazonEKSAdminViewPolicy", "AmazonEKSSecretReaderPolicy", "AmazonEKSAutoNodePolicy", "AmazonEKSHybridPolicy", "AmazonSagemakerHyperpodClusterPolicy"} {
				if !slices.Contains(names, want) {
					t.Errorf("no %s", want)
				}
			}
			// An ARN of another partition is refused; the cluster's own is taken.
			principal := "arn:" + tc.partition + ":iam::111122223333:role/team/dev"
			if _, err := c.CreateAccessEntry(ctx, &eks.CreateAccessEntryInput{ClusterName: aws.String("demo"), PrincipalArn: aws.String(principal)}); err != nil {
				t.Fatal(err)
			}
			for _, p := range []string{"aws", "aws-cn", "aws-us-gov"} {
				_, err := c.AssociateAccessPolicy(ctx, &eks.AssociateAccessPolicyInput{ClusterName: aws.String("demo"), PrincipalArn: aws.String(principal),
					PolicyArn: aws.String(fakeaws.PolicyARN(p, "AmazonEKSViewPolicy")), AccessScope: &ekstypes.AccessScope{Type: ekstypes.AccessScopeTypeCluster}})
				if (err == nil) != (p == tc.partition) {
					t.Errorf("policy in partition %s: %v", p, err)
				}
			}
			out, err := c.DescribeAccessEntry(ctx, &eks.DescribeAccessEntryInput{ClusterName: aws.String("demo"), PrincipalArn: aws.String(principal)})
			if err != nil {
				t.Fatal(err)
			}
			if u := aws.ToString(out.AccessEntry.Username); u != "arn:"+tc.partition+":sts::111122223333:assumed-role/dev/{{SessionName}}" {
				t.Errorf("username %s", u)
			}
			if a := aws.ToString(out.AccessEntry.AccessEntryArn); !strings.HasPrefix(a, "arn:"+tc.partition+":eks:"+tc.region+":111122223333:access-entry/demo/role/111122223333/dev/") {
				t.Errorf("access entry ARN %s", a)
			}
		})
	}
}

func TestEKSEntriesEKSMakes(t *testing.T) {
	e := startTypes(t, "eu-west-1")
	c, _ := e.clients(t)
	ctx := context.Background()
	entries := func(cluster string) []string {
		var arns []string
		for p := eks.NewListAccessEntriesPaginator(c, &eks.ListAccessEntriesInput{ClusterName: aws.String(cluster)}); p.HasMorePages(); {
			out, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			arns = append(arns, out.AccessEntries...)
		}
		return arns
	}
	want := []string{role("mng"), "arn:aws:iam::111122223333:user/alice"}
	if got := entries("demo"); !slices.Equal(got, want) {
		t.Errorf("API cluster: %v, want %v", got, want)
	}
	// A CONFIG_MAP cluster has none; switching makes both.
	if _, err := c.UpdateClusterConfig(ctx, &eks.UpdateClusterConfigInput{Name: aws.String("legacy"), AccessConfig: &ekstypes.UpdateAccessConfigRequest{AuthenticationMode: ekstypes.AuthenticationModeApiAndConfigMap}}); err != nil {
		t.Fatal(err)
	}
	if got := entries("legacy"); !slices.Equal(got, want) {
		t.Errorf("after the switch: %v, want %v", got, want)
	}
	out, err := c.DescribeAccessEntry(ctx, &eks.DescribeAccessEntryInput{ClusterName: aws.String("legacy"), PrincipalArn: aws.String(role("mng"))})
	if err != nil {
		t.Fatal(err)
	}
	if ae := out.AccessEntry; aws.ToString(ae.Type) != "EC2_LINUX" || aws.ToString(ae.Username) != "system:node:{{EC2PrivateDNSName}}" {
		t.Errorf("node group entry: %+v", ae)
	}
	pol, err := c.ListAssociatedAccessPolicies(ctx, &eks.ListAssociatedAccessPoliciesInput{ClusterName: aws.String("legacy"), PrincipalArn: aws.String("arn:aws:iam::111122223333:user/alice")})
	if err != nil || len(pol.AssociatedAccessPolicies) != 1 || aws.ToString(pol.AssociatedAccessPolicies[0].PolicyArn) != fakeaws.ClusterAdminPolicy {
		t.Errorf("creator's policies: %v %+v", err, pol)
	}
	// A seed whose node group role is not a role is refused.
	bad := strings.Replace(strings.NewReplacer("%REGION%", "eu-west-1", "%PARTITION%", "aws").Replace(typesSeed), "role/mng]", "role/nope]", 1)
	seed, err := fakeaws.ParseSeed([]byte(bad))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fakeaws.NewState(seed); err == nil || !strings.Contains(err.Error(), "role/nope") {
		t.Errorf("a missing node group role: %v", err)
	}
}

func TestIAMListRolesSSO(t *testing.T) {
	e := startTypes(t, "eu-west-1")
	_, c := e.clients(t)
	ctx := context.Background()
	list := func(prefix string, maxItems int32) (arns []string, pages int) {
		in := &iam.ListRolesInput{PathPrefix: aws.String(prefix)}
		if maxItems > 0 {
			in.MaxItems = aws.Int32(maxItems)
		}
		for p := iam.NewListRolesPaginator(c, in); p.HasMorePages(); pages++ {
			out, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if out.IsTruncated != (out.Marker != nil) {
				t.Errorf("IsTruncated %v with Marker %v", out.IsTruncated, out.Marker)
			}
			for _, r := range out.Roles {
				arns = append(arns, aws.ToString(r.Arn))
			}
		}
		return arns, pages
	}
	sso := []string{
		"arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_AdministratorAccess_0a1b2c3d4e5f6789",
		"arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_ReadOnlyAccess_89abcdef01234567",
	}
	if got, pages := list("/aws-reserved/sso.amazonaws.com/", 0); !slices.Equal(got, sso) || pages != 1 {
		t.Errorf("SSO roles: %d pages %v", pages, got)
	}
	if got, pages := list("/aws-reserved/sso.amazonaws.com/", 1); !slices.Equal(got, sso) || pages != 2 {
		t.Errorf("SSO roles one a page: %d pages %v", pages, got)
	}
	if got, _ := list("/aws-reserved/sso.amazonaws.com/eu-west-1/", 0); !slices.Equal(got, sso[1:]) {
		t.Errorf("region segment: %v", got)
	}
	all, _ := list("/", 0)
	if len(all) != 12 || slices.Contains(all, "arn:aws:iam::444455556666:role/partner") {
		t.Errorf("every role of the account (12, not the partner's): %d %v", len(all), all)
	}
	e.state.SetPageLimit(5)
	if again, pages := list("/", 100); !slices.Equal(again, all) || pages != 3 {
		t.Errorf("page limit 5: %d pages", pages)
	}
	_, err := c.ListRoles(ctx, &iam.ListRolesInput{PathPrefix: aws.String("aws-reserved/")})
	refused(t, "a prefix without its slash", err, "ValidationError", "pathPrefix")
}
