package yamltext

// Line-level edits of a block list: insert lines, replace a null, delete
// whole items.

import (
	"slices"
	"strings"
)

// insertAfter inserts lines after line `after` (-1: at the top) and reports
// the edit. A last line without a line break gets one, and the result then
// ends without one, as the document did.
func (d *Doc) insertAfter(after int, lines []string) (string, Edit) {
	e := Edit{OldStart: after + 2, OldEnd: after + 1, NewStart: after + 2, NewEnd: after + 1 + len(lines)}
	if after < 0 {
		bom := 0
		if len(d.lines) > 0 {
			bom = d.lines[0].Start
		}
		return d.src[:bom] + strings.Join(lines, d.eol) + d.eol + d.src[bom:], e
	}
	l := d.lines[after]
	brk := d.src[l.End:l.Next]
	if brk == "" {
		return d.src + d.eol + strings.Join(lines, d.eol), e
	}
	if brk != "\r\n" && brk != "\n" {
		brk = d.eol
	}
	return d.src[:l.Next] + strings.Join(lines, brk) + brk + d.src[l.Next:], e
}

// appendLine returns the line after which a new item is appended to a
// block list: after the last item's own lines and the comments indented
// under it, but before the comments and blank lines that close the list
// (a note about the list, or the comment of an entry removed since), so
// no other entry's comment ends up above the new one.
func (d *Doc) appendLine() int {
	last := d.lastNonBlank(d.end)
	spans, err := d.itemSpans()
	if err != nil || len(spans) == 0 {
		return last
	}
	end := spans[len(spans)-1].end
	if end >= last {
		return last
	}
	col := d.Seq.Column - 1
	for i := end + 1; i <= last; i++ {
		t := d.text(i)
		s := strings.TrimLeft(t, " ")
		if s == "" || s[0] != '#' || len(t)-len(s) <= col {
			break
		}
		end = i
	}
	return end
}

// replaceNull replaces the null ('null', '~') that is a key's first
// document with a list of one new item, keeping every other byte: the
// comments around it and later documents.
func (d *Doc) replaceNull(w Item) (Candidate, bool) {
	n := d.root
	if n.Line < 1 || n.Line > len(d.lines) {
		return Candidate{}, false
	}
	li := n.Line - 1
	l := d.lines[li]
	off := d.offset(li, n.Column)
	end := off + len(n.Value)
	if n.Value == "" || end > l.End || d.src[off:end] != n.Value {
		return Candidate{}, false
	}
	brk := d.src[l.End:l.Next]
	if brk == "" {
		brk = d.eol
	}
	var t string
	var e Edit
	if lead := d.src[l.Start:off]; strings.Trim(lead, " ") == "" {
		// The null starts its line: the item's first line takes its place
		// (a comment after it stays on that line), the others follow.
		lines := renderItem(defaultStyle(w.ArnKey, len(lead)), w)
		rest := ""
		if len(lines) > 1 {
			rest = brk + strings.Join(lines[1:], brk)
		}
		t = d.src[:l.Start] + lines[0] + d.src[end:l.End] + rest + d.src[l.End:]
		e = Edit{OldStart: li + 1, OldEnd: li + 1, NewStart: li + 1, NewEnd: li + len(lines)}
	} else {
		// After a marker ('--- ~'): the null goes, the list follows the line.
		from := off
		for from > l.Start && d.src[from-1] == ' ' {
			from--
		}
		lines := renderItem(defaultStyle(w.ArnKey, 0), w)
		t = d.src[:from] + d.src[end:l.End] + brk + strings.Join(lines, brk) + d.src[l.End:]
		if d.src[l.End:l.Next] == "" {
			t = d.src[:from] + d.src[end:l.End] + brk + strings.Join(lines, brk)
		}
		e = Edit{OldStart: li + 1, OldEnd: li + 1, NewStart: li + 1, NewEnd: li + 1 + len(lines)}
	}
	return Candidate{Text: t, Edits: []Edit{e}}, true
}

// deleteItems removes whole items of a block sequence.
func (d *Doc) deleteItems(rm []int) (Candidate, bool) {
	spans, err := d.itemSpans()
	if err != nil {
		return Candidate{}, false
	}
	// Comment lines indented under an item are its own: they go with it.
	col := d.Seq.Column - 1
	for i := range spans {
		limit := d.end
		if i+1 < len(spans) {
			limit = spans[i+1].start
		}
		for j := spans[i].end + 1; j < limit; j++ {
			t := d.text(j)
			s := strings.TrimLeft(t, " ")
			if s == "" || s[0] != '#' || len(t)-len(s) <= col {
				break
			}
			spans[i].end = j
		}
	}
	idx := make([]int, 0, len(rm))
	for _, i := range rm {
		if i >= len(spans) {
			return Candidate{}, false
		}
		idx = append(idx, i)
	}
	slices.Sort(idx)
	idx = slices.Compact(idx)
	// Emptying the first of several documents would make the next one
	// the first, which the authenticator would then read: the first item
	// removed becomes an empty list instead.
	empty := ""
	if len(idx) == len(spans) && d.end < len(d.lines) {
		empty = strings.Repeat(" ", d.Seq.Column-1) + "[]" + d.eol
	}
	var b strings.Builder
	pos := 0
	var edits []Edit
	removed := 0
	for _, i := range idx {
		sp := spans[i]
		from, to := d.lines[sp.start].Start, d.lines[sp.end].Next
		b.WriteString(d.src[pos:from])
		pos = to
		n := sp.end - sp.start + 1
		e := Edit{OldStart: sp.start + 1, OldEnd: sp.end + 1, NewStart: sp.start + 1 - removed, NewEnd: sp.start - removed}
		if empty != "" {
			b.WriteString(empty)
			e.NewEnd++
			n--
			empty = ""
		}
		edits = append(edits, e)
		removed += n
	}
	b.WriteString(d.src[pos:])
	return Candidate{Text: b.String(), Edits: edits}, true
}
