package yamltext

import (
	"errors"
	"slices"
	"strings"

	yamlv3 "go.yaml.in/yaml/v3"
)

// Item is a list item as it must read after an edit.
type Item struct {
	// ArnKey is the key the ARN is written under ("rolearn", "userarn");
	// empty for an item of mapAccounts, which is the ARN (an account ID)
	// alone.
	ArnKey   string
	ARN      string
	Username string
	Groups   []string
}

// Fields says which fields of an item an update sets.
type Fields struct{ Username, Groups bool }

// Edit locates one changed region in 1-based lines of the text. OldEnd <
// OldStart means an insertion before OldStart; NewEnd < NewStart means a
// deletion.
type Edit struct{ OldStart, OldEnd, NewStart, NewEnd int }

// Shift returns e moved down by n lines: the same edit seen in a text that
// has n more lines before the edited piece.
func (e Edit) Shift(n int) Edit {
	return Edit{OldStart: e.OldStart + n, OldEnd: e.OldEnd + n, NewStart: e.NewStart + n, NewEnd: e.NewEnd + n}
}

// How says how a candidate was written, for the notice the caller gives.
type How int

const (
	// InPlace: only the lines of the items edited changed.
	InPlace How = iota
	// InFlow: a flow-style list ([...]) edited inside, staying flow style
	// (JSON stays JSON).
	InFlow
	// Reblocked: a flow-style list rewritten in block style, one '- ' item
	// per entry.
	Reblocked
	// Whole: the whole text replaced by a list of the new item (NewList).
	Whole
	// ReplacedNull: the null ('null', '~') that was the first document
	// replaced by a list of the new item; Candidate.Null is what it said.
	ReplacedNull
	// ReplacedEmptyFlow: an empty flow list '[]' replaced by a block list of
	// the new item.
	ReplacedEmptyFlow
)

// Candidate is one way to write an edit: the new text and the lines it
// changed. The caller checks that it loads as intended.
type Candidate struct {
	Text  string
	Edits []Edit
	How   How
	// Null is the null a ReplacedNull candidate replaced.
	Null string
}

var (
	// ErrNotList is Insert's error when the first document is neither a
	// list nor null.
	ErrNotList = errors.New("the value is not a YAML list")
	// ErrNoItem is the error of Update and Delete when the text has no list
	// item at the index given (or does not parse).
	ErrNoItem = errors.New("no such list item in the text")
)

// NewList returns the text of a list of w alone, to replace src, which
// holds no list item (it is empty, or absent).
func NewList(src string, w Item) Candidate {
	lines := renderItem(defaultStyle(w.ArnKey, 0), w)
	eol := eolOf(src)
	return Candidate{
		Text:  strings.Join(lines, eol) + eol,
		Edits: []Edit{{OldStart: 1, OldEnd: len(SplitLines(src)), NewStart: 1, NewEnd: len(lines)}},
		How:   Whole,
	}
}

// Insert appends w to the list that src holds, written like its
// neighbours, and returns the candidate texts, best first. With force, a
// text that does not parse gets the item after its last line. The error is
// Read's, or ErrNotList.
func Insert(src string, w Item, force bool) ([]Candidate, error) {
	d, err := Read(src)
	if err != nil && !force {
		return nil, err
	}
	switch {
	case err != nil || d.root == nil:
		// Only comments (or, with force, text yaml.v3 cannot read): append.
		last := -1
		dash := 0
		if d != nil {
			// In the first document: later ones are not read.
			last = d.lastNonBlank(d.end)
		} else {
			d = &Doc{src: src, lines: SplitLines(src), eol: eolOf(src)}
			last = d.lastNonBlank(len(d.lines))
			dash = d.guessDashCol()
		}
		t, e := d.insertAfter(last, renderItem(defaultStyle(w.ArnKey, dash), w))
		return []Candidate{{Text: t, Edits: []Edit{e}}}, nil
	case d.Seq == nil:
		if d.root.Kind == yamlv3.ScalarNode && d.root.Tag == "!!null" {
			if c, ok := d.replaceNull(w); ok {
				c.How, c.Null = ReplacedNull, d.root.Value
				return []Candidate{c}, nil
			}
			return nil, nil
		}
		return nil, ErrNotList
	case d.Flow:
		if len(d.Seq.Content) == 0 && strings.TrimSpace(src) == "[]" {
			c := NewList(src, w)
			c.How = ReplacedEmptyFlow
			return []Candidate{c}, nil
		}
		cands := d.flowAppend(w)
		if c, ok := d.reblock(func(seq *yamlv3.Node) { seq.Content = append(seq.Content, itemNode(w)) }); ok {
			cands = append(cands, c)
		}
		return cands, nil
	}
	return d.appendItem(w), nil
}

// AppendToOne is Insert for a src that is a block list of exactly one item
// starting on its first line, and that item shows how items are written (a
// block mapping, one key per line, unless w is a scalar item). ok is false
// when src is not such a list.
func AppendToOne(src string, w Item) (cands []Candidate, ok bool) {
	d, err := Read(src)
	if err != nil || d.Seq == nil || d.Flow || len(d.Seq.Content) != 1 || d.Seq.Line != 1 || w.ArnKey != "" && !usableTemplate(d.Seq.Content[0]) {
		return nil, false
	}
	return d.appendItem(w), true
}

