package awsauth

import (
	"errors"
	"fmt"
	"strings"

	"github.com/eksaccess/kubectl-eksaccess/pkg/awsauth/internal/yamltext"
)

// applyAdd maps a principal: it updates the entry that applies to it
// today, or appends a new entry to its key.
func applyAdd(data map[string]string, m *Map, c Change) (Result, error) {
	key := DataKeyFor(c.Kind)
	res := Result{Key: key}
	all, win := targets(m, c)
	if win != nil {
		key = win.Key
		res.Key = key
	}
	st := m.Key(key)
	if st.Err != "" && !c.Force {
		return res, brokenKeyError(key, st)
	}
	if len(all) > 1 {
		var others []string
		for _, e := range all {
			if e != win {
				others = append(others, e.Source())
			}
		}
		res.Warnings = append(res.Warnings, fmt.Sprintf("%s is mapped more than once: %s applies and was the one updated; never applied: %s; to keep one copy, run 'kubectl eksaccess remove %s --all-duplicates' and add it again", c.ARN, win.Source(), strings.Join(others, ", "), c.ARN))
	}
	if win != nil && len(win.Ambiguous) > 0 {
		return res, fmt.Errorf("aws-auth %s: %s differs only in case from %s; which one applies changes from one request to the next: remove the copies first with 'kubectl eksaccess remove %s --all-duplicates'", key, win.where(), win.Ambiguous[0].where(), c.ARN)
	}
	if win != nil {
		return applyUpdate(data, m, c, win, res)
	}
	res.Warnings = append(res.Warnings, newEntryWarnings(m, c)...)
	return appendEntry(data, m, c, key, st, res)
}

// newEntryWarnings are the warnings about a new entry: the same role
// mapped with its path (which never matches), a surprising username, no
// groups.
func newEntryWarnings(m *Map, c Change) []string {
	var ws []string
	if c.Kind == KindRole {
		suffix := strings.ToLower(c.ARN[strings.LastIndex(c.ARN, "/"):])
		for _, e := range m.Entries {
			if len(e.ARN) <= len(suffix) || !strings.EqualFold(e.ARN[len(e.ARN)-len(suffix):], suffix) {
				continue
			}
			if p, err := Canonicalize(e.ARN); e.Loaded && err == nil && p.Type == PrincipalRole && p.Path != "/" && strings.EqualFold(p.PathlessARN(), c.ARN) {
				ws = append(ws, fmt.Sprintf("%s maps the same role with its path (%s), which never matches: remove it with 'kubectl eksaccess remove %s'", e.Source(), e.ARN, e.ARN))
			}
		}
	}
	if c.Kind != KindAccount {
		ws = append(ws, UsernameWarnings(c.Username, c.Node)...)
		if len(c.Groups) == 0 {
			ws = append(ws, "no groups: the principal is authenticated, then Forbidden unless RBAC binds its username: add --group GROUP")
		}
	}
	return ws
}

