package awsauth

// Editing aws-auth with the smallest faithful change.
//
// Apply never re-encodes a document from structs: it finds the lines of the
// target entry in the key's text (the entry's line from Parse, plus a yaml.v3
// node walk for its extent) and changes only those. Every byte outside them
// stays as it was: comments, order, quoting, unknown keys, sso entries and the
// other data keys. Each edit is checked by parsing the result again: if the
// other entries do not load exactly as before, or the target does not load as
// intended, the edit is refused rather than written.
//
// The files, in the order an add runs: change.go turns what the user asked
// into a Change; Apply (here) dispatches it to edit_add.go, edit_update.go
// or edit_remove.go, which ask internal/yamltext for candidate texts (the
// YAML text engine: insert an item, delete items, set fields, in the style
// of the neighbours); verify.go loads each candidate again and keeps the
// first that changes only what was asked; guard.go says whom a result could
// lock out.

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/eksaccess/kubectl-eksaccess/pkg/awsauth/internal/yamltext"
)

// Edit locates one changed region of a data key, in 1-based lines of the key's
// value. OldEnd < OldStart means an insertion before OldStart; NewEnd <
// NewStart means a deletion.
type Edit struct {
	Key      string
	OldStart int
	OldEnd   int
	NewStart int
	NewEnd   int
}

// Result is the outcome of Apply.
type Result struct {
	// Data is the new ConfigMap data: a copy of the input with only the
	// edited key(s) changed.
	Data map[string]string
	// Changed is false when the document already says what the change asks
	// (an idempotent add).
	Changed bool
	// Key is the data key edited (or that would have been).
	Key string
	// Created is set when the key did not exist and was created.
	Created bool
	// Summary is one line for humans: "added mapUsers lines 12-14".
	Summary string
	// Edits are the changed regions, in document order per key.
	Edits []Edit
	// Notices explain what was done differently from what was literally
	// asked (a rewritten flow-style key, an entry found under another key).
	Notices []string
	// Warnings are problems the change keeps or introduces but does not
	// refuse (a reserved username prefix, an existing duplicate, no groups).
	Warnings []string
	// StillAdmittedBy lists, for a remove of a role or user, the
	// mapAccounts entries that still let the principal in (under its own
	// ARN, with no groups) after the write: the remove did not revoke it.
	StillAdmittedBy []*Entry
}

// ErrNotFound is returned by Apply (OpRemove) when no entry maps the ARN.
var ErrNotFound = errors.New("not mapped in aws-auth")

// Apply makes the change to a copy of data, editing only the lines of the
// target entry, and checks that the result loads as intended.
func Apply(data map[string]string, c Change) (Result, error) {
	if err := c.validate(); err != nil {
		return Result{}, err
	}
	return ApplyParsed(data, Parse(data), c)
}

// ApplyParsed is Apply for a caller that has already parsed data (m must be
// Parse(data)): on a large aws-auth, parsing is most of the cost, and the
// command layer parses the document anyway for its guards.
func ApplyParsed(data map[string]string, m *Map, c Change) (Result, error) {
	if err := c.validate(); err != nil {
		return Result{}, err
	}
	c.Groups = dedupe(c.Groups)
	if c.Op == OpRemove {
		return applyRemove(data, m, c)
	}
	return applyAdd(data, m, c)
}

