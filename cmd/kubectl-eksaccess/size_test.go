package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// maxBinaryBytes is the budget of the stripped release binary (issue 15).
const maxBinaryBytes = 20 << 20

// TestBinarySize builds the plugin as a release does (CGO_ENABLED=0,
// -trimpath, -s -w: the Makefile's and goreleaser's flags) and fails when it
// passes 20 MiB.
func TestBinarySize(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the plugin: not in -short mode")
	}
	bin := filepath.Join(t.TempDir(), "kubectl-eksaccess")
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", bin, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	fi, err := os.Stat(bin)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("stripped binary: %d bytes (%.2f MiB), budget %.0f MiB", fi.Size(), float64(fi.Size())/(1<<20), float64(maxBinaryBytes)/(1<<20))
	if fi.Size() > maxBinaryBytes {
		t.Errorf("the stripped binary is %d bytes (%.2f MiB), over the 20 MiB budget: run hack/size-report.sh to see which module grew, and keep client-go's kubernetes/scheme, cli-runtime's genericclioptions and text/template's method calls out (see third_party/forked)",
			fi.Size(), float64(fi.Size())/(1<<20))
	}
}
