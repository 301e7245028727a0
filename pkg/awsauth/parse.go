// Package awsauth reads, checks and edits the kube-system/aws-auth ConfigMap
// exactly as the EKS authenticator (sigs.k8s.io/aws-iam-authenticator v0.7.13)
// reads it, while keeping what the authenticator throws away: the line of
// each entry, why an entry or a whole key was dropped, and which entry
// shadows which. It does no I/O.
package awsauth

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	yamlv2 "go.yaml.in/yaml/v2"
	yamlv3 "go.yaml.in/yaml/v3"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// The data keys the authenticator reads. They are case-sensitive.
const (
	KeyRoles    = "mapRoles"
	KeyUsers    = "mapUsers"
	KeyAccounts = "mapAccounts"
)

// DataKeys lists the data keys in the order the authenticator consults them
// for a caller (roles, then users, then accounts).
var DataKeys = []string{KeyRoles, KeyUsers, KeyAccounts}

// Kind is what an entry maps: an IAM role, an IAM user, or a whole account.
type Kind string

const (
	KindRole    Kind = "role"
	KindUser    Kind = "user"
	KindAccount Kind = "account"
)

// KindOfKey returns the kind of entry a data key holds.
func KindOfKey(key string) Kind {
	switch key {
	case KeyRoles:
		return KindRole
	case KeyUsers:
		return KindUser
	}
	return KindAccount
}

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
		others := make([]string, len(e.Ambiguous))
		for i, o := range e.Ambiguous {
			others[i] = o.where()
		}
		return "ambiguous with " + strings.Join(others, ", ")
	}
	return "ok"
}

// KeyState is what happened to one data key as a whole.
type KeyState struct {
	Key string
	// Present is true when the ConfigMap has the key.
	Present bool
	// Empty is true when the value is blank (or "", '' or ``): the
	// authenticator skips it.
	Empty bool
	// Err is set when the authenticator drops every entry of the key.
	Err string
	// ErrLine is the 1-based line of a YAML error, 0 when unknown.
	ErrLine int
	// Hint is a likely cause of Err, when one is recognised.
	Hint string
	// Partial is set when some items of the key were dropped by the
	// decoder itself (mapAccounts only).
	Partial string
	// ExtraDocuments counts YAML documents after the first, which are ignored.
	ExtraDocuments int
}

// Map is aws-auth as the authenticator reads it, with everything it ignores.
type Map struct {
	// Entries in document order: mapRoles, then mapUsers, then mapAccounts.
	Entries []*Entry
	// Keys has one state per key of DataKeys, in that order.
	Keys []KeyState
	// IgnoredKeys are data keys that look like a mapping key in the wrong
	// case (e.g. "maproles"), which the authenticator ignores.
	IgnoredKeys []string
}

// Key returns the state of one of DataKeys.
func (m *Map) Key(key string) KeyState {
	for _, k := range m.Keys {
		if k.Key == key {
			return k
		}
	}
	return KeyState{Key: key}
}

// Parse reads ConfigMap data as the authenticator does (configmap.ParseMap)
// and records, for each entry, whether it loads and why not.
func Parse(data map[string]string) *Map {
	m := &Map{}
	for _, key := range DataKeys {
		value, ok := data[key]
		st := KeyState{Key: key, Present: ok}
		if ok && isSkippable(value) {
			st.Empty = true
		}
		if ok && !st.Empty {
			var entries []*Entry
			if key == KeyAccounts {
				entries = parseAccounts(value, &st)
			} else {
				entries = parseMappings(key, value, &st)
			}
			m.Entries = append(m.Entries, entries...)
		}
		m.Keys = append(m.Keys, st)
	}
	for k := range data {
		if !slices.Contains(DataKeys, k) && slices.ContainsFunc(DataKeys, func(d string) bool { return strings.EqualFold(d, k) }) {
			m.IgnoredKeys = append(m.IgnoredKeys, k)
		}
	}
	slices.Sort(m.IgnoredKeys)
	resolve(m)
	return m
}

