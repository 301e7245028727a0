package yamltext

import (
	"slices"
	"testing"
)

// TestOperations shows each operation on a small list: the text it writes
// and the lines it reports.
func TestOperations(t *testing.T) {
	const list = "# roles\n- rolearn: arn:aws:iam::111122223333:role/a\n  username: a\n  groups:\n    - devs\n- rolearn: arn:aws:iam::111122223333:role/b\n  username: b\n"
	role := func(name string, groups ...string) Item {
		return Item{ArnKey: "rolearn", ARN: "arn:aws:iam::111122223333:role/" + name, Username: name, Groups: groups}
	}
	first := func(cs []Candidate, err error) Candidate {
		t.Helper()
		if err != nil || len(cs) == 0 {
			t.Fatalf("no candidate (err %v)", err)
		}
		return cs[0]
	}
	tests := []struct {
		name  string
		got   Candidate
		text  string
		edits []Edit
		how   How
	}{
		{"insert after the last item, in its style", first(Insert(list, role("c", "ops"), false)),
			list + "- rolearn: arn:aws:iam::111122223333:role/c\n  username: c\n  groups:\n    - ops\n",
			[]Edit{{OldStart: 8, OldEnd: 7, NewStart: 8, NewEnd: 11}}, InPlace},
		{"set the groups of the first item, line by line", first(Update(list, 0, role("a", "devs", "ops"), Fields{Groups: true})),
			"# roles\n- rolearn: arn:aws:iam::111122223333:role/a\n  username: a\n  groups:\n    - devs\n    - ops\n- rolearn: arn:aws:iam::111122223333:role/b\n  username: b\n",
			[]Edit{{OldStart: 2, OldEnd: 5, NewStart: 2, NewEnd: 6}}, InPlace},
		{"delete the first item with its lines", first(Delete(list, []int{0})),
			"# roles\n- rolearn: arn:aws:iam::111122223333:role/b\n  username: b\n",
			[]Edit{{OldStart: 2, OldEnd: 5, NewStart: 2, NewEnd: 1}}, InPlace},
		{"a flow list stays flow", first(Delete("[a, b, c]\n", []int{1})),
			"[a, c]\n", []Edit{{OldStart: 1, OldEnd: 1, NewStart: 1, NewEnd: 1}}, InFlow},
		{"an empty key becomes a list", NewList("", role("c")),
			"- rolearn: arn:aws:iam::111122223333:role/c\n  username: c\n", []Edit{{OldStart: 1, OldEnd: 0, NewStart: 1, NewEnd: 2}}, Whole},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got.Text != tt.text || !slices.Equal(tt.got.Edits, tt.edits) || tt.got.How != tt.how {
				t.Errorf("got %q %v how %d\nwant %q %v how %d", tt.got.Text, tt.got.Edits, tt.got.How, tt.text, tt.edits, tt.how)
			}
		})
	}
}

// TestPieceSplice checks that an edit of a piece cut out of a key lands at
// the same place in the whole, with its lines shifted.
func TestPieceSplice(t *testing.T) {
	const src = "- a: 1\n- b: 2\n  c: 3\n- d: 4\n"
	p, ok := Cut(src, 2, 4)
	if !ok || p.Text != "- b: 2\n  c: 3\n" {
		t.Fatalf("Cut = %q, %v", p.Text, ok)
	}
	c := p.Splice(Candidate{Text: "- b: 5\n", Edits: []Edit{{OldStart: 1, OldEnd: 2, NewStart: 1, NewEnd: 1}}})
	if want := "- a: 1\n- b: 5\n- d: 4\n"; c.Text != want || c.Edits[0] != (Edit{OldStart: 2, OldEnd: 3, NewStart: 2, NewEnd: 2}) {
		t.Errorf("Splice = %q %v, want %q lines 2-3 -> 2", c.Text, c.Edits, want)
	}
	tail, ok := Tail(src, 4)
	if !ok || tail.Text != "- d: 4\n" {
		t.Errorf("Tail = %q, %v", tail.Text, ok)
	}
	if _, ok := Cut(src, 4, 2); ok {
		t.Errorf("Cut with next before line: ok")
	}
}
