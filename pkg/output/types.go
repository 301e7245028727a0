// Package output turns analysis results into what a person or a program
// reads: tables, findings, and apiVersion/kind objects for -o json|yaml.
// Everything is written to an io.Writer.
package output

import (
	"encoding/json"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/eksaccess/kubectl-eksaccess/pkg/awsauth"
)

// APIVersion of every object the plugin prints with -o json|yaml.
const APIVersion = "eksaccess.dev/v1alpha1"

func typeMeta(kind string) metav1.TypeMeta {
	return metav1.TypeMeta{APIVersion: APIVersion, Kind: kind}
}

// Mapping is one aws-auth entry as `list` shows it.
type Mapping struct {
	Type     string   `json:"type"`
	ARN      string   `json:"arn"`
	Username string   `json:"username"`
	Groups   []string `json:"groups"`
	// Status is "ok" or why the entry never applies.
	Status string `json:"status"`
	// Effective is true when the authenticator can apply the entry.
	Effective bool `json:"effective"`
	// Source is the data key and line, e.g. "mapRoles line 7".
	Source string       `json:"source"`
	Key    string       `json:"key"`
	Line   int          `json:"line,omitempty"`
	SSO    *awsauth.SSO `json:"sso,omitempty"`
}

// KeyState is the state of one aws-auth data key.
type KeyState struct {
	Key     string `json:"key"`
	Present bool   `json:"present"`
	Error   string `json:"error,omitempty"`
	Line    int    `json:"line,omitempty"`
}

// MappingList is what `list -o json|yaml` prints.
type MappingList struct {
	metav1.TypeMeta `json:",inline"`
	// Source names what was read: a context's live ConfigMap or a file.
	Source string     `json:"source"`
	Keys   []KeyState `json:"keys"`
	// Identity is set by --arn: who that caller is, as the authenticator
	// renders it (templates expanded), beside the raw entries in Items.
	Identity *Identity `json:"identity,omitempty"`
	Items    []Mapping `json:"items"`
}

// Identity is the Kubernetes identity a caller ARN gets: the username and
// groups after the authenticator has rendered the entry's templates
// ({{AccountID}}, {{SessionName}}...), and where they come from.
type Identity struct {
	// ARN is the caller as given; CanonicalARN is what the authenticator
	// matches (a role session becomes its role, without the path).
	ARN          string `json:"arn"`
	CanonicalARN string `json:"canonicalARN"`
	// Authenticated is false when EKS answers 401 Unauthorized.
	Authenticated bool     `json:"authenticated"`
	Username      string   `json:"username,omitempty"`
	Groups        []string `json:"groups"`
	// Via names the mapping that applies: "mapRoles line 7", "access-entry".
	Via string `json:"via,omitempty"`
	// Random is set when several entries match and the authenticator picks
	// one at random on each request (case-variant mapUsers duplicates).
	Random bool `json:"random,omitempty"`
	// Reason says why the caller is not authenticated.
	Reason string `json:"reason,omitempty"`
}

// FindingList is what `lint -o json|yaml` prints.
type FindingList struct {
	metav1.TypeMeta `json:",inline"`
	Source          string    `json:"source"`
	Errors          int       `json:"errors"`
	Warnings        int       `json:"warnings"`
	Items           []Located `json:"items"`
}

// Version is what `version -o json|yaml` prints.
type Version struct {
	metav1.TypeMeta `json:",inline"`
	Version         string `json:"version"`
	Commit          string `json:"commit,omitempty"`
	Date            string `json:"date,omitempty"`
	GoVersion       string `json:"goVersion"`
	Platform        string `json:"platform"`
}

func (o *MappingList) DeepCopyObject() runtime.Object { return deepCopy(o, &MappingList{}) }
func (o *FindingList) DeepCopyObject() runtime.Object { return deepCopy(o, &FindingList{}) }
func (o *Version) DeepCopyObject() runtime.Object     { return deepCopy(o, &Version{}) }

// deepCopy copies through JSON: these objects are plain data made to be
// printed, and a JSON round trip is their exact deep copy.
func deepCopy[T runtime.Object](in, out T) runtime.Object {
	b, err := json.Marshal(in)
	if err != nil {
		panic(err)
	}
	if err := json.Unmarshal(b, out); err != nil {
		panic(err)
	}
	return out
}

// NewMappingList builds the `list` object from a parsed aws-auth.
func NewMappingList(source string, m *awsauth.Map, entries []*awsauth.Entry) *MappingList {
	l := &MappingList{TypeMeta: typeMeta("MappingList"), Source: source, Items: make([]Mapping, 0, len(entries))}
	for _, k := range m.Keys {
		l.Keys = append(l.Keys, KeyState{Key: k.Key, Present: k.Present, Error: k.Err, Line: k.ErrLine})
	}
	for _, e := range entries {
		groups := e.Groups
		if groups == nil {
			groups = []string{}
		}
		l.Items = append(l.Items, Mapping{
			Type: string(e.Kind), ARN: e.ARN, Username: e.Username, Groups: groups,
			Status: e.Status(), Effective: e.Effective(), Source: e.Source(), Key: e.Key, Line: e.Line, SSO: e.SSO,
		})
	}
	return l
}

// NewFindingList builds the `lint` object.
func NewFindingList(source string, fs []Located) *FindingList {
	l := &FindingList{TypeMeta: typeMeta("FindingList"), Source: source, Items: fs}
	if l.Items == nil {
		l.Items = []Located{}
	}
	for _, f := range fs {
		switch f.Severity {
		case awsauth.SeverityError:
			l.Errors++
		case awsauth.SeverityWarning:
			l.Warnings++
		}
	}
	return l
}

// NewVersion builds the `version` object.
func NewVersion(version, commit, date, goVersion, platform string) *Version {
	return &Version{TypeMeta: typeMeta("Version"), Version: version, Commit: commit, Date: date, GoVersion: goVersion, Platform: platform}
}
