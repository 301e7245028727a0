// Package cluster starts a real control plane (kube-apiserver and etcd,
// built by hack/testbin.sh) for end-to-end tests, through envtest.
//
// The binaries are found through KUBEBUILDER_ASSETS, which the Makefile sets.
// Without them, tests that need the cluster skip, unless
// EKSACCESS_E2E=required (as .ci/run sets), where they fail.
package cluster

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/eksaccess/kubectl-eksaccess/test/internal/e2eenv"
)

// Cluster is a running control plane.
type Cluster struct {
	// Config is an admin (system:masters) client config.
	Config *rest.Config
	// Clientset is an admin client.
	Clientset *kubernetes.Clientset
	// Kubeconfig is the path of an admin kubeconfig (its context is "envtest").
	Kubeconfig string

	env *envtest.Environment
	dir string
}

var (
	current  *Cluster
	startErr error
)

// Main starts the control plane (when its binaries are available) around a
// package's tests. Call it from TestMain: os.Exit(cluster.Main(m)).
func Main(m *testing.M) int {
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		startErr = fmt.Errorf("KUBEBUILDER_ASSETS is not set: run the tests with 'make test-e2e', which builds kube-apiserver and etcd with hack/testbin.sh")
		return m.Run()
	}
	current, startErr = start()
	code := m.Run()
	if current != nil {
		if err := current.stop(); err != nil {
			fmt.Fprintf(os.Stderr, "stopping the control plane: %v\n", err)
		}
	}
	return code
}

// Get returns the running cluster, or skips the test (fails it when
// EKSACCESS_E2E=required) when there is none.
func Get(t testing.TB) *Cluster {
	t.Helper()
	if current != nil {
		return current
	}
	if startErr == nil {
		startErr = fmt.Errorf("cluster.Main was not called from TestMain")
	}
	e2eenv.Missing(t, "no control plane: %v", startErr)
	return nil
}

func start() (*Cluster, error) {
	env := &envtest.Environment{ControlPlaneStartTimeout: 60 * time.Second, ControlPlaneStopTimeout: 30 * time.Second}
	cfg, err := env.Start()
	if err != nil {
		return nil, fmt.Errorf("starting kube-apiserver and etcd: %w", err)
	}
	c := &Cluster{Config: cfg, env: env}
	if c.Clientset, err = kubernetes.NewForConfig(cfg); err != nil {
		_ = env.Stop()
		return nil, err
	}
	if c.dir, err = os.MkdirTemp("", "eksaccess-cluster-"); err != nil {
		_ = env.Stop()
		return nil, err
	}
	admin, err := env.AddUser(envtest.User{Name: "admin", Groups: []string{"system:masters"}}, nil)
	if err != nil {
		_ = c.stop()
		return nil, err
	}
	if c.Kubeconfig, err = c.writeKubeconfig("admin", admin); err != nil {
		_ = c.stop()
		return nil, err
	}
	return c, nil
}

// UserKubeconfig writes a kubeconfig for a user authenticated by a client
// certificate with the given groups, and returns its path.
func (c *Cluster) UserKubeconfig(t testing.TB, name string, groups ...string) string {
	t.Helper()
	u, err := c.env.AddUser(envtest.User{Name: name, Groups: groups}, nil)
	if err != nil {
		t.Fatalf("adding user %s: %v", name, err)
	}
	path, err := c.writeKubeconfig(name, u)
	if err != nil {
		t.Fatal(err)
	}
	return path
}

func (c *Cluster) writeKubeconfig(name string, u *envtest.AuthenticatedUser) (string, error) {
	b, err := u.KubeConfig()
	if err != nil {
		return "", err
	}
	path := filepath.Join(c.dir, name+".kubeconfig")
	return path, os.WriteFile(path, b, 0o600)
}

func (c *Cluster) stop() error {
	if c.dir != "" {
		_ = os.RemoveAll(c.dir)
	}
	return c.env.Stop()
}
