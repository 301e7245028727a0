package manifest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	yamlv3 "go.yaml.in/yaml/v3"
)

// replacement is one changed byte range of the file.
type replacement struct {
	start, end int
	text       string
}

// Set returns the file with the aws-auth data changed from old to new: only
// the values of the keys whose string changed are rewritten, in the style
// they had (a literal block stays a literal block with its indentation, a
// JSON string stays a JSON string); a new key is inserted before the first
// one. It refuses to delete a key (the edit engine never does) and to edit
// a value it cannot locate exactly, and it checks the result by locating
// the values again.
func (f *File) Set(old, new map[string]string) ([]byte, error) {
	var reps []replacement
	for k := range old {
		if _, ok := new[k]; !ok {
			return nil, fmt.Errorf("data key %s would be deleted: edit the file by hand", k)
		}
	}
	var added []string
	for k, v := range new {
		o, had := old[k]
		if had && o == v {
			continue
		}
		kv, inFile := f.values[k]
		if !inFile {
			added = append(added, k)
			continue
		}
		r, err := f.replaceValue(k, kv[0], kv[1], v)
		if err != nil {
			return nil, err
		}
		reps = append(reps, r...)
	}
	slices.Sort(added)
	if f.data == nil && len(added) > 0 {
		r, err := f.insertData(added, new)
		if err != nil {
			return nil, err
		}
		reps = append(reps, r)
		added = nil
	}
	for _, k := range added {
		r, err := f.insertKey(k, new[k])
		if err != nil {
			return nil, err
		}
		reps = append(reps, r)
	}
	if len(reps) == 0 {
		return f.src, nil
	}
	out := apply(f.src, reps)
	if err := check(out, old, new); err != nil {
		return nil, err
	}
	return out, nil
}

// check reads the new file back and compares the changed values of its
// aws-auth data with want.
func check(out []byte, old, want map[string]string) error {
	g, err := Parse(out)
	if err != nil {
		return fmt.Errorf("the rewritten file does not parse (%v): nothing was written; please report this", err)
	}
	for k, v := range want {
		if o, had := old[k]; had && o == v {
			continue
		}
		kv, ok := g.values[k]
		if !ok || kv[1].Kind != yamlv3.ScalarNode || kv[1].Value != v {
			return fmt.Errorf("data key %s does not read back as written: nothing was written; edit the file by hand and please report this", k)
		}
	}
	return nil
}

func apply(src []byte, reps []replacement) []byte {
	slices.SortFunc(reps, func(a, b replacement) int { return a.start - b.start })
	var b bytes.Buffer
	last := 0
	for _, r := range reps {
		b.Write(src[last:r.start])
		b.WriteString(r.text)
		last = r.end
	}
	b.Write(src[last:])
	return b.Bytes()
}

// eol is the file's line break: CRLF when its first line ends with one.
func (f *File) eol() string {
	if i := bytes.IndexByte(f.src, '\n'); i > 0 && f.src[i-1] == '\r' {
		return "\r\n"
	}
	return "\n"
}

// replaceValue rewrites one existing value node.
func (f *File) replaceValue(key string, k, v *yamlv3.Node, value string) ([]replacement, error) {
	if v.Kind != yamlv3.ScalarNode {
		return nil, fmt.Errorf("data key %s (line %d) is not a string: fix it by hand ('kubectl eksaccess lint -f' shows why)", key, k.Line)
	}
	if v.Tag == "!!null" {
		return nil, fmt.Errorf("data key %s (line %d) has no value: write %s: \"\" in the file first", key, k.Line, key)
	}
	start := f.offset(v.Line, v.Column)
	switch {
	case v.Style&(yamlv3.LiteralStyle|yamlv3.FoldedStyle) != 0:
		return f.replaceBlock(key, k, v, start, value)
	case v.Style&yamlv3.DoubleQuotedStyle != 0:
		end, ok := quotedEnd(f.src, start, '"')
		if !ok {
			return nil, fmt.Errorf("data key %s (line %d): cannot find the end of its string: edit the file by hand", key, k.Line)
		}
		return []replacement{{start, end, jsonString(value)}}, nil
	case v.Style&yamlv3.SingleQuotedStyle != 0:
		end, ok := quotedEnd(f.src, start, '\'')
		if !ok {
			return nil, fmt.Errorf("data key %s (line %d): cannot find the end of its string: edit the file by hand", key, k.Line)
		}
		return []replacement{{start, end, f.scalarText(k, value)}}, nil
	}
	// A plain scalar: its raw text is its value when it is on one line.
	end := start + len(v.Value)
	if strings.ContainsAny(v.Value, "\n") || end > len(f.src) || string(f.src[start:end]) != v.Value {
		return nil, fmt.Errorf("data key %s (line %d) is a multi-line plain string: make it a '|' block first", key, k.Line)
	}
	return []replacement{{start, end, f.scalarText(k, value)}}, nil
}

