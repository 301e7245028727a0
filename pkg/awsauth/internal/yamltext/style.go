package yamltext

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode"

	yamlv3 "go.yaml.in/yaml/v3"
)

// Quote is how a scalar is written: plain, 'single' or "double" quoted.
type Quote int

const (
	Plain Quote = iota
	Single
	Double
)

func quoteOf(n *yamlv3.Node) Quote {
	switch {
	case n == nil:
		return Plain
	case n.Style&yamlv3.DoubleQuotedStyle != 0:
		return Double
	case n.Style&yamlv3.SingleQuotedStyle != 0:
		return Single
	}
	return Plain
}

// itemStyle is how the items of a key are written, learned from the last
// item so a new one looks like its neighbours.
type itemStyle struct {
	dashCol   int
	dashAlone bool // "-" on its own line, keys below
	keyCol    int
	order     []string          // fields: arn, username, groups
	names     map[string]string // field -> key as written
	keyQ      Quote
	arnQ      Quote
	userQ     Quote
	groupQ    Quote
	groupFlow bool
	groupDash int // column of group dashes relative to keyCol
	groupGap  int // spaces after a group's dash
}

func defaultStyle(arnKey string, dashCol int) itemStyle {
	return itemStyle{
		dashCol: dashCol, keyCol: dashCol + 2,
		order: []string{"arn", "username", "groups"},
		names: map[string]string{"arn": arnKey, "username": "username", "groups": "groups"},
		arnQ:  Plain, userQ: Plain, groupQ: Plain, groupDash: 2, groupGap: 1,
	}
}

// Field returns the field an item key names ("arn", "username", "groups";
// "" for any other key), ignoring case as the authenticator does.
func Field(key string) string {
	switch k := strings.ToLower(key); k {
	case "rolearn", "userarn":
		return "arn"
	case "username", "groups":
		return k
	}
	return ""
}

func (d *Doc) learnStyle(arnKey string) itemStyle {
	st := defaultStyle(arnKey, d.Seq.Column-1)
	if arnKey == "" {
		for _, it := range d.Seq.Content {
			if it.Kind == yamlv3.ScalarNode && it.Value != "" {
				st.arnQ = quoteOf(it)
			}
		}
		if st.arnQ == Plain {
			st.arnQ = Double
		}
		return st
	}
	var tmpl *yamlv3.Node
	for _, it := range d.Seq.Content {
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
		f := Field(k.Value)
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
			st.learnGroups(v, st.keyCol)
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

// learnGroups learns how the groups value v of an item whose keys are at
// column keyCol is written, when it is a list.
func (st *itemStyle) learnGroups(v *yamlv3.Node, keyCol int) {
	if v.Kind != yamlv3.SequenceNode {
		return
	}
	st.groupFlow = v.Style&yamlv3.FlowStyle != 0
	if len(v.Content) > 0 {
		st.groupQ = quoteOf(v.Content[0])
	}
	if !st.groupFlow && v.Column-1 >= keyCol {
		st.groupDash = v.Column - 1 - keyCol
		if len(v.Content) > 0 && v.Content[0].Line == v.Line && v.Content[0].Column > v.Column+1 {
			st.groupGap = v.Content[0].Column - v.Column - 1
		}
	}
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
	plainSafe    = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9_./][A-Za-z0-9_./@+=:-]*$`) })
	numberLike   = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[-+.]?[0-9][0-9_:.,eExXoObB+-]*$`) })
	specialPlain = map[string]bool{"y": true, "yes": true, "n": true, "no": true, "true": true, "false": true, "on": true, "off": true, "null": true, "~": true, ".inf": true, ".nan": true}
)

// canPlain reports whether a value can be written unquoted and read back as
// the same string by every YAML parser involved (YAML 1.1 and 1.2).
func canPlain(s string) bool {
	return plainSafe().MatchString(s) && !strings.HasSuffix(s, ":") && !numberLike().MatchString(s) && !specialPlain[strings.ToLower(s)]
}

// scalar writes a value in the preferred quoting. Values a plain scalar
// cannot hold safely ({{templates}}, ': ', leading indicators, YAML 1.1
// booleans and numbers) are always quoted.
func Scalar(s string, q Quote) string {
	switch {
	case q == Plain && canPlain(s):
		return s
	case q == Single && !strings.ContainsFunc(s, needsEscape):
		return "'" + strings.ReplaceAll(s, "'", "''") + "'"
	}
	return doubleQuote(s)
}

// scalars writes each value with Scalar.
func scalars(ss []string, q Quote) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = Scalar(s, q)
	}
	return out
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

func keyText(name string, q Quote) string {
	if q == Plain && !canPlain(name) {
		q = Double
	}
	return Scalar(name, q)
}

// renderItem writes a new list item, one string per line.
func renderItem(st itemStyle, w Item) []string {
	dash := strings.Repeat(" ", st.dashCol) + "-"
	if w.ArnKey == "" {
		return []string{dash + " " + Scalar(w.ARN, st.arnQ)}
	}
	var fields [][]string
	for _, f := range st.order {
		k := keyText(st.names[f], st.keyQ) + ":"
		switch f {
		case "arn":
			fields = append(fields, []string{k + " " + Scalar(w.ARN, st.arnQ)})
		case "username":
			if w.Username != "" {
				fields = append(fields, []string{k + " " + Scalar(w.Username, st.userQ)})
			}
		case "groups":
			if len(w.Groups) > 0 {
				fields = append(fields, renderGroups(k, w.Groups, st, st.keyCol))
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
		return []string{k + " [" + strings.Join(scalars(groups, st.groupQ), ", ") + "]"}
	}
	out := []string{k}
	pad := strings.Repeat(" ", keyCol+st.groupDash) + "-" + strings.Repeat(" ", max(st.groupGap, 1))
	for _, g := range groups {
		out = append(out, pad+Scalar(g, st.groupQ))
	}
	return out
}
