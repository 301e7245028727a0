package sandbox_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/eksaccess/kubectl-eksaccess/test/internal/e2eenv"
	"github.com/eksaccess/kubectl-eksaccess/test/sandbox"
	"github.com/eksaccess/kubectl-eksaccess/test/sandbox/fakeaws"
)

// TestDiagnoseConcurrentCalls: diagnose makes every call whose answer it
// may need as soon as what the call depends on is known, never one after
// another when neither waits for the other. Every request takes 150 ms and
// the exec plugin 300 ms, so that a call made after another instead of
// beside it shows in the sandbox's timeline whatever the machine's load.
func TestDiagnoseConcurrentCalls(t *testing.T) {
	assets := e2eenv.Env(t, "KUBEBUILDER_ASSETS", "run: KUBEBUILDER_ASSETS=$(bash ../../hack/testbin.sh)")
	plugin, _ := filepath.Abs(needPlugin(t))
	runs := filepath.Join(t.TempDir(), "exec-runs")
	// The exec plugin notes each run, then takes 300 ms to make its token.
	slowToken := []string{"/bin/sh", "-c", `echo run >>'` + runs + `'; sleep 0.3; exec "$0" token "$@"`, plugin}
	ls := startLatencySandbox(t, assets, 150*time.Millisecond, slowToken)

	const (
		principal = "/clusters/sandbox/access-entries/" + sandbox.DesignatedUser
		creator   = "/clusters/sandbox/access-entries/" + sandbox.CreatorUser
		cert      = " (client certificate)"
	)
	for _, tc := range []struct {
		name, persona string
		rc            int
		args          []string
		// together are groups of calls that must all be in flight at once.
		together [][]string
		// beforeReplay must arrive before the token's replay to STS is
		// answered: they wait for the principal, which is known earlier.
		beforeReplay []string
	}{
		{"forbidden", "designated_user", 1, []string{"--admin-context", sandbox.AdminContext},
			[][]string{
				// Nothing waits for the token.
				{"eks GET /clusters/sandbox", "eks GET /clusters/sandbox/access-entries", "sts GetCallerIdentity aws-sdk",
					"kube GET /api/v1/namespaces/kube-system/configmaps/aws-auth" + cert,
					"kube GET /apis/rbac.authorization.k8s.io/v1/clusterrolebindings" + cert, "kube GET /apis/rbac.authorization.k8s.io/v1/rolebindings" + cert},
				// Everything that waits for the token.
				{"sts GetCallerIdentity Go-http-client", "kube POST /apis/authentication.k8s.io/v1/selfsubjectreviews", "kube POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews"},
				// The principal's entry, its policies and its age.
				{"eks GET " + principal, "eks GET " + principal + "/access-policies", "iam GetUser"},
			},
			[]string{"eks GET " + principal, "eks GET " + principal + "/access-policies", "iam GetUser"}},
		{"authorized", "cluster_creator", 0, nil,
			[][]string{
				{"eks GET /clusters/sandbox", "eks GET /clusters/sandbox/access-entries", "sts GetCallerIdentity aws-sdk"},
				// Without an admin context, aws-auth is read as the user:
				// with the token, beside the reviews. (So are the RBAC
				// bindings, but an authorized identity does not wait for
				// them: the plugin may be gone before they are sent.)
				{"sts GetCallerIdentity Go-http-client", "kube POST /apis/authentication.k8s.io/v1/selfsubjectreviews", "kube POST /apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
					"kube GET /api/v1/namespaces/kube-system/configmaps/aws-auth"},
				{"eks GET " + creator, "eks GET " + creator + "/access-policies", "iam GetUser"},
			},
			[]string{"eks GET " + creator, "eks GET " + creator + "/access-policies", "iam GetUser"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_ = os.Remove(runs)
			ls.diagnose(t, plugin, tc.persona, tc.rc, tc.args...)
			ls.tl.await(5*time.Second, func(calls []fakeaws.Call) bool {
				for _, group := range tc.together {
					for _, name := range group {
						if lookupCall(calls, name) == nil {
							return false
						}
					}
				}
				return true
			})
			calls := ls.tl.Calls()
			defer func() {
				if t.Failed() {
					t.Logf("timeline (ms from the start of diagnose):\n%s", ls.tl.String())
				}
			}()
			if b, _ := os.ReadFile(runs); strings.Count(string(b), "run") != 1 {
				t.Errorf("the exec plugin ran %d times, want once (every request as the user carries its one token)", strings.Count(string(b), "run"))
			}
			for _, group := range tc.together {
				inFlightTogether(t, calls, group)
			}
			replay := findCall(t, calls, "sts GetCallerIdentity Go-http-client")
			for _, name := range tc.beforeReplay {
				if c := findCall(t, calls, name); c != nil && replay != nil && !c.Arrived.Before(replay.Answered) {
					t.Errorf("%s arrived %s after STS answered the token's replay: it waited for STS to say who the token stands for", name, c.Arrived.Sub(replay.Answered))
				}
			}
		})
	}
}

