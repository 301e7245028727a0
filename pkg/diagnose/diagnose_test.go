package diagnose

import (
	"encoding/json"
	"fmt"
	"github.com/eksaccess/kubectl-eksaccess/pkg/accessentry"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/eksaccess/kubectl-eksaccess/pkg/awsauth"
)

const (
	acct     = "111122223333"
	userARN  = "arn:aws:iam::111122223333:user/designated_user"
	adminARN = "arn:aws:iam::111122223333:role/Admin"
	devSess  = "arn:aws:sts::111122223333:assumed-role/Dev/alice"
	devRole  = "arn:aws:iam::111122223333:role/Dev"
	nodeRole = `- rolearn: arn:aws:iam::111122223333:role/Node
  username: system:node:{{EC2PrivateDNSName}}
  groups:
    - system:bootstrappers
    - system:nodes
`
	adminEntry = `- rolearn: arn:aws:iam::111122223333:role/Admin
  username: admin:{{SessionName}}
  groups:
    - system:masters
`
)

// offline is a snapshot with only aws-auth (raw data included), the
// subject and the mode, as `diagnose --arn A -f aws-auth.yaml --mode M`.
func offline(mode, subject string, data map[string]string) Snapshot {
	return Snapshot{Subject: subject, Mode: mode, AdminContext: "admin",
		AWSAuth: &AWSAuth{Step: Step{Ran: true}, Map: awsauth.Parse(data), Data: data, Source: "aws-auth.yaml"}}
}

// noRaw drops the raw data, as when only the parsed map is known.
func noRaw(s Snapshot) Snapshot {
	a := *s.AWSAuth
	a.Data = nil
	s.AWSAuth = &a
	return s
}

func with(s Snapshot, f func(*Snapshot)) Snapshot { f(&s); return s }

func entries(es ...AccessEntry) *AccessEntries {
	return &AccessEntries{Step: Step{Ran: true}, Entries: es}
}

func denied(ns string, bindings ...Binding) *Access {
	return &Access{Step: Step{Ran: true}, Verb: "list", Resource: "pods", Namespace: ns, Allowed: false, Bindings: bindings}
}

func ptr[T any](v T) *T { return &v }

var day = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

type tcase struct {
	name    string
	snap    Snapshot
	verdict string
	code    string // must be present
	sev     awsauth.Severity
	fix     string   // substring of that code's fix
	msg     string   // substring of that code's message
	cause   string   // substring of Report.Cause
	also    []string // other codes that must be present
	absent  []string // codes that must not be present
	source  string
	user    string
	groups  []string
}

