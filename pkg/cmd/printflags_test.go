package cmd

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPrintFlagsTemplates: -o jsonpath and -o go-template read the same
// object as -o json, on list (one source, --arn, a fleet) and version.
func TestPrintFlagsTemplates(t *testing.T) {
	tmpl := filepath.Join(t.TempDir(), "arns.tmpl")
	if err := os.WriteFile(tmpl, []byte(`{{range .items}}{{.username}}{{"\n"}}{{end}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	jsonpathFile := filepath.Join(t.TempDir(), "kind.jsonpath")
	if err := os.WriteFile(jsonpathFile, []byte(`{.kind}`), 0o600); err != nil {
		t.Fatal(err)
	}
	list := []string{"list", "-f", "testdata/aws-auth-ok.yaml"}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"list jsonpath", append(list, "-o", "jsonpath={.items[*].arn}"),
			"arn:aws:iam::111122223333:role/eks-node arn:aws:iam::111122223333:role/Admin arn:aws:iam::111122223333:user/designated_user"},
		{"list jsonpath range", append(list, "-o", `jsonpath={range .items[*]}{.type}{"\t"}{.status}{"\n"}{end}`),
			"role\tok\nrole\tok\nuser\tok\n"},
		{"list go-template", append(list, "-o", `go-template={{range .items}}{{.type}}/{{.username}}{{"\n"}}{{end}}`),
			"role/system:node:{{EC2PrivateDNSName}}\nrole/admin:{{SessionName}}\nuser/designated_user\n"},
		{"list go-template-file", append(list, "-o", "go-template-file="+tmpl),
			"system:node:{{EC2PrivateDNSName}}\nadmin:{{SessionName}}\ndesignated_user\n"},
		{"list --template alone", append(list, "--template", `{{.kind}} {{len .items}}`), "MappingList 3"},
		{"list jsonpath-file", append(list, "-o", "jsonpath-file="+jsonpathFile), "MappingList"},
		{"list --arn jsonpath", append(list, "--arn", "arn:aws:sts::111122223333:assumed-role/Admin/jane@example.com", "-o", "jsonpath={.identity.username} {.identity.groups[0]} {.identity.via}"),
			"admin:jane-example.com system:masters mapRoles line 6"},
		{"version jsonpath", []string{"version", "-o", "jsonpath={.kind} {.version}"}, "Version " + version},
		{"version go-template", []string{"version", "-o", "go-template={{.apiVersion}}"}, "eksaccess.dev/v1alpha1"},
		{"version table", []string{"version", "-o", "table"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, "", tc.args...)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			if tc.want == "" {
				if !strings.HasPrefix(r.stdout, "kubectl-eksaccess "+version) {
					t.Errorf("stdout = %q", r.stdout)
				}
				return
			}
			if r.stdout != tc.want {
				t.Errorf("stdout = %q, want %q", r.stdout, tc.want)
			}
		})
	}
}

// TestPrintFlagsFleet: in fleet mode the template reads the fleet object,
// one item per context even when the context cannot be read.
func TestPrintFlagsFleet(t *testing.T) {
	kubeconfig := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(kubeconfig, []byte(`apiVersion: v1
kind: Config
clusters:
- name: dead
  cluster: {server: "https://127.0.0.1:1"}
users:
- name: u
  user: {token: x}
contexts:
- name: b
  context: {cluster: dead, user: u}
- name: a
  context: {cluster: dead, user: u}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	r := run(t, "", "--kubeconfig", kubeconfig, "list", "--all-contexts", "-o", `jsonpath={.kind}{range .items[*]} {.context}={.failure}{end}`)
	if want := "FleetAccessList a=unreachable b=unreachable"; r.stdout != want || r.code != 1 {
		t.Errorf("exit %d, stdout %q, want %q\nstderr: %s", r.code, r.stdout, want, r.stderr)
	}
}

// TestPrintFlagsErrors: a bad -o or template is one line naming the fix.
func TestPrintFlagsErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"version", "-o", "xml"}, `error: unknown output format "xml": use one of table, json, yaml, kyaml, go-template=TEMPLATE, go-template-file=FILE, jsonpath=TEMPLATE, jsonpath-file=FILE`},
		{[]string{"version", "-o", "wide"}, `error: unknown output format "wide": use one of table,`},
		{[]string{"list", "-f", "testdata/aws-auth-ok.yaml", "-o", "go-template={{.items"}, `error: -o go-template: error parsing template {{.items, template: output:1: unclosed action: fix the Go template (e.g. -o go-template='{{range .items}}{{.arn}}{{"\n"}}{{end}}'; see https://pkg.go.dev/text/template)`},
		{[]string{"list", "-f", "testdata/aws-auth-ok.yaml", "-o", "jsonpath={.items[}"}, `error: -o jsonpath: error parsing jsonpath {.items[}, unterminated array: fix the JSONPath (e.g. -o jsonpath='{.items[*].arn}'; see https://kubernetes.io/docs/reference/kubectl/jsonpath/)`},
		{[]string{"list", "-f", "testdata/aws-auth-ok.yaml", "-o", "jsonpath="}, `error: -o jsonpath: template format specified but no template given: fix the JSONPath`},
		{[]string{"version", "-o", "go-template-file=/nonexistent/t.tmpl"}, `error: -o go-template-file: error reading --template /nonexistent/t.tmpl, open /nonexistent/t.tmpl: no such file or directory: fix the Go template`},
		{[]string{"list", "-f", "testdata/aws-auth-ok.yaml", "--allow-missing-template-keys=false", "-o", "jsonpath={.nope}"}, `error: -o jsonpath: error executing jsonpath "{.nope}": Error executing template: nope is not found: fix the JSONPath`},
		{[]string{"list", "-f", "testdata/aws-auth-ok.yaml", "--allow-missing-template-keys=false", "-o", "go-template={{.nope}}"}, `error: -o go-template: error executing template "{{.nope}}": template: output:1:2: executing "output" at <.nope>: map has no entry for key "nope": fix the Go template`},
	} {
		r := run(t, "", tc.args...)
		if r.code != 1 || !strings.HasPrefix(r.stderr, tc.want) || strings.Count(r.stderr, "\n") != 1 || r.stdout != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q, want one line starting %q", tc.args, r.code, r.stdout, r.stderr, tc.want)
		}
	}
}
