// Package yamltext edits the YAML text of one aws-auth data key with the
// smallest change: it inserts a list item, deletes items or sets the fields
// of one, and returns the new text with the lines it changed, keeping every
// other byte (comments, order, quoting, unknown keys, later documents). New
// items are written in the style learned from their neighbours.
//
// It knows YAML and the shape of aws-auth items, not what they mean: the
// caller (package awsauth) checks every candidate text by loading it the way
// the authenticator does, and picks the first that loads as intended.
package yamltext

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	yamlv3 "go.yaml.in/yaml/v3"
)

// Line is one line of a key's value: [Start,End) is its text, [End,Next)
// its line break. Breaks are those of YAML (and of yaml.v3's line count):
// CRLF, CR, LF, NEL, LS and PS.
type Line struct{ Start, End, Next int }

// SplitLines splits s into its lines.
func SplitLines(s string) []Line {
	var ls []Line
	start := 0
	// A byte-order mark is not part of the first line (yaml.v3 counts
	// columns after it, and the authenticator reads past it): it stays
	// in front of whatever the edit does.
	if strings.HasPrefix(s, "\ufeff") {
		start = len("\ufeff")
	}
	for i := 0; i < len(s); {
		w := breakWidth(s, i)
		if w == 0 {
			i++
			continue
		}
		ls = append(ls, Line{start, i, i + w})
		i += w
		start = i
	}
	if start < len(s) {
		ls = append(ls, Line{start, len(s), len(s)})
	}
	return ls
}

func breakWidth(s string, i int) int {
	switch c := s[i]; {
	case c == '\r' && i+1 < len(s) && s[i+1] == '\n':
		return 2
	case c == '\n' || c == '\r':
		return 1
	case c == 0xC2 && i+1 < len(s) && s[i+1] == 0x85:
		return 2
	case c == 0xE2 && i+2 < len(s) && s[i+1] == 0x80 && (s[i+2] == 0xA8 || s[i+2] == 0xA9):
		return 3
	}
	return 0
}

// OneLine joins the lines of a parser's message (yaml.v2 lists unmarshal
// errors one per line) so every error stays one line.
func OneLine(s string) string {
	f := strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' })
	for i := range f {
		f[i] = strings.TrimSpace(f[i])
	}
	return strings.Join(f, " ")
}

func eolOf(s string) string {
	if strings.Contains(s, "\r\n") {
		return "\r\n"
	}
	return "\n"
}

// Doc is one data key's value with its first YAML document's node tree.
type Doc struct {
	src   string
	lines []Line
	eol   string
	root  *yamlv3.Node
	// Seq is the first document when it is a list, else nil; Flow is set
	// when that list is written in flow style ([...]).
	Seq  *yamlv3.Node
	Flow bool
	// end is the index of the first line after the first document: a
	// '---' or '...' marker line, or len(lines).
	end int
}

// Read reads the first YAML document of a key's value. The error, when the
// text does not parse, is one line.
func Read(src string) (*Doc, error) {
	d := &Doc{src: src, lines: SplitLines(src), eol: eolOf(src)}
	d.end = len(d.lines)
	var doc yamlv3.Node
	if err := yamlv3.NewDecoder(strings.NewReader(src)).Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("the YAML does not parse: %s", OneLine(err.Error()))
	}
	if len(doc.Content) == 1 && doc.Content[0].Kind == yamlv3.ScalarNode && doc.Content[0].Tag == "!!null" && doc.Content[0].Value == "" {
		doc.Content = nil // an empty document, placed at the marker after it
	}
	if len(doc.Content) == 0 {
		// An empty first document (only comments, or markers): it ends
		// at the next '---' or at a '...'.
		started := false
		for i := range d.lines {
			if !d.docMarker(i) {
				continue
			}
			if strings.HasPrefix(d.text(i), "---") && !started {
				started = true
				continue
			}
			d.end = i
			break
		}
	}
	if len(doc.Content) == 1 {
		d.root = doc.Content[0]
		if d.root.Kind == yamlv3.SequenceNode {
			d.Seq = d.root
			d.Flow = d.Seq.Style&yamlv3.FlowStyle != 0
		}
		for i := d.root.Line; i < len(d.lines); i++ {
			if d.docMarker(i) {
				d.end = i
				break
			}
		}
	}
	return d, nil
}

func (d *Doc) text(i int) string { return d.src[d.lines[i].Start:d.lines[i].End] }

func (d *Doc) docMarker(i int) bool {
	t := d.text(i)
	if !strings.HasPrefix(t, "---") && !strings.HasPrefix(t, "...") {
		return false
	}
	return len(t) == 3 || t[3] == ' ' || t[3] == '\t'
}

// blankOrComment reports whether line i holds nothing but a comment.
func (d *Doc) blankOrComment(i int) bool {
	t := strings.TrimLeft(d.text(i), " \t")
	return t == "" || t[0] == '#'
}

func (d *Doc) lastNonBlank(end int) int {
	for i := end - 1; i >= 0; i-- {
		if strings.TrimSpace(d.text(i)) != "" {
			return i
		}
	}
	return -1
}

