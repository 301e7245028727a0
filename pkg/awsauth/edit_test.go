package awsauth

import (
	"errors"
	"flag"
	"fmt"
	"github.com/pmezard/go-difflib/difflib"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	yamlv3 "go.yaml.in/yaml/v3"

	"github.com/eksaccess/kubectl-eksaccess/pkg/awsauth/internal/yamltext"
)

// -update-edit rewrites testdata/edit/*.golden. It has its own name because
// fixtures_test.go already declares -update for testdata/golden.
var updateEdit = flag.Bool("update-edit", false, "rewrite the golden files in testdata/edit")

// editOp parses one "# edit:" line of a test document, written like the
// command line: "add ARN [--username U] [--group G]... [--append-groups]
// [--node] [--force]", "add --account ID", "remove ARN [--all-duplicates]",
// "remove --account ID".
func editOp(line string) (Change, []string, error) {
	f := strings.Fields(line)
	if len(f) < 2 {
		return Change{}, nil, fmt.Errorf("bad op %q", line)
	}
	var target, account, username string
	var groups []string
	var appendGroups, all, node, force, userSet bool
	for i := 1; i < len(f); i++ {
		switch f[i] {
		case "--account":
			i++
			account = f[i]
		case "--username":
			i++
			username, userSet = f[i], true
		case "--group":
			i++
			groups = append(groups, f[i])
		case "--append-groups":
			appendGroups = true
		case "--all-duplicates":
			all = true
		case "--node":
			node = true
		case "--force":
			force = true
		default:
			target = f[i]
		}
	}
	var c Change
	var notices []string
	var err error
	switch {
	case f[0] == "add" && account != "":
		c, err = NormalizeAccount(account)
	case f[0] == "remove" && account != "":
		c = Change{Op: OpRemove, Kind: KindAccount, ARN: account}
	case f[0] == "add":
		c, notices, err = NormalizeTarget(target, node)
	case f[0] == "remove":
		c, notices, err = NormalizeRemove(target)
	default:
		return Change{}, nil, fmt.Errorf("bad op %q", line)
	}
	if err != nil {
		return c, notices, err
	}
	if userSet {
		c.Username, c.UsernameIsDefault = username, false
	}
	if len(groups) > 0 {
		c.Groups = groups
	}
	c.AppendGroups, c.AllDuplicates, c.Force = appendGroups, all, force
	return c, notices, nil
}

// editReadConfigMap reads the data of a ConfigMap manifest.
func editReadConfigMap(t testing.TB, path string) (map[string]string, []string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var cm struct {
		Data map[string]string `yaml:"data"`
	}
	if err := yamlv3.Unmarshal(raw, &cm); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if cm.Data == nil {
		cm.Data = map[string]string{}
	}
	var ops []string
	for _, l := range strings.Split(string(raw), "\n") {
		if op, ok := strings.CutPrefix(l, "# edit: "); ok {
			ops = append(ops, strings.TrimSpace(op))
		}
	}
	return cm.Data, ops
}

// editReport is the golden form of an Apply: what it says, then the
// resulting data as `kubectl get -o yaml` would show it (so CRLF and a
// missing final newline stay visible and exact).
// editDiff is the unified diff of every data key the edit changed, as the
// diff a write shows before it asks (three lines of context).
func editDiff(before, after map[string]string) string {
	var b strings.Builder
	for _, k := range DataKeys {
		if before[k] == after[k] {
			continue
		}
		d, _ := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
			A: difflib.SplitLines(before[k]), B: difflib.SplitLines(after[k]),
			FromFile: "live data." + k, ToFile: "after data." + k, Context: 3,
		})
		b.WriteString(d)
	}
	if b.Len() == 0 {
		return ""
	}
	return "# diff:\n" + b.String()
}