func dedupe(ss []string) []string {
	var out []string
	for _, s := range ss {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

func copyData(data map[string]string) map[string]string {
	out := make(map[string]string, len(data)+1)
	for k, v := range data {
		out[k] = v
	}
	return out
}

// targets returns the loaded entries a change is about, and the one the
// authenticator applies (nil if none): for a role or user ARN the first
// unshadowed mapRoles entry, else the last unshadowed mapUsers entry; for an
// account the unshadowed mapAccounts entry.
func targets(m *Map, c Change) (all []*Entry, win *Entry) {
	for _, e := range m.Entries {
		if !e.Loaded {
			continue
		}
		if c.Kind == KindAccount {
			if e.Kind == KindAccount && e.ARN == c.ARN {
				all = append(all, e)
			}
		} else if e.Kind != KindAccount && e.ARN != "" && strings.EqualFold(e.ARN, c.ARN) {
			all = append(all, e)
		}
	}
	for _, kind := range []Kind{KindRole, KindUser, KindAccount} {
		for _, e := range all {
			if e.Kind == kind && e.ShadowedBy == nil {
				win = e
			}
		}
		if win != nil {
			return all, win
		}
	}
	return all, nil
}

// brokenKeyError refuses to edit a key whose YAML drops all its entries today.
func brokenKeyError(key string, st KeyState) error {
	where := ""
	if st.ErrLine > 0 {
		where = fmt.Sprintf("line %d: ", st.ErrLine)
	}
	hint := ""
	if st.Hint != "" {
		hint = " (" + st.Hint + ")"
	}
	return fmt.Errorf("aws-auth %s: %s%s%s: every entry of %s is dropped today: fix it first or run 'kubectl eksaccess lint' (or pass --force to edit it anyway)", key, where, yamltext.OneLine(st.Err), hint, key)
}

// keyEdits returns the edits of a candidate for key as Edits of key.
func keyEdits(key string, es []yamltext.Edit) []Edit {
	out := make([]Edit, len(es))
	for i, e := range es {
		out[i] = Edit{Key: key, OldStart: e.OldStart, OldEnd: e.OldEnd, NewStart: e.NewStart, NewEnd: e.NewEnd}
	}
	return out
}

// reblocked is the notice of an edit that rewrote a flow-style key.
func reblocked(key string) string {
	return fmt.Sprintf("%s is written in flow style ([...]); rewrote that key in block style, one '- ' item per entry", key)
}

// localEdit edits one entry by reading only its piece of the text: from its
// dash to the next entry's dash (or the end of the key). The piece is a
// block list of one item on its own; edit returns candidate new pieces, and
// the first whose parse gives exactly want (or nothing, for a removal) is
// spliced back. The text around the piece is not touched, so the key then
// loads what it loaded before with only the target changed. ok is false
// when the piece does not stand alone (an alias, an anchor used elsewhere, a
// flow list, a later YAML document): the caller then edits the whole key.
func localEdit(m *Map, e *Entry, text string, edit func(piece string) []yamltext.Candidate, want *wantEntry) (yamltext.Candidate, bool) {
	var next *Entry
	for _, n := range m.Entries {
		if n.Key == e.Key && n.Index == e.Index+1 {
			next = n
		}
	}
	var p yamltext.Piece
	var ok bool
	if next == nil {
		p, ok = yamltext.Tail(text, e.Line)
	} else {
		p, ok = yamltext.Cut(text, e.Line, next.Line)
	}
	if !ok || !yamltext.SingleItem(p.Text) {
		return yamltext.Candidate{}, false
	}
	before := Parse(map[string]string{e.Key: p.Text})
	if before.Key(e.Key).Err != "" || len(before.Entries) != 1 || fingerprint(before.Entries[0]) != fingerprint(e) {
		return yamltext.Candidate{}, false
	}
	for _, c := range edit(p.Text) {
		if verifyKey(before, e.Key, c.Text, before.Entries, want, false) == nil {
			return p.Splice(c), true
		}
	}
	return yamltext.Candidate{}, false
}

func lineRange(a, b int) string {
	if b <= a {
		return fmt.Sprintf("line %d", a)
	}
	return fmt.Sprintf("lines %d-%d", a, b)
}

// wantEntry is what the target entry must look like after an add: the
// item to write, under key.
type wantEntry struct {
	key string
	yamltext.Item
	// problems are FieldProblems the entry may keep: those it had before
	// an update that does not touch them (e.g. a numeric username).
	problems []string
}

// newWant returns the wantEntry of an entry of kind under key.
func newWant(key string, kind Kind, arn, username string, groups []string) wantEntry {
	arnKey := ""
	switch kind {
	case KindRole:
		arnKey = "rolearn"
	case KindUser:
		arnKey = "userarn"
	}
	return wantEntry{key: key, Item: yamltext.Item{ArnKey: arnKey, ARN: arn, Username: username, Groups: groups}}
}

// loadsAs reports whether an entry loads as w asks.
func (w *wantEntry) loadsAs(a *Entry) bool {
	return a.Loaded && a.ARN == w.ARN && a.Username == w.Username && sameMembers(a.Groups, w.Groups) && !slices.ContainsFunc(a.FieldProblems, func(p string) bool { return !slices.Contains(w.problems, p) })
}
