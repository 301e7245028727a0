package awsauth

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/eksaccess/kubectl-eksaccess/pkg/awsauth/internal/yamltext"
)

// FuzzEdit checks the promise of Apply on any document the parser loads:
// after an add or a remove, the key loads the same entries plus or minus
// exactly the target, the result passes CheckNotWorse, every byte outside
// the target entry's lines is unchanged, and the same add twice changes
// nothing.
//
//	go test ./pkg/awsauth -run '^$' -fuzz FuzzEdit -fuzztime 2m
func FuzzEdit(f *testing.F) {
	files, _ := filepath.Glob("testdata/edit/*.yaml")
	for _, file := range files {
		data, _ := editReadConfigMap(f, file)
		for k, v := range data {
			for sel := range uint8(3) {
				f.Add(v, uint8(slices.Index(DataKeys, k)), sel, uint8(sel*7), uint8(sel), "devs")
			}
		}
	}
	f.Add(editNode, uint8(0), uint8(1), uint8(0), uint8(0), "system:masters")
	// Found by fuzzing: a lone CR is a YAML line break too.
	f.Add("[{\r}]", uint8('c'), uint8(0), uint8('9'), uint8('3'), "0")
	// Found by fuzzing: updating an entry the parser thinks never matches
	// (a case-variant "Arn:Aws:iAm" prefix) is not worse than before.
	f.Add("- roleArn: arn:aws:iam::111122223333:role/Admin\n- roleArn: Arn:Aws:iAm::111122223333:role/Admin", uint8(0), uint8(0x14), uint8(0x0e), uint8(0x0e), "0")
	f.Add("- a\n- b\n", uint8(2), uint8(1), uint8(1), uint8(0), "")
	// remove by the pathed ARN deletes the pathless entry its sessions match.
	f.Add("- rolearn: arn:aws:iam::111122223333:role/p/x\n- rolearn: arn:aws:iam::111122223333:role/y\n- rolearn: arn:aws:iam::111122223333:role/X\n", uint8(0), uint8(1), uint8(1), uint8(0), "")
	f.Add("- rolearn: arn:aws:iam::111122223333:role/x\n  groups:\n  - a\n  # c\n- rolearn: arn:aws:iam::111122223333:role/y\n", uint8(0), uint8(1), uint8(1), uint8(3), "b")

	f.Fuzz(func(t *testing.T, doc string, keySel, op, targetSel, flags uint8, group string) {
		key := DataKeys[int(keySel)%len(DataKeys)]
		data := map[string]string{key: doc, "other": "# untouched\n"}
		before := Parse(data)
		if before.Key(key).Err != "" {
			return
		}
		var loaded []*Entry
		for _, e := range before.Entries {
			if e.Loaded && e.Key == key {
				loaded = append(loaded, e)
			}
		}
		kind := KindOfKey(key)
		c := Change{Op: OpAdd, Kind: kind}
		if op%2 == 1 {
			c.Op = OpRemove
		}
		// The target: an existing entry, or a fresh principal.
		if len(loaded) > 0 && targetSel%4 != 0 {
			e := loaded[int(targetSel)%len(loaded)]
			c.ARN = e.ARN
			if kind != KindAccount {
				p, err := Canonicalize(e.ARN)
				if err != nil || p.Type != PrincipalRole && p.Type != PrincipalUser {
					return
				}
				c.Kind = KindRole
				if p.Type == PrincipalUser {
					c.Kind = KindUser
				}
			}
		} else {
			switch kind {
			case KindAccount:
				c.ARN = "999988887777"
			case KindUser:
				c.ARN = "arn:aws:iam::111122223333:user/fuzz"
			default:
				c.ARN = "arn:aws:iam::111122223333:role/fuzz"
			}
		}
		if c.Op == OpAdd {
			if c.Kind != KindAccount {
				n, _, err := NormalizeTarget(c.ARN, flags&8 != 0 && c.Kind == KindRole)
				if err != nil || !strings.EqualFold(n.ARN, c.ARN) {
					return
				}
				c.ARN = n.ARN
				c.Username, c.UsernameIsDefault, c.Groups, c.Node = n.Username, n.UsernameIsDefault, n.Groups, n.Node
			}
			if group != "" && oneLine(group) && c.Kind != KindAccount {
				c.Groups = []string{group}
			}
			if flags&1 != 0 && c.Kind != KindAccount {
				c.Username, c.UsernameIsDefault = "fuzz:{{SessionName}}", false
			}
			c.AppendGroups = flags&2 != 0
		} else {
			c.AllDuplicates = flags&4 != 0
		}
		res, err := Apply(data, c)
		if err != nil {
			return // a refusal is always allowed; writing something wrong is not
		}
		editCheckMinimal(t, data, res)
		if res.Data["other"] != "# untouched\n" {
			t.Fatalf("other key changed")
		}
		if !res.Changed {
			if c.Op == OpRemove {
				t.Fatalf("remove reported unchanged")
			}
			return
		}
		if err := CheckNotWorse(data, res.Data, c); err != nil {
			t.Fatalf("result fails CheckNotWorse: %v\nbefore %q\nafter  %q", err, data[res.Key], res.Data[res.Key])
		}
		after := Parse(res.Data)
		// Loaded entries: the same, plus or minus exactly the target.
		count := map[string]int{}
		for _, e := range after.Entries {
			count[fingerprint(e)]++
		}
		var gone []*Entry
		for _, e := range before.Entries {
			fp := fingerprint(e)
			if count[fp] > 0 {
				count[fp]--
				continue
			}
			gone = append(gone, e)
		}
		var added int
		for _, n := range count {
			added += n
		}
		isTarget := func(e *Entry) bool {
			if c.Op == OpRemove {
				return isRemoveTarget(e, c, pathlessRole(c.ARN))
			}
			if c.Kind == KindAccount {
				return e.ARN == c.ARN
			}
			return strings.EqualFold(e.ARN, c.ARN)
		}
		for _, e := range gone {
			if !isTarget(e) {
				t.Fatalf("%s (%s) no longer loads the same\nbefore %q\nafter  %q", e.Source(), e.ARN, data[res.Key], res.Data[res.Key])
			}
		}
		switch {
		case c.Op == OpRemove && (added != 0 || len(gone) != len(removeTargets(before, c))):
			t.Fatalf("remove: %d gone, %d added, want %d gone", len(gone), added, len(removeTargets(before, c)))
		case c.Op == OpRemove && len(removeTargets(after, c)) > 0:
			t.Fatalf("remove: %s still maps %s", removeTargets(after, c)[0].Source(), c.ARN)
		case c.Op == OpAdd && (added != 1 || len(gone) > 1):
			t.Fatalf("add: %d gone, %d added", len(gone), added)
		}
		// The edited lines are the target's: they hold its line and no
		// other entry's (flow-style keys are rewritten whole, with a notice).
		flowRewrite := slices.ContainsFunc(res.Notices, func(n string) bool { return strings.Contains(n, "flow style") })
		if slices.ContainsFunc(res.Notices, func(n string) bool { return strings.Contains(n, "added the entry inside the list") }) {
			// A flow append is a pure insertion: the old text is the new
			// text with one run of bytes taken out.
			o, n := data[res.Key], res.Data[res.Key]
			p := 0
			for p < len(o) && o[p] == n[p] {
				p++
			}
			if !strings.HasSuffix(n, o[p:]) {
				t.Fatalf("flow append is not a pure insertion:\n%q\n%q", o, n)
			}
		}
		// A flow-style key edited in place: every other item keeps its
		// bytes, in order, in the new text.
		inPlaceFlow := false
		if d, err := yamltext.Read(data[res.Key]); err == nil && d.Flow && !flowRewrite && !res.Created && len(d.Seq.Content) > 0 {
			inPlaceFlow = true
			if _, _, items, ok := d.FlowSpans(d.Seq); ok {
				o, n := data[res.Key], res.Data[res.Key]
				at := 0
				for i, it := range items {
					var e *Entry
					for _, x := range before.Entries {
						if x.Key == res.Key && x.Index == i {
							e = x
						}
					}
					if e != nil && slices.Contains(gone, e) {
						continue
					}
					j := strings.Index(n[at:], o[it[0]:it[1]])
					if j < 0 {
						t.Fatalf("in-place flow edit changed item %d %q, which is not the target\nchange %+v\nbefore %q\nafter  %q", i, o[it[0]:it[1]], c, o, n)
					}
					at += j + it[1] - it[0]
				}
			}
		}
		if !flowRewrite && !res.Created && !inPlaceFlow {
			for _, ed := range res.Edits {
				for _, e := range before.Entries {
					if e.Key != ed.Key || e.Line == 0 {
						continue
					}
					inside := e.Line >= ed.OldStart && e.Line <= ed.OldEnd
					if inside && !slices.Contains(gone, e) {
						t.Fatalf("edit %+v covers %s, which is not the target\nchange %+v\nbefore %q\nafter  %q", ed, e.Source(), c, data[res.Key], res.Data[res.Key])
					}
				}
				if c.Op == OpAdd && ed.OldEnd < ed.OldStart {
					for _, e := range before.Entries {
						if e.Key == ed.Key && e.Line >= ed.OldStart && !strings.HasPrefix(strings.TrimSpace(data[ed.Key]), "[") {
							t.Fatalf("append at line %d is before %s", ed.OldStart, e.Source())
						}
					}
				}
			}
			for _, e := range gone {
				if e.Line == 0 {
					continue
				}
				if !slices.ContainsFunc(res.Edits, func(ed Edit) bool { return ed.Key == e.Key && e.Line >= ed.OldStart && e.Line <= ed.OldEnd }) {
					t.Fatalf("%s changed but no edit covers it: %+v\nchange %+v\nbefore %q\nafter  %q", e.Source(), res.Edits, c, data[res.Key], res.Data[res.Key])
				}
			}
		}
		if c.Op == OpAdd {
			again, err := Apply(res.Data, c)
			if err != nil || again.Changed {
				t.Fatalf("second add: changed=%v err=%v\n%q", again.Changed, err, res.Data[res.Key])
			}
		}
	})
}
