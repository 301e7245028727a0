package conformance

import (
	"strings"
	"testing"
)

// FuzzParse feeds the three aws-auth keys to both the authenticator and
// awsauth and fails on any disagreement about what loads and who is mapped.
// The seed corpus is every fixture plus testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	for _, fx := range loadFixtures(f) {
		f.Add(fx.data["mapRoles"], fx.data["mapUsers"], fx.data["mapAccounts"], strings.Join(fx.callers, " "))
	}
	f.Fuzz(func(t *testing.T, roles, users, accounts, callers string) {
		data := map[string]string{}
		for k, v := range map[string]string{"mapRoles": roles, "mapUsers": users, "mapAccounts": accounts} {
			if v != "" {
				data[k] = v
			}
		}
		diffs, skipped := check(data, strings.Fields(callers))
		if skipped {
			t.Skip("the authenticator panics on this input")
		}
		for _, d := range diffs {
			t.Error(d)
		}
	})
}
