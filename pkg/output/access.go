package output

import (
	"fmt"
	"io"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/eksaccess/kubectl-eksaccess/pkg/accessentry"
)

// SourceAccessEntry is the SOURCE of an access entry row.
const SourceAccessEntry = "access-entry"

// ClusterInfo is the EKS cluster a list read access entries from.
type ClusterInfo struct {
	Name               string `json:"name"`
	Region             string `json:"region,omitempty"`
	AuthenticationMode string `json:"authenticationMode"`
	// AccessEntriesRead is false in CONFIG_MAP mode, where none apply.
	AccessEntriesRead bool `json:"accessEntriesRead"`
}

// Access is one row of the combined view: an aws-auth mapping or an
// access entry (Source "access-entry").
type Access struct {
	Mapping
	// EntryType is the access entry type (STANDARD, EC2_LINUX...).
	EntryType string               `json:"entryType,omitempty"`
	Policies  []accessentry.Policy `json:"policies,omitempty"`
	// Wins is true for the row that decides the principal's access when
	// both mechanisms map it.
	Wins bool `json:"wins,omitempty"`
	// Overrides and OverriddenBy link the two rows of such a principal.
	Overrides    []string `json:"overrides,omitempty"`
	OverriddenBy string   `json:"overriddenBy,omitempty"`
}

// AccessList is what `list -o json|yaml` prints when the EKS cluster is
// known: a MappingList with the cluster and its access entries.
type AccessList struct {
	metav1.TypeMeta `json:",inline"`
	Source          string      `json:"source"`
	Keys            []KeyState  `json:"keys"`
	Cluster         ClusterInfo `json:"cluster"`
	Identity        *Identity   `json:"identity,omitempty"`
	Items           []Access    `json:"items"`
}

// NewAccessList starts the combined list from the aws-auth one.
func NewAccessList(l *MappingList, c ClusterInfo) *AccessList {
	return &AccessList{TypeMeta: l.TypeMeta, Source: l.Source, Keys: l.Keys, Cluster: c, Identity: l.Identity, Items: make([]Access, 0, len(l.Items))}
}

func (o *AccessList) DeepCopyObject() runtime.Object { return deepCopy(o, &AccessList{}) }

// AccessTable writes the combined table: SOURCE always, ENTRY TYPE and
// POLICIES with wide.
func AccessTable(w io.Writer, items []Access, wide, noHeaders bool) error {
	tw := newTable(w)
	if !noHeaders {
		fmt.Fprintln(tw, strings.Join(accessHeader(wide), "\t"))
	}
	for _, a := range items {
		fmt.Fprintln(tw, strings.Join(accessCells(a, wide), "\t"))
	}
	return tw.Flush()
}

// accessHeader and accessCells are the columns of AccessTable, which the
// fleet table prints after CONTEXT.
func accessHeader(wide bool) []string {
	h := []string{"TYPE", "ARN", "USERNAME", "GROUPS", "STATUS", "SOURCE"}
	if wide {
		h = append(h, "ENTRY TYPE", "POLICIES")
	}
	return h
}

func accessCells(a Access, wide bool) []string {
	cells := []string{a.Type, orNone(a.ARN), orNone(a.Username), orNone(strings.Join(a.Groups, ",")), a.Status, a.Source}
	if wide {
		cells = append(cells, orNone(a.EntryType), orNone(policyList(a.Policies)))
	}
	return cells
}

func policyList(ps []accessentry.Policy) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, ",")
}

// AccessEntryObject is what access-entry writes print with -o json|yaml.
type AccessEntryObject struct {
	metav1.TypeMeta `json:",inline"`
	Cluster         string `json:"cluster"`
	accessentry.Entry
}

// NewAccessEntryObject wraps an entry for printing.
func NewAccessEntryObject(cluster string, e accessentry.Entry) *AccessEntryObject {
	return &AccessEntryObject{TypeMeta: typeMeta("AccessEntry"), Cluster: cluster, Entry: e}
}

func (o *AccessEntryObject) DeepCopyObject() runtime.Object {
	return deepCopy(o, &AccessEntryObject{})
}

// MigrationPlan is what `migrate -o json|yaml` prints.
type MigrationPlan struct {
	metav1.TypeMeta  `json:",inline"`
	Cluster          ClusterInfo `json:"cluster"`
	accessentry.Plan `json:",inline"`
}

// NewMigrationPlan wraps a plan for printing.
func NewMigrationPlan(c ClusterInfo, p accessentry.Plan) *MigrationPlan {
	return &MigrationPlan{TypeMeta: typeMeta("MigrationPlan"), Cluster: c, Plan: p}
}

func (o *MigrationPlan) DeepCopyObject() runtime.Object { return deepCopy(o, &MigrationPlan{}) }
