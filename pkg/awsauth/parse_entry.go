package awsauth

import (
	"fmt"
	"strings"
)

// SSO is the alpha `sso:` matcher of a mapRoles entry.
type SSO struct {
	PermissionSetName string `json:"permissionSetName"`
	AccountID         string `json:"accountID"`
	Partition         string `json:"partition,omitempty"`
}

// Entry is one item of mapRoles, mapUsers or mapAccounts.
type Entry struct {
	Kind Kind
	// Key is the data key the entry stands in.
	Key string
	// Index is the entry's position in its key's list, from 0.
	Index int
	// Line is the 1-based line of the entry in the key's value; 0 when unknown.
	Line int

	// ARN is the rolearn or userarn as the authenticator decoded it, or the
	// account ID of a mapAccounts entry.
	ARN      string
	Username string
	Groups   []string
	SSO      *SSO

	// Loaded is true when the authenticator keeps the entry.
	Loaded bool
	// Dropped says why the authenticator discards the entry (when !Loaded).
	Dropped string

	// FieldProblems are values the authenticator accepts silently but reads
	// differently than written (a scalar where a list is expected, a number or
	// boolean where a string is expected).
	FieldProblems []string
	// UnknownFields are keys the authenticator ignores.
	UnknownFields []string
	// DuplicateFields are keys written twice in different case; the
	// authenticator keeps the one that sorts last.
	DuplicateFields []string

	// ShadowedBy is the entry that wins over this one for the same ARN.
	ShadowedBy *Entry
	// Ambiguous lists other entries that match the same caller with no fixed
	// winner (mapUsers entries differing only in case).
	Ambiguous []*Entry
	// Never says why a loaded, unshadowed entry can never match a caller.
	Never string
}

// Source names where the entry stands, like "mapRoles line 7".
func (e *Entry) Source() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s line %d", e.Key, e.Line)
	}
	return fmt.Sprintf("%s item %d", e.Key, e.Index+1)
}

// where is the short form of Source used inside messages.
func (e *Entry) where() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d", e.Line)
	}
	return fmt.Sprintf("item %d", e.Index+1)
}

// Effective reports whether the authenticator can apply this entry to some
// caller: it loads, is not shadowed and is not known to never match.
func (e *Entry) Effective() bool {
	return e.Loaded && e.ShadowedBy == nil && e.Never == ""
}

// Status is the one-word-then-reason state shown by `list`.
func (e *Entry) Status() string {
	switch {
	case !e.Loaded:
		return "dropped: " + e.Dropped
	case e.ShadowedBy != nil:
		if e.ShadowedBy.Key != e.Key {
			return "shadowed by " + e.ShadowedBy.Source()
		}
		return "shadowed by " + e.ShadowedBy.where()
	case e.Never != "":
		return "never matches: " + e.Never
	case len(e.Ambiguous) > 0:
		return "ambiguous with " + e.ambiguousWith()
	}
	return "ok"
}

// ambiguousWith lists where the entries of e.Ambiguous stand.
func (e *Entry) ambiguousWith() string {
	others := make([]string, len(e.Ambiguous))
	for i, o := range e.Ambiguous {
		others[i] = o.where()
	}
	return strings.Join(others, ", ")
}
