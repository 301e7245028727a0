package awsauth

import (
	"strings"
	"unicode/utf8"

	yamlv3 "go.yaml.in/yaml/v3"
)

// scanBlockList reads, without a YAML parser, a value in the subset of
// YAML that aws-auth is written in: a block list of block mappings whose
// values are one-line scalars or block lists of one-line scalars; scalars
// plain (starting with a letter, resolving to a string) or quoted without
// escapes; comments and blank lines anywhere. It reports false on anything
// else, and yaml.v2 decides. FuzzFastPath checks it against yaml.v2.
// hint is the likely number of items.
func scanBlockList(value string, hint int) ([]ynode, bool) {
	s := blockScanner{hint: hint, items: make([]ynode, 0, hint), seqCol: -1, keyCol: -1, pending: -1, listCol: -1}
	for rest := value; rest != ""; {
		var line string
		line, rest, _ = strings.Cut(rest, "\n")
		if !s.line(line) {
			return nil, false
		}
	}
	if s.seqCol < 0 || !s.endItem() {
		return nil, false
	}
	return s.items, true
}

// blockScanner is the state of scanBlockList between lines.
type blockScanner struct {
	hint    int
	items   []ynode
	seqCol  int // column of the top-level "- "
	keyCol  int // column of the keys of an item
	cur     []ykv
	pending int // index in cur of a key with no value on its line
	listCol int // column of the "- " of pending's list
	list    []ynode
	// The keys and lists of all items are cut from large blocks.
	keySlab  []ykv
	listSlab []ynode
}

// line reads one line of the value; false means the value is not in the
// subset.
func (s *blockScanner) line(line string) bool {
	line = strings.TrimRight(line, " ")
	t := strings.TrimLeft(line, " ")
	if t == "" {
		return true
	}
	ind := len(line) - len(t)
	if t[0] == '#' {
		return commentOK(t)
	}
	for i := 0; i < len(t); i++ {
		if t[i] < 0x20 || t[i] > 0x7e {
			return false
		}
	}
	dash := len(t) > 2 && t[0] == '-' && t[1] == ' ' && t[2] != ' '
	switch {
	case s.seqCol < 0:
		if !dash {
			return false
		}
		s.seqCol, s.keyCol = ind, ind+2
		return s.addKey(t[2:])
	case ind == s.seqCol:
		return dash && s.endItem() && s.addKey(t[2:])
	case s.pending >= 0 && dash && (ind == s.listCol || s.listCol < 0 && ind >= s.keyCol):
		s.listCol = ind
		n, ok := scanScalar(t[2:])
		if !ok {
			return false
		}
		s.list = append(s.list, n)
		return true
	case ind == s.keyCol:
		s.endKey()
		return s.addKey(t)
	}
	return false
}

// endKey closes the pending key's list, if it has one.
func (s *blockScanner) endKey() {
	if s.pending >= 0 && s.listCol >= 0 {
		s.cur[s.pending].val = ynode{kind: yList, list: cut(&s.listSlab, s.list, min(s.hint*3+16, 4096))}
	}
	s.pending, s.listCol, s.list = -1, -1, s.list[:0]
}

// endItem closes the current item.
func (s *blockScanner) endItem() bool {
	s.endKey()
	if !sortKeys(s.cur) {
		return false // yaml.v2 keeps the later duplicate; let it
	}
	s.items = append(s.items, ynode{kind: yMap, keys: cut(&s.keySlab, s.cur, min(s.hint*4+16, 4096))})
	s.cur = s.cur[:0]
	return true
}

// addKey reads a "key: value" or "key:" line of the current item.
func (s *blockScanner) addKey(line string) bool {
	key, val, empty, ok := scanKeyLine(line)
	if !ok {
		return false
	}
	if empty {
		s.pending = len(s.cur)
	}
	s.cur = append(s.cur, ykv{key, val})
	return true
}

// cut copies items to the end of slab, which grows by a new block of at
// least size when it is full, and returns the copy, capped so that an
// append to it cannot reach the next copy.
func cut[T any](slab *[]T, items []T, size int) []T {
	if cap(*slab)-len(*slab) < len(items) {
		*slab = make([]T, 0, max(len(items), size))
	}
	n := len(*slab)
	*slab = append(*slab, items...)
	return (*slab)[n:len(*slab):len(*slab)]
}

// scanKeyLine reads "key: scalar" or "key:" (empty: the value is null
// unless a list follows).
func scanKeyLine(s string) (key string, val ynode, empty, ok bool) {
	i := strings.IndexByte(s, ':')
	if i <= 0 || i > 100 || !plainWord(s[:i], true) {
		return "", ynode{}, false, false
	}
	key, after := s[:i], s[i+1:]
	if after == "" {
		return key, ynode{kind: yNull}, true, true
	}
	if after[0] != ' ' {
		return "", ynode{}, false, false
	}
	val, ok = scanScalar(strings.TrimLeft(after, " "))
	return key, val, false, ok
}

