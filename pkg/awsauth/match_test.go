package awsauth

import (
	"errors"
	"slices"
	"testing"
)

func TestLookup(t *testing.T) {
	m := Parse(map[string]string{
		KeyRoles: nodeRole + `- rolearn: arn:aws:iam::111122223333:role/Dev
  username: dev:{{SessionName}}
  groups: ["team-{{AccountID}}"]
- rolearn: arn:aws:iam::111122223333:role/teams/Pathed
  username: pathed
- rolearn: arn:aws:iam::111122223333:user/both
  username: both-from-roles
`,
		KeyUsers: `- userarn: arn:aws:iam::111122223333:user/Bob
  username: bob-upper
- userarn: arn:aws:iam::111122223333:user/bob
  username: bob-lower
- userarn: arn:aws:iam::111122223333:role/CI
  username: ci
- userarn: arn:aws:iam::111122223333:user/both
  username: both-from-users
- userarn: arn:aws:iam::111122223333:user/keys
  username: key-{{AccessKeyID}}-{{SessionNameRaw}}
`,
		KeyAccounts: "- '444455556666'\n",
	})
	tests := []struct {
		caller     string
		want       string // Source of the entry, "" when not mapped
		username   string
		groups     []string
		renderErr  bool
		candidates int
	}{
		{caller: "arn:aws:sts::111122223333:assumed-role/Node/i-0123456789abcdef0", want: "mapRoles line 1", username: "system:node:{{EC2PrivateDNSName}}", groups: []string{"system:bootstrappers", "system:nodes"}},
		{caller: "arn:aws:sts::111122223333:assumed-role/Node/alice", want: "mapRoles line 1", renderErr: true},
		{caller: "arn:aws:sts::111122223333:assumed-role/dev/alice@example.com", want: "mapRoles line 6", username: "dev:alice-example.com", groups: []string{"team-111122223333"}},
		{caller: "arn:aws:sts::111122223333:assumed-role/Pathed/x", want: ""},
		{caller: "arn:aws:iam::111122223333:user/BOB", want: "mapUsers line 3", username: "bob-lower", candidates: 2},
		{caller: "arn:aws:sts::111122223333:assumed-role/CI/build", want: "mapUsers line 5", username: "ci", groups: []string{}},
		{caller: "arn:aws:iam::111122223333:user/both", want: "mapRoles line 11", username: "both-from-roles", groups: []string{}},
		{caller: "arn:aws:iam::111122223333:user/keys", want: "mapUsers line 9", username: "key-ASIAKEY-", groups: []string{}},
		{caller: "arn:aws:sts::444455556666:assumed-role/Any/x", want: "mapAccounts line 1", username: "arn:aws:iam::444455556666:role/Any", groups: []string{}},
		{caller: "arn:aws:iam::999999999999:user/x", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.caller, func(t *testing.T) {
			p, err := Canonicalize(tt.caller)
			if err != nil {
				t.Fatal(err)
			}
			got := m.Lookup(p, "ASIAKEY")
			if tt.want == "" {
				if got != nil {
					t.Fatalf("Lookup = %s, want not mapped", got.Entry.Source())
				}
				return
			}
			if got == nil {
				t.Fatalf("Lookup = not mapped, want %s", tt.want)
			}
			if got.Entry.Source() != tt.want || len(got.Candidates) != tt.candidates {
				t.Fatalf("Lookup = %s with %d candidates, want %s with %d", got.Entry.Source(), len(got.Candidates), tt.want, tt.candidates)
			}
			if tt.renderErr {
				if got.RenderErr == "" {
					t.Fatal("RenderErr is empty, want an EC2PrivateDNSName error")
				}
				return
			}
			if got.RenderErr != "" || got.Username != tt.username || (tt.groups != nil && !slices.Equal(got.Groups, tt.groups)) {
				t.Errorf("username %q groups %q err %q, want %q %q", got.Username, got.Groups, got.RenderErr, tt.username, tt.groups)
			}
		})
	}
}

func TestRender(t *testing.T) {
	alice, _ := Canonicalize("arn:aws:sts::111122223333:assumed-role/Dev/alice@example.com")
	node, _ := Canonicalize("arn:aws:sts::111122223333:assumed-role/Node/i-0123456789abcdef0")
	tests := []struct {
		template string
		p        Principal
		want     string
		err      error
	}{
		{"{{AccountID}}", alice, "111122223333", nil},
		{"u:{{SessionName}}", alice, "u:alice-example.com", nil},
		{"u:{{SessionNameRaw}}", alice, "u:alice@example.com", nil},
		{"{{AccessKeyID}}", alice, "AKID", nil},
		{"{{SessionName}}/{{SessionNameRaw}}", alice, "alice-example.com/alice@example.com", nil},
		{"system:node:{{EC2PrivateDNSName}}", alice, "", ErrNotInstanceSession},
		{"system:node:{{EC2PrivateDNSName}}", node, "system:node:{{EC2PrivateDNSName}}", nil},
		{"plain", alice, "plain", nil},
		{"{{Unknown}}", alice, "{{Unknown}}", nil},
	}
	for _, tt := range tests {
		t.Run(tt.template+"/"+tt.p.SessionName, func(t *testing.T) {
			got, err := Render(tt.template, tt.p, "AKID")
			if got != tt.want || !errors.Is(err, tt.err) {
				t.Errorf("Render(%q) = %q, %v; want %q, %v", tt.template, got, err, tt.want, tt.err)
			}
		})
	}
}
