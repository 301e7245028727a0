package conformance

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	yamlv3 "go.yaml.in/yaml/v3"
)

// editDoc is one aws-auth document the edit test runs every operation on.
type editDoc struct {
	name string
	data map[string]string
}

const (
	acct   = "111122223333"
	acct2  = "444455556666"
	admin  = "arn:aws:iam::111122223333:role/Admin"
	node   = "arn:aws:iam::111122223333:role/eksctl-prod-nodegroup-NodeInstanceRole-1A2B"
	alice  = "arn:aws:iam::111122223333:user/alice"
	newARN = "arn:aws:iam::111122223333:role/NewRole"
)

// handDocs are the shapes real clusters hold, each written as its tool or
// its author writes it.
var handDocs = []editDoc{
	{"eksctl", map[string]string{
		"mapRoles": "- groups:\n  - system:bootstrappers\n  - system:nodes\n  rolearn: " + node + "\n  username: system:node:{{EC2PrivateDNSName}}\n- groups:\n  - system:masters\n  rolearn: " + admin + "\n  username: admin\n",
		"mapUsers": "- groups:\n  - system:masters\n  userarn: " + alice + "\n  username: alice\n",
	}},
	{"terraform-yamlencode", map[string]string{
		"mapRoles":    "- \"groups\":\n  - \"system:bootstrappers\"\n  - \"system:nodes\"\n  \"rolearn\": \"" + node + "\"\n  \"username\": \"system:node:{{EC2PrivateDNSName}}\"\n- \"groups\":\n  - \"system:masters\"\n  \"rolearn\": \"" + admin + "\"\n  \"username\": \"admin\"\n",
		"mapUsers":    "- \"groups\":\n  - \"deployers\"\n  \"userarn\": \"" + alice + "\"\n  \"username\": \"alice\"\n",
		"mapAccounts": "[]\n",
	}},
	{"terraform-groups-flow", map[string]string{
		"mapRoles": "- \"groups\": [\"system:masters\"]\n  \"rolearn\": \"" + admin + "\"\n  \"username\": \"admin\"\n- \"groups\": [\"system:bootstrappers\", \"system:nodes\"]\n  \"rolearn\": \"" + node + "\"\n  \"username\": \"system:node:{{EC2PrivateDNSName}}\"\n",
	}},
	{"cloudformation", map[string]string{
		"mapRoles": "- rolearn: " + node + "\n  username: system:node:{{EC2PrivateDNSName}}\n  groups:\n    - system:bootstrappers\n    - system:nodes\n- rolearn: " + admin + "\n  username: admin\n  groups:\n    - system:masters\n",
	}},
	{"json", map[string]string{
		"mapRoles": `[{"rolearn":"` + admin + `","username":"admin","groups":["system:masters"]},{"rolearn":"` + node + `","username":"system:node:{{EC2PrivateDNSName}}","groups":["system:bootstrappers","system:nodes"]}]`,
		"mapUsers": "[\n  {\n    \"userarn\": \"" + alice + "\",\n    \"username\": \"alice\",\n    \"groups\": [\"devs\"]\n  }\n]\n",
	}},
	{"flow", map[string]string{
		"mapRoles": "[{rolearn: " + admin + ", username: admin, groups: [system:masters]}, {rolearn: " + node + ", username: 'system:node:{{EC2PrivateDNSName}}', groups: [system:bootstrappers, system:nodes]}]\n",
		"mapUsers": "- {userarn: " + alice + ", username: alice, groups: [devs]}\n",
	}},
	{"crlf", map[string]string{
		"mapRoles": "- rolearn: " + admin + "\r\n  username: admin\r\n  groups:\r\n    - system:masters\r\n- rolearn: " + node + "\r\n  username: system:node:{{EC2PrivateDNSName}}\r\n  groups:\r\n    - system:bootstrappers\r\n    - system:nodes\r\n",
		"mapUsers": "- userarn: " + alice + "\r\n  username: alice\r\n",
	}},
	{"bom", map[string]string{
		"mapRoles": "\ufeff- rolearn: " + admin + "\n  username: admin\n  groups:\n    - system:masters\n- rolearn: " + node + "\n  username: system:node:{{EC2PrivateDNSName}}\n  groups: [system:bootstrappers, system:nodes]\n",
		"mapUsers": "\ufeff[{\"userarn\": \"" + alice + "\", \"username\": \"alice\"}]\n",
	}},
	{"tabs", map[string]string{
		"mapRoles": "- rolearn: " + admin + "\t# the admins\n  username: admin\t\n  groups:\n    - system:masters\t#\ttab\n",
		"mapUsers": "- userarn: " + alice + "\n\tusername: alice\n", // a tab indents: the key is broken
	}},
	{"comments-everywhere", map[string]string{
		"mapRoles": "# top comment\n- # after the dash\n  rolearn: " + admin + " # inline arn\n  # inside the entry\n  username: admin # inline username\n  groups: # before the list\n    # inside the list\n    - system:masters # inline group\n  # end of the entry\n# between entries\n- rolearn: " + node + "\n  username: system:node:{{EC2PrivateDNSName}}\n  groups: [system:bootstrappers, system:nodes] # flow groups\n# at the end\n",
		"mapUsers": "# only a comment before\n- userarn: " + alice + "  # alice\n  username: alice\n# after\n",
	}},
	{"markers", map[string]string{
		"mapRoles": "---\n- rolearn: " + admin + "\n  username: admin\n  groups:\n  - system:masters\n...\n",
		"mapUsers": "--- # users\n- userarn: " + alice + "\n  username: alice\n",
	}},
	{"several-documents", map[string]string{
		"mapRoles": "- rolearn: " + admin + "\n  username: admin\n  groups:\n  - system:masters\n---\n- rolearn: arn:aws:iam::111122223333:role/Ignored\n  username: ignored\n",
		"mapUsers": "---\n- userarn: " + alice + "\n  username: alice\n---\n- userarn: arn:aws:iam::111122223333:user/ignored\n",
	}},
	{"null-values", map[string]string{
		"mapRoles":    "~\n# roles will go here\n---\n- rolearn: arn:aws:iam::111122223333:role/Later\n",
		"mapUsers":    "null # nobody yet\n",
		"mapAccounts": "",
	}},
	{"empty-document", map[string]string{
		"mapRoles": "---\n# nothing yet\n---\n- rolearn: arn:aws:iam::111122223333:role/Later\n",
		"mapUsers": "# comment only\n",
	}},
	{"empty-flow", map[string]string{
		"mapRoles":    "[]\n",
		"mapUsers":    "[] # none\n",
		"mapAccounts": "[]",
	}},
	{"duplicate-roles", map[string]string{
		"mapRoles": "- rolearn: " + admin + "\n  username: first\n  groups: [a]\n- rolearn: " + node + "\n  username: system:node:{{EC2PrivateDNSName}}\n  groups: [system:bootstrappers, system:nodes]\n- rolearn: " + strings.ToLower(admin) + "\n  username: second\n  groups: [b]\n",
	}},
	{"case-variant-users", map[string]string{
		"mapUsers": "- userarn: " + alice + "\n  username: alice\n  groups: [devs]\n- userarn: arn:aws:iam::111122223333:user/Alice\n  username: Alice\n  groups: [admins]\n- userarn: arn:aws:iam::111122223333:user/bob\n  username: bob\n",
	}},
	{"same-user-twice", map[string]string{
		"mapUsers": "- userarn: " + alice + "\n  username: alice\n- userarn: arn:aws:iam::111122223333:user/bob\n  username: bob\n- userarn: " + alice + "\n  username: alice\n",
	}},
	{"accounts-twice", map[string]string{
		"mapAccounts": "- \"" + acct2 + "\"\n- " + acct + "\n- " + acct2 + "\n",
		"mapRoles":    "- rolearn: " + admin + "\n  username: admin\n",
	}},
	{"role-in-roles-and-users", map[string]string{
		"mapRoles": "- rolearn: " + admin + "\n  username: admin\n  groups: [system:masters]\n",
		"mapUsers": "- userarn: " + admin + "\n  username: admin-as-user\n",
	}},
	{"role-paths-twins", map[string]string{
		"mapRoles": "- rolearn: arn:aws:iam::111122223333:role/team/Admin\n  username: pathed\n  groups: [system:masters]\n- rolearn: " + admin + "\n  username: admin\n  groups: [system:masters]\n- rolearn: " + node + "\n  username: system:node:{{EC2PrivateDNSName}}\n  groups: [system:bootstrappers, system:nodes]\n",
	}},
	{"role-path-only", map[string]string{
		"mapRoles": "- rolearn: arn:aws:iam::111122223333:role/team/Admin\n  username: pathed\n  groups: [system:masters]\n",
	}},
	{"role-pathless-only", map[string]string{
		"mapRoles": "- rolearn: " + admin + "\n  username: admin\n  groups: [system:masters]\n- rolearn: " + node + "\n  username: system:node:{{EC2PrivateDNSName}}\n",
	}},
	{"sts-arn-in-map", map[string]string{
		"mapRoles": "- rolearn: arn:aws:sts::111122223333:assumed-role/Admin/alice\n  username: sts\n- rolearn: " + node + "\n  username: system:node:{{EC2PrivateDNSName}}\n  groups: [system:bootstrappers, system:nodes]\n",
	}},
	{"sso", map[string]string{
		"mapRoles": "- rolearn: arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Admin_0123456789abcdef\n  username: sso-pathed\n- rolearn: arn:aws:iam::111122223333:role/AWSReservedSSO_Admin_0123456789abcdef\n  username: sso-admin:{{SessionName}}\n  groups: [system:masters]\n- sso:\n    permissionSetName: View\n    accountID: \"111122223333\"\n  username: sso-view\n",
	}},
	{"accounts-numbers", map[string]string{"mapAccounts": "- 111122223333\n- 444455556666\n"}},
	{"accounts-strings", map[string]string{"mapAccounts": "- \"111122223333\"\n- '444455556666' # second\n"}},
	{"accounts-json", map[string]string{"mapAccounts": "[\"111122223333\", \"444455556666\"]"}},
	{"accounts-flow", map[string]string{"mapAccounts": "[111122223333, 444455556666] # both\n"}},
	{"accounts-leading-zero", map[string]string{"mapAccounts": "- 012345678901\n- \"111122223333\"\n"}},
	{"accounts-admit-target", map[string]string{
		"mapAccounts": "- \"111122223333\"\n",
		"mapRoles":    "- rolearn: " + admin + "\n  username: admin\n  groups: [system:masters]\n",
		"mapUsers":    "- userarn: " + alice + "\n  username: alice\n",
	}},
	{"flow-groups-comment", map[string]string{
		"mapRoles": "- rolearn: " + admin + "\n  username: admin\n  groups: [system:masters] # admins only\n",
	}},
	{"non-bmp", map[string]string{
		"mapRoles": "- rolearn: " + admin + "\n  username: \"admin-\U0001F600\"\n  groups: [\"\U0001F600-team\"]\n",
		"mapUsers": "[{\"userarn\": \"" + alice + "\", \"username\": \"alice-\\ud83d\\ude00\"}]\n",
	}},
	{"numeric-username", map[string]string{
		"mapRoles": "- rolearn: " + admin + "\n  username: 12345\n  groups: [system:masters]\n- rolearn: " + node + "\n  username: system:node:{{EC2PrivateDNSName}}\n",
	}},
	{"quoting-mix", map[string]string{
		"mapRoles": "- rolearn: '" + admin + "'\n  username: 'admin'\n  groups:\n  - \"system:masters\"\n- rolearn: " + node + "\n  username: \"system:node:{{EC2PrivateDNSName}}\"\n  groups: ['system:bootstrappers', 'system:nodes']\n",
	}},
	{"key-case", map[string]string{
		"mapRoles": "- roleARN: " + admin + "\n  UserName: admin\n  Groups:\n  - system:masters\n",
		"mapUsers": "- UserArn: " + alice + "\n  userName: alice\n",
	}},
	{"dash-alone", map[string]string{
		"mapRoles": "-\n  rolearn: " + admin + "\n  username: admin\n-\n  rolearn: " + node + "\n  username: system:node:{{EC2PrivateDNSName}}\n",
	}},
	{"deep-indent-no-final-newline", map[string]string{
		"mapRoles": "    -   rolearn: " + admin + "\n        username: admin\n        groups:\n            -   system:masters",
		"mapUsers": "  - userarn: " + alice + "\n    username: alice",
	}},
	{"crlf-bom-json", map[string]string{
		"mapRoles": "\ufeff[\r\n  {\"rolearn\": \"" + admin + "\", \"username\": \"admin\"},\r\n  {\"rolearn\": \"" + node + "\", \"username\": \"n\"}\r\n]\r\n",
	}},
	{"other-keys", map[string]string{
		"mapRoles": "- rolearn: " + admin + "\n  username: admin\n",
		"maproles": "- rolearn: arn:aws:iam::111122223333:role/WrongCase\n",
		"other":    "untouched: true\n",
	}},
	{"no-keys", map[string]string{}},
	{"broken-roles", map[string]string{
		"mapRoles": "- rolearn: " + admin + "\n  username: {{SessionName}}\n",
		"mapUsers": "- userarn: " + alice + "\n  username: alice\n",
	}},
	{"partitions", map[string]string{
		"mapRoles": "- rolearn: arn:aws-cn:iam::111122223333:role/Admin\n  username: cn-admin\n- rolearn: arn:aws-us-gov:iam::111122223333:role/Admin\n  username: gov-admin\n- rolearn: " + admin + "\n  username: admin\n",
	}},
	{"role-arn-case", map[string]string{
		"mapRoles": "- rolearn: ARN:AWS:IAM::111122223333:ROLE/ADMIN\n  username: upper\n",
	}},
}

