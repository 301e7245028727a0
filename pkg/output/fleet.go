package output

import (
	"fmt"
	"io"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/eksaccess/kubectl-eksaccess/pkg/diagnose"
)

// FleetRow is where a fleet item comes from (the kubeconfig context and
// the cluster it points at) and, for a context that failed, why: Failure is
// unreachable, unauthorized, forbidden, not found or error, and Error the
// one-line message.
type FleetRow struct {
	Context string `json:"context"`
	Cluster string `json:"cluster"`
	Failure string `json:"failure,omitempty"`
	Error   string `json:"error,omitempty"`
}

// FleetContext is what was read from one context of a fleet run.
type FleetContext struct {
	FleetRow `json:",inline"`
	Source   string `json:"source,omitempty"`
	// EKS is the EKS cluster, when it was described.
	EKS *ClusterInfo `json:"eks,omitempty"`
	// Identity answers --arn in this context.
	Identity *Identity `json:"identity,omitempty"`
	// Errors and Warnings count lint findings.
	Errors   int `json:"errors,omitempty"`
	Warnings int `json:"warnings,omitempty"`
}

// FleetAccess is one `list` row of a fleet run; Access is nil in the row of
// a context that failed.
type FleetAccess struct {
	FleetRow `json:",inline"`
	*Access  `json:",inline"`
}

// FleetAccessList is what `list --all-contexts -o json|yaml` prints.
type FleetAccessList struct {
	metav1.TypeMeta `json:",inline"`
	Contexts        []FleetContext `json:"contexts"`
	Items           []FleetAccess  `json:"items"`
}

// NewFleetAccessList starts an empty fleet list.
func NewFleetAccessList() *FleetAccessList {
	return &FleetAccessList{TypeMeta: typeMeta("FleetAccessList"), Contexts: []FleetContext{}, Items: []FleetAccess{}}
}

func (o *FleetAccessList) DeepCopyObject() runtime.Object { return deepCopy(o, &FleetAccessList{}) }

// FleetFinding is one `lint` finding of a fleet run; Located is nil in the
// row of a context that failed.
type FleetFinding struct {
	FleetRow `json:",inline"`
	*Located `json:",inline"`
}

// FleetFindingList is what `lint --all-contexts -o json|yaml` prints.
type FleetFindingList struct {
	metav1.TypeMeta `json:",inline"`
	Errors          int            `json:"errors"`
	Warnings        int            `json:"warnings"`
	Contexts        []FleetContext `json:"contexts"`
	Items           []FleetFinding `json:"items"`
}

// NewFleetFindingList starts an empty fleet lint result.
func NewFleetFindingList() *FleetFindingList {
	return &FleetFindingList{TypeMeta: typeMeta("FleetFindingList"), Contexts: []FleetContext{}, Items: []FleetFinding{}}
}

func (o *FleetFindingList) DeepCopyObject() runtime.Object { return deepCopy(o, &FleetFindingList{}) }

// failedCell is what a failed context shows in the STATUS (or MESSAGE)
// column: its class, then the message.
func failedCell(r FleetRow) string { return r.Failure + ": " + r.Error }

// FleetAccessTable writes the `list` table of a fleet run: CONTEXT first,
// then the columns of AccessTable; a failed context is one row with its
// error in STATUS.
func FleetAccessTable(w io.Writer, items []FleetAccess, wide, noHeaders bool) error {
	tw := newTable(w)
	if !noHeaders {
		fmt.Fprintln(tw, strings.Join(append([]string{"CONTEXT"}, accessHeader(wide)...), "\t"))
	}
	for _, it := range items {
		var cells []string
		if it.Access == nil {
			cells = []string{"-", "-", "-", "-", failedCell(it.FleetRow), "-"}
			if wide {
				cells = append(cells, "-")
			}
		} else {
			cells = accessCells(*it.Access, wide)
		}
		fmt.Fprintln(tw, strings.Join(append([]string{it.Context}, cells...), "\t"))
	}
	return tw.Flush()
}

// FleetFindingTable writes the `lint` table of a fleet run: one row per
// finding, one "ok" row for a context without findings, and one row with
// the error for a context that failed.
func FleetFindingTable(w io.Writer, l *FleetFindingList) error {
	tw := newTable(w)
	fmt.Fprintln(tw, "CONTEXT\tSEVERITY\tCODE\tWHERE\tMESSAGE")
	i := 0
	for _, c := range l.Contexts {
		n := 0
		for ; i < len(l.Items) && l.Items[i].Context == c.Context; i++ {
			it := l.Items[i]
			if it.Located == nil {
				fmt.Fprintf(tw, "%s\t%s\t-\t-\t%s\n", it.Context, "error", failedCell(it.FleetRow))
				n++
				continue
			}
			where := "aws-auth"
			if it.Key != "" {
				where = it.Key
				if it.Line > 0 {
					where = fmt.Sprintf("%s:%d", it.Key, it.Line)
				}
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", it.Context, it.Severity, it.Code, where, it.Message)
			n++
		}
		if n == 0 {
			fmt.Fprintf(tw, "%s\tok\t-\t-\tno findings\n", c.Context)
		}
	}
	return tw.Flush()
}

// FleetDiagnosis is the answer of one context of `diagnose --arn X
// --all-contexts`; Report is nil for a context that could not be read.
type FleetDiagnosis struct {
	FleetRow         `json:",inline"`
	*diagnose.Report `json:",inline"`
}

// FleetDiagnosisList is what `diagnose --arn X --all-contexts -o json|yaml`
// prints: one item per context.
type FleetDiagnosisList struct {
	metav1.TypeMeta `json:",inline"`
	Items           []FleetDiagnosis `json:"items"`
}

// NewFleetDiagnosisList starts an empty fleet diagnosis.
func NewFleetDiagnosisList() *FleetDiagnosisList {
	return &FleetDiagnosisList{TypeMeta: typeMeta("FleetDiagnosisList"), Items: []FleetDiagnosis{}}
}

func (o *FleetDiagnosisList) DeepCopyObject() runtime.Object {
	return deepCopy(o, &FleetDiagnosisList{})
}

// FleetDiagnosisTable writes one row per context: the verdict, as whom
// (username and groups, system:authenticated left out) and through which
// entry, or why not.
func FleetDiagnosisTable(w io.Writer, items []FleetDiagnosis) error {
	tw := newTable(w)
	fmt.Fprintln(tw, "CONTEXT\tVERDICT\tUSERNAME\tGROUPS\tVIA\tREASON")
	for _, it := range items {
		if it.Report == nil {
			fmt.Fprintf(tw, "%s\t%s\t-\t-\t-\t%s\n", it.Context, it.Failure, it.Error)
			continue
		}
		r := it.Report
		var groups []string
		for _, g := range r.Groups {
			if g != "system:authenticated" {
				groups = append(groups, g)
			}
		}
		user, gs, reason := orNone(r.Username), orNone(strings.Join(groups, ",")), "-"
		if !r.Authenticated {
			user, gs = "-", "-"
		}
		switch {
		case it.Failure != "":
			reason = failedCell(it.FleetRow)
		case r.Verdict != diagnose.Authorized:
			reason = r.Cause
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", it.Context, r.Verdict, user, gs, orNone(r.Source), reason)
	}
	return tw.Flush()
}
