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
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

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
	return parse(data, false)
}

// parse is Parse; slow forces the reference path (utilyaml.ToJSON, then
// encoding/json) that the fast path must agree with, for tests.
func parse(data map[string]string, slow bool) *Map {
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
				entries = parseMappings(key, value, &st, slow)
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

// parseMappings reads mapRoles or mapUsers. The fast path builds the
// decoded items without the JSON round trip (see fastItems); anything it is
// not sure of goes the reference way, exactly as the authenticator does it.
func parseMappings(key, value string, st *KeyState, slow bool) []*Entry {
	if !slow {
		lines, docs, linesOK := scanItemLines(value)
		if items, ok := fastItems(value, len(lines)); ok {
			if !linesOK || len(lines) != len(items) {
				lines, docs = parseItemLines(value) // as itemLines
			}
			return nodeEntries(key, items, lines, docs, st)
		}
	}
	return parseMappingsJSON(key, value, st)
}

// parseMappingsJSON is the reference path: utilyaml.ToJSON, then
// encoding/json into the authenticator's structs.
func parseMappingsJSON(key, value string, st *KeyState) []*Entry {
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
		e.Dropped = explainDrop(key, jsonKind(item) == "null", e)
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
func explainDrop(key string, isNull bool, e *Entry) string {
	for _, p := range e.FieldProblems {
		if strings.HasPrefix(p, "the item is") {
			return strings.TrimPrefix(p, "the item is ")
		}
	}
	reason := e.Dropped
	if isNull {
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

// The fast path. The authenticator converts a YAML value to JSON with
// sigs.k8s.io/yaml (yaml.v2 into interface{}, keys made strings, then
// json.Marshal, which sorts keys) and decodes that JSON with encoding/json.
// fastItems builds the same decoded tree (ynode) directly: by a line scan
// for the plain block lists aws-auth nearly always holds (scanBlockList),
// else by yaml.v2 into interface{} and the key conversion of
// sigs.k8s.io/yaml (fromYAML). Whatever could make the round trip differ
// (an error, a value that is not a list, NaN, invalid UTF-8, keys that
// collide once converted) is left to the reference path.

// ykind is the JSON type of a value after the YAML to JSON conversion.
type ykind uint8

const (
	yNull ykind = iota
	yBool
	yNum
	yStr
	yList
	yMap
)

// ynode is a value as encoding/json sees it after the conversion.
type ynode struct {
	kind ykind
	str  string // yStr
	raw  any    // yBool, yNum: the yaml.v2 value, for its JSON text
	list []ynode
	keys []ykv // yMap: sorted by key (as json.Marshal writes them), unique
}

type ykv struct {
	key string
	val ynode
}

// fastItems returns the items of a mapRoles or mapUsers value, or false
// when the reference path must decide.
func fastItems(value string, hint int) ([]ynode, bool) {
	if isJSONPrefixed(value) {
		return nil, false // passed to encoding/json untouched
	}
	if items, ok := scanBlockList(value, hint); ok {
		return items, true
	}
	var obj any
	if err := yamlv2.Unmarshal([]byte(value), &obj); err != nil {
		return nil, false
	}
	list, isList := obj.([]any)
	if !isList {
		return nil, false
	}
	items := make([]ynode, len(list))
	for i, v := range list {
		n, ok := fromYAML(v)
		if !ok {
			return nil, false
		}
		items[i] = n
	}
	return items, true
}

// isJSONPrefixed is utilyaml.IsJSONBuffer without copying the value.
func isJSONPrefixed(value string) bool {
	return strings.HasPrefix(strings.TrimLeftFunc(value, unicode.IsSpace), "{")
}

// fromYAML converts what yaml.v2 decodes into interface{} as
// sigs.k8s.io/yaml's convertToJSONableObject and json.Marshal would, or
// reports false when the conversion fails or is not a plain identity.
func fromYAML(v any) (ynode, bool) {
	switch t := v.(type) {
	case nil:
		return ynode{kind: yNull}, true
	case bool:
		return ynode{kind: yBool, raw: t}, true
	case int, int64, uint64:
		return ynode{kind: yNum, raw: t}, true
	case float64:
		if math.IsNaN(t) || math.IsInf(t, 0) {
			return ynode{}, false // json: unsupported value
		}
		return ynode{kind: yNum, raw: t}, true
	case string:
		if !utf8.ValidString(t) {
			return ynode{}, false // json.Marshal would replace bytes
		}
		return ynode{kind: yStr, str: t}, true
	case []any:
		list := make([]ynode, len(t))
		for i, e := range t {
			n, ok := fromYAML(e)
			if !ok {
				return ynode{}, false
			}
			list[i] = n
		}
		return ynode{kind: yList, list: list}, true
	case map[any]any:
		keys := make([]ykv, 0, len(t))
		for k, e := range t {
			ks, ok := yamlKeyString(k)
			if !ok || !utf8.ValidString(ks) {
				return ynode{}, false
			}
			n, ok := fromYAML(e)
			if !ok {
				return ynode{}, false
			}
			keys = append(keys, ykv{ks, n})
		}
		if !sortKeys(keys) {
			return ynode{}, false // two keys that convert alike: random winner
		}
		return ynode{kind: yMap, keys: keys}, true
	}
	return ynode{}, false
}

// yamlKeyString converts a map key as sigs.k8s.io/yaml v1.6.0 does.
func yamlKeyString(k any) (string, bool) {
	switch t := k.(type) {
	case string:
		return t, true
	case int:
		return strconv.Itoa(t), true
	case int64:
		return strconv.FormatInt(t, 10), true
	case float64:
		s := strconv.FormatFloat(t, 'g', -1, 32)
		switch s {
		case "+Inf":
			s = ".inf"
		case "-Inf":
			s = "-.inf"
		case "NaN":
			s = ".nan"
		}
		return s, true
	case bool:
		if t {
			return "true", true
		}
		return "false", true
	}
	return "", false
}

// sortKeys sorts a mapping's keys as json.Marshal writes them and reports
// false on a duplicate.
func sortKeys(keys []ykv) bool {
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j].key < keys[j-1].key; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	for i := 1; i < len(keys); i++ {
		if keys[i].key == keys[i-1].key {
			return false
		}
	}
	return true
}

// scanBlockList reads, without a YAML parser, a value in the subset of
// YAML that aws-auth is written in: a block list of block mappings whose
// values are one-line scalars or block lists of one-line scalars; scalars
// plain (starting with a letter, resolving to a string) or quoted without
// escapes; comments and blank lines anywhere. It reports false on anything
// else, and yaml.v2 decides. FuzzFastPath checks it against yaml.v2.
// hint is the likely number of items.
func scanBlockList(value string, hint int) ([]ynode, bool) {
	var (
		items   = make([]ynode, 0, hint)
		seqCol  = -1 // column of the top-level "- "
		keyCol  = -1 // column of the keys of an item
		cur     []ykv
		pending = -1 // index in cur of a key with no value on its line
		listCol = -1 // column of the "- " of pending's list
		list    []ynode
		// The keys and lists of all items are cut from large blocks.
		keySlab  []ykv
		listSlab []ynode
	)
	endKey := func() {
		if pending >= 0 && listCol >= 0 {
			if cap(listSlab)-len(listSlab) < len(list) {
				listSlab = make([]ynode, 0, max(len(list), min(hint*3+16, 4096)))
			}
			n := len(listSlab)
			listSlab = append(listSlab, list...)
			cur[pending].val = ynode{kind: yList, list: listSlab[n:len(listSlab):len(listSlab)]}
		}
		pending, listCol, list = -1, -1, list[:0]
	}
	endItem := func() bool {
		endKey()
		if !sortKeys(cur) {
			return false // yaml.v2 keeps the later duplicate; let it
		}
		if cap(keySlab)-len(keySlab) < len(cur) {
			keySlab = make([]ykv, 0, max(len(cur), min(hint*4+16, 4096)))
		}
		n := len(keySlab)
		keySlab = append(keySlab, cur...)
		items = append(items, ynode{kind: yMap, keys: keySlab[n:len(keySlab):len(keySlab)]})
		cur = cur[:0]
		return true
	}
	addKey := func(s string) bool {
		key, val, empty, ok := scanKeyLine(s)
		if !ok {
			return false
		}
		if empty {
			pending = len(cur)
		}
		cur = append(cur, ykv{key, val})
		return true
	}
	for rest := value; rest != ""; {
		var line string
		line, rest, _ = strings.Cut(rest, "\n")
		line = strings.TrimRight(line, " ")
		t := strings.TrimLeft(line, " ")
		if t == "" {
			continue
		}
		ind := len(line) - len(t)
		if t[0] == '#' {
			if !commentOK(t) {
				return nil, false
			}
			continue
		}
		for i := 0; i < len(t); i++ {
			if t[i] < 0x20 || t[i] > 0x7e {
				return nil, false
			}
		}
		dash := len(t) > 2 && t[0] == '-' && t[1] == ' ' && t[2] != ' '
		switch {
		case seqCol < 0:
			if !dash {
				return nil, false
			}
			seqCol, keyCol = ind, ind+2
			if !addKey(t[2:]) {
				return nil, false
			}
		case ind == seqCol:
			if !dash || !endItem() || !addKey(t[2:]) {
				return nil, false
			}
		case pending >= 0 && dash && (ind == listCol || listCol < 0 && ind >= keyCol):
			listCol = ind
			n, ok := scanScalar(t[2:])
			if !ok {
				return nil, false
			}
			list = append(list, n)
		case ind == keyCol:
			endKey()
			if !addKey(t) {
				return nil, false
			}
		default:
			return nil, false
		}
	}
	if seqCol < 0 || !endItem() {
		return nil, false
	}
	return items, true
}

// scanKeyLine reads "key: scalar" or "key:" (empty: the value is null
// unless a list follows).
func scanKeyLine(s string) (key string, val ynode, empty, ok bool) {
	i := strings.IndexByte(s, ':')
	if i <= 0 || i > 100 || !plainWord(s[:i], true) {
		return "", ynode{}, false, false
	}
	key, after := s[:i], s[i+1:]
	if after == "" {
		return key, ynode{kind: yNull}, true, true
	}
	if after[0] != ' ' {
		return "", ynode{}, false, false
	}
	val, ok = scanScalar(strings.TrimLeft(after, " "))
	return key, val, false, ok
}

// scanScalar reads a one-line scalar that yaml.v2 resolves to a string:
// quoted without escapes, or plain, starting with a letter, not one of
// YAML 1.1's booleans or nulls, with no ": ", "#" or final ':'. s has no
// space at either end.
func scanScalar(s string) (ynode, bool) {
	if len(s) == 0 {
		return ynode{}, false
	}
	switch q := s[0]; q {
	case '"', '\'':
		if len(s) < 2 || s[len(s)-1] != q {
			return ynode{}, false
		}
		in := s[1 : len(s)-1]
		if strings.IndexByte(in, q) >= 0 || q == '"' && strings.IndexByte(in, '\\') >= 0 {
			return ynode{}, false
		}
		return ynode{kind: yStr, str: in}, true
	}
	if !plainWord(s, false) {
		return ynode{}, false
	}
	return ynode{kind: yStr, str: s}, true
}

// plainWord reports whether s is a plain scalar that yaml.v2 reads as the
// string s: a letter first, not a YAML 1.1 boolean or null. A key also has
// only letters, digits, '_' and '-'; a value no '#', ": " or final ':'.
func plainWord(s string, key bool) bool {
	if s == "" || !('a' <= s[0]|0x20 && s[0]|0x20 <= 'z') {
		return false
	}
	if key {
		for i := 1; i < len(s); i++ {
			c := s[i]
			if !('a' <= c|0x20 && c|0x20 <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
				return false
			}
		}
	} else if strings.IndexByte(s, '#') >= 0 || strings.Contains(s, ": ") || s[len(s)-1] == ':' {
		return false
	}
	if len(s) <= 5 {
		switch strings.ToLower(s) {
		case "y", "yes", "n", "no", "true", "false", "on", "off", "null":
			return false
		}
	}
	return true
}

// commentOK reports whether a comment line holds only characters yaml.v2
// reads as part of the comment (no control characters or line breaks such
// as U+0085 and U+2028).
func commentOK(t string) bool {
	for i := 0; i < len(t); {
		c := t[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(t[i:])
		if r == utf8.RuneError || r < 0xa0 || r == 0x2028 || r == 0x2029 || r == 0xfeff || r >= 0xfffe && r <= 0xffff {
			return false
		}
		i += n
	}
	return true
}

// nodeEntries builds the entries of mapRoles or mapUsers from the decoded
// items, as parseMappingsJSON does from the JSON.
func nodeEntries(key string, items []ynode, lines []int, docs int, st *KeyState) []*Entry {
	st.ExtraDocuments = docs - 1
	if len(lines) != len(items) {
		lines = nil
	}
	entries := make([]*Entry, len(items))
	block := make([]Entry, len(items))
	for i := range items {
		e := &block[i]
		e.Kind, e.Key, e.Index = KindOfKey(key), key, i
		if lines != nil {
			e.Line = lines[i]
		}
		decodeNode(key, &items[i], e)
		entries[i] = e
	}
	return entries
}

// decodeNode is decodeMapping on a decoded item: encoding/json's rules for
// a struct target, then Validate, then the inspection.
func decodeNode(key string, item *ynode, e *Entry) {
	if key == KeyRoles {
		var rm roleMapping
		if item.kind == yMap {
			for i := range item.keys {
				kv := &item.keys[i]
				switch {
				case foldEq(kv.key, "ROLEARN"):
					setString(&rm.RoleARN, &kv.val)
				case foldEq(kv.key, "SSO"):
					setSSO(&rm.SSO, &kv.val)
				case foldEq(kv.key, "USERNAME"):
					setString(&rm.Username, &kv.val)
				case foldEq(kv.key, "GROUPS"):
					setGroups(&rm.Groups, &kv.val)
				}
			}
		}
		e.ARN, e.SSO, e.Username, e.Groups = rm.RoleARN, rm.SSO, rm.Username, rm.Groups
		e.Dropped = validateRole(rm)
	} else {
		var um userMapping
		if item.kind == yMap {
			for i := range item.keys {
				kv := &item.keys[i]
				switch {
				case foldEq(kv.key, "USERARN"):
					setString(&um.UserARN, &kv.val)
				case foldEq(kv.key, "USERNAME"):
					setString(&um.Username, &kv.val)
				case foldEq(kv.key, "GROUPS"):
					setGroups(&um.Groups, &kv.val)
				}
			}
		}
		e.ARN, e.Username, e.Groups = um.UserARN, um.Username, um.Groups
		if um.UserARN == "" {
			e.Dropped = "no userarn"
		}
	}
	e.Loaded = e.Dropped == ""
	inspectNode(key, item, e)
	if !e.Loaded {
		e.Dropped = explainDrop(key, item.kind == yNull, e)
	}
}

// foldEq reports whether encoding/json matches the object key to the field
// whose name folds to upper (foldName: ASCII upper case, other runes to
// the smallest of their simple folds, so "ſso" is "SSO").
func foldEq(key, upper string) bool {
	j := 0
	for i := 0; i < len(key); j++ {
		var r rune
		if c := key[i]; c < utf8.RuneSelf {
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			r = rune(c)
			i++
		} else {
			rr, n := utf8.DecodeRuneInString(key[i:])
			r = foldRune(rr)
			i += n
		}
		if j >= len(upper) || r != rune(upper[j]) {
			return false
		}
	}
	return j == len(upper)
}

// foldRune is encoding/json's.
func foldRune(r rune) rune {
	for {
		r2 := unicode.SimpleFold(r)
		if r2 <= r {
			return r2
		}
		r = r2
	}
}

// setString decodes into a string field: only a string sets it; null and
// values of another type leave it as it was.
func setString(dst *string, v *ynode) {
	if v.kind == yStr {
		*dst = v.str
	}
}

// setGroups decodes into a []string field as encoding/json does: null
// clears it, a list is decoded into the existing backing array (an item
// of the wrong type or null keeps what was there), other types leave it.
func setGroups(dst *[]string, v *ynode) {
	switch v.kind {
	case yNull:
		*dst = nil
	case yList:
		s := *dst
		for i := range v.list {
			if i < cap(s) {
				s = s[:i+1]
			} else {
				s = append(s[:i], "")
			}
			if v.list[i].kind == yStr {
				s[i] = v.list[i].str
			}
		}
		s = s[:len(v.list)]
		if len(v.list) == 0 {
			s = []string{}
		}
		*dst = s
	}
}

// setSSO decodes into the *SSO field: null clears it; any other value
// allocates it (encoding/json's indirect), and a mapping sets its fields.
func setSSO(dst **SSO, v *ynode) {
	if v.kind == yNull {
		*dst = nil
		return
	}
	if *dst == nil {
		*dst = &SSO{}
	}
	if v.kind != yMap {
		return
	}
	s := *dst
	for i := range v.keys {
		kv := &v.keys[i]
		switch {
		case foldEq(kv.key, "PERMISSIONSETNAME"):
			setString(&s.PermissionSetName, &kv.val)
		case foldEq(kv.key, "ACCOUNTID"):
			setString(&s.AccountID, &kv.val)
		case foldEq(kv.key, "PARTITION"):
			setString(&s.Partition, &kv.val)
		}
	}
}

// knownField is mappingFields[key][field] and the field's rank among the
// key's fields in sorted order.
func knownField(key, field string) (string, int) {
	if key == KeyRoles {
		switch field {
		case "groups":
			return "[]string", 0
		case "rolearn":
			return "string", 1
		case "sso":
			return "object", 2
		case "userid":
			return "string", 3
		case "username":
			return "string", 4
		}
		return "", -1
	}
	switch field {
	case "groups":
		return "[]string", 0
	case "userarn":
		return "string", 1
	case "userid":
		return "string", 2
	case "username":
		return "string", 3
	}
	return "", -1
}

// inspectNode is inspectFields on a decoded item.
func inspectNode(key string, item *ynode, e *Entry) {
	switch item.kind {
	case yNull:
		return
	case yMap:
	default:
		e.FieldProblems = append(e.FieldProblems, "the item is "+nodeKind(item)+", not a mapping")
		return
	}
	var count [5]int
	dup := false
	for i := range item.keys {
		kv := &item.keys[i]
		want, rank := knownField(key, strings.ToLower(kv.key))
		if rank < 0 {
			e.UnknownFields = append(e.UnknownFields, kv.key)
			continue
		}
		count[rank]++
		dup = dup || count[rank] > 1
		if p := nodeTypeProblem(kv.key, want, &kv.val); p != "" {
			e.FieldProblems = append(e.FieldProblems, strings.Split(p, "\n")...)
		}
	}
	if !dup {
		return
	}
	for rank, n := range count {
		if n < 2 {
			continue
		}
		var names []string
		for i := range item.keys {
			if _, r := knownField(key, strings.ToLower(item.keys[i].key)); r == rank {
				names = append(names, item.keys[i].key)
			}
		}
		e.DuplicateFields = append(e.DuplicateFields, strings.Join(names, " and "))
	}
}

// nodeTypeProblem is typeProblem on a decoded value.
func nodeTypeProblem(name, want string, v *ynode) string {
	switch want {
	case "string":
		if v.kind != yStr && v.kind != yNull {
			return fmt.Sprintf("%s is %s, read as an empty string: quote it", name, nodeDescribe(v))
		}
	case "object":
		if v.kind != yMap && v.kind != yNull {
			return fmt.Sprintf("%s is %s, not a mapping", name, nodeDescribe(v))
		}
	case "[]string":
		if v.kind == yNull {
			return ""
		}
		if v.kind != yList {
			return fmt.Sprintf("%s is %s, not a list: the entry loads with no groups; write it as a list (- %s)", name, nodeDescribe(v), strings.Trim(nodeJSON(v), `"`))
		}
		var problems []string
		for i := range v.list {
			it := &v.list[i]
			if it.kind != yStr {
				problems = append(problems, fmt.Sprintf("%s item %d is %s, read as an empty group name: quote it", name, i+1, nodeDescribe(it)))
				continue
			}
			if strings.Contains(it.str, " - ") {
				problems = append(problems, fmt.Sprintf("%s item %d is one group named %q: a dash on the wrong line merged two groups into one", name, i+1, it.str))
			}
		}
		return strings.Join(problems, "\n")
	}
	return ""
}

// nodeKind is jsonKind of the value's JSON.
func nodeKind(v *ynode) string {
	switch v.kind {
	case yNull:
		return "null"
	case yBool:
		return "a boolean"
	case yNum:
		return "a number"
	case yStr:
		return "a string"
	case yList:
		return "a list"
	}
	return "a mapping"
}

// nodeDescribe is describe of the value's JSON.
func nodeDescribe(v *ynode) string {
	switch v.kind {
	case yBool:
		return fmt.Sprintf("the boolean %s (YAML 1.1 reads yes, no, on, off, true and false as booleans)", nodeJSON(v))
	case yNum:
		return "the number " + nodeJSON(v)
	case yStr:
		return "the string " + nodeJSON(v)
	}
	return nodeKind(v)
}

// nodeJSON is the value's JSON as json.Marshal writes it in the converted
// document.
func nodeJSON(v *ynode) string {
	b, err := json.Marshal(v.value())
	if err != nil {
		return ""
	}
	return string(b)
}

func (v *ynode) value() any {
	switch v.kind {
	case yBool, yNum:
		return v.raw
	case yStr:
		return v.str
	case yList:
		l := make([]any, len(v.list))
		for i := range v.list {
			l[i] = v.list[i].value()
		}
		return l
	case yMap:
		m := make(map[string]any, len(v.keys))
		for i := range v.keys {
			m[v.keys[i].key] = v.keys[i].val.value()
		}
		return m
	}
	return nil
}
