package awsauth

import (
	"slices"
	"strings"
	"testing"
)

const nodeRole = `- rolearn: arn:aws:iam::111122223333:role/Node
  username: system:node:{{EC2PrivateDNSName}}
  groups:
    - system:bootstrappers
    - system:nodes
`

// entryState is a compact view of one entry for table tests.
type entryState struct {
	Source string
	ARN    string
	Status string
}

func states(m *Map) []entryState {
	var out []entryState
	for _, e := range m.Entries {
		out = append(out, entryState{e.Source(), e.ARN, e.Status()})
	}
	return out
}

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		data    map[string]string
		want    []entryState
		keyErr  map[string]string // key -> substring of KeyState.Err
		ignored []string
	}{
		{
			name: "node role loads",
			data: map[string]string{KeyRoles: nodeRole},
			want: []entryState{{"mapRoles line 1", "arn:aws:iam::111122223333:role/Node", "ok"}},
		},
		{
			name:   "bad indentation drops the whole key",
			data:   map[string]string{KeyRoles: nodeRole + "- rolearn: arn:aws:iam::111122223333:role/A\n   username: a\n  groups: []\n", KeyUsers: "- userarn: arn:aws:iam::111122223333:user/bob\n  groups: [g]\n"},
			want:   []entryState{{"mapUsers line 1", "arn:aws:iam::111122223333:user/bob", "ok"}},
			keyErr: map[string]string{KeyRoles: "line 7"},
		},
		{
			name:   "unquoted template drops the whole key",
			data:   map[string]string{KeyRoles: nodeRole + "- rolearn: arn:aws:iam::111122223333:role/A\n  username: {{SessionName}}\n"},
			keyErr: map[string]string{KeyRoles: "invalid map key"},
		},
		{
			name:   "single object",
			data:   map[string]string{KeyRoles: `{"rolearn": "arn:aws:iam::111122223333:role/A"}`},
			keyErr: map[string]string{KeyRoles: "single mapping"},
		},
		{
			name: "missing rolearn drops one entry",
			data: map[string]string{KeyRoles: nodeRole + "- username: admin\n  groups: [system:masters]\n"},
			want: []entryState{
				{"mapRoles line 1", "arn:aws:iam::111122223333:role/Node", "ok"},
				{"mapRoles line 6", "", "dropped: no rolearn"},
			},
		},
		{
			name: "userarn under mapRoles",
			data: map[string]string{KeyRoles: "- userarn: arn:aws:iam::111122223333:user/bob\n"},
			want: []entryState{{"mapRoles line 1", "", "dropped: userarn under mapRoles (move it to mapUsers or use rolearn)"}},
		},
		{
			name: "rolearn under mapUsers",
			data: map[string]string{KeyUsers: "- rolearn: arn:aws:iam::111122223333:role/A\n"},
			want: []entryState{{"mapUsers line 1", "", "dropped: rolearn under mapUsers (move it to mapRoles or use userarn)"}},
		},
		{
			name: "misspelled rolearn",
			data: map[string]string{KeyRoles: "- rolarn: arn:aws:iam::111122223333:role/A\n"},
			want: []entryState{{"mapRoles line 1", "", `dropped: no rolearn (unknown key "rolarn": misspelled?)`}},
		},
		{
			name: "case-insensitive entry keys",
			data: map[string]string{KeyRoles: "- RoLeArN: arn:aws:iam::111122223333:role/A\n  GROUPS: [g]\n"},
			want: []entryState{{"mapRoles line 1", "arn:aws:iam::111122223333:role/A", "ok"}},
		},
		{
			name: "last duplicate role wins, case-insensitively",
			data: map[string]string{KeyRoles: "- rolearn: arn:aws:iam::111122223333:role/A\n- rolearn: arn:aws:iam::111122223333:role/a\n"},
			want: []entryState{
				{"mapRoles line 1", "arn:aws:iam::111122223333:role/A", "shadowed by line 2"},
				{"mapRoles line 2", "arn:aws:iam::111122223333:role/a", "ok"},
			},
		},
		{
			name: "case-variant users are ambiguous",
			data: map[string]string{KeyUsers: "- userarn: arn:aws:iam::111122223333:user/Bob\n- userarn: arn:aws:iam::111122223333:user/bob\n"},
			want: []entryState{
				{"mapUsers line 1", "arn:aws:iam::111122223333:user/Bob", "ambiguous with line 2"},
				{"mapUsers line 2", "arn:aws:iam::111122223333:user/bob", "ambiguous with line 1"},
			},
		},
		{
			name: "exact duplicate users: last wins",
			data: map[string]string{KeyUsers: "- userarn: arn:aws:iam::111122223333:user/bob\n- userarn: arn:aws:iam::111122223333:user/bob\n"},
			want: []entryState{
				{"mapUsers line 1", "arn:aws:iam::111122223333:user/bob", "shadowed by line 2"},
				{"mapUsers line 2", "arn:aws:iam::111122223333:user/bob", "ok"},
			},
		},
		{
			name: "mapRoles shadows mapUsers",
			data: map[string]string{KeyRoles: "- rolearn: arn:aws:iam::111122223333:user/bob\n", KeyUsers: "- userarn: arn:aws:iam::111122223333:user/Bob\n"},
			want: []entryState{
				{"mapRoles line 1", "arn:aws:iam::111122223333:user/bob", "ok"},
				{"mapUsers line 1", "arn:aws:iam::111122223333:user/Bob", "shadowed by mapRoles line 1"},
			},
		},
		{
			name: "never: path, sts, partition, spaces",
			data: map[string]string{KeyRoles: "- rolearn: arn:aws:iam::111122223333:role/p/A\n- rolearn: arn:aws:sts::111122223333:assumed-role/A/s\n- rolearn: arn:aws-moon:iam::111122223333:role/A\n- rolearn: ' arn:aws:iam::111122223333:role/A'\n"},
			want: []entryState{
				{"mapRoles line 1", "arn:aws:iam::111122223333:role/p/A", "never matches: role path"},
				{"mapRoles line 2", "arn:aws:sts::111122223333:assumed-role/A/s", "never matches: sts ARN"},
				{"mapRoles line 3", "arn:aws-moon:iam::111122223333:role/A", "never matches: invalid ARN"},
				{"mapRoles line 4", " arn:aws:iam::111122223333:role/A", "never matches: spaces around the ARN"},
			},
		},
		{
			name: "sso matcher",
			data: map[string]string{KeyRoles: "- sso: {permissionSetName: Admin, accountID: '111122223333'}\n- sso: {permissionSetName: Admin, accountID: '111122223333', partition: aws-cn}\n- sso: {permissionSetName: Admin, accountID: '1111'}\n"},
			want: []entryState{
				{"mapRoles line 1", "", "never matches: sso matcher is alpha, off unless the SSORoleMatch feature gate is set"},
				{"mapRoles line 2", "", "never matches: sso matcher with an explicit partition (authenticator bug)"},
				{"mapRoles line 3", "", `dropped: sso accountID "1111" is not a 12-digit account ID`},
			},
		},
		{
			name: "mapAccounts keeps a leading zero and skips a mapping",
			data: map[string]string{KeyAccounts: "- 012345678901\n- {a: b}\n- \"111122223333\"\n"},
			want: []entryState{
				{"mapAccounts line 1", "012345678901", "ok"},
				{"mapAccounts line 2", "", "dropped: not an account ID (a mapping or a list)"},
				{"mapAccounts line 3", "111122223333", "ok"},
			},
		},
		{
			name:   "mapAccounts scalar",
			data:   map[string]string{KeyAccounts: "111122223333"},
			keyErr: map[string]string{KeyAccounts: "cannot unmarshal !!int `1111222...` into []string"},
		},
		{
			name:    "wrong-case keys are ignored",
			data:    map[string]string{"maproles": nodeRole, "MAPUSERS": "[]", "other": "x"},
			ignored: []string{"MAPUSERS", "maproles"},
		},
		{
			name: "empty values are skipped",
			data: map[string]string{KeyRoles: `""`, KeyUsers: " '' ", KeyAccounts: "``"},
		},
		{
			name: "only the first document",
			data: map[string]string{KeyRoles: nodeRole + "---\n- rolearn: arn:aws:iam::111122223333:role/B\n"},
			want: []entryState{{"mapRoles line 1", "arn:aws:iam::111122223333:role/Node", "ok"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := Parse(tt.data)
			if got := states(m); !slices.Equal(got, tt.want) {
				t.Errorf("entries:\n got  %+v\n want %+v", got, tt.want)
			}
			for _, k := range m.Keys {
				want := tt.keyErr[k.Key]
				if (want == "") != (k.Err == "") || !strings.Contains(k.Err, want) {
					t.Errorf("%s: Err = %q, want it to contain %q", k.Key, k.Err, want)
				}
			}
			if !slices.Equal(m.IgnoredKeys, tt.ignored) {
				t.Errorf("IgnoredKeys = %q, want %q", m.IgnoredKeys, tt.ignored)
			}
		})
	}
}

