package awsauth

import (
	"errors"
	"fmt"
	"strings"

	"github.com/eksaccess/kubectl-eksaccess/pkg/awsauth/internal/yamltext"
)

// applyRemove deletes every entry that maps c's principal, key by key.
func applyRemove(data map[string]string, m *Map, c Change) (Result, error) {
	res := Result{Key: DataKeyFor(c.Kind)}
	remove := removeTargets(m, c)
	admitted := accountsAdmitting(m, c)
	if len(remove) == 0 {
		if st := m.Key(res.Key); st.Err != "" && !c.Force {
			return res, brokenKeyError(res.Key, st)
		}
		if len(admitted) > 0 {
			return res, fmt.Errorf("%s is %w by mapRoles or mapUsers: nothing to remove, but %s still admits every principal of account %s: revoke that with 'kubectl eksaccess remove --account %s'", c.ARN, ErrNotFound, admitted[0].Source(), admitted[0].ARN, admitted[0].ARN)
		}
		return res, fmt.Errorf("%s is %w: nothing to remove (see 'kubectl eksaccess list')", c.ARN, ErrNotFound)
	}
	res.StillAdmittedBy = admitted
	if len(remove) > 1 || !strings.EqualFold(remove[0].ARN, c.ARN) {
		// Say what was removed beyond the entry literally named: leaving
		// any of them would leave the principal mapped.
		var also []string
		for _, e := range remove {
			also = append(also, fmt.Sprintf("%s (%s)", e.Source(), e.ARN))
		}
		what := "every entry that maps " + c.ARN
		if c.Kind == KindRole {
			if bare := pathlessRole(c.ARN); bare != c.ARN {
				what = fmt.Sprintf("every entry that maps the sessions of %s (the authenticator matches them as %s, without the path)", c.ARN, bare)
			}
		}
		res.Notices = append(res.Notices, fmt.Sprintf("removing %s, so none is left to map it: %s", what, strings.Join(also, ", ")))
	}
	res.Key = remove[0].Key
	byKey := map[string][]*Entry{}
	for _, e := range remove {
		byKey[e.Key] = append(byKey[e.Key], e)
	}
	res.Data = copyData(data)
	var summaries []string
	for _, key := range DataKeys {
		rm := byKey[key]
		if len(rm) == 0 {
			continue
		}
		if st := m.Key(key); st.Err != "" && !c.Force {
			return res, brokenKeyError(key, st)
		}
		cand, err := removeText(m, key, data[key], rm)
		if err != nil {
			return res, err
		}
		res.Data[key] = cand.Text
		edits := keyEdits(key, cand.Edits)
		res.Edits = append(res.Edits, edits...)
		if cand.How == yamltext.Reblocked {
			res.Notices = append(res.Notices, reblocked(key))
		}
		var spans []string
		for _, e := range edits {
			if e.OldEnd >= e.OldStart && cand.How == yamltext.InPlace {
				spans = append(spans, lineRange(e.OldStart, e.OldEnd))
			}
		}
		if len(spans) == 0 {
			for _, e := range rm {
				spans = append(spans, e.where())
			}
		}
		summaries = append(summaries, fmt.Sprintf("removed %s %s", key, strings.Join(spans, ", ")))
	}
	res.Changed = true
	res.Summary = strings.Join(summaries, "; ")
	return res, nil
}

// removeText returns the new text of key without the entries rm: a single
// entry's own piece edited alone when it can be, else the whole key,
// checked to load as before but for rm.
func removeText(m *Map, key, text string, rm []*Entry) (yamltext.Candidate, error) {
	if len(rm) == 1 {
		if cand, ok := localEdit(m, rm[0], text, func(piece string) []yamltext.Candidate {
			cands, _ := yamltext.Delete(piece, []int{0})
			return cands
		}, nil); ok {
			return cand, nil
		}
	}
	index := make([]int, len(rm))
	for i, e := range rm {
		index[i] = e.Index
	}
	cands, err := yamltext.Delete(text, index)
	if errors.Is(err, yamltext.ErrNoItem) {
		return yamltext.Candidate{}, fmt.Errorf("aws-auth %s: cannot locate %s in the text: edit it by hand, then check with 'kubectl eksaccess lint'", key, rm[0].Source())
	}
	for _, cand := range cands {
		if verifyKey(m, key, cand.Text, rm, nil, false) == nil {
			return cand, nil
		}
	}
	return yamltext.Candidate{}, fmt.Errorf("aws-auth %s: cannot remove %s without changing how other entries load: edit it by hand, then check with 'kubectl eksaccess lint'", key, rm[0].where())
}

// removeTargets returns every loaded entry a remove deletes: for a role or
// user, each mapRoles or mapUsers entry whose ARN equals, ignoring case
// (strings.EqualFold, as ConfigMapMapper.Map compares), the ARN given or the
// ARN the principal's sessions present: a role's without its path
// (pkg/arn.Canonicalize drops it). That covers exact duplicates, case
// variants and a copy under the other key, each of which would still map
// the principal once the entry that applies today is gone. For an account,
// every copy of it in mapAccounts.
func removeTargets(m *Map, c Change) []*Entry {
	var out []*Entry
	bare := pathlessRole(c.ARN)
	for _, e := range m.Entries {
		if e.Loaded && isRemoveTarget(e, c, bare) {
			out = append(out, e)
		}
	}
	return out
}

// isRemoveTarget is removeTargets' test; bare is pathlessRole(c.ARN).
func isRemoveTarget(e *Entry, c Change, bare string) bool {
	if c.Kind == KindAccount {
		return e.Kind == KindAccount && e.ARN == c.ARN
	}
	if e.Kind == KindAccount || e.ARN == "" {
		return false
	}
	return strings.EqualFold(e.ARN, c.ARN) || c.Kind == KindRole && strings.EqualFold(e.ARN, bare)
}

// pathlessRole returns a role ARN without its path, as the authenticator
// sees the role's sessions; any other ARN is returned as it is.
func pathlessRole(arn string) string {
	p, err := Canonicalize(arn)
	if err != nil || p.Type != PrincipalRole || p.Path == "/" || p.Name == "" {
		return arn
	}
	return p.PathlessARN()
}

// accountsAdmitting returns the loaded mapAccounts entries that let every
// principal of the account of a role or user change in, as server.doMapping
// does when no mapRoles or mapUsers entry matches.
func accountsAdmitting(m *Map, c Change) []*Entry {
	if c.Kind == KindAccount {
		return nil
	}
	p, err := Canonicalize(c.ARN)
	if err != nil {
		return nil
	}
	var out []*Entry
	for _, e := range m.Entries {
		if e.Kind == KindAccount && e.Loaded && e.ARN == p.AccountID {
			out = append(out, e)
		}
	}
	return out
}
