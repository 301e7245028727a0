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

import (
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	yamlv3 "go.yaml.in/yaml/v3"
)

// Op is what a Change does.
type Op string

const (
	// OpAdd maps a principal, or updates its existing entry in place.
	OpAdd Op = "add"
	// OpRemove deletes the entry that maps a principal.
	OpRemove Op = "remove"
)

// Change is one intended edit of aws-auth. The command layer builds it with
// NormalizeTarget or NormalizeAccount and then applies flags.
type Change struct {
	Op   Op
	Kind Kind
	// ARN is the canonical ARN as it will be written (for KindAccount: the
	// 12-digit account ID). For OpRemove it is matched case-insensitively
	// against the ARN as written, so an entry with a role path can be
	// removed by giving that path.
	ARN string
	// Username for the entry. When UsernameIsDefault is set it is only used
	// for a new entry: an existing entry keeps its username (except for a
	// Node change, which always sets the node username).
	Username          string
	UsernameIsDefault bool
	// Groups for the entry. Empty keeps an existing entry's groups. With
	// AppendGroups they are merged into the existing ones, else they replace
	// them.
	Groups       []string
	AppendGroups bool
	// AllDuplicates is kept for callers that set it: OpRemove always
	// deletes every entry that maps the principal (see removeTargets).
	AllDuplicates bool
	// Node marks the standard node-role mapping (no reserved-prefix warning).
	Node bool
	// Force allows editing a key that is already broken (a YAML error drops
	// all of its entries today).
	Force bool
}

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

// NodeGroups are the groups of the standard node-role mapping.
var NodeGroups = []string{"system:bootstrappers", "system:nodes"}

// DataKeyFor returns the data key entries of a kind are written under.
func DataKeyFor(k Kind) string {
	switch k {
	case KindRole:
		return KeyRoles
	case KindUser:
		return KeyUsers
	case KindAccount:
		return KeyAccounts
	}
	return ""
}

// NormalizeTarget turns an ARN given on the command line into an add Change
// with the defaults users expect, and notices about what was changed. The ARN
// decides the kind: an IAM user goes to mapUsers, an IAM role to mapRoles. An
// STS assumed-role ARN becomes its role ARN, and a role path is dropped,
// because the authenticator matches role sessions by the role ARN without its
// path (aws-iam-authenticator pkg/arn.Canonicalize). Anything the
// authenticator could never match is refused with the fix.
func NormalizeTarget(arn string, node bool) (Change, []string, error) {
	arn = strings.TrimSpace(arn)
	if ValidAccountID(arn) {
		return Change{}, nil, fmt.Errorf("%q is an account ID, not an ARN: to map every principal of an account use --account %s", arn, arn)
	}
	p, err := Canonicalize(arn)
	if err != nil {
		return Change{}, nil, fmt.Errorf("%w: give an IAM user or role ARN such as arn:aws:iam::111122223333:role/NAME", err)
	}
	a, _ := ParseARN(arn)
	if !ValidAccountID(p.AccountID) {
		return Change{}, nil, fmt.Errorf("arn %q: account ID %q is not 12 digits: copy the ARN from 'aws sts get-caller-identity' or the IAM console", arn, p.AccountID)
	}
	var notices []string
	var c Change
	switch p.Type {
	case PrincipalRoot:
		return Change{}, nil, fmt.Errorf("arn %q is the account root user: map a role or user instead, or the whole account with --account %s", arn, p.AccountID)
	case PrincipalFederatedUser:
		return Change{}, nil, fmt.Errorf("arn %q is an STS federated user, which aws-auth cannot map: map the IAM role your users assume instead", arn)
	case PrincipalAssumedRole:
		c = Change{Kind: KindRole, ARN: p.Canonical}
		notices = append(notices, fmt.Sprintf("%s is a role session; mapping its role %s (every session of the role)", arn, p.Canonical))
	case PrincipalRole, PrincipalUser:
		if a.Region != "" {
			return Change{}, nil, fmt.Errorf("arn %q has the region %q: IAM ARNs have no region, so it would never match: write arn:%s:iam::%s:%s", arn, a.Region, p.Partition, p.AccountID, a.Resource)
		}
		if p.Name == "" {
			return Change{}, nil, fmt.Errorf("arn %q has no %s name: give the full ARN, e.g. arn:%s:iam::%s:%s/NAME", arn, p.Type, p.Partition, p.AccountID, p.Type)
		}
		if p.Type == PrincipalUser {
			c = Change{Kind: KindUser, ARN: arn}
			break
		}
		c = Change{Kind: KindRole, ARN: arn}
		if p.Path != "/" {
			c.ARN = p.PathlessARN()
			notices = append(notices, fmt.Sprintf("writing %s without its path %q: the authenticator matches a role session by the role ARN without its path, so an ARN with a path never matches", c.ARN, p.Path))
		}
	}
	c.Op = OpAdd
	name := c.ARN[strings.LastIndex(c.ARN, "/")+1:]
	switch {
	case node && c.Kind != KindRole:
		return Change{}, nil, fmt.Errorf("arn %q is not a role: --node maps the IAM role of worker nodes", arn)
	case node:
		c.Node = true
		c.Username = NodeUsername
		c.Groups = slices.Clone(NodeGroups)
	case c.Kind == KindUser:
		c.Username = name
	default:
		c.Username = name + ":{{SessionName}}"
	}
	c.UsernameIsDefault = true
	return c, notices, nil
}

// NormalizeRemove turns an ARN given to remove into a remove Change. An STS
// assumed-role ARN becomes its role ARN; a role path is kept, since the entry
// to remove may be written with it (Apply also tries it without the path).
func NormalizeRemove(arn string) (Change, []string, error) {
	arn = strings.TrimSpace(arn)
	if ValidAccountID(arn) {
		return Change{}, nil, fmt.Errorf("%q is an account ID, not an ARN: to remove an account use --account %s", arn, arn)
	}
	p, err := Canonicalize(arn)
	if err != nil {
		return Change{}, nil, fmt.Errorf("%w: give an IAM user or role ARN such as arn:aws:iam::111122223333:role/NAME", err)
	}
	c := Change{Op: OpRemove, Kind: KindRole, ARN: p.Canonical}
	var notices []string
	switch p.Type {
	case PrincipalUser:
		c.Kind = KindUser
	case PrincipalRole:
	case PrincipalAssumedRole:
		notices = append(notices, fmt.Sprintf("%s is a role session; removing the mapping of its role %s", arn, p.Canonical))
	default:
		return Change{}, nil, fmt.Errorf("arn %q is a %s, which aws-auth cannot map: give the IAM user or role ARN", arn, p.Type)
	}
	return c, notices, nil
}

// NormalizeAccount returns the add Change that maps a whole account.
func NormalizeAccount(id string) (Change, error) {
	id = strings.TrimSpace(id)
	if !ValidAccountID(id) {
		return Change{}, fmt.Errorf("account ID %q is not 12 digits: copy it from 'aws sts get-caller-identity --query Account'", id)
	}
	return Change{Op: OpAdd, Kind: KindAccount, ARN: id}, nil
}

// UsernameWarnings returns warnings about a username aws-auth accepts but
// that will surprise: a reserved prefix, or a node template outside a node
// mapping.
func UsernameWarnings(username string, node bool) []string {
	var ws []string
	if node && username == NodeUsername {
		return nil
	}
	for _, p := range ReservedPrefixes {
		if strings.HasPrefix(username, p) {
			ws = append(ws, fmt.Sprintf("username %q starts with the reserved prefix %q: aws-auth accepts it, access entries refuse it", username, p))
			break
		}
	}
	if strings.Contains(username, "{{EC2PrivateDNSName}}") {
		ws = append(ws, "{{EC2PrivateDNSName}} renders only for EC2 instance sessions: use it for node roles (--node) only")
	}
	return ws
}

func (c Change) validate() error {
	if c.Op != OpAdd && c.Op != OpRemove {
		return fmt.Errorf("unknown operation %q", c.Op)
	}
	switch c.Kind {
	case KindAccount:
		if !ValidAccountID(c.ARN) {
			return fmt.Errorf("account ID %q is not 12 digits", c.ARN)
		}
	case KindRole, KindUser:
		p, err := Canonicalize(c.ARN)
		if err != nil {
			return err
		}
		if c.Op == OpAdd {
			want := PrincipalRole
			if c.Kind == KindUser {
				want = PrincipalUser
			}
			if p.Type != want || p.Path != "/" && p.Type == PrincipalRole || p.Name == "" || !ValidAccountID(p.AccountID) || strings.Count(c.ARN, ":") != 5 || strings.Split(c.ARN, ":")[3] != "" {
				return fmt.Errorf("arn %q is not a canonical %s ARN: normalize it with NormalizeTarget first", c.ARN, c.Kind)
			}
		}
	default:
		return fmt.Errorf("unknown kind %q", c.Kind)
	}
	if c.Op == OpRemove {
		return nil
	}
	if !oneLine(c.Username) {
		return fmt.Errorf("username %q must be one line of valid UTF-8", c.Username)
	}
	for _, g := range c.Groups {
		if g == "" || !oneLine(g) {
			return fmt.Errorf("group %q must be a non-empty line of valid UTF-8", g)
		}
	}
	return nil
}

// setsUsername reports whether an add sets the username of an existing
// entry: an explicit --username, or --node, whose username nodes need
// whatever the entry said before.
func (c Change) setsUsername() bool {
	return c.Username != "" && (!c.UsernameIsDefault || c.Node)
}

func oneLine(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool {
		return r == '\n' || r == '\r' || r == 0x85 || r == 0x2028 || r == 0x2029 || r == 0xFEFF || (r < 0x20 && r != '\t') || r == 0x7f
	})
}

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

// oneLineMsg joins the lines of a parser's message (yaml.v2 lists unmarshal
// errors one per line) so every error stays one line.
func oneLineMsg(s string) string {
	f := strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' })
	for i := range f {
		f[i] = strings.TrimSpace(f[i])
	}
	return strings.Join(f, " ")
}