// isSkippable mirrors configmap.isSkippable.
func isSkippable(data string) bool {
	t := strings.TrimSpace(data)
	return t == "" || t == "``" || t == `""` || t == "''"
}

// mappingFields are the fields of config.RoleMapping / config.UserMapping
// and their JSON types; encoding/json matches them case-insensitively.
var mappingFields = map[string]map[string]string{
	KeyRoles: {"rolearn": "string", "sso": "object", "username": "string", "groups": "[]string", "userid": "string"},
	KeyUsers: {"userarn": "string", "username": "string", "groups": "[]string", "userid": "string"},
}

// rawMapping has the JSON shape of both config.RoleMapping and
// config.UserMapping; only the fields of the entry's key are decoded.
type roleMapping struct {
	RoleARN  string   `json:"rolearn,omitempty"`
	SSO      *SSO     `json:"sso,omitempty"`
	Username string   `json:"username"`
	Groups   []string `json:"groups"`
	UserID   string   `json:"userid,omitempty"`
}

type userMapping struct {
	UserARN  string   `json:"userarn"`
	Username string   `json:"username"`
	Groups   []string `json:"groups"`
	UserID   string   `json:"userid,omitempty"`
}

func parseMappings(key, value string, st *KeyState) []*Entry {
	js, err := utilyaml.ToJSON([]byte(value))
	if err != nil {
		_, docs := itemLines(value, -1)
		st.ExtraDocuments = docs - 1
		st.Err, st.ErrLine = yamlError(err)
		// The error line stays 0 when yaml.v2 gives none (pkg/awsauth edit
		// messages rely on it); the hint names the line of the cause.
		st.Hint, _ = yamlHint(value, st.ErrLine)
		return nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(js, &items); err != nil {
		_, docs := itemLines(value, -1)
		st.ExtraDocuments = docs - 1
		st.Err = jsonShapeError(js, err)
		if bytes.HasPrefix(bytes.TrimSpace(js), []byte("{")) {
			st.Hint = "the value is a single object; write a YAML list with one '- ' item per mapping"
		}
		return nil
	}
	lines, docs := itemLines(value, len(items))
	st.ExtraDocuments = docs - 1
	if len(lines) != len(items) {
		lines = nil
	}
	entries := make([]*Entry, 0, len(items))
	for i, item := range items {
		e := &Entry{Kind: KindOfKey(key), Key: key, Index: i}
		if lines != nil {
			e.Line = lines[i]
		}
		decodeMapping(key, item, e)
		entries = append(entries, e)
	}
	return entries
}

// decodeMapping decodes one item exactly as json.Unmarshal into the
// authenticator's struct would, then applies its Validate.
func decodeMapping(key string, item json.RawMessage, e *Entry) {
	if key == KeyRoles {
		var rm roleMapping
		_ = json.Unmarshal(item, &rm) // type errors leave fields empty, as for the authenticator
		e.ARN, e.SSO, e.Username, e.Groups = rm.RoleARN, rm.SSO, rm.Username, rm.Groups
		e.Dropped = validateRole(rm)
	} else {
		var um userMapping
		_ = json.Unmarshal(item, &um)
		e.ARN, e.Username, e.Groups = um.UserARN, um.Username, um.Groups
		if um.UserARN == "" {
			e.Dropped = "no userarn"
		}
	}
	e.Loaded = e.Dropped == ""
	inspectFields(key, item, e)
	if !e.Loaded {
		e.Dropped = explainDrop(key, item, e)
	}
}

var (
	ssoAccountPattern = regexp.MustCompile(`^[0-9]{12}$`)
	permissionSetName = regexp.MustCompile(`^[\w+=,.@-]{1,32}$`)
)

// validateRole mirrors config.RoleMapping.Validate.
func validateRole(rm roleMapping) string {
	switch {
	case rm.RoleARN == "" && rm.SSO == nil:
		return "no rolearn"
	case rm.RoleARN != "" && rm.SSO != nil:
		return "both rolearn and sso"
	case rm.SSO != nil:
		if !ssoAccountPattern.MatchString(rm.SSO.AccountID) {
			return fmt.Sprintf("sso accountID %q is not a 12-digit account ID", rm.SSO.AccountID)
		}
		if !permissionSetName.MatchString(rm.SSO.PermissionSetName) {
			return fmt.Sprintf("sso permissionSetName %q is not a valid permission set name", rm.SSO.PermissionSetName)
		}
		if rm.SSO.Partition != "" && !slices.Contains(Partitions, rm.SSO.Partition) {
			return fmt.Sprintf("sso partition %q is not a valid AWS partition", rm.SSO.Partition)
		}
		if ok, err := arnLike(ssoArnLike(rm.SSO), "arn:*:iam:*:*:role/*"); err != nil || !ok {
			return fmt.Sprintf("sso matcher %q is not a role ARN pattern", ssoArnLike(rm.SSO))
		}
	}
	return ""
}

// ssoArnLike mirrors config.RoleMapping.SSOArnLike, including its bug: an
// explicit partition is dropped, so the pattern starts "arn::" and never
// matches a caller.
func ssoArnLike(s *SSO) string {
	partition := ""
	if s.Partition == "" {
		partition = "aws"
	}
	return strings.ToLower(fmt.Sprintf("arn:%s:iam::%s:role/AWSReservedSSO_%s_*", partition, s.AccountID, s.PermissionSetName))
}

// inspectFields finds what the authenticator silently tolerates: unknown
// keys, case-variant duplicate keys, and values of the wrong type.
func inspectFields(key string, item json.RawMessage, e *Entry) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(item, &fields); err != nil {
		e.FieldProblems = append(e.FieldProblems, fmt.Sprintf("the item is %s, not a mapping", jsonKind(item)))
		return
	}
	known := mappingFields[key]
	seen := map[string][]string{}
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	slices.Sort(names) // the JSON the authenticator decodes has sorted keys
	for _, name := range names {
		field := strings.ToLower(name)
		want, ok := known[field]
		if !ok {
			e.UnknownFields = append(e.UnknownFields, name)
			continue
		}
		seen[field] = append(seen[field], name)
		if p := typeProblem(name, want, fields[name]); p != "" {
			e.FieldProblems = append(e.FieldProblems, strings.Split(p, "\n")...)
		}
	}
	for _, field := range slices.Sorted(maps.Keys(seen)) {
		if len(seen[field]) > 1 {
			e.DuplicateFields = append(e.DuplicateFields, strings.Join(seen[field], " and "))
		}
	}
}

