package cmd

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestDiagnoseOffline(t *testing.T) {
	for _, tc := range []struct {
		name, golden string
		args         []string
		code         int
	}{
		{"role with path", "diagnose-path.golden", []string{"--arn", "arn:aws:sts::111122223333:assumed-role/Admin/alice", "-f", "testdata/aws-auth-mixed.yaml"}, 1},
		{"authorized", "diagnose-ok.golden", []string{"--arn", "arn:aws:iam::111122223333:user/designated_user", "-f", "testdata/aws-auth-ok.yaml"}, 0},
		{"unmapped", "diagnose-unmapped.golden", []string{"--arn", "arn:aws:iam::111122223333:user/nobody", "-f", "testdata/aws-auth-ok.yaml"}, 1},
		{"api mode ignores aws-auth", "diagnose-api-mode.golden", []string{"--arn", "arn:aws:iam::111122223333:user/designated_user", "-f", "testdata/aws-auth-ok.yaml", "--mode", "API"}, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, "", append([]string{"diagnose"}, tc.args...)...)
			if r.code != tc.code {
				t.Fatalf("exit %d, want %d\n%s%s", r.code, tc.code, r.stdout, r.stderr)
			}
			if !strings.Contains(r.stderr, "[ok] aws-auth read from") {
				t.Errorf("no checklist on stderr: %q", r.stderr)
			}
			golden(t, tc.golden, r.stdout)
		})
	}
}

func TestDiagnoseJSON(t *testing.T) {
	r := run(t, "", "diagnose", "--arn", "arn:aws:sts::111122223333:assumed-role/Admin/alice", "-f", "testdata/aws-auth-mixed.yaml", "-o", "json")
	var d map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &d); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.stdout)
	}
	for _, k := range []string{"apiVersion", "kind", "arn", "canonicalArn", "verdict", "authenticated", "groups", "findings"} {
		if _, ok := d[k]; !ok {
			t.Errorf("diagnosis lacks %q", k)
		}
	}
	if d["verdict"] != "unauthorized" || d["canonicalArn"] != "arn:aws:iam::111122223333:role/Admin" || d["kind"] != "Diagnosis" {
		t.Errorf("unexpected diagnosis: %v", d)
	}
	fs, _ := d["findings"].([]any)
	first, _ := fs[0].(map[string]any)
	if first["code"] != "EKSA202" || !strings.Contains(first["fix"].(string), "remove `team/`") {
		t.Errorf("first finding %v, want EKSA202 with the path fix", first)
	}
}

// TestDiagnoseTemplates: -o jsonpath= and -o go-template= print fields of
// the Diagnosis object, and keep the exit status of the verdict.
func TestDiagnoseTemplates(t *testing.T) {
	path := []string{"diagnose", "--arn", "arn:aws:sts::111122223333:assumed-role/Admin/alice", "-f", "testdata/aws-auth-mixed.yaml"}
	ok := []string{"diagnose", "--arn", "arn:aws:iam::111122223333:user/designated_user", "-f", "testdata/aws-auth-ok.yaml"}
	for _, tc := range []struct {
		name string
		args []string
		want string
		code int
	}{
		{"jsonpath verdict", append(path, "-o", "jsonpath={.verdict}"), "unauthorized", 1},
		{"jsonpath first finding", append(path, "-o", "jsonpath={.findings[0].code} {.canonicalArn}"), "EKSA202 arn:aws:iam::111122223333:role/Admin", 1},
		{"go-template", append(ok, "-o", "go-template={{.verdict}} as {{.username}} {{range .groups}}[{{.}}]{{end}}"), "authorized as designated_user [system:masters]", 0},
		{"--template alone", append(ok, "--template", "{{.kind}}/{{.apiVersion}}"), "Diagnosis/eksaccess.dev/v1alpha1", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, "", tc.args...)
			if r.code != tc.code || r.stdout != tc.want {
				t.Errorf("exit %d (want %d), stdout %q, want %q\nstderr: %s", r.code, tc.code, r.stdout, tc.want, r.stderr)
			}
			if !strings.Contains(r.stderr, "[ok] aws-auth read from") {
				t.Errorf("no checklist on stderr: %q", r.stderr)
			}
		})
	}
	// A template that does not parse is one line naming the fix, before
	// anything is gathered.
	r := run(t, "", append(ok, "-o", "jsonpath={.verdict")...)
	if r.code != 2 || r.stdout != "" || !strings.Contains(r.stderr, "-o jsonpath:") || !strings.Contains(r.stderr, "fix the JSONPath") || strings.Contains(r.stderr, "aws-auth read from") {
		t.Errorf("bad jsonpath: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

func TestDiagnoseBadFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-f", "testdata/aws-auth-ok.yaml"}, "needs --arn"},
		{[]string{"--arn", "arn:aws:iam::111122223333:user/x", "--mode", "BOTH"}, "--mode must be"},
		{[]string{"--arn", "arn:aws:s3:::bucket"}, "--arn:"},
		{[]string{"--arn", "arn:aws:iam::111122223333:user/x", "-f", "testdata/missing.yaml"}, "missing.yaml"},
		{[]string{"--arn", "arn:aws:iam::111122223333:user/x", "-o", "wide"}, "unknown output format \"wide\""},
		{[]string{"--arn", "arn:aws:iam::111122223333:user/x", "--sso-permission-set", "Admin"}, "not both"},
		{[]string{"--arn", "arn:aws:iam::111122223333:user/x", "--account", "111122223333"}, "--account goes with --sso-permission-set"},
		{[]string{"--sso-permission-set", "Admin", "--all-contexts"}, "pass each role's --arn"},
	} {
		r := run(t, "", append([]string{"diagnose"}, tc.args...)...)
		if r.code != 2 || !strings.Contains(r.stderr+r.stdout, tc.want) {
			t.Errorf("%v: exit %d (want 2), output %q %q", tc.args, r.code, r.stdout, r.stderr)
		}
	}
}
