package conformance

import (
	"errors"

	"fmt"
	"github.com/eksaccess/kubectl-eksaccess/pkg/awsauth"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
)

// knownBug marks failures of the differential edit test that are bugs of
// pkg/awsauth already written down in /work/trust-findings.md: a subtest
// whose name matches name and whose problems are all of category cat
// expects the failure. A marker that matches no failure in a full run
// fails the test, so it is removed once the bug is fixed.
type knownBug struct {
	id   string // "A-n" in trust-findings.md
	name string // regexp on the subtest name "doc/operation"
	cat  string
}

var knownBugs = []knownBug{}

type editStats struct {
	cases, probes, refused, skipped atomic.Int64
	justified                       sync2map
}

// sync2map counts refusals by reason; the test is not parallel.
type sync2map map[string]int

// TestEditJudgedByAuthenticator runs every operation users can type on
// every document shape and asks the real authenticator what each edit did.
func TestEditJudgedByAuthenticator(t *testing.T) {
	docs := slices.Concat(handDocs, fileDocs(t), generatedDocs(40, 1))
	st := &editStats{justified: sync2map{}}
	used := make([]bool, len(knownBugs))
	ran := make([]bool, len(knownBugs)) // a subtest in the marker's scope ran (-run may filter)
	for _, d := range docs {
		t.Run(d.name, func(t *testing.T) {
			arns, accounts := targetsOf(d)
			var ops []flags
			for _, a := range arns {
				ops = append(ops, opsFor(a)...)
			}
			for _, a := range accounts {
				ops = append(ops, flags{verb: "add", account: a}, flags{verb: "remove", account: a})
			}
			seen := map[string]bool{}
			for _, f := range ops {
				if _, err := f.change(); err != nil || seen[f.String()] {
					continue // flags the command refuses before reading aws-auth
				}
				seen[f.String()] = true
				t.Run(f.String(), func(t *testing.T) {
					for i, kb := range knownBugs {
						ran[i] = ran[i] || regexp.MustCompile(kb.name).MatchString(t.Name())
					}
					runEditCase(t, d.data, f, st, used)
				})
			}
		})
	}
	for i, kb := range knownBugs {
		if ran[i] && !used[i] {
			t.Errorf("known bug %s (%s on %s) no longer reproduces: remove its marker", kb.id, kb.cat, kb.name)
		}
	}
	t.Logf("%d cases, %d probes asked, %d refusals (%v), %d skipped (the authenticator panics)",
		st.cases.Load(), st.probes.Load(), st.refused.Load(), map[string]int(st.justified), st.skipped.Load())
}

func runEditCase(t *testing.T, data map[string]string, f flags, st *editStats, used []bool) {
	v := judge(data, f)
	st.cases.Add(1)
	st.probes.Add(int64(v.probes))
	if v.skipped {
		st.skipped.Add(1)
		t.Skip("the authenticator panics on this document")
	}
	if v.refusal != "" {
		st.refused.Add(1)
		if v.justified != "" {
			st.justified[v.justified]++
		}
	}
	// One line per category: the first problem and how many there were.
	var cats []string
	byCat := map[string][]problem{}
	for _, p := range v.problems {
		if len(byCat[p.cat]) == 0 {
			cats = append(cats, p.cat)
		}
		byCat[p.cat] = append(byCat[p.cat], p)
	}
	failed := false
	for _, cat := range cats {
		ps := byCat[cat]
		msg := ps[0].String()
		if len(ps) > 1 {
			msg += fmt.Sprintf("\n    (and %d more %s)", len(ps)-1, cat)
		}
		expected := false
		for i, kb := range knownBugs {
			if kb.cat == cat && regexp.MustCompile(kb.name).MatchString(t.Name()) {
				used[i], expected = true, true
				t.Logf("known bug %s: %s", kb.id, msg)
				break
			}
		}
		if !expected {
			t.Error(msg)
			failed = true
		}
	}
	if failed {
		t.Logf("document: %s\nchange:   kubectl eksaccess %s", quoteData(data), f)
	}
}

