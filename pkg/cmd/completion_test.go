package cmd

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/eksaccess/kubectl-eksaccess/pkg/accessentry"
)

// complete runs `kubectl eksaccess __complete args...` and returns the
// candidates (without descriptions) and the directive line.
func complete(t *testing.T, args ...string) ([]string, string) {
	t.Helper()
	r := run(t, "", append([]string{"__complete"}, args...)...)
	if r.code != 0 {
		t.Fatalf("__complete %q: exit %d: %s", args, r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	directive := lines[len(lines)-1]
	if !strings.HasPrefix(directive, ":") {
		t.Fatalf("__complete %q: no directive line in %q", args, r.stdout)
	}
	var got []string
	for _, l := range lines[:len(lines)-1] {
		value, _, _ := strings.Cut(l, "\t")
		got = append(got, value)
	}
	return got, directive
}

func TestHelperArgs(t *testing.T) {
	for _, tc := range []struct {
		argv0 string
		args  []string
		want  []string
	}{
		{"/usr/local/bin/kubectl-eksaccess", []string{"list"}, []string{"list"}},
		{"/home/me/.krew/bin/kubectl_complete-eksaccess", []string{"remove", ""}, []string{"__complete", "remove", ""}},
		{`C:\krew\bin\kubectl_complete-eksaccess.exe`, []string{""}, []string{"__complete", ""}},
		{"kubectl_complete-eksaccess", nil, []string{"__complete"}},
	} {
		if got := helperArgs(tc.argv0, tc.args); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("helperArgs(%q, %q) = %q, want %q", tc.argv0, tc.args, got, tc.want)
		}
	}
}

func TestCompleteFlags(t *testing.T) {
	kubeconfig := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(kubeconfig, []byte(`apiVersion: v1
kind: Config
clusters:
- name: prod
  cluster: {server: "https://127.0.0.1:1"}
- name: staging
  cluster: {server: "https://staging.example.com"}
users:
- name: admin
  user: {token: x}
contexts:
- name: prod-admin
  context: {cluster: prod, user: admin}
- name: staging-admin
  context: {cluster: staging, user: admin}
current-context: prod-admin
`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"contexts", []string{"--kubeconfig", kubeconfig, "list", "--context", ""}, []string{"prod-admin", "staging-admin"}},
		{"context prefix", []string{"--kubeconfig", kubeconfig, "list", "--context", "st"}, []string{"staging-admin"}},
		{"clusters", []string{"--kubeconfig", kubeconfig, "lint", "--cluster", ""}, []string{"prod", "staging"}},
		{"list -o", []string{"list", "-o", ""}, []string{"table", "wide", "name", "json", "yaml", "kyaml", "go-template", "go-template-file", "jsonpath", "jsonpath-file"}},
		{"list -o j", []string{"list", "-o", "j"}, []string{"json", "jsonpath", "jsonpath-file"}},
		{"version -o", []string{"version", "-o", ""}, []string{"table", "json", "yaml", "kyaml", "go-template", "go-template-file", "jsonpath", "jsonpath-file"}},
		{"remove -o", []string{"remove", "-o", ""}, []string{"table", "json", "yaml", "kyaml", "go-template", "go-template-file", "jsonpath", "jsonpath-file"}},
		{"remove --dry-run", []string{"remove", "--dry-run="}, []string{"none", "client", "server"}},
		{"add --dry-run=s", []string{"add", "--dry-run=s"}, []string{"server"}},
		{"list --arn from -f", []string{"list", "-f", "testdata/aws-auth-ok.yaml", "--arn", ""}, []string{
			"arn:aws:iam::111122223333:role/eks-node",
			"arn:aws:iam::111122223333:role/Admin",
			"arn:aws:iam::111122223333:user/designated_user",
		}},
		{"list --arn prefix", []string{"list", "-f", "testdata/aws-auth-ok.yaml", "--arn", "arn:aws:iam::111122223333:user/"}, []string{
			"arn:aws:iam::111122223333:user/designated_user",
		}},
		// No cluster: the built-in list, the policies for people first.
		{"add --policy", []string{"add", "arn:aws:iam::111122223333:role/Dev", "--policy", ""}, offlinePolicies()},
		{"add --policy prefix", []string{"add", "arn:aws:iam::111122223333:role/Dev", "--policy", "AmazonEKSAdmin"}, []string{"AmazonEKSAdminPolicy", "AmazonEKSAdminViewPolicy"}},
		{"add --policy=", []string{"add", "--policy=AmazonEKSV"}, []string{"AmazonEKSViewPolicy"}},
		{"remove --policy", []string{"remove", "arn:aws:iam::111122223333:role/Dev", "--policy", "AmazonEKSC"}, []string{"AmazonEKSClusterAdminPolicy", "AmazonEKSComputeClusterPolicy", "AmazonEKSComputePolicy"}},
		{"add --policy AmazonEKSSecret", []string{"add", "--policy", "AmazonEKSSecret"}, []string{"AmazonEKSSecretAdminPolicy", "AmazonEKSSecretReaderPolicy"}},
		{"add --via", []string{"add", "arn:aws:iam::111122223333:role/Dev", "--via", ""}, []string{"access-entry", "aws-auth"}},
		{"remove --via", []string{"remove", "--via", "a"}, []string{"access-entry", "aws-auth"}},
		{"add --type", []string{"add", "arn:aws:iam::111122223333:role/Dev", "--type", ""}, []string{"STANDARD", "EC2_LINUX", "EC2_WINDOWS", "FARGATE_LINUX", "EC2", "HYBRID_LINUX", "HYPERPOD_LINUX"}},
		{"add --type EC2_", []string{"add", "--type", "EC2_"}, []string{"EC2_LINUX", "EC2_WINDOWS"}},
		// An unreachable cluster gives no candidates, and no error.
		{"add --group, no cluster", []string{"--kubeconfig", kubeconfig, "add", "--group", ""}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, directive := complete(t, tc.args...)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("candidates %q, want %q", got, tc.want)
			}
			if directive != ":4" { // ShellCompDirectiveNoFileComp
				t.Errorf("directive %s, want :4", directive)
			}
		})
	}
}

