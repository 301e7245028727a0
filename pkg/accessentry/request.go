package accessentry

import (
	"fmt"
	"slices"
)

// Request is what add asks of a principal's access entry: created when
// there is none, updated in place when there is one (groups and username
// with UpdateAccessEntry, policies with associate/disassociate).
type Request struct {
	// Type is the entry type; "" keeps the current one (STANDARD for a new
	// entry). An existing entry's type cannot change.
	Type     string
	Username string
	Groups   []string
	// GroupsChanged says Groups was given (an empty list clears them).
	GroupsChanged bool
	// AppendGroups adds Groups to the current ones instead of replacing them.
	AppendGroups bool
	// Policies are associated, replacing the scope of one already there.
	Policies []Policy
}

// Desired is the entry of arn after the request, from cur (nil: none yet).
// It refuses a type change (saying how to replace the entry) and, through
// Entry.Check, what EKS would refuse. clusterAccount is the cluster's
// account ("" when unknown).
func (r Request) Desired(arn string, cur *Entry, clusterAccount string) (*Entry, error) {
	var e Entry
	if cur != nil {
		e = cur.Clone()
		e.Type = orDefault(e.Type, TypeStandard)
		if r.Type != "" && r.Type != e.Type {
			return nil, TypeChangeError(e.PrincipalARN, e.Type, r.Type)
		}
	} else {
		e = Entry{PrincipalARN: arn, Type: orDefault(r.Type, TypeStandard)}
	}
	if r.Username != "" {
		e.Username = r.Username
	}
	if r.GroupsChanged {
		if r.AppendGroups {
			for _, g := range r.Groups {
				if !slices.Contains(e.Groups, g) {
					e.Groups = append(e.Groups, g)
				}
			}
		} else {
			e.Groups = append([]string(nil), r.Groups...)
		}
	}
	for _, p := range r.Policies {
		e.SetPolicy(p)
	}
	if cur == nil && IsNodeType(e.Type) && e.Username == DefaultUsername(e.Type) {
		e.Username = "" // EKS sets it
	}
	if err := r.check(e, cur, clusterAccount); err != nil {
		return nil, err
	}
	return &e, nil
}

// check runs Entry.Check on what the request sets: what an existing entry
// already has was accepted by EKS (a node entry's system:nodes group, the
// username EKS gave it) and is not judged again.
func (r Request) check(e Entry, cur *Entry, clusterAccount string) error {
	if cur == nil {
		return e.Check(clusterAccount)
	}
	chk := Entry{PrincipalARN: e.PrincipalARN, Type: e.Type}
	if e.Username != cur.Username {
		chk.Username = e.Username
	}
	if !equalIgnoringOrder(e.Groups, cur.Groups) {
		chk.Groups = e.Groups
	}
	for _, p := range e.Policies {
		if q, ok := cur.Policy(p.ARN); !ok || !q.equal(p) {
			chk.Policies = append(chk.Policies, p)
		}
	}
	// The principal was accepted when the entry was made.
	return checkFields(chk.Type, chk.Username, chk.Groups, chk.Policies)
}

// TypeChangeError says that an entry's type cannot change, and how to
// replace the entry.
func TypeChangeError(arn, from, to string) error {
	return fmt.Errorf("the access entry of %s has type %s, and EKS cannot change an entry's type to %s: replace it with 'kubectl eksaccess remove %[1]s --via access-entry' then 'kubectl eksaccess add %[1]s --via access-entry --type %[3]s'", arn, from, to)
}
