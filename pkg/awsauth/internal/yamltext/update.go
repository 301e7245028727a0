package yamltext

import (
	"slices"
	"strings"

	yamlv3 "go.yaml.in/yaml/v3"
)

type repl struct {
	from, to int
	text     string
}

// updateInPlace changes only the username value and the group lines of a
// block-mapping item.
func (d *Doc) updateInPlace(item *yamlv3.Node, sp span, style itemStyle, w Item, set Fields) (Candidate, bool) {
	b, ok := d.blockItem(item, sp)
	if !ok {
		return Candidate{}, false
	}
	var rs []repl
	var tail []string // lines to add at the end of the item
	if set.Username {
		if rs, tail, ok = b.setUsername(rs, tail, w.Username, style.userQ); !ok {
			return Candidate{}, false
		}
	}
	if set.Groups {
		if rs, tail, ok = b.setGroups(rs, tail, w.Groups, style); !ok {
			return Candidate{}, false
		}
	}
	if len(tail) > 0 {
		l := d.lines[sp.end]
		if l.Next == l.End {
			rs = append(rs, repl{l.End, l.End, d.eol + strings.Join(tail, d.eol)})
		} else {
			rs = append(rs, repl{l.Next, l.Next, strings.Join(tail, d.eol) + d.eol})
		}
	}
	if len(rs) == 0 {
		return Candidate{}, false
	}
	return d.applyRepls(rs, sp)
}

// blockPairs is a block-mapping item whose keys each start a line of its
// span, so that a pair's lines can be replaced or deleted on their own.
type blockPairs struct {
	d       *Doc
	item    *yamlv3.Node
	sp      span
	n       int   // pairs
	keyLine []int // 0-based line of each key
	keyCol  int
	keyQ    Quote
}

func (d *Doc) blockItem(item *yamlv3.Node, sp span) (*blockPairs, bool) {
	if item.Kind != yamlv3.MappingNode || item.Style&yamlv3.FlowStyle != 0 || len(item.Content) == 0 {
		return nil, false
	}
	n := len(item.Content) / 2
	keyLine := make([]int, n)
	for i := 0; i < n; i++ {
		k := item.Content[2*i]
		if k.Kind != yamlv3.ScalarNode || k.Line-1 > sp.end || i > 0 && k.Line <= item.Content[2*i-2].Line {
			return nil, false
		}
		keyLine[i] = k.Line - 1
	}
	return &blockPairs{d: d, item: item, sp: sp, n: n, keyLine: keyLine, keyCol: item.Content[0].Column - 1, keyQ: quoteOf(item.Content[0])}, true
}

// lastLine returns the last line of pair i: the line before the next key,
// or the end of the item.
func (b *blockPairs) lastLine(i int) int {
	if i+1 < b.n {
		return b.keyLine[i+1] - 1
	}
	return b.sp.end
}

// find returns the pairs whose key names field (never the ARN).
func (b *blockPairs) find(field string) []int {
	var is []int
	for i := 0; i < b.n; i++ {
		if Field(b.item.Content[2*i].Value) == field && (field != "arn") {
			is = append(is, i)
		}
	}
	return is
}

// drop deletes the lines of the pairs at is (later copies of a key written
// twice); only a key that starts its line, and not the first, can go.
func (b *blockPairs) drop(rs []repl, is []int) ([]repl, bool) {
	d := b.d
	for _, i := range is {
		k := b.item.Content[2*i]
		off := d.offset(k.Line-1, k.Column)
		if strings.TrimLeft(d.src[d.lines[k.Line-1].Start:off], " ") != "" || i == 0 {
			return nil, false
		}
		rs = append(rs, repl{d.lines[b.keyLine[i]].Start, d.lines[b.lastLine(i)].Next, ""})
	}
	return rs, true
}