// scanScalar reads a one-line scalar that yaml.v2 resolves to a string:
// quoted without escapes, or plain, starting with a letter, not one of
// YAML 1.1's booleans or nulls, with no ": ", "#" or final ':'. s has no
// space at either end.
func scanScalar(s string) (ynode, bool) {
	if len(s) == 0 {
		return ynode{}, false
	}
	switch q := s[0]; q {
	case '"', '\'':
		if len(s) < 2 || s[len(s)-1] != q {
			return ynode{}, false
		}
		in := s[1 : len(s)-1]
		if strings.IndexByte(in, q) >= 0 || q == '"' && strings.IndexByte(in, '\\') >= 0 {
			return ynode{}, false
		}
		return ynode{kind: yStr, str: in}, true
	}
	if !plainWord(s, false) {
		return ynode{}, false
	}
	return ynode{kind: yStr, str: s}, true
}

// plainWord reports whether s is a plain scalar that yaml.v2 reads as the
// string s: a letter first, not a YAML 1.1 boolean or null. A key also has
// only letters, digits, '_' and '-'; a value no '#', ": " or final ':'.
func plainWord(s string, key bool) bool {
	if s == "" || !('a' <= s[0]|0x20 && s[0]|0x20 <= 'z') {
		return false
	}
	if key {
		for i := 1; i < len(s); i++ {
			c := s[i]
			if !('a' <= c|0x20 && c|0x20 <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
				return false
			}
		}
	} else if strings.IndexByte(s, '#') >= 0 || strings.Contains(s, ": ") || s[len(s)-1] == ':' {
		return false
	}
	if len(s) <= 5 {
		switch strings.ToLower(s) {
		case "y", "yes", "n", "no", "true", "false", "on", "off", "null":
			return false
		}
	}
	return true
}

// commentOK reports whether a comment line holds only characters yaml.v2
// reads as part of the comment (no control characters or line breaks such
// as U+0085 and U+2028).
func commentOK(t string) bool {
	for i := 0; i < len(t); {
		c := t[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == 0x7f {
				return false
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(t[i:])
		if r == utf8.RuneError || r < 0xa0 || r == 0x2028 || r == 0x2029 || r == 0xfeff || r >= 0xfffe && r <= 0xffff {
			return false
		}
		i += n
	}
	return true
}

// lineScan is what scanItemLines finds: the 1-based line of each
// top-level list item and the number of YAML documents, or !ok when a scan
// cannot tell.
type lineScan struct {
	lines []int
	docs  int
	ok    bool
}

// scanLines is scanItemLines as a lineScan. (scanItemLines returns its
// results apart so that the compiler keeps the first appends on the stack.)
func scanLines(value string) lineScan {
	lines, docs, ok := scanItemLines(value)
	return lineScan{lines, docs, ok}
}

// itemLines returns the line of each top-level list item of value and the
// number of YAML documents; nil lines when value is not a list. want is
// the number of items the decoder found: the scan's lines are used when it
// found as many, a full YAML parse's otherwise.
func (s lineScan) itemLines(value string, want int) ([]int, int) {
	if s.ok && len(s.lines) == want {
		return s.lines, s.docs
	}
	return parseItemLines(value)
}

// extraDocuments counts the YAML documents of value after the first.
func extraDocuments(value string) int {
	_, docs := parseItemLines(value)
	return docs - 1
}

// scanItemLines finds the lines of a block list's items without parsing:
// lines whose first non-space character is a '-' followed by a space or
// the end of the line, at the column of the first such line. ok is false
// when the value has anything that could make the scan wrong (flow
// collections or a first content line that is not an item).
func scanItemLines(value string) (lines []int, docs int, ok bool) {
	col := -1
	docs = 1
	n := 0
	for rest := value; rest != ""; {
		var line string
		line, rest, _ = strings.Cut(rest, "\n")
		n++
		line = strings.TrimSuffix(line, "\r")
		trimmed := strings.TrimLeft(line, " ")
		if trimmed == "" || trimmed[0] == '#' {
			continue
		}
		if line == "---" || strings.HasPrefix(line, "--- ") {
			if col >= 0 {
				docs++
			}
			continue
		}
		if docs > 1 {
			continue
		}
		indent := len(line) - len(trimmed)
		isItem := trimmed == "-" || strings.HasPrefix(trimmed, "- ")
		switch {
		case col < 0 && !isItem:
			return nil, 0, false
		case col < 0:
			col = indent
		case indent < col:
			return nil, 0, false
		}
		if isItem && indent == col {
			lines = append(lines, n)
		}
	}
	return lines, docs, col >= 0
}

// parseItemLines finds the item lines and counts the documents by a full
// YAML parse.
func parseItemLines(value string) ([]int, int) {
	dec := yamlv3.NewDecoder(strings.NewReader(value))
	docs := 0
	var lines []int
	for {
		var n yamlv3.Node
		if err := dec.Decode(&n); err != nil {
			break
		}
		docs++
		if docs == 1 && len(n.Content) == 1 && n.Content[0].Kind == yamlv3.SequenceNode {
			for _, item := range n.Content[0].Content {
				lines = append(lines, item.Line)
			}
		}
	}
	return lines, max(docs, 1)
}

// accountItem is one item of mapAccounts. Its UnmarshalYAML decodes the
// item into a string exactly as yaml.v2 does for the authenticator's
// []string, but records a failure instead of skipping the item, so that
