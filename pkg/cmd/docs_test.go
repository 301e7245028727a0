package cmd

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/eksaccess/kubectl-eksaccess/hack/gendocs/gendocs"
)

// TestDocsUpToDate fails when docs/commands does not match the commands;
// go run ./hack/gendocs (or this test with -update) rewrites it.
func TestDocsUpToDate(t *testing.T) {
	dir := filepath.Join("..", "..", "docs", "commands")
	newRoot := func() *cobra.Command { return NewCmdRoot(genericiooptions.NewTestIOStreamsDiscard()) }
	if *update {
		if err := gendocs.Write(newRoot(), dir); err != nil {
			t.Fatal(err)
		}
		return
	}
	fresh := t.TempDir()
	if err := gendocs.Write(newRoot(), fresh); err != nil {
		t.Fatal(err)
	}
	want := readDir(t, fresh)
	got := readDir(t, dir)
	for name, w := range want {
		g, ok := got[name]
		switch {
		case !ok:
			t.Errorf("docs/commands/%s is missing: run 'go run ./hack/gendocs'", name)
		case !bytes.Equal(g, w):
			t.Errorf("docs/commands/%s is stale: run 'go run ./hack/gendocs'", name)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("docs/commands/%s documents no command: run 'go run ./hack/gendocs'", name)
		}
	}
}

func readDir(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[filepath.Base(f)] = b
	}
	return out
}
