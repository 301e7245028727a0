package accessentry

import (
	"strings"
	"testing"
)

// Every rule: the entry, the cluster's account, and a piece of the one-line
// refusal ("" when EKS accepts the entry).
func TestEntryCheck(t *testing.T) {
	const acct = "111122223333"
	role := "arn:aws:iam::111122223333:role/team/Dev"
	node := "arn:aws:iam::111122223333:role/NodeRole"
	view := Policy{ARN: PolicyARN("aws", "AmazonEKSViewPolicy"), Scope: ScopeCluster}
	for _, tc := range []struct {
		name string
		e    Entry
		want string
	}{
		{"standard role with path", Entry{PrincipalARN: role, Username: "dev:{{SessionName}}", Groups: []string{"devs"}, Policies: []Policy{view}}, ""},
		{"standard user of another account", Entry{PrincipalARN: "arn:aws:iam::444455556666:user/alice", Type: TypeStandard}, ""},
		{"unknown type", Entry{PrincipalARN: role, Type: "EC2_MAC"}, `access entry type "EC2_MAC" is not one EKS knows: use one of STANDARD, EC2_LINUX, EC2_WINDOWS, FARGATE_LINUX, EC2, HYBRID_LINUX, HYPERPOD_LINUX`},
		{"sts session", Entry{PrincipalARN: "arn:aws:sts::111122223333:assumed-role/Dev/alice"}, "is an STS session, which access entries do not take (a session is not a lasting identity): use the role's ARN with its path, arn:aws:iam::111122223333:role/PATH/Dev ('aws iam get-role --role-name Dev' shows it)"},
		{"federated user", Entry{PrincipalARN: "arn:aws:sts::111122223333:federated-user/bob"}, "STS federated-user session"},
		{"root", Entry{PrincipalARN: "arn:aws:iam::111122223333:root"}, "is the account root"},
		{"service-linked role", Entry{PrincipalARN: "arn:aws:iam::111122223333:role/aws-service-role/eks.amazonaws.com/AWSServiceRoleForAmazonEKS"}, "is a service-linked role"},
		{"not an arn", Entry{PrincipalARN: "Dev"}, `"Dev" is not an IAM role or user ARN`},
		{"other service", Entry{PrincipalARN: "arn:aws:s3:::bucket"}, "not an IAM role or user ARN"},
		{"reserved username system:", Entry{PrincipalARN: role, Username: "system:dev"}, `username "system:dev" starts with the reserved prefix "system:", which EKS refuses (reserved: system:, eks:, aws:, amazon:, iam:): choose a username without it, e.g. "dev"`},
		{"reserved username eks:", Entry{PrincipalARN: role, Username: "eks:x"}, `starts with the reserved prefix "eks:"`},
		{"reserved username aws:", Entry{PrincipalARN: role, Username: "aws:x"}, `starts with the reserved prefix "aws:"`},
		{"reserved username amazon:", Entry{PrincipalARN: role, Username: "amazon:x"}, `starts with the reserved prefix "amazon:"`},
		{"reserved username iam:", Entry{PrincipalARN: role, Username: "iam:x"}, `starts with the reserved prefix "iam:"`},
		{"session name without colon", Entry{PrincipalARN: role, Username: "dev-{{SessionName}}"}, `username "dev-{{SessionName}}" uses {{SessionName}} without a colon before it, which EKS refuses: put a colon before it, e.g. "dev-:{{SessionName}}"`},
		{"raw session name without colon", Entry{PrincipalARN: role, Username: "{{SessionNameRaw}}"}, "without a colon before it"},
		{"raw session name with colon", Entry{PrincipalARN: role, Username: "dev:{{SessionNameRaw}}"}, ""},
		{"system:masters", Entry{PrincipalARN: role, Groups: []string{"system:masters"}}, "system:masters cannot be given through an access entry (EKS refuses system: groups): use --policy AmazonEKSClusterAdminPolicy (cluster scope)"},
		{"system: group", Entry{PrincipalARN: role, Groups: []string{"devs", "system:nodes"}}, `group "system:nodes" cannot be given through an access entry`},
		{"empty group", Entry{PrincipalARN: role, Groups: []string{" "}}, "empty group name"},
		{"namespace scope without namespaces", Entry{PrincipalARN: role, Policies: []Policy{{ARN: view.ARN, Scope: ScopeNamespace}}}, "policy AmazonEKSViewPolicy has namespace scope but no namespace"},
		{"cluster scope with namespaces", Entry{PrincipalARN: role, Policies: []Policy{{ARN: view.ARN, Scope: ScopeCluster, Namespaces: []string{"a"}}}}, "has cluster scope and namespaces a"},
		{"bad scope", Entry{PrincipalARN: role, Policies: []Policy{{ARN: view.ARN, Scope: "global"}}}, `has scope "global": use cluster or namespace`},
	} {
		t.Run(tc.name, func(t *testing.T) { checkOne(t, tc.e, acct, tc.want) })
	}
	// The node types: roles of the cluster's account only, no groups, no
	// custom username; EC2_LINUX and EC2_WINDOWS take no policy.
	for _, typ := range Types[1:] {
		t.Run(typ, func(t *testing.T) {
			checkOne(t, Entry{PrincipalARN: node, Type: typ}, acct, "")
			checkOne(t, Entry{PrincipalARN: node, Type: typ}, "", "")
			checkOne(t, Entry{PrincipalARN: "arn:aws:iam::111122223333:user/n", Type: typ}, acct, "is an IAM user, and "+typ+" entries take IAM roles only")
			checkOne(t, Entry{PrincipalARN: "arn:aws:iam::444455556666:role/NodeRole", Type: typ}, acct, "is in account 444455556666, and "+typ+" entries take roles of the cluster's account 111122223333 only")
			checkOne(t, Entry{PrincipalARN: node, Type: typ, Groups: []string{"nodes"}}, acct, typ+" entries take no Kubernetes groups (EKS gives nodes theirs): drop --group nodes")
			checkOne(t, Entry{PrincipalARN: node, Type: typ, Username: "node:{{SessionName}}"}, acct, typ+" entries take no custom username")
			if d := DefaultUsername(typ); d != "" {
				checkOne(t, Entry{PrincipalARN: node, Type: typ, Username: d}, acct, "")
			}
			wantPolicy := ""
			if typ == TypeEC2Linux || typ == TypeEC2Windows {
				wantPolicy = typ + " entries take no access policy"
			}
			checkOne(t, Entry{PrincipalARN: node, Type: typ, Policies: []Policy{view}}, acct, wantPolicy)
		})
	}
}

func checkOne(t *testing.T, e Entry, acct, want string) {
	t.Helper()
	err := e.Check(acct)
	switch {
	case want == "" && err != nil:
		t.Errorf("%+v: refused: %v", e, err)
	case want != "" && err == nil:
		t.Errorf("%+v: accepted, want %q", e, want)
	case err != nil && !strings.Contains(err.Error(), want):
		t.Errorf("%+v:\n got %v\nwant %s", e, err, want)
	case err != nil && strings.Contains(err.Error(), "\n"):
		t.Errorf("not one line: %q", err)
	}
}

func TestDefaultUsername(t *testing.T) {
	for typ, want := range map[string]string{
		TypeStandard: "", TypeEC2Linux: "system:node:{{EC2PrivateDNSName}}", TypeEC2Windows: "system:node:{{EC2PrivateDNSName}}",
		TypeEC2: "system:node:{{EC2PrivateDNSName}}", TypeFargateLinux: "system:node:{{SessionName}}", TypeHybridLinux: "system:node:{{SessionName}}",
	} {
		if got := DefaultUsername(typ); got != want {
			t.Errorf("DefaultUsername(%s) = %q, want %q", typ, got, want)
		}
	}
}