func typeProblem(name, want string, v json.RawMessage) string {
	got := jsonKind(v)
	switch want {
	case "string":
		if got != "a string" && got != "null" {
			return fmt.Sprintf("%s is %s, read as an empty string: quote it", name, describe(v))
		}
	case "object":
		if got != "a mapping" && got != "null" {
			return fmt.Sprintf("%s is %s, not a mapping", name, describe(v))
		}
	case "[]string":
		if got == "null" {
			return ""
		}
		if got != "a list" {
			return fmt.Sprintf("%s is %s, not a list: the entry loads with no groups; write it as a list (- %s)", name, describe(v), strings.Trim(string(v), `"`))
		}
		var items []json.RawMessage
		_ = json.Unmarshal(v, &items)
		var problems []string
		for i, it := range items {
			if k := jsonKind(it); k != "a string" {
				problems = append(problems, fmt.Sprintf("%s item %d is %s, read as an empty group name: quote it", name, i+1, describe(it)))
				continue
			}
			var s string
			_ = json.Unmarshal(it, &s)
			if strings.Contains(s, " - ") {
				problems = append(problems, fmt.Sprintf("%s item %d is one group named %q: a dash on the wrong line merged two groups into one", name, i+1, s))
			}
		}
		return strings.Join(problems, "\n")
	}
	return ""
}