// fileDocs are the fixtures and edit documents of pkg/awsauth/testdata.
func fileDocs(t testing.TB) []editDoc {
	var docs []editDoc
	for _, f := range loadFixtures(t) {
		docs = append(docs, editDoc{"fixture-" + f.name, f.data})
	}
	paths, _ := filepath.Glob("../../pkg/awsauth/testdata/edit/*.yaml")
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var cm struct {
			Data map[string]string `yaml:"data"`
		}
		if err := yamlv3.Unmarshal(raw, &cm); err != nil {
			continue
		}
		docs = append(docs, editDoc{"edit-" + strings.TrimSuffix(filepath.Base(p), ".yaml"), cm.Data})
	}
	return docs
}

// Entry snippets of every style, for generated documents: %[1]s is the ARN,
// %[2]s a name.
var (
	roleSnippets = []string{
		"- rolearn: %[1]s\n  username: %[2]s\n  groups:\n  - system:masters\n",
		"- \"groups\":\n  - \"devs\"\n  \"rolearn\": \"%[1]s\"\n  \"username\": \"%[2]s:{{SessionName}}\"\n",
		"- {rolearn: %[1]s, username: %[2]s, groups: [a, b]}\n",
		"- rolearn: %[1]s # %[2]s\n  username: %[2]s\n  groups: [x] # g\n",
		"- rolearn: '%[1]s'\n  username: \"%[2]s\"\n",
		"-\n  rolearn: %[1]s\n  # about %[2]s\n  groups:\n    - %[2]s\n",
		"- roleArn: %[1]s\n  UserName: %[2]s\n  groups: []\n",
	}
	userSnippets = []string{
		"- userarn: %[1]s\n  username: %[2]s\n",
		"- \"userarn\": \"%[1]s\"\n  \"username\": \"%[2]s\"\n  \"groups\": [\"g\"]\n",
		"- {userarn: %[1]s, username: %[2]s}\n",
		"- userarn: %[1]s # %[2]s\n  groups:\n  - devs\n",
	}
	roleARNs = []string{admin, node, "arn:aws:iam::111122223333:role/team/Admin", "arn:aws:iam::444455556666:role/Dev", strings.ToLower(admin), "arn:aws:iam::111122223333:role/a/b/Ops", "arn:aws:sts::111122223333:assumed-role/Dev/x", "arn:aws:iam::444455556666:user/bob"}
	userARNs = []string{alice, "arn:aws:iam::111122223333:user/Alice", "arn:aws:iam::444455556666:user/bob", admin, "arn:aws:iam::111122223333:user/ops/carol"}
)

