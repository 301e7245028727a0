// Package awsauth reads, checks and edits the kube-system/aws-auth ConfigMap
// exactly as the EKS authenticator (sigs.k8s.io/aws-iam-authenticator v0.7.13)
// reads it, while keeping what the authenticator throws away: the line of
// each entry, why an entry or a whole key was dropped, and which entry
// shadows which. It does no I/O.
//
// The parse is split by concern:
//   - parse.go: the document: its keys, and the decode of each key's value
//     (mapRoles and mapUsers by the fast path or the reference path,
//     mapAccounts by yaml.v2);
//   - parse_entry.go: the Entry and how it reads;
//   - parse_decode.go: one item into an Entry, as encoding/json and the
//     authenticator's Validate do;
//   - parse_node.go: the decoded value (ynode) both paths produce;
//   - parse_scan.go: the line scans (the fast block-list reader, item lines);
//   - parse_problems.go: every message about what the authenticator drops or
//     reads differently than written, each defined once.
package awsauth

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"

	yamlv2 "go.yaml.in/yaml/v2"
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

// parseMappings reads mapRoles or mapUsers. The fast path builds the
// decoded items without the JSON round trip (see fastItems); anything it is
// not sure of goes the reference way, exactly as the authenticator does it.
// Both end in the same decoder (Entry.load).
func parseMappings(key, value string, st *KeyState, slow bool) []*Entry {
	if !slow {
		scan := scanLines(value)
		if items, ok := fastItems(value, len(scan.lines)); ok {
			entries := newEntries(key, value, len(items), scan, st)
			for i, e := range entries {
				e.load(key, &items[i], decodeNode(key, &items[i]))
			}
			return entries
		}
	}
	return parseMappingsJSON(key, value, st)
}

// parseMappingsJSON is the reference path: utilyaml.ToJSON, then
// encoding/json into the authenticator's structs.
func parseMappingsJSON(key, value string, st *KeyState) []*Entry {
	js, err := utilyaml.ToJSON([]byte(value))
	if err != nil {
		st.ExtraDocuments = extraDocuments(value)
		st.Err, st.ErrLine = yamlError(err)
		// The error line stays 0 when yaml.v2 gives none (pkg/awsauth edit
		// messages rely on it); the hint names the line of the cause.
		st.Hint, _ = yamlHint(value, st.ErrLine)
		return nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(js, &items); err != nil {
		st.ExtraDocuments = extraDocuments(value)
		st.Err = jsonShapeError(js, err)
		if bytes.HasPrefix(bytes.TrimSpace(js), []byte("{")) {
			st.Hint = hintSingleObject
		}
		return nil
	}
	entries := newEntries(key, value, len(items), scanLines(value), st)
	for i, e := range entries {
		node := jsonNode(items[i])
		e.load(key, &node, decodeJSON(key, items[i]))
	}
	return entries
}

// newEntries makes the n entries of a key's value in one block, each with
// its index and line, and counts the value's documents after the first.
// scan is scanLines(value).
func newEntries(key, value string, n int, scan lineScan, st *KeyState) []*Entry {
	lines, docs := scan.itemLines(value, n)
	st.ExtraDocuments = docs - 1
	if len(lines) != n {
		lines = nil
	}
	kind := KindOfKey(key)
	entries := make([]*Entry, n)
	block := make([]Entry, n)
	for i := range block {
		e := &block[i]
		e.Kind, e.Key, e.Index = kind, key, i
		if lines != nil {
			e.Line = lines[i]
		}
		entries[i] = e
	}
	return entries
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
		st.ExtraDocuments = extraDocuments(value)
		st.Err, st.ErrLine = yamlError(err)
		st.Err = strings.ReplaceAll(st.Err, "[]awsauth.accountItem", "[]string")
		st.Hint = accountsHint(value)
		return nil
	}
	entries := newEntries(KeyAccounts, value, len(items), scanLines(value), st)
	for i, e := range entries {
		if items[i].dropped {
			e.Dropped = droppedNotAccount
			st.Partial = partialAccounts
		} else {
			e.ARN = items[i].value
			e.Loaded = true
		}
	}
	return entries
}
