package output

// Lint findings for CI systems: GitHub workflow annotations and SARIF 2.1.0
// (the format code-scanning tools take).

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/eksaccess/kubectl-eksaccess/pkg/awsauth"
)

// FindingsURL is where every finding code is documented.
const FindingsURL = "https://github.com/eksaccess/kubectl-eksaccess/blob/main/docs/findings.md"

// LintRules are the titles of the lint codes, as docs/findings.md heads
// them (a test keeps the two the same).
var LintRules = map[string]string{
	"EKSA101": "YAML error drops a whole key",
	"EKSA102": "A key holds a single object, not a list",
	"EKSA103": "One entry dropped",
	"EKSA104": "ARN key under the wrong data key",
	"EKSA105": "Data key in the wrong case",
	"EKSA106": "mapAccounts is not a list of account IDs",
	"EKSA107": "rolearn with a path never matches",
	"EKSA108": "STS session ARN in the map",
	"EKSA109": "ARN that can never match",
	"EKSA110": "Duplicate entry shadowed",
	"EKSA111": "Case-variant mapUsers duplicates: random winner",
	"EKSA112": "Value of the wrong type",
	"EKSA113": "Mis-indented dash merged two groups",
	"EKSA114": "Reserved username prefix",
	"EKSA115": "sso matcher",
	"EKSA116": "No groups",
	"EKSA117": "{{EC2PrivateDNSName}} outside a node role",
	"EKSA118": "Unknown key in an entry",
	"EKSA119": "Same key twice in one entry, in different case",
	"EKSA120": "Same ARN in mapRoles and mapUsers",
	"EKSA121": "Extra YAML document",
	"EKSA122": "Nothing maps anybody",
	"EKSA123": "Role ARN under mapUsers",
	"EKSA124": "User ARN under mapRoles",
}

// Located is a finding with its place in a file, when it was read from one.
type Located struct {
	awsauth.Finding
	// File and FileLine locate the finding in the manifest read with -f
	// (FileLine 0: the file, not a line of it).
	File     string `json:"file,omitempty"`
	FileLine int    `json:"fileLine,omitempty"`
}

// GitHub writes one workflow command per finding
// (::error file=F,line=N,title=CODE::message), which GitHub Actions shows as
// annotations on the pull request.
func GitHub(w io.Writer, fs []Located) error {
	for _, f := range fs {
		level := levelName(f.Severity, "notice")
		var props []string
		if f.File != "" {
			props = append(props, "file="+escapeProperty(f.File))
			if f.FileLine > 0 {
				props = append(props, fmt.Sprintf("line=%d", f.FileLine))
			}
		}
		props = append(props, "title="+escapeProperty(f.Code+" "+LintRules[f.Code]))
		msg := f.Message
		if f.Key != "" && f.File == "" {
			msg = where(f.Finding) + ": " + msg
		}
		if f.Fix != "" {
			msg += "\nFix: " + f.Fix
		}
		if _, err := fmt.Fprintf(w, "::%s %s::%s\n", level, strings.Join(props, ","), escapeData(msg)); err != nil {
			return err
		}
	}
	return nil
}

// levelName names a severity as GitHub and SARIF do: error, warning, and
// info as the format's own word (notice, note).
func levelName(s awsauth.Severity, info string) string {
	switch s {
	case awsauth.SeverityError:
		return "error"
	case awsauth.SeverityWarning:
		return "warning"
	}
	return info
}

func where(f awsauth.Finding) string {
	if f.Line > 0 {
		return fmt.Sprintf("%s line %d", f.Key, f.Line)
	}
	return f.Key
}

// escapeData and escapeProperty follow the toolkit's command encoding
// (@actions/core command.ts): % and line breaks always; : and , in
// properties.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

// SARIF 2.1.0, the parts this tool fills.
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifRule struct {
	ID               string    `json:"id"`
	ShortDescription sarifText `json:"shortDescription"`
	HelpURI          string    `json:"helpUri"`
	Help             sarifText `json:"help"`
}

type sarifResult struct {
	RuleID    string          `json:"ruleId"`
	RuleIndex int             `json:"ruleIndex"`
	Level     string          `json:"level"`
	Message   sarifText       `json:"message"`
	Locations []sarifLocation `json:"locations,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation *sarifPhysical `json:"physicalLocation,omitempty"`
	LogicalLocations []sarifLogical `json:"logicalLocations,omitempty"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
}

type sarifLogical struct {
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind"`
}

// SARIF writes a SARIF 2.1.0 log with one rule per lint code (its title,
// and its documentation as help) and one result per finding.
func SARIF(w io.Writer, version string, fs []Located) error {
	codes := make([]string, 0, len(LintRules))
	for c := range LintRules {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	index := map[string]int{}
	run := sarifRun{Tool: sarifTool{Driver: sarifDriver{Name: "kubectl-eksaccess", Version: version, InformationURI: "https://github.com/eksaccess/kubectl-eksaccess"}}, Results: []sarifResult{}}
	for i, c := range codes {
		index[c] = i
		help := FindingsURL + "#" + strings.ToLower(c)
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRule{
			ID: c, ShortDescription: sarifText{LintRules[c]}, HelpURI: help,
			Help: sarifText{c + " " + LintRules[c] + ": see " + help + " for the cause, an example and the fix."},
		})
	}
	for _, f := range fs {
		level := levelName(f.Severity, "note")
		msg := f.Message
		if f.Fix != "" {
			msg += " Fix: " + f.Fix
		}
		i, ok := index[f.Code]
		if !ok {
			i = -1
		}
		r := sarifResult{RuleID: f.Code, RuleIndex: i, Level: level, Message: sarifText{msg}}
		loc := sarifLocation{}
		if f.File != "" {
			loc.PhysicalLocation = &sarifPhysical{ArtifactLocation: sarifArtifact{URI: f.File}}
			if f.FileLine > 0 {
				loc.PhysicalLocation.Region = &sarifRegion{StartLine: f.FileLine}
			}
		}
		if f.Key != "" {
			loc.LogicalLocations = []sarifLogical{{FullyQualifiedName: "kube-system/aws-auth/data/" + where(f.Finding), Kind: "member"}}
		}
		if loc.PhysicalLocation != nil || loc.LogicalLocations != nil {
			r.Locations = []sarifLocation{loc}
		}
		run.Results = append(run.Results, r)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(sarifLog{Schema: "https://json.schemastore.org/sarif-2.1.0.json", Version: "2.1.0", Runs: []sarifRun{run}})
}