// generatedDocs builds n documents from the snippets, mixing styles,
// duplicates, comments, markers and line endings; the same seed gives the
// same documents.
func generatedDocs(n int, seed uint64) []editDoc {
	r := rand.New(rand.NewPCG(seed, seed))
	var docs []editDoc
	build := func(snips, arns []string) string {
		var b strings.Builder
		if r.IntN(4) == 0 {
			b.WriteString("# generated\n")
		}
		if r.IntN(6) == 0 {
			b.WriteString("---\n")
		}
		for i, k := 0, 1+r.IntN(4); i < k; i++ {
			fmt.Fprintf(&b, snips[r.IntN(len(snips))], arns[r.IntN(len(arns))], fmt.Sprintf("n%d", i))
			if r.IntN(5) == 0 {
				b.WriteString("# between\n")
			}
		}
		s := b.String()
		switch r.IntN(8) {
		case 0:
			s = strings.ReplaceAll(s, "\n", "\r\n")
		case 1:
			s = "\ufeff" + s
		case 2:
			s = strings.TrimSuffix(s, "\n")
		}
		return s
	}
	for i := range n {
		d := map[string]string{}
		if r.IntN(5) > 0 {
			d["mapRoles"] = build(roleSnippets, roleARNs)
		}
		if r.IntN(2) == 0 {
			d["mapUsers"] = build(userSnippets, userARNs)
		}
		switch r.IntN(5) {
		case 0:
			d["mapAccounts"] = "- " + acct2 + "\n"
		case 1:
			d["mapAccounts"] = "[\"" + acct + "\", " + acct2 + "]\n"
		case 2:
			d["mapAccounts"] = "- \"" + acct2 + "\"\n- \"" + acct2 + "\"\n"
		}
		docs = append(docs, editDoc{fmt.Sprintf("gen-%02d", i), d})
	}
	return docs
}

