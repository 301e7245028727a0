// Package e2e runs `kubectl eksaccess` against a real kube-apiserver and
// etcd (test/cluster), in-process through cmd.Execute with buffers, as a
// user would from a shell, and in processes of its own where concurrency
// between processes is the point. Without the control plane the tests
// skip, or fail with EKSACCESS_E2E=required (test/internal/e2eenv).
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/eksaccess/kubectl-eksaccess/pkg/cmd"
	"github.com/eksaccess/kubectl-eksaccess/test/cluster"
)

// testdata is pkg/cmd's fixtures directory: the e2e tests put the same
// manifests on the live cluster that the unit tests read from files.
var testdata = filepath.Join("..", "..", "pkg", "cmd", "testdata")

func TestMain(m *testing.M) {
	// Run as the plugin itself when a test starts this binary as a separate
	// process (see asPluginProcess).
	if args := os.Getenv("EKSACCESS_TEST_RUN_PLUGIN"); args != "" {
		var argv []string
		if err := json.Unmarshal([]byte(args), &argv); err != nil {
			panic(err)
		}
		os.Exit(cmd.Execute(context.Background(), genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}, argv))
	}
	os.Exit(cluster.Main(m))
}

// result is what one run of the command left behind.
type result struct {
	code   int
	stdout string
	stderr string
}

// run executes `kubectl eksaccess args...` in-process with buffers.
func run(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	streams := genericiooptions.IOStreams{In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut}
	code := cmd.Execute(context.Background(), streams, args)
	return result{code: code, stdout: out.String(), stderr: errOut.String()}
}

// fixture is the path of a file in pkg/cmd/testdata.
func fixture(name string) string { return filepath.Join(testdata, name) }
