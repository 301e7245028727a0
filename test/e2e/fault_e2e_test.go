package e2e

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/eksaccess/kubectl-eksaccess/pkg/cmd"
	"github.com/eksaccess/kubectl-eksaccess/test/cluster"
	fp "github.com/eksaccess/kubectl-eksaccess/test/faultproxy"
)

const awsAuthPath = "configmaps/aws-auth"

// TestE2EFaults runs add and remove through a proxy that fails requests to
// the real API server as networks and load balancers do. Each case first
// runs the same command without faults to learn the right result; with the
// fault, the command must reach exactly that result (the change made once:
// no duplicate entry, no group appended twice) or fail with a one-line
// message naming what failed, leaving aws-auth as it was or, when the
// answer to a stored write was lost, exactly as the change made it. Never
// anything in between.
func TestE2EFaults(t *testing.T) {
	c := cluster.Get(t)
	proxy := fp.Start(t, c.Config)
	faulty := proxy.Kubeconfig(t)

	add := []string{"add", "arn:aws:iam::111122223333:role/fault", "--group", "developers"}
	appendGroup := []string{"add", "arn:aws:iam::111122223333:role/Admin", "--group", "viewers", "--append-groups"}
	remove := []string{"remove", "arn:aws:iam::111122223333:role/Admin"}
	get := func(f fp.Fault) fp.Fault { f.Method, f.Path = "GET", awsAuthPath; return f }
	put := func(f fp.Fault) fp.Fault { f.Method, f.Path = "PUT", awsAuthPath; return f }

	for _, tc := range []struct {
		name   string
		args   []string
		faults []fp.Fault
		// fails: the command must fail with this in its one-line error;
		// "" means it must succeed with the fault-free result.
		fails string
		// stored: after a failure, aws-auth holds the change (its answer
		// was lost) rather than the data before.
		stored bool
		// check looks at the proxy's log (which retries happened).
		check func(t *testing.T, p *fp.Proxy)
	}{
		{name: "get 503, no Retry-After: our retry", args: add, faults: []fp.Fault{get(fp.Fault{Status: 503})}},
		{name: "get 500 with Retry-After: client-go's retry", args: add, faults: []fp.Fault{get(fp.Fault{Status: 500, RetryAfter: "1"})},
			check: func(t *testing.T, p *fp.Proxy) { atLeast(t, p, "GET", 2) }},
		// net/http itself re-sends a GET whose reused connection breaks
		// before the answer (client-go would too, after 1 s); never a PUT.
		{name: "get reset: net/http re-sends it", args: add, faults: []fp.Fault{get(fp.Fault{Reset: true})},
			check: func(t *testing.T, p *fp.Proxy) { exactly(t, p, "GET", 2) }},
		{name: "put 429 with Retry-After: client-go re-sends", args: add, faults: []fp.Fault{put(fp.Fault{Status: 429, RetryAfter: "1"})},
			check: func(t *testing.T, p *fp.Proxy) { atLeast(t, p, "PUT", 2) }},
		{name: "put 503 before the API server: read again, write again", args: add, faults: []fp.Fault{put(fp.Fault{Status: 503})},
			check: func(t *testing.T, p *fp.Proxy) { atLeast(t, p, "PUT", 2) }},
		{name: "put stored, then 503 with Retry-After: client-go re-sends, 409, ours found", args: add, faults: []fp.Fault{put(fp.Fault{Status: 503, RetryAfter: "1", When: fp.After})}},
		{name: "put reset before the API server", args: add, faults: []fp.Fault{put(fp.Fault{Reset: true})}},
		{name: "put stored, then reset", args: add, faults: []fp.Fault{put(fp.Fault{Reset: true, When: fp.After})},
			check: func(t *testing.T, p *fp.Proxy) { exactly(t, p, "PUT", 1) }},
		{name: "put stored, then 504 from a load balancer", args: add, faults: []fp.Fault{put(fp.Fault{Status: 504, When: fp.After})},
			check: func(t *testing.T, p *fp.Proxy) { exactly(t, p, "PUT", 1) }},
		{name: "put stored, then no answer until --request-timeout", args: append([]string{"--request-timeout", "2s"}, add...), faults: []fp.Fault{put(fp.Fault{Hang: true, When: fp.After})},
			check: func(t *testing.T, p *fp.Proxy) { exactly(t, p, "PUT", 1) }},
		{name: "put never forwarded, no answer until --request-timeout", args: append([]string{"--request-timeout", "2s"}, add...), faults: []fp.Fault{put(fp.Fault{Hang: true})},
			check: func(t *testing.T, p *fp.Proxy) { exactly(t, p, "PUT", 2) }},
		{name: "append-groups stored, then reset: appended once", args: appendGroup, faults: []fp.Fault{put(fp.Fault{Reset: true, When: fp.After})}},
		{name: "append-groups stored, then 503 with Retry-After: appended once", args: appendGroup, faults: []fp.Fault{put(fp.Fault{Status: 503, RetryAfter: "1", When: fp.After})}},
		{name: "remove stored, then reset", args: remove, faults: []fp.Fault{put(fp.Fault{Reset: true, When: fp.After})}},
		{name: "remove stored, then 504", args: remove, faults: []fp.Fault{put(fp.Fault{Status: 504, When: fp.After})}},
		{name: "503 on every put: gives up, nothing written", args: add, faults: []fp.Fault{put(fp.Fault{Status: 503, Times: 100})},
			fails: "the API server failed (503 Service Unavailable"},
		{name: "stored, then the answer and every read lost", args: add,
			faults: []fp.Fault{put(fp.Fault{Reset: true, When: fp.After, Then: []fp.Fault{get(fp.Fault{Status: 503, Times: 100})}})},
			fails:  "may or may not have been stored: its answer was lost", stored: true},
		{name: "401 on the read", args: add, faults: []fp.Fault{get(fp.Fault{Status: 401})},
			fails: "(401 Unauthorized): your IAM identity is not mapped, or its token is invalid or expired: run 'kubectl eksaccess diagnose'"},
		{name: "403 on the write", args: add, faults: []fp.Fault{put(fp.Fault{Status: 403})},
			fails: "you may not update configmap kube-system/aws-auth (403 Forbidden)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The right result: the same command with no fault.
			putAWSAuth(t, c, "aws-auth-eksctl.yaml")
			before := liveAWSAuth(t, c).Data
			r := run(t, "", writeArgs(t, c, append(tc.args, "--yes")...)...)
			if r.code != 0 {
				t.Fatalf("without faults: exit %d: %s", r.code, r.stderr)
			}
			want := liveAWSAuth(t, c).Data

			putAWSAuth(t, c, "aws-auth-eksctl.yaml")
			proxy.Clear()
			for _, f := range tc.faults {
				proxy.Inject(f)
			}
			start := time.Now()
			args := append([]string{"--kubeconfig", faulty}, append(tc.args, "--yes", "--backup-dir", t.TempDir())...)
			r = run(t, "", args...)
			t.Logf("%.1fs, proxy log:\n%s", time.Since(start).Seconds(), strings.Join(proxy.Log(), "\n"))
			got := liveAWSAuth(t, c).Data
			if tc.fails == "" {
				if r.code != 0 {
					t.Fatalf("exit %d: %s", r.code, r.stderr)
				}
				if !strings.Contains(r.stdout, "configmap/aws-auth configured") {
					t.Errorf("the status line does not say it was written:\n%s\n%s", r.stdout, r.stderr)
				}
				if proxy.Pending() != 0 {
					t.Errorf("a fault never struck: the test did not test it")
				}
			} else {
				if r.code != 1 || !strings.Contains(r.stderr, tc.fails) || errorLines(r.stderr) != 1 {
					t.Errorf("exit %d, want 1 and one error line with %q:\n%s", r.code, tc.fails, r.stderr)
				}
				if tc.stored {
					before = want
				}
				want = before
			}
			if !maps.Equal(got, want) {
				t.Errorf("aws-auth is not what the fault-free run wrote:\n%s\nwant:\n%s", dump(got), dump(want))
			}
			if tc.check != nil {
				tc.check(t, proxy)
			}
		})
	}
}