func brokenKeyError(key string, st KeyState) error {
	where := ""
	if st.ErrLine > 0 {
		where = fmt.Sprintf("line %d: ", st.ErrLine)
	}
	hint := ""
	if st.Hint != "" {
		hint = " (" + st.Hint + ")"
	}
	return fmt.Errorf("aws-auth %s: %s%s%s: every entry of %s is dropped today: fix it first or run 'kubectl eksaccess lint' (or pass --force to edit it anyway)", key, where, oneLineMsg(st.Err), hint, key)
}

// ---------------------------------------------------------------- add

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
	username, groups := c.Username, c.Groups
	if c.Kind == KindRole {
		suffix := strings.ToLower(c.ARN[strings.LastIndex(c.ARN, "/"):])
		for _, e := range m.Entries {
			if len(e.ARN) <= len(suffix) || !strings.EqualFold(e.ARN[len(e.ARN)-len(suffix):], suffix) {
				continue
			}
			if p, err := Canonicalize(e.ARN); e.Loaded && err == nil && p.Type == PrincipalRole && p.Path != "/" && strings.EqualFold(p.PathlessARN(), c.ARN) {
				res.Warnings = append(res.Warnings, fmt.Sprintf("%s maps the same role with its path (%s), which never matches: remove it with 'kubectl eksaccess remove %s'", e.Source(), e.ARN, e.ARN))
			}
		}
	}
	if c.Kind != KindAccount {
		res.Warnings = append(res.Warnings, UsernameWarnings(username, c.Node)...)
		if len(groups) == 0 {
			res.Warnings = append(res.Warnings, "no groups: the principal is authenticated, then Forbidden unless RBAC binds its username: add --group GROUP")
		}
	}
	want := wantEntry{key: key, arn: c.ARN, username: username, groups: groups}
	text, present := data[key]
	if st.Err == "" {
		if cand, ok := fastAppend(m, key, text, c.Kind, want); ok {
			return finishAdd(data, key, cand, res, st), nil
		}
	}
	d, err := analyze(text)
	if err != nil && !c.Force && !isSkippable(text) {
		return res, fmt.Errorf("aws-auth %s: %v: fix it first or run 'kubectl eksaccess lint'", key, err)
	}
	var cands []candidate
	switch {
	case !present || isSkippable(text):
		lines := renderItem(defaultStyle(c.Kind, 0), c.Kind, want)
		nl := "\n"
		if strings.Contains(text, "\r\n") {
			nl = "\r\n"
		}
		newText := strings.Join(lines, nl) + nl
		e := Edit{Key: key, OldStart: 1, OldEnd: len(splitLines(text)), NewStart: 1, NewEnd: len(lines)}
		if !present {
			res.Created = true
			res.Notices = append(res.Notices, fmt.Sprintf("aws-auth has no %s key: creating it", key))
		} else if strings.TrimSpace(text) != "" {
			res.Notices = append(res.Notices, fmt.Sprintf("%s held only '%s', which maps nobody: replaced it with a list", key, strings.TrimSpace(text)))
		}
		cands = append(cands, candidate{text: newText, edits: []Edit{e}})
	case err != nil || d.root == nil:
		// Only comments (or, with --force, text yaml.v3 cannot read): append.
		last := -1
		dash := 0
		if d != nil {
			// In the first document: later ones are not read.
			last = d.lastNonBlank(d.end)
		} else {
			d = &keyDoc{src: text, lines: splitLines(text), eol: eolOf(text)}
			last = d.lastNonBlank(len(d.lines))
			dash = d.guessDashCol()
		}
		lines := renderItem(defaultStyle(c.Kind, dash), c.Kind, want)
		t, e := d.insertAfter(last, lines)
		e.Key = key
		cands = append(cands, candidate{text: t, edits: []Edit{e}})
	case d.seq == nil:
		if d.root.Kind == yamlv3.ScalarNode && d.root.Tag == "!!null" {
			if cand, ok := d.replaceNull(key, c.Kind, want); ok {
				res.Notices = append(res.Notices, fmt.Sprintf("%s held only '%s', which maps nobody: replaced it with a list", key, d.root.Value))
				cands = append(cands, cand)
			}
			break
		}
		return res, fmt.Errorf("aws-auth %s: the value is not a YAML list, so nothing can be appended to it: fix it first or run 'kubectl eksaccess lint'", key)
	case d.flow:
		if len(d.seq.Content) == 0 && strings.TrimSpace(text) == "[]" {
			lines := renderItem(defaultStyle(c.Kind, 0), c.Kind, want)
			res.Notices = append(res.Notices, fmt.Sprintf("%s was an empty flow list '[]': wrote it as a block list", key))
			cands = append(cands, candidate{text: strings.Join(lines, d.eol) + d.eol, edits: []Edit{{Key: key, OldStart: 1, OldEnd: len(d.lines), NewStart: 1, NewEnd: len(lines)}}})
			break
		}
		cands = append(cands, d.flowAppend(key, c.Kind, want)...)
		if t, err := d.rewriteBlock(func(seq *yamlv3.Node) { seq.Content = append(seq.Content, itemNode(c.Kind, want)) }); err == nil {
			cands = append(cands, candidate{text: t, edits: []Edit{{Key: key, OldStart: 1, OldEnd: len(d.lines), NewStart: 1, NewEnd: len(splitLines(t))}}, notice: fmt.Sprintf("%s is written in flow style ([...]); rewrote that key in block style, one '- ' item per entry", key)})
		}
	default:
		st := d.learnStyle(c.Kind)
		last := d.appendLine()
		for _, quoteAll := range []bool{false, true} {
			s := st
			if quoteAll {
				s.arnQ, s.userQ, s.groupQ = qDouble, qDouble, qDouble
			}
			t, e := d.insertAfter(last, renderItem(s, c.Kind, want))
			e.Key = key
			cands = append(cands, candidate{text: t, edits: []Edit{e}})
		}
	}
	var targetErr *targetError
	for _, cand := range cands {
		if err := verifyKey(m, key, cand.text, nil, &want, st.Err != ""); err != nil {
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

func finishAdd(data map[string]string, key string, cand candidate, res Result, st KeyState) Result {
	res.Data = copyData(data)
	res.Data[key] = cand.text
	res.Changed = true
	res.Edits = cand.edits
	if cand.notice != "" {
		res.Notices = append(res.Notices, cand.notice)
	}
	if st.Err != "" {
		res.Warnings = append(res.Warnings, fmt.Sprintf("%s is still broken, so the new entry does not load either: fix it with 'kubectl eksaccess lint'", key))
	}
	e := cand.edits[len(cand.edits)-1]
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
func fastAppend(m *Map, key, text string, kind Kind, want wantEntry) (candidate, bool) {
	var last *Entry
	for _, e := range m.Entries {
		if e.Key == key {
			last = e
		}
	}
	if last == nil || last.Line == 0 {
		return candidate{}, false
	}
	lines := splitLines(text)
	if last.Line > len(lines) {
		return candidate{}, false
	}
	start := -1
	for i := last.Line - 1; i >= 0 && i >= last.Line-4; i-- {
		t := strings.TrimLeft(text[lines[i].start:lines[i].end], " ")
		if t == "-" || strings.HasPrefix(t, "- ") {
			start = i
			break
		}
	}
	if start < 0 {
		return candidate{}, false
	}
	d, err := analyze(text[lines[start].start:])
	if err != nil || d.seq == nil || d.flow || len(d.seq.Content) != 1 || d.seq.Line != 1 || kind != KindAccount && !usableTemplate(d.seq.Content[0]) {
		return candidate{}, false
	}
	st := d.learnStyle(kind)
	at := d.appendLine()
	for _, quoteAll := range []bool{false, true} {
		s := st
		if quoteAll {
			s.arnQ, s.userQ, s.groupQ = qDouble, qDouble, qDouble
		}
		tail, e := d.insertAfter(at, renderItem(s, kind, want))
		after := Parse(map[string]string{key: tail})
		if after.Key(key).Err != "" || len(after.Entries) != 2 || fingerprint(after.Entries[0]) != fingerprint(last) {
			continue
		}
		a := after.Entries[1]
		if !want.loadsAs(a) {
			continue
		}
		e.Key = key
		e.OldStart += start
		e.OldEnd += start
		e.NewStart += start
		e.NewEnd += start
		return candidate{text: text[:lines[start].start] + tail, edits: []Edit{e}}, true
	}
	return candidate{}, false
}

type candidate struct {
	text   string
	edits  []Edit
	notice string
	local  bool // verified on the target's region by localEdit
}

// localEdit edits one entry by reading only its region: from its dash to
// the next entry's dash (or the end of the key). The region is a block list
// of one item on its own; edit returns candidate new regions, and the first
// whose parse gives exactly want (or nothing, for a removal) is spliced back.
// The text around the region is not touched, so the key then loads what it
// loaded before with only the target changed. ok is false when the region
// does not stand alone (an alias, an anchor used elsewhere, a flow list, a
// later YAML document): the caller then edits the whole key.
func localEdit(m *Map, e *Entry, text string, edit func(d *keyDoc, sp span) []candidate, want *wantEntry) (candidate, bool) {
	if e.Line == 0 {
		return candidate{}, false
	}
	lines := splitLines(text)
	dashBefore := func(line int) int {
		for i := line - 1; i >= 0 && i >= line-4 && i < len(lines); i-- {
			t := strings.TrimLeft(text[lines[i].start:lines[i].end], " ")
			if t == "-" || strings.HasPrefix(t, "- ") {
				return i
			}
		}
		return -1
	}
	from := dashBefore(e.Line)
	if from < 0 {
		return candidate{}, false
	}
	end := len(text)
	for _, n := range m.Entries {
		if n.Key == e.Key && n.Index == e.Index+1 {
			to := dashBefore(n.Line)
			if n.Line == 0 || to <= from {
				return candidate{}, false
			}
			end = lines[to].start
		}
	}
	base := lines[from].start
	sub := text[base:end]
	d, err := analyze(sub)
	if err != nil || d.seq == nil || d.flow || len(d.seq.Content) != 1 || d.seq.Line != 1 || d.end != len(d.lines) || hasAnchor(d.seq.Content[0]) {
		return candidate{}, false
	}
	before := Parse(map[string]string{e.Key: sub})
	if before.Key(e.Key).Err != "" || len(before.Entries) != 1 || fingerprint(before.Entries[0]) != fingerprint(e) {
		return candidate{}, false
	}
	spans, err := d.itemSpans()
	if err != nil {
		return candidate{}, false
	}
	for _, c := range edit(d, spans[0]) {
		if verifyKey(before, e.Key, c.text, before.Entries, want, false) != nil {
			continue
		}
		c.text = text[:base] + c.text + text[end:]
		for i := range c.edits {
			c.edits[i].Key = e.Key
			c.edits[i].OldStart += from
			c.edits[i].OldEnd += from
			c.edits[i].NewStart += from
			c.edits[i].NewEnd += from
		}
		c.local = true
		return c, true
	}
	return candidate{}, false
}

func hasAnchor(n *yamlv3.Node) bool {
	if n.Anchor != "" {
		return true
	}
	for _, c := range n.Content {
		if hasAnchor(c) {
			return true
		}
	}
	return false
}

func lineRange(a, b int) string {
	if b <= a {
		return fmt.Sprintf("line %d", a)
	}
	return fmt.Sprintf("lines %d-%d", a, b)
}

// wantEntry is what the target entry must look like after an add.
type wantEntry struct {
	key      string
	arn      string
	username string
	groups   []string
	// problems are FieldProblems the entry may keep: those it had before
	// an update that does not touch them (e.g. a numeric username).
	problems []string
}

// loadsAs reports whether an entry loads as w asks.
func (w *wantEntry) loadsAs(a *Entry) bool {
	return a.Loaded && a.ARN == w.arn && a.Username == w.username && sameSet(a.Groups, w.groups) && !slices.ContainsFunc(a.FieldProblems, func(p string) bool { return !slices.Contains(w.problems, p) })
}

// ---------------------------------------------------------------- update

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
	if c.Kind == KindAccount || (username == win.Username && sameSet(groups, win.Groups)) {
		res.Data = copyData(data)
		res.Summary = fmt.Sprintf("unchanged: %s already maps %s", win.Source(), c.ARN)
		return res, nil
	}
	if username != win.Username {
		res.Warnings = append(res.Warnings, UsernameWarnings(username, c.Node)...)
	}
	want := wantEntry{key: key, arn: win.ARN, username: username, groups: groups, problems: win.FieldProblems}
	// Problems of fields the update does not rewrite stay (a numeric
	// username while the groups change): say so, the update is not worse.
	var kept []string
	for _, p := range win.FieldProblems {
		f := fieldOf(strings.Fields(p + " x")[0])
		if !(f == "username" && username != win.Username) && !(f == "groups" && !sameSet(groups, win.Groups)) {
			kept = append(kept, p)
		}
	}
	if len(kept) > 0 {
		res.Warnings = append(res.Warnings, fmt.Sprintf("%s still reads differently than written%s: fix it by hand, or give that field on the command line", win.Source(), problemsText(kept)))
	}
	text := data[key]
	var what []string
	if username != win.Username {
		what = append(what, "username")
	}
	if !sameSet(groups, win.Groups) {
		what = append(what, "groups")
	}
	finish := func(cand candidate) (Result, error) {
		res.Data = copyData(data)
		res.Data[key] = cand.text
		res.Changed = true
		res.Edits = cand.edits
		if cand.notice != "" {
			res.Notices = append(res.Notices, cand.notice)
		}
		res.Summary = fmt.Sprintf("updated %s of %s", strings.Join(what, " and "), win.Source())
		return res, nil
	}
	if cand, ok := localEdit(m, win, text, func(d *keyDoc, sp span) []candidate {
		var cs []candidate
		if c, ok := d.updateInPlace(d.seq.Content[0], sp, d.learnStyle(win.Kind), want, win); ok {
			cs = append(cs, c)
		}
		if c, ok := d.replaceItem(0, sp, want, win); ok {
			cs = append(cs, c)
		}
		return cs
	}, &want); ok {
		return finish(cand)
	}
	d, err := analyze(text)
	if err != nil || d.seq == nil || win.Index >= len(d.seq.Content) {
		return res, fmt.Errorf("aws-auth %s: cannot locate %s in the text: edit it by hand, then check with 'kubectl eksaccess lint'", key, win.Source())
	}
	var cands []candidate
	if d.flow {
		if cand, ok := d.flowUpdate(key, d.seq.Content[win.Index], want, win); ok {
			cands = append(cands, cand)
		}
		t, err := d.rewriteBlock(func(seq *yamlv3.Node) {
			setFields(seq.Content[win.Index], want, win.Username != username, !sameSet(groups, win.Groups))
		})
		if err == nil {
			cands = append(cands, candidate{text: t, edits: []Edit{{Key: key, OldStart: 1, OldEnd: len(d.lines), NewStart: 1, NewEnd: len(splitLines(t))}}, notice: fmt.Sprintf("%s is written in flow style ([...]); rewrote that key in block style, one '- ' item per entry", key)})
		}
	} else {
		spans, err := d.itemSpans()
		if err != nil {
			return res, fmt.Errorf("aws-auth %s: %v: edit it by hand, then check with 'kubectl eksaccess lint'", key, err)
		}
		sp := spans[win.Index]
		style := d.learnStyle(win.Kind)
		if cand, ok := d.updateInPlace(d.seq.Content[win.Index], sp, style, want, win); ok {
			cands = append(cands, cand)
		}
		if cand, ok := d.replaceItem(win.Index, sp, want, win); ok {
			cands = append(cands, cand)
		}
		for i := range cands {
			cands[i].edits[0].Key = key
		}
	}
	var targetErr *targetError
	for _, cand := range cands {
		if err := verifyKey(m, key, cand.text, []*Entry{win}, &want, false); err != nil {
			errors.As(err, &targetErr)
			continue
		}
		return finish(cand)
	}
	if targetErr != nil {
		return res, fmt.Errorf("aws-auth %s: %s: the entry for %s cannot be rewritten as asked, %s: edit it by hand, then check with 'kubectl eksaccess lint'", key, win.where(), win.ARN, targetErr.why)
	}
	return res, fmt.Errorf("aws-auth %s: cannot update %s without changing how other entries load: edit it by hand, then check with 'kubectl eksaccess lint'", key, win.where())
}

func sameSet(a, b []string) bool {
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

// ---------------------------------------------------------------- remove

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
		text := data[key]
		var cand candidate
		var ok bool
		if len(rm) == 1 {
			cand, ok = localEdit(m, rm[0], text, func(d *keyDoc, sp span) []candidate {
				c, ok := d.deleteItems(key, []*Entry{{Index: 0}})
				if !ok {
					return nil
				}
				return []candidate{c}
			}, nil)
		}
		var d *keyDoc
		if !ok {
			var err error
			if d, err = analyze(text); err != nil || d.seq == nil {
				return res, fmt.Errorf("aws-auth %s: cannot locate %s in the text: edit it by hand, then check with 'kubectl eksaccess lint'", key, rm[0].Source())
			}
		}
		if !ok && d.flow {
			// In place first (JSON stays JSON), else rewritten in block style.
			if cand, ok = d.flowDelete(key, rm); ok && verifyKey(m, key, cand.text, rm, nil, false) == nil {
				cand.local = true
			} else {
				ok = false
			}
		}
		if ok {
			// verified
		} else if d.flow {
			t, err := d.rewriteBlock(func(seq *yamlv3.Node) {
				var kept []*yamlv3.Node
				for i, n := range seq.Content {
					if !slices.ContainsFunc(rm, func(e *Entry) bool { return e.Index == i }) {
						kept = append(kept, n)
					}
				}
				seq.Content = kept
			})
			if err == nil {
				ok = true
				cand = candidate{text: t, edits: []Edit{{Key: key, OldStart: 1, OldEnd: len(d.lines), NewStart: 1, NewEnd: len(splitLines(t))}}, notice: fmt.Sprintf("%s is written in flow style ([...]); rewrote that key in block style, one '- ' item per entry", key)}
			}
		} else {
			cand, ok = d.deleteItems(key, rm)
		}
		if ok && cand.local {
			// verified on the entry's region
		} else if ok {
			if err := verifyKey(m, key, cand.text, rm, nil, false); err != nil {
				ok = false
			}
		}
		if !ok {
			return res, fmt.Errorf("aws-auth %s: cannot remove %s without changing how other entries load: edit it by hand, then check with 'kubectl eksaccess lint'", key, rm[0].where())
		}
		res.Data[key] = cand.text
		res.Edits = append(res.Edits, cand.edits...)
		if cand.notice != "" {
			res.Notices = append(res.Notices, cand.notice)
		}
		var spans []string
		for _, e := range cand.edits {
			if e.OldEnd >= e.OldStart && cand.notice == "" && (d == nil || !d.flow) {
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

// ---------------------------------------------------------------- verify

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
			return fmt.Errorf("aws-auth %s: %s%s: the change would drop every entry of %s: refusing to write; fix the change or run 'kubectl eksaccess lint' on the result", key, where, oneLineMsg(sa.Err), key)
		}
	}
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
		return c.AppendGroups || len(c.Groups) == 0 || sameSet(c.Groups, e.Groups)
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
	if !c.AppendGroups && len(c.Groups) > 0 && !sameSet(c.Groups, win.Groups) {
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

// ---------------------------------------------------------------- text

// srcLine is one line of a key's value: [start,end) is its text, [end,next)
// its line break. Breaks are those of YAML (and of yaml.v3's line count):
// CRLF, CR, LF, NEL, LS and PS.
type srcLine struct{ start, end, next int }

func splitLines(s string) []srcLine {
	var ls []srcLine
	start := 0
	// A byte-order mark is not part of the first line (yaml.v3 counts
	// columns after it, and the authenticator reads past it): it stays
	// in front of whatever the edit does.
	if strings.HasPrefix(s, "\ufeff") {
		start = len("\ufeff")
	}
	for i := 0; i < len(s); {
		w := breakWidth(s, i)
		if w == 0 {
			i++
			continue
		}
		ls = append(ls, srcLine{start, i, i + w})
		i += w
		start = i
	}
	if start < len(s) {
		ls = append(ls, srcLine{start, len(s), len(s)})
	}
	return ls
}

func breakWidth(s string, i int) int {
	switch c := s[i]; {
	case c == '\r' && i+1 < len(s) && s[i+1] == '\n':
		return 2
	case c == '\n' || c == '\r':
		return 1
	case c == 0xC2 && i+1 < len(s) && s[i+1] == 0x85:
		return 2
	case c == 0xE2 && i+2 < len(s) && s[i+1] == 0x80 && (s[i+2] == 0xA8 || s[i+2] == 0xA9):
		return 3
	}
	return 0
}

func eolOf(s string) string {
	if strings.Contains(s, "\r\n") {
		return "\r\n"
	}
	return "\n"
}

// keyDoc is one data key's value with its first YAML document's node tree.
type keyDoc struct {
	src   string
	lines []srcLine
	eol   string
	root  *yamlv3.Node
	seq   *yamlv3.Node
	flow  bool
	// end is the index of the first line after the first document: a
	// '---' or '...' marker line, or len(lines).
	end int
}

func analyze(src string) (*keyDoc, error) {
	d := &keyDoc{src: src, lines: splitLines(src), eol: eolOf(src)}
	d.end = len(d.lines)
	var doc yamlv3.Node
	if err := yamlv3.NewDecoder(strings.NewReader(src)).Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("the YAML does not parse: %s", oneLineMsg(err.Error()))
	}
	if len(doc.Content) == 1 && doc.Content[0].Kind == yamlv3.ScalarNode && doc.Content[0].Tag == "!!null" && doc.Content[0].Value == "" {
		doc.Content = nil // an empty document, placed at the marker after it
	}
	if len(doc.Content) == 0 {
		// An empty first document (only comments, or markers): it ends
		// at the next '---' or at a '...'.
		started := false
		for i := range d.lines {
			if !d.docMarker(i) {
				continue
			}
			if strings.HasPrefix(d.text(i), "---") && !started {
				started = true
				continue
			}
			d.end = i
			break
		}
	}
	if len(doc.Content) == 1 {
		d.root = doc.Content[0]
		if d.root.Kind == yamlv3.SequenceNode {
			d.seq = d.root
			d.flow = d.seq.Style&yamlv3.FlowStyle != 0
		}
		for i := d.root.Line; i < len(d.lines); i++ {
			if d.docMarker(i) {
				d.end = i
				break
			}
		}
	}
	return d, nil
}

func (d *keyDoc) text(i int) string { return d.src[d.lines[i].start:d.lines[i].end] }

func (d *keyDoc) docMarker(i int) bool {
	t := d.text(i)
	if !strings.HasPrefix(t, "---") && !strings.HasPrefix(t, "...") {
		return false
	}
	return len(t) == 3 || t[3] == ' ' || t[3] == '\t'
}

// blankOrComment reports whether line i holds nothing but a comment.
func (d *keyDoc) blankOrComment(i int) bool {
	t := strings.TrimLeft(d.text(i), " \t")
	return t == "" || t[0] == '#'
}

func (d *keyDoc) lastNonBlank(end int) int {
	for i := end - 1; i >= 0; i-- {
		if strings.TrimSpace(d.text(i)) != "" {
			return i
		}
	}
	return -1
}

func (d *keyDoc) guessDashCol() int {
	for i := range d.lines {
		t := d.text(i)
		if s := strings.TrimLeft(t, " "); strings.HasPrefix(s, "- ") || s == "-" {
			return len(t) - len(s)
		}
	}
	return 0
}

// dashAt reports whether line i is a sequence item's dash at column col.
func (d *keyDoc) dashAt(i, col int) bool {
	t := d.text(i)
	if len(t) <= col || strings.Count(t[:col], " ") != col || t[col] != '-' {
		return false
	}
	return len(t) == col+1 || t[col+1] == ' ' || t[col+1] == '\t'
}

// byteCol converts yaml.v3's 1-based character column on line i to a byte
// offset into the document.
func (d *keyDoc) offset(line, col int) int {
	l := d.lines[line]
	t := d.src[l.start:l.end]
	n := 0
	for i := range t {
		if n == col-1 {
			return l.start + i
		}
		n++
	}
	return l.end
}

// lineOf returns the 0-based line holding byte offset off.
func (d *keyDoc) lineOf(off int) int {
	i, _ := slices.BinarySearchFunc(d.lines, off, func(l srcLine, off int) int {
		if l.next <= off {
			return -1
		}
		if l.start > off {
			return 1
		}
		return 0
	})
	return min(i, max(len(d.lines)-1, 0))
}

// span is an item's lines, 0-based and inclusive.
type span struct{ start, end int }

// itemSpans finds the lines of every item of a block sequence: from its dash
// to its last line, leaving out comment and blank lines that follow it (they
// introduce the next item or close the list).
func (d *keyDoc) itemSpans() ([]span, error) {
	col := d.seq.Column - 1
	var dashes []int
	for i := d.seq.Line - 1; i < d.end; i++ {
		if d.dashAt(i, col) {
			dashes = append(dashes, i)
		}
	}
	items := d.seq.Content
	if len(dashes) != len(items) {
		return nil, fmt.Errorf("found %d items but %d dashes at column %d", len(items), len(dashes), col+1)
	}
	spans := make([]span, len(items))
	for i, it := range items {
		if it.Line-1 < dashes[i] || i+1 < len(dashes) && it.Line-1 >= dashes[i+1] && !isEmptyNode(it) {
			return nil, fmt.Errorf("item %d at line %d does not follow its dash", i+1, it.Line)
		}
		hi := d.end - 1
		if i+1 < len(items) {
			hi = dashes[i+1] - 1
		}
		if !d.multiline(it) {
			last := max(dashes[i], lastLine(it))
			for hi > last && d.blankOrComment(hi) {
				hi--
			}
		}
		spans[i] = span{dashes[i], hi}
	}
	return spans, nil
}

func isEmptyNode(n *yamlv3.Node) bool {
	return n.Kind == yamlv3.ScalarNode && n.Value == "" && n.Style == 0
}

func lastLine(n *yamlv3.Node) int {
	l := n.Line - 1
	for _, c := range n.Content {
		l = max(l, lastLine(c))
	}
	return l
}

// multiline reports whether a node holds a scalar that may continue past
// the line it starts on, where a line that looks like a comment is content.
func (d *keyDoc) multiline(n *yamlv3.Node) bool {
	if n.Kind == yamlv3.ScalarNode {
		_, ok := d.scalarEnd(n)
		return !ok
	}
	for _, c := range n.Content {
		if d.multiline(c) {
			return true
		}
	}
	return false
}

// scalarEnd returns the byte offset just after a scalar written on one
// line; ok is false when it is not (or the scalar cannot be located).
func (d *keyDoc) scalarEnd(n *yamlv3.Node) (int, bool) {
	if n.Style&(yamlv3.LiteralStyle|yamlv3.FoldedStyle) != 0 || n.Line < 1 || n.Line > len(d.lines) {
		return 0, false
	}
	if isEmptyNode(n) {
		return 0, true
	}
	off := d.offset(n.Line-1, n.Column)
	rest := d.src[off:d.lines[n.Line-1].end]
	switch {
	case n.Style&yamlv3.DoubleQuotedStyle != 0:
		for i := 1; i < len(rest); i++ {
			switch rest[i] {
			case '\\':
				i++
			case '"':
				return off + i + 1, true
			}
		}
		return 0, false
	case n.Style&yamlv3.SingleQuotedStyle != 0:
		for i := 1; i < len(rest); i++ {
			if rest[i] == '\'' {
				if i+1 < len(rest) && rest[i+1] == '\'' {
					i++
					continue
				}
				return off + i + 1, true
			}
		}
		return 0, false
	}
	if n.Value == "" || !strings.HasPrefix(rest, n.Value) {
		return 0, false
	}
	// A plain scalar folded from several lines has a Value longer than what
	// its first line holds, so the prefix test above catches it.
	after := strings.TrimLeft(rest[len(n.Value):], " \t")
	if after != "" && after[0] != '#' && after[0] != ':' && after[0] != ',' && after[0] != ']' && after[0] != '}' {
		return 0, false
	}
	return off + len(n.Value), true
}

// insertAfter inserts lines after line `after` (-1: at the top) and reports
// the edit. A last line without a line break gets one, and the result then
// ends without one, as the document did.
func (d *keyDoc) insertAfter(after int, lines []string) (string, Edit) {
	e := Edit{OldStart: after + 2, OldEnd: after + 1, NewStart: after + 2, NewEnd: after + 1 + len(lines)}
	if after < 0 {
		bom := 0
		if len(d.lines) > 0 {
			bom = d.lines[0].start
		}
		return d.src[:bom] + strings.Join(lines, d.eol) + d.eol + d.src[bom:], e
	}
	l := d.lines[after]
	brk := d.src[l.end:l.next]
	if brk == "" {
		return d.src + d.eol + strings.Join(lines, d.eol), e
	}
	if brk != "\r\n" && brk != "\n" {
		brk = d.eol
	}
	return d.src[:l.next] + strings.Join(lines, brk) + brk + d.src[l.next:], e
}

// appendLine returns the line after which a new item is appended to a
// block list: after the last item's own lines and the comments indented
// under it, but before the comments and blank lines that close the list
// (a note about the list, or the comment of an entry removed since), so
// no other entry's comment ends up above the new one.
func (d *keyDoc) appendLine() int {
	last := d.lastNonBlank(d.end)
	spans, err := d.itemSpans()
	if err != nil || len(spans) == 0 {
		return last
	}
	end := spans[len(spans)-1].end
	if end >= last {
		return last
	}
	col := d.seq.Column - 1
	for i := end + 1; i <= last; i++ {
		t := d.text(i)
		s := strings.TrimLeft(t, " ")
		if s == "" || s[0] != '#' || len(t)-len(s) <= col {
			break
		}
		end = i
	}
	return end
}

// replaceNull replaces the null ('null', '~') that is a key's first
// document with a list of one new item, keeping every other byte: the
// comments around it and later documents.
func (d *keyDoc) replaceNull(key string, kind Kind, w wantEntry) (candidate, bool) {
	n := d.root
	if n.Line < 1 || n.Line > len(d.lines) {
		return candidate{}, false
	}
	li := n.Line - 1
	l := d.lines[li]
	off := d.offset(li, n.Column)
	end := off + len(n.Value)
	if n.Value == "" || end > l.end || d.src[off:end] != n.Value {
		return candidate{}, false
	}
	brk := d.src[l.end:l.next]
	if brk == "" {
		brk = d.eol
	}
	var t string
	var e Edit
	if lead := d.src[l.start:off]; strings.Trim(lead, " ") == "" {
		// The null starts its line: the item's first line takes its place
		// (a comment after it stays on that line), the others follow.
		lines := renderItem(defaultStyle(kind, len(lead)), kind, w)
		rest := ""
		if len(lines) > 1 {
			rest = brk + strings.Join(lines[1:], brk)
		}
		t = d.src[:l.start] + lines[0] + d.src[end:l.end] + rest + d.src[l.end:]
		e = Edit{Key: key, OldStart: li + 1, OldEnd: li + 1, NewStart: li + 1, NewEnd: li + len(lines)}
	} else {
		// After a marker ('--- ~'): the null goes, the list follows the line.
		from := off
		for from > l.start && d.src[from-1] == ' ' {
			from--
		}
		lines := renderItem(defaultStyle(kind, 0), kind, w)
		t = d.src[:from] + d.src[end:l.end] + brk + strings.Join(lines, brk) + d.src[l.end:]
		if d.src[l.end:l.next] == "" {
			t = d.src[:from] + d.src[end:l.end] + brk + strings.Join(lines, brk)
		}
		e = Edit{Key: key, OldStart: li + 1, OldEnd: li + 1, NewStart: li + 1, NewEnd: li + 1 + len(lines)}
	}
	return candidate{text: t, edits: []Edit{e}}, true
}

// deleteItems removes whole items of a block sequence.
func (d *keyDoc) deleteItems(key string, rm []*Entry) (candidate, bool) {
	spans, err := d.itemSpans()
	if err != nil {
		return candidate{}, false
	}
	// Comment lines indented under an item are its own: they go with it.
	col := d.seq.Column - 1
	for i := range spans {
		limit := d.end
		if i+1 < len(spans) {
			limit = spans[i+1].start
		}
		for j := spans[i].end + 1; j < limit; j++ {
			t := d.text(j)
			s := strings.TrimLeft(t, " ")
			if s == "" || s[0] != '#' || len(t)-len(s) <= col {
				break
			}
			spans[i].end = j
		}
	}
	idx := make([]int, 0, len(rm))
	for _, e := range rm {
		if e.Index >= len(spans) {
			return candidate{}, false
		}
		idx = append(idx, e.Index)
	}
	slices.Sort(idx)
	idx = slices.Compact(idx)
	// Emptying the first of several documents would make the next one
	// the first, which the authenticator would then read: the first item
	// removed becomes an empty list instead.
	empty := ""
	if len(idx) == len(spans) && d.end < len(d.lines) {
		empty = strings.Repeat(" ", d.seq.Column-1) + "[]" + d.eol
	}
	var b strings.Builder
	pos := 0
	var edits []Edit
	removed := 0
	for _, i := range idx {
		sp := spans[i]
		from, to := d.lines[sp.start].start, d.lines[sp.end].next
		b.WriteString(d.src[pos:from])
		pos = to
		n := sp.end - sp.start + 1
		e := Edit{Key: key, OldStart: sp.start + 1, OldEnd: sp.end + 1, NewStart: sp.start + 1 - removed, NewEnd: sp.start - removed}
		if empty != "" {
			b.WriteString(empty)
			e.NewEnd++
			n--
			empty = ""
		}
		edits = append(edits, e)
		removed += n
	}
	b.WriteString(d.src[pos:])
	return candidate{text: b.String(), edits: edits}, true
}

// ---------------------------------------------------------------- style

type quote int

const (
	qPlain quote = iota
	qSingle
	qDouble
)

func quoteOf(n *yamlv3.Node) quote {
	switch {
	case n == nil:
		return qPlain
	case n.Style&yamlv3.DoubleQuotedStyle != 0:
		return qDouble
	case n.Style&yamlv3.SingleQuotedStyle != 0:
		return qSingle
	}
	return qPlain
}

// itemStyle is how the items of a key are written, learned from the last
// item so a new one looks like its neighbours.
type itemStyle struct {
	dashCol   int
	dashAlone bool // "-" on its own line, keys below
	keyCol    int
	order     []string          // fields: arn, username, groups
	names     map[string]string // field -> key as written
	keyQ      quote
	arnQ      quote
	userQ     quote
	groupQ    quote
	groupFlow bool
	groupDash int // column of group dashes relative to keyCol
	groupGap  int // spaces after a group's dash
}

func defaultStyle(kind Kind, dashCol int) itemStyle {
	arn := "rolearn"
	if kind == KindUser {
		arn = "userarn"
	}
	return itemStyle{
		dashCol: dashCol, keyCol: dashCol + 2,
		order: []string{"arn", "username", "groups"},
		names: map[string]string{"arn": arn, "username": "username", "groups": "groups"},
		arnQ:  qPlain, userQ: qPlain, groupQ: qPlain, groupDash: 2, groupGap: 1,
	}
}

func fieldOf(key string) string {
	switch k := strings.ToLower(key); k {
	case "rolearn", "userarn":
		return "arn"
	case "username", "groups":
		return k
	}
	return ""
}

func (d *keyDoc) learnStyle(kind Kind) itemStyle {
	st := defaultStyle(kind, d.seq.Column-1)
	if kind == KindAccount {
		for _, it := range d.seq.Content {
			if it.Kind == yamlv3.ScalarNode && it.Value != "" {
				st.arnQ = quoteOf(it)
			}
		}
		if st.arnQ == qPlain {
			st.arnQ = qDouble
		}
		return st
	}
	arnKey := st.names["arn"]
	var tmpl *yamlv3.Node
	for _, it := range d.seq.Content {
		if usableTemplate(it) {
			tmpl = it
		}
	}
	if tmpl == nil {
		return st
	}
	first := tmpl.Content[0]
	st.keyCol = first.Column - 1
	st.dashAlone = d.dashAt(first.Line-1, st.dashCol) == false
	if !st.dashAlone && st.keyCol <= st.dashCol {
		st.keyCol = st.dashCol + 2
	}
	st.keyQ = quoteOf(first)
	st.order = nil
	for i := 0; i+1 < len(tmpl.Content); i += 2 {
		k, v := tmpl.Content[i], tmpl.Content[i+1]
		f := fieldOf(k.Value)
		if f == "" || slices.Contains(st.order, f) {
			continue
		}
		st.order = append(st.order, f)
		if f == "arn" {
			// Keep the casing of the key only if it names the right field.
			if strings.EqualFold(k.Value, arnKey) {
				st.names[f] = k.Value
			}
		} else {
			st.names[f] = k.Value
		}
		switch f {
		case "arn":
			st.arnQ = quoteOf(v)
		case "username":
			st.userQ = quoteOf(v)
		case "groups":
			if v.Kind == yamlv3.SequenceNode {
				st.groupFlow = v.Style&yamlv3.FlowStyle != 0
				if len(v.Content) > 0 {
					st.groupQ = quoteOf(v.Content[0])
				}
				if !st.groupFlow && v.Column-1 >= st.keyCol {
					st.groupDash = v.Column - 1 - st.keyCol
					if len(v.Content) > 0 && v.Content[0].Line == v.Line && v.Content[0].Column > v.Column+1 {
						st.groupGap = v.Content[0].Column - v.Column - 1
					}
				}
			}
		}
	}
	// A field the template lacks goes right after the one it follows by
	// default (username after the ARN, groups after the username).
	for i, f := range []string{"arn", "username", "groups"} {
		if slices.Contains(st.order, f) {
			continue
		}
		at := 0
		if i > 0 {
			at = slices.Index(st.order, []string{"arn", "username", "groups"}[i-1]) + 1
		}
		st.order = slices.Insert(st.order, at, f)
	}
	return st
}

// usableTemplate reports whether an item can show how new items are
// written: a block mapping with one scalar key per line.
func usableTemplate(it *yamlv3.Node) bool {
	if it.Kind != yamlv3.MappingNode || it.Style&yamlv3.FlowStyle != 0 || len(it.Content) < 2 {
		return false
	}
	for i := 0; i+1 < len(it.Content); i += 2 {
		if it.Content[i].Kind != yamlv3.ScalarNode || i > 0 && it.Content[i].Line <= it.Content[i-2].Line {
			return false
		}
	}
	return true
}

var (
	plainSafe    = regexp.MustCompile(`^[A-Za-z0-9_./][A-Za-z0-9_./@+=:-]*$`)
	numberLike   = regexp.MustCompile(`^[-+.]?[0-9][0-9_:.,eExXoObB+-]*$`)
	specialPlain = map[string]bool{"y": true, "yes": true, "n": true, "no": true, "true": true, "false": true, "on": true, "off": true, "null": true, "~": true, ".inf": true, ".nan": true}
)

// canPlain reports whether a value can be written unquoted and read back as
// the same string by every YAML parser involved (YAML 1.1 and 1.2).
func canPlain(s string) bool {
	return plainSafe.MatchString(s) && !strings.HasSuffix(s, ":") && !numberLike.MatchString(s) && !specialPlain[strings.ToLower(s)]
}

// scalar writes a value in the preferred quoting. Values a plain scalar
// cannot hold safely ({{templates}}, ': ', leading indicators, YAML 1.1
// booleans and numbers) are always quoted.
func scalar(s string, q quote) string {
	switch {
	case q == qPlain && canPlain(s):
		return s
	case q == qSingle && !strings.ContainsFunc(s, needsEscape):
		return "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	return doubleQuote(s)
}

// needsEscape reports whether a character cannot be written raw in a YAML
// scalar (outside YAML's printable set, or a line break).
func needsEscape(r rune) bool {
	return r > 0 && r <= 0xFFFF && (r < 0x20 || r == 0x7f || r == 0x85 || r == 0x2028 || r == 0x2029 || r == 0xFEFF || !unicode.IsPrint(r) && r != ' ')
}

func doubleQuote(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\t':
			b.WriteString(`\t`)
		case r > 0xFFFF:
			// Raw: YAML allows every character outside the BMP unescaped,
			// and a \u escape holds only four hex digits (a surrogate pair
			// is not read back the same by every parser).
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f || r == 0x85 || r == 0x2028 || r == 0x2029 || r == 0xFEFF || !unicode.IsPrint(r) && r != ' ':
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

func keyText(name string, q quote) string {
	if q == qPlain && !canPlain(name) {
		q = qDouble
	}
	return scalar(name, q)
}

// renderItem writes a new list item, one string per line.
func renderItem(st itemStyle, kind Kind, w wantEntry) []string {
	dash := strings.Repeat(" ", st.dashCol) + "-"
	if kind == KindAccount {
		return []string{dash + " " + scalar(w.arn, st.arnQ)}
	}
	var fields [][]string
	for _, f := range st.order {
		k := keyText(st.names[f], st.keyQ) + ":"
		switch f {
		case "arn":
			fields = append(fields, []string{k + " " + scalar(w.arn, st.arnQ)})
		case "username":
			if w.username != "" {
				fields = append(fields, []string{k + " " + scalar(w.username, st.userQ)})
			}
		case "groups":
			if len(w.groups) > 0 {
				fields = append(fields, renderGroups(k, w.groups, st, st.keyCol))
			}
		}
	}
	pad := strings.Repeat(" ", st.keyCol)
	var out []string
	if st.dashAlone {
		out = append(out, dash)
	}
	for i, f := range fields {
		for j, l := range f {
			switch {
			case i == 0 && j == 0 && !st.dashAlone:
				out = append(out, dash+strings.Repeat(" ", st.keyCol-st.dashCol-1)+l)
			case j == 0:
				out = append(out, pad+l)
			default:
				out = append(out, l)
			}
		}
	}
	return out
}

// renderGroups writes "groups:" and its items; continuation lines carry
// their full indentation, the first line none.
func renderGroups(k string, groups []string, st itemStyle, keyCol int) []string {
	if st.groupFlow {
		items := make([]string, len(groups))
		for i, g := range groups {
			items[i] = scalar(g, st.groupQ)
		}
		return []string{k + " [" + strings.Join(items, ", ") + "]"}
	}
	out := []string{k}
	pad := strings.Repeat(" ", keyCol+st.groupDash) + "-" + strings.Repeat(" ", max(st.groupGap, 1))
	for _, g := range groups {
		out = append(out, pad+scalar(g, st.groupQ))
	}
	return out
}

// ---------------------------------------------------------------- update text

type repl struct {
	from, to int
	text     string
}

// updateInPlace changes only the username value and the group lines of a
// block-mapping item.
func (d *keyDoc) updateInPlace(item *yamlv3.Node, sp span, style itemStyle, w wantEntry, old *Entry) (candidate, bool) {
	if item.Kind != yamlv3.MappingNode || item.Style&yamlv3.FlowStyle != 0 || len(item.Content) == 0 {
		return candidate{}, false
	}
	n := len(item.Content) / 2
	keyLine := make([]int, n)
	for i := 0; i < n; i++ {
		k := item.Content[2*i]
		if k.Kind != yamlv3.ScalarNode || k.Line-1 > sp.end || i > 0 && k.Line <= item.Content[2*i-2].Line {
			return candidate{}, false
		}
		keyLine[i] = k.Line - 1
	}
	keyCol := item.Content[0].Column - 1
	keyQ := quoteOf(item.Content[0])
	// lineStartOK: a key that starts its line, so its lines can be deleted.
	lineStartOK := func(i int) bool {
		k := item.Content[2*i]
		off := d.offset(k.Line-1, k.Column)
		return strings.TrimLeft(d.src[d.lines[k.Line-1].start:off], " ") == "" && i > 0
	}
	chunkDel := func(i int) (repl, bool) {
		if !lineStartOK(i) {
			return repl{}, false
		}
		last := sp.end
		if i+1 < n {
			last = keyLine[i+1] - 1
		}
		return repl{d.lines[keyLine[i]].start, d.lines[last].next, ""}, true
	}
	// valueRepl replaces a pair's value (from just after "key:" to the end
	// of the value) with text, keeping what follows.
	valueRepl := func(i int, text string) (repl, bool) {
		k, v := item.Content[2*i], item.Content[2*i+1]
		kEnd, ok := d.scalarEnd(k)
		if !ok {
			return repl{}, false
		}
		colon := strings.IndexByte(d.src[kEnd:d.lines[k.Line-1].end], ':')
		if colon < 0 {
			return repl{}, false
		}
		from := kEnd + colon + 1
		last := sp.end
		if i+1 < n {
			last = keyLine[i+1] - 1
		}
		to := d.lines[last].end
		if v.Kind == yamlv3.ScalarNode && !isEmptyNode(v) && v.Line == k.Line && !strings.HasPrefix(text, d.eol) {
			if end, ok := d.scalarEnd(v); ok {
				return repl{d.offset(v.Line-1, v.Column), end, strings.TrimPrefix(text, " ")}, true
			}
		}
		if !d.multiline(v) && (v.Kind != yamlv3.ScalarNode || !isEmptyNode(v)) {
			to = d.lines[lastLine(v)].end
		} else if !d.multiline(v) {
			// an empty value: it ends with the key's line
			to = d.lines[k.Line-1].end
			if c := strings.Index(d.src[from:to], "#"); c >= 0 {
				to = from + c
				text += " "
			}
		}
		return repl{from, to, text}, true
	}
	var rs []repl
	var tail []string // lines to add at the end of the item
	// dropKeys deletes the pairs at is: later copies of a key written twice.
	dropKeys := func(is []int) bool {
		for _, i := range is {
			r, ok := chunkDel(i)
			if !ok {
				return false
			}
			rs = append(rs, r)
		}
		return true
	}
	indent := strings.Repeat(" ", keyCol)
	find := func(field string) []int {
		var is []int
		for i := 0; i < n; i++ {
			if fieldOf(item.Content[2*i].Value) == field && (field != "arn") {
				is = append(is, i)
			}
		}
		return is
	}
	if w.username != old.Username {
		is := find("username")
		q := style.userQ
		if len(is) > 0 {
			if v := item.Content[2*is[0]+1]; v.Kind == yamlv3.ScalarNode && !isEmptyNode(v) {
				q = quoteOf(v)
			}
			r, ok := valueRepl(is[0], " "+scalar(w.username, q))
			if !ok {
				return candidate{}, false
			}
			rs = append(rs, r)
			if !dropKeys(is[1:]) {
				return candidate{}, false
			}
		} else if w.username != "" {
			tail = append(tail, indent+keyText("username", keyQ)+": "+scalar(w.username, q))
		}
	}
	if !sameSet(w.groups, old.Groups) {
		is := find("groups")
		gs := style
		if len(is) == 0 {
			lines := renderGroups(keyText("groups", keyQ)+":", w.groups, gs, keyCol)
			lines[0] = indent + lines[0]
			tail = append(tail, lines...)
		} else {
			i := is[0]
			v := item.Content[2*i+1]
			done := false
			if v.Kind == yamlv3.SequenceNode && v.Style&yamlv3.FlowStyle == 0 && len(v.Content) > 0 {
				if r, ok := d.groupLines(v, w.groups); ok {
					rs = append(rs, r...)
					done = true
				}
			}
			if r, ok := d.flowGroupRepls(v, w.groups, style.groupQ); ok && !done {
				rs = append(rs, r...)
				done = true
			}
			if !done {
				if v.Kind == yamlv3.SequenceNode {
					gs.groupFlow = v.Style&yamlv3.FlowStyle != 0
					if len(v.Content) > 0 {
						gs.groupQ = quoteOf(v.Content[0])
					}
					if !gs.groupFlow && v.Column-1 >= keyCol {
						gs.groupDash = v.Column - 1 - keyCol
						if len(v.Content) > 0 && v.Content[0].Line == v.Line && v.Content[0].Column > v.Column+1 {
							gs.groupGap = v.Content[0].Column - v.Column - 1
						}
					}
				}
				lines := renderGroups("", w.groups, gs, keyCol)
				text := strings.Join(lines, d.eol)
				if !gs.groupFlow {
					text = d.eol + strings.Join(lines[1:], d.eol)
				}
				r, ok := valueRepl(i, text)
				if !ok {
					return candidate{}, false
				}
				rs = append(rs, r)
			}
			if !dropKeys(is[1:]) {
				return candidate{}, false
			}
		}
	}
	if len(tail) > 0 {
		l := d.lines[sp.end]
		if l.next == l.end {
			rs = append(rs, repl{l.end, l.end, d.eol + strings.Join(tail, d.eol)})
		} else {
			rs = append(rs, repl{l.next, l.next, strings.Join(tail, d.eol) + d.eol})
		}
	}
	if len(rs) == 0 {
		return candidate{}, false
	}
	return d.applyRepls(rs, sp)
}

// groupLines edits a block list of groups line by line: deletes the lines of
// groups no longer wanted and adds new ones after the last.
func (d *keyDoc) groupLines(seq *yamlv3.Node, groups []string) ([]repl, bool) {
	col := seq.Column - 1
	var rs []repl
	var have []string
	lastLine := -1
	for _, it := range seq.Content {
		if it.Kind != yamlv3.ScalarNode || isEmptyNode(it) || !d.dashAt(it.Line-1, col) || it.Line-1 <= lastLine {
			return nil, false
		}
		end, ok := d.scalarEnd(it)
		if !ok || strings.TrimSpace(d.src[end:d.lines[it.Line-1].end]) != "" && !strings.HasPrefix(strings.TrimSpace(d.src[end:d.lines[it.Line-1].end]), "#") {
			return nil, false
		}
		lastLine = it.Line - 1
		have = append(have, it.Value)
		if !slices.Contains(groups, it.Value) {
			l := d.lines[it.Line-1]
			rs = append(rs, repl{l.start, l.next, ""})
		}
	}
	var add []string
	gap := 1
	if first := seq.Content[0]; first.Line == seq.Line && first.Column > seq.Column+1 {
		gap = first.Column - seq.Column - 1
	}
	pad := strings.Repeat(" ", col) + "-" + strings.Repeat(" ", gap)
	q := quoteOf(seq.Content[0])
	for _, g := range groups {
		if !slices.Contains(have, g) {
			add = append(add, pad+scalar(g, q))
		}
	}
	if len(add) > 0 {
		l := d.lines[lastLine]
		if l.next == l.end {
			rs = append(rs, repl{l.end, l.end, d.eol + strings.Join(add, d.eol)})
		} else {
			rs = append(rs, repl{l.next, l.next, strings.Join(add, d.eol) + d.eol})
		}
	}
	return rs, true
}

// applyRepls applies non-overlapping replacements and reports the lines
// they touched as one edit.
func (d *keyDoc) applyRepls(rs []repl, sp span) (candidate, bool) {
	slices.SortStableFunc(rs, func(a, b repl) int {
		if a.from != b.from {
			return a.from - b.from
		}
		return a.to - b.to
	})
	var b strings.Builder
	pos := 0
	for _, r := range rs {
		if r.from < pos {
			return candidate{}, false
		}
		b.WriteString(d.src[pos:r.from])
		b.WriteString(r.text)
		pos = r.to
	}
	b.WriteString(d.src[pos:])
	t := b.String()
	// The edit covers the item's lines, before and after.
	oldLines := sp.end - sp.start + 1
	newLines := len(splitLines(t)) - (len(d.lines) - oldLines)
	return candidate{text: t, edits: []Edit{{OldStart: sp.start + 1, OldEnd: sp.end + 1, NewStart: sp.start + 1, NewEnd: sp.start + newLines}}}, true
}

// replaceItem rewrites one item from its node, with the wanted username and
// groups: the fallback when the item's shape cannot be edited line by line.
func (d *keyDoc) replaceItem(i int, sp span, w wantEntry, old *Entry) (candidate, bool) {
	item := cloneNode(d.seq.Content[i])
	if item.Kind != yamlv3.MappingNode {
		return candidate{}, false
	}
	setFields(item, w, w.username != old.Username, !sameSet(w.groups, old.Groups))
	var b strings.Builder
	enc := yamlv3.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(item); err != nil {
		return candidate{}, false
	}
	_ = enc.Close()
	out := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	col := d.seq.Column - 1
	for j := range out {
		if j == 0 {
			out[j] = strings.Repeat(" ", col) + "- " + out[j]
		} else {
			out[j] = strings.Repeat(" ", col+2) + out[j]
		}
	}
	from, to := d.lines[sp.start].start, d.lines[sp.end].end
	t := d.src[:from] + strings.Join(out, d.eol) + d.src[to:]
	return candidate{text: t, edits: []Edit{{OldStart: sp.start + 1, OldEnd: sp.end + 1, NewStart: sp.start + 1, NewEnd: sp.start + len(out)}}}, true
}

func cloneNode(n *yamlv3.Node) *yamlv3.Node {
	c := *n
	c.Content = make([]*yamlv3.Node, len(n.Content))
	for i, ch := range n.Content {
		c.Content[i] = cloneNode(ch)
	}
	return &c
}

func str(s string, q quote) *yamlv3.Node {
	n := &yamlv3.Node{Kind: yamlv3.ScalarNode, Tag: "!!str", Value: s}
	switch {
	case q == qSingle:
		n.Style = yamlv3.SingleQuotedStyle
	case q == qDouble || !canPlain(s):
		n.Style = yamlv3.DoubleQuotedStyle
	}
	return n
}

func groupsNode(groups []string) *yamlv3.Node {
	seq := &yamlv3.Node{Kind: yamlv3.SequenceNode, Tag: "!!seq"}
	for _, g := range groups {
		seq.Content = append(seq.Content, str(g, qPlain))
	}
	return seq
}

// setFields sets username and groups of a mapping node, replacing every
// case variant of the key by one.
func setFields(item *yamlv3.Node, w wantEntry, user, groups bool) {
	set := func(field string, v *yamlv3.Node) {
		var kept []*yamlv3.Node
		done := false
		for i := 0; i+1 < len(item.Content); i += 2 {
			if strings.EqualFold(item.Content[i].Value, field) {
				if !done {
					kept = append(kept, item.Content[i], v)
					done = true
				}
				continue
			}
			kept = append(kept, item.Content[i], item.Content[i+1])
		}
		if !done {
			kept = append(kept, str(field, qPlain), v)
		}
		item.Content = kept
	}
	if user {
		set("username", str(w.username, qDouble))
	}
	if groups {
		set("groups", groupsNode(w.groups))
	}
}

func itemNode(kind Kind, w wantEntry) *yamlv3.Node {
	if kind == KindAccount {
		return str(w.arn, qDouble)
	}
	arn := "rolearn"
	if kind == KindUser {
		arn = "userarn"
	}
	n := &yamlv3.Node{Kind: yamlv3.MappingNode, Tag: "!!map"}
	n.Content = append(n.Content, str(arn, qPlain), str(w.arn, qPlain))
	if w.username != "" {
		n.Content = append(n.Content, str("username", qPlain), str(w.username, qDouble))
	}
	if len(w.groups) > 0 {
		n.Content = append(n.Content, str("groups", qPlain), groupsNode(w.groups))
	}
	return n
}

// ---------------------------------------------------------------- flow keys

// flowAppend inserts a JSON item before the closing ']' of a flow list.
func (d *keyDoc) flowAppend(key string, kind Kind, w wantEntry) []candidate {
	var item string
	if kind == KindAccount {
		item = strconv.Quote(w.arn)
	} else {
		arn := "rolearn"
		if kind == KindUser {
			arn = "userarn"
		}
		parts := []string{`"` + arn + `": ` + doubleQuote(w.arn)}
		if w.username != "" {
			parts = append(parts, `"username": `+doubleQuote(w.username))
		}
		if len(w.groups) > 0 {
			gs := make([]string, len(w.groups))
			for i, g := range w.groups {
				gs[i] = doubleQuote(g)
			}
			parts = append(parts, `"groups": [`+strings.Join(gs, ", ")+`]`)
		}
		item = "{" + strings.Join(parts, ", ") + "}"
	}
	limit := len(d.src)
	if d.end < len(d.lines) {
		limit = d.lines[d.end].start
	}
	var out []candidate
	for tries, pos := 0, strings.LastIndexByte(d.src[:limit], ']'); pos >= 0 && tries < 3; tries, pos = tries+1, strings.LastIndexByte(d.src[:pos], ']') {
		q := pos
		for q > 0 && strings.IndexByte(" \t\r\n", d.src[q-1]) >= 0 {
			q--
		}
		ins := item
		if n := len(d.seq.Content); n > 0 {
			last := d.seq.Content[n-1]
			if last.Line > d.seq.Line {
				ins = "," + d.eol + strings.Repeat(" ", last.Column-1) + item
			} else {
				ins = ", " + item
			}
		}
		t := d.src[:q] + ins + d.src[q:]
		line := d.lineOf(q) + 1
		added := len(splitLines(ins+"x")) - 1
		e := Edit{Key: key, OldStart: line, OldEnd: line, NewStart: line, NewEnd: line + added}
		out = append(out, candidate{text: t, edits: []Edit{e}, notice: fmt.Sprintf("%s is written in flow style ([...]); added the entry inside the list, as JSON", key)})
	}
	return out
}

// rewriteBlock re-encodes the first document of a flow-style key in block
// style after edit, keeping keys, order, quoting and comments of the nodes,
// and any later documents verbatim.
func (d *keyDoc) rewriteBlock(edit func(seq *yamlv3.Node)) (string, error) {
	seq := cloneNode(d.seq)
	var block func(n *yamlv3.Node)
	block = func(n *yamlv3.Node) {
		if n.Kind == yamlv3.SequenceNode || n.Kind == yamlv3.MappingNode {
			n.Style &^= yamlv3.FlowStyle
		}
		for _, c := range n.Content {
			block(c)
		}
	}
	block(seq)
	edit(seq)
	var b strings.Builder
	enc := yamlv3.NewEncoder(&b)
	enc.SetIndent(2)
	if len(seq.Content) == 0 {
		b.WriteString("[]\n")
	} else if err := enc.Encode(seq); err != nil {
		return "", err
	}
	_ = enc.Close()
	t := b.String()
	if d.eol != "\n" {
		t = strings.ReplaceAll(t, "\n", d.eol)
	}
	if len(d.lines) > 0 {
		t = d.src[:d.lines[0].start] + t // a byte-order mark stays first
	}
	if d.end < len(d.lines) {
		t += d.src[d.lines[d.end].start:]
	}
	return t, nil
}

// flowItems scans the flow collection whose '[' or '{' is at byte off and
// returns the offset just after its closing bracket and each item's own
// bytes [start,end): no spaces, commas or comments around it. ok is false
// when the text does not scan (an unterminated quote or bracket).
func flowItems(src string, off int) (end int, items [][2]int, ok bool) {
	if off >= len(src) || src[off] != '[' && src[off] != '{' {
		return 0, nil, false
	}
	depth, start, last := 0, -1, -1
	closeItem := func() {
		if start >= 0 {
			items = append(items, [2]int{start, last})
		}
		start = -1
	}
	for i := off; i < len(src); i++ {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			continue
		case c == '#' && strings.IndexByte(" \t\r\n", src[i-1]) >= 0:
			for i+1 < len(src) && src[i+1] != '\n' && src[i+1] != '\r' {
				i++
			}
			continue
		}
		if depth == 1 && start < 0 && c != ',' && c != ']' && c != '}' {
			start = i
		}
		// A quote opens a quoted scalar only where a token starts; inside
		// a plain scalar (a"b) it is a character like any other.
		if (c == '"' || c == '\'') && strings.IndexByte("[{,: \t\r\n", src[i-1]) < 0 {
			last = i + 1
			continue
		}
		switch c {
		case '"':
			j := i + 1
			for ; j < len(src) && src[j] != '"'; j++ {
				if src[j] == '\\' {
					j++
				}
			}
			if j >= len(src) {
				return 0, nil, false
			}
			i = j
		case '\'':
			j := i + 1
			for ; j < len(src); j++ {
				if src[j] == '\'' {
					if j+1 < len(src) && src[j+1] == '\'' {
						j++
						continue
					}
					break
				}
			}
			if j >= len(src) {
				return 0, nil, false
			}
			i = j
		case '[', '{':
			depth++
		case ']', '}':
			depth--
			if depth == 0 {
				closeItem()
				return i + 1, items, true
			}
		case ',':
			if depth == 1 {
				closeItem()
				continue
			}
		}
		last = i + 1
	}
	return 0, nil, false
}

// flowSpans returns the byte extent of the flow collection n and of each of
// its items (for a mapping: each "key: value" pair), checked against the
// node tree.
func (d *keyDoc) flowSpans(n *yamlv3.Node) (open, end int, items [][2]int, ok bool) {
	if n.Line < 1 || n.Line > len(d.lines) {
		return 0, 0, nil, false
	}
	open = d.offset(n.Line-1, n.Column)
	end, items, ok = flowItems(d.src, open)
	step := 1
	if n.Kind == yamlv3.MappingNode {
		step = 2
	}
	if !ok || len(items)*step != len(n.Content) {
		return 0, 0, nil, false
	}
	for i, it := range items {
		c := n.Content[i*step]
		if c.Line < 1 || c.Line > len(d.lines) || d.offset(c.Line-1, c.Column) != it[0] {
			return 0, 0, nil, false
		}
	}
	return open, end, items, true
}

// flowListRepls turns the flow collection n into its items where keep is
// true, followed by add (items already written), keeping the bytes of
// every kept item and what lies between them: a deleted item takes its
// comma with it, an added one goes after the last kept item.
func (d *keyDoc) flowListRepls(n *yamlv3.Node, keep func(i int) bool, add []string) ([]repl, bool) {
	open, end, items, ok := d.flowSpans(n)
	if !ok {
		return nil, false
	}
	lastKept := -1
	for i := range items {
		if keep(i) {
			lastKept = i
		}
	}
	if lastKept < 0 {
		return []repl{{open + 1, end - 1, strings.Join(add, ", ")}}, true
	}
	var rs []repl
	for i := 0; i < len(items); {
		if keep(i) {
			i++
			continue
		}
		j := i
		for j+1 < len(items) && !keep(j+1) {
			j++
		}
		if j+1 < len(items) {
			rs = append(rs, repl{items[i][0], items[j+1][0], ""})
		} else {
			rs = append(rs, repl{items[i-1][1], items[j][1], ""})
		}
		i = j + 1
	}
	if len(add) > 0 {
		at := items[lastKept][1]
		rs = append(rs, repl{at, at, ", " + strings.Join(add, ", ")})
	}
	return rs, true
}

// spliceRepls applies replacements and reports the lines they touch as one
// edit.
func (d *keyDoc) spliceRepls(rs []repl) (candidate, bool) {
	if len(rs) == 0 {
		return candidate{}, false
	}
	lo, hi := rs[0].from, rs[0].to
	for _, r := range rs {
		lo, hi = min(lo, r.from), max(hi, r.to)
	}
	// Whole lines deleted leave the line at hi as it was; anything else
	// joins that line to the first one.
	first, last := d.lineOf(lo), d.lineOf(hi)
	if hi > lo && hi == d.lines[last].start && lo == d.lines[first].start {
		last--
	}
	return d.applyRepls(rs, span{first, max(last, first)})
}

// flowDelete removes items of a flow-style key in place: JSON stays JSON,
// flow stays flow.
func (d *keyDoc) flowDelete(key string, rm []*Entry) (candidate, bool) {
	rs, ok := d.flowListRepls(d.seq, func(i int) bool {
		return !slices.ContainsFunc(rm, func(e *Entry) bool { return e.Index == i })
	}, nil)
	if !ok {
		return candidate{}, false
	}
	c, ok := d.spliceRepls(rs)
	for i := range c.edits {
		c.edits[i].Key = key
	}
	return c, ok
}

// flowGroupRepls rewrites a groups value that is a flow list in place: the
// groups kept keep their bytes (and their quoting), new ones are appended
// in the quoting of the list's first item (q when it has none), and what
// follows the list on its line (a comment) stays.
func (d *keyDoc) flowGroupRepls(v *yamlv3.Node, groups []string, q quote) ([]repl, bool) {
	if v.Kind != yamlv3.SequenceNode || v.Style&yamlv3.FlowStyle == 0 {
		return nil, false
	}
	var have []string
	for _, it := range v.Content {
		if it.Kind != yamlv3.ScalarNode {
			return nil, false
		}
		have = append(have, it.Value)
	}
	if len(v.Content) > 0 {
		q = quoteOf(v.Content[0])
	}
	var add []string
	for _, g := range groups {
		if !slices.Contains(have, g) {
			add = append(add, scalar(g, q))
		}
	}
	return d.flowListRepls(v, func(i int) bool {
		return slices.Contains(groups, have[i]) && slices.Index(have, have[i]) == i
	}, add)
}

// flowUpdate changes the username and groups of one item of a flow-style
// key in place, keeping every other byte: JSON stays JSON.
func (d *keyDoc) flowUpdate(key string, item *yamlv3.Node, w wantEntry, old *Entry) (candidate, bool) {
	if item.Kind != yamlv3.MappingNode || item.Style&yamlv3.FlowStyle == 0 || len(item.Content) < 2 {
		return candidate{}, false
	}
	_, _, pairs, ok := d.flowSpans(item)
	if !ok {
		return candidate{}, false
	}
	keyQ := quoteOf(item.Content[0])
	valQ := keyQ
	find := func(field string) int {
		at := -1
		for i := 0; i+1 < len(item.Content); i += 2 {
			if fieldOf(item.Content[i].Value) == field && item.Content[i].Kind == yamlv3.ScalarNode {
				if at >= 0 {
					at = -2 // written twice: leave it to the block rewrite
				} else {
					at = i
				}
			}
		}
		return at
	}
	var rs []repl
	var added []string
	valueSpan := func(i int) (int, int, bool) {
		v := item.Content[i+1]
		from := d.offset(v.Line-1, v.Column)
		if v.Kind == yamlv3.ScalarNode {
			if isEmptyNode(v) {
				return 0, 0, false
			}
			end, ok := d.scalarEnd(v)
			return from, end, ok
		}
		end, _, ok := flowItems(d.src, from)
		return from, end, ok
	}
	if w.username != old.Username {
		switch i := find("username"); {
		case i == -2:
			return candidate{}, false
		case i < 0:
			if w.username != "" {
				added = append(added, keyText("username", keyQ)+": "+scalar(w.username, valQ))
			}
		default:
			from, to, ok := valueSpan(i)
			if !ok {
				return candidate{}, false
			}
			q := valQ
			if v := item.Content[i+1]; v.Kind == yamlv3.ScalarNode && v.Tag == "!!str" {
				q = quoteOf(v)
			}
			rs = append(rs, repl{from, to, scalar(w.username, q)})
		}
	}
	if !sameSet(w.groups, old.Groups) {
		switch i := find("groups"); {
		case i == -2:
			return candidate{}, false
		case i < 0:
			gs := make([]string, len(w.groups))
			for j, g := range w.groups {
				gs[j] = scalar(g, valQ)
			}
			added = append(added, keyText("groups", keyQ)+": ["+strings.Join(gs, ", ")+"]")
		default:
			if r, ok := d.flowGroupRepls(item.Content[i+1], w.groups, valQ); ok {
				rs = append(rs, r...)
				break
			}
			from, to, ok := valueSpan(i)
			if !ok {
				return candidate{}, false
			}
			gs := make([]string, len(w.groups))
			for j, g := range w.groups {
				gs[j] = scalar(g, valQ)
			}
			rs = append(rs, repl{from, to, "[" + strings.Join(gs, ", ") + "]"})
		}
	}
	if len(added) > 0 {
		at := pairs[len(pairs)-1][1]
		rs = append(rs, repl{at, at, ", " + strings.Join(added, ", ")})
	}
	c, ok := d.spliceRepls(rs)
	for i := range c.edits {
		c.edits[i].Key = key
	}
	return c, ok
}
