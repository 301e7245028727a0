package cmd

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/cli-runtime/pkg/genericiooptions"
	"sigs.k8s.io/yaml"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// result is what one run of the command left behind.
type result struct {
	code   int
	stdout string
	stderr string
}

// run executes `kubectl eksaccess args...` in-process with buffers.
func run(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	streams := genericiooptions.IOStreams{In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut}
	code := Execute(context.Background(), streams, args)
	return result{code: code, stdout: out.String(), stderr: errOut.String()}
}

// golden compares got with testdata/NAME, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run 'go test ./pkg/cmd -update' to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file (run with -update if the change is right)\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

func TestVersion(t *testing.T) {
	r := run(t, "", "version", "-o", "json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var v map[string]string
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.stdout)
	}
	if v["kind"] != "Version" || v["apiVersion"] != "eksaccess.dev/v1alpha1" || v["version"] != version {
		t.Errorf("unexpected version object: %v", v)
	}
	if r := run(t, "", "version"); !strings.HasPrefix(r.stdout, "kubectl-eksaccess "+version) {
		t.Errorf("plain version = %q", r.stdout)
	}
	if r := run(t, "", "version", "-o", "xml"); r.code != 1 || !strings.Contains(r.stderr, `unknown output format "xml"`) {
		t.Errorf("bad -o accepted: %+v", r)
	}
}

func TestRootHelp(t *testing.T) {
	r := run(t, "", "--help")
	if !strings.Contains(r.stdout, "kubectl eksaccess [command]") {
		t.Errorf("help does not read 'kubectl eksaccess':\n%s", r.stdout)
	}
	for _, gone := range []string{"--username", "--password", "--namespace"} {
		if strings.Contains(r.stdout, gone) {
			t.Errorf("root help offers %s, which must not exist", gone)
		}
	}
	for _, want := range []string{"--kubeconfig", "--context", "--cluster", "--user", "--as", "--as-group", "--request-timeout"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("root help lacks %s", want)
		}
	}
}

func TestFileGolden(t *testing.T) {
	for _, tc := range []struct {
		golden string
		args   []string
		code   int
	}{
		{"list-mixed.golden", []string{"list", "-f", "testdata/aws-auth-mixed.yaml", "-o", "wide"}, 0},
		{"list-mixed.json.golden", []string{"list", "-f", "testdata/aws-auth-mixed.yaml", "-o", "json"}, 0},
		{"lint-mixed.golden", []string{"lint", "-f", "testdata/aws-auth-mixed.yaml"}, 1},
		{"lint-ok.golden", []string{"lint", "-f", "testdata/aws-auth-ok.yaml"}, 0},
		{"lint-mixed.json.golden", []string{"lint", "-f", "testdata/aws-auth-mixed.yaml", "-o", "json"}, 1},
		{"list-arn.golden", []string{"list", "-f", "testdata/aws-auth-mixed.yaml", "--arn", "arn:aws:sts::111122223333:assumed-role/dev/alice@example.com"}, 0},
		{"list-mixed.name.golden", []string{"list", "-f", "testdata/aws-auth-mixed.yaml", "-o", "name"}, 0},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			r := run(t, "", tc.args...)
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d; stderr: %s", r.code, tc.code, r.stderr)
			}
			golden(t, tc.golden, r.stdout)
		})
	}
}

func TestListARN(t *testing.T) {
	r := run(t, "", "list", "-f", "testdata/aws-auth-ok.yaml", "--arn", "arn:aws:sts::111122223333:assumed-role/Admin/jane@example.com", "-o", "json")
	var l struct{ Items []map[string]any }
	if err := json.Unmarshal([]byte(r.stdout), &l); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.stdout)
	}
	if len(l.Items) != 1 || l.Items[0]["arn"] != "arn:aws:iam::111122223333:role/Admin" || l.Items[0]["source"] != "mapRoles line 6" {
		t.Errorf("wrong entry for the Admin session: %v", l.Items)
	}
	r = run(t, "", "list", "-f", "testdata/aws-auth-ok.yaml", "--arn", "arn:aws:iam::111122223333:user/nobody")
	if r.code != 0 || r.stdout != "" || !strings.Contains(r.stderr, "No entry of aws-auth") || !strings.Contains(r.stderr, "401 Unauthorized") {
		t.Errorf("unmapped ARN: %+v", r)
	}
	r = run(t, "", "list", "-f", "testdata/aws-auth-ok.yaml", "--arn", "arn:aws:s3:::bucket")
	if r.code != 1 || !strings.Contains(r.stderr, "--arn") || !strings.Contains(r.stderr, "not a valid service") {
		t.Errorf("bad --arn: %+v", r)
	}
}