// scalarText renders a value for the place of a flow or one-line scalar:
// a JSON string in a flow mapping or when it fits on one line, else a
// literal block.
func (f *File) scalarText(k *yamlv3.Node, value string) string {
	if f.data != nil && f.data.Style&yamlv3.FlowStyle != 0 || !strings.Contains(strings.TrimSuffix(value, "\n"), "\n") || !literalOK(value) {
		return jsonString(value)
	}
	return literal(value, strings.Repeat(" ", k.Column-1+2), 2, f.eol())
}

// replaceBlock rewrites a literal or folded block scalar: its header
// indicator and its content lines, keeping a comment after the header and
// the blank lines after the content.
func (f *File) replaceBlock(key string, k, v *yamlv3.Node, start int, value string) ([]replacement, error) {
	hdrEnd := start + 1
	for hdrEnd < len(f.src) && strings.IndexByte("+-123456789", f.src[hdrEnd]) >= 0 {
		hdrEnd++
	}
	header := string(f.src[start:hdrEnd])
	parent := k.Column - 1
	indent := 0
	if i := strings.IndexAny(header, "123456789"); i >= 0 {
		indent = parent + int(header[i]-'0')
	}
	keep := strings.Contains(header, "+")
	// Content: the lines after the header that are blank or indented more
	// than the key (YAML 1.2 §8.1.1.1: auto-detected from the first
	// non-empty line).
	first := v.Line // 0-based index of the first content line
	last := first - 1
	for i := first; i < len(f.lines); i++ {
		line := strings.TrimRight(string(f.src[f.lines[i]:f.lineEnd(i)]), "\r\n")
		if strings.TrimLeft(line, " ") == "" {
			if keep {
				last = i
			}
			if i == len(f.lines)-1 && f.lines[i] == len(f.src) {
				break
			}
			continue
		}
		n := len(line) - len(strings.TrimLeft(line, " "))
		if indent == 0 {
			if n <= parent {
				break
			}
			indent = n
		}
		if n < indent {
			break
		}
		last = i
	}
	if indent == 0 {
		indent = parent + 2
	}
	if !literalOK(value) {
		// Not representable as a literal block (a CR, a control character):
		// a JSON string in place of the whole block.
		end := start + len(header)
		if last >= first {
			end = f.lineEnd(last)
			return []replacement{{start, hdrEnd, jsonString(value)}, {f.lineEnd(v.Line - 1), end, ""}}, nil
		}
		return []replacement{{start, end, jsonString(value)}}, nil
	}
	text := literal(value, strings.Repeat(" ", indent), indent-parent, f.eol())
	nl := strings.Index(text, f.eol())
	newHeader, body := text[:nl], text[nl+len(f.eol()):]
	contentStart := f.lineEnd(v.Line - 1)
	contentEnd := contentStart
	if last >= first {
		contentEnd = f.lineEnd(last)
	}
	if contentStart == len(f.src) && !bytes.HasSuffix(f.src, []byte("\n")) && body != "" {
		// The header is the file's last line, with no line break.
		body = f.eol() + body
	}
	// A value that ends the file without a line break keeps its own: the
	// file then ends with one.
	return []replacement{{start, hdrEnd, newHeader}, {contentStart, contentEnd, body}}, nil
}

// insertKey adds a data key that the file does not have yet, before the
// first key (or into an empty flow mapping).
func (f *File) insertKey(key, value string) (replacement, error) {
	if f.data.Style&yamlv3.FlowStyle != 0 {
		open := f.offset(f.data.Line, f.data.Column)
		if open >= len(f.src) || f.src[open] != '{' {
			return replacement{}, fmt.Errorf("cannot find where to add data key %s: add it by hand", key)
		}
		sep := ""
		if len(f.data.Content) > 0 {
			sep = ", "
		}
		return replacement{open + 1, open + 1, jsonString(key) + ": " + jsonString(value) + sep}, nil
	}
	if len(f.data.Content) == 0 {
		return replacement{}, fmt.Errorf("cannot find where to add data key %s: add it by hand", key)
	}
	k := f.data.Content[0]
	at := f.lines[k.Line-1]
	pad := strings.Repeat(" ", k.Column-1)
	if string(f.src[at:f.offset(k.Line, k.Column)]) != pad {
		return replacement{}, fmt.Errorf("cannot find where to add data key %s: add it by hand", key)
	}
	var text string
	if literalOK(value) && value != "" {
		text = pad + key + ": " + literal(value, pad+"  ", 2, f.eol())
	} else {
		text = pad + key + ": " + jsonString(value) + f.eol()
	}
	return replacement{at, at, text}, nil
}