// targetsOf picks the principals an operation is tried on: every role and
// user ARN written in the document (at most a few), a fresh role and user,
// every account, and a fresh account.
func targetsOf(d editDoc) (arns, accounts []string) {
	seen := map[string]bool{}
	keys := slices.Sorted(func(yield func(string) bool) {
		for k := range d.data {
			if !yield(k) {
				return
			}
		}
	})
	for _, k := range keys {
		for _, tok := range arnToken.FindAllString(d.data[k], -1) {
			l := strings.ToLower(tok)
			if !seen[l] && len(arns) < 6 && canonicalLower(tok) != "" && !strings.Contains(l, ":root") {
				seen[l] = true
				arns = append(arns, tok)
			}
		}
		if slices.Contains([]string{"mapAccounts"}, k) {
			for _, n := range acctToken.FindAllString(d.data[k], -1) {
				if !seen[n] {
					seen[n] = true
					accounts = append(accounts, n)
				}
			}
		}
	}
	arns = append(arns, newARN, "arn:aws:iam::111122223333:user/newuser")
	accounts = append(accounts, "999988887777")
	return arns, accounts
}

// opsFor are the operations tried on one ARN: as users type them.
func opsFor(arn string) []flags {
	forms := []string{arn}
	if p := strings.SplitN(arn, ":", 6); len(p) == 6 && strings.HasPrefix(strings.ToLower(p[5]), "role/") {
		base := pathless(arn)
		name := base[strings.LastIndex(base, "/")+1:]
		if base != arn {
			forms = append(forms, base) // the pathless twin
		} else {
			forms = append(forms, strings.Join(p[:5], ":")+":role/team/"+name) // as the IAM console shows a pathed role
		}
		forms = append(forms, "arn:"+p[1]+":sts::"+p[4]+":assumed-role/"+name+"/alice@example.com")
	}
	forms = append(forms, swapCase(arn))
	var out []flags
	for i, f := range forms {
		out = append(out,
			flags{verb: "add", arn: f},
			flags{verb: "remove", arn: f},
			flags{verb: "remove", arn: f, allDuplicates: true},
		)
		if i > 0 {
			continue
		}
		out = append(out,
			flags{verb: "add", arn: f, groups: []string{"devs"}},
			flags{verb: "add", arn: f, username: "ops-\U0001F600:{{SessionName}}", groups: []string{"team-\U0001F680", "yes", "012", "a: b", "#x"}},
			flags{verb: "add", arn: f, appendGroups: true, groups: []string{"devs", "system:masters"}},
			flags{verb: "add", arn: f, node: true},
			flags{verb: "add", arn: f, username: "o'brien \"x\" \\ \t", groups: []string{"null", "~"}},
		)
	}
	return out
}
