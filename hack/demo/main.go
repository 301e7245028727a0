// Command demo replays the aws-auth story on a local control plane (a real
// kube-apiserver and etcd, started through envtest): it prints every
// command it runs and its output, and fails on the first step that does
// not behave as it says.
//
// Run it with `make demo`, which builds the plugin and the control plane.
package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// brokenAWSAuth is what a hand edit often leaves behind.
const brokenAWSAuth = `- rolearn: arn:aws:iam::111122223333:role/eks-node
  username: system:node:{{EC2PrivateDNSName}}
  groups:
    - system:bootstrappers
    - system:nodes
- rolearn: arn:aws:iam::111122223333:role/platform/Admin
  username: admin:{{SessionName}}
  groups:
    - system:masters
- userarn: arn:aws:iam::111122223333:user/ops
  username: ops
`

func main() {
	if err := run(context.Background()); err != nil {
		fmt.Fprintf(os.Stderr, "demo failed: %v\n", err)
		os.Exit(1)
	}
	fmt.Println("\nThe demo ran to the end.")
}

func run(ctx context.Context) error {
	plugin, err := filepath.Abs("bin/kubectl-eksaccess")
	if err != nil {
		return err
	}
	if _, err := os.Stat(plugin); err != nil {
		return fmt.Errorf("%s is missing: run 'make demo', which builds it", plugin)
	}
	say("Starting a local control plane (kube-apiserver and etcd)...")
	env := &envtest.Environment{}
	cfg, err := env.Start()
	if err != nil {
		return fmt.Errorf("starting the control plane (run 'make demo', which builds it): %w", err)
	}
	defer func() { _ = env.Stop() }()
	dir, err := os.MkdirTemp("", "eksaccess-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	admin, err := env.AddUser(envtest.User{Name: "cluster_creator", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		return err
	}
	kc, err := admin.KubeConfig()
	if err != nil {
		return err
	}
	kubeconfig := filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(kubeconfig, kc, 0o600); err != nil {
		return err
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	cm := &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: "aws-auth", Namespace: "kube-system"},
		Data:       map[string]string{"mapRoles": brokenAWSAuth},
	}
	if _, err := cs.CoreV1().ConfigMaps("kube-system").Create(ctx, cm, metav1.CreateOptions{}); err != nil {
		return err
	}
	say("An aws-auth as hand edits leave it: a role mapped with its path, and a user under mapRoles.")
	fmt.Print("\n  mapRoles: |\n" + indent(brokenAWSAuth, "    "))

	env2 := append(os.Environ(), "KUBECONFIG="+kubeconfig, "NO_COLOR=1")
	steps := []struct {
		args     []string
		wantCode int
		want     string
	}{
		{[]string{"list"}, 0, "never matches: role path"},
		{[]string{"list", "--arn", "arn:aws:sts::111122223333:assumed-role/Admin/alice"}, 0, ""},
		{[]string{"lint"}, 1, "EKSA107"},
	}
	for _, s := range steps {
		if err := step(ctx, plugin, env2, s.args, s.wantCode, s.want); err != nil {
			return err
		}
	}
	return nil
}

func step(ctx context.Context, plugin string, env []string, args []string, wantCode int, want string) error {
	fmt.Printf("\n$ kubectl eksaccess %s\n", strings.Join(args, " "))
	cmd := exec.CommandContext(ctx, plugin, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr, cmd.Env = &out, &out, env
	err := cmd.Run()
	fmt.Print(indent(out.String(), "  "))
	code := 0
	if exit, ok := err.(*exec.ExitError); ok {
		code = exit.ExitCode()
	} else if err != nil {
		return err
	}
	if code != wantCode {
		return fmt.Errorf("kubectl eksaccess %s exited %d, want %d", strings.Join(args, " "), code, wantCode)
	}
	if !strings.Contains(out.String(), want) {
		return fmt.Errorf("kubectl eksaccess %s: output lacks %q", strings.Join(args, " "), want)
	}
	return nil
}

func say(s string) { fmt.Printf("\n# %s\n", s) }

func indent(s, pre string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return pre + strings.Join(lines, "\n"+pre) + "\n"
}
