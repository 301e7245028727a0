package awsauth

import (
	"fmt"
	"slices"
	"strings"
)

// Severity of a finding. Error: some access the document seems to grant does
// not exist (or is random). Warning: it works, but not as it reads. Info:
// worth knowing.
type Severity string

const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
	SeverityInfo    Severity = "info"
)

// Finding is one problem in aws-auth. Codes are stable and documented in
// docs/findings.md; diagnose shares them.
type Finding struct {
	Code     string   `json:"code"`
	Severity Severity `json:"severity"`
	// Key and Line locate the finding inside the ConfigMap data (Line is
	// 1-based within the key's value; 0 when it applies to the whole key).
	Key     string `json:"key,omitempty"`
	Line    int    `json:"line,omitempty"`
	Message string `json:"message"`
	Fix     string `json:"fix"`
}

// Stable finding codes for aws-auth. Never renumber: users grep for them.
const (
	CodeYAMLError        = "EKSA101" // a YAML error drops every entry of a key
	CodeNotAList         = "EKSA102" // a key holds a single mapping or scalar, not a list
	CodeEntryDropped     = "EKSA103" // one entry dropped (no rolearn/userarn, bad sso)
	CodeWrongKey         = "EKSA104" // userarn under mapRoles, rolearn under mapUsers
	CodeWrongCaseKey     = "EKSA105" // maproles, MapUsers...: ignored
	CodeAccountsInvalid  = "EKSA106" // mapAccounts is not a list of account IDs
	CodeRolePath         = "EKSA107" // rolearn with a path never matches
	CodeSTSARN           = "EKSA108" // sts assumed-role ARN in the map never matches
	CodeInvalidARN       = "EKSA109" // not an IAM ARN, unknown partition, bad account
	CodeShadowed         = "EKSA110" // an earlier duplicate never applies
	CodeAmbiguousUser    = "EKSA111" // case-variant mapUsers duplicates: random winner
	CodeWrongType        = "EKSA112" // scalar groups, number or boolean values
	CodeMergedGroup      = "EKSA113" // "a - b": a mis-indented dash merged two groups
	CodeReservedUsername = "EKSA114" // system:, eks:, aws:, amazon:, iam: username
	CodeSSOMatcher       = "EKSA115" // the alpha sso matcher
	CodeNoGroups         = "EKSA116" // no groups: authenticated, then Forbidden
	CodeEC2DNSTemplate   = "EKSA117" // {{EC2PrivateDNSName}} outside a node role
	CodeUnknownField     = "EKSA118" // ignored keys inside an entry
	CodeDuplicateField   = "EKSA119" // rolearn and RoleArn in one entry
	CodeUserShadowedRole = "EKSA120" // the same ARN in mapRoles and mapUsers
	CodeExtraDocument    = "EKSA121" // a second YAML document in a key is ignored
	CodeNoMappings       = "EKSA122" // nothing maps anybody
	CodeRoleInUsers      = "EKSA123" // a role ARN under mapUsers (works, misplaced)
	CodeUserInRoles      = "EKSA124" // a user ARN under mapRoles (works, misplaced)
)

// ReservedPrefixes are the username prefixes access entries refuse. The
// open-source authenticator reserves none for aws-auth.
var ReservedPrefixes = []string{"system:", "eks:", "aws:", "amazon:", "iam:"}

// NodeUsername is the username of the standard node-role mapping.
const NodeUsername = "system:node:{{EC2PrivateDNSName}}"

// Lint returns every finding in the map, ordered by key and line.
func Lint(m *Map) []Finding {
	var fs []Finding
	add := func(f Finding) { fs = append(fs, f) }
	for _, k := range m.Keys {
		lintKey(k, add)
	}
	for _, name := range m.IgnoredKeys {
		want := ""
		for _, d := range DataKeys {
			if strings.EqualFold(d, name) {
				want = d
			}
		}
		add(Finding{Code: CodeWrongCaseKey, Severity: SeverityError, Key: name,
			Message: fmt.Sprintf("data key %q is ignored: keys are case-sensitive", name),
			Fix:     fmt.Sprintf("rename %q to %q", name, want)})
	}
	for _, e := range m.Entries {
		lintEntry(e, add)
	}
	if len(m.Entries) > 0 && !slices.ContainsFunc(m.Entries, func(e *Entry) bool { return e.Effective() }) {
		add(Finding{Code: CodeNoMappings, Severity: SeverityError,
			Message: "no entry of aws-auth can map anybody: only the cluster creator (or access entries) can get in",
			Fix:     "fix the findings above, then check with 'kubectl eksaccess list'"})
	}
	slices.SortStableFunc(fs, func(a, b Finding) int {
		if c := keyOrder(a.Key) - keyOrder(b.Key); c != 0 {
			return c
		}
		if c := strings.Compare(a.Key, b.Key); c != 0 {
			return c // two keys that are not data keys
		}
		return a.Line - b.Line
	})
	return fs
}

