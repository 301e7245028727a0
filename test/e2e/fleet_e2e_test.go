package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"sigs.k8s.io/yaml"

	"github.com/eksaccess/kubectl-eksaccess/pkg/cmd"
	"github.com/eksaccess/kubectl-eksaccess/pkg/kube"
	"github.com/eksaccess/kubectl-eksaccess/test/cluster"
)

// latencyProxy is a reverse proxy to the real apiserver that holds every
// request for delay first: a cluster far away. It forwards as the admin
// (its own client certificate), so contexts through it need no
// credentials. inflight, when not nil, counts the requests it holds.
type latencyProxy struct {
	URL string
	// gate, when above 1, holds each request until that many are held at
	// once (or 10 s pass), so that a test sees contexts read in parallel
	// without timing them.
	gate int

	mu       sync.Mutex
	cond     *sync.Cond
	held     int
	maxHeld  int
	requests int
}

func newLatencyProxy(tb testing.TB, c *cluster.Cluster, delay time.Duration) *latencyProxy {
	tb.Helper()
	target, err := url.Parse(c.Config.Host)
	if err != nil {
		tb.Fatal(err)
	}
	rt, err := rest.TransportFor(c.Config)
	if err != nil {
		tb.Fatal(err)
	}
	p := &latencyProxy{}
	p.cond = sync.NewCond(&p.mu)
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(target)
			r.Out.Header.Del("Authorization")
		},
		Transport: rt,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.enter()
		defer p.leave()
		timer := time.NewTimer(delay)
		defer timer.Stop()
		select {
		case <-timer.C:
		case <-r.Context().Done():
			return
		}
		rp.ServeHTTP(w, r)
	}))
	tb.Cleanup(srv.Close)
	p.URL = srv.URL
	return p
}

func (p *latencyProxy) enter() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.held++
	p.requests++
	p.maxHeld = max(p.maxHeld, p.held)
	p.cond.Broadcast()
	if p.gate <= 1 {
		return
	}
	deadline := time.AfterFunc(10*time.Second, func() {
		p.mu.Lock()
		p.gate = 0
		p.cond.Broadcast()
		p.mu.Unlock()
	})
	defer deadline.Stop()
	for p.gate > 1 && p.held < p.gate {
		p.cond.Wait()
	}
	p.gate = 0 // open for good once reached
}

func (p *latencyProxy) leave() {
	p.mu.Lock()
	p.held--
	p.mu.Unlock()
}

func (p *latencyProxy) stats() (requests, maxHeld int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.requests, p.maxHeld
}

// closedPort returns an address on which nothing listens.
func closedPort(tb testing.TB) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// fleetContext is one context of a test kubeconfig: a server (empty: the
// apiserver itself) and a user of the admin kubeconfig's or the ones
// fleetKubeconfig adds.
type fleetContext struct {
	name, server, user string
}

const badToken = "not-a-valid-token-4f1c"

// fleetKubeconfig writes a kubeconfig with the given contexts, all aimed at
// the one real apiserver (directly or through a proxy) or at a closed port.
// Users: admin (system:masters certificate), viewer (a certificate with no
// RBAC), bad (a bearer token the apiserver does not know) and anon (no
// credentials, for proxies that add their own).
func fleetKubeconfig(tb testing.TB, c *cluster.Cluster, contexts []fleetContext) string {
	tb.Helper()
	admin, err := clientcmd.LoadFromFile(c.Kubeconfig)
	if err != nil {
		tb.Fatal(err)
	}
	ac := admin.Contexts[admin.CurrentContext]
	apiserver := admin.Clusters[ac.Cluster]
	cfg := clientcmdapi.NewConfig()
	cfg.AuthInfos["admin"] = admin.AuthInfos[ac.AuthInfo]
	cfg.AuthInfos["bad"] = &clientcmdapi.AuthInfo{Token: badToken}
	cfg.AuthInfos["anon"] = &clientcmdapi.AuthInfo{}
	if slices.ContainsFunc(contexts, func(fc fleetContext) bool { return fc.user == "viewer" }) {
		viewer, err := clientcmd.LoadFromFile(c.UserKubeconfig(tb, "fleet-viewer", "fleet-viewers"))
		if err != nil {
			tb.Fatal(err)
		}
		cfg.AuthInfos["viewer"] = viewer.AuthInfos[viewer.Contexts[viewer.CurrentContext].AuthInfo]
	}
	for _, fc := range contexts {
		cl := apiserver.DeepCopy()
		if fc.server != "" {
			cl = &clientcmdapi.Cluster{Server: fc.server}
		}
		cfg.Clusters["cluster-"+fc.name] = cl
		cfg.Contexts[fc.name] = &clientcmdapi.Context{Cluster: "cluster-" + fc.name, AuthInfo: fc.user}
	}
	cfg.CurrentContext = contexts[0].name
	path := filepath.Join(tb.TempDir(), "fleet.kubeconfig")
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		tb.Fatal(err)
	}
	return path
}