func quoteData(data map[string]string) string {
	var parts []string
	for _, k := range slices.Sorted(func(yield func(string) bool) {
		for k := range data {
			if !yield(k) {
				return
			}
		}
	}) {
		parts = append(parts, fmt.Sprintf("%s: %q", k, data[k]))
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// TestEditOracleCatchesWrongEdits makes sure each check of the oracle can
// fail: engines that are wrong on purpose must be caught.
func TestEditOracleCatchesWrongEdits(t *testing.T) {
	doc := map[string]string{
		"mapRoles":    "# admins\n- rolearn: " + admin + "\n  username: admin\n  groups: [system:masters] # all\n- rolearn: " + node + "\n  username: n\n",
		"mapAccounts": "- \"" + acct2 + "\"\n",
	}
	edited := func(key, text string, edits ...awsauth.Edit) func(map[string]string, awsauth.Change) (awsauth.Result, error) {
		return func(data map[string]string, c awsauth.Change) (awsauth.Result, error) {
			out := map[string]string{}
			for k, v := range data {
				out[k] = v
			}
			out[key] = text
			return awsauth.Result{Data: out, Changed: true, Key: key, Edits: edits}, nil
		}
	}
	jsonDoc := map[string]string{"mapRoles": `[{"rolearn":"` + admin + `","username":"admin"},{"rolearn":"` + node + `","username":"n"}]`}
	block := "- rolearn: " + node + "\n  username: n\n"
	whole := awsauth.Edit{Key: "mapRoles", OldStart: 1, OldEnd: 6, NewStart: 1, NewEnd: 6}
	cases := []struct {
		name  string
		f     flags
		apply func(map[string]string, awsauth.Change) (awsauth.Result, error)
		want  string
	}{
		{"remove leaves the role mapped", flags{verb: "remove", arn: admin},
			edited("mapRoles", doc["mapRoles"]), catStillMaps},
		{"add gives the wrong groups", flags{verb: "add", arn: admin, groups: []string{"devs"}},
			edited("mapRoles", strings.Replace(doc["mapRoles"], "[system:masters] # all", "[ops] # all", 1), awsauth.Edit{Key: "mapRoles", OldStart: 4, OldEnd: 4, NewStart: 4, NewEnd: 4}), catIdentity},
		{"another entry changes", flags{verb: "add", arn: admin, groups: []string{"devs"}},
			edited("mapRoles", strings.Replace(strings.Replace(doc["mapRoles"], "[system:masters]", "[devs]", 1), "username: n", "username: m", 1), whole), catOther},
		{"a comment goes", flags{verb: "add", arn: admin, groups: []string{"devs"}},
			edited("mapRoles", strings.Replace(doc["mapRoles"], "[system:masters] # all", "[devs]", 1), awsauth.Edit{Key: "mapRoles", OldStart: 4, OldEnd: 4, NewStart: 4, NewEnd: 4}), catComment},
		{"a byte outside the edit changes", flags{verb: "add", arn: admin, groups: []string{"devs"}},
			edited("mapRoles", strings.Replace(strings.Replace(doc["mapRoles"], "[system:masters]", "[devs]", 1), "# admins", "#admins", 1), awsauth.Edit{Key: "mapRoles", OldStart: 4, OldEnd: 4, NewStart: 4, NewEnd: 4}), catBytes},
		{"a refusal without a reason", flags{verb: "add", arn: admin, groups: []string{"devs"}},
			func(map[string]string, awsauth.Change) (awsauth.Result, error) {
				return awsauth.Result{}, errors.New("cannot")
			}, catRefusal},
		{"a refusal of two lines", flags{verb: "add", arn: admin, groups: []string{"devs"}},
			func(map[string]string, awsauth.Change) (awsauth.Result, error) {
				return awsauth.Result{}, errors.New("cannot\nreally")
			}, catMultiline},
		{"JSON rewritten as block on remove", flags{verb: "remove", arn: admin},
			edited("mapRoles", block, awsauth.Edit{Key: "mapRoles", OldStart: 1, OldEnd: 1, NewStart: 1, NewEnd: 2}), catBytes},
		{"remove --account leaves it admitted", flags{verb: "remove", account: acct2},
			edited("mapAccounts", doc["mapAccounts"]), catStillMaps},
		{"remove while mapAccounts admits, unreported", flags{verb: "remove", arn: "arn:aws:iam::444455556666:role/X"},
			edited("mapRoles", "", awsauth.Edit{Key: "mapRoles", OldStart: 1, OldEnd: 1, NewStart: 1, NewEnd: 0}), catAccount},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			data := doc
			if tc.want == catAccount {
				data = map[string]string{"mapRoles": "- rolearn: arn:aws:iam::444455556666:role/X\n", "mapAccounts": doc["mapAccounts"]}
			}
			if strings.HasPrefix(tc.name, "JSON") {
				data = jsonDoc
			}
			v := judgeWith(data, tc.f, tc.apply)
			if !slices.ContainsFunc(v.problems, func(p problem) bool { return p.cat == tc.want }) {
				t.Errorf("the oracle did not report %s; it reported %v", tc.want, v.problems)
			}
		})
	}
	// And the real engine on the same document passes.
	plain := map[string]string{"mapRoles": strings.Replace(doc["mapRoles"], " # all", "", 1), "mapAccounts": doc["mapAccounts"]}
	if v := judge(plain, flags{verb: "add", arn: admin, appendGroups: true, groups: []string{"devs"}}); len(v.problems) > 0 {
		t.Errorf("the real engine fails on a plain append: %v", v.problems)
	}
}