func TestParseDetails(t *testing.T) {
	m := Parse(map[string]string{
		KeyRoles: "- rolearn: arn:aws:iam::111122223333:role/Second\n  RoleArn: arn:aws:iam::111122223333:role/First\n  note: x\n  username: 12\n  groups: devs\n" +
			"- rolearn: arn:aws:iam::111122223333:role/B\n  groups:\n    - a\n     - b\n    - no\n",
		KeyUsers:    "- userarn: arn:aws:iam::111122223333:user/u\r\n  username: u\r\n",
		KeyAccounts: "- 111122223333\n---\n- 2\n",
	})
	e := m.Entries[0]
	if e.ARN != "arn:aws:iam::111122223333:role/Second" {
		t.Errorf("rolearn and RoleArn: ARN = %q, want the lower-case key's value", e.ARN)
	}
	if !slices.Equal(e.DuplicateFields, []string{"RoleArn and rolearn"}) {
		t.Errorf("DuplicateFields = %q", e.DuplicateFields)
	}
	if !slices.Equal(e.UnknownFields, []string{"note"}) {
		t.Errorf("UnknownFields = %q", e.UnknownFields)
	}
	if e.Username != "" || e.Groups != nil || len(e.FieldProblems) != 2 {
		t.Errorf("username %q groups %q problems %q: want empty, nil and two problems", e.Username, e.Groups, e.FieldProblems)
	}
	b := m.Entries[1]
	if !slices.Equal(b.Groups, []string{"a - b", ""}) || len(b.FieldProblems) != 2 {
		t.Errorf("merged dash and boolean: groups %q problems %q", b.Groups, b.FieldProblems)
	}
	if u := m.Entries[2]; u.Username != "u" || u.ARN != "arn:aws:iam::111122223333:user/u" || !u.Loaded {
		t.Errorf("CRLF user: %+v", u)
	}
	if k := m.Key(KeyAccounts); k.ExtraDocuments != 1 || len(m.Entries) != 4 {
		t.Errorf("mapAccounts: extra documents %d, entries %d; want 1 and 4", k.ExtraDocuments, len(m.Entries))
	}
	if !m.Entries[0].Effective() || m.Entries[3].Status() != "ok" {
		t.Errorf("Effective/Status wrong: %v %q", m.Entries[0].Effective(), m.Entries[3].Status())
	}
}
