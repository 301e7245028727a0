package awsauth

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	yamlv2 "go.yaml.in/yaml/v2"
)

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

// ynode is a value as encoding/json sees it after the conversion. Both
// paths inspect the items as ynodes: the fast path builds them from the
// YAML, the reference path from the JSON the authenticator decodes
// (jsonNode).
type ynode struct {
	kind ykind
	str  string // yStr
	raw  any    // yBool, yNum: the decoded value (a json.Number on the reference path), for its JSON text
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
// reports false when the conversion fails or is not a plain identity. It
// also takes what encoding/json decodes with UseNumber (json.Number,
// map[string]any), for jsonNode.
func fromYAML(v any) (ynode, bool) {
	switch t := v.(type) {
	case nil:
		return ynode{kind: yNull}, true
	case bool:
		return ynode{kind: yBool, raw: t}, true
	case int, int64, uint64, json.Number:
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
	case map[string]any:
		return mapNode(t, func(k string) (string, bool) { return k, true })
	case map[any]any:
		return mapNode(t, yamlKeyString)
	}
	return ynode{}, false
}

// mapNode converts a mapping whose keys keyString turns into strings, or
// reports false when a key does not convert or two convert alike.
func mapNode[K comparable](m map[K]any, keyString func(K) (string, bool)) (ynode, bool) {
	keys := make([]ykv, 0, len(m))
	for k, e := range m {
		ks, ok := keyString(k)
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

// jsonNode reads one item of the JSON the authenticator decodes into a
// ynode. Numbers keep their JSON text; keys come out sorted, as they stand
// in the converted document.
func jsonNode(item json.RawMessage) ynode {
	d := json.NewDecoder(bytes.NewReader(item))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return ynode{kind: yNull} // not reached: item is one valid JSON value
	}
	n, _ := fromYAML(v) // always converts: decoded JSON is valid UTF-8 with unique keys
	return n
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
