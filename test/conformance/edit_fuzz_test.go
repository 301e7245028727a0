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
			if p.cat == catRefusal {
				continue
			}
			msgs = append(msgs, p.String())
		}
		if len(msgs) > 0 {
			t.Fatalf("kubectl eksaccess %s\ndocument: %s\n%s", op, quoteData(data), strings.Join(msgs, "\n"))
		}
	})
}
