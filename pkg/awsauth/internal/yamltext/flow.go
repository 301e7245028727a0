package yamltext

import (
	"slices"
	"strconv"
	"strings"

	yamlv3 "go.yaml.in/yaml/v3"
)

// flowAppend inserts a JSON item before the closing ']' of a flow list.
func (d *Doc) flowAppend(w Item) []Candidate {
	var item string
	if w.ArnKey == "" {
		item = strconv.Quote(w.ARN)
	} else {
		parts := []string{`"` + w.ArnKey + `": ` + doubleQuote(w.ARN)}
		if w.Username != "" {
			parts = append(parts, `"username": `+doubleQuote(w.Username))
		}
		if len(w.Groups) > 0 {
			parts = append(parts, `"groups": [`+strings.Join(scalars(w.Groups, Double), ", ")+`]`)
		}
		item = "{" + strings.Join(parts, ", ") + "}"
	}
	limit := len(d.src)
	if d.end < len(d.lines) {
		limit = d.lines[d.end].Start
	}
	var out []Candidate
	for tries, pos := 0, strings.LastIndexByte(d.src[:limit], ']'); pos >= 0 && tries < 3; tries, pos = tries+1, strings.LastIndexByte(d.src[:pos], ']') {
		q := pos
		for q > 0 && strings.IndexByte(" \t\r\n", d.src[q-1]) >= 0 {
			q--
		}
		ins := item
		if n := len(d.Seq.Content); n > 0 {
			last := d.Seq.Content[n-1]
			if last.Line > d.Seq.Line {
				ins = "," + d.eol + strings.Repeat(" ", last.Column-1) + item
			} else {
				ins = ", " + item
			}
		}
		t := d.src[:q] + ins + d.src[q:]
		line := d.lineOf(q) + 1
		added := len(SplitLines(ins+"x")) - 1
		e := Edit{OldStart: line, OldEnd: line, NewStart: line, NewEnd: line + added}
		out = append(out, Candidate{Text: t, Edits: []Edit{e}, How: InFlow})
	}
	return out
}

// rewriteBlock re-encodes the first document of a flow-style key in block
// style after edit, keeping keys, order, quoting and comments of the nodes,
// and any later documents verbatim.
func (d *Doc) rewriteBlock(edit func(seq *yamlv3.Node)) (string, error) {
	seq := cloneNode(d.Seq)
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
		t = d.src[:d.lines[0].Start] + t // a byte-order mark stays first
	}
	if d.end < len(d.lines) {
		t += d.src[d.lines[d.end].Start:]
	}
	return t, nil
}

