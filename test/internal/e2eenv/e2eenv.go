// Package e2eenv is the one rule every end-to-end test of this module
// follows when what it needs (the control plane, kubectl, the AWS CLI, the
// built plugin) is missing: skip, or fail when EKSACCESS_E2E=required (as
// .ci/run sets), so that CI never passes by skipping.
package e2eenv

import (
	"fmt"
	"os"
	"os/exec"
	"testing"
)

// Required reports whether missing prerequisites fail the tests
// (EKSACCESS_E2E=required) instead of skipping them.
func Required() bool { return os.Getenv("EKSACCESS_E2E") == "required" }

// Missing ends the test because something it needs is missing: a failure
// with EKSACCESS_E2E=required, a skip otherwise. why names what is missing
// and how to get it.
func Missing(tb testing.TB, format string, args ...any) {
	tb.Helper()
	why := fmt.Sprintf(format, args...)
	if Required() {
		tb.Fatalf("end-to-end test: %s", why)
	}
	tb.Skipf("skipping end-to-end test: %s", why)
}

// Env is the value of the environment variable name, or Missing with hint
// when it is empty.
func Env(tb testing.TB, name, hint string) string {
	tb.Helper()
	v := os.Getenv(name)
	if v == "" {
		Missing(tb, "%s is not set: %s", name, hint)
	}
	return v
}

// Tool is the path of the program name on PATH, or Missing with hint.
func Tool(tb testing.TB, name, hint string) string {
	tb.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		Missing(tb, "no %s on PATH: %s", name, hint)
	}
	return path
}