// insertData adds a data mapping with the given keys to a ConfigMap that
// has none: after its last line in block style, or first in a flow mapping.
func (f *File) insertData(keys []string, values map[string]string) (replacement, error) {
	if f.cm.Style&yamlv3.FlowStyle != 0 {
		open := f.offset(f.cm.Line, f.cm.Column)
		if open >= len(f.src) || f.src[open] != '{' {
			return replacement{}, errors.New("cannot find where to add data: add 'data: {}' to the ConfigMap by hand")
		}
		var kv []string
		for _, k := range keys {
			kv = append(kv, jsonString(k)+": "+jsonString(values[k]))
		}
		return replacement{open + 1, open + 1, `"data": {` + strings.Join(kv, ", ") + "}, "}, nil
	}
	last := lastLine(f.cm)
	col := f.cm.Column - 1
	// The next non-blank line must close the ConfigMap (less indented, or
	// a document marker), or nothing may follow.
	for i := last; i < len(f.lines); i++ {
		line := strings.TrimRight(string(f.src[f.lines[i]:f.lineEnd(i)]), "\r\n")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		if n := len(line) - len(strings.TrimLeft(line, " ")); n > col {
			return replacement{}, errors.New("cannot find where to add data: add 'data: {}' to the ConfigMap by hand")
		}
		break
	}
	pad := strings.Repeat(" ", col)
	var b strings.Builder
	at := f.lineEnd(last - 1)
	if at == len(f.src) && len(f.src) > 0 && f.src[len(f.src)-1] != '\n' {
		b.WriteString(f.eol())
	}
	b.WriteString(pad + "data:" + f.eol())
	for _, k := range keys {
		if literalOK(values[k]) && values[k] != "" {
			b.WriteString(pad + "  " + k + ": " + literal(values[k], pad+"    ", 2, f.eol()))
		} else {
			b.WriteString(pad + "  " + k + ": " + jsonString(values[k]) + f.eol())
		}
	}
	return replacement{at, at, b.String()}, nil
}

// lastLine is the last line (1-based) a node's text reaches.
func lastLine(n *yamlv3.Node) int {
	l := n.Line
	if n.Kind == yamlv3.ScalarNode && n.Style&(yamlv3.LiteralStyle|yamlv3.FoldedStyle) != 0 {
		l += strings.Count(strings.TrimRight(n.Value, "\n"), "\n") + 1
	} else if n.Kind == yamlv3.ScalarNode {
		l += strings.Count(n.Value, "\n")
	}
	for _, c := range n.Content {
		l = max(l, lastLine(c))
	}
	return l
}

// quotedEnd returns the offset just past the closing quote of a quoted
// scalar starting at start.
func quotedEnd(src []byte, start int, q byte) (int, bool) {
	if start >= len(src) || src[start] != q {
		return 0, false
	}
	for i := start + 1; i < len(src); i++ {
		switch {
		case q == '"' && src[i] == '\\':
			i++
		case src[i] == q && q == '\'' && i+1 < len(src) && src[i+1] == '\'':
			i++
		case src[i] == q:
			return i + 1, true
		}
	}
	return 0, false
}

// jsonString is a JSON string, which is also a YAML double-quoted scalar
// that reads back the same: characters outside the BMP are written as
// they are (YAML does not join \u surrogate pairs).
func jsonString(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	return strings.TrimSuffix(b.String(), "\n")
}

// literalOK reports whether s can be written as a literal block scalar:
// printable characters only (YAML 1.2 c-printable, no BOM), no CR.
func literalOK(s string) bool {
	for _, r := range s {
		switch {
		case r == '\n' || r == '\t':
		case r < 0x20 || r == 0x7f || r == '\r' || r == 0xFEFF:
			return false
		case r >= 0x80 && r < 0xA0 && r != 0x85, r >= 0xD800 && r < 0xE000, r == 0xFFFE || r == 0xFFFF:
			return false
		}
	}
	return true
}

// literal renders s as a literal block: the header (with an indentation
// indicator when the first line starts with a space, and the chomping that
// keeps s's trailing line breaks) and the indented lines.
// rel is the indentation relative to the key's, for the indicator.
func literal(s, indent string, rel int, eol string) string {
	body := strings.TrimRight(s, "\n")
	trailing := len(s) - len(body)
	header := "|"
	if strings.HasPrefix(strings.TrimLeft(body, "\n"), " ") {
		header += fmt.Sprint(rel)
	}
	switch {
	case trailing == 0:
		header += "-"
	case trailing > 1:
		header += "+"
	}
	var b strings.Builder
	b.WriteString(header)
	b.WriteString(eol)
	if body == "" && trailing == 0 {
		return b.String()
	}
	for _, line := range strings.Split(body, "\n") {
		if line != "" {
			b.WriteString(indent)
			b.WriteString(line)
		}
		b.WriteString(eol)
	}
	for i := 1; i < trailing; i++ {
		b.WriteString(eol)
	}
	return b.String()
}
