package sandbox_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"

	"github.com/eksaccess/kubectl-eksaccess/test/internal/e2eenv"
	"github.com/eksaccess/kubectl-eksaccess/test/sandbox"
	"github.com/eksaccess/kubectl-eksaccess/test/sandbox/fakeaws"
)

// benchLatency is the latency added to every AWS and Kubernetes request
// (EKSACCESS_SANDBOX_LATENCY overrides it).
const benchLatency = 100 * time.Millisecond

// BenchmarkDiagnoseLatency runs a full `kubectl eksaccess diagnose` as
// myself (the built plugin, as kubectl runs it) against the sandbox with
// 100 ms added to every AWS and Kubernetes request, and reports the time
// in round trips (rtts/op = ns/op / latency: the whole process, its start,
// the exec plugin's and every request). The budget is 2.5.
//
//	cd test/sandbox && KUBEBUILDER_ASSETS=$(bash ../../hack/testbin.sh) \
//	  EKSACCESS_PLUGIN=$PWD/../../bin/kubectl-eksaccess \
//	  go test -run '^$' -bench DiagnoseLatency -benchtime 10x
//
// With EKSACCESS_BENCH_TRACE=1 (and -v) it logs, for each case, the
// timeline of one more diagnose: every request as the sandbox saw it
// (arrival after the TLS handshake, answer), in ms from the process start,
// then the plugin's own log of it at -v=6 (each request and exec plugin
// run when it ends, with how long it took).
func BenchmarkDiagnoseLatency(b *testing.B) {
	assets := e2eenv.Env(b, "KUBEBUILDER_ASSETS", "run: KUBEBUILDER_ASSETS=$(bash ../../hack/testbin.sh)")
	plugin := e2eenv.Env(b, "EKSACCESS_PLUGIN", "it names the built bin/kubectl-eksaccess: run 'make build'")
	latency := benchLatency
	if v := os.Getenv("EKSACCESS_SANDBOX_LATENCY"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			b.Fatalf("EKSACCESS_SANDBOX_LATENCY=%q: want a positive duration", v)
		}
		latency = d
	}
	plugin, _ = filepath.Abs(plugin)
	ls := startLatencySandbox(b, assets, latency, []string{plugin, "token"})
	for _, bc := range []struct {
		name, persona string
		rc            int
		args          []string
	}{
		{"forbidden", "designated_user", 1, []string{"--admin-context", sandbox.AdminContext}},
		{"unauthorized", "assume_role_user", 1, []string{"--admin-context", sandbox.AdminContext}},
		{"authorized", "cluster_creator", 0, nil},
	} {
		b.Run(bc.name, func(b *testing.B) {
			inRTTs(b, latency, func() { ls.diagnose(b, plugin, bc.persona, bc.rc, bc.args...) })
			if os.Getenv("EKSACCESS_BENCH_TRACE") != "" {
				out := ls.diagnose(b, plugin, bc.persona, bc.rc, append([]string{"-v=6"}, bc.args...)...)
				b.Logf("diagnose --context %s %s:\n%s\n%s", bc.persona, strings.Join(bc.args, " "), ls.tl.String(), klogLines(out))
			}
		})
	}
}

// inRTTs runs run once to warm the page cache and the sandbox's
// connections, then b.N times, and reports the time in round trips
// (rtts/op = ns/op / latency).
func inRTTs(b *testing.B, latency time.Duration, run func()) {
	run()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		run()
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(latency.Nanoseconds()), "rtts/op")
}

// latencySandbox is a sandbox in API_AND_CONFIG_MAP mode with a latency
// on every request, the timeline of the last diagnose, and an access
// entry for designated_user whose view policy covers only kube-system, so
// that listing pods in default is Forbidden and every step of diagnose
// runs (access entries and their policies, RBAC bindings).
type latencySandbox struct {
	sb  *sandbox.Sandbox
	tl  *timeline
	env []string
}

func startLatencySandbox(tb testing.TB, assets string, latency time.Duration, tokenCommand []string) *latencySandbox {
	tb.Helper()
	seed, err := sandbox.DefaultSeed("user", "API_AND_CONFIG_MAP")
	if err != nil {
		tb.Fatal(err)
	}
	ctx := context.Background()
	dir := tb.TempDir()
	ls := &latencySandbox{tl: &timeline{}}
	ls.sb, err = sandbox.Start(ctx, sandbox.Options{Dir: dir, Assets: assets, Seed: seed, TokenCommand: tokenCommand, Latency: latency, Observe: ls.tl.add})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = ls.sb.Stop() })
	c, err := benchEKS(ctx, ls.sb)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := c.CreateAccessEntry(ctx, &eks.CreateAccessEntryInput{ClusterName: aws.String(ls.sb.Cluster), PrincipalArn: aws.String(sandbox.DesignatedUser), KubernetesGroups: []string{"developers"}}); err != nil {
		tb.Fatal(err)
	}
	if _, err := c.AssociateAccessPolicy(ctx, &eks.AssociateAccessPolicyInput{ClusterName: aws.String(ls.sb.Cluster), PrincipalArn: aws.String(sandbox.DesignatedUser),
		PolicyArn:   aws.String("arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"),
		AccessScope: &ekstypes.AccessScope{Type: ekstypes.AccessScopeTypeNamespace, Namespaces: []string{"kube-system"}}}); err != nil {
		tb.Fatal(err)
	}
	ls.env = append(os.Environ(), ls.sb.Env()...)
	ls.env = append(ls.env, "KUBECACHEDIR="+filepath.Join(dir, "kubecache"), "NO_COLOR=1")
	return ls
}