// fleetList is what list --all-contexts -o json prints, as a program reads
// it.
type fleetList struct {
	Kind     string
	Contexts []struct {
		Context, Cluster, Failure, Error, Source string
	}
	Items []map[string]any
}

func decodeFleet(t *testing.T, s string) fleetList {
	t.Helper()
	var l fleetList
	if err := json.Unmarshal([]byte(s), &l); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, s)
	}
	return l
}

// standardFleet is a fleet of six contexts on one apiserver: direct, two
// behind a latency proxy, one unreachable, one with a token the apiserver
// refuses (401) and one whose user RBAC does not let read aws-auth (403).
func standardFleet(t *testing.T, c *cluster.Cluster) (string, *latencyProxy, *latencyProxy) {
	slowA := newLatencyProxy(t, c, 50*time.Millisecond)
	slowB := newLatencyProxy(t, c, 150*time.Millisecond)
	kc := fleetKubeconfig(t, c, []fleetContext{
		{name: "direct", user: "admin"},
		{name: "slow-b", server: slowB.URL, user: "anon"},
		{name: "slow-a", server: slowA.URL, user: "anon"},
		{name: "gone", server: "https://" + closedPort(t), user: "admin"},
		{name: "badtoken", user: "bad"},
		{name: "viewer", user: "viewer"},
	})
	return kc, slowA, slowB
}