// appendEntry writes a new entry for c at the end of key: the first
// candidate text that loads every other entry as before plus the new one
// as asked.
func appendEntry(data map[string]string, m *Map, c Change, key string, st KeyState, res Result) (Result, error) {
	want := newWant(key, c.Kind, c.ARN, c.Username, c.Groups)
	text, present := data[key]
	if st.Err == "" {
		if cand, ok := fastAppend(m, key, text, want); ok {
			return finishAdd(data, key, cand, res, st), nil
		}
	}
	var cands []yamltext.Candidate
	if !present || isSkippable(text) {
		if !present {
			res.Created = true
			res.Notices = append(res.Notices, fmt.Sprintf("aws-auth has no %s key: creating it", key))
		} else if strings.TrimSpace(text) != "" {
			res.Notices = append(res.Notices, fmt.Sprintf("%s held only '%s', which maps nobody: replaced it with a list", key, strings.TrimSpace(text)))
		}
		cands = append(cands, yamltext.NewList(text, want.Item))
	} else {
		var err error
		cands, err = yamltext.Insert(text, want.Item, c.Force)
		switch {
		case errors.Is(err, yamltext.ErrNotList):
			return res, fmt.Errorf("aws-auth %s: the value is not a YAML list, so nothing can be appended to it: fix it first or run 'kubectl eksaccess lint'", key)
		case err != nil:
			return res, fmt.Errorf("aws-auth %s: %v: fix it first or run 'kubectl eksaccess lint'", key, err)
		}
	}
	var targetErr *targetError
	for _, cand := range cands {
		if err := verifyKey(m, key, cand.Text, nil, &want, st.Err != ""); err != nil {
			errors.As(err, &targetErr)
			continue
		}
		return finishAdd(data, key, cand, res, st), nil
	}
	if targetErr != nil {
		return res, fmt.Errorf("aws-auth %s: the new entry for %s cannot be written as asked, %s: edit it by hand, then check with 'kubectl eksaccess lint'", key, c.ARN, targetErr.why)
	}
	return res, fmt.Errorf("aws-auth %s: cannot append %s without changing how other entries load: edit it by hand, then check with 'kubectl eksaccess lint'", key, c.ARN)
}

func finishAdd(data map[string]string, key string, cand yamltext.Candidate, res Result, st KeyState) Result {
	res.Data = copyData(data)
	res.Data[key] = cand.Text
	res.Changed = true
	res.Edits = keyEdits(key, cand.Edits)
	switch cand.How {
	case yamltext.ReplacedNull:
		res.Notices = append(res.Notices, fmt.Sprintf("%s held only '%s', which maps nobody: replaced it with a list", key, cand.Null))
	case yamltext.ReplacedEmptyFlow:
		res.Notices = append(res.Notices, fmt.Sprintf("%s was an empty flow list '[]': wrote it as a block list", key))
	case yamltext.InFlow:
		res.Notices = append(res.Notices, fmt.Sprintf("%s is written in flow style ([...]); added the entry inside the list, as JSON", key))
	case yamltext.Reblocked:
		res.Notices = append(res.Notices, reblocked(key))
	}
	if st.Err != "" {
		res.Warnings = append(res.Warnings, fmt.Sprintf("%s is still broken, so the new entry does not load either: fix it with 'kubectl eksaccess lint'", key))
	}
	e := res.Edits[len(res.Edits)-1]
	if res.Created {
		res.Summary = fmt.Sprintf("created %s with %s", key, lineRange(e.NewStart, e.NewEnd))
	} else {
		res.Summary = fmt.Sprintf("added %s %s", key, lineRange(e.NewStart, e.NewEnd))
	}
	return res
}

// fastAppend appends to a block list by reading only its tail: the last
// item (found from its line in Parse) and what follows it. The tail is a
// block list on its own; the new entry is appended to it and the tail is
// parsed again, which must give the last entry unchanged plus the new one.
// The text before the tail is not touched, so the whole key then loads
// what it loaded before plus the new entry. Large documents are appended
// to without decoding them twice. ok is false when the tail does not stand
// alone (an alias, a tag directive, an unusual layout): the caller then
// edits the whole key.
func fastAppend(m *Map, key, text string, want wantEntry) (yamltext.Candidate, bool) {
	var last *Entry
	for _, e := range m.Entries {
		if e.Key == key {
			last = e
		}
	}
	if last == nil {
		return yamltext.Candidate{}, false
	}
	tail, ok := yamltext.Tail(text, last.Line)
	if !ok {
		return yamltext.Candidate{}, false
	}
	cands, ok := yamltext.AppendToOne(tail.Text, want.Item)
	if !ok {
		return yamltext.Candidate{}, false
	}
	for _, c := range cands {
		after := Parse(map[string]string{key: c.Text})
		if after.Key(key).Err != "" || len(after.Entries) != 2 || fingerprint(after.Entries[0]) != fingerprint(last) {
			continue
		}
		if !want.loadsAs(after.Entries[1]) {
			continue
		}
		return tail.Splice(c), true
	}
	return yamltext.Candidate{}, false
}
