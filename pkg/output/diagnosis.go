package output

import (
	"fmt"
	"io"
	"slices"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/eksaccess/kubectl-eksaccess/pkg/diagnose"
)

// Diagnosis is what `diagnose -o json|yaml` prints.
type Diagnosis struct {
	metav1.TypeMeta `json:",inline"`
	diagnose.Report `json:",inline"`
}

func (o *Diagnosis) DeepCopyObject() runtime.Object { return deepCopy(o, &Diagnosis{}) }

// NewDiagnosis wraps a report as an apiVersion/kind object.
func NewDiagnosis(r diagnose.Report) *Diagnosis {
	if r.Groups == nil {
		r.Groups = []string{}
	}
	if r.Findings == nil {
		r.Findings = []diagnose.Finding{}
	}
	return &Diagnosis{TypeMeta: typeMeta("Diagnosis"), Report: r}
}

// DiagnosisText writes the verdict for a person: the verdict and cause
// first, then the evidence, the fixes and every finding.
func DiagnosisText(w io.Writer, r diagnose.Report) {
	fmt.Fprintf(w, "Verdict: %s\n", r.Verdict)
	if r.Cause != "" {
		fmt.Fprintf(w, "Cause:   %s\n", r.Cause)
	}
	if r.ARN != "" {
		fmt.Fprintf(w, "Identity: %s", r.ARN)
		if r.CanonicalARN != "" && r.CanonicalARN != r.ARN {
			fmt.Fprintf(w, " (matched as %s)", r.CanonicalARN)
		}
		fmt.Fprintln(w)
	}
	if r.Authenticated {
		fmt.Fprintf(w, "Kubernetes user: %q, groups [%s]", r.Username, strings.Join(r.Groups, ", "))
		if r.Source != "" {
			fmt.Fprintf(w, ", from %s", r.Source)
		}
		fmt.Fprintln(w)
	}
	if len(r.Evidence) > 0 {
		fmt.Fprintln(w, "\nEvidence:")
		for _, e := range r.Evidence {
			fmt.Fprintf(w, "  - %s\n", e)
		}
	}
	// The fix of the root cause: diagnose's own error findings (EKSA2xx);
	// lint's findings about other entries stay in the list below.
	var fixes []string
	for _, f := range r.Findings {
		if f.Severity == "error" && f.Fix != "" && strings.HasPrefix(f.Code, "EKSA2") && !slices.Contains(fixes, f.Fix) {
			fixes = append(fixes, f.Fix)
		}
	}
	if len(fixes) > 0 {
		fmt.Fprintln(w, "\nFix:")
		for _, f := range fixes {
			fmt.Fprintf(w, "  %s\n", f)
		}
	}
	if len(r.Findings) > 0 {
		fmt.Fprintln(w, "\nFindings:")
		for _, f := range r.Findings {
			loc := ""
			if f.Key != "" {
				loc = " (" + f.Key
				if f.Line > 0 {
					loc += fmt.Sprintf(" line %d", f.Line)
				}
				loc += ")"
			}
			fmt.Fprintf(w, "  %s %s%s: %s\n", f.Severity, f.Code, loc, f.Message)
		}
	}
	if len(r.Unchecked) > 0 {
		fmt.Fprintln(w, "\nNot checked:")
		for _, u := range r.Unchecked {
			fmt.Fprintf(w, "  - %s\n", u)
		}
	}
}