// lintKey reports what happened to a data key as a whole.
func lintKey(k KeyState, add func(Finding)) {
	if k.Err != "" {
		code, fix := CodeYAMLError, "fix the YAML of "+k.Key+": "+k.Hint
		if strings.HasPrefix(k.Err, "the value is a single") {
			code, fix = CodeNotAList, k.Hint
		}
		if k.Key == KeyAccounts {
			code = CodeAccountsInvalid
			if k.Hint != "" {
				fix = k.Hint
			}
		}
		if code == CodeNotAList && fix == "" {
			fix = "write " + k.Key + " as a YAML list with one '- ' item per mapping"
		}
		add(Finding{Code: code, Severity: SeverityError, Key: k.Key, Line: k.ErrLine,
			Message: fmt.Sprintf("%s is not loaded at all: %s; every entry of %s is dropped", k.Key, k.Err, k.Key),
			Fix:     fix})
	}
	if k.Partial != "" {
		add(Finding{Code: CodeAccountsInvalid, Severity: SeverityError, Key: k.Key,
			Message: k.Key + ": " + k.Partial + "; they are dropped",
			Fix:     "write each account as a quoted 12-digit ID on its own '- ' line"})
	}
	if k.ExtraDocuments > 0 {
		add(Finding{Code: CodeExtraDocument, Severity: SeverityWarning, Key: k.Key,
			Message: fmt.Sprintf("%s has %d YAML document(s) after the first ('---'); the authenticator reads only the first", k.Key, k.ExtraDocuments),
			Fix:     "remove the '---' separator and merge the lists"})
	}
}

// keyOrder ranks the data keys first, in their order, then any other key
// (ordered by name).
func keyOrder(key string) int {
	if i := slices.Index(DataKeys, key); i >= 0 {
		return i
	}
	return len(DataKeys)
}

// atEntry adds a finding about one entry; lintEntry makes it.
type atEntry func(code string, sev Severity, msg, fix string)

// lintEntry reports everything about one entry, in a fixed order: how it
// is written (dropped, unknown and duplicate keys), then, if it loads, its
// values, whether it wins, whether it can match, and what it maps to.
func lintEntry(e *Entry, add func(Finding)) {
	at := func(code string, sev Severity, msg, fix string) {
		add(Finding{Code: code, Severity: sev, Key: e.Key, Line: e.Line, Message: e.where() + ": " + msg, Fix: fix})
	}
	name := e.ARN
	if e.SSO != nil {
		name = "sso " + e.SSO.PermissionSetName
	}
	lintWritten(e, at)
	if !e.Loaded {
		return
	}
	for _, p := range e.FieldProblems {
		code := CodeWrongType
		if strings.Contains(p, "merged two groups") {
			code = CodeMergedGroup
		}
		at(code, SeverityWarning, p, "fix the value; 'kubectl eksaccess add "+name+"' rewrites it correctly")
	}
	if lintShadowed(e, name, at) {
		return
	}
	lintNever(e, at)
	if e.Kind == KindAccount {
		if e.Never == "" {
			at(CodeNoGroups, SeverityInfo, fmt.Sprintf("every principal of account %s is authenticated under its own ARN with no groups: Forbidden unless RBAC binds those names", e.ARN),
				"map the principals that need access one by one with 'kubectl eksaccess add ARN --group G'")
		}
		return
	}
	lintMapping(e, name, at)
}

// lintWritten reports a dropped entry and the keys the authenticator
// ignores or reads once.
func lintWritten(e *Entry, at atEntry) {
	if !e.Loaded {
		code := CodeEntryDropped
		fix := "give the entry a " + map[Kind]string{KindRole: "rolearn", KindUser: "userarn", KindAccount: "12-digit account ID"}[e.Kind]
		if strings.Contains(e.Dropped, "under map") {
			code = CodeWrongKey
			fix = "move the entry to the right key: 'kubectl eksaccess add ARN' writes it there"
		}
		if e.Kind == KindAccount {
			code = CodeAccountsInvalid
		}
		at(code, SeverityError, "entry dropped: "+e.Dropped, fix)
	}
	for _, f := range e.UnknownFields {
		if e.Loaded || !looksLikeARNKey(f) {
			at(CodeUnknownField, SeverityWarning, fmt.Sprintf("key %q is ignored by the authenticator", f),
				"remove it or correct its spelling (rolearn, userarn, username, groups)")
		}
	}
	for _, d := range e.DuplicateFields {
		at(CodeDuplicateField, SeverityWarning, d+" are the same key in different case; the one that sorts last wins",
			"keep one of them")
	}
}