func TestE2EFleetList(t *testing.T) {
	c := cluster.Get(t)
	putAWSAuth(t, c, "aws-auth-mixed.yaml")
	kc, _, _ := standardFleet(t, c)

	r := run(t, "", "--kubeconfig", kc, "--request-timeout", "20s", "list", "--all-contexts", "-o", "json")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1 (three contexts fail): %s", r.code, r.stderr)
	}
	wantErr := "error: 3 of 6 contexts failed: badtoken (unauthorized), gone (unreachable), viewer (forbidden): see their rows above\n"
	if !strings.HasSuffix(r.stderr, wantErr) {
		t.Errorf("stderr %q, want it to end with %q", r.stderr, wantErr)
	}
	l := decodeFleet(t, r.stdout)
	if l.Kind != "FleetAccessList" {
		t.Errorf("kind %q", l.Kind)
	}
	var names []string
	for _, cx := range l.Contexts {
		names = append(names, cx.Context+"="+cx.Failure)
		if cx.Cluster != "cluster-"+cx.Context {
			t.Errorf("context %s: cluster %q", cx.Context, cx.Cluster)
		}
		if cx.Failure != "" && (cx.Error == "" || strings.Contains(cx.Error, "\n")) {
			t.Errorf("context %s: want a one-line error, got %q", cx.Context, cx.Error)
		}
	}
	if got, want := strings.Join(names, " "), "badtoken=unauthorized direct= gone=unreachable slow-a= slow-b= viewer=forbidden"; got != want {
		t.Errorf("contexts %s, want %s", got, want)
	}
	// Every row of a context that was read is exactly the row that context
	// gives alone, plus its context and cluster; items stay in context order.
	var order []string
	for _, name := range []string{"direct", "slow-a", "slow-b"} {
		one := run(t, "", "--kubeconfig", kc, "--context", name, "list", "-o", "json")
		if one.code != 0 {
			t.Fatalf("list --context %s: exit %d: %s", name, one.code, one.stderr)
		}
		var single struct{ Items []map[string]any }
		if err := json.Unmarshal([]byte(one.stdout), &single); err != nil {
			t.Fatal(err)
		}
		var mine []map[string]any
		for _, it := range l.Items {
			if it["context"] == name {
				if it["cluster"] != "cluster-"+name {
					t.Errorf("item of %s has cluster %v", name, it["cluster"])
				}
				delete(it, "context")
				delete(it, "cluster")
				mine = append(mine, it)
			}
		}
		a, _ := json.Marshal(mine)
		b, _ := json.Marshal(single.Items)
		if len(single.Items) != 8 || !bytes.Equal(a, b) {
			t.Errorf("context %s: fleet rows differ from list --context %s:\n%s\n%s", name, name, a, b)
		}
	}
	for _, it := range l.Items {
		if c, ok := it["context"].(string); ok && (len(order) == 0 || order[len(order)-1] != c) {
			order = append(order, c)
		}
	}
	if got := strings.Join(order, ","); got != "badtoken,gone,viewer" {
		t.Errorf("the remaining items (failed contexts) are %s, want badtoken,gone,viewer, one each", got)
	}

	// The table: CONTEXT first, a failed context is one row with its class.
	r = run(t, "", "--kubeconfig", kc, "list", "--all-contexts")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != 1 || !strings.HasPrefix(lines[0], "CONTEXT ") || len(lines) != 1+3+3*8 {
		t.Fatalf("table: exit %d, %d lines:\n%s\n%s", r.code, len(lines), r.stdout, r.stderr)
	}
	for _, want := range []string{
		`^badtoken .* unauthorized: the cluster refused your credentials \(401 Unauthorized\)`,
		`^gone .* unreachable: cannot reach the cluster https://127\.0\.0\.1:\d+: `,
		`^viewer .* forbidden: you may not get configmap kube-system/aws-auth \(403 Forbidden\)`,
		`^slow-a +role +arn:aws:iam::111122223333:role/eks-node +system:node:`,
	} {
		if !matchLine(lines, want) {
			t.Errorf("no table line matches %s:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout+r.stderr, badToken) {
		t.Error("the bearer token leaked into the output")
	}
}

func TestE2EFleetSelect(t *testing.T) {
	c := cluster.Get(t)
	putAWSAuth(t, c, "aws-auth-ok.yaml")
	kc, slowA, slowB := standardFleet(t, c)

	contexts := func(args ...string) (int, string) {
		t.Helper()
		r := run(t, "", append([]string{"--kubeconfig", kc, "list", "-o", "json"}, args...)...)
		l := decodeFleet(t, r.stdout)
		var names []string
		for _, cx := range l.Contexts {
			names = append(names, cx.Context)
		}
		return r.code, strings.Join(names, ",")
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--contexts", "slow-b,direct,slow-b"}, 0, "direct,slow-b"},
		{[]string{"--context-pattern", "slow-*"}, 0, "slow-a,slow-b"},
		{[]string{"--context-pattern", "*o*", "--parallel", "1"}, 1, "badtoken,gone,slow-a,slow-b"},
		{[]string{"--contexts", "gone"}, 1, "gone"},
	} {
		if code, got := contexts(tc.args...); code != tc.code || got != tc.want {
			t.Errorf("list %v: exit %d contexts %s, want exit %d contexts %s", tc.args, code, got, tc.code, tc.want)
		}
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"list", "--all-contexts", "--context", "direct"}, "error: --context names one context and excludes --all-contexts, --contexts and --context-pattern: choose one\n"},
		{[]string{"list", "--contexts", "nope"}, "error: --contexts: context \"nope\" does not exist in the kubeconfig: list contexts with 'kubectl config get-contexts'\n"},
		{[]string{"lint", "--context-pattern", "prod-*"}, "error: --context-pattern \"prod-*\" matches no context of the kubeconfig: list contexts with 'kubectl config get-contexts'\n"},
		{[]string{"lint", "--context-pattern", "[a"}, "error: --context-pattern \"[a\": syntax error in pattern: use a glob like 'prod-*'\n"},
		{[]string{"lint", "--all-contexts", "-f", fixture("aws-auth-ok.yaml")}, "error: -f reads one file and excludes --all-contexts, --contexts and --context-pattern: choose one\n"},
		{[]string{"list", "--all-contexts", "--contexts", "direct"}, "error: --all-contexts, --contexts and --context-pattern exclude each other: choose one\n"},
		{[]string{"lint", "--all-contexts", "--parallel", "0"}, "error: --parallel must be at least 1, not 0\n"},
		{[]string{"lint", "--all-contexts", "-o", "sarif"}, "error: -o sarif annotates a file read with -f, not several contexts: use -o json\n"},
	} {
		r := run(t, "", append([]string{"--kubeconfig", kc}, tc.args...)...)
		if r.code != 1 || r.stderr != tc.want || r.stdout != "" {
			t.Errorf("%v: exit %d stderr %q, want %q", tc.args, r.code, r.stderr, tc.want)
		}
	}

	// --parallel 1 reads one context at a time; the default reads the two
	// slow ones at once (each proxy holds its request until the other's has
	// arrived, or 10 s: no timing involved).
	ra, ma := slowA.stats()
	rb, mb := slowB.stats()
	if ra == 0 || rb == 0 || ma != 1 || mb != 1 {
		t.Fatalf("proxies before the parallel run: requests %d/%d, at once %d/%d", ra, rb, ma, mb)
	}
	shared := newLatencyProxy(t, c, 0)
	shared.gate = 2
	kc2 := fleetKubeconfig(t, c, []fleetContext{{name: "p", server: shared.URL, user: "anon"}, {name: "q", server: shared.URL, user: "anon"}})
	r := run(t, "", "--kubeconfig", kc2, "list", "--all-contexts")
	if _, held := shared.stats(); r.code != 0 || held != 2 {
		t.Errorf("default --parallel: exit %d, requests held at once %d, want 2: %s", r.code, held, r.stderr)
	}
	serial := newLatencyProxy(t, c, 20*time.Millisecond)
	kc3 := fleetKubeconfig(t, c, []fleetContext{{name: "p", server: serial.URL, user: "anon"}, {name: "q", server: serial.URL, user: "anon"}, {name: "r", server: serial.URL, user: "anon"}})
	r = run(t, "", "--kubeconfig", kc3, "lint", "--all-contexts", "--parallel", "1")
	if n, held := serial.stats(); r.code != 0 || n != 3 || held != 1 {
		t.Errorf("--parallel 1: exit %d, %d requests, %d at once, want 3 and 1: %s", r.code, n, held, r.stderr)
	}
}

