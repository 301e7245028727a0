package awsauth

import (
	"os"
	"regexp"
	"slices"
	"testing"
)

func codes(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Code)
	}
	return out
}

func TestLint(t *testing.T) {
	tests := []struct {
		name string
		data map[string]string
		want []string
	}{
		{"clean", map[string]string{KeyRoles: nodeRole}, nil},
		{"yaml error", map[string]string{KeyRoles: "- rolearn: a\n\t username: b\n"}, []string{CodeYAMLError}},
		{"single object", map[string]string{KeyRoles: `{"rolearn": "x"}`}, []string{CodeNotAList}},
		{"entry dropped", map[string]string{KeyRoles: nodeRole + "- username: x\n  groups: [g]\n"}, []string{CodeEntryDropped}},
		{"wrong key", map[string]string{KeyRoles: nodeRole + "- userarn: arn:aws:iam::111122223333:user/u\n"}, []string{CodeWrongKey}},
		{"wrong-case key", map[string]string{KeyRoles: nodeRole, "mapusers": "[]"}, []string{CodeWrongCaseKey}},
		{"accounts scalar", map[string]string{KeyRoles: nodeRole, KeyAccounts: "111122223333"}, []string{CodeAccountsInvalid}},
		{"role path", map[string]string{KeyRoles: nodeRole + "- rolearn: arn:aws:iam::111122223333:role/p/A\n  groups: [g]\n"}, []string{CodeRolePath}},
		{"sts arn", map[string]string{KeyRoles: nodeRole + "- rolearn: arn:aws:sts::111122223333:assumed-role/A/s\n  groups: [g]\n"}, []string{CodeSTSARN}},
		{"invalid arn", map[string]string{KeyRoles: nodeRole + "- rolearn: arn:aws:s3:::b\n  groups: [g]\n"}, []string{CodeInvalidARN}},
		{"shadowed", map[string]string{KeyRoles: nodeRole + nodeRole}, []string{CodeShadowed}},
		{"ambiguous users", map[string]string{KeyUsers: "- userarn: arn:aws:iam::111122223333:user/A\n  groups: [g]\n- userarn: arn:aws:iam::111122223333:user/a\n  groups: [g]\n"}, []string{CodeAmbiguousUser, CodeAmbiguousUser}},
		{"wrong type", map[string]string{KeyRoles: nodeRole + "- rolearn: arn:aws:iam::111122223333:role/A\n  username: 1\n  groups: [g]\n"}, []string{CodeWrongType}},
		{"merged group", map[string]string{KeyRoles: "- rolearn: arn:aws:iam::111122223333:role/A\n  groups:\n    - a\n     - b\n"}, []string{CodeMergedGroup}},
		{"reserved username", map[string]string{KeyRoles: "- rolearn: arn:aws:iam::111122223333:role/A\n  username: eks:a\n  groups: [g]\n"}, []string{CodeReservedUsername}},
		{"sso", map[string]string{KeyRoles: nodeRole + "- sso: {permissionSetName: A, accountID: '111122223333'}\n  groups: [g]\n"}, []string{CodeSSOMatcher}},
		{"no groups", map[string]string{KeyRoles: "- rolearn: arn:aws:iam::111122223333:role/A\n  username: a\n"}, []string{CodeNoGroups}},
		{"ec2 template for people", map[string]string{KeyRoles: "- rolearn: arn:aws:iam::111122223333:role/A\n  username: a-{{EC2PrivateDNSName}}\n  groups: [g]\n"}, []string{CodeEC2DNSTemplate}},
		{"unknown field", map[string]string{KeyRoles: "- rolearn: arn:aws:iam::111122223333:role/A\n  note: x\n  groups: [g]\n"}, []string{CodeUnknownField}},
		{"duplicate field", map[string]string{KeyRoles: "- rolearn: arn:aws:iam::111122223333:role/A\n  RoleArn: arn:aws:iam::111122223333:role/A\n  groups: [g]\n"}, []string{CodeDuplicateField}},
		{"user shadowed by role", map[string]string{KeyRoles: "- rolearn: arn:aws:iam::111122223333:role/A\n  groups: [g]\n", KeyUsers: "- userarn: arn:aws:iam::111122223333:role/A\n  groups: [g]\n"}, []string{CodeUserShadowedRole}},
		{"extra document", map[string]string{KeyRoles: nodeRole + "---\n" + nodeRole}, []string{CodeExtraDocument}},
		{"no mappings", map[string]string{KeyRoles: "- rolearn: arn:aws:iam::111122223333:role/p/A\n  groups: [g]\n"}, []string{CodeRolePath, CodeNoMappings}},
		{"role in users", map[string]string{KeyUsers: "- userarn: arn:aws:iam::111122223333:role/A\n  groups: [g]\n"}, []string{CodeRoleInUsers}},
		{"user in roles", map[string]string{KeyRoles: "- rolearn: arn:aws:iam::111122223333:user/A\n  groups: [g]\n"}, []string{CodeUserInRoles}},
		{"account", map[string]string{KeyAccounts: "- '111122223333'\n"}, []string{CodeNoGroups}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := Lint(Parse(tt.data))
			if got := codes(fs); !slices.Equal(got, tt.want) {
				t.Errorf("codes = %q, want %q\n%+v", got, tt.want, fs)
			}
			for _, f := range fs {
				if f.Message == "" || f.Fix == "" || f.Severity == "" {
					t.Errorf("finding %s lacks a message, fix or severity: %+v", f.Code, f)
				}
			}
			if HasErrors(fs) != slices.ContainsFunc(fs, func(f Finding) bool { return f.Severity == SeverityError }) {
				t.Error("HasErrors disagrees with the severities")
			}
		})
	}
}

// TestFindingsDocumented makes sure every code in lint.go has a section in
// docs/findings.md.
func TestFindingsDocumented(t *testing.T) {
	src, err := os.ReadFile("lint.go")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile("../../docs/findings.md")
	if err != nil {
		t.Fatal(err)
	}
	all := regexp.MustCompile(`"(EKSA1\d\d)"`).FindAllStringSubmatch(string(src), -1)
	if len(all) < 20 {
		t.Fatalf("found %d codes in lint.go", len(all))
	}
	for _, c := range all {
		if !regexp.MustCompile(`(?m)^## ` + c[1] + `\b`).Match(doc) {
			t.Errorf("%s is not documented in docs/findings.md (want a '## %s ...' heading)", c[1], c[1])
		}
	}
}