func editReport(op string, notices []string, before map[string]string, res Result, err error) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# edit: %s\n", op)
	if err != nil {
		fmt.Fprintf(&b, "# error: %v\n", err)
		return b.String()
	}
	fmt.Fprintf(&b, "# summary: %s\n# changed: %v\n", res.Summary, res.Changed)
	for _, n := range append(notices, res.Notices...) {
		fmt.Fprintf(&b, "# notice: %s\n", n)
	}
	for _, w := range res.Warnings {
		fmt.Fprintf(&b, "# warning: %s\n", w)
	}
	for _, e := range res.Edits {
		fmt.Fprintf(&b, "# lines: %s old %d-%d new %d-%d\n", e.Key, e.OldStart, e.OldEnd, e.NewStart, e.NewEnd)
	}
	b.WriteString(editDiff(before, res.Data))
	node := &yamlv3.Node{Kind: yamlv3.MappingNode}
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range res.Data {
			if !yield(k) {
				return
			}
		}
	}) {
		v := &yamlv3.Node{Kind: yamlv3.ScalarNode, Tag: "!!str", Value: res.Data[k]}
		if strings.Contains(res.Data[k], "\n") && !strings.Contains(res.Data[k], "\r") && !strings.Contains(res.Data[k], "\t") {
			v.Style = yamlv3.LiteralStyle
		}
		node.Content = append(node.Content, &yamlv3.Node{Kind: yamlv3.ScalarNode, Value: k}, v)
	}
	out, _ := yamlv3.Marshal(&yamlv3.Node{Kind: yamlv3.MappingNode, Content: []*yamlv3.Node{{Kind: yamlv3.ScalarNode, Value: "data"}, node}})
	b.Write(out)
	return b.String()
}

