package awsauth

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/eksaccess/kubectl-eksaccess/pkg/awsauth/internal/yamltext"
)

// fingerprint identifies how the authenticator loads an entry, ignoring its
// position.
func fingerprint(e *Entry) string {
	// Called for every entry of both documents: no fmt, one builder. Each
	// field is written as its length, ':', then its bytes, so no two
	// different entries can give the same text.
	var b strings.Builder
	b.Grow(len(e.ARN) + len(e.Username) + 96)
	q := func(s string) { b.WriteString(strconv.Itoa(len(s))); b.WriteByte(':'); b.WriteString(s) }
	qs := func(ss []string) {
		b.WriteByte('[')
		for _, s := range ss {
			q(s)
		}
		b.WriteString("]|")
	}
	q(e.Key)
	b.WriteString(strconv.FormatBool(e.Loaded))
	b.WriteByte('|')
	q(e.Dropped)
	q(e.ARN)
	q(e.Username)
	qs(e.Groups)
	if e.SSO != nil {
		b.WriteString("sso")
		q(e.SSO.PermissionSetName)
		q(e.SSO.AccountID)
		q(e.SSO.Partition)
	}
	qs(e.FieldProblems)
	qs(e.UnknownFields)
	qs(e.DuplicateFields)
	b.WriteString(strconv.FormatBool(e.Groups == nil))
	return b.String()
}

// targetError is a verifyKey failure caused by the target entry itself,
// not by the other entries.
type targetError struct{ why string }

func (e *targetError) Error() string { return e.why }

func problemsText(ps []string) string {
	if len(ps) == 0 {
		return ""
	}
	return " (" + strings.Join(ps, "; ") + ")"
}

// verifyKey checks that the new text of key loads exactly the entries it
// loaded before, minus removed, plus want.
func verifyKey(before *Map, key, text string, removed []*Entry, want *wantEntry, wasBroken bool) error {
	after := Parse(map[string]string{key: text})
	if st := after.Key(key); st.Err != "" {
		if wasBroken {
			return nil // forced edit of a broken key: nothing to compare
		}
		return fmt.Errorf("the result does not load: %s", st.Err)
	}
	count := map[string]int{}
	for _, e := range before.Entries {
		if e.Key == key && !slices.Contains(removed, e) {
			count[fingerprint(e)]++
		}
	}
	var added []*Entry
	for _, e := range after.Entries {
		fp := fingerprint(e)
		if count[fp] > 0 {
			count[fp]--
			continue
		}
		added = append(added, e)
	}
	for fp, n := range count {
		if n > 0 {
			return fmt.Errorf("an entry no longer loads the same: %s", fp)
		}
	}
	if want == nil {
		if len(added) > 0 {
			return fmt.Errorf("unexpected entry %s", added[0].Source())
		}
		return nil
	}
	if len(added) != 1 {
		return &targetError{fmt.Sprintf("%d entries would load in its place", len(added))}
	}
	a := added[0]
	if !want.loadsAs(a) {
		return &targetError{fmt.Sprintf("it would load with username %q and groups %q%s", a.Username, a.Groups, problemsText(a.FieldProblems))}
	}
	return nil
}

// CheckNotWorse refuses a change whose result would be worse than the
// document it replaces: an entry that loaded before no longer loads (other
// than what the change removes or updates), the added or updated entry would
// not load, would be shadowed or would not be the one the authenticator
// applies, or a key that is broken today is edited without c.Force. Apply
// makes the same checks; call this on whatever is about to be written.
func CheckNotWorse(before, after map[string]string, c Change) error {
	return CheckNotWorseParsed(before, after, Parse(before), Parse(after), c)
}

// CheckNotWorseParsed is CheckNotWorse with both documents already parsed
// (pb = Parse(before), pa = Parse(after)).
func CheckNotWorseParsed(before, after map[string]string, pb, pa *Map, c Change) error {
	if err := checkKeys(before, after, pb, pa, c); err != nil {
		return err
	}
	if err := checkOthers(pb, pa, c); err != nil {
		return err
	}
	if c.Force && pa.Key(DataKeyFor(c.Kind)).Err != "" {
		// A forced edit of a key that stays broken: nothing loads from it,
		// so there is no target to check.
		return nil
	}
	if c.Op == OpRemove {
		// Revoked means no entry is left that maps the principal.
		if left := removeTargets(pa, c); len(left) > 0 {
			return fmt.Errorf("aws-auth %s: %s (%s) would still map %s: refusing to write a remove that does not revoke it; remove that entry too", left[0].Key, left[0].where(), left[0].ARN, c.ARN)
		}
		return nil
	}
	return checkTarget(pb, pa, c)
}

