package conformance

import (
	"strings"
	"testing"
)

// FuzzEditJudged drives the differential edit oracle with a fuzzed
// document and a fuzzed choice of operation and target: every edit the
// engine writes must satisfy the real authenticator (see judge), and every
// refusal must be one line. The seed corpus is the hand-written documents
// of the edit test plus testdata/fuzz/FuzzEditJudged.
//
//	go test -run '^$' -fuzz FuzzEditJudged -fuzztime 20s -parallel 1 .
func FuzzEditJudged(f *testing.F) {
	for i, d := range handDocs {
		f.Add(d.data["mapRoles"], d.data["mapUsers"], d.data["mapAccounts"], uint8(i), uint8(i*7), uint8(i*3))
	}
	f.Fuzz(func(t *testing.T, roles, users, accounts string, opSel, targetSel, formSel uint8) {
		if len(roles)+len(users)+len(accounts) > 4096 {
			return
		}
		data := map[string]string{"other": "# untouched\n"}
		for k, v := range map[string]string{"mapRoles": roles, "mapUsers": users, "mapAccounts": accounts} {
			if v != "" {
				data[k] = v
			}
		}
		arns, accts := targetsOf(editDoc{data: data})
		var ops []flags
		if int(targetSel)%(len(arns)+len(accts)) < len(arns) {
			arn := arns[int(targetSel)%len(arns)]
			ops = opsFor(arn)
		} else {
			a := accts[int(targetSel)%len(accts)]
			ops = []flags{{verb: "add", account: a}, {verb: "remove", account: a}}
		}
		op := ops[(int(opSel)+int(formSel)*7)%len(ops)]
		if _, err := op.change(); err != nil {
			return
		}
		v := judge(data, op)
		if v.skipped {
			return
		}
		var msgs []string
		for _, p := range v.problems {
			// A refusal the oracle cannot justify on a fuzzed document is
			// not a failure (refusing is safe); a wrong write is.
			if p.cat == catRefusal || openKnownBug(data, p) != "" {
				continue
			}
			msgs = append(msgs, p.String())
		}
		if len(msgs) > 0 {
			t.Fatalf("kubectl eksaccess %s\ndocument: %s\n%s", op, quoteData(data), strings.Join(msgs, "\n"))
		}
	})
}

// openKnownBug names the open bug of knownBugs a fuzzed problem is an
// instance of, so that the fuzzer looks for new ones: remove a rule here
// when its marker goes from knownBugs.
func openKnownBug(data map[string]string, p problem) string {
	for _, v := range data {
		t := strings.TrimLeft(strings.TrimPrefix(v, "\ufeff"), " \t\r\n")
		if (strings.HasPrefix(t, "[") || strings.HasPrefix(t, "{")) && (p.cat == catBytes || p.cat == catRequote || p.cat == catComment) {
			return "A-2" // a JSON or flow value rewritten as block (A-10: and its BOM lost)
		}
		if (strings.HasPrefix(t, "~") || strings.HasPrefix(t, "null") || strings.HasPrefix(t, "---") || strings.HasPrefix(t, "#")) && (p.cat == catBytes || p.cat == catComment) {
			return "A-3" // a null, ~ or empty first document replaced with what follows it
		}
	}
	if p.cat == catComment && strings.Contains(p.msg, "] #") {
		return "A-4" // the comment of a flow groups line
	}
	return ""
}
