package awsauth

import (
	"fmt"
	"testing"

	"github.com/eksaccess/kubectl-eksaccess/pkg/awsauth/awsauthtest"
)

// generate builds a realistic aws-auth of n entries (awsauthtest.Generate).
func generate(n int) map[string]string { return awsauthtest.Generate(n) }

func BenchmarkParseAndLint(b *testing.B) {
	for _, n := range []int{10, 1000, 5000} {
		data := generate(n)
		size := 0
		for _, v := range data {
			size += len(v)
		}
		b.Run(fmt.Sprintf("entries=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(size))
			for b.Loop() {
				m := Parse(data)
				_ = Lint(m)
			}
		})
	}
}

func TestGenerate(t *testing.T) {
	data := generate(5000)
	size := len(data[KeyRoles]) + len(data[KeyUsers])
	if size < 900<<10 || size > 1300<<10 {
		t.Errorf("5000 entries are %d bytes, want about 1 MiB", size)
	}
	m := Parse(data)
	if len(m.Entries) != 5002 {
		t.Fatalf("parsed %d entries, want 5002", len(m.Entries))
	}
	for _, e := range m.Entries {
		if !e.Effective() || e.Line == 0 {
			t.Fatalf("%s: %s (line %d)", e.Source(), e.Status(), e.Line)
		}
	}
}