// diagnose runs `kubectl eksaccess diagnose --context persona -o json`
// with args (see run).
func (ls *latencySandbox) diagnose(tb testing.TB, plugin, persona string, rc int, args ...string) string {
	tb.Helper()
	return ls.run(tb, plugin, persona, rc, append([]string{"diagnose", "--context", persona, "-o", "json"}, args...)...)
}

// run runs the plugin with args, the shell on the same AWS profile as the
// exec plugin, records its timeline, and fails unless it exits rc without
// printing a token.
func (ls *latencySandbox) run(tb testing.TB, plugin, persona string, rc int, args ...string) string {
	tb.Helper()
	cmd := exec.Command(plugin, args...)
	cmd.Env = append(append([]string(nil), ls.env...), "AWS_PROFILE="+persona)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	ls.tl.start()
	got, err := exitCode(cmd.Run())
	ls.tl.stop()
	if err != nil {
		tb.Fatal(err)
	}
	if got != rc || strings.Contains(out.String(), "k8s-aws-v1.") {
		tb.Fatalf("%s: exit %d, want %d:\n%s", strings.Join(args, " "), got, rc, out.String())
	}
	return out.String()
}

// klogLines are the lines of out that klog wrote ("I1204 02:33:41.123456 ...").
func klogLines(out string) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(out, "\n") {
		if len(l) > 5 && strings.IndexAny(l[:1], "IWE") == 0 && strings.Trim(l[1:5], "0123456789") == "" {
			b.WriteString(l)
		}
	}
	return b.String()
}

// benchEKS is an EKS client of the sandbox as cluster_creator, without
// touching the process environment.
func benchEKS(ctx context.Context, sb *sandbox.Sandbox) (*eks.Client, error) {
	ca, err := os.ReadFile(sb.CAFile)
	if err != nil {
		return nil, err
	}
	cfg, err := config.LoadDefaultConfig(ctx,
		config.WithSharedConfigFiles([]string{sb.AWSConfig}), config.WithSharedCredentialsFiles([]string{sb.AWSCredentials}),
		config.WithSharedConfigProfile("cluster_creator"), config.WithRegion(sb.State.Region),
		config.WithCustomCABundle(bytes.NewReader(ca)))
	if err != nil {
		return nil, err
	}
	return eks.NewFromConfig(cfg, func(o *eks.Options) { o.BaseEndpoint = aws.String(sb.AWS.EKSURL) }), nil
}

// timeline records the requests the sandbox saw during one run.
type timeline struct {
	mu         sync.Mutex
	begin, end time.Time
	calls      []fakeaws.Call
	// changed is closed by the next add (await).
	changed chan struct{}
}

func (t *timeline) start() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.begin, t.end, t.calls = time.Now(), time.Time{}, nil
}

func (t *timeline) stop() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.end = time.Now()
}

func (t *timeline) add(c fakeaws.Call) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.calls = append(t.calls, c)
	if t.changed != nil {
		close(t.changed)
		t.changed = nil
	}
}

// await waits until done holds for the calls (by arrival) or the time is
// up, and reports whether it holds. A request the plugin no longer needed
// may still be in flight when it exits: the sandbox tells of it once it
// sees the client gone.
func (t *timeline) await(within time.Duration, done func([]fakeaws.Call) bool) bool {
	timer := time.NewTimer(within)
	defer timer.Stop()
	for {
		if done(t.Calls()) {
			return true
		}
		t.mu.Lock()
		ch := make(chan struct{})
		t.changed = ch
		t.mu.Unlock()
		if done(t.Calls()) { // an add between the check and the channel
			return true
		}
		select {
		case <-ch:
		case <-timer.C:
			return false
		}
	}
}

// Calls are the requests of the run, by arrival.
func (t *timeline) Calls() []fakeaws.Call {
	t.mu.Lock()
	defer t.mu.Unlock()
	calls := append([]fakeaws.Call(nil), t.calls...)
	sort.Slice(calls, func(i, j int) bool { return calls[i].Arrived.Before(calls[j].Arrived) })
	return calls
}

// String is one line per request, by arrival, in ms from the start of the
// process, then its exit.
func (t *timeline) String() string {
	calls := t.Calls()
	t.mu.Lock()
	defer t.mu.Unlock()
	ms := func(at time.Time) float64 { return float64(at.Sub(t.begin).Microseconds()) / 1000 }
	var b strings.Builder
	for _, c := range calls {
		fmt.Fprintf(&b, "%7.1f %7.1f  %-4s %-60s %s\n", ms(c.Arrived), ms(c.Answered), c.Service, c.What, c.Agent)
	}
	fmt.Fprintf(&b, "%7.1f          exit\n", ms(t.end))
	return b.String()
}
