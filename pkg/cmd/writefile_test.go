package cmd

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	yamlv3 "go.yaml.in/yaml/v3"

	"github.com/eksaccess/kubectl-eksaccess/pkg/kube"
)

// TestFileEditGolden runs every "# edit:" operation of the edit engine's
// golden documents (pkg/awsauth/testdata/edit) through `add`/`remove -f`:
// the file's aws-auth data must be exactly the data of the golden the live
// path is held to, and the file outside the data values the same bytes.
func TestFileEditGolden(t *testing.T) {
	docs, _ := filepath.Glob("../awsauth/testdata/edit/*.yaml")
	if len(docs) < 20 {
		t.Fatalf("want the edit goldens, found %d documents", len(docs))
	}
	var compared, guarded int
	for _, doc := range docs {
		src, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		name := strings.TrimSuffix(filepath.Base(doc), ".yaml")
		var ops []string
		for _, l := range strings.Split(string(src), "\n") {
			if op, ok := strings.CutPrefix(l, "# edit: "); ok {
				ops = append(ops, op)
			}
		}
		before, err := kube.ReadManifest(bytes.NewReader(src))
		if err != nil {
			t.Fatalf("%s: %v", doc, err)
		}
		for i, op := range ops {
			golden := filepath.Join("../awsauth/testdata/edit", name+"."+strconv.Itoa(i+1)+"-"+strings.Fields(op)[0]+".golden")
			t.Run(name+"/"+strconv.Itoa(i+1), func(t *testing.T) {
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatal(err)
				}
				r := run(t, "", append(strings.Fields(op), "-f", doc)...)
				wantErr := strings.Contains(string(want), "\n# error: ")
				switch {
				case wantErr:
					if r.code == 0 {
						t.Errorf("the live edit is refused (%s), the file edit is not", golden)
					}
					return
				case r.code != 0 && strings.Contains(r.stderr, "refusing to write"):
					// A lockout guard: the command refuses what the pure
					// engine does, on a file as on a cluster.
					guarded++
					return
				case r.code != 0 && !strings.Contains(r.stderr, "still gets in"):
					t.Fatalf("exit %d: %s", r.code, r.stderr)
				}
				if strings.Count(r.stderr, "\n") == 0 {
					t.Errorf("no diff or status on stderr")
				}
				got, err := kube.ReadManifest(strings.NewReader(r.stdout))
				if err != nil {
					t.Fatalf("the new file does not read back: %v\n%s", err, r.stdout)
				}
				wantData := goldenData(t, string(want))
				if !equalData(got.Data, wantData) {
					t.Errorf("data differs from %s:\n got %q\nwant %q", golden, got.Data, wantData)
				}
				// Outside the aws-auth data values nothing moved: the
				// head of the file, up to data:, is the same bytes.
				head := string(src)
				if i := strings.Index(head, "\ndata:"); i >= 0 {
					head = head[:i]
				}
				if !strings.HasPrefix(r.stdout, head) {
					t.Errorf("the file before data: changed")
				}
				for k, v := range before.Data {
					if got.Data[k] == v && wantData[k] == v && !strings.Contains(r.stdout, k+":") {
						t.Errorf("unchanged key %s lost", k)
					}
				}
				compared++
			})
		}
	}
	t.Logf("%d file edits compared with their goldens, %d refused by a lockout guard", compared, guarded)
	if compared < 60 {
		t.Errorf("only %d file edits compared with their goldens (%d refused by a guard)", compared, guarded)
	}
}

// goldenData reads the data: section that closes an edit golden.
func goldenData(t *testing.T, golden string) map[string]string {
	t.Helper()
	i := strings.LastIndex(golden, "\ndata:")
	if i < 0 {
		t.Fatalf("no data: in golden")
	}
	var v struct {
		Data map[string]string `yaml:"data"`
	}
	if err := yamlv3.Unmarshal([]byte(golden[i+1:]), &v); err != nil {
		t.Fatal(err)
	}
	return v.Data
}

const gitopsStream = `# base/aws-auth.yaml
apiVersion: v1
kind: Namespace
metadata:
  name: platform
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: aws-auth
  namespace: kube-system
data:
  mapRoles: |
    # nodes
    - rolearn: arn:aws:iam::111122223333:role/eks-node
      username: system:node:{{EC2PrivateDNSName}}
      groups:
        - system:bootstrappers
        - system:nodes
  mapUsers: |
    - userarn: arn:aws:iam::111122223333:user/admin
      username: admin
      groups:
        - system:masters
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: unrelated
data:
  mapUsers: "do not touch"
`

const gitopsList = `{
  "apiVersion": "v1",
  "kind": "List",
  "items": [
    {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "ci"}},
    {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "aws-auth", "namespace": "kube-system"},
     "data": {"mapUsers": "- userarn: arn:aws:iam::111122223333:user/admin\n  username: admin\n  groups:\n  - system:masters\n"}}
  ]
}
`

