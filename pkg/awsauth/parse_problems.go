package awsauth

import (
	"bytes"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// What the authenticator drops, or reads differently than written, and the
// likely cause: every such message is written here, once. lint.go turns
// them into findings.

// Messages and hints about a key or an item as a whole.
const (
	// itemIs starts the problem of an item that is not a mapping.
	itemIs = "the item is "
	// hintSingleObject is the hint for a mapRoles or mapUsers value that is
	// one mapping instead of a list.
	hintSingleObject = "the value is a single object; write a YAML list with one '- ' item per mapping"
	// hintTab is the hint for a YAML error on a line with a tab.
	hintTab = "a tab character: YAML indentation must use spaces"
	// droppedNotAccount is why a mapAccounts item that is not a scalar is dropped.
	droppedNotAccount = "not an account ID (a mapping or a list)"
	// partialAccounts says that mapAccounts lost some items.
	partialAccounts = "some items are not scalars"
)

// accountsHint is the hint for a mapAccounts value that yaml.v2 cannot
// decode into a list of strings.
func accountsHint(value string) string {
	if strings.Contains(value, "\t") {
		return hintTab
	}
	return "mapAccounts must be a YAML list of account IDs, one '- \"111122223333\"' per line"
}

// knownField is the JSON type of a field of config.RoleMapping (mapRoles)
// or config.UserMapping (mapUsers), given its lower-cased name, and the
// field's rank among the key's fields in sorted order; rank -1 for a field
// the authenticator does not have.
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

// inspect finds what the authenticator silently tolerates in an item:
// unknown keys, case-variant duplicate keys, values of the wrong type.
func inspect(key string, item *ynode, e *Entry) {
	switch item.kind {
	case yNull:
		return
	case yMap:
	default:
		e.FieldProblems = append(e.FieldProblems, itemIs+kindOf(item)+", not a mapping")
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
		e.FieldProblems = typeProblems(e.FieldProblems, kv.key, want, &kv.val)
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

// typeProblems appends to problems what is wrong with the type of the
// field name, whose JSON type is want, holding v.
func typeProblems(problems []string, name, want string, v *ynode) []string {
	switch want {
	case "string":
		if v.kind != yStr && v.kind != yNull {
			return append(problems, fmt.Sprintf("%s is %s, read as an empty string: quote it", name, describe(v)))
		}
	case "object":
		if v.kind != yMap && v.kind != yNull {
			return append(problems, fmt.Sprintf("%s is %s, not a mapping", name, describe(v)))
		}
	case "[]string":
		if v.kind == yNull {
			return problems
		}
		if v.kind != yList {
			return append(problems, fmt.Sprintf("%s is %s, not a list: the entry loads with no groups; write it as a list (- %s)", name, describe(v), strings.Trim(nodeJSON(v), `"`)))
		}
		for i := range v.list {
			it := &v.list[i]
			if it.kind != yStr {
				problems = append(problems, fmt.Sprintf("%s item %d is %s, read as an empty group name: quote it", name, i+1, describe(it)))
				continue
			}
			if strings.Contains(it.str, " - ") {
				problems = append(problems, fmt.Sprintf("%s item %d is one group named %q: a dash on the wrong line merged two groups into one", name, i+1, it.str))
			}
		}
	}
	return problems
}

// kindOf names the JSON type of a value.
func kindOf(v *ynode) string {
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

// describe names a value as its JSON reads: a scalar with its text.
func describe(v *ynode) string {
	switch v.kind {
	case yBool:
		return fmt.Sprintf("the boolean %s (YAML 1.1 reads yes, no, on, off, true and false as booleans)", nodeJSON(v))
	case yNum:
		return "the number " + nodeJSON(v)
	case yStr:
		return "the string " + nodeJSON(v)
	}
	return kindOf(v)
}

// explainDrop turns the Validate failure into a reason naming the likely cause.
func explainDrop(key string, isNull bool, e *Entry) string {
	for _, p := range e.FieldProblems {
		if kind, ok := strings.CutPrefix(p, itemIs); ok {
			return kind
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

// yamlLine finds the line number in a yaml.v2 error.
var yamlLine = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`line (\d+)`) })

// yamlError is the message of a YAML error that drops a whole key, and its
// line (0 when the error names none).
func yamlError(err error) (string, int) {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "error converting YAML to JSON: ")
	line := 0
	if m := yamlLine().FindStringSubmatch(msg); m != nil {
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
			return hintTab, at
		case unquotedTemplate().MatchString(l):
			return fmt.Sprintf("an unquoted {{...}} template on line %d is read as a YAML mapping: quote the value, e.g. username: \"{{SessionName}}\"", at), at
		}
	}
	if t := strings.TrimSpace(value); !strings.Contains(t, "\n") && strings.Count(t, ": ") > 1 {
		return "the whole value is on one line: was the '|' block marker after the key forgotten? Write the key as 'mapRoles: |' followed by the indented list", line
	}
	return "check the indentation: every '- ' item and its keys must line up", line
}

// unquotedTemplate finds a value that starts with an unquoted {{...}}.
var unquotedTemplate = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`:\s*\{\{`) })

// jsonShapeError says why the converted value is not a list of items.
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