// appendItem appends w to a block list after its last item, in the style
// learned from the list, then with every value double-quoted.
func (d *Doc) appendItem(w Item) []Candidate {
	st := d.learnStyle(w.ArnKey)
	last := d.appendLine()
	var cands []Candidate
	for _, quoteAll := range []bool{false, true} {
		s := st
		if quoteAll {
			s.arnQ, s.userQ, s.groupQ = Double, Double, Double
		}
		t, e := d.insertAfter(last, renderItem(s, w))
		cands = append(cands, Candidate{Text: t, Edits: []Edit{e}})
	}
	return cands
}

// Update sets the fields set of item index of the list src holds to what w
// says, and returns the candidate texts, best first: in place (JSON stays
// JSON), then the item rewritten from its node (for a flow-style list: the
// list rewritten in block style). The error is ErrNoItem, or why the items
// of a block list cannot be told apart.
func Update(src string, index int, w Item, set Fields) ([]Candidate, error) {
	d, err := Read(src)
	if err != nil || d.Seq == nil || index >= len(d.Seq.Content) {
		return nil, ErrNoItem
	}
	var cands []Candidate
	if d.Flow {
		if c, ok := d.flowUpdate(d.Seq.Content[index], w, set); ok {
			cands = append(cands, c)
		}
		if c, ok := d.reblock(func(seq *yamlv3.Node) { setFields(seq.Content[index], w, set) }); ok {
			cands = append(cands, c)
		}
		return cands, nil
	}
	spans, err := d.itemSpans()
	if err != nil {
		return nil, err
	}
	sp := spans[index]
	if c, ok := d.updateInPlace(d.Seq.Content[index], sp, d.learnStyle(w.ArnKey), w, set); ok {
		cands = append(cands, c)
	}
	if c, ok := d.replaceItem(index, sp, w, set); ok {
		cands = append(cands, c)
	}
	return cands, nil
}

// Delete removes the items at the indexes given from the list src holds,
// and returns the candidate texts, best first: whole lines of a block list;
// for a flow-style list, inside it, then the list rewritten in block style.
func Delete(src string, index []int) ([]Candidate, error) {
	d, err := Read(src)
	if err != nil || d.Seq == nil {
		return nil, ErrNoItem
	}
	var cands []Candidate
	if !d.Flow {
		if c, ok := d.deleteItems(index); ok {
			cands = append(cands, c)
		}
		return cands, nil
	}
	if c, ok := d.flowDelete(index); ok {
		cands = append(cands, c)
	}
	c, ok := d.reblock(func(seq *yamlv3.Node) {
		var kept []*yamlv3.Node
		for i, n := range seq.Content {
			if !slices.Contains(index, i) {
				kept = append(kept, n)
			}
		}
		seq.Content = kept
	})
	if ok {
		cands = append(cands, c)
	}
	return cands, nil
}

// SingleItem reports whether src is a block list of one item on its own,
// starting on its first line: no later document, no anchor in the item, so
// it can be edited without the text around it.
func SingleItem(src string) bool {
	d, err := Read(src)
	return err == nil && d.Seq != nil && !d.Flow && len(d.Seq.Content) == 1 && d.Seq.Line == 1 && d.end == len(d.lines) && !hasAnchor(d.Seq.Content[0])
}

func hasAnchor(n *yamlv3.Node) bool {
	if n.Anchor != "" {
		return true
	}
	for _, c := range n.Content {
		if hasAnchor(c) {
			return true
		}
	}
	return false
}

// Piece is a run of whole items of a block list cut out of a key's text,
// to be edited on its own and spliced back.
type Piece struct {
	// Text is the piece: from an item's dash to the next item's dash, or
	// to the end of the text.
	Text          string
	before, after string
	line          int // the number of lines before the piece
}

// Tail cuts src from the dash of the item whose first line is line
// (1-based, as Parse reports it) to the end. ok is false when no dash is
// found in the four lines up to it.
func Tail(src string, line int) (Piece, bool) {
	lines := SplitLines(src)
	from := dashBefore(src, lines, line)
	if from < 0 {
		return Piece{}, false
	}
	at := lines[from].Start
	return Piece{Text: src[at:], before: src[:at], line: from}, true
}

// Cut cuts src from the dash of the item whose first line is line to the
// dash of the item whose first line is next. ok is false when a dash is not
// found, or next is not after line.
func Cut(src string, line, next int) (Piece, bool) {
	lines := SplitLines(src)
	from := dashBefore(src, lines, line)
	if from < 0 {
		return Piece{}, false
	}
	to := dashBefore(src, lines, next)
	if next == 0 || to <= from {
		return Piece{}, false
	}
	at, end := lines[from].Start, lines[to].Start
	return Piece{Text: src[at:end], before: src[:at], after: src[end:], line: from}, true
}

// dashBefore returns the 0-based line of the dash that starts the item
// whose first line is line (1-based): that line or one of the three before
// it. -1 if there is none.
func dashBefore(src string, lines []Line, line int) int {
	for i := line - 1; i >= 0 && i >= line-4 && i < len(lines); i-- {
		t := strings.TrimLeft(src[lines[i].Start:lines[i].End], " ")
		if t == "-" || strings.HasPrefix(t, "- ") {
			return i
		}
	}
	return -1
}

// Splice puts a candidate for the piece's text back into the whole text,
// with its edits in the lines of the whole.
func (p Piece) Splice(c Candidate) Candidate {
	edits := make([]Edit, len(c.Edits))
	for i, e := range c.Edits {
		edits[i] = e.Shift(p.line)
	}
	c.Text = p.before + c.Text + p.after
	c.Edits = edits
	return c
}