// TestFileEditDocuments: in a multi-document stream and a v1 List, only the
// aws-auth document's target key changes; the other documents stay byte for
// byte; --in-place writes the file back with its mode; stdin works.
func TestFileEditDocuments(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		// keep must be found whole in the new file.
		keep []string
	}{
		{"stream", gitopsStream, []string{
			"# base/aws-auth.yaml\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: platform\n---\n",
			"  mapRoles: |\n    # nodes\n    - rolearn: arn:aws:iam::111122223333:role/eks-node\n      username: system:node:{{EC2PrivateDNSName}}\n      groups:\n        - system:bootstrappers\n        - system:nodes\n  mapUsers: |\n",
			"---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: unrelated\ndata:\n  mapUsers: \"do not touch\"\n",
		}},
		{"List", gitopsList, []string{
			"{\n  \"apiVersion\": \"v1\",\n  \"kind\": \"List\",\n  \"items\": [\n    {\"apiVersion\": \"v1\", \"kind\": \"ServiceAccount\", \"metadata\": {\"name\": \"ci\"}},\n",
			"  ]\n}\n",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "aws-auth.yaml")
			if err := os.WriteFile(path, []byte(tc.src), 0o640); err != nil {
				t.Fatal(err)
			}
			r := run(t, "", "add", "arn:aws:iam::111122223333:user/dev", "--group", "devs", "-f", path)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			for _, k := range tc.keep {
				if !strings.Contains(r.stdout, k) {
					t.Errorf("lost %q:\n%s", k, r.stdout)
				}
			}
			if !strings.Contains(r.stderr, "+- userarn: arn:aws:iam::111122223333:user/dev") || !strings.Contains(r.stderr, "not checked") {
				t.Errorf("stderr wants the diff and the unchecked guard:\n%s", r.stderr)
			}
			if b, _ := os.ReadFile(path); string(b) != tc.src {
				t.Errorf("without --in-place the file changed")
			}
			// stdin gives the same file.
			if s := run(t, tc.src, "add", "arn:aws:iam::111122223333:user/dev", "--group", "devs", "-f", "-"); s.code != 0 || s.stdout != r.stdout {
				t.Errorf("stdin: exit %d, same output %v: %s", s.code, s.stdout == r.stdout, s.stderr)
			}
			// --dry-run writes nothing to stdout.
			if d := run(t, "", "add", "arn:aws:iam::111122223333:user/dev", "--group", "devs", "-f", path, "--dry-run"); d.code != 0 || d.stdout != "" || !strings.Contains(d.stderr, "not written (dry run)") {
				t.Errorf("dry run: %+v", d)
			}
			// --in-place, then remove brings the data back.
			if w := run(t, "", "add", "arn:aws:iam::111122223333:user/dev", "--group", "devs", "-f", path, "--in-place"); w.code != 0 || w.stdout != "" {
				t.Fatalf("--in-place: %+v", w)
			}
			b, _ := os.ReadFile(path)
			if string(b) != r.stdout {
				t.Errorf("--in-place wrote other bytes than stdout")
			}
			if st, _ := os.Stat(path); st.Mode().Perm() != 0o640 {
				t.Errorf("mode %v, want 0640", st.Mode().Perm())
			}
			if w := run(t, "", "remove", "arn:aws:iam::111122223333:user/dev", "-f", path, "--in-place"); w.code != 0 {
				t.Fatalf("remove --in-place: %+v", w)
			}
			back, _ := kube.ReadManifest(strings.NewReader(tc.src))
			now, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			got, err := kube.ReadManifest(bytes.NewReader(now))
			if err != nil || !equalData(got.Data, back.Data) {
				t.Errorf("add then remove does not give the data back: %v\n%s", err, now)
			}
			if ents, _ := os.ReadDir(filepath.Dir(path)); len(ents) != 1 {
				t.Errorf("temporary files left: %v", ents)
			}
		})
	}
}

// TestFileEditRefusals: the flags that need a cluster, and the guards.
func TestFileEditRefusals(t *testing.T) {
	path := filepath.Join(t.TempDir(), "aws-auth.yaml")
	if err := os.WriteFile(path, []byte(gitopsStream), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"add", "arn:aws:iam::111122223333:user/dev", "-f", path, "--dry-run=server"}, "--dry-run=server needs a cluster"},
		{[]string{"add", "arn:aws:iam::111122223333:user/dev", "-f", path, "-o", "yaml"}, "with -f the new file itself goes to stdout"},
		{[]string{"add", "arn:aws:iam::111122223333:user/dev", "-f", path, "--via", "access-entry"}, "access entries live in the cluster"},
		{[]string{"add", "arn:aws:iam::111122223333:user/dev", "--in-place"}, "--in-place needs -f FILE"},
		{[]string{"add", "arn:aws:iam::111122223333:user/dev", "-f", "-", "--in-place"}, "--in-place needs -f FILE"},
		{[]string{"remove", "arn:aws:iam::111122223333:user/admin", "-f", path}, "refusing to write"},
		{[]string{"remove", "arn:aws:iam::111122223333:role/eks-node", "-f", path}, "refusing to write"},
		{[]string{"add", "arn:aws:iam::111122223333:user/dev", "-f", path + ".missing"}, "cannot read"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := run(t, "", tc.args...)
			if r.code == 0 || !strings.Contains(r.stderr, tc.want) || r.stdout != "" {
				t.Errorf("want a refusal with %q, got exit %d\nstdout %s\nstderr %s", tc.want, r.code, r.stdout, r.stderr)
			}
		})
	}
	if b, _ := os.ReadFile(path); string(b) != gitopsStream {
		t.Errorf("a refused edit changed the file")
	}
}