// TestEditGolden applies the "# edit:" operations of every document in
// testdata/edit to it and compares the result with NAME.N-OP.golden.
func TestEditGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/edit/*.yaml")
	if len(files) < 20 {
		t.Fatalf("want at least 20 documents in testdata/edit, have %d", len(files))
	}
	seen := map[string]bool{}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".yaml")
		data, ops := editReadConfigMap(t, file)
		if len(ops) == 0 {
			t.Errorf("%s: no '# edit:' lines", file)
		}
		for i, op := range ops {
			golden := filepath.Join("testdata/edit", fmt.Sprintf("%s.%d-%s.golden", name, i+1, strings.Fields(op)[0]))
			seen[golden] = true
			t.Run(fmt.Sprintf("%s/%d", name, i+1), func(t *testing.T) {
				c, notices, err := editOp(op)
				var res Result
				if err == nil {
					res, err = Apply(data, c)
				}
				if err == nil {
					editCheckMinimal(t, data, res)
					if res.Changed {
						if err := CheckNotWorse(data, res.Data, c); err != nil {
							t.Errorf("Apply's result fails CheckNotWorse: %v", err)
						}
						// Idempotent: adding again changes nothing.
						if c.Op == OpAdd && !c.Force {
							again, err := Apply(res.Data, c)
							if err != nil || again.Changed {
								t.Errorf("second add: changed=%v err=%v", again.Changed, err)
							}
						}
					}
				}
				got := editReport(op, notices, data, res, err)
				if *updateEdit {
					if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
					return
				}
				want, rerr := os.ReadFile(golden)
				if rerr != nil {
					t.Fatalf("%v (run go test ./pkg/awsauth -run EditGolden -update-edit)", rerr)
				}
				if got != string(want) {
					t.Errorf("%s differs (run with -update-edit to accept):\n--- got\n%s\n--- want\n%s", golden, got, want)
				}
			})
		}
	}
	if !*updateEdit {
		goldens, _ := filepath.Glob("testdata/edit/*.golden")
		for _, g := range goldens {
			if !seen[g] {
				t.Errorf("%s: no operation produces it; delete it", g)
			}
		}
	}
}

// editCheckMinimal checks the promise of Apply: keys other than the edited
// ones are untouched, and in an edited key every line outside the reported
// edits is unchanged, in order.
func editCheckMinimal(t testing.TB, before map[string]string, res Result) {
	t.Helper()
	if !res.Changed {
		if !editSameData(before, res.Data) {
			t.Errorf("unchanged result has different data")
		}
		return
	}
	edited := map[string][]Edit{}
	for _, e := range res.Edits {
		edited[e.Key] = append(edited[e.Key], e)
	}
	for k, v := range before {
		if _, ok := edited[k]; !ok && res.Data[k] != v {
			t.Errorf("key %s changed but is not reported as edited", k)
		}
	}
	for k := range res.Data {
		if _, ok := before[k]; !ok && edited[k] == nil {
			t.Errorf("key %s appeared but is not reported as edited", k)
		}
	}
	for k, es := range edited {
		oldLines := editLineTexts(before[k])
		newLines := editLineTexts(res.Data[k])
		keep := func(lines []string, in func(Edit) (int, int)) []string {
			var out []string
			for i, l := range lines {
				n := i + 1
				if !slices.ContainsFunc(es, func(e Edit) bool { a, b := in(e); return n >= a && n <= b }) {
					out = append(out, l)
				}
			}
			return out
		}
		ko := keep(oldLines, func(e Edit) (int, int) { return e.OldStart, e.OldEnd })
		kn := keep(newLines, func(e Edit) (int, int) { return e.NewStart, e.NewEnd })
		if len(ko) != len(kn) {
			t.Errorf("%s: %d lines outside the edits before, %d after\nbefore:\n%q\nafter:\n%q\nedits %+v", k, len(ko), len(kn), before[k], res.Data[k], es)
			continue
		}
		for i := range ko {
			o, n := ko[i], kn[i]
			if o != n && !(i == len(ko)-1 && !strings.HasSuffix(before[k], "\n") && strings.HasPrefix(n, o)) && !(o == strings.TrimRight(n, "\r\n") && len(oldLines) > 0 && o == oldLines[len(oldLines)-1]) {
				t.Errorf("%s: line outside the edits changed: %q -> %q (edits %+v)", k, o, n, es)
				break
			}
		}
	}
}

func editSameData(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// editLineTexts splits a value into lines, each with its line break.
func editLineTexts(s string) []string {
	var out []string
	for _, l := range yamltext.SplitLines(s) {
		out = append(out, s[l.Start:l.Next])
	}
	return out
}

const editNode = `- rolearn: arn:aws:iam::111122223333:role/node
  username: system:node:{{EC2PrivateDNSName}}
  groups:
    - system:bootstrappers
    - system:nodes
`

func TestEditApply(t *testing.T) {
	role := "arn:aws:iam::111122223333:role/dev"
	user := "arn:aws:iam::111122223333:user/designated_user"
	tests := []struct {
		name    string
		data    map[string]string
		change  Change
		want    map[string]string // expected data (nil: only check err)
		changed bool
		summary string
		err     string
	}{
		{
			name:   "add role to eksctl style",
			data:   map[string]string{KeyRoles: editNode},
			change: Change{Op: OpAdd, Kind: KindRole, ARN: role, Username: "dev:{{SessionName}}", Groups: []string{"devs"}},
			want: map[string]string{KeyRoles: editNode + `- rolearn: arn:aws:iam::111122223333:role/dev
  username: "dev:{{SessionName}}"
  groups:
    - devs
`},
			changed: true, summary: "added mapRoles lines 6-9",
		},
		{
			name:   "add user creates mapUsers",
			data:   map[string]string{KeyRoles: editNode},
			change: Change{Op: OpAdd, Kind: KindUser, ARN: user, Username: "designated_user", Groups: []string{"system:masters"}},
			want: map[string]string{KeyRoles: editNode, KeyUsers: `- userarn: arn:aws:iam::111122223333:user/designated_user
  username: designated_user
  groups:
    - system:masters
`},
			changed: true, summary: "created mapUsers with lines 1-4",
		},
		{
			name:    "same add twice is unchanged",
			data:    map[string]string{KeyRoles: editNode},
			change:  Change{Op: OpAdd, Kind: KindRole, ARN: "arn:aws:iam::111122223333:role/node", Username: NodeUsername, UsernameIsDefault: true, Groups: NodeGroups, Node: true},
			want:    map[string]string{KeyRoles: editNode},
			summary: "unchanged: mapRoles line 1 already maps arn:aws:iam::111122223333:role/node",
		},
		{
			name:    "append groups adds one line",
			data:    map[string]string{KeyRoles: editNode},
			change:  Change{Op: OpAdd, Kind: KindRole, ARN: "arn:aws:iam::111122223333:role/NODE", Username: "x", UsernameIsDefault: true, Groups: []string{"extra"}, AppendGroups: true},
			want:    map[string]string{KeyRoles: strings.Replace(editNode, "    - system:nodes\n", "    - system:nodes\n    - extra\n", 1)},
			changed: true, summary: "updated groups of mapRoles line 1",
		},
		{
			name:   "replace groups and username",
			data:   map[string]string{KeyRoles: editNode},
			change: Change{Op: OpAdd, Kind: KindRole, ARN: "arn:aws:iam::111122223333:role/node", Username: "n:{{SessionName}}", Groups: []string{"system:nodes", "x"}},
			want: map[string]string{KeyRoles: `- rolearn: arn:aws:iam::111122223333:role/node
  username: "n:{{SessionName}}"
  groups:
    - system:nodes
    - x
`},
			changed: true, summary: "updated username and groups of mapRoles line 1",
		},
		{
			name: "node on an existing entry sets the node username and groups",
			data: map[string]string{KeyRoles: "- rolearn: arn:aws:iam::111122223333:role/node\n  username: admin\n  groups:\n    - system:masters\n"},
			change: func() Change {
				c, _, _ := NormalizeTarget("arn:aws:iam::111122223333:role/node", true)
				return c
			}(),
			want:    map[string]string{KeyRoles: strings.Replace(editNode, "system:node:{{EC2PrivateDNSName}}", `"system:node:{{EC2PrivateDNSName}}"`, 1)},
			changed: true, summary: "updated username and groups of mapRoles line 1",
		},
		{
			name:    "remove",
			data:    map[string]string{KeyRoles: editNode + "# dev\n- rolearn: " + role + "\n  groups: [a]\n", KeyAccounts: "- \"111122223333\"\n"},
			change:  Change{Op: OpRemove, Kind: KindRole, ARN: role},
			want:    map[string]string{KeyRoles: editNode + "# dev\n", KeyAccounts: "- \"111122223333\"\n"},
			changed: true, summary: "removed mapRoles lines 7-8",
		},
		{
			name:   "remove missing",
			data:   map[string]string{KeyRoles: editNode},
			change: Change{Op: OpRemove, Kind: KindRole, ARN: role},
			err:    "not mapped in aws-auth",
		},
		{
			name:   "broken key refused",
			data:   map[string]string{KeyRoles: "- rolearn: arn:aws:iam::111122223333:role/a\n  username: {{SessionName}}\n"},
			change: Change{Op: OpAdd, Kind: KindRole, ARN: role},
			err:    "aws-auth mapRoles: yaml: invalid map key",
		},
		{
			name:   "not canonical",
			data:   map[string]string{},
			change: Change{Op: OpAdd, Kind: KindRole, ARN: "arn:aws:iam::111122223333:role/p/dev"},
			err:    "normalize it with NormalizeTarget first",
		},
		{
			name:   "bad group",
			data:   map[string]string{},
			change: Change{Op: OpAdd, Kind: KindRole, ARN: role, Groups: []string{"a\nb"}},
			err:    "must be a non-empty line",
		},
		{
			name:    "add account",
			data:    map[string]string{KeyAccounts: "- '111122223333'\n"},
			change:  Change{Op: OpAdd, Kind: KindAccount, ARN: "444455556666"},
			want:    map[string]string{KeyAccounts: "- '111122223333'\n- '444455556666'\n"},
			changed: true, summary: "added mapAccounts line 2",
		},
		{
			name:    "crlf and no final newline",
			data:    map[string]string{KeyUsers: "- userarn: arn:aws:iam::111122223333:user/a\r\n  groups:\r\n  - g"},
			change:  Change{Op: OpAdd, Kind: KindUser, ARN: user, Username: "u", Groups: []string{"g"}},
			want:    map[string]string{KeyUsers: "- userarn: arn:aws:iam::111122223333:user/a\r\n  groups:\r\n  - g\r\n- userarn: arn:aws:iam::111122223333:user/designated_user\r\n  username: u\r\n  groups:\r\n  - g"},
			changed: true, summary: "added mapUsers lines 4-7",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := Apply(tt.data, tt.change)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Changed != tt.changed || res.Summary != tt.summary {
				t.Errorf("changed=%v summary=%q, want %v %q", res.Changed, res.Summary, tt.changed, tt.summary)
			}
			for k, v := range tt.want {
				if res.Data[k] != v {
					t.Errorf("%s:\n%s\nwant:\n%s", k, res.Data[k], v)
				}
			}
			if len(res.Data) != len(tt.want) {
				t.Errorf("data has %d keys, want %d", len(res.Data), len(tt.want))
			}
			editCheckMinimal(t, tt.data, res)
			if res.Changed {
				if err := CheckNotWorse(tt.data, res.Data, tt.change); err != nil {
					t.Error(err)
				}
			}
		})
	}
}

func TestEditRemoveNotFoundIsErrNotFound(t *testing.T) {
	_, err := Apply(map[string]string{}, Change{Op: OpRemove, Kind: KindUser, ARN: "arn:aws:iam::111122223333:user/x"})
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
}

func TestNormalizeTarget(t *testing.T) {
	tests := []struct {
		arn      string
		node     bool
		kind     Kind
		canon    string
		username string
		groups   []string
		notice   string
		err      string
	}{
		{arn: "arn:aws:iam::111122223333:user/designated_user", kind: KindUser, canon: "arn:aws:iam::111122223333:user/designated_user", username: "designated_user"},
		{arn: "arn:aws:iam::111122223333:user/ops/alice", kind: KindUser, canon: "arn:aws:iam::111122223333:user/ops/alice", username: "alice"},
		{arn: "arn:aws:iam::111122223333:role/dev", kind: KindRole, canon: "arn:aws:iam::111122223333:role/dev", username: "dev:{{SessionName}}"},
		{arn: " arn:aws-cn:iam::111122223333:role/dev ", kind: KindRole, canon: "arn:aws-cn:iam::111122223333:role/dev", username: "dev:{{SessionName}}"},
		{arn: "arn:aws:sts::111122223333:assumed-role/dev/alice@example.com", kind: KindRole, canon: "arn:aws:iam::111122223333:role/dev", username: "dev:{{SessionName}}", notice: "is a role session"},
		{arn: "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Admin_0123456789abcdef", kind: KindRole, canon: "arn:aws:iam::111122223333:role/AWSReservedSSO_Admin_0123456789abcdef", username: "AWSReservedSSO_Admin_0123456789abcdef:{{SessionName}}", notice: "without its path"},
		{arn: "arn:aws:iam::111122223333:role/team/dev", kind: KindRole, canon: "arn:aws:iam::111122223333:role/dev", username: "dev:{{SessionName}}", notice: "never matches"},
		{arn: "arn:aws:iam::111122223333:role/node", node: true, kind: KindRole, canon: "arn:aws:iam::111122223333:role/node", username: NodeUsername, groups: NodeGroups},
		{arn: "arn:aws:iam::111122223333:user/node", node: true, err: "--node maps the IAM role"},
		{arn: "arn:aws:iam::111122223333:root", err: "--account 111122223333"},
		{arn: "arn:aws:sts::111122223333:federated-user/bob", err: "federated user"},
		{arn: "arn:aws:s3:::bucket", err: "expected iam or sts"},
		{arn: "arn:aws-mars:iam::111122223333:role/x", err: "recognized partition"},
		{arn: "arn:aws:iam::11112222333:role/x", err: "is not 12 digits"},
		{arn: "arn:aws:iam:us-east-1:111122223333:role/x", err: "IAM ARNs have no region"},
		{arn: "arn:aws:iam::111122223333:role/", err: "has no role name"},
		{arn: "role/x", err: "must start with 'arn:'"},
		{arn: "111122223333", err: "use --account 111122223333"},
		{arn: "arn:aws:iam::111122223333:group/devs", err: "expected user, role or root"},
	}
	for _, tt := range tests {
		t.Run(tt.arn, func(t *testing.T) {
			c, notices, err := NormalizeTarget(tt.arn, tt.node)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Op != OpAdd || c.Kind != tt.kind || c.ARN != tt.canon || c.Username != tt.username || !c.UsernameIsDefault || !slices.Equal(c.Groups, tt.groups) || c.Node != tt.node {
				t.Errorf("got %+v", c)
			}
			if tt.notice == "" && len(notices) > 0 || tt.notice != "" && (len(notices) != 1 || !strings.Contains(notices[0], tt.notice)) {
				t.Errorf("notices = %q, want %q", notices, tt.notice)
			}
			if err := c.validate(); err != nil {
				t.Errorf("normalized change does not validate: %v", err)
			}
		})
	}
	if _, err := NormalizeAccount("12345678901"); err == nil || !strings.Contains(err.Error(), "not 12 digits") {
		t.Errorf("11-digit account: %v", err)
	}
	if c, err := NormalizeAccount("111122223333"); err != nil || c.Kind != KindAccount || c.ARN != "111122223333" {
		t.Errorf("account: %+v %v", c, err)
	}
}

func TestNormalizeTargetUsernameWarnings(t *testing.T) {
	if w := UsernameWarnings(NodeUsername, true); len(w) != 0 {
		t.Errorf("node mapping warned: %q", w)
	}
	for _, u := range []string{"system:admin", "eks:x", "aws:x", "amazon:x", "iam:x", NodeUsername} {
		if w := UsernameWarnings(u, false); len(w) == 0 {
			t.Errorf("%s: no warning", u)
		}
	}
	if w := UsernameWarnings("alice", false); len(w) != 0 {
		t.Errorf("alice warned: %q", w)
	}
}

func TestCheckNotWorse(t *testing.T) {
	role := "arn:aws:iam::111122223333:role/dev"
	add := Change{Op: OpAdd, Kind: KindRole, ARN: role, Username: "dev", Groups: []string{"devs"}}
	good := editNode + "- rolearn: " + role + "\n  username: dev\n  groups: [devs]\n"
	broken := "- rolearn: arn:aws:iam::111122223333:role/a\n  username: {{SessionName}}\n"
	tests := []struct {
		name          string
		before, after map[string]string
		change        Change
		err           string
	}{
		{"ok", map[string]string{KeyRoles: editNode}, map[string]string{KeyRoles: good}, add, ""},
		{"node entry lost", map[string]string{KeyRoles: editNode}, map[string]string{KeyRoles: "- rolearn: " + role + "\n  username: dev\n  groups: [devs]\n"}, add,
			"aws-auth mapRoles: line 1: the entry for arn:aws:iam::111122223333:role/node would no longer load"},
		{"key broken by the change", map[string]string{KeyRoles: editNode}, map[string]string{KeyRoles: editNode + "- rolearn: " + role + "\n  username: {{x}}\n"}, add,
			"would drop every entry of mapRoles"},
		{"target does not load", map[string]string{KeyRoles: editNode}, map[string]string{KeyRoles: editNode + "- roleran: " + role + "\n"}, add,
			"the entry for arn:aws:iam::111122223333:role/dev would not load"},
		{"target shadowed", map[string]string{KeyRoles: editNode + "- rolearn: " + role + "\n  username: old\n"},
			map[string]string{KeyRoles: editNode + "- rolearn: " + role + "\n  username: dev\n  groups: [devs]\n- rolearn: " + role + "\n  username: old\n"}, add,
			"would be shadowed by mapRoles line 9"},
		{"broken key edited", map[string]string{KeyRoles: broken}, map[string]string{KeyRoles: broken + "- rolearn: " + role + "\n"}, add,
			"fix it first or run 'kubectl eksaccess lint'"},
		{"broken key edited with force", map[string]string{KeyRoles: broken, KeyUsers: ""}, map[string]string{KeyRoles: broken + "# x\n", KeyUsers: "- userarn: arn:aws:iam::111122223333:user/u\n"},
			Change{Op: OpAdd, Kind: KindUser, ARN: "arn:aws:iam::111122223333:user/u", Force: true}, ""},
		{"other broken key untouched", map[string]string{KeyRoles: broken}, map[string]string{KeyRoles: broken, KeyUsers: "- userarn: arn:aws:iam::111122223333:user/u\n"},
			Change{Op: OpAdd, Kind: KindUser, ARN: "arn:aws:iam::111122223333:user/u"}, ""},
		{"remove ok", map[string]string{KeyRoles: good}, map[string]string{KeyRoles: editNode}, Change{Op: OpRemove, Kind: KindRole, ARN: role}, ""},
		{"remove nothing", map[string]string{KeyRoles: good}, map[string]string{KeyRoles: good}, Change{Op: OpRemove, Kind: KindRole, ARN: role}, "would still map arn:aws:iam::111122223333:role/dev: refusing to write"},
		{"wrong username", map[string]string{KeyRoles: editNode}, map[string]string{KeyRoles: editNode + "- rolearn: " + role + "\n  username: other\n  groups: [devs]\n"}, add, `username "other", not "dev"`},
		{"duplicate added", map[string]string{KeyRoles: good}, map[string]string{KeyRoles: good + "- rolearn: " + role + "\n  username: dev\n  groups: [devs]\n"}, add, "would be mapped 2 times"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckNotWorse(tt.before, tt.after, tt.change)
			if tt.err == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("err = %v, want %q", err, tt.err)
			}
		})
	}
}

// editGenerate builds an eksctl-and-comments style aws-auth with n entries.
func editGenerate(n int) map[string]string {
	var roles, users strings.Builder
	roles.WriteString("# managed by the platform pipeline\n")
	for i := range n {
		switch {
		case i%10 < 2:
			fmt.Fprintf(&roles, "# nodegroup %d\n- groups:\n  - system:bootstrappers\n  - system:nodes\n  rolearn: arn:aws:iam::111122223333:role/ng-%04d-NodeInstanceRole\n  username: system:node:{{EC2PrivateDNSName}}\n", i, i)
		case i%10 < 7:
			fmt.Fprintf(&roles, "- rolearn: arn:aws:iam::111122223333:role/team-%04d\n  username: \"team-%04d:{{SessionName}}\"\n  groups:\n  - team-%04d\n  - viewers\n", i, i, i)
		default:
			fmt.Fprintf(&users, "- userarn: arn:aws:iam::111122223333:user/engineer-%04d\n  username: engineer-%04d\n  groups:\n  - developers\n", i, i)
		}
	}
	return map[string]string{KeyRoles: roles.String(), KeyUsers: users.String(), KeyAccounts: "- \"111122223333\"\n"}
}

// BenchmarkEditApply measures Apply on a 5,000-entry aws-auth (the issue's
// goal: under 30 ms), and ApplyParsed, the engine without the Parse every
// caller needs anyway.
func BenchmarkEditApply(b *testing.B) {
	data := editGenerate(5000)
	for _, bc := range []struct {
		name string
		c    Change
	}{
		{"add-new-role", Change{Op: OpAdd, Kind: KindRole, ARN: "arn:aws:iam::111122223333:role/designated", Username: "designated:{{SessionName}}", Groups: []string{"devs"}}},
		{"add-new-user", Change{Op: OpAdd, Kind: KindUser, ARN: "arn:aws:iam::111122223333:user/designated_user", Username: "designated_user", Groups: []string{"system:masters"}}},
		{"update-groups", Change{Op: OpAdd, Kind: KindRole, ARN: "arn:aws:iam::111122223333:role/team-2502", Groups: []string{"extra"}, AppendGroups: true}},
		{"remove", Change{Op: OpRemove, Kind: KindRole, ARN: "arn:aws:iam::111122223333:role/team-2502"}},
	} {
		b.Run(bc.name+"/entries=5000", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				res, err := Apply(data, bc.c)
				if err != nil || !res.Changed {
					b.Fatal(err, res.Summary)
				}
			}
		})
		// The engine alone, for a caller that parsed the document already.
		m := Parse(data)
		b.Run(bc.name+"/parsed/entries=5000", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				res, err := ApplyParsed(data, m, bc.c)
				if err != nil || !res.Changed {
					b.Fatal(err, res.Summary)
				}
			}
		})
	}
}
