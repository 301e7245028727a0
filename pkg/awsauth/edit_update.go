package awsauth

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/eksaccess/kubectl-eksaccess/pkg/awsauth/internal/yamltext"
)

// applyUpdate changes the username or groups of win, the entry that maps
// c's principal today, in place.
func applyUpdate(data map[string]string, m *Map, c Change, win *Entry, res Result) (Result, error) {
	key := win.Key
	username := win.Username
	if c.setsUsername() {
		username = c.Username
	}
	groups := win.Groups
	switch {
	case len(c.Groups) == 0:
	case c.AppendGroups:
		groups = dedupe(append(slices.Clone(win.Groups), c.Groups...))
	default:
		groups = c.Groups
	}
	if win.Key != DataKeyFor(c.Kind) {
		res.Notices = append(res.Notices, fmt.Sprintf("%s is mapped under %s (%s), where the authenticator also reads it: updating that entry in place", c.ARN, win.Key, win.where()))
	}
	set := yamltext.Fields{Username: username != win.Username, Groups: !sameMembers(groups, win.Groups)}
	if c.Kind == KindAccount || !set.Username && !set.Groups {
		res.Data = copyData(data)
		res.Summary = fmt.Sprintf("unchanged: %s already maps %s", win.Source(), c.ARN)
		return res, nil
	}
	if set.Username {
		res.Warnings = append(res.Warnings, UsernameWarnings(username, c.Node)...)
	}
	want := newWant(key, win.Kind, win.ARN, username, groups)
	want.problems = win.FieldProblems
	if kept := keptProblems(win, set); len(kept) > 0 {
		res.Warnings = append(res.Warnings, fmt.Sprintf("%s still reads differently than written%s: fix it by hand, or give that field on the command line", win.Source(), problemsText(kept)))
	}
	var what []string
	if set.Username {
		what = append(what, "username")
	}
	if set.Groups {
		what = append(what, "groups")
	}
	cand, err := updateText(m, win, data[key], want, set)
	if err != nil {
		return res, err
	}
	res.Data = copyData(data)
	res.Data[key] = cand.Text
	res.Changed = true
	res.Edits = keyEdits(key, cand.Edits)
	if cand.How == yamltext.Reblocked {
		res.Notices = append(res.Notices, reblocked(key))
	}
	res.Summary = fmt.Sprintf("updated %s of %s", strings.Join(what, " and "), win.Source())
	return res, nil
}

// keptProblems returns the problems of fields the update does not rewrite
// (a numeric username while the groups change): they stay, and the update
// is not worse for them.
func keptProblems(win *Entry, set yamltext.Fields) []string {
	var kept []string
	for _, p := range win.FieldProblems {
		f := yamltext.Field(strings.Fields(p + " x")[0])
		if !(f == "username" && set.Username) && !(f == "groups" && set.Groups) {
			kept = append(kept, p)
		}
	}
	return kept
}

// updateText returns the new text of win's key with the fields set to
// what want says: the entry's own piece edited alone when it can be, else
// the whole key, checked to load as before but for win.
func updateText(m *Map, win *Entry, text string, want wantEntry, set yamltext.Fields) (yamltext.Candidate, error) {
	key := win.Key
	if cand, ok := localEdit(m, win, text, func(piece string) []yamltext.Candidate {
		cands, _ := yamltext.Update(piece, 0, want.Item, set)
		return cands
	}, &want); ok {
		return cand, nil
	}
	cands, err := yamltext.Update(text, win.Index, want.Item, set)
	if errors.Is(err, yamltext.ErrNoItem) {
		return yamltext.Candidate{}, fmt.Errorf("aws-auth %s: cannot locate %s in the text: edit it by hand, then check with 'kubectl eksaccess lint'", key, win.Source())
	}
	if err != nil {
		return yamltext.Candidate{}, fmt.Errorf("aws-auth %s: %v: edit it by hand, then check with 'kubectl eksaccess lint'", key, err)
	}
	var targetErr *targetError
	for _, cand := range cands {
		if err := verifyKey(m, key, cand.Text, []*Entry{win}, &want, false); err != nil {
			errors.As(err, &targetErr)
			continue
		}
		return cand, nil
	}
	if targetErr != nil {
		return yamltext.Candidate{}, fmt.Errorf("aws-auth %s: %s: the entry for %s cannot be rewritten as asked, %s: edit it by hand, then check with 'kubectl eksaccess lint'", key, win.where(), win.ARN, targetErr.why)
	}
	return yamltext.Candidate{}, fmt.Errorf("aws-auth %s: cannot update %s without changing how other entries load: edit it by hand, then check with 'kubectl eksaccess lint'", key, win.where())
}

// sameMembers reports whether a and b hold the same strings, ignoring order
// and repeats.
func sameMembers(a, b []string) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	for _, x := range b {
		if !slices.Contains(a, x) {
			return false
		}
	}
	return true
}