// Policy candidates carry what they grant, for shells that show it.
func TestCompletePolicyDescriptions(t *testing.T) {
	r := run(t, "", "__complete", "add", "arn:aws:iam::111122223333:role/Dev", "--policy", "")
	if r.code != 0 || !strings.Contains(r.stdout, "AmazonEKSClusterAdminPolicy\tcluster-admin: everything (what system:masters was)\n") {
		t.Errorf("__complete add --policy: %+v", r)
	}
	for _, p := range accessentry.KnownPolicies {
		if policyDescriptions[p] == "" {
			t.Errorf("%s has no description", p)
		}
	}
}

func TestCompletionHelperByName(t *testing.T) {
	argv0 := os.Args[0]
	t.Cleanup(func() { os.Args[0] = argv0 })
	os.Args[0] = filepath.Join(t.TempDir(), "kubectl_complete-eksaccess")
	// kubectl passes the words after `eksaccess`, the last one being completed.
	r := run(t, "", "list", "-f", "testdata/aws-auth-ok.yaml", "--arn", "arn:aws:iam::111122223333:role/A")
	if r.code != 0 || r.stdout != "arn:aws:iam::111122223333:role/Admin\tadmin:{{SessionName}} (mapRoles line 6)\n:4\n" {
		t.Errorf("helper answered %+v", r)
	}
}

func TestCompletionScripts(t *testing.T) {
	for shell, want := range map[string]string{
		"bash":       "complete -o default -F __start_kubectl-eksaccess kubectl-eksaccess",
		"zsh":        "#compdef kubectl-eksaccess",
		"fish":       "complete -c kubectl-eksaccess",
		"powershell": "Register-ArgumentCompleter -CommandName 'kubectl-eksaccess'",
	} {
		r := run(t, "", "completion", shell)
		if r.code != 0 || !strings.Contains(r.stdout, want) {
			t.Errorf("completion %s lacks %q (exit %d, %s)", shell, want, r.code, r.stderr)
		}
		h := run(t, "", "completion", shell, "--help")
		for _, w := range []string{"kubectl eksaccess completion " + shell, "kubectl_complete-eksaccess", "kubectl-eksaccess completion " + shell} {
			if !strings.Contains(h.stdout, w) {
				t.Errorf("completion %s --help lacks %q:\n%s", shell, w, h.stdout)
			}
		}
	}
}

// offlinePolicies is what --policy completes to with no cluster: the
// policies for people, then every other one AWS documents.
func offlinePolicies() []string {
	out := append([]string(nil), accessentry.KnownPolicies...)
	for _, p := range accessentry.FallbackPolicies {
		if !slices.Contains(out, p) {
			out = append(out, p)
		}
	}
	return out
}