// TestListConcurrentCalls: list reads aws-auth, DescribeCluster and the
// access entries at once, and each entry with its policies. Every request takes 300 ms, more than
// the exec plugin (the plugin's own token command) needs, so that a call
// made after another shows whatever the machine's load.
func TestListConcurrentCalls(t *testing.T) {
	assets := e2eenv.Env(t, "KUBEBUILDER_ASSETS", "run: KUBEBUILDER_ASSETS=$(bash ../../hack/testbin.sh)")
	plugin, _ := filepath.Abs(needPlugin(t))
	ls := startLatencySandbox(t, assets, 300*time.Millisecond, []string{plugin, "token"})
	addEntries(t, ls, sandbox.PathRole)
	out := ls.run(t, plugin, "cluster_creator", 0, "list", "--context", "cluster_creator")
	if !strings.Contains(out, "platform-admin") {
		t.Fatalf("list does not show the access entries:\n%s", out)
	}
	entry := "eks GET /clusters/sandbox/access-entries/" + sandbox.PathRole
	group := []string{"eks GET /clusters/sandbox", "eks GET /clusters/sandbox/access-entries", "kube GET /api/v1/namespaces/kube-system/configmaps/aws-auth"}
	ls.tl.await(5*time.Second, func(calls []fakeaws.Call) bool { return lookupCall(calls, entry) != nil })
	defer func() {
		if t.Failed() {
			t.Logf("timeline (ms from the start of list):\n%s", ls.tl.String())
		}
	}()
	calls := ls.tl.Calls()
	inFlightTogether(t, calls, group)
	inFlightTogether(t, calls, []string{entry, entry + "/access-policies"})
}

// findCall is lookupCall, and fails the test when there is none.
func findCall(t *testing.T, calls []fakeaws.Call, name string) *fakeaws.Call {
	t.Helper()
	c := lookupCall(calls, name)
	if c == nil {
		t.Errorf("no request %q", name)
	}
	return c
}

// lookupCall is the first call (by arrival) that "service what agent"
// names: the service, then What and, when given, the start of Agent; nil
// when there is none.
func lookupCall(calls []fakeaws.Call, name string) *fakeaws.Call {
	for i, c := range calls {
		service, rest, _ := strings.Cut(name, " ")
		if c.Service != service {
			continue
		}
		what, agent := rest, ""
		if i := strings.LastIndex(rest, " "); i >= 0 && c.Service != "kube" && c.Service != "eks" {
			what, agent = rest[:i], rest[i+1:]
		}
		if c.What == what && strings.HasPrefix(c.Agent, agent) {
			return &calls[i]
		}
	}
	return nil
}

// inFlightTogether fails unless every call of the group arrived before
// any of them was answered.
func inFlightTogether(t *testing.T, calls []fakeaws.Call, group []string) {
	t.Helper()
	var last, first *fakeaws.Call
	var lastName, firstName string
	for _, name := range group {
		c := findCall(t, calls, name)
		if c == nil {
			continue
		}
		if last == nil || c.Arrived.After(last.Arrived) {
			last, lastName = c, name
		}
		if first == nil || c.Answered.Before(first.Answered) {
			first, firstName = c, name
		}
	}
	if last != nil && !last.Arrived.Before(first.Answered) {
		t.Errorf("%s arrived %s after %s was answered: they should have been made together", lastName, last.Arrived.Sub(first.Answered), firstName)
	}
}
