package cmd

import (
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/eksaccess/kubectl-eksaccess/pkg/output"
)

// TestLintGitHub: one workflow command per finding, with the file and the
// line of the finding in it (the line the text output names too).
func TestLintGitHub(t *testing.T) {
	text := run(t, "", "lint", "-f", "testdata/aws-auth-mixed.yaml")
	r := run(t, "", "lint", "-f", "testdata/aws-auth-mixed.yaml", "-o", "github")
	if r.code != 1 || r.stderr != "" {
		t.Fatalf("exit %d (want 1: error findings), stderr %q", r.code, r.stderr)
	}
	cmdRE := regexp.MustCompile(`^::(error|warning|notice) file=testdata/aws-auth-mixed\.yaml(,line=(\d+))?,title=(EKSA\d{3}) [^:,]+::[^\r\n]+$`)
	textRE := regexp.MustCompile(`^testdata/aws-auth-mixed\.yaml:(\d+) \([\w:]+\): (error|warning|info) (EKSA\d{3}):`)
	var want []string
	for _, l := range strings.Split(text.stdout, "\n") {
		if m := textRE.FindStringSubmatch(l); m != nil {
			want = append(want, m[1]+" "+m[3])
		}
	}
	lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
	var got []string
	for _, l := range lines {
		m := cmdRE.FindStringSubmatch(l)
		if m == nil {
			t.Errorf("not a workflow command: %q", l)
			continue
		}
		if m[3] != "" {
			got = append(got, m[3]+" "+m[4])
		}
		if !strings.Contains(l, "%0AFix: ") {
			t.Errorf("no fix in %q", l)
		}
	}
	if len(want) == 0 || strings.Join(got, ";") != strings.Join(want, ";") {
		t.Errorf("lines and codes differ from the text output:\n got %v\nwant %v", got, want)
	}
}

// TestLintSARIF validates -o sarif against the SARIF 2.1.0 schema (from
// hack/sarif-schema.sh) and checks its rules and locations.
func TestLintSARIF(t *testing.T) {
	r := run(t, "", "lint", "-f", "testdata/aws-auth-mixed.yaml", "-o", "sarif")
	if r.code != 1 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var log struct {
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Rules []struct{ ID string } `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				RuleIndex int    `json:"ruleIndex"`
				Locations []struct {
					PhysicalLocation struct {
						Region struct{ StartLine int } `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &log); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	if log.Version != "2.1.0" || len(log.Runs) != 1 || len(log.Runs[0].Tool.Driver.Rules) != len(output.LintRules) || len(log.Runs[0].Results) == 0 {
		t.Fatalf("wrong shape: %s", r.stdout)
	}
	run0 := log.Runs[0]
	for _, res := range run0.Results {
		if run0.Tool.Driver.Rules[res.RuleIndex].ID != res.RuleID {
			t.Errorf("ruleIndex %d of %s names %s", res.RuleIndex, res.RuleID, run0.Tool.Driver.Rules[res.RuleIndex].ID)
		}
	}
	if l := run0.Results[0].Locations; len(l) != 1 || l[0].PhysicalLocation.Region.StartLine != 13 {
		t.Errorf("the first finding is on line 13 of the file: %+v", l)
	}

	path := os.Getenv("SARIF_SCHEMA")
	if path == "" {
		if os.Getenv("EKSACCESS_E2E") == "required" {
			t.Fatal("SARIF_SCHEMA is not set: run through 'make test' (hack/sarif-schema.sh fetches the schema)")
		}
		t.Skip("SARIF_SCHEMA not set: run 'make test' to validate against the SARIF schema")
	}
	c := jsonschema.NewCompiler()
	sch, err := c.Compile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, doc := range []string{r.stdout, run(t, "", "lint", "-f", "testdata/aws-auth-ok.yaml", "-o", "sarif").stdout} {
		inst, err := jsonschema.UnmarshalJSON(strings.NewReader(doc))
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(inst); err != nil {
			t.Errorf("not valid SARIF 2.1.0: %v", err)
		}
	}
	// The schema judges: a log it must refuse is refused.
	inst, _ := jsonschema.UnmarshalJSON(strings.NewReader(strings.Replace(r.stdout, `"level": "error"`, `"level": "fatal"`, 1)))
	if sch.Validate(inst) == nil {
		t.Error("the schema accepted a result with level \"fatal\": it is not being applied")
	}
}

// TestLintRulesDocumented: the SARIF rule titles are docs/findings.md's.
func TestLintRulesDocumented(t *testing.T) {
	b, err := os.ReadFile("../../docs/findings.md")
	if err != nil {
		t.Fatal(err)
	}
	heads := regexp.MustCompile(`(?m)^## (EKSA1\d\d) (.+)$`).FindAllStringSubmatch(string(b), -1)
	if len(heads) != len(output.LintRules) {
		t.Errorf("docs/findings.md has %d lint codes, output.LintRules %d", len(heads), len(output.LintRules))
	}
	for _, h := range heads {
		if output.LintRules[h[1]] != h[2] {
			t.Errorf("%s: docs say %q, LintRules %q", h[1], h[2], output.LintRules[h[1]])
		}
	}
}