// errorLines counts the lines of stderr that report an error.
func errorLines(stderr string) int {
	n := 0
	for _, l := range strings.Split(stderr, "\n") {
		if strings.HasPrefix(l, "error:") {
			n++
		}
	}
	return n
}

func atLeast(t *testing.T, p *fp.Proxy, method string, n int) {
	t.Helper()
	if got := p.Count(method, awsAuthPath); got < n {
		t.Errorf("%d %s of aws-auth, want at least %d", got, method, n)
	}
}

func exactly(t *testing.T, p *fp.Proxy, method string, n int) {
	t.Helper()
	if got := p.Count(method, awsAuthPath); got != n {
		t.Errorf("%d %s of aws-auth, want %d", got, method, n)
	}
}

func dump(data map[string]string) string {
	var b strings.Builder
	for _, k := range []string{"mapRoles", "mapUsers", "mapAccounts"} {
		b.WriteString(k + ":\n" + data[k])
	}
	return b.String()
}

// TestE2EInterruptedDuringWrite: Ctrl-C while the update is in flight and
// stored. The command reads aws-auth again to tell the truth: the change
// was made, once.
func TestE2EInterruptedDuringWrite(t *testing.T) {
	c := cluster.Get(t)
	proxy := fp.Start(t, c.Config)
	putAWSAuth(t, c, "aws-auth-eksctl.yaml")
	proxy.Inject(fp.Fault{Method: "PUT", Path: awsAuthPath, Hang: true, When: fp.After})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		// Ctrl-C once the proxy holds the update (polled, with a deadline).
		deadline := time.Now().Add(30 * time.Second)
		for proxy.Count("PUT", awsAuthPath) == 0 && ctx.Err() == nil && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
	}()
	var out, errOut strings.Builder
	code := cmd.Execute(ctx, genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut},
		[]string{"--kubeconfig", proxy.Kubeconfig(t), "add", "arn:aws:iam::111122223333:role/interrupted", "--group", "g", "--yes", "--backup-dir", t.TempDir()})
	t.Logf("proxy log:\n%s", strings.Join(proxy.Log(), "\n"))
	if code != 0 || !strings.Contains(out.String(), "configmap/aws-auth configured") {
		t.Errorf("exit %d, stdout %q, stderr %q: the write was stored, the command must say so", code, out.String(), errOut.String())
	}
	if n := strings.Count(liveAWSAuth(t, c).Data["mapRoles"], "role/interrupted"); n != 1 {
		t.Errorf("role/interrupted appears %d times", n)
	}
}

// TestE2EBackupDirUnwritable: a backup that cannot be saved stops the
// write, and the message blames the directory, not the cluster.
func TestE2EBackupDirUnwritable(t *testing.T) {
	c := cluster.Get(t)
	putAWSAuth(t, c, "aws-auth-eksctl.yaml")
	rv := liveAWSAuth(t, c).ResourceVersion
	notDir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notDir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	r := run(t, "", "--kubeconfig", c.Kubeconfig, "add", designated, "--group", "g", "--yes", "--backup-dir", notDir)
	want := "error: cannot save a backup of aws-auth in " + filepath.Join(notDir, "envtest") + ": not a directory: nothing was written: make that directory writable, or choose another with --backup-dir\n"
	if r.code != 1 || !strings.HasSuffix(r.stderr, "\n"+want) || errorLines(r.stderr) != 1 {
		t.Errorf("exit %d, stderr\n%q\nwant\n%q", r.code, r.stderr, want)
	}
	if liveAWSAuth(t, c).ResourceVersion != rv {
		t.Error("aws-auth was written without a backup")
	}
}
