// Command benchpair times the plugin against kubectl as a user runs them:
// whole processes, in pairs, interleaved (plugin then kubectl, then kubectl
// then plugin, ...) so that both see the same machine load, and prints the
// median and spread (min, p25, p75, max) of each side and the paired ratio
// plugin/kubectl. hack/bench-startup.sh runs it.
//
// Pairs:
//   - version: `kubectl-eksaccess version` vs `kubectl version --client`
//   - floor (with -floor): hack/startfloor, the plugin's libraries and a main
//     that does nothing, vs `kubectl version --client`: what their
//     initialisation alone costs
//   - list: `kubectl-eksaccess list` vs `kubectl get cm aws-auth -n kube-system -o yaml`
//     on an aws-auth of -entries entries, against a real kube-apiserver and
//     etcd started with envtest (KUBEBUILDER_ASSETS, from hack/testbin.sh).
//
// -hold starts that cluster only, prints its kubeconfig's path and waits for
// Ctrl-C: for profiling one side by hand (kubectl eksaccess --profile cpu).
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/eksaccess/kubectl-eksaccess/pkg/awsauth/awsauthtest"
)

func main() {
	runs := flag.Int("runs", 30, "timed pairs per benchmark (after the warm-up pairs)")
	warmup := flag.Int("warmup", 3, "untimed pairs first")
	plugin := flag.String("plugin", "bin/kubectl-eksaccess", "the plugin binary")
	kubectl := flag.String("kubectl", "kubectl", "the kubectl binary")
	entries := flag.Int("entries", 2000, "aws-auth entries for the list pair")
	only := flag.String("only", "", "run only this pair (version, floor or list)")
	floor := flag.String("floor", "", "hack/startfloor's binary: timed against kubectl too, for reference")
	hold := flag.Bool("hold", false, "start the list pair's cluster, print its kubeconfig and wait for Ctrl-C")
	flag.Parse()
	if *hold {
		if err := holdCluster(*entries); err != nil {
			fmt.Fprintf(os.Stderr, "benchpair: %v\n", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*plugin, *kubectl, *floor, *runs, *warmup, *entries, *only); err != nil {
		fmt.Fprintf(os.Stderr, "benchpair: %v\n", err)
		os.Exit(1)
	}
}

type pair struct {
	name, goal  string
	maxRatio    float64
	maxMS       float64 // goal for the plugin's median, 0: none
	plugin, kub []string
	env         []string
}

func run(plugin, kubectl, floor string, runs, warmup, entries int, only string) error {
	var err error
	if plugin, err = filepath.Abs(plugin); err != nil {
		return err
	}
	if floor != "" {
		if floor, err = filepath.Abs(floor); err != nil {
			return err
		}
	}
	if kubectl, err = exec.LookPath(kubectl); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "benchpair-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	// Both sides keep their discovery/HTTP caches here, warm after the warm-up.
	env := append(os.Environ(), "KUBECACHEDIR="+filepath.Join(dir, "cache"), "HOME="+dir, "NO_COLOR=1")

	pairs := []pair{{name: "version", goal: "<= 0.15", maxRatio: 0.15, maxMS: 15,
		plugin: []string{plugin, "version"}, kub: []string{kubectl, "version", "--client"}, env: env}}
	if floor != "" {
		// What the libraries' initialisation alone costs: the best any
		// plugin built on them can do.
		pairs = append(pairs, pair{name: "floor (hack/startfloor: the plugin's libraries linked in, a main that does nothing; for reference)",
			plugin: []string{floor}, kub: []string{kubectl, "version", "--client"}, env: env})
	}
	if only == "" || only == "list" {
		kubeconfig, stop, err := cluster(dir, entries)
		if err != nil {
			return err
		}
		defer stop()
		pairs = append(pairs, pair{name: fmt.Sprintf("list (aws-auth of %d entries, real kube-apiserver)", entries), goal: "<= 0.50", maxRatio: 0.5,
			plugin: []string{plugin, "--kubeconfig", kubeconfig, "list"},
			kub:    []string{kubectl, "--kubeconfig", kubeconfig, "get", "cm", "aws-auth", "-n", "kube-system", "-o", "yaml"}, env: env})
	}
	fmt.Printf("plugin: %s\nkubectl: %s\n%d timed pairs each after %d warm-up pairs, interleaved (order alternates); load average at start: %s\n",
		plugin, kubectl, runs, warmup, loadavg())
	for _, p := range pairs {
		if only != "" && !strings.HasPrefix(p.name, only) {
			continue
		}
		if err := bench(p, runs, warmup); err != nil {
			return err
		}
	}
	fmt.Printf("load average at end: %s\n", loadavg())
	return nil
}

func bench(p pair, runs, warmup int) error {
	var a, b, ratio []float64
	for i := 0; i < warmup+runs; i++ {
		var da, db time.Duration
		var err error
		if i%2 == 0 {
			if da, err = timeRun(p.plugin, p.env); err == nil {
				db, err = timeRun(p.kub, p.env)
			}
		} else {
			if db, err = timeRun(p.kub, p.env); err == nil {
				da, err = timeRun(p.plugin, p.env)
			}
		}
		if err != nil {
			return err
		}
		if i >= warmup {
			a, b = append(a, ms(da)), append(b, ms(db))
			ratio = append(ratio, float64(da)/float64(db))
		}
	}
	fmt.Printf("\n%s\n", p.name)
	goal := ""
	if p.maxMS > 0 {
		goal = fmt.Sprintf("  (goal <= %.0f ms: %s)", p.maxMS, map[bool]string{true: "met", false: "NOT met"}[median(a) <= p.maxMS])
	}
	fmt.Printf("  %-44s %s%s\n", strings.Join(base(p.plugin), " "), spread(a, "ms"), goal)
	fmt.Printf("  %-44s %s\n", strings.Join(base(p.kub), " "), spread(b, "ms"))
	if p.goal == "" {
		fmt.Printf("  %-44s %s\n", "paired ratio plugin/kubectl", spread(ratio, "x"))
		return nil
	}
	met := "met"
	if median(ratio) > p.maxRatio {
		met = "NOT met"
	}
	fmt.Printf("  %-44s %s  (goal %s: %s)\n", "paired ratio plugin/kubectl", spread(ratio, "x"), p.goal, met)
	return nil
}

func base(args []string) []string {
	out := append([]string{filepath.Base(args[0])}, args[1:]...)
	for i, s := range out {
		if filepath.IsAbs(s) {
			out[i] = "K"
		}
	}
	return out
}

func timeRun(args, env []string) (time.Duration, error) {
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr // stdout: /dev/null, the same for both
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	if err != nil {
		return 0, fmt.Errorf("%s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return d, nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func quantile(xs []float64, q float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	pos := q * float64(len(s)-1)
	i := int(pos)
	if i+1 >= len(s) {
		return s[len(s)-1]
	}
	return s[i] + (pos-float64(i))*(s[i+1]-s[i])
}

func median(xs []float64) float64 { return quantile(xs, 0.5) }

func spread(xs []float64, unit string) string {
	f := "%6.1f"
	if unit == "x" {
		f = "%6.3f"
	}
	v := func(q float64) string { return fmt.Sprintf(f, quantile(xs, q)) }
	return fmt.Sprintf("median %s %s  (min %s  p25 %s  p75 %s  max %s)", v(0.5), unit, v(0), v(0.25), v(0.75), v(1))
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	return strings.Join(f[:min(3, len(f))], " ")
}

func holdCluster(entries int) error {
	dir, err := os.MkdirTemp("", "benchpair-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	kubeconfig, stop, err := cluster(dir, entries)
	if err != nil {
		return err
	}
	defer stop()
	fmt.Printf("aws-auth of %d entries; kubeconfig: %s\nCtrl-C stops the cluster\n", entries, kubeconfig)
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	<-ctx.Done()
	return nil
}

// cluster starts kube-apiserver and etcd, writes an admin kubeconfig and an
// aws-auth of n entries, and returns the kubeconfig's path.
func cluster(dir string, n int) (string, func(), error) {
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		return "", nil, fmt.Errorf("KUBEBUILDER_ASSETS is not set: run hack/bench-startup.sh, which sets it from hack/testbin.sh")
	}
	env := &envtest.Environment{ControlPlaneStartTimeout: 90 * time.Second, ControlPlaneStopTimeout: 30 * time.Second}
	cfg, err := env.Start()
	if err != nil {
		return "", nil, fmt.Errorf("starting kube-apiserver and etcd: %w", err)
	}
	stop := func() { _ = env.Stop() }
	fail := func(err error) (string, func(), error) { stop(); return "", nil, err }
	admin, err := env.AddUser(envtest.User{Name: "admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return fail(err)
	}
	kc, err := admin.KubeConfig()
	if err != nil {
		return fail(err)
	}
	path := filepath.Join(dir, "admin.kubeconfig")
	if err := os.WriteFile(path, kc, 0o600); err != nil {
		return fail(err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return fail(err)
	}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "aws-auth", Namespace: "kube-system"}, Data: awsauthtest.Generate(n)}
	if _, err := cs.CoreV1().ConfigMaps("kube-system").Create(context.Background(), cm, metav1.CreateOptions{}); err != nil {
		return fail(fmt.Errorf("creating aws-auth: %w", err))
	}
	return path, stop, nil
}
