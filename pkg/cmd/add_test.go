package cmd

import (
	"strings"
	"testing"
)

// TestAddWarnsOnce: a warning about the change comes from the domain
// result alone, so a reserved-prefix username is warned about once, on a
// file as on a cluster (both go through the same result).
func TestAddWarnsOnce(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"new entry", []string{"add", "arn:aws:iam::111122223333:role/Ops", "--username", "system:ops", "--group", "ops"}},
		{"changed username", []string{"add", "arn:aws:iam::111122223333:user/designated_user", "--username", "eks:designated"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, "", append(tc.args, "-f", "testdata/aws-auth-ok.yaml")...)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			if n := strings.Count(r.stderr, "starts with the reserved prefix"); n != 1 {
				t.Errorf("the reserved prefix is warned about %d times, want once:\n%s", n, r.stderr)
			}
		})
	}
}