func jsonKind(v json.RawMessage) string {
	t := bytes.TrimSpace(v)
	if len(t) == 0 {
		return "empty"
	}
	switch t[0] {
	case '"':
		return "a string"
	case '{':
		return "a mapping"
	case '[':
		return "a list"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

func describe(v json.RawMessage) string {
	k := jsonKind(v)
	switch k {
	case "a boolean":
		return fmt.Sprintf("the boolean %s (YAML 1.1 reads yes, no, on, off, true and false as booleans)", string(v))
	case "a number":
		return "the number " + string(v)
	case "a string":
		return "the string " + string(v)
	}
	return k
}

// explainDrop turns the Validate failure into a reason naming the likely cause.
func explainDrop(key string, item json.RawMessage, e *Entry) string {
	for _, p := range e.FieldProblems {
		if strings.HasPrefix(p, "the item is") {
			return strings.TrimPrefix(p, "the item is ")
		}
	}
	reason := e.Dropped
	if jsonKind(item) == "null" {
		return "an empty item (a '-' with nothing after it, or null)"
	}
	switch key {
	case KeyRoles:
		if reason != "no rolearn" {
			return reason
		}
		for _, f := range e.UnknownFields {
			if strings.EqualFold(f, "userarn") {
				return "userarn under mapRoles (move it to mapUsers or use rolearn)"
			}
		}
	case KeyUsers:
		for _, f := range e.UnknownFields {
			if strings.EqualFold(f, "rolearn") {
				return "rolearn under mapUsers (move it to mapRoles or use userarn)"
			}
		}
	}
	for _, f := range e.UnknownFields {
		if looksLikeARNKey(f) {
			return fmt.Sprintf("%s (unknown key %q: misspelled?)", reason, f)
		}
	}
	if len(e.FieldProblems) > 0 {
		return reason + " (" + e.FieldProblems[0] + ")"
	}
	return reason
}

// looksLikeARNKey reports whether an unknown entry key is probably a
// misspelled rolearn or userarn ("role_arn", "rolearm", "usrarn").
func looksLikeARNKey(name string) bool {
	f := strings.NewReplacer("_", "", "-", "", " ", "").Replace(strings.ToLower(name))
	return strings.Contains(f, "arn") || editDistance(f, "rolearn") <= 2 || editDistance(f, "userarn") <= 2
}

// editDistance is the Levenshtein distance between two short strings.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

var yamlLine = regexp.MustCompile(`line (\d+)`)

func yamlError(err error) (string, int) {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "error converting YAML to JSON: ")
	line := 0
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ = strconv.Atoi(m[1])
	}
	return msg, line
}

// yamlHint names the usual cause of a YAML error near a line. When the
// error has no line (yaml.v2's "invalid map key"), it returns the line of
// the cause it found.
func yamlHint(value string, line int) (string, int) {
	lines := strings.Split(value, "\n")
	lo, hi := 0, len(lines)
	if line > 0 && line <= len(lines) {
		lo, hi = max(0, line-2), min(len(lines), line+1)
	}
	for i := lo; i < hi; i++ {
		at := line
		if at == 0 {
			at = i + 1
		}
		switch l := lines[i]; {
		case strings.Contains(l, "\t"):
			return "a tab character: YAML indentation must use spaces", at
		case unquotedTemplate.MatchString(l):
			return fmt.Sprintf("an unquoted {{...}} template on line %d is read as a YAML mapping: quote the value, e.g. username: \"{{SessionName}}\"", at), at
		}
	}
	if t := strings.TrimSpace(value); !strings.Contains(t, "\n") && strings.Count(t, ": ") > 1 {
		return "the whole value is on one line: was the '|' block marker after the key forgotten? Write the key as 'mapRoles: |' followed by the indented list", line
	}
	return "check the indentation: every '- ' item and its keys must line up", line
}

var unquotedTemplate = regexp.MustCompile(`:\s*\{\{`)

