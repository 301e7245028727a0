package manifest

import (
	"bytes"
	"strings"
	"testing"

	"github.com/eksaccess/kubectl-eksaccess/pkg/kube"
)

const stream = `# GitOps base
apiVersion: v1
kind: Namespace
metadata:
  name: team-a # keep me
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: aws-auth
  namespace: kube-system
data:
  mapRoles: |   # nodes first
    - rolearn: arn:aws:iam::111122223333:role/eks-node
      username: system:node:{{EC2PrivateDNSName}}
      groups: [system:bootstrappers, system:nodes]

  mapUsers: |-
      - userarn: arn:aws:iam::111122223333:user/alice
        username: alice
---
apiVersion: v1
kind: ConfigMap
metadata: {name: other}
data: {mapRoles: "untouched"}
`

const list = `{"apiVersion": "v1", "kind": "List", "items": [
  {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}},
  {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "aws-auth", "namespace": "kube-system"},
   "data": {"mapRoles": "- rolearn: arn:aws:iam::111122223333:role/A\n  username: a\n"}}
]}
`

// readData reads a manifest's aws-auth data the way the plugin's -f does
// (sigs.k8s.io/yaml, as kubectl): the witness of every edit here.
func readData(t *testing.T, b []byte) map[string]string {
	t.Helper()
	cm, err := kube.ReadManifest(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("does not read back: %v\n%s", err, b)
	}
	return cm.Data
}

func TestSet(t *testing.T) {
	tests := []struct {
		name string
		src  string
		key  string
		val  string
		// keep are pieces of the file that must stay byte for byte.
		keep []string
	}{
		{"block value in a stream", stream, "mapRoles",
			"- rolearn: arn:aws:iam::111122223333:role/eks-node\n  username: system:node:{{EC2PrivateDNSName}}\n  groups: [system:bootstrappers, system:nodes]\n- rolearn: arn:aws:iam::111122223333:role/Dev\n  username: dev\n",
			[]string{"# GitOps base\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-a # keep me\n---\n", "mapRoles: |   # nodes first\n", "\n\n  mapUsers: |-\n      - userarn", "metadata: {name: other}\ndata: {mapRoles: \"untouched\"}\n"}},
		{"block with |- and deeper indentation", stream, "mapUsers",
			"- userarn: arn:aws:iam::111122223333:user/alice\n  username: alice\n- userarn: arn:aws:iam::111122223333:user/bob\n  username: bob",
			[]string{"  mapUsers: |-\n      - userarn: arn:aws:iam::111122223333:user/alice\n        username: alice\n      - userarn: arn:aws:iam::111122223333:user/bob\n        username: bob\n---\n"}},
		{"new key before the first", stream, "mapAccounts", "- \"444455556666\"\n",
			[]string{"data:\n  mapAccounts: |\n    - \"444455556666\"\n  mapRoles: |   # nodes first\n"}},
		{"JSON List item", list, "mapRoles", "- rolearn: arn:aws:iam::111122223333:role/A\n  username: a\n- rolearn: arn:aws:iam::111122223333:role/😀\n",
			[]string{`{"apiVersion": "v1", "kind": "List", "items": [`, `{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}},`, `role/😀\n"}}`}},
		{"new key in a JSON data", list, "mapUsers", "- userarn: arn:aws:iam::111122223333:user/b\n",
			[]string{`"data": {"mapUsers": "- userarn: arn:aws:iam::111122223333:user/b\n", "mapRoles": `}},
		{"CRLF file", strings.ReplaceAll(stream, "\n", "\r\n"), "mapRoles", "- rolearn: arn:aws:iam::111122223333:role/X\n",
			[]string{"mapRoles: |   # nodes first\r\n    - rolearn: arn:aws:iam::111122223333:role/X\r\n\r\n  mapUsers"}},
		{"no final line break", strings.TrimSuffix("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: aws-auth}\ndata:\n  mapRoles: |\n    - rolearn: arn:aws:iam::111122223333:role/A\n", "\n"), "mapRoles", "- rolearn: arn:aws:iam::111122223333:role/B\n",
			[]string{"  mapRoles: |\n    - rolearn: arn:aws:iam::111122223333:role/B"}},
		{"quoted one-line value stays a string", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: aws-auth}\ndata:\n  mapAccounts: '[\"111122223333\"]' # a comment\n", "mapAccounts", `["111122223333", "444455556666"]`,
			[]string{`  mapAccounts: "[\"111122223333\", \"444455556666\"]" # a comment` + "\n"}},
		{"a value a literal block cannot hold", stream, "mapRoles", "- rolearn: arn:aws:iam::111122223333:role/A\r\n",
			[]string{"mapRoles: \"- rolearn: arn:aws:iam::111122223333:role/A\\r\\n\"   # nodes first\n\n  mapUsers"}},
		{"leading space needs an indentation indicator", stream, "mapRoles", "  - rolearn: arn:aws:iam::111122223333:role/A\n",
			[]string{"mapRoles: |2   # nodes first\n"}},
		{"no data yet", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: aws-auth # new\n  namespace: kube-system\n---\nkind: Other\n", "mapUsers", "- userarn: arn:aws:iam::111122223333:user/a\n",
			[]string{"  namespace: kube-system\ndata:\n  mapUsers: |\n    - userarn: arn:aws:iam::111122223333:user/a\n---\nkind: Other\n"}},
		{"no data yet, JSON", `{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "aws-auth"}}`, "mapRoles", "- rolearn: x\n",
			[]string{`{"data": {"mapRoles": "- rolearn: x\n"}, "apiVersion"`}},
		{"empty value", stream, "mapRoles", "", []string{"mapRoles: |-   # nodes first\n\n  mapUsers"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := []byte(tc.src)
			old := readData(t, src)
			f, err := Parse(src)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]string{}
			for k, v := range old {
				want[k] = v
			}
			want[tc.key] = tc.val
			out, err := f.Set(old, want)
			if err != nil {
				t.Fatalf("Set: %v", err)
			}
			got := readData(t, out)
			if len(got) != len(want) {
				t.Errorf("keys: got %d, want %d", len(got), len(want))
			}
			for k, v := range want {
				if got[k] != v {
					t.Errorf("%s reads back as %q, want %q\n%s", k, got[k], v, out)
				}
			}
			for _, s := range tc.keep {
				if !strings.Contains(string(out), s) {
					t.Errorf("lost %q:\n%s", s, out)
				}
			}
			// Unchanged data gives the same bytes.
			same, err := f.Set(old, old)
			if err != nil || !bytes.Equal(same, src) {
				t.Errorf("a no-op Set changed the file (%v)", err)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"no ConfigMap", "apiVersion: v1\nkind: Secret\n", "no ConfigMap named aws-auth"},
		{"two ConfigMaps, no aws-auth", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: b}\n", "no ConfigMap named aws-auth"},
		{"data not a mapping", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: aws-auth}\ndata: [a]\n", "write 'data: {}' first"},
		{"bad YAML", "apiVersion: v1\nkind: ConfigMap\n  bad: [\n", "document 1 is not valid YAML"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.src))
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("got %v, want one line with %q", err, tc.want)
			}
		})
	}
}

