package e2e

import (
	"reflect"
	"strings"
	"testing"

	"github.com/eksaccess/kubectl-eksaccess/test/cluster"
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

func TestE2ECompleteRemove(t *testing.T) {
	c := cluster.Get(t)
	putAWSAuth(t, c, "aws-auth-ok.yaml")
	got, directive := complete(t, "--kubeconfig", c.Kubeconfig, "remove", "")
	want := []string{
		"arn:aws:iam::111122223333:role/eks-node",
		"arn:aws:iam::111122223333:role/Admin",
		"arn:aws:iam::111122223333:user/designated_user",
	}
	if !reflect.DeepEqual(got, want) || directive != ":4" {
		t.Errorf("remove candidates %q %s, want %q :4", got, directive, want)
	}
	// Only the first argument is an ARN.
	if got, _ := complete(t, "--kubeconfig", c.Kubeconfig, "remove", want[0], ""); len(got) != 0 {
		t.Errorf("second argument completed with %q", got)
	}
	// --context completes from the same kubeconfig.
	if got, _ := complete(t, "--kubeconfig", c.Kubeconfig, "remove", "--context", ""); !reflect.DeepEqual(got, []string{"envtest"}) {
		t.Errorf("contexts %q, want [envtest]", got)
	}
}
