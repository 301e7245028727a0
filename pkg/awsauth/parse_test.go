package awsauth

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	yamlv2 "go.yaml.in/yaml/v2"
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

// fastPathCases are values where the fast path and the JSON round trip
// could part ways.
var fastPathCases = []string{
	nodeRole,
	"- rolearn: a\n  RoleArn: b\n  ROLEARN: 5\n",
	"- Groups: [a, b, c]\n  gROUPS: [x]\n  groups: [1, 2, 3]\n",
	"- groups: [a, b]\n  Groups: null\n  rolearn: r\n",
	"- sso: x\n- sso: [1]\n- sso: {accountID: 1}\n- Sso: {accountID: '111122223333'}\n  sso: {permissionSetName: Admin}\n",
	"- \u017fso: {accountID: '111122223333', permissionSetName: Admin}\n",
	"- rolearn: r\n  1: a\n  \"1\": b\n",
	"- rolearn: r\n  1.5: a\n  yes: b\n  ~: c\n",
	"- rolearn: r\n  x: .nan\n",
	"- rolearn: !!binary /w==\n",
	"- rolearn: r\n  groups: {a: b, c: [1]}\n",
	"- rolearn: r\n  username: 1e30\n  groups: 0x1F\n- rolearn: r2\n  username: 18446744073709551615\n  groups: [yes, ~, '<a&b>', \"x - y\"]\n",
	"- rolearn: r\n  username: '<&>'\n  groups: '<&>'\n",
	"- rolearn: r\n  username:\n  groups:\n  - a\n  - b\n  userid: u\n",
	"- rolearn: r\n  groups:\n    - a\n    -  b\n",
	"- rolearn: r\n  groups:\n  - a\n    - b\n",
	"- rolearn: r\n  groups:\n  - a\n   # c\n  - b # c\n",
	"  - rolearn: r\n    groups:\n      - a\n  - userarn: u\n",
	"- rolearn: r\n  rolearn: s\n",
	"- rolearn: r\n  username: a:b\n- rolearn: x:\n",
	"- rolearn: r\n  username: 'it''s'\n",
	"- rolearn: r\n  username: \"a\\tb\"\n",
	"- rolearn: r\n  username: NULL\n  groups: [On]\n",
	"- rolearn: r\n  username: Nope\n  groups:\n  - No\n",
	"- rolearn: r\n  username: a\n    b\n",
	"- rolearn: r\n\n# x\u2028  username: b\n",
	"- rolearn: r\n# \u00e9\u00e8 \U0001F600\n  username: b\n",
	"- rolearn: r\r\n  username: b\r\n",
	"- null\n- ~\n- [a]\n- x\n- 5\n- true\n-\n",
	"- rolearn: r\n---\n- rolearn: s\n",
	"- userarn: u\n  rolearn: r\n- Userarn: u\n  username: {{x}}\n",
	"- <<: {rolearn: r}\n  username: u\n",
	"[{rolearn: r}]",
	"{\"rolearn\": \"r\"}",
	"rolearn: r",
	"\"x\"",
	"# only a comment\n",
	"- rolearn: r\n  username: a # b\n",
	"- rolearn: r\n  groups: []\n- rolearn: s\n  groups: [ ]\n",
	"- rolearn: arn:aws:iam::111122223333:role/K\u212a\n  username: system:node:{{EC2PrivateDNSName}}\n",
	"- rolearn: r\n  userİd: 5\n  usern\u0131me: 5\n",
}

// checkFastPath fails when the fast path reads data differently from the
// reference path, and when scanBlockList accepts a value that yaml.v2
// reads differently.
func checkFastPath(t *testing.T, data map[string]string) {
	t.Helper()
	fast, slow := parse(data, false), parse(data, true)
	if !reflect.DeepEqual(fast, slow) {
		t.Errorf("fast path differs for %q:\nfast: %s\nslow: %s", data, dumpMap(fast), dumpMap(slow))
	}
	for _, v := range data {
		items, ok := scanBlockList(v, 0)
		if !ok {
			continue
		}
		var obj any
		if err := yamlv2.Unmarshal([]byte(v), &obj); err != nil {
			t.Errorf("scanBlockList accepts %q, yaml.v2 fails: %v", v, err)
			continue
		}
		want, ok := fromYAML(obj)
		if !ok || want.kind != yList || !reflect.DeepEqual(items, want.list) {
			t.Errorf("scanBlockList reads %q as\n%#v\nyaml.v2 as\n%#v", v, items, want)
		}
	}
}

func dumpMap(m *Map) string {
	var b strings.Builder
	fmt.Fprintf(&b, "keys %+v ignored %v\n", m.Keys, m.IgnoredKeys)
	for _, e := range m.Entries {
		fmt.Fprintf(&b, "%+v sso=%+v groups=%#v\n", *e, e.SSO, e.Groups)
	}
	return b.String()
}

func TestFastPathAgrees(t *testing.T) {
	for _, v := range fastPathCases {
		checkFastPath(t, map[string]string{KeyRoles: v, KeyUsers: v})
	}
	for _, f := range loadFixtures(t) {
		checkFastPath(t, f.Data)
	}
	checkFastPath(t, generate(300))
}

// FuzzFastPath: go test -run '^$' -fuzz FuzzFastPath ./pkg/awsauth/
func FuzzFastPath(f *testing.F) {
	for _, v := range fastPathCases {
		f.Add(v, "")
	}
	for _, fx := range loadFixtures(f) {
		f.Add(fx.Data[KeyRoles], fx.Data[KeyUsers])
	}
	f.Fuzz(func(t *testing.T, roles, users string) {
		checkFastPath(t, map[string]string{KeyRoles: roles, KeyUsers: users})
	})
}