// reblock is rewriteBlock as a candidate that replaces the whole text.
func (d *Doc) reblock(edit func(seq *yamlv3.Node)) (Candidate, bool) {
	t, err := d.rewriteBlock(edit)
	if err != nil {
		return Candidate{}, false
	}
	return Candidate{Text: t, Edits: []Edit{{OldStart: 1, OldEnd: len(d.lines), NewStart: 1, NewEnd: len(SplitLines(t))}}, How: Reblocked}, true
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

// FlowSpans returns the byte extent of the flow collection n and of each of
// its items (for a mapping: each "key: value" pair), checked against the
// node tree.
func (d *Doc) FlowSpans(n *yamlv3.Node) (open, end int, items [][2]int, ok bool) {
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
func (d *Doc) flowListRepls(n *yamlv3.Node, keep func(i int) bool, add []string) ([]repl, bool) {
	open, end, items, ok := d.FlowSpans(n)
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
func (d *Doc) spliceRepls(rs []repl) (Candidate, bool) {
	if len(rs) == 0 {
		return Candidate{}, false
	}
	lo, hi := rs[0].from, rs[0].to
	for _, r := range rs {
		lo, hi = min(lo, r.from), max(hi, r.to)
	}
	// Whole lines deleted leave the line at hi as it was; anything else
	// joins that line to the first one.
	first, last := d.lineOf(lo), d.lineOf(hi)
	if hi > lo && hi == d.lines[last].Start && lo == d.lines[first].Start {
		last--
	}
	return d.applyRepls(rs, span{first, max(last, first)})
}

// flowDelete removes items of a flow-style key in place: JSON stays JSON,
// flow stays flow.
func (d *Doc) flowDelete(rm []int) (Candidate, bool) {
	rs, ok := d.flowListRepls(d.Seq, func(i int) bool {
		return !slices.Contains(rm, i)
	}, nil)
	if !ok {
		return Candidate{}, false
	}
	c, ok := d.spliceRepls(rs)
	c.How = InFlow
	return c, ok
}

// flowGroupRepls rewrites a groups value that is a flow list in place: the
// groups kept keep their bytes (and their quoting), new ones are appended
// in the quoting of the list's first item (q when it has none), and what
// follows the list on its line (a comment) stays.
func (d *Doc) flowGroupRepls(v *yamlv3.Node, groups []string, q Quote) ([]repl, bool) {
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
			add = append(add, Scalar(g, q))
		}
	}
	return d.flowListRepls(v, func(i int) bool {
		return slices.Contains(groups, have[i]) && slices.Index(have, have[i]) == i
	}, add)
}

// flowUpdate changes the username and groups of one item of a flow-style
// key in place, keeping every other byte: JSON stays JSON.
func (d *Doc) flowUpdate(item *yamlv3.Node, w Item, set Fields) (Candidate, bool) {
	if item.Kind != yamlv3.MappingNode || item.Style&yamlv3.FlowStyle == 0 || len(item.Content) < 2 {
		return Candidate{}, false
	}
	_, _, pairs, ok := d.FlowSpans(item)
	if !ok {
		return Candidate{}, false
	}
	keyQ := quoteOf(item.Content[0])
	valQ := keyQ
	var rs []repl
	var added []string
	if set.Username {
		switch i := flowField(item, "username"); {
		case i == -2:
			return Candidate{}, false
		case i < 0:
			if w.Username != "" {
				added = append(added, keyText("username", keyQ)+": "+Scalar(w.Username, valQ))
			}
		default:
			from, to, ok := d.flowValue(item.Content[i+1])
			if !ok {
				return Candidate{}, false
			}
			q := valQ
			if v := item.Content[i+1]; v.Kind == yamlv3.ScalarNode && v.Tag == "!!str" {
				q = quoteOf(v)
			}
			rs = append(rs, repl{from, to, Scalar(w.Username, q)})
		}
	}
	if set.Groups {
		switch i := flowField(item, "groups"); {
		case i == -2:
			return Candidate{}, false
		case i < 0:
			added = append(added, keyText("groups", keyQ)+": ["+strings.Join(scalars(w.Groups, valQ), ", ")+"]")
		default:
			if r, ok := d.flowGroupRepls(item.Content[i+1], w.Groups, valQ); ok {
				rs = append(rs, r...)
				break
			}
			from, to, ok := d.flowValue(item.Content[i+1])
			if !ok {
				return Candidate{}, false
			}
			rs = append(rs, repl{from, to, "[" + strings.Join(scalars(w.Groups, valQ), ", ") + "]"})
		}
	}
	if len(added) > 0 {
		at := pairs[len(pairs)-1][1]
		rs = append(rs, repl{at, at, ", " + strings.Join(added, ", ")})
	}
	c, ok := d.spliceRepls(rs)
	c.How = InFlow
	return c, ok
}

// flowField returns the index in item.Content of the key that names field,
// -1 when there is none, -2 when it is written twice (left to the block
// rewrite).
func flowField(item *yamlv3.Node, field string) int {
	at := -1
	for i := 0; i+1 < len(item.Content); i += 2 {
		if Field(item.Content[i].Value) == field && item.Content[i].Kind == yamlv3.ScalarNode {
			if at >= 0 {
				at = -2
			} else {
				at = i
			}
		}
	}
	return at
}

// flowValue returns the byte extent of a value inside a flow mapping: a
// scalar on one line, or a flow collection.
func (d *Doc) flowValue(v *yamlv3.Node) (from, end int, ok bool) {
	from = d.offset(v.Line-1, v.Column)
	if v.Kind == yamlv3.ScalarNode {
		if isEmptyNode(v) {
			return 0, 0, false
		}
		end, ok := d.scalarEnd(v)
		return from, end, ok
	}
	end, _, ok = flowItems(d.src, from)
	return from, end, ok
}