// value replaces pair i's value (from just after "key:" to the end of the
// value) with text, keeping what follows.
func (b *blockPairs) value(i int, text string) (repl, bool) {
	d := b.d
	k, v := b.item.Content[2*i], b.item.Content[2*i+1]
	kEnd, ok := d.scalarEnd(k)
	if !ok {
		return repl{}, false
	}
	colon := strings.IndexByte(d.src[kEnd:d.lines[k.Line-1].End], ':')
	if colon < 0 {
		return repl{}, false
	}
	from := kEnd + colon + 1
	to := d.lines[b.lastLine(i)].End
	if v.Kind == yamlv3.ScalarNode && !isEmptyNode(v) && v.Line == k.Line && !strings.HasPrefix(text, d.eol) {
		if end, ok := d.scalarEnd(v); ok {
			return repl{d.offset(v.Line-1, v.Column), end, strings.TrimPrefix(text, " ")}, true
		}
	}
	if !d.multiline(v) && (v.Kind != yamlv3.ScalarNode || !isEmptyNode(v)) {
		to = d.lines[lastLine(v)].End
	} else if !d.multiline(v) {
		// an empty value: it ends with the key's line
		to = d.lines[k.Line-1].End
		if c := strings.Index(d.src[from:to], "#"); c >= 0 {
			to = from + c
			text += " "
		}
	}
	return repl{from, to, text}, true
}

// setUsername replaces the username value (in its own quoting), or adds a
// username line to tail when the item has none.
func (b *blockPairs) setUsername(rs []repl, tail []string, username string, q Quote) ([]repl, []string, bool) {
	is := b.find("username")
	if len(is) == 0 {
		if username != "" {
			tail = append(tail, strings.Repeat(" ", b.keyCol)+keyText("username", b.keyQ)+": "+Scalar(username, q))
		}
		return rs, tail, true
	}
	if v := b.item.Content[2*is[0]+1]; v.Kind == yamlv3.ScalarNode && !isEmptyNode(v) {
		q = quoteOf(v)
	}
	r, ok := b.value(is[0], " "+Scalar(username, q))
	if !ok {
		return nil, nil, false
	}
	rs, ok = b.drop(append(rs, r), is[1:])
	return rs, tail, ok
}

// setGroups rewrites the groups: line by line in a block list, inside a
// flow list, else the whole value; or adds groups lines to tail when the
// item has none.
func (b *blockPairs) setGroups(rs []repl, tail []string, groups []string, style itemStyle) ([]repl, []string, bool) {
	d := b.d
	is := b.find("groups")
	if len(is) == 0 {
		lines := renderGroups(keyText("groups", b.keyQ)+":", groups, style, b.keyCol)
		lines[0] = strings.Repeat(" ", b.keyCol) + lines[0]
		return rs, append(tail, lines...), true
	}
	v := b.item.Content[2*is[0]+1]
	if v.Kind == yamlv3.SequenceNode && v.Style&yamlv3.FlowStyle == 0 && len(v.Content) > 0 {
		if r, ok := d.groupLines(v, groups); ok {
			rs, ok = b.drop(append(rs, r...), is[1:])
			return rs, tail, ok
		}
	}
	if r, ok := d.flowGroupRepls(v, groups, style.groupQ); ok {
		rs, ok = b.drop(append(rs, r...), is[1:])
		return rs, tail, ok
	}
	gs := style
	gs.learnGroups(v, b.keyCol)
	lines := renderGroups("", groups, gs, b.keyCol)
	text := strings.Join(lines, d.eol)
	if !gs.groupFlow {
		text = d.eol + strings.Join(lines[1:], d.eol)
	}
	r, ok := b.value(is[0], text)
	if !ok {
		return nil, nil, false
	}
	rs, ok = b.drop(append(rs, r), is[1:])
	return rs, tail, ok
}

// groupLines edits a block list of groups line by line: deletes the lines of
// groups no longer wanted and adds new ones after the last.
func (d *Doc) groupLines(seq *yamlv3.Node, groups []string) ([]repl, bool) {
	col := seq.Column - 1
	var rs []repl
	var have []string
	lastLine := -1
	for _, it := range seq.Content {
		if it.Kind != yamlv3.ScalarNode || isEmptyNode(it) || !d.dashAt(it.Line-1, col) || it.Line-1 <= lastLine {
			return nil, false
		}
		end, ok := d.scalarEnd(it)
		if !ok || strings.TrimSpace(d.src[end:d.lines[it.Line-1].End]) != "" && !strings.HasPrefix(strings.TrimSpace(d.src[end:d.lines[it.Line-1].End]), "#") {
			return nil, false
		}
		lastLine = it.Line - 1
		have = append(have, it.Value)
		if !slices.Contains(groups, it.Value) {
			l := d.lines[it.Line-1]
			rs = append(rs, repl{l.Start, l.Next, ""})
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
			add = append(add, pad+Scalar(g, q))
		}
	}
	if len(add) > 0 {
		l := d.lines[lastLine]
		if l.Next == l.End {
			rs = append(rs, repl{l.End, l.End, d.eol + strings.Join(add, d.eol)})
		} else {
			rs = append(rs, repl{l.Next, l.Next, strings.Join(add, d.eol) + d.eol})
		}
	}
	return rs, true
}