// checkKeys refuses to edit a key that is broken today (without c.Force),
// or to break one that loads.
func checkKeys(before, after map[string]string, pb, pa *Map, c Change) error {
	for _, key := range DataKeys {
		sb, sa := pb.Key(key), pa.Key(key)
		edited := before[key] != after[key]
		if sb.Err != "" && edited && !c.Force {
			return brokenKeyError(key, sb)
		}
		if sb.Err == "" && sa.Err != "" {
			where := ""
			if sa.ErrLine > 0 {
				where = fmt.Sprintf("line %d: ", sa.ErrLine)
			}
			return fmt.Errorf("aws-auth %s: %s%s: the change would drop every entry of %s: refusing to write; fix the change or run 'kubectl eksaccess lint' on the result", key, where, yamltext.OneLine(sa.Err), key)
		}
	}
	return nil
}

// checkOthers refuses a result in which an entry that loaded before, other
// than what c is about, no longer loads the same.
func checkOthers(pb, pa *Map, c Change) error {
	bare := pathlessRole(c.ARN)
	isTarget := func(e *Entry) bool {
		if c.Op == OpRemove {
			return isRemoveTarget(e, c, bare)
		}
		if c.Kind == KindAccount {
			return e.Kind == KindAccount && e.ARN == c.ARN
		}
		return e.Kind != KindAccount && e.ARN != "" && strings.EqualFold(e.ARN, c.ARN)
	}
	count := map[string]int{}
	for _, e := range pa.Entries {
		if e.Loaded {
			count[fingerprint(e)]++
		}
	}
	for _, e := range pb.Entries {
		if !e.Loaded || isTarget(e) {
			continue
		}
		fp := fingerprint(e)
		if count[fp] == 0 {
			return fmt.Errorf("aws-auth %s: %s: the entry for %s would no longer load as it does today: refusing to write; check the change with 'kubectl eksaccess lint'", e.Key, e.where(), entryName(e))
		}
		count[fp]--
	}
	return nil
}

// checkTarget refuses an add whose entry would not load, would never
// match, would be shadowed or copied, or would not apply with the username
// and groups asked.
func checkTarget(pb, pa *Map, c Change) error {
	tb, winBefore := targets(pb, c)
	ta, win := targets(pa, c)
	if win == nil {
		return fmt.Errorf("aws-auth %s: the entry for %s would not load: refusing to write; run 'kubectl eksaccess lint' on the result", DataKeyFor(c.Kind), c.ARN)
	}
	if len(win.Ambiguous) > 0 {
		return fmt.Errorf("aws-auth %s: %s differs only in case from %s, so which one applies is random: remove the copies with 'kubectl eksaccess remove %s --all-duplicates'", win.Key, win.where(), win.Ambiguous[0].where(), c.ARN)
	}
	if win.Never != "" && (winBefore == nil || winBefore.Never != win.Never) {
		return fmt.Errorf("aws-auth %s: %s: the entry for %s would never match (%s): refusing to write", win.Key, win.where(), c.ARN, win.Never)
	}
	if c.Kind == KindAccount {
		return nil
	}
	matches := func(e *Entry) bool {
		if c.setsUsername() && e.Username != c.Username {
			return false
		}
		for _, g := range c.Groups {
			if !slices.Contains(e.Groups, g) {
				return false
			}
		}
		return c.AppendGroups || len(c.Groups) == 0 || sameMembers(c.Groups, e.Groups)
	}
	if !matches(win) {
		for _, e := range ta {
			if e != win && matches(e) {
				return fmt.Errorf("aws-auth %s: %s: the new entry for %s would be shadowed by %s, which the authenticator applies instead: update that entry instead", e.Key, e.where(), c.ARN, win.Source())
			}
		}
	}
	if len(ta) > max(len(tb), 1) {
		return fmt.Errorf("aws-auth %s: %s would be mapped %d times: update the existing entry instead of adding a copy", win.Key, c.ARN, len(ta))
	}
	if c.setsUsername() && win.Username != c.Username {
		return fmt.Errorf("aws-auth %s: %s: %s would apply with username %q, not %q: refusing to write", win.Key, win.where(), c.ARN, win.Username, c.Username)
	}
	for _, g := range c.Groups {
		if !slices.Contains(win.Groups, g) {
			return fmt.Errorf("aws-auth %s: %s: %s would apply without the group %q: refusing to write", win.Key, win.where(), c.ARN, g)
		}
	}
	if !c.AppendGroups && len(c.Groups) > 0 && !sameMembers(c.Groups, win.Groups) {
		return fmt.Errorf("aws-auth %s: %s: %s would apply with the groups %q, not %q: refusing to write", win.Key, win.where(), c.ARN, win.Groups, c.Groups)
	}
	return nil
}

func entryName(e *Entry) string {
	switch {
	case e.ARN != "":
		return e.ARN
	case e.SSO != nil:
		return "sso " + e.SSO.PermissionSetName
	}
	return "item " + strconv.Itoa(e.Index+1)
}