// TestBadInput feeds every malformed input we can think of to list and lint:
// each must end with a one-line error naming the fix, and a non-zero exit.
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	big := bytes.Repeat([]byte("# padding\n"), (2<<20)/10+10)
	junk := make([]byte, 4096)
	for i := range junk {
		junk[i] = byte(i * 7)
	}
	for _, tc := range []struct {
		name, file, stdin, want string
	}{
		{"not yaml", write("bad.yaml", []byte("data: [unclosed\n  - x: {\n")), "", "not valid YAML"},
		{"not a configmap", write("deploy.yaml", []byte("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n")), "", "no ConfigMap (found Deployment/web)"},
		{"two MiB", write("big.yaml", big), "", "larger than 2 MiB"},
		{"binary junk", write("junk.bin", junk), "", "not text"},
		{"empty", write("empty.yaml", nil), "", "it is empty"},
		{"no kind", write("plain.yaml", []byte("mapRoles: |\n  - rolearn: x\n")), "", "pass the aws-auth ConfigMap manifest"},
		{"data not strings", write("nonstring.yaml", []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: aws-auth\ndata:\n  mapRoles:\n    - rolearn: x\n")), "", "must be a string"},
		{"unknown configmap field", write("unknownfield.yaml", []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: aws-auth\nmapRoles: |\n  - rolearn: x\n")), "", `unknown field "mapRoles": indent mapRoles under data:`},
		{"configmap with a status", write("status.yaml", []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: aws-auth\nstatus: {}\ndata:\n  mapRoles: \"\"\n")), "", `unknown field "status": remove it: a ConfigMap has apiVersion, kind, metadata, immutable, data, binaryData`},
		{"data key in another case", write("casedata.yaml", []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: aws-auth\nData:\n  mapRoles: \"\"\n")), "", `unknown field "Data": spell it data (field names are case-sensitive)`},
		{"other configmaps only", write("others.yaml", []byte("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n")), "", "none is named aws-auth"},
		{"missing file", filepath.Join(dir, "nope.yaml"), "", "no such file"},
		{"stdin junk", "-", "\x00\x01\x02", "stdin: it is not text"},
	} {
		for _, verb := range []string{"list", "lint"} {
			t.Run(verb+"/"+tc.name, func(t *testing.T) {
				r := run(t, tc.stdin, verb, "-f", tc.file)
				if r.code == 0 {
					t.Fatalf("exit 0 for bad input; stdout: %s", r.stdout)
				}
				if !strings.Contains(r.stderr, tc.want) {
					t.Errorf("stderr %q does not contain %q", r.stderr, tc.want)
				}
				if n := strings.Count(strings.TrimSpace(r.stderr), "\n"); n != 0 || !strings.HasPrefix(r.stderr, "error: ") {
					t.Errorf("want one 'error:' line, got %q", r.stderr)
				}
			})
		}
	}
}

func TestMultiDocumentManifest(t *testing.T) {
	ok, err := os.ReadFile("testdata/aws-auth-ok.yaml")
	if err != nil {
		t.Fatal(err)
	}
	stream := "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\n  namespace: kube-system\ndata: {}\n---\n" + string(ok)
	r := run(t, stream, "list", "-f", "-", "-o", "json")
	if r.code != 0 || !strings.Contains(r.stdout, "designated_user") {
		t.Errorf("aws-auth not found in a multi-document stream: %+v", r)
	}
	list := `{"apiVersion":"v1","kind":"List","items":[` + mustJSON(t, ok) + `]}`
	if r := run(t, list, "lint", "-f", "-"); r.code != 0 || !strings.Contains(r.stdout, "no findings") {
		t.Errorf("aws-auth not found in a v1 List: %+v", r)
	}
}

func mustJSON(t *testing.T, yamlDoc []byte) string {
	t.Helper()
	js, err := yaml.YAMLToJSON(yamlDoc)
	if err != nil {
		t.Fatal(err)
	}
	return string(js)
}