func (d *Doc) guessDashCol() int {
	for i := range d.lines {
		t := d.text(i)
		if s := strings.TrimLeft(t, " "); strings.HasPrefix(s, "- ") || s == "-" {
			return len(t) - len(s)
		}
	}
	return 0
}

// dashAt reports whether line i is a sequence item's dash at column col.
func (d *Doc) dashAt(i, col int) bool {
	t := d.text(i)
	if len(t) <= col || strings.Count(t[:col], " ") != col || t[col] != '-' {
		return false
	}
	return len(t) == col+1 || t[col+1] == ' ' || t[col+1] == '\t'
}

// byteCol converts yaml.v3's 1-based character column on line i to a byte
// offset into the document.
func (d *Doc) offset(line, col int) int {
	l := d.lines[line]
	t := d.src[l.Start:l.End]
	n := 0
	for i := range t {
		if n == col-1 {
			return l.Start + i
		}
		n++
	}
	return l.End
}

// lineOf returns the 0-based line holding byte offset off.
func (d *Doc) lineOf(off int) int {
	i, _ := slices.BinarySearchFunc(d.lines, off, func(l Line, off int) int {
		if l.Next <= off {
			return -1
		}
		if l.Start > off {
			return 1
		}
		return 0
	})
	return min(i, max(len(d.lines)-1, 0))
}

// span is an item's lines, 0-based and inclusive.
type span struct{ start, end int }

// itemSpans finds the lines of every item of a block sequence: from its dash
// to its last line, leaving out comment and blank lines that follow it (they
// introduce the next item or close the list).
func (d *Doc) itemSpans() ([]span, error) {
	col := d.Seq.Column - 1
	var dashes []int
	for i := d.Seq.Line - 1; i < d.end; i++ {
		if d.dashAt(i, col) {
			dashes = append(dashes, i)
		}
	}
	items := d.Seq.Content
	if len(dashes) != len(items) {
		return nil, fmt.Errorf("found %d items but %d dashes at column %d", len(items), len(dashes), col+1)
	}
	spans := make([]span, len(items))
	for i, it := range items {
		if it.Line-1 < dashes[i] || i+1 < len(dashes) && it.Line-1 >= dashes[i+1] && !isEmptyNode(it) {
			return nil, fmt.Errorf("item %d at line %d does not follow its dash", i+1, it.Line)
		}
		hi := d.end - 1
		if i+1 < len(items) {
			hi = dashes[i+1] - 1
		}
		if !d.multiline(it) {
			last := max(dashes[i], lastLine(it))
			for hi > last && d.blankOrComment(hi) {
				hi--
			}
		}
		spans[i] = span{dashes[i], hi}
	}
	return spans, nil
}

func isEmptyNode(n *yamlv3.Node) bool {
	return n.Kind == yamlv3.ScalarNode && n.Value == "" && n.Style == 0
}

func lastLine(n *yamlv3.Node) int {
	l := n.Line - 1
	for _, c := range n.Content {
		l = max(l, lastLine(c))
	}
	return l
}

// multiline reports whether a node holds a scalar that may continue past
// the line it starts on, where a line that looks like a comment is content.
func (d *Doc) multiline(n *yamlv3.Node) bool {
	if n.Kind == yamlv3.ScalarNode {
		_, ok := d.scalarEnd(n)
		return !ok
	}
	for _, c := range n.Content {
		if d.multiline(c) {
			return true
		}
	}
	return false
}

// scalarEnd returns the byte offset just after a scalar written on one
// line; ok is false when it is not (or the scalar cannot be located).
func (d *Doc) scalarEnd(n *yamlv3.Node) (int, bool) {
	if n.Style&(yamlv3.LiteralStyle|yamlv3.FoldedStyle) != 0 || n.Line < 1 || n.Line > len(d.lines) {
		return 0, false
	}
	if isEmptyNode(n) {
		return 0, true
	}
	off := d.offset(n.Line-1, n.Column)
	rest := d.src[off:d.lines[n.Line-1].End]
	switch {
	case n.Style&yamlv3.DoubleQuotedStyle != 0:
		for i := 1; i < len(rest); i++ {
			switch rest[i] {
			case '\\':
				i++
			case '"':
				return off + i + 1, true
			}
		}
		return 0, false
	case n.Style&yamlv3.SingleQuotedStyle != 0:
		for i := 1; i < len(rest); i++ {
			if rest[i] == '\'' {
				if i+1 < len(rest) && rest[i+1] == '\'' {
					i++
					continue
				}
				return off + i + 1, true
			}
		}
		return 0, false
	}
	if n.Value == "" || !strings.HasPrefix(rest, n.Value) {
		return 0, false
	}
	// A plain scalar folded from several lines has a Value longer than what
	// its first line holds, so the prefix test above catches it.
	after := strings.TrimLeft(rest[len(n.Value):], " \t")
	if after != "" && after[0] != '#' && after[0] != ':' && after[0] != ',' && after[0] != ']' && after[0] != '}' {
		return 0, false
	}
	return off + len(n.Value), true
}
