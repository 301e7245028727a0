package awsauth

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	yamlv3 "go.yaml.in/yaml/v3"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// fixture is one aws-auth manifest of testdata/fixtures.
type fixture struct {
	Name    string
	Data    map[string]string
	Callers []string
}

// loadFixtures reads every testdata/fixtures/*.yaml: a ConfigMap manifest
// whose "# callers:" comments list caller ARNs to look up.
func loadFixtures(t testing.TB) []fixture {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "fixtures", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) < 45 {
		t.Fatalf("found %d fixtures, want at least 45", len(paths))
	}
	var fs []fixture
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var cm struct {
			APIVersion string `yaml:"apiVersion"`
			Kind       string `yaml:"kind"`
			Metadata   struct{ Name, Namespace string }
			Data       map[string]string `yaml:"data"`
		}
		if err := yamlv3.Unmarshal(raw, &cm); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if cm.APIVersion != "v1" || cm.Kind != "ConfigMap" || cm.Metadata.Name != "aws-auth" || cm.Metadata.Namespace != "kube-system" {
			t.Fatalf("%s: not a kube-system/aws-auth ConfigMap manifest", p)
		}
		f := fixture{Name: strings.TrimSuffix(filepath.Base(p), ".yaml"), Data: cm.Data}
		for _, line := range strings.Split(string(raw), "\n") {
			if rest, ok := strings.CutPrefix(line, "# callers:"); ok {
				f.Callers = append(f.Callers, strings.Fields(rest)...)
			}
		}
		fs = append(fs, f)
	}
	return fs
}

// report renders what Parse, Lint and Lookup say about a fixture, for the
// golden files.
func report(f fixture) string {
	var b strings.Builder
	m := Parse(f.Data)
	fmt.Fprintf(&b, "# %s\n\n## keys\n", f.Name)
	for _, k := range m.Keys {
		if !k.Present {
			continue
		}
		fmt.Fprintf(&b, "%s: empty=%v err=%q line=%d partial=%q extra-documents=%d\n", k.Key, k.Empty, k.Err, k.ErrLine, k.Partial, k.ExtraDocuments)
	}
	for _, k := range m.IgnoredKeys {
		fmt.Fprintf(&b, "ignored: %s\n", k)
	}
	b.WriteString("\n## entries\n")
	for _, e := range m.Entries {
		sso := ""
		if e.SSO != nil {
			sso = fmt.Sprintf(" sso=%+v", *e.SSO)
		}
		fmt.Fprintf(&b, "%s: %s arn=%q username=%q groups=%q%s: %s\n", e.Source(), e.Kind, e.ARN, e.Username, e.Groups, sso, e.Status())
	}
	b.WriteString("\n## lint\n")
	for _, fd := range Lint(m) {
		fmt.Fprintf(&b, "%s %s %s:%d: %s\n    fix: %s\n", fd.Code, fd.Severity, fd.Key, fd.Line, fd.Message, fd.Fix)
	}
	b.WriteString("\n## lookup\n")
	for _, c := range f.Callers {
		p, err := Canonicalize(c)
		if err != nil {
			fmt.Fprintf(&b, "%s: invalid: %v\n", c, err)
			continue
		}
		mt := m.Lookup(p, "ASIAEXAMPLE")
		switch {
		case mt == nil:
			fmt.Fprintf(&b, "%s: not mapped (401)\n", c)
		case mt.RenderErr != "":
			fmt.Fprintf(&b, "%s: %s: refused (401): %s\n", c, mt.Entry.Source(), mt.RenderErr)
		default:
			fmt.Fprintf(&b, "%s: %s: username=%q groups=%q", c, mt.Entry.Source(), mt.Username, mt.Groups)
			if len(mt.Candidates) > 0 {
				var cs []string
				for _, e := range mt.Candidates {
					cs = append(cs, e.Source())
				}
				fmt.Fprintf(&b, " random among %s", strings.Join(cs, ", "))
			}
			b.WriteString("\n")
		}
	}
	return b.String()
}

func TestGolden(t *testing.T) {
	for _, f := range loadFixtures(t) {
		t.Run(f.Name, func(t *testing.T) {
			got := report(f)
			path := filepath.Join("testdata", "golden", f.Name+".lint.txt")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./pkg/awsauth -update)", err)
			}
			if got != string(want) {
				t.Errorf("report differs from %s (run go test ./pkg/awsauth -update and review the diff):\n%s", path, got)
			}
		})
	}
}