func TestSetRefusals(t *testing.T) {
	src := []byte("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: aws-auth}\ndata:\n  mapRoles:\n  mapUsers: [a]\n  mapAccounts: |\n    - \"111122223333\"\n")
	f, err := Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		old, new map[string]string
		want     string
	}{
		{map[string]string{"mapRoles": ""}, map[string]string{"mapRoles": "- rolearn: x\n"}, `write mapRoles: "" in the file first`},
		{map[string]string{"mapUsers": "x"}, map[string]string{"mapUsers": "y"}, "is not a string"},
		{map[string]string{"mapAccounts": "x"}, map[string]string{}, "would be deleted"},
	} {
		if _, err := f.Set(tc.old, tc.new); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got %v, want %q", err, tc.want)
		}
	}
}

func TestLine(t *testing.T) {
	f, err := Parse([]byte(stream))
	if err != nil {
		t.Fatal(err)
	}
	// mapRoles' header is on line 13: its value's line 1 is line 14.
	if got := f.Line("mapRoles", 1); got != 14 {
		t.Errorf("mapRoles line 1 is file line %d, want 14", got)
	}
	if got := f.Line("mapUsers", 2); got != 20 {
		t.Errorf("mapUsers line 2 is file line %d, want 20", got)
	}
	if got := f.Line("mapAccounts", 1); got != 0 {
		t.Errorf("a missing key: %d", got)
	}
	g, _ := Parse([]byte(list))
	if got := g.Line("mapRoles", 2); got != 4 {
		t.Errorf("a JSON string: the key's line, got %d, want 4", got)
	}
}