func TestE2EFleetLint(t *testing.T) {
	c := cluster.Get(t)
	putAWSAuth(t, c, "aws-auth-mixed.yaml")
	kc, _, _ := standardFleet(t, c)
	r := run(t, "", "--kubeconfig", kc, "lint", "--all-contexts", "-o", "json")
	if r.code != 1 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var l struct {
		Kind             string
		Errors, Warnings int
		Contexts         []struct {
			Context, Failure string
			Errors, Warnings int
		}
		Items []struct{ Context, Cluster, Code, Failure string }
	}
	if err := json.Unmarshal([]byte(r.stdout), &l); err != nil {
		t.Fatal(err)
	}
	single := run(t, "", "--kubeconfig", kc, "--context", "direct", "lint", "-o", "json")
	var one struct {
		Errors, Warnings int
		Items            []struct{ Code string }
	}
	if err := json.Unmarshal([]byte(single.stdout), &one); err != nil || one.Errors == 0 {
		t.Fatalf("lint --context direct: %v %s", err, single.stdout)
	}
	if l.Kind != "FleetFindingList" || l.Errors != 3*one.Errors || l.Warnings != 3*one.Warnings || len(l.Items) != 3*len(one.Items)+3 {
		t.Errorf("fleet lint: kind %s, %d errors %d warnings %d items; one context: %d errors %d warnings %d items", l.Kind, l.Errors, l.Warnings, len(l.Items), one.Errors, one.Warnings, len(one.Items))
	}
	for _, cx := range l.Contexts {
		if cx.Failure == "" && (cx.Errors != one.Errors || cx.Warnings != one.Warnings) {
			t.Errorf("context %s: %d errors %d warnings", cx.Context, cx.Errors, cx.Warnings)
		}
	}
	r = run(t, "", "--kubeconfig", kc, "lint", "--contexts", "direct,gone")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != 1 || !strings.HasPrefix(lines[0], "CONTEXT ") {
		t.Errorf("lint table: exit %d, header %q", r.code, lines[0])
	}
	if !matchLine(lines, `^direct +error +EKSA\d+ +mapRoles:\d+ `) || !matchLine(lines, `^gone +error +- +- +unreachable: cannot reach the cluster`) {
		t.Errorf("lint table:\n%s", r.stdout)
	}

	// A context without aws-auth is a "not found" row; a clean one an "ok" row.
	putAWSAuth(t, c, "")
	r = run(t, "", "--kubeconfig", kc, "list", "--contexts", "direct,slow-a", "-o", "json")
	l2 := decodeFleet(t, r.stdout)
	if r.code != 1 || len(l2.Contexts) != 2 || l2.Contexts[0].Failure != "not found" || !strings.HasPrefix(l2.Contexts[1].Error, "configmap kube-system/aws-auth not found (context slow-a)") {
		t.Errorf("no aws-auth: exit %d %+v", r.code, l2.Contexts)
	}
	putAWSAuth(t, c, "aws-auth-ok.yaml")
	r = run(t, "", "--kubeconfig", kc, "lint", "--contexts", "direct,slow-a")
	if r.code != 0 || !matchLine(strings.Split(r.stdout, "\n"), `^slow-a +ok +- +- +no findings$`) {
		t.Errorf("clean fleet lint: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// BenchmarkFleet measures list over 20 contexts, each behind its own
// 100 ms proxy (a far cluster), against one such context. The goal: 20
// contexts in at most 1.5 times the time of one, with --parallel 20 (with
// the default --parallel 8 they need three rounds).
func BenchmarkFleet(b *testing.B) {
	c := cluster.Get(b)
	putAWSAuthFile(b, c, "aws-auth-ok.yaml")
	var contexts []fleetContext
	for i := range 20 {
		p := newLatencyProxy(b, c, 100*time.Millisecond)
		contexts = append(contexts, fleetContext{name: fmt.Sprintf("far-%02d", i), server: p.URL, user: "anon"})
	}
	kc := fleetKubeconfig(b, c, contexts)
	for _, bc := range []struct {
		name string
		args []string
	}{
		{"contexts=1", []string{"--contexts", "far-00"}},
		{"contexts=20/parallel=8", []string{"--all-contexts"}},
		{"contexts=20/parallel=20", []string{"--all-contexts", "--parallel", "20"}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			args := append([]string{"--kubeconfig", kc, "list", "-o", "json"}, bc.args...)
			for b.Loop() {
				var out, errOut bytes.Buffer
				if code := cmd.Execute(context.Background(), genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut}, args); code != 0 {
					b.Fatalf("exit %d: %s", code, errOut.String())
				}
			}
		})
	}
}

// putAWSAuthFile is putAWSAuth for a benchmark too.
func putAWSAuthFile(tb testing.TB, c *cluster.Cluster, file string) {
	tb.Helper()
	ctx := context.Background()
	cms := c.Clientset.CoreV1().ConfigMaps(kube.Namespace)
	if err := cms.Delete(ctx, kube.ConfigMapName, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
		tb.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(testdata, file))
	if err != nil {
		tb.Fatal(err)
	}
	var cm corev1.ConfigMap
	if err := yaml.Unmarshal(b, &cm); err != nil {
		tb.Fatal(err)
	}
	if _, err := cms.Create(ctx, &cm, metav1.CreateOptions{}); err != nil {
		tb.Fatal(err)
	}
}

// matchLine reports whether a line matches the regular expression re.
func matchLine(lines []string, re string) bool {
	return slices.ContainsFunc(lines, regexp.MustCompile(re).MatchString)
}

// TestE2EFleetDiagnose: diagnose --arn X --all-contexts answers in each
// context, as whom and through which entry, with the verdict diagnose
// --arn X --context C gives alone; a context that cannot be read says why.
func TestE2EFleetDiagnose(t *testing.T) {
	c := cluster.Get(t)
	putAWSAuth(t, c, "aws-auth-ok.yaml")
	kc, _, _ := standardFleet(t, c)
	if r := run(t, "", "--kubeconfig", kc, "--context", "direct", "add", "arn:aws:iam::111122223333:user/dev", "--group", "fleet-developers", "--yes", "--backup-dir", t.TempDir()); r.code != 0 {
		t.Fatalf("add: %s", r.stderr)
	}
	type answer struct {
		Context, Cluster, Failure, Error, Verdict, Username, Source string
		Groups                                                      []string
	}
	decode := func(s string) []answer {
		t.Helper()
		var l struct {
			Kind  string
			Items []answer
		}
		if err := json.Unmarshal([]byte(s), &l); err != nil || l.Kind != "FleetDiagnosisList" {
			t.Fatalf("not a FleetDiagnosisList: %v\n%s", err, s)
		}
		return l.Items
	}
	for _, tc := range []struct {
		arn, want string
		code      int
	}{
		{"arn:aws:sts::111122223333:assumed-role/Admin/alice", "authorized admin:alice [system:masters] aws-auth mapRoles line 6", 0},
		{"arn:aws:iam::111122223333:user/dev", "forbidden dev [fleet-developers] aws-auth mapUsers line 5", 1},
		{"arn:aws:iam::111122223333:role/Nobody", "unauthorized  [] ", 1},
	} {
		r := run(t, "", "--kubeconfig", kc, "diagnose", "--arn", tc.arn, "--all-contexts", "-o", "json")
		want := "error: 3 of 6 contexts could not be diagnosed: badtoken (unauthorized), gone (unreachable), viewer (forbidden): see their rows above\n"
		if r.code != 2 || r.stderr != want {
			t.Errorf("%s: exit %d, stderr %q, want 2 and %q", tc.arn, r.code, r.stderr, want)
		}
		var got []string
		for _, a := range decode(r.stdout) {
			if a.Cluster != "cluster-"+a.Context {
				t.Errorf("context %s: cluster %q", a.Context, a.Cluster)
			}
			if a.Failure != "" {
				got = append(got, a.Context+": "+a.Verdict+" "+a.Failure)
				continue
			}
			got = append(got, fmt.Sprintf("%s: %s %s %v %s", a.Context, a.Verdict, a.Username, a.Groups, a.Source))
			// The same answer as diagnosing that context alone.
			one := run(t, "", "--kubeconfig", kc, "--context", a.Context, "diagnose", "--arn", tc.arn, "-o", "json")
			var d answer
			if err := json.Unmarshal([]byte(one.stdout), &d); err != nil || one.code != tc.code {
				t.Fatalf("diagnose --context %s: exit %d %v", a.Context, one.code, err)
			}
			if fmt.Sprint(d.Verdict, d.Username, d.Groups, d.Source) != fmt.Sprint(a.Verdict, a.Username, a.Groups, a.Source) {
				t.Errorf("%s in context %s: fleet says %+v, alone %+v", tc.arn, a.Context, a, d)
			}
		}
		wantRows := []string{"badtoken: unknown unauthorized", "direct: " + tc.want, "gone: unknown unreachable", "slow-a: " + tc.want, "slow-b: " + tc.want, "viewer: unknown forbidden"}
		if strings.Join(got, "\n") != strings.Join(wantRows, "\n") {
			t.Errorf("%s:\n%s\nwant\n%s", tc.arn, strings.Join(got, "\n"), strings.Join(wantRows, "\n"))
		}
		// Only the contexts that can be read: 0 when authorized everywhere,
		// 1 when unauthorized or forbidden somewhere.
		r = run(t, "", "--kubeconfig", kc, "diagnose", "--arn", tc.arn, "--context-pattern", "slow-*", "--parallel", "1")
		lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
		if r.code != tc.code || r.stderr != "" || len(lines) != 3 || !strings.HasPrefix(lines[0], "CONTEXT ") {
			t.Errorf("%s over slow-*: exit %d, want %d:\n%s%s", tc.arn, r.code, tc.code, r.stdout, r.stderr)
		}
	}
	r := run(t, "", "--kubeconfig", kc, "diagnose", "--arn", "arn:aws:iam::111122223333:user/dev", "--all-contexts")
	for _, want := range []string{
		`^direct +forbidden +dev +fleet-developers +aws-auth mapUsers line 5 +no RBAC binding names dev`,
		`^gone +unknown +- +- +<none> +unreachable: cannot reach the cluster https://127\.0\.0\.1:\d+`,
	} {
		if !matchLine(strings.Split(r.stdout, "\n"), want) {
			t.Errorf("no table line matches %s:\n%s", want, r.stdout)
		}
	}
	for _, args := range [][]string{
		{"diagnose", "--all-contexts"},
		{"diagnose", "--all-contexts", "--arn", "arn:aws:iam::111122223333:user/dev", "--admin-context", "direct"},
	} {
		if r := run(t, "", append([]string{"--kubeconfig", kc}, args...)...); r.code != 2 || !strings.Contains(r.stderr, "--all-contexts, --contexts and --context-pattern") {
			t.Errorf("%v: exit %d %q", args, r.code, r.stderr)
		}
	}
}