// lintShadowed reports an entry that another one beats, reporting true
// when it never applies, and one whose winner is random.
func lintShadowed(e *Entry, name string, at atEntry) bool {
	if e.ShadowedBy != nil {
		if e.Kind == KindUser && e.ShadowedBy.Kind == KindRole {
			at(CodeUserShadowedRole, SeverityWarning, name+" is also in mapRoles ("+e.ShadowedBy.where()+"), which the authenticator checks first; this entry never applies",
				"remove one of the two entries")
		} else {
			at(CodeShadowed, SeverityWarning, "duplicate of "+e.ShadowedBy.where()+", which wins; this entry never applies",
				fmt.Sprintf("delete the earlier copy (%s) by hand, or run 'kubectl eksaccess remove %s --all-duplicates' and add it again", e.where(), name))
		}
		return true
	}
	if len(e.Ambiguous) > 0 {
		at(CodeAmbiguousUser, SeverityError, fmt.Sprintf("%s differs only in case from %s; which mapping applies changes from one request to the next", name, e.ambiguousWith()),
			"keep exactly one entry for this user")
	}
	return false
}

// lintNever reports why an entry can never match a caller (Entry.Never).
func lintNever(e *Entry, at atEntry) {
	switch e.Never {
	case "":
	case "role path":
		p, _ := Canonicalize(e.ARN)
		at(CodeRolePath, SeverityError, fmt.Sprintf("%s has the path %q: role sessions are matched without the path, so this never matches", e.ARN, p.Path),
			fmt.Sprintf("remove %q from the ARN: %s", strings.TrimPrefix(p.Path, "/"), p.PathlessARN()))
	case "sts ARN":
		p, _ := Canonicalize(e.ARN)
		at(CodeSTSARN, SeverityError, fmt.Sprintf("%s is an STS session ARN; the authenticator matches the role ARN", e.ARN),
			"use the role ARN: "+p.Canonical)
	case "sso matcher is alpha, off unless the SSORoleMatch feature gate is set", "sso matcher with an explicit partition (authenticator bug)":
		fix := "map the SSO role by its ARN without the aws-reserved/sso.amazonaws.com path: arn:aws:iam::ACCOUNT:role/AWSReservedSSO_SET_HEX"
		at(CodeSSOMatcher, SeverityWarning, "never matches: "+e.Never, fix)
	default:
		at(CodeInvalidARN, SeverityError, fmt.Sprintf("%q never matches: %s", e.ARN, e.Never),
			"write a full IAM ARN such as arn:aws:iam::111122223333:role/NAME")
	}
}

// lintMapping reports what a mapRoles or mapUsers entry maps to: an ARN
// under the other key, a template or username that will not work as
// meant, no groups.
func lintMapping(e *Entry, name string, at atEntry) {
	p, err := Canonicalize(e.ARN)
	if err == nil {
		if e.Kind == KindUser && (p.Type == PrincipalRole) {
			at(CodeRoleInUsers, SeverityInfo, "a role ARN under mapUsers: it works, but belongs in mapRoles", "move it to mapRoles")
		}
		if e.Kind == KindRole && (p.Type == PrincipalUser) {
			at(CodeUserInRoles, SeverityInfo, "a user ARN under mapRoles: it works, but belongs in mapUsers", "move it to mapUsers")
		}
	}
	isNode := slices.Contains(e.Groups, "system:nodes")
	if strings.Contains(e.Username, "{{EC2PrivateDNSName}}") && !isNode {
		at(CodeEC2DNSTemplate, SeverityWarning, "{{EC2PrivateDNSName}} renders only for EC2 instance sessions (session name i-...); any other session is refused (401)",
			"use {{SessionName}} for people, and keep {{EC2PrivateDNSName}} for node roles with the system:nodes group")
	}
	if reserved := reservedPrefix(e.Username); reserved != "" && !(isNode && e.Username == NodeUsername) {
		at(CodeReservedUsername, SeverityWarning, fmt.Sprintf("username %q starts with the reserved prefix %q: aws-auth accepts it, access entries refuse it", e.Username, reserved),
			"choose a username without a reserved prefix before migrating to access entries")
	}
	if !slices.ContainsFunc(e.Groups, func(g string) bool { return g != "" }) {
		at(CodeNoGroups, SeverityWarning, "no groups: the principal is authenticated, then Forbidden unless RBAC binds the username itself",
			fmt.Sprintf("add a group: kubectl eksaccess add %s --group GROUP", name))
	}
}

func reservedPrefix(username string) string {
	for _, p := range ReservedPrefixes {
		if strings.HasPrefix(username, p) {
			return p
		}
	}
	return ""
}

// HasErrors reports whether any finding is an error.
func HasErrors(fs []Finding) bool {
	return slices.ContainsFunc(fs, func(f Finding) bool { return f.Severity == SeverityError })
}