// applyRepls applies non-overlapping replacements and reports the lines
// they touched as one edit.
func (d *Doc) applyRepls(rs []repl, sp span) (Candidate, bool) {
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
			return Candidate{}, false
		}
		b.WriteString(d.src[pos:r.from])
		b.WriteString(r.text)
		pos = r.to
	}
	b.WriteString(d.src[pos:])
	t := b.String()
	// The edit covers the item's lines, before and after.
	oldLines := sp.end - sp.start + 1
	newLines := len(SplitLines(t)) - (len(d.lines) - oldLines)
	return Candidate{Text: t, Edits: []Edit{{OldStart: sp.start + 1, OldEnd: sp.end + 1, NewStart: sp.start + 1, NewEnd: sp.start + newLines}}}, true
}

// replaceItem rewrites one item from its node, with the wanted username and
// groups: the fallback when the item's shape cannot be edited line by line.
func (d *Doc) replaceItem(i int, sp span, w Item, set Fields) (Candidate, bool) {
	item := cloneNode(d.Seq.Content[i])
	if item.Kind != yamlv3.MappingNode {
		return Candidate{}, false
	}
	setFields(item, w, set)
	var b strings.Builder
	enc := yamlv3.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(item); err != nil {
		return Candidate{}, false
	}
	_ = enc.Close()
	out := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	col := d.Seq.Column - 1
	for j := range out {
		if j == 0 {
			out[j] = strings.Repeat(" ", col) + "- " + out[j]
		} else {
			out[j] = strings.Repeat(" ", col+2) + out[j]
		}
	}
	from, to := d.lines[sp.start].Start, d.lines[sp.end].End
	t := d.src[:from] + strings.Join(out, d.eol) + d.src[to:]
	return Candidate{Text: t, Edits: []Edit{{OldStart: sp.start + 1, OldEnd: sp.end + 1, NewStart: sp.start + 1, NewEnd: sp.start + len(out)}}}, true
}

func cloneNode(n *yamlv3.Node) *yamlv3.Node {
	c := *n
	c.Content = make([]*yamlv3.Node, len(n.Content))
	for i, ch := range n.Content {
		c.Content[i] = cloneNode(ch)
	}
	return &c
}

func str(s string, q Quote) *yamlv3.Node {
	n := &yamlv3.Node{Kind: yamlv3.ScalarNode, Tag: "!!str", Value: s}
	switch {
	case q == Single:
		n.Style = yamlv3.SingleQuotedStyle
	case q == Double || !canPlain(s):
		n.Style = yamlv3.DoubleQuotedStyle
	}
	return n
}

func groupsNode(groups []string) *yamlv3.Node {
	seq := &yamlv3.Node{Kind: yamlv3.SequenceNode, Tag: "!!seq"}
	for _, g := range groups {
		seq.Content = append(seq.Content, str(g, Plain))
	}
	return seq
}

// setFields sets username and groups of a mapping node, replacing every
// case variant of the key by one.
func setFields(item *yamlv3.Node, w Item, set Fields) {
	put := func(field string, v *yamlv3.Node) {
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
			kept = append(kept, str(field, Plain), v)
		}
		item.Content = kept
	}
	if set.Username {
		put("username", str(w.Username, Double))
	}
	if set.Groups {
		put("groups", groupsNode(w.Groups))
	}
}

func itemNode(w Item) *yamlv3.Node {
	if w.ArnKey == "" {
		return str(w.ARN, Double)
	}
	n := &yamlv3.Node{Kind: yamlv3.MappingNode, Tag: "!!map"}
	n.Content = append(n.Content, str(w.ArnKey, Plain), str(w.ARN, Plain))
	if w.Username != "" {
		n.Content = append(n.Content, str("username", Plain), str(w.Username, Double))
	}
	if len(w.Groups) > 0 {
		n.Content = append(n.Content, str("groups", Plain), groupsNode(w.Groups))
	}
	return n
}
