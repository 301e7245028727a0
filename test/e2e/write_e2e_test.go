package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/eksaccess/kubectl-eksaccess/pkg/awsauth"
	"github.com/eksaccess/kubectl-eksaccess/pkg/cmd"
	"github.com/eksaccess/kubectl-eksaccess/pkg/kube"
	"github.com/eksaccess/kubectl-eksaccess/test/cluster"
)

const designated = "arn:aws:iam::111122223333:user/designated_user"

func liveAWSAuth(t *testing.T, c *cluster.Cluster) *corev1.ConfigMap {
	t.Helper()
	cm, err := c.Clientset.CoreV1().ConfigMaps(kube.Namespace).Get(context.Background(), kube.ConfigMapName, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return cm
}

// writeArgs are the flags every write test passes: the admin kubeconfig and
// a private backup directory.
func writeArgs(t *testing.T, c *cluster.Cluster, args ...string) []string {
	return append([]string{"--kubeconfig", c.Kubeconfig}, append(args, "--backup-dir", t.TempDir())...)
}

func TestE2EAddDesignatedUser(t *testing.T) {
	c := cluster.Get(t)
	putAWSAuth(t, c, "aws-auth-eksctl.yaml")
	before := liveAWSAuth(t, c)
	backups := t.TempDir()

	r := run(t, "", "--kubeconfig", c.Kubeconfig, "add", designated, "--group", "system:masters", "--yes", "--backup-dir", backups)
	if r.code != 0 {
		t.Fatalf("add exited %d: %s", r.code, r.stderr)
	}
	wantDiff := `+- userarn: arn:aws:iam::111122223333:user/designated_user
+  username: designated_user
+  groups:
+    - system:masters
`
	if !strings.Contains(r.stdout, wantDiff) {
		t.Errorf("the diff does not show exactly the added lines:\n%s", r.stdout)
	}
	if strings.Count(r.stdout, "\n+") != 5 || strings.Count(r.stdout, "\n-") != 1 { // +++ and --- headers count once each
		t.Errorf("the diff changes more than the new entry:\n%s", r.stdout)
	}
	if !strings.Contains(r.stdout, "diff kube-system/aws-auth (context envtest, cluster envtest)") || !strings.Contains(r.stdout, "configmap/aws-auth configured") {
		t.Errorf("header or status line missing:\n%s", r.stdout)
	}
	after := liveAWSAuth(t, c)
	for k, v := range before.Data {
		if k != awsauth.KeyUsers && after.Data[k] != v {
			t.Errorf("data key %s changed:\n%q\n%q", k, v, after.Data[k])
		}
	}
	if !strings.HasPrefix(after.Data[awsauth.KeyUsers], before.Data[awsauth.KeyUsers]) {
		t.Errorf("mapUsers was not appended to:\n%s", after.Data[awsauth.KeyUsers])
	}
	p, _ := awsauth.Canonicalize(designated)
	m := awsauth.Parse(after.Data)
	if got := m.Lookup(p, ""); got == nil || got.Username != "designated_user" || strings.Join(got.Groups, ",") != "system:masters" {
		t.Fatalf("designated_user is not mapped as asked: %+v", got)
	}
	if awsauth.HasErrors(awsauth.Lint(m)) {
		t.Errorf("the result has lint errors: %v", awsauth.Lint(m))
	}
	// The backup holds the previous object, readable by its owner only.
	files, _ := filepath.Glob(filepath.Join(backups, "envtest", "aws-auth-*.yaml"))
	if len(files) != 1 {
		t.Fatalf("want one backup, got %v", files)
	}
	if st, _ := os.Stat(files[0]); st.Mode().Perm() != 0o600 {
		t.Errorf("backup mode %v, want 0600", st.Mode().Perm())
	}
	if !strings.Contains(r.stderr, files[0]) {
		t.Errorf("the backup path is not printed: %s", r.stderr)
	}

	// The same add again changes nothing.
	r = run(t, "", writeArgs(t, c, "add", designated, "--group", "system:masters", "--yes")...)
	if r.code != 0 || !strings.Contains(r.stderr, "unchanged") || liveAWSAuth(t, c).ResourceVersion != after.ResourceVersion {
		t.Errorf("second add is not a no-op: %+v", r)
	}

	// restore puts the backup back.
	r = run(t, "", writeArgs(t, c, "restore", files[0], "--yes")...)
	if r.code != 0 {
		t.Fatalf("restore exited %d: %s", r.code, r.stderr)
	}
	if got := liveAWSAuth(t, c).Data; !maps.Equal(got, before.Data) {
		t.Errorf("restore did not bring back the previous data:\n%v", got)
	}
}

func TestE2EDryRunAndConfirmation(t *testing.T) {
	c := cluster.Get(t)
	putAWSAuth(t, c, "aws-auth-eksctl.yaml")
	rv := liveAWSAuth(t, c).ResourceVersion
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stdout string
		stderr string
	}{
		{"client dry run", []string{"add", designated, "--dry-run"}, 0, "+- userarn: " + designated, "not written (dry run)"},
		{"client dry run, explicit", []string{"add", designated, "--dry-run=client", "-o", "yaml"}, 0, "kind: ConfigMap", "+- userarn"},
		{"server dry run", []string{"add", designated, "--dry-run=server", "--yes"}, 0, "configured (server dry run)", ""},
		{"no terminal, no --yes", []string{"add", designated}, 1, "+- userarn", "no terminal to confirm on"},
		{"bad dry-run value", []string{"add", designated, "--dry-run=maybe"}, 1, "", `--dry-run must be "none", "client" or "server"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, "", writeArgs(t, c, tc.args...)...)
			if r.code != tc.code || !strings.Contains(r.stdout, tc.stdout) || !strings.Contains(r.stderr, tc.stderr) {
				t.Errorf("exit %d (want %d)\nstdout:\n%s\nstderr:\n%s", r.code, tc.code, r.stdout, r.stderr)
			}
			if got := liveAWSAuth(t, c).ResourceVersion; got != rv {
				t.Errorf("aws-auth was written (resourceVersion %s → %s)", rv, got)
			}
		})
	}
}

func TestE2ECreateWhenMissing(t *testing.T) {
	c := cluster.Get(t)
	putAWSAuth(t, c, "")
	r := run(t, "", writeArgs(t, c, "add", "arn:aws:iam::111122223333:role/eks-node", "--node", "--yes")...)
	if r.code != 0 || !strings.Contains(r.stdout, "does not exist in context envtest: it will be created") || !strings.Contains(r.stdout, "configmap/aws-auth created") {
		t.Fatalf("create: %+v", r)
	}
	m := awsauth.Parse(liveAWSAuth(t, c).Data)
	if len(m.Entries) != 1 || !m.Entries[0].Effective() || m.Entries[0].Username != awsauth.NodeUsername {
		t.Errorf("created aws-auth does not map the node role: %+v", m.Entries)
	}
}

// TestE2EGuards checks that each guard refuses with a clear message and
// writes nothing.
func TestE2EGuards(t *testing.T) {
	c := cluster.Get(t)
	broken := map[string]string{awsauth.KeyRoles: "- rolearn: arn:aws:iam::111122223333:role/A\n  username: {{SessionName}}\n"}
	for _, tc := range []struct {
		name string
		data string // testdata file, or "" for broken
		args []string
		want string
	}{
		{"own entry", "aws-auth-eksctl.yaml", []string{"--as", "cluster_creator", "--as-group", "system:masters", "--as-user-extra", "arn=arn:aws:iam::111122223333:user/cluster_creator", "remove", "arn:aws:iam::111122223333:user/cluster_creator", "--yes"}, "you are authenticated through mapUsers line 1"},
		{"own entry downgraded", "aws-auth-eksctl.yaml", []string{"--as", "cluster_creator", "--as-group", "system:masters", "--as-user-extra", "arn=arn:aws:iam::111122223333:user/cluster_creator", "add", "arn:aws:iam::111122223333:user/cluster_creator", "--group", "viewers", "--yes"}, "downgrades it"},
		{"node role", "aws-auth-eksctl.yaml", []string{"remove", "arn:aws:iam::111122223333:role/eksctl-demo-nodegroup-ng-1-NodeInstanceRole-1ABC", "--yes"}, "worker nodes can no longer join"},
		{"last masters", "aws-auth-ok.yaml", []string{"add", "arn:aws:iam::111122223333:role/Admin", "--group", "viewers", "--yes"}, ""},
		{"broken key", "", []string{"add", "arn:aws:iam::111122223333:role/B", "--yes"}, "kubectl eksaccess lint"},
		{"not mapped", "aws-auth-eksctl.yaml", []string{"remove", "arn:aws:iam::111122223333:user/nobody", "--yes"}, "is not mapped in aws-auth"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.data == "" {
				putAWSAuth(t, c, "")
				if _, err := c.Clientset.CoreV1().ConfigMaps(kube.Namespace).Create(context.Background(), &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: kube.ConfigMapName}, Data: broken}, metav1.CreateOptions{}); err != nil {
					t.Fatal(err)
				}
			} else {
				putAWSAuth(t, c, tc.data)
			}
			rv := liveAWSAuth(t, c).ResourceVersion
			r := run(t, "", writeArgs(t, c, tc.args...)...)
			if tc.name == "last masters" {
				// aws-auth-ok has two masters entries: downgrading one is allowed,
				// the second is the last.
				if r.code != 0 {
					t.Fatalf("downgrading one of two masters entries refused: %s", r.stderr)
				}
				rv = liveAWSAuth(t, c).ResourceVersion
				r = run(t, "", writeArgs(t, c, "remove", designated, "--yes")...)
				tc.want = "removes the last aws-auth entry granting system:masters"
			}
			if r.code == 0 || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("guard did not refuse as expected: exit %d\nstderr: %s", r.code, r.stderr)
			}
			if got := liveAWSAuth(t, c).ResourceVersion; got != rv {
				t.Errorf("aws-auth was written despite the refusal (resourceVersion %s → %s)", rv, got)
			}
		})
	}
	// --force overrides a lockout guard.
	putAWSAuth(t, c, "aws-auth-eksctl.yaml")
	r := run(t, "", writeArgs(t, c, "remove", "arn:aws:iam::111122223333:role/eksctl-demo-nodegroup-ng-1-NodeInstanceRole-1ABC", "--yes", "--force")...)
	if r.code != 0 || !strings.Contains(r.stdout, "configmap/aws-auth configured") {
		t.Errorf("--force did not override the node guard: %+v", r)
	}
}

func TestE2EOtherManagerWarning(t *testing.T) {
	c := cluster.Get(t)
	putAWSAuth(t, c, "")
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: kube.ConfigMapName, Namespace: kube.Namespace}, Data: map[string]string{awsauth.KeyRoles: "- rolearn: arn:aws:iam::111122223333:role/X\n  username: x\n  groups: [x]\n"}}
	if _, err := c.Clientset.CoreV1().ConfigMaps(kube.Namespace).Create(context.Background(), cm, metav1.CreateOptions{FieldManager: "terraform-provider-kubernetes"}); err != nil {
		t.Fatal(err)
	}
	r := run(t, "", writeArgs(t, c, "add", designated, "--group", "g", "--yes")...)
	if r.code != 0 || !strings.Contains(r.stderr, `"terraform-provider-kubernetes" also manages aws-auth`) {
		t.Errorf("no warning about the other manager: %+v", r)
	}
}

// TestE2EInterrupted: a write whose context is cancelled (Ctrl-C) before
// the update leaves aws-auth exactly as it was, and says so.
func TestE2EInterrupted(t *testing.T) {
	c := cluster.Get(t)
	putAWSAuth(t, c, "aws-auth-eksctl.yaml")
	before := liveAWSAuth(t, c)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var out, errOut strings.Builder
	code := cmd.Execute(ctx, genericiooptions.IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut},
		writeArgs(t, c, "add", designated, "--group", "system:masters", "--yes"))
	if code == 0 || !strings.Contains(errOut.String(), "aws-auth was not changed") {
		t.Errorf("exit %d, stderr %q", code, errOut.String())
	}
	if after := liveAWSAuth(t, c); after.ResourceVersion != before.ResourceVersion {
		t.Errorf("aws-auth was written (resourceVersion %s → %s)", before.ResourceVersion, after.ResourceVersion)
	}
}

// asPluginProcess returns a command that runs `kubectl eksaccess args...`
// in a process of its own: this test binary, which TestMain turns into the
// plugin when EKSACCESS_TEST_RUN_PLUGIN is set.
func asPluginProcess(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	argv, _ := json.Marshal(args)
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), "EKSACCESS_TEST_RUN_PLUGIN="+string(argv))
	return cmd
}

// TestE2EConcurrentMixedProcesses runs 50 plugin processes at once, as one
// user would from 50 shells: 25 add a role and 25 remove one, each for its
// own ARN, with the default flags (KUBECONFIG from the environment, the
// default backup directory under the shared HOME; --yes only because there
// is no terminal). Every process must succeed and the final aws-auth must
// be the serial result: the same changes applied one after the other with
// awsauth.Apply (they commute, each targeting its own ARN), up to the order
// of the appended entries. The backups are pruned to the default 20.
//
// Under load, repeated: run a CPU hog and
// go test ./pkg/cmd -run TestE2EConcurrentMixedProcesses -count=10
func TestE2EConcurrentMixedProcesses(t *testing.T) {
	c := cluster.Get(t)
	const n = 50
	initial := fixtureWithRoles(t, n/2)
	putData(t, c, initial)

	var ops [][]string
	serial := initial
	for i := range n / 2 {
		add := fmt.Sprintf("arn:aws:iam::111122223333:role/new%02d", i)
		old := fmt.Sprintf("arn:aws:iam::111122223333:role/old%02d", i)
		ops = append(ops, []string{"add", add, "--group", "developers", "--yes"}, []string{"remove", old, "--yes"})
		ch, _, err := awsauth.NormalizeTarget(add, false)
		if err != nil {
			t.Fatal(err)
		}
		ch.Groups = []string{"developers"}
		serial = applyChange(t, serial, ch)
		if ch, _, err = awsauth.NormalizeRemove(old); err != nil {
			t.Fatal(err)
		}
		serial = applyChange(t, serial, ch)
	}

	home := t.TempDir()
	env := []string{"HOME=" + home, "KUBECONFIG=" + c.Kubeconfig}
	for _, kv := range os.Environ() {
		if k, _, _ := strings.Cut(kv, "="); k != "HOME" && k != "XDG_STATE_HOME" && k != "KUBECONFIG" {
			env = append(env, kv)
		}
	}
	cmds := make([]*exec.Cmd, n)
	outs := make([]*bytes.Buffer, n)
	start := time.Now()
	for i, args := range ops {
		cmds[i] = asPluginProcess(t, args...)
		cmds[i].Env = append(cmds[i].Env[len(cmds[i].Env)-1:], env...) // only EKSACCESS_TEST_RUN_PLUGIN kept
		outs[i] = &bytes.Buffer{}
		cmds[i].Stdout, cmds[i].Stderr = outs[i], outs[i]
		if err := cmds[i].Start(); err != nil {
			t.Fatal(err)
		}
	}
	notices, most := 0, 0
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("%s: %v\n%s", strings.Join(ops[i][:2], " "), err, outs[i])
		}
		k := strings.Count(outs[i].String(), "aws-auth changed while we wrote it")
		notices, most = notices+k, max(most, k)
	}
	t.Logf("%d processes in %.1fs; their changes were applied again to a newer aws-auth %d times after a conflict (at most %d times in one process; the budget is %d)",
		n, time.Since(start).Seconds(), notices, most, kube.ConflictBackoff.Steps)

	got := liveAWSAuth(t, c).Data
	if g, w := entrySet(got), entrySet(serial); !slices.Equal(g, w) {
		t.Errorf("the concurrent result differs from the serial one:\n%s\nwant:\n%s", strings.Join(g, "\n"), strings.Join(w, "\n"))
	}
	for k, v := range serial {
		if k != awsauth.KeyRoles && got[k] != v {
			t.Errorf("data key %s: %q, want %q", k, got[k], v)
		}
	}
	if !strings.HasPrefix(got[awsauth.KeyRoles], "# nodes of nodegroup ng-1 (managed by eksctl)\n") {
		t.Errorf("the leading comment of mapRoles was lost:\n%s", got[awsauth.KeyRoles])
	}
	if fs := awsauth.Lint(awsauth.Parse(got)); awsauth.HasErrors(fs) {
		t.Errorf("the result has lint errors: %v", fs)
	}
	// One user, one default backup directory, pruned to the default 20
	// (21 when a process spared the older backup it reused).
	dir := filepath.Join(home, ".local", "state", "kubectl-eksaccess", "backups", "envtest")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("no backups in the default directory: %v", err)
	}
	backups := 0
	for _, e := range entries {
		switch name := e.Name(); {
		case strings.HasPrefix(name, "aws-auth-") && strings.HasSuffix(name, ".yaml"):
			backups++
		default:
			t.Errorf("unexpected file left in the backup directory: %s", name)
		}
	}
	if backups < kube.DefaultBackupKeep || backups > kube.DefaultBackupKeep+1 {
		t.Errorf("%d backups left, want %d (pruned)", backups, kube.DefaultBackupKeep)
	}
}

// fixtureWithRoles is aws-auth-eksctl.yaml with n more roles, old00...
func fixtureWithRoles(t *testing.T, n int) map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(testdata, "aws-auth-eksctl.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cm, err := kube.ReadManifest(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	var roles strings.Builder
	roles.WriteString(cm.Data[awsauth.KeyRoles])
	for i := range n {
		fmt.Fprintf(&roles, "- rolearn: arn:aws:iam::111122223333:role/old%02d\n  username: old%02d\n  groups:\n  - developers\n", i, i)
	}
	cm.Data[awsauth.KeyRoles] = roles.String()
	return cm.Data
}

func putData(t *testing.T, c *cluster.Cluster, data map[string]string) {
	t.Helper()
	putAWSAuth(t, c, "")
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: kube.ConfigMapName, Namespace: kube.Namespace}, Data: data}
	if _, err := c.Clientset.CoreV1().ConfigMaps(kube.Namespace).Create(context.Background(), cm, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func applyChange(t *testing.T, data map[string]string, ch awsauth.Change) map[string]string {
	t.Helper()
	res, err := awsauth.Apply(data, ch)
	if err != nil || !res.Changed {
		t.Fatalf("serial %s %s: changed %v, %v", ch.Op, ch.ARN, res.Changed, err)
	}
	return res.Data
}

// entrySet lists the entries of data as the authenticator reads them, one
// line each, sorted: equal sets mean the same mappings.
func entrySet(data map[string]string) []string {
	var out []string
	for _, e := range awsauth.Parse(data).Entries {
		out = append(out, fmt.Sprintf("%s %s %s username=%q groups=%q loaded=%v", e.Key, e.Kind, e.ARN, e.Username, e.Groups, e.Loaded))
	}
	slices.Sort(out)
	return out
}