func jsonShapeError(js []byte, err error) string {
	t := bytes.TrimSpace(js)
	if len(t) > 0 {
		switch t[0] {
		case '{':
			return "the value is a single mapping, not a list"
		case '"':
			return "the value is a single string, not a list"
		}
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// itemLines returns the 1-based line of each top-level list item of value,
// and the number of YAML documents; nil lines when value is not a list.
// want is the number of items the authenticator's decoder found: a cheap
// line scan is used when it finds as many, a full YAML parse otherwise.
func itemLines(value string, want int) ([]int, int) {
	if lines, docs, ok := scanItemLines(value); ok && len(lines) == want {
		return lines, docs
	}
	return parseItemLines(value)
}

// scanItemLines finds the lines of a block list's items without parsing:
// lines whose first non-space character is a '-' followed by a space or
// the end of the line, at the column of the first such line. ok is false
// when the value has anything that could make the scan wrong (flow
// collections or a first content line that is not an item).
func scanItemLines(value string) (lines []int, docs int, ok bool) {
	col := -1
	docs = 1
	n := 0
	for rest := value; rest != ""; {
		var line string
		line, rest, _ = strings.Cut(rest, "\n")
		n++
		line = strings.TrimSuffix(line, "\r")
		trimmed := strings.TrimLeft(line, " ")
		if trimmed == "" || trimmed[0] == '#' {
			continue
		}
		if line == "---" || strings.HasPrefix(line, "--- ") {
			if col >= 0 {
				docs++
			}
			continue
		}
		if docs > 1 {
			continue
		}
		indent := len(line) - len(trimmed)
		isItem := trimmed == "-" || strings.HasPrefix(trimmed, "- ")
		switch {
		case col < 0 && !isItem:
			return nil, 0, false
		case col < 0:
			col = indent
		case indent < col:
			return nil, 0, false
		}
		if isItem && indent == col {
			lines = append(lines, n)
		}
	}
	return lines, docs, col >= 0
}

// parseItemLines is itemLines by a full YAML parse.
func parseItemLines(value string) ([]int, int) {
	dec := yamlv3.NewDecoder(strings.NewReader(value))
	docs := 0
	var lines []int
	for {
		var n yamlv3.Node
		if err := dec.Decode(&n); err != nil {
			break
		}
		docs++
		if docs == 1 && len(n.Content) == 1 && n.Content[0].Kind == yamlv3.SequenceNode {
			for _, item := range n.Content[0].Content {
				lines = append(lines, item.Line)
			}
		}
	}
	return lines, max(docs, 1)
}

// accountItem is one item of mapAccounts. Its UnmarshalYAML decodes the
// item into a string exactly as yaml.v2 does for the authenticator's
// []string, but records a failure instead of skipping the item, so that
// every item keeps its place.
type accountItem struct {
	value   string
	dropped bool
}

func (a *accountItem) UnmarshalYAML(unmarshal func(any) error) error {
	if err := unmarshal(&a.value); err != nil {
		a.dropped = true
	}
	return nil
}

// parseAccounts mirrors the authenticator's yaml.v2 decode of mapAccounts
// into []string: anything but a list fails the whole key; items that are
// not scalars are skipped (and yaml.v2 reports an error for them); a null
// item loads as "".
func parseAccounts(value string, st *KeyState) []*Entry {
	var items []accountItem
	if err := yamlv2.Unmarshal([]byte(value), &items); err != nil {
		_, docs := itemLines(value, -1)
		st.ExtraDocuments = docs - 1
		st.Err, st.ErrLine = yamlError(err)
		st.Err = strings.ReplaceAll(st.Err, "[]awsauth.accountItem", "[]string")
		st.Hint = "mapAccounts must be a YAML list of account IDs, one '- \"111122223333\"' per line"
		if strings.Contains(value, "\t") {
			st.Hint = "a tab character: YAML indentation must use spaces"
		}
		return nil
	}
	lines, docs := itemLines(value, len(items))
	st.ExtraDocuments = docs - 1
	if len(lines) != len(items) {
		lines = nil
	}
	entries := make([]*Entry, 0, len(items))
	for i, it := range items {
		e := &Entry{Kind: KindAccount, Key: KeyAccounts, Index: i}
		if lines != nil {
			e.Line = lines[i]
		}
		if it.dropped {
			e.Dropped = "not an account ID (a mapping or a list)"
			st.Partial = "some items are not scalars"
		} else {
			e.ARN = it.value
			e.Loaded = true
		}
		entries = append(entries, e)
	}
	return entries
}