func TestDiagnose(t *testing.T) {
	tests := []tcase{
		// ---- Unauthorized -------------------------------------------------
		{name: "not mapped anywhere",
			snap:    offline(ModeConfigMap, userARN, map[string]string{"mapRoles": nodeRole}),
			verdict: Unauthorized, code: CodeNotMapped, sev: awsauth.SeverityError,
			fix:   "kubectl eksaccess add arn:aws:iam::111122223333:user/designated_user --group system:masters --context admin",
			cause: "is not mapped in aws-auth"},
		{name: "not mapped, no admin context",
			snap:    with(offline(ModeConfigMap, userARN, map[string]string{"mapRoles": nodeRole}), func(s *Snapshot) { s.AdminContext = "" }),
			verdict: Unauthorized, code: CodeNotMapped, fix: "--group system:masters` (system:masters is only an example"},
		{name: "mapped in aws-auth, access entries not read: authenticated",
			snap:    offline(ModeAPIAndConfigMap, "arn:aws:sts::111122223333:assumed-role/Admin/alice", map[string]string{"mapRoles": adminEntry}),
			verdict: Authorized, code: "", source: "aws-auth mapRoles line 1", user: "admin:alice"},
		{name: "unmapped in aws-auth, access entries not read: unknown",
			snap:    offline(ModeAPIAndConfigMap, userARN, map[string]string{"mapRoles": adminEntry}),
			verdict: Unknown, code: "", absent: []string{CodeNotMapped}, cause: "could not be read"},
		{name: "not mapped in API_AND_CONFIG_MAP offers both fixes",
			snap:    with(offline(ModeAPIAndConfigMap, userARN, map[string]string{"mapRoles": nodeRole}), func(s *Snapshot) { s.AccessEntries = entries() }),
			verdict: Unauthorized, code: CodeNotMapped, fix: "aws eks create-access-entry --cluster-name CLUSTER --principal-arn " + userARN},
		{name: "rolearn with a path, caller is a session",
			snap: offline(ModeConfigMap, "arn:aws:sts::111122223333:assumed-role/Ops/bob", map[string]string{"mapRoles": nodeRole + `- rolearn: arn:aws:iam::111122223333:role/team/Ops
  username: ops
  groups: [system:masters]
`}),
			verdict: Unauthorized, code: CodeRolePathMismatch, sev: awsauth.SeverityError,
			fix: "the rolearn on line 6 has a path: remove `team/`", also: []string{awsauth.CodeRolePath, CodeNotMapped},
			cause: "has the path /team/"},
		{name: "rolearn with a path, --arn is the role with its path",
			snap: offline(ModeConfigMap, "arn:aws:iam::111122223333:role/team/Ops", map[string]string{"mapRoles": `- rolearn: arn:aws:iam::111122223333:role/team/Ops
  groups: [system:masters]
`}),
			verdict: Unauthorized, code: CodeRolePathMismatch, fix: "kubectl eksaccess add arn:aws:iam::111122223333:role/Ops --group system:masters --context admin"},
		{name: "sts ARN in the map",
			snap: offline(ModeConfigMap, "arn:aws:sts::111122223333:assumed-role/Dev/alice", map[string]string{"mapRoles": `- rolearn: arn:aws:sts::111122223333:assumed-role/Dev/alice
  groups: [devs]
`}),
			verdict: Unauthorized, code: CodeSTSARNMapped, fix: "replace the ARN on line 1 with " + devRole, also: []string{awsauth.CodeSTSARN}},
		{name: "YAML error drops the key holding the entry",
			snap: offline(ModeConfigMap, devSess, map[string]string{"mapRoles": nodeRole + `- rolearn: arn:aws:iam::111122223333:role/Dev
  username: {{SessionName}}
  groups: [devs]
`}),
			verdict: Unauthorized, code: CodeKeyNotLoaded, sev: awsauth.SeverityError,
			fix: "fix the YAML of mapRoles", msg: "holds arn:aws:iam::111122223333:role/Dev (line 6) but mapRoles is not loaded at all",
			also: []string{awsauth.CodeYAMLError}, cause: "mapRoles has a YAML error"},
		{name: "YAML error, raw data unknown: may hold",
			snap:    noRaw(offline(ModeConfigMap, devSess, map[string]string{"mapRoles": "- rolearn: arn:aws:iam::111122223333:role/Dev\n\tgroups: [devs]\n"})),
			verdict: Unauthorized, code: CodeKeyNotLoaded, sev: awsauth.SeverityWarning, fix: "a tab character", msg: "may hold your mapping"},
		{name: "YAML error in a key that does not hold the entry is not blamed",
			snap:    offline(ModeConfigMap, userARN, map[string]string{"mapRoles": "- rolearn: arn:aws:iam::111122223333:role/Other\n\tgroups: [devs]\n"}),
			verdict: Unauthorized, code: CodeNotMapped, absent: []string{CodeKeyNotLoaded}},
		{name: "flow-style object instead of a list",
			snap:    offline(ModeConfigMap, devSess, map[string]string{"mapRoles": `{"rolearn": "arn:aws:iam::111122223333:role/Dev", "groups": ["devs"]}`}),
			verdict: Unauthorized, code: CodeKeyNotLoaded, fix: "wrap the object in [ ]", msg: "a single flow-style object", also: []string{awsauth.CodeNotAList}},
		{name: "one entry dropped: misspelled rolearn",
			snap: offline(ModeConfigMap, devSess, map[string]string{"mapRoles": nodeRole + `- role_arn: arn:aws:iam::111122223333:role/Dev
  groups: [devs]
`}),
			verdict: Unauthorized, code: CodeEntryDropped, sev: awsauth.SeverityError, fix: "fix the entry on mapRoles line 6 (spell the key rolearn)",
			also: []string{awsauth.CodeEntryDropped}, cause: "drops the entry on aws-auth mapRoles line 6"},
		{name: "one entry dropped: userarn under mapRoles",
			snap: offline(ModeConfigMap, userARN, map[string]string{"mapRoles": nodeRole + `- userarn: arn:aws:iam::111122223333:user/designated_user
  groups: [devs]
`}),
			verdict: Unauthorized, code: CodeEntryDropped, fix: "move it to mapUsers, or use rolearn", also: []string{awsauth.CodeWrongKey}},
		{name: "someone else's dropped entry is not blamed",
			snap: offline(ModeConfigMap, userARN, map[string]string{"mapRoles": nodeRole + `- role_arn: arn:aws:iam::111122223333:role/Other
`}),
			verdict: Unauthorized, code: CodeNotMapped, absent: []string{CodeEntryDropped}},
		{name: "wrong-case top key",
			snap: offline(ModeConfigMap, devSess, map[string]string{"mapRoles": nodeRole, "maproles": `- rolearn: arn:aws:iam::111122223333:role/Dev
  groups: [devs]
`}),
			verdict: Unauthorized, code: CodeWrongCaseKey, fix: `rename the data key "maproles" to "mapRoles"`, also: []string{awsauth.CodeWrongCaseKey}},
		{name: "mapAccounts scalar",
			snap:    offline(ModeConfigMap, userARN, map[string]string{"mapAccounts": `"111122223333"`}),
			verdict: Unauthorized, code: CodeAccountsNotLoaded, fix: `write mapAccounts as a list`, also: []string{awsauth.CodeAccountsInvalid}},
		{name: "EC2PrivateDNSName template for a person's session",
			snap: offline(ModeConfigMap, devSess, map[string]string{"mapRoles": `- rolearn: arn:aws:iam::111122223333:role/Dev
  username: dev-{{EC2PrivateDNSName}}
  groups: [devs]
`}),
			verdict: Unauthorized, code: CodeEC2DNSNotInstance, fix: "use {{SessionName}} for people", also: []string{awsauth.CodeEC2DNSTemplate},
			cause: `fails for the non-instance session "alice"`},
		{name: "node role session renders EC2PrivateDNSName",
			snap:    offline(ModeConfigMap, "arn:aws:sts::111122223333:assumed-role/Node/i-0123456789abcdef0", map[string]string{"mapRoles": nodeRole}),
			verdict: Authorized, code: "", absent: []string{CodeEC2DNSNotInstance}, source: "aws-auth mapRoles line 1", user: "system:node:{{EC2PrivateDNSName}}"},
		{name: "reserved username prefix in an access entry",
			snap: with(offline(ModeAPI, userARN, nil), func(s *Snapshot) {
				s.AccessEntries = entries(AccessEntry{Entry: accessentry.Entry{PrincipalARN: userARN, Type: "STANDARD", Username: "system:alice", Groups: []string{"devs"}}})
			}),
			verdict: Unauthorized, code: CodeAccessEntryRefused, fix: "without reserved prefixes", msg: `username "system:alice"`},
		{name: "reserved username in aws-auth is only a warning",
			snap: offline(ModeConfigMap, userARN, map[string]string{"mapUsers": `- userarn: arn:aws:iam::111122223333:user/designated_user
  username: system:designated
  groups: [system:masters]
`}),
			verdict: Authorized, code: awsauth.CodeReservedUsername, sev: awsauth.SeverityWarning, fix: "reserved prefix", user: "system:designated"},
		{name: "mapped only in aws-auth while the mode is API",
			snap: with(offline(ModeAPI, devSess, map[string]string{"mapRoles": `- rolearn: arn:aws:iam::111122223333:role/Dev
  groups: [devs]
`}), func(s *Snapshot) { s.AccessEntries = entries() }),
			verdict: Unauthorized, code: CodeAPIModeIgnoresMap, fix: "aws eks create-access-entry --cluster-name CLUSTER --principal-arn " + devRole,
			cause: "mapped only in aws-auth (mapRoles line 1), which the cluster ignores in API mode"},
		{name: "stale access entry",
			snap: with(offline(ModeAPI, devSess, nil), func(s *Snapshot) {
				s.Cluster = &Cluster{Step: Step{Ran: true}, Name: "prod", AuthenticationMode: ModeAPI}
				s.AccessEntries = entries(AccessEntry{Entry: accessentry.Entry{PrincipalARN: devRole, Type: "STANDARD", Groups: []string{"devs"},
					CreatedAt: day}, PrincipalCreatedAt: day.Add(48 * time.Hour)})
			}),
			verdict: Unauthorized, code: CodeStaleAccessEntry, fix: "aws eks delete-access-entry --cluster-name prod --principal-arn " + devRole},
		{name: "token for another cluster name (STS SignatureDoesNotMatch)",
			snap: Snapshot{AsMyself: true, Exec: &Exec{Step: Step{Ran: true}, APIVersion: "client.authentication.k8s.io/v1beta1", ClusterName: "staging"},
				STS:     &STS{Step: Step{Ran: true, Err: "SignatureDoesNotMatch: the request signature we calculated does not match"}, ErrorCode: "SignatureDoesNotMatch"},
				Cluster: &Cluster{Step: Step{Ran: true}, Name: "prod", Region: "eu-west-1", AuthenticationMode: ModeConfigMap}},
			verdict: Unauthorized, code: CodeTokenOtherCluster, fix: "--cluster-name prod", msg: `signs the token for cluster "staging" but this cluster is "prod"`},
		{name: "token for another cluster name (STS code only)",
			snap:    Snapshot{AsMyself: true, STS: &STS{Step: Step{Ran: true}, ErrorCode: "SignatureDoesNotMatch"}},
			verdict: Unauthorized, code: CodeTokenOtherCluster, fix: "aws eks update-kubeconfig --name CLUSTER", cause: "signed for another cluster name"},
		{name: "expired token",
			snap: Snapshot{AsMyself: true, Subject: devSess, Token: &Token{Step: Step{Ran: true}, Size: 900, Region: "eu-west-1",
				Invalid: "token expired at 2025-03-01T12:15:00Z (signed 2025-03-01T12:00:00Z; tokens last 15m0s): get a new one, and check this machine's clock"}},
			verdict: Unauthorized, code: CodeTokenExpired, fix: "sync this machine's clock"},
		{name: "clock ahead",
			snap:    Snapshot{AsMyself: true, Token: &Token{Step: Step{Ran: true}, Size: 900, Invalid: "token is dated 2030-01-01T00:00:00Z, in the future: this machine's clock is ahead; sync it"}},
			verdict: Unauthorized, code: CodeTokenExpired, fix: "NTP"},
		{name: "STS ExpiredToken",
			snap:    Snapshot{AsMyself: true, Subject: devSess, STS: &STS{Step: Step{Ran: true}, ErrorCode: "ExpiredToken"}},
			verdict: Unauthorized, code: CodeTokenExpired, fix: "refresh the AWS credentials"},
		{name: "token too long",
			snap:    Snapshot{AsMyself: true, Token: &Token{Step: Step{Ran: true}, Size: 5120, Invalid: "token is 5120 bytes, more than the 4096 the authenticator accepts"}},
			verdict: Unauthorized, code: CodeTokenTooLong, fix: "fewer session tags", msg: "5120 bytes"},
		{name: "token without x-k8s-aws-id",
			snap:    Snapshot{AsMyself: true, Token: &Token{Step: Step{Ran: true}, Size: 800, Invalid: "token does not sign the x-k8s-aws-id header: it was not made for an EKS cluster"}},
			verdict: Unauthorized, code: CodeTokenInvalid, fix: "aws eks get-token --cluster-name"},
		{name: "exec plugin uses another profile than the shell",
			snap: with(offline(ModeConfigMap, "arn:aws:sts::999988887777:assumed-role/ProdReadOnly/alice", map[string]string{"mapRoles": adminEntry}), func(s *Snapshot) {
				s.AsMyself = true
				s.Exec = &Exec{Step: Step{Ran: true}, APIVersion: "client.authentication.k8s.io/v1beta1", Command: "aws", Env: map[string]string{"AWS_PROFILE": "prod"}, Profile: "prod"}
				s.STS = &STS{Step: Step{Ran: true}, ARN: "arn:aws:sts::999988887777:assumed-role/ProdReadOnly/alice", Account: "999988887777", ShellARN: "arn:aws:sts::111122223333:assumed-role/Admin/alice"}
			}),
			verdict: Unauthorized, code: CodeExecIdentity, sev: awsauth.SeverityError, msg: "your exec plugin uses AWS_PROFILE=prod",
			fix: "aws sts get-caller-identity --profile prod", cause: "because your exec plugin uses AWS_PROFILE=prod, and arn:aws:iam::999988887777:role/ProdReadOnly is not mapped"},
		{name: "exec plugin assumes another role",
			snap: with(offline(ModeConfigMap, "arn:aws:sts::111122223333:assumed-role/ReadOnly/s1", map[string]string{"mapRoles": adminEntry}), func(s *Snapshot) {
				s.AsMyself = true
				s.Exec = &Exec{Step: Step{Ran: true}, APIVersion: "client.authentication.k8s.io/v1beta1", RoleARN: "arn:aws:iam::111122223333:role/ReadOnly"}
				s.STS = &STS{Step: Step{Ran: true}, ARN: "arn:aws:sts::111122223333:assumed-role/ReadOnly/s1", ShellARN: "arn:aws:sts::111122223333:assumed-role/Admin/alice"}
			}),
			verdict: Unauthorized, code: CodeExecIdentity, msg: "--role-arn arn:aws:iam::111122223333:role/ReadOnly"},
		{name: "exec apiVersion v1alpha1",
			snap: with(offline(ModeConfigMap, devSess, map[string]string{"mapRoles": adminEntry}), func(s *Snapshot) {
				s.AsMyself = true
				s.Exec = &Exec{Step: Step{Ran: true}, Command: "aws", APIVersion: ExecAPIVersionV1Alpha, ClusterName: "prod"}
			}),
			verdict: Unauthorized, code: CodeExecV1Alpha1, fix: "client.authentication.k8s.io/v1beta1", cause: "kubectl 1.24 and later refuse"},
		{name: "no admin left",
			snap: with(offline(ModeConfigMap, userARN, map[string]string{"mapRoles": nodeRole + `- rolearn: arn:aws:iam::111122223333:role/team/Admin
  groups: [system:masters]
`}), func(s *Snapshot) {
				s.Cluster = &Cluster{Step: Step{Ran: true}, Name: "prod", AuthenticationMode: ModeConfigMap, CreatorAdmin: ptr(false)}
			}),
			verdict: Unauthorized, code: CodeNoAdmin, fix: "--access-config authenticationMode=API_AND_CONFIG_MAP", cause: "nobody can map it"},
		{name: "admin left: no finding",
			snap: with(offline(ModeConfigMap, userARN, map[string]string{"mapRoles": adminEntry}), func(s *Snapshot) {
				s.Cluster = &Cluster{Step: Step{Ran: true}, Name: "prod", AuthenticationMode: ModeConfigMap, CreatorAdmin: ptr(false)}
			}),
			verdict: Unauthorized, code: CodeNotMapped, absent: []string{CodeNoAdmin}},
		{name: "aws-auth missing",
			snap:    Snapshot{Subject: userARN, Mode: ModeConfigMap, AWSAuth: &AWSAuth{Step: Step{Ran: true}, Missing: true}},
			verdict: Unauthorized, code: CodeAWSAuthMissing, fix: "kubectl eksaccess add " + userARN, cause: "does not exist"},
		{name: "sso matcher",
			snap: offline(ModeConfigMap, "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Admins_0123456789abcdef/alice@example.com", map[string]string{"mapRoles": `- sso:
    permissionSetName: Admins
    accountID: "111122223333"
  groups: [system:masters]
`}),
			verdict: Unauthorized, code: CodeSSOMatcher, fix: "kubectl eksaccess add arn:aws:iam::111122223333:role/AWSReservedSSO_Admins_0123456789abcdef", also: []string{awsauth.CodeSSOMatcher}},
		{name: "sso role mapped with its path",
			snap: offline(ModeConfigMap, "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Admins_0123456789abcdef/alice", map[string]string{"mapRoles": `- rolearn: arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Admins_0123456789abcdef
  groups: [system:masters]
`}),
			verdict: Unauthorized, code: CodeRolePathMismatch, fix: "remove `aws-reserved/sso.amazonaws.com/eu-west-1/`"},
		{name: "creator is a role the user has not assumed",
			snap: with(offline(ModeConfigMap, userARN, map[string]string{"mapRoles": nodeRole}), func(s *Snapshot) {
				s.Cluster = &Cluster{Step: Step{Ran: true}, Name: "prod", AuthenticationMode: ModeConfigMap, CreatorAdmin: ptr(true), Creator: "arn:aws:iam::111122223333:role/ClusterCreator"}
			}),
			verdict: Unauthorized, code: CodeAssumeRole, sev: awsauth.SeverityWarning,
			fix: "aws sts assume-role --role-arn arn:aws:iam::111122223333:role/ClusterCreator", msg: "the cluster creator"},
		{name: "an admin role is mapped and the user has not assumed it",
			snap:    offline(ModeConfigMap, userARN, map[string]string{"mapRoles": nodeRole + adminEntry}),
			verdict: Unauthorized, code: CodeAssumeRole, fix: "kubectl eksaccess token --cluster-name CLUSTER --role-arn " + adminARN},
		{name: "invalid subject",
			snap:    offline(ModeConfigMap, "arn:aws:s3:::bucket", map[string]string{"mapRoles": nodeRole}),
			verdict: Unknown, code: CodeInvalidSubject, fix: "arn:aws:iam::111122223333:role/NAME"},
		{name: "access entry ignored in CONFIG_MAP",
			snap: with(offline(ModeConfigMap, userARN, map[string]string{"mapRoles": nodeRole}), func(s *Snapshot) {
				s.AccessEntries = entries(AccessEntry{Entry: accessentry.Entry{PrincipalARN: userARN, Type: "STANDARD", Policies: []accessentry.Policy{{ARN: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy", Scope: "cluster"}}}})
			}),
			verdict: Unauthorized, code: CodeAccessEntryIgnored, sev: awsauth.SeverityInfo, fix: "authenticationMode=API_AND_CONFIG_MAP"},
		{name: "kubeconfig server is another cluster",
			snap: with(offline(ModeConfigMap, userARN, map[string]string{"mapUsers": "- userarn: " + userARN + "\n  groups: [system:masters]\n"}), func(s *Snapshot) {
				s.Cluster = &Cluster{Step: Step{Ran: true}, Name: "prod", AuthenticationMode: ModeConfigMap, Endpoint: "https://ABC.gr7.eu-west-1.eks.amazonaws.com", KubeconfigServer: "https://DEF.gr7.eu-west-1.eks.amazonaws.com"}
			}),
			verdict: Authorized, code: CodeEndpointMismatch, fix: "aws eks update-kubeconfig --name prod"},

		// ---- Forbidden ----------------------------------------------------
		{name: "no groups",
			snap:    offline(ModeConfigMap, userARN, map[string]string{"mapUsers": "- userarn: " + userARN + "\n  username: designated\n"}),
			verdict: Forbidden, code: CodeNoGroups, sev: awsauth.SeverityError, fix: "kubectl eksaccess add " + userARN + " --group GROUP --context admin",
			also: []string{awsauth.CodeNoGroups}, user: "designated", source: "aws-auth mapUsers line 1"},
		{name: "mapAccounts: always no groups",
			snap:    offline(ModeConfigMap, userARN, map[string]string{"mapAccounts": "- \"111122223333\"\n"}),
			verdict: Forbidden, code: CodeNoGroups, msg: "mapAccounts never gives groups", source: "aws-auth mapAccounts line 1", user: userARN},
		{name: "groups bound to nothing",
			snap: with(offline(ModeConfigMap, devSess, map[string]string{"mapRoles": "- rolearn: " + devRole + "\n  username: dev:{{SessionName}}\n  groups: [devs]\n"}), func(s *Snapshot) {
				s.Access = denied("default")
			}),
			verdict: Forbidden, code: CodeGroupsUnbound, fix: "kubectl create clusterrolebinding devs-view --clusterrole=view --group=devs --context admin",
			user: "dev:alice", groups: []string{"devs"}, cause: "no RBAC binding names dev:alice or its groups [devs]"},
		{name: "template renders a username RBAC does not know",
			snap: with(offline(ModeConfigMap, "arn:aws:sts::111122223333:assumed-role/Dev/alice@example.com", map[string]string{"mapRoles": "- rolearn: " + devRole + "\n  username: \"{{SessionName}}\"\n"}), func(s *Snapshot) {
				s.Access = denied("default")
			}),
			verdict: Forbidden, code: CodeUsernameUnbound, fix: "--user=alice-example.com", msg: "{{SessionNameRaw}} keeps it", user: "alice-example.com",
			cause: `renders as "alice-example.com"`},
		{name: "duplicate earlier entry shadowed by a later one",
			snap: with(offline(ModeConfigMap, devSess, map[string]string{"mapRoles": "- rolearn: " + devRole + "\n  groups: [system:masters]\n- rolearn: arn:aws:iam::111122223333:role/DEV\n  groups: [viewers]\n"}), func(s *Snapshot) {
				s.Access = denied("default", Binding{Kind: "ClusterRoleBinding", Name: "viewers", Role: "view", Subject: "viewers"})
			}),
			verdict: Forbidden, code: CodeShadowedEntry, fix: "kubectl eksaccess remove arn:aws:iam::111122223333:role/DEV --context admin",
			also: []string{awsauth.CodeShadowed, CodeRBACDenies}, cause: "you lose its groups [system:masters]", source: "aws-auth mapRoles line 3"},
		{name: "scalar groups",
			snap:    offline(ModeConfigMap, userARN, map[string]string{"mapUsers": "- userarn: " + userARN + "\n  username: designated\n  groups: system:masters\n"}),
			verdict: Forbidden, code: CodeBrokenEntry, fix: "groups as a YAML list", also: []string{awsauth.CodeWrongType}, msg: "not a list"},
		{name: "boolean group",
			snap: with(offline(ModeConfigMap, userARN, map[string]string{"mapUsers": "- userarn: " + userARN + "\n  username: designated\n  groups:\n    - no\n"}), func(s *Snapshot) {
				s.Access = denied("default")
			}),
			verdict: Forbidden, code: CodeBrokenEntry, msg: "the boolean false", also: []string{awsauth.CodeWrongType}},
		{name: "merged group name",
			snap: with(offline(ModeConfigMap, "arn:aws:sts::111122223333:assumed-role/Node/i-0123456789abcdef0", map[string]string{"mapRoles": `- rolearn: arn:aws:iam::111122223333:role/Node
  username: system:node:{{EC2PrivateDNSName}}
  groups:
    - system:bootstrappers
     - system:nodes
`}), func(s *Snapshot) { s.Access = denied("") }),
			verdict: Forbidden, code: CodeBrokenEntry, msg: "merged two groups", also: []string{awsauth.CodeMergedGroup}, cause: "read differently than written"},
		{name: "access entry overrides aws-auth mapping",
			snap: with(offline(ModeAPIAndConfigMap, devSess, map[string]string{"mapRoles": "- rolearn: " + devRole + "\n  groups: [system:masters]\n"}), func(s *Snapshot) {
				s.Cluster = &Cluster{Step: Step{Ran: true}, Name: "prod", AuthenticationMode: ModeAPIAndConfigMap}
				s.AccessEntries = entries(AccessEntry{Entry: accessentry.Entry{PrincipalARN: devRole, Type: "STANDARD"}})
				s.Access = denied("default")
			}),
			verdict: Forbidden, code: CodeAccessEntryOverrides, fix: "aws eks delete-access-entry --cluster-name prod --principal-arn " + devRole,
			also: []string{CodeAccessPolicyMissing}, cause: "overrides aws-auth mapRoles line 1, so you lose its groups [system:masters]", source: "access entry " + devRole},
		{name: "access policy missing",
			snap: with(offline(ModeAPI, devSess, nil), func(s *Snapshot) {
				s.AccessEntries = entries(AccessEntry{Entry: accessentry.Entry{PrincipalARN: devRole, Type: "STANDARD"}})
			}),
			verdict: Forbidden, code: CodeAccessPolicyMissing, fix: "aws eks associate-access-policy --cluster-name CLUSTER --principal-arn " + devRole,
			user: "arn:aws:sts::111122223333:assumed-role/Dev/alice"},
		{name: "access policy scoped to another namespace",
			snap: with(offline(ModeAPI, devSess, nil), func(s *Snapshot) {
				s.AccessEntries = entries(AccessEntry{Entry: accessentry.Entry{PrincipalARN: "arn:aws:iam::111122223333:role/teams/Dev", Type: "STANDARD", Policies: []accessentry.Policy{
					{ARN: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy", Scope: "namespace", Namespaces: []string{"team-a", "team-b*"}}}}})
				s.Access = denied("default")
			}),
			verdict: Forbidden, code: CodeAccessPolicyScope, fix: "--access-scope type=namespace,namespaces=team-a,team-b*,default", cause: "not namespace default"},
		{name: "RBAC bindings exist but deny",
			snap: with(offline(ModeConfigMap, devSess, map[string]string{"mapRoles": "- rolearn: " + devRole + "\n  username: dev\n  groups: [devs]\n"}), func(s *Snapshot) {
				s.Access = &Access{Step: Step{Ran: true}, Verb: "delete", Resource: "pods", Namespace: "prod", Bindings: []Binding{{Kind: "RoleBinding", Name: "devs-view", Namespace: "prod", Role: "view", Subject: "devs"}}}
			}),
			verdict: Forbidden, code: CodeRBACDenies, fix: "kubectl create rolebinding dev-pods --clusterrole=edit --group=devs -n prod"},
		{name: "case-variant mapUsers duplicates",
			snap: offline(ModeConfigMap, userARN, map[string]string{"mapUsers": "- userarn: " + userARN + "\n  groups: [system:masters]\n- userarn: arn:aws:iam::111122223333:user/Designated_User\n  groups: [viewers]\n"}),
			// Lookup compares case-insensitively: both entries are candidates.
			verdict: Authorized, code: CodeRandomMapping, fix: "keep exactly one", also: []string{awsauth.CodeAmbiguousUser}},

		// ---- Authorized ---------------------------------------------------
		{name: "authorized by aws-auth system:masters",
			snap:    offline(ModeConfigMap, "arn:aws:sts::111122223333:assumed-role/Admin/alice@example.com", map[string]string{"mapRoles": nodeRole + adminEntry}),
			verdict: Authorized, code: "", source: "aws-auth mapRoles line 6", user: "admin:alice-example.com", groups: []string{"system:masters"},
			absent: []string{CodeNotMapped, CodeNoGroups}, cause: "bypasses RBAC"},
		{name: "access entry with a path matches the pathless session",
			snap: with(offline(ModeAPI, devSess, nil), func(s *Snapshot) {
				s.AccessEntries = entries(AccessEntry{Entry: accessentry.Entry{PrincipalARN: "arn:aws:iam::111122223333:role/teams/Dev", Type: "STANDARD", Username: "dev:{{SessionName}}",
					Policies: []accessentry.Policy{{ARN: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy", Scope: "cluster"}}}})
			}),
			verdict: Authorized, code: "", source: "access entry arn:aws:iam::111122223333:role/teams/Dev", user: "dev:alice", cause: "AmazonEKSViewPolicy"},
		{name: "another principal: an access policy allows what RBAC alone denies",
			snap: with(offline(ModeAPI, devSess, nil), func(s *Snapshot) {
				s.AccessEntries = entries(AccessEntry{Entry: accessentry.Entry{PrincipalARN: devRole, Type: "STANDARD",
					Policies: []accessentry.Policy{{ARN: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy", Scope: "cluster"}}}})
				s.Access = denied("default")
				s.Access.AboutOther = true
			}),
			verdict: Authorized, code: "", source: "access entry " + devRole, cause: "whose access policy AmazonEKSClusterAdminPolicy allows list pods"},
		{name: "another principal: the view policy does not delete",
			snap: with(offline(ModeAPI, devSess, nil), func(s *Snapshot) {
				s.AccessEntries = entries(AccessEntry{Entry: accessentry.Entry{PrincipalARN: devRole, Type: "STANDARD",
					Policies: []accessentry.Policy{{ARN: "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy", Scope: "cluster"}}}})
				s.Access = denied("default")
				s.Access.Verb, s.Access.AboutOther = "delete", true
			}),
			verdict: Forbidden},
		{name: "cluster creator in CONFIG_MAP mode",
			snap: with(offline(ModeConfigMap, "arn:aws:sts::111122223333:assumed-role/ClusterCreator/ci", map[string]string{"mapRoles": nodeRole}), func(s *Snapshot) {
				s.Cluster = &Cluster{Step: Step{Ran: true}, Name: "prod", AuthenticationMode: ModeConfigMap, CreatorAdmin: ptr(true), Creator: "arn:aws:iam::111122223333:role/ClusterCreator"}
			}),
			verdict: Authorized, code: "", source: CreatorSource, user: "kubernetes-admin", groups: []string{"system:masters"}},
		{name: "unknown: nothing gathered",
			snap:    Snapshot{Subject: devSess, Mode: ModeConfigMap},
			verdict: Unknown, code: ""},
	}
	if n := len(tests); n < 30 {
		t.Fatalf("only %d cases", n)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { check(t, tc) })
	}
}

// check asserts one case.
func check(t *testing.T, tc tcase) {
	t.Helper()
	r := Diagnose(tc.snap)
	dump := func() string { b, _ := json.MarshalIndent(r, "", "  "); return string(b) }
	if r.Verdict != tc.verdict {
		t.Fatalf("verdict %q, want %q\n%s", r.Verdict, tc.verdict, dump())
	}
	if r.Cause == "" || strings.Contains(r.Cause, "\n") {
		t.Errorf("cause %q: want one sentence", r.Cause)
	}
	if tc.code != "" {
		f, ok := find(r, tc.code)
		if !ok {
			t.Fatalf("no %s finding\n%s", tc.code, dump())
		}
		if tc.sev != "" && f.Severity != tc.sev {
			t.Errorf("%s severity %s, want %s", tc.code, f.Severity, tc.sev)
		}
		if !strings.Contains(f.Fix, tc.fix) {
			t.Errorf("%s fix %q\nwant it to contain %q", tc.code, f.Fix, tc.fix)
		}
		if !strings.Contains(f.Message, tc.msg) {
			t.Errorf("%s message %q\nwant it to contain %q", tc.code, f.Message, tc.msg)
		}
	}
	for _, c := range tc.also {
		if _, ok := find(r, c); !ok {
			t.Errorf("no %s finding\n%s", c, dump())
		}
	}
	for _, c := range tc.absent {
		if _, ok := find(r, c); ok {
			t.Errorf("unexpected %s finding\n%s", c, dump())
		}
	}
	if !strings.Contains(r.Cause, tc.cause) {
		t.Errorf("cause %q\nwant it to contain %q", r.Cause, tc.cause)
	}
	// Every verdict but authorized prints a fix (output.DiagnosisText shows
	// the error EKSA2xx findings' fixes), and no fix repeats itself.
	fixed := false
	for _, f := range r.Findings {
		fixed = fixed || f.Severity == awsauth.SeverityError && f.Fix != "" && strings.HasPrefix(f.Code, "EKSA2")
		if strings.Count(f.Fix, "create an access entry") > 1 {
			t.Errorf("%s fix says it twice: %q", f.Code, f.Fix)
		}
	}
	if (r.Verdict == Unauthorized || r.Verdict == Forbidden) && !fixed {
		t.Errorf("verdict %s without a fix\n%s", r.Verdict, dump())
	}
	if tc.source != "" && r.Source != tc.source {
		t.Errorf("source %q, want %q", r.Source, tc.source)
	}
	if tc.user != "" && r.Username != tc.user {
		t.Errorf("username %q, want %q", r.Username, tc.user)
	}
	if tc.groups != nil && !slices.Equal(r.Groups, tc.groups) {
		t.Errorf("groups %q, want %q", r.Groups, tc.groups)
	}
	if (r.Verdict == Authorized || r.Verdict == Forbidden) != r.Authenticated {
		t.Errorf("verdict %s with authenticated=%v", r.Verdict, r.Authenticated)
	}
	if r.Verdict != Authorized && r.Verdict != Unknown && !awsauth.HasErrors(r.Findings) {
		t.Errorf("verdict %s without an error finding\n%s", r.Verdict, dump())
	}
	for _, f := range r.Findings {
		if !regexp.MustCompile(`^EKSA[12]\d\d$`).MatchString(f.Code) || f.Message == "" || f.Fix == "" || f.Severity == "" {
			t.Errorf("incomplete finding %+v", f)
		}
	}
}

func find(r Report, code string) (Finding, bool) {
	for _, f := range r.Findings {
		if f.Code == code {
			return f, true
		}
	}
	return Finding{}, false
}

// TestLiveFacts: what the cluster says wins over the simulation, and a
// disagreement is itself a finding.
func TestLiveFacts(t *testing.T) {
	mapped := map[string]string{"mapRoles": "- rolearn: " + devRole + "\n  username: dev:{{SessionName}}\n  groups: [devs]\n"}
	tests := []tcase{
		{name: "aws-auth maps you but the cluster says 401, mode unknown",
			snap: with(offline("", devSess, mapped), func(s *Snapshot) {
				s.AsMyself = true
				s.STS = &STS{Step: Step{Ran: true}, ARN: devSess}
				s.Review = &Review{Step: Step{Ran: true}, Unauthorized: true}
			}),
			verdict: Unauthorized, code: CodeLiveDisagrees, sev: awsauth.SeverityError, msg: "the cluster's authentication mode may be API",
			cause: "the cluster answers 401 although aws-auth mapRoles line 1 maps"},
		{name: "401 in API_AND_CONFIG_MAP without access entries: an access entry may override",
			snap: with(offline(ModeAPIAndConfigMap, devSess, mapped), func(s *Snapshot) {
				s.AsMyself = true
				s.STS = &STS{Step: Step{Ran: true}, ARN: devSess}
				s.Review = &Review{Step: Step{Ran: true}, Unauthorized: true}
			}),
			verdict: Unauthorized, code: CodeLiveDisagrees, msg: "an access entry for you (not read) may override the mapping"},
		{name: "401 and an aws-auth read from a file",
			snap: with(offline(ModeConfigMap, devSess, mapped), func(s *Snapshot) {
				s.AsMyself = true
				s.STS = &STS{Step: Step{Ran: true}, ARN: devSess}
				s.Review = &Review{Step: Step{Ran: true}, Unauthorized: true}
			}),
			verdict: Unauthorized, code: CodeLiveDisagrees, msg: "the aws-auth read from aws-auth.yaml may not be the one in the cluster"},
		{name: "unmapped, but the cluster knows you as kubernetes-admin: the creator",
			snap: with(offline(ModeConfigMap, devSess, map[string]string{"mapRoles": nodeRole}), func(s *Snapshot) {
				s.AsMyself = true
				s.Review = &Review{Step: Step{Ran: true}, Username: "kubernetes-admin", Groups: []string{"system:masters", "system:authenticated"}}
			}),
			verdict: Authorized, code: CodeLiveDisagrees, sev: awsauth.SeverityInfo, msg: "cluster creator", source: CreatorSource,
			user: "kubernetes-admin", absent: []string{CodeNotMapped}},
		{name: "unmapped, but the cluster knows you as someone else",
			snap: with(offline(ModeAPIAndConfigMap, devSess, map[string]string{"mapRoles": nodeRole}), func(s *Snapshot) {
				s.AccessEntries = entries()
				s.Review = &Review{Step: Step{Ran: true}, Username: "dev", Groups: []string{"devs", "system:authenticated"}}
			}),
			verdict: Authorized, code: CodeLiveDisagrees, sev: awsauth.SeverityWarning, msg: "something not read maps you", user: "dev"},
		{name: "the cluster gives other groups: the cluster wins",
			snap: with(offline(ModeConfigMap, devSess, mapped), func(s *Snapshot) {
				s.Review = &Review{Step: Step{Ran: true}, Username: "dev:alice", Groups: []string{"ops", "system:authenticated"}}
			}),
			verdict: Authorized, code: CodeLiveDisagrees, sev: awsauth.SeverityWarning, msg: "gives username dev:alice groups [devs]",
			groups: []string{"ops", "system:authenticated"}},
		{name: "no groups offline is Forbidden, but RBAC allows: Authorized",
			snap: with(offline(ModeConfigMap, userARN, map[string]string{"mapUsers": "- userarn: " + userARN + "\n  username: designated\n"}), func(s *Snapshot) {
				s.Access = &Access{Step: Step{Ran: true}, Verb: "list", Resource: "pods", Namespace: "default", Allowed: true,
					Bindings: []Binding{{Kind: "RoleBinding", Name: "designated", Namespace: "default", Role: "view", Subject: "designated"}}}
			}),
			verdict: Authorized, code: "", absent: []string{CodeNoGroups}, cause: "RBAC allows list pods in namespace default"},
		{name: "groups bound to nothing but system:authenticated's defaults",
			snap: with(offline(ModeConfigMap, devSess, mapped), func(s *Snapshot) {
				s.Review = &Review{Step: Step{Ran: true}, Username: "dev:alice", Groups: []string{"devs", "system:authenticated"}}
				s.Access = denied("default")
				s.Access.Bindings = []Binding{{Kind: "ClusterRoleBinding", Name: "system:basic-user", Role: "ClusterRole/system:basic-user", Subject: "Group system:authenticated"}}
			}),
			verdict: Forbidden, code: CodeGroupsUnbound, absent: []string{CodeRBACDenies}},
		{name: "groups look fine offline, RBAC denies: Forbidden",
			snap: with(offline(ModeConfigMap, devSess, mapped), func(s *Snapshot) {
				s.Review = &Review{Step: Step{Ran: true}, Username: "dev:alice", Groups: []string{"devs", "system:authenticated"}}
				s.Access = denied("kube-system")
			}),
			verdict: Forbidden, code: CodeGroupsUnbound, absent: []string{CodeLiveDisagrees}},
		{name: "a refused token, yet the cluster lets you in: the cluster wins",
			snap: with(offline(ModeConfigMap, "arn:aws:sts::111122223333:assumed-role/Admin/alice", map[string]string{"mapRoles": adminEntry}), func(s *Snapshot) {
				s.Token = &Token{Step: Step{Ran: true}, Size: 900, Invalid: "token X-Amz-Expires is \"1000\", not 0..900"}
				s.Review = &Review{Step: Step{Ran: true}, Username: "admin:alice", Groups: []string{"system:masters", "system:authenticated"}}
			}),
			verdict: Authorized, code: CodeTokenInvalid, user: "admin:alice", source: "aws-auth mapRoles line 1"},
		{name: "401 and nothing readable (no --admin-context): the admin's command",
			snap: Snapshot{Subject: userARN, AsMyself: true, STS: &STS{Step: Step{Ran: true}, ARN: userARN},
				AWSAuth: &AWSAuth{Step: Step{Ran: true, Err: "configmaps \"aws-auth\" is forbidden"}},
				Review:  &Review{Step: Step{Ran: true}, Unauthorized: true}},
			verdict: Unauthorized, code: CodeNotMapped, sev: awsauth.SeverityError,
			fix: "a cluster admin must map " + userARN + ": kubectl eksaccess add " + userARN + " --group GROUP --context ADMIN_CONTEXT, or aws eks create-access-entry"},
		{name: "SelfSubjectReview failed: simulation decides, and says so",
			snap: with(offline(ModeConfigMap, devSess, mapped), func(s *Snapshot) {
				s.Review = &Review{Step: Step{Ran: true, Err: "dial tcp: i/o timeout"}}
			}),
			verdict: Authorized, code: "", user: "dev:alice"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { check(t, tc) })
	}
}

func TestUnchecked(t *testing.T) {
	s := offline("", "arn:aws:sts::111122223333:assumed-role/Admin/alice", map[string]string{"mapRoles": adminEntry})
	s.Exec = &Exec{Step: Step{Skipped: "--arn given"}}
	s.Token = &Token{Step: Step{Skipped: "--arn given"}}
	s.STS = &STS{Step: Step{Ran: true, Err: "no AWS credentials"}}
	s.Cluster = &Cluster{Step: Step{Skipped: "no cluster name", Err: "exec args have no --cluster-name"}}
	s.AccessEntries = &AccessEntries{}
	r := Diagnose(s)
	want := []string{
		"exec plugin: not checked: --arn given",
		"token: not checked: --arn given",
		"STS identity: failed: no AWS credentials",
		"EKS cluster (DescribeCluster): not checked: no cluster name (exec args have no --cluster-name)",
		"access entries: did not run",
		"authentication mode: unknown, assumed CONFIG_MAP (aws-auth only)",
		"no SelfSubjectReview: whether the cluster authenticates you is simulated from aws-auth and access entries",
	}
	for _, w := range want {
		if !slices.Contains(r.Unchecked, w) {
			t.Errorf("Unchecked lacks %q:\n%s", w, strings.Join(r.Unchecked, "\n"))
		}
	}
	if r.Verdict != Authorized {
		t.Errorf("verdict %s", r.Verdict)
	}
}

func TestEvidence(t *testing.T) {
	s := offline(ModeConfigMap, "arn:aws:sts::111122223333:assumed-role/Admin/alice", map[string]string{"mapRoles": nodeRole + adminEntry})
	s.STS = &STS{Step: Step{Ran: true}, ARN: "arn:aws:sts::111122223333:assumed-role/Admin/alice", Account: acct}
	s.Review = &Review{Step: Step{Ran: true}, Username: "admin:alice", Groups: []string{"system:masters", "system:authenticated"}}
	r := Diagnose(s)
	want := []string{
		"STS says you are arn:aws:sts::111122223333:assumed-role/Admin/alice (account 111122223333)",
		"canonical ARN: arn:aws:iam::111122223333:role/Admin (session alice)",
		"aws-auth mapRoles line 6 maps arn:aws:iam::111122223333:role/Admin to username admin:alice groups [system:masters]",
		"SelfSubjectReview: username admin:alice groups [system:masters, system:authenticated]",
	}
	if !slices.Equal(r.Evidence, want) {
		t.Errorf("evidence:\n%s\nwant:\n%s", strings.Join(r.Evidence, "\n"), strings.Join(want, "\n"))
	}
	if r.ARN != s.Subject || r.CanonicalARN != adminARN {
		t.Errorf("arn %q canonical %q", r.ARN, r.CanonicalARN)
	}
	r = Diagnose(with(s, func(s *Snapshot) { s.Review = &Review{Step: Step{Ran: true}, Unauthorized: true} }))
	if !slices.Contains(r.Evidence, "SelfSubjectReview: 401 Unauthorized") {
		t.Errorf("evidence lacks the 401:\n%s", strings.Join(r.Evidence, "\n"))
	}
}

// TestOrder: the root cause's finding comes first, then errors, warnings,
// notes; two runs give the same report.
func TestOrder(t *testing.T) {
	s := offline(ModeConfigMap, "arn:aws:sts::111122223333:assumed-role/Ops/bob", map[string]string{
		"mapRoles": nodeRole + "- rolearn: arn:aws:iam::111122223333:role/team/Ops\n  groups: [system:masters]\n" + adminEntry,
		"maproles": "- rolearn: arn:aws:iam::111122223333:role/Other\n",
	})
	r := Diagnose(s)
	if len(r.Findings) < 3 || r.Findings[0].Code != CodeRolePathMismatch {
		t.Fatalf("first finding %+v, want %s", r.Findings, CodeRolePathMismatch)
	}
	rank := map[awsauth.Severity]int{awsauth.SeverityError: 0, awsauth.SeverityWarning: 1, awsauth.SeverityInfo: 2}
	for i := 2; i < len(r.Findings); i++ {
		if rank[r.Findings[i].Severity] < rank[r.Findings[i-1].Severity] {
			t.Errorf("finding %d (%s %s) after %s", i, r.Findings[i].Severity, r.Findings[i].Code, r.Findings[i-1].Severity)
		}
	}
	a, _ := json.Marshal(r)
	for range 20 {
		b, _ := json.Marshal(Diagnose(s))
		if string(a) != string(b) {
			t.Fatalf("two runs differ:\n%s\n%s", a, b)
		}
	}
}

// TestDiagnoseDocumented makes sure every EKSA2xx code has a section in the
// Diagnose part of docs/findings.md, with a severity, an example and a fix.
func TestDiagnoseDocumented(t *testing.T) {
	src, err := os.ReadFile("diagnose.go")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile("../../docs/findings.md")
	if err != nil {
		t.Fatal(err)
	}
	_, part, ok := strings.Cut(string(doc), "\n## Diagnose (EKSA2xx)\n")
	if !ok {
		t.Fatal("docs/findings.md has no '## Diagnose (EKSA2xx)' section")
	}
	codes := regexp.MustCompile(`"(EKSA\d\d\d)"`).FindAllStringSubmatch(string(src), -1)
	if len(codes) < 30 {
		t.Fatalf("found %d codes in diagnose.go", len(codes))
	}
	seen := map[string]bool{}
	for _, c := range codes {
		code := c[1]
		if !strings.HasPrefix(code, "EKSA2") {
			t.Errorf("%s: diagnose codes are EKSA2xx", code)
		}
		if seen[code] {
			t.Errorf("%s defined twice", code)
		}
		seen[code] = true
		sec := regexp.MustCompile(`(?ms)^## ` + code + `\b.*?(?:^## |\z)`).FindString(part)
		if sec == "" {
			t.Errorf("%s is not documented in docs/findings.md (want a '## %s ...' heading after '## Diagnose (EKSA2xx)')", code, code)
			continue
		}
		for _, want := range []string{"Severity:", "Fix:", "Example:"} {
			if !strings.Contains(sec, want) {
				t.Errorf("%s section lacks %q", code, want)
			}
		}
	}
}

// generate builds aws-auth data with n entries, like pkg/awsauth's
// benchmark: 70% roles (node roles, team roles with templates), 30% users.
func generate(n int) map[string]string {
	var roles, users strings.Builder
	for i := range n {
		account := fmt.Sprintf("%012d", 111122220000+i%37)
		switch {
		case i%10 < 2:
			fmt.Fprintf(&roles, "# owner: platform-%02d@example.com\n- rolearn: arn:aws:iam::%s:role/eks-nodegroup-%04d-NodeInstanceRole\n  username: system:node:{{EC2PrivateDNSName}}\n  groups:\n    - system:bootstrappers\n    - system:nodes\n", i%23, account, i)
		case i%10 < 7:
			fmt.Fprintf(&roles, "- rolearn: arn:aws:iam::%s:role/team-%04d-developers\n  username: team-%04d:{{SessionName}}\n  groups:\n    - team-%04d-developers\n    - viewers\n", account, i, i, i)
		default:
			fmt.Fprintf(&users, "- userarn: arn:aws:iam::%s:user/engineer-%04d@example.com\n  username: engineer-%04d\n  groups:\n    - developers\n", account, i, i)
		}
	}
	return map[string]string{"mapRoles": roles.String(), "mapUsers": users.String(), "mapAccounts": "- \"111122223333\"\n"}
}

// BenchmarkDiagnoseOffline is `diagnose --arn A -f aws-auth.yaml` on a
// 5,000-entry aws-auth: parse, then Diagnose, for an unmapped caller (the
// most work: near misses, hints) and for a mapped one.
func BenchmarkDiagnoseOffline(b *testing.B) {
	data := generate(5000)
	for _, subject := range []string{
		"arn:aws:iam::999988887777:user/nobody",
		"arn:aws:sts::111122220005:assumed-role/team-4995-developers/alice",
	} {
		name := "unmapped"
		if strings.Contains(subject, "sts") {
			name = "mapped"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r := Diagnose(offline(ModeConfigMap, subject, data))
				if r.Verdict == Unknown {
					b.Fatal(r.Cause)
				}
			}
		})
		b.Run(name+"/diagnose-only", func(b *testing.B) {
			s := offline(ModeConfigMap, subject, data)
			b.ReportAllocs()
			for b.Loop() {
				_ = Diagnose(s)
			}
		})
	}
}
