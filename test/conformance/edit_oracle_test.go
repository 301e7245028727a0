package conformance

// The oracle of the differential edit test: the real authenticator is asked
// about a set of probe ARNs before and after an edit made by awsauth.Apply,
// and the edit is judged on what it answers, not on our own reading.

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"

	yamlv2 "go.yaml.in/yaml/v2"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	autharn "sigs.k8s.io/aws-iam-authenticator/pkg/arn"
	"sigs.k8s.io/aws-iam-authenticator/pkg/config"
	"sigs.k8s.io/aws-iam-authenticator/pkg/mapper/configmap"

	"github.com/eksaccess/kubectl-eksaccess/pkg/awsauth"
)

// flags are the command-line flags of one add or remove, turned into an
// awsauth.Change exactly as pkg/cmd/add.go and remove.go Validate do.
type flags struct {
	verb          string // "add" or "remove"
	arn           string
	account       string
	username      string
	groups        []string // --group, repeated
	appendGroups  bool
	node          bool
	allDuplicates bool
	force         bool
}

func (f flags) String() string {
	s := []string{f.verb}
	if f.account != "" {
		s = append(s, "--account", f.account)
	} else {
		s = append(s, f.arn)
	}
	if f.username != "" {
		s = append(s, "--username", fmt.Sprintf("%q", f.username))
	}
	for _, g := range f.groups {
		s = append(s, "--group", fmt.Sprintf("%q", g))
	}
	for _, b := range []struct {
		on   bool
		name string
	}{{f.appendGroups, "--append-groups"}, {f.node, "--node"}, {f.allDuplicates, "--all-duplicates"}, {f.force, "--force"}} {
		if b.on {
			s = append(s, b.name)
		}
	}
	return strings.Join(s, " ")
}

// change mirrors AddOptions.Validate and RemoveOptions.Validate.
func (f flags) change() (awsauth.Change, error) {
	if f.verb == "remove" {
		var c awsauth.Change
		if f.account != "" {
			var err error
			if c, err = awsauth.NormalizeAccount(f.account); err != nil {
				return c, err
			}
			c.Op = awsauth.OpRemove
		} else {
			var err error
			if c, _, err = awsauth.NormalizeRemove(f.arn); err != nil {
				return c, err
			}
		}
		c.AllDuplicates = f.allDuplicates
		c.Force = f.force
		return c, nil
	}
	if f.account != "" {
		if f.username != "" || len(f.groups) > 0 || f.node || f.appendGroups {
			return awsauth.Change{}, errors.New("--account with --username/--group/--node/--append-groups")
		}
		return awsauth.NormalizeAccount(f.account)
	}
	c, _, err := awsauth.NormalizeTarget(f.arn, f.node)
	if err != nil {
		return c, err
	}
	if f.node && (f.username != "" || len(f.groups) > 0) {
		return c, errors.New("--node with --username or --group")
	}
	if f.username != "" {
		c.Username, c.UsernameIsDefault = f.username, false
	}
	if len(f.groups) > 0 {
		c.Groups = f.groups
	}
	if f.appendGroups && len(f.groups) == 0 {
		return c, errors.New("--append-groups needs at least one --group")
	}
	c.AppendGroups = f.appendGroups
	c.Force = f.force
	return c, nil
}

// applyAsUser is pkg/cmd changeEdit: Apply, then the CheckNotWorse guard.
func applyAsUser(data map[string]string, c awsauth.Change) (res awsauth.Result, err error) {
	before := awsauth.Parse(data)
	res, err = awsauth.ApplyParsed(data, before, c)
	if err != nil || !res.Changed {
		return res, err
	}
	if err := awsauth.CheckNotWorseParsed(data, res.Data, before, awsauth.Parse(res.Data), c); err != nil {
		return res, err
	}
	return res, nil
}

// Problem categories: each failure of the oracle is one of these.
const (
	catOther      = "other-probe-changed"  // (a) a probe other than the target answers differently
	catIdentity   = "target-identity"      // (b) add: the target is not mapped exactly as asked
	catStillMaps  = "target-still-mapped"  // (b) remove: aws-auth still maps the target
	catAccount    = "account-still-admits" // (b) remove: mapAccounts admits the target, not reported
	catBytes      = "bytes-outside-target" // (c) text outside the target entry changed
	catEdits      = "edits-wrong"          // (c) Result.Edits does not describe the change
	catComment    = "comment-lost"         // (c) a comment inside the edited region was lost
	catRequote    = "requoted"             // (c) an untouched line of the target entry was rewritten
	catRefusal    = "unjustified-refusal"  // (d) Apply refused, and no rule justifies it
	catMultiline  = "multiline-error"      // (d) a refusal of several lines
	catRoundTrip  = "round-trip"           // a written scalar reads back differently in yaml.v2
	catUnchanged  = "unchanged-wrong"      // Changed is false but the data differs, or the reverse
	catPanic      = "panic"                // Apply panicked
	catBuildError = "change-error"         // the flags did not make a Change
)

type problem struct {
	cat string
	msg string
}

func (p problem) String() string { return p.cat + ": " + p.msg }

// verdict is the judgement of one edit.
type verdict struct {
	problems  []problem
	refusal   string // the refusal, if Apply refused
	justified string // why the refusal is justified
	probes    int    // probe ARNs asked before and after
	skipped   bool   // the real authenticator panics on this input
}

var (
	arnToken  = regexp.MustCompile(`(?i)arn:[a-z0-9-]+:(iam|sts)::[0-9]{1,12}:[^\s"',\]}#\\]+`)
	acctToken = regexp.MustCompile(`[0-9]{12}`)
	anchorish = regexp.MustCompile(`(^|[\s\[{,:-])[&*!][^\s]`)
)

// rawHits is the authenticator's lookup without rendering: the kind of
// match ("role", "user", "account" or "") and every distinct mapping that
// may apply (several: a random winner from one request to the next).
func (a *authenticator) rawHits(caller string) (string, []mapping) {
	_, canonical, err := autharn.Canonicalize(caller)
	if err != nil {
		return "invalid", nil
	}
	subject := strings.ToLower(canonical)
	var hits []mapping
	add := func(m mapping) {
		if !slices.ContainsFunc(hits, func(h mapping) bool { return h.String() == m.String() }) {
			hits = append(hits, m)
		}
	}
	for _, r := range a.roleMap {
		if r.Matches(subject) {
			add(fromRole(r))
		}
	}
	if len(hits) > 0 {
		return "role", hits
	}
	for _, u := range a.userMap {
		if u.Matches(subject) {
			add(fromUser(u))
		}
	}
	if len(hits) > 0 {
		return "user", hits
	}
	if a.accountSet[accountOf(caller)] {
		return "account", nil
	}
	return "", nil
}

// entriesFor counts the loaded role and user entries whose ARN is one of
// arns (case-insensitively): the copies a remove has to take away.
func (a *authenticator) entriesFor(arns ...string) int {
	n := 0
	for _, r := range a.roles {
		if r.RoleARN != "" && slices.ContainsFunc(arns, func(s string) bool { return strings.EqualFold(s, r.RoleARN) }) {
			n++
		}
	}
	for _, u := range a.users {
		if slices.ContainsFunc(arns, func(s string) bool { return strings.EqualFold(s, u.UserARN) }) {
			n++
		}
	}
	return n
}

// keyBroken reports whether the authenticator drops every entry of a key
// (a YAML error, or a value that is not a list).
func keyBroken(key, text string) bool {
	if t := strings.TrimSpace(text); t == "" || t == "``" || t == `""` || t == "''" {
		return false
	}
	if key == awsauth.KeyAccounts {
		broken := true
		func() {
			defer func() { _ = recover() }()
			_, _, accts, err := configmap.ParseMap(map[string]string{key: text})
			broken = err != nil && len(accts) == 0
		}()
		return broken
	}
	js, err := utilyaml.ToJSON([]byte(text))
	if err != nil {
		return true
	}
	if key == awsauth.KeyRoles {
		var rs []config.RoleMapping
		return json.Unmarshal(js, &rs) != nil && len(rs) == 0
	}
	var us []config.UserMapping
	return json.Unmarshal(js, &us) != nil && len(us) == 0
}

// pathless drops the path of an IAM role ARN.
func pathless(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || !strings.HasPrefix(parts[5], "role/") {
		return arn
	}
	return strings.Join(parts[:5], ":") + ":role/" + parts[5][strings.LastIndex(parts[5], "/")+1:]
}

func canonicalLower(caller string) string {
	_, c, err := autharn.Canonicalize(caller)
	if err != nil {
		return ""
	}
	return strings.ToLower(c)
}

// probesFor is the set of callers asked about: callersFor over both
// documents, every ARN token and account number in their text, the target
// in every form, an unrelated ARN and the accounts.
func probesFor(before, after *authenticator, data, newData map[string]string, f flags, c awsauth.Change) []string {
	set := map[string]bool{}
	extra := []string{"arn:aws:iam::555566667777:user/unrelated", "arn:aws:sts::555566667777:assumed-role/Unrelated/s"}
	var texts []string
	for _, d := range []map[string]string{data, newData} {
		for _, v := range d {
			texts = append(texts, v)
		}
	}
	accounts := map[string]bool{}
	for _, t := range texts {
		for _, tok := range arnToken.FindAllString(t, 64) {
			extra = append(extra, tok)
		}
		for _, n := range acctToken.FindAllString(t, 64) {
			accounts[n] = true
		}
	}
	for _, a := range []*authenticator{before, after} {
		if a == nil {
			continue
		}
		for _, acct := range a.accounts {
			accounts[acct] = true
		}
	}
	// the target in every form
	if c.Kind == awsauth.KindAccount {
		accounts[c.ARN] = true
	} else {
		extra = append(extra, c.ARN, f.arn, swapCase(c.ARN), strings.ToLower(c.ARN))
		parts := strings.SplitN(pathless(c.ARN), ":", 6)
		if len(parts) == 6 {
			accounts[parts[4]] = true
			name := parts[5][strings.Index(parts[5], "/")+1:]
			pre := strings.Join(parts[:4], ":")
			extra = append(extra, pre+":"+parts[4]+":role/team/"+name, pre+":"+parts[4]+":user/"+name)
			sts := strings.Replace(pre, ":iam:", ":sts:", 1) + ":" + parts[4] + ":assumed-role/" + name + "/"
			for _, s := range []string{"alice@example.com", "i-0123456789abcdef0"} {
				extra = append(extra, sts+s, swapCase(sts+s))
			}
		}
	}
	for acct := range accounts {
		extra = append(extra, "arn:aws:iam::"+acct+":user/acct-probe", "arn:aws:sts::"+acct+":assumed-role/AcctProbe/s")
	}
	for _, a := range []*authenticator{before, after} {
		if a == nil {
			continue
		}
		for _, p := range callersFor(a, awsauth.Parse(data), extra) {
			set[p] = true
		}
	}
	out := make([]string, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// want is the identity an add must give the target, from the mapping that
// applied before (nil: none) and the Change.
func want(base *mapping, c awsauth.Change) (string, []string) {
	username, groups := c.Username, c.Groups
	if c.Node {
		return awsauth.NodeUsername, awsauth.NodeGroups
	}
	if base == nil {
		return username, groups
	}
	if c.UsernameIsDefault {
		username = base.Username
	}
	switch {
	case len(c.Groups) == 0:
		groups = base.Groups
	case c.AppendGroups:
		groups = append(slices.Clone(base.Groups), c.Groups...)
	}
	return username, groups
}

func sameGroups(a, b []string) bool {
	a, b = slices.Compact(slices.Sorted(slices.Values(a))), slices.Compact(slices.Sorted(slices.Values(b)))
	return slices.Equal(a, b)
}

// judge makes the edit f asks on data and checks it with the real
// authenticator.
func judge(data map[string]string, f flags) verdict {
	return judgeWith(data, f, applyAsUser)
}

// judgeWith is judge with the edit engine given: the oracle's own test
// passes engines that are wrong on purpose.
func judgeWith(data map[string]string, f flags, apply func(map[string]string, awsauth.Change) (awsauth.Result, error)) (v verdict) {
	c, err := f.change()
	if err != nil {
		v.problems = append(v.problems, problem{catBuildError, err.Error()})
		return v
	}
	before, ok := load(data)
	if !ok {
		v.skipped = true
		return v
	}
	var res awsauth.Result
	func() {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("panic: %v", r)
				v.problems = append(v.problems, problem{catPanic, fmt.Sprint(r)})
			}
		}()
		res, err = apply(data, c)
	}()
	if len(v.problems) > 0 {
		return v
	}
	newData := data
	var after *authenticator
	if err == nil {
		newData = res.Data
		if after, ok = load(newData); !ok {
			v.skipped = true
			return v
		}
	}
	probes := probesFor(before, after, data, newData, f, c)
	v.probes = 2 * len(probes)

	// The target probes.
	isTarget := func(p string) bool {
		if c.Kind == awsauth.KindAccount {
			k, _ := before.rawHits(p)
			return accountOf(p) == c.ARN && (k == "" || k == "account")
		}
		cl := canonicalLower(p)
		return cl != "" && (cl == strings.ToLower(c.ARN) || cl == strings.ToLower(pathless(c.ARN)))
	}
	var targets []string
	for _, p := range probes {
		if isTarget(p) {
			targets = append(targets, p)
		}
	}
	// What the authenticator said about the target before.
	var beforeMaps []mapping
	beforeKind := ""
	for _, p := range targets {
		k, ms := before.rawHits(p)
		if k == "role" || k == "user" {
			beforeKind = k
			for _, m := range ms {
				if !slices.ContainsFunc(beforeMaps, func(b mapping) bool { return b.String() == m.String() }) {
					beforeMaps = append(beforeMaps, m)
				}
			}
		}
	}

	if err != nil {
		v.refusal = err.Error()
		if strings.ContainsAny(v.refusal, "\r\n") {
			v.problems = append(v.problems, problem{catMultiline, fmt.Sprintf("%q", v.refusal)})
		}
		v.justified = justify(data, before, c, err, beforeMaps, targets)
		if v.justified == "" {
			v.problems = append(v.problems, problem{catRefusal, fmt.Sprintf("%s (before, the target mapped as %v)", v.refusal, beforeMaps)})
		}
		return v
	}

	// (a) every other probe answers the same.
	for _, p := range probes {
		if isTarget(p) {
			continue
		}
		if b, a := before.lookup(p).String(), after.lookup(p).String(); b != a {
			v.problems = append(v.problems, problem{catOther, fmt.Sprintf("%s:\n    before: %s\n    after:  %s", p, b, a)})
		}
	}
	// (b) the target.
	switch {
	case c.Op == awsauth.OpAdd && c.Kind == awsauth.KindAccount:
		for _, p := range targets {
			if k, _ := after.rawHits(p); k != "account" {
				v.problems = append(v.problems, problem{catIdentity, fmt.Sprintf("%s: after add --account it is %q, want mapped through mapAccounts", p, k)})
			}
		}
	case c.Op == awsauth.OpAdd:
		var bases []*mapping
		for i := range beforeMaps {
			bases = append(bases, &beforeMaps[i])
		}
		if len(bases) == 0 {
			bases = []*mapping{nil}
		}
		for _, p := range targets {
			k, ms := after.rawHits(p)
			if k != "role" && k != "user" || len(ms) != 1 {
				v.problems = append(v.problems, problem{catIdentity, fmt.Sprintf("%s: after add it maps through %q as %v, want exactly one mapping", p, k, ms)})
				continue
			}
			okAny := false
			var wu string
			var wg []string
			for _, b := range bases {
				wu, wg = want(b, c)
				if ms[0].Username == wu && sameGroups(ms[0].Groups, wg) {
					okAny = true
					break
				}
			}
			if !okAny {
				v.problems = append(v.problems, problem{catIdentity, fmt.Sprintf("%s: after add it is %s, want username %q groups %q (before: %s %v)", p, ms[0], wu, wg, beforeKind, beforeMaps)})
			}
		}
		checkRoundTrip(&v, res, c, after)
	default: // remove
		reported := stillAdmitted(res)
		for _, p := range targets {
			k, ms := after.rawHits(p)
			switch {
			case k == "role" || k == "user":
				v.problems = append(v.problems, problem{catStillMaps, fmt.Sprintf("%s: after remove it still maps through %s as %v", p, k, ms)})
			case k == "account" && c.Kind != awsauth.KindAccount && !reported:
				v.problems = append(v.problems, problem{catAccount, fmt.Sprintf("%s: after remove mapAccounts still admits it and the result does not say so", p)})
			case k == "account" && c.Kind == awsauth.KindAccount:
				v.problems = append(v.problems, problem{catStillMaps, fmt.Sprintf("%s: after remove --account the account still admits it", p)})
			}
		}
	}
	// (c) bytes.
	checkBytes(&v, data, res, c, before)
	if !res.Changed && !maps2Equal(data, res.Data) {
		v.problems = append(v.problems, problem{catUnchanged, "Changed is false but the data differs"})
	}
	if res.Changed && maps2Equal(data, res.Data) {
		v.problems = append(v.problems, problem{catUnchanged, "Changed is true but the data is the same"})
	}
	return v
}

func maps2Equal(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// justify returns why a refusal is justified, or "" if nothing justifies it.
// The justified refusals:
//   - a key the authenticator already drops whole, edited without --force;
//   - remove of a target no role or user entry maps (ErrNotFound), or of an
//     account mapAccounts does not list;
//   - add to a target whose mappings differ only in case (the authenticator
//     picks a random one), naming --all-duplicates;
//   - remove without --all-duplicates of a target mapped by several entries
//     (duplicates, case variants, the pathless twin), naming --all-duplicates;
//   - remove of a target that mapAccounts would still admit, naming mapAccounts;
//   - a key that uses YAML anchors, aliases or tags, asking for a hand edit.
func justify(data map[string]string, before *authenticator, c awsauth.Change, err error, beforeMaps []mapping, targets []string) string {
	msg := err.Error()
	for _, key := range awsauth.DataKeys {
		if text, ok := data[key]; ok && keyBroken(key, text) && !c.Force && strings.Contains(msg, "--force") {
			return "broken key without --force"
		}
	}
	if errors.Is(err, awsauth.ErrNotFound) && c.Op == awsauth.OpRemove {
		if c.Kind == awsauth.KindAccount && !before.accountSet[c.ARN] {
			return "account not listed"
		}
		if c.Kind != awsauth.KindAccount && len(beforeMaps) == 0 {
			return "not mapped"
		}
	}
	if c.Op == awsauth.OpAdd && len(beforeMaps) > 1 && strings.Contains(msg, "--all-duplicates") {
		return "ambiguous case-variant mappings"
	}
	if c.Op == awsauth.OpRemove && !c.AllDuplicates && c.Kind != awsauth.KindAccount &&
		before.entriesFor(c.ARN, pathless(c.ARN)) > 1 && strings.Contains(msg, "--all-duplicates") {
		return "several entries, needs --all-duplicates"
	}
	if c.Op == awsauth.OpRemove && c.Kind != awsauth.KindAccount && strings.Contains(msg, "mapAccounts") {
		for _, p := range targets {
			if before.accountSet[accountOf(p)] {
				return "mapAccounts still admits the target"
			}
		}
	}
	for _, text := range data {
		if anchorish.MatchString(text) && strings.Contains(msg, "by hand") {
			return "YAML anchors, aliases or tags"
		}
	}
	return ""
}

// lines splits text after every YAML line break (\r\n, \r, \n), keeping them.
func lines(text string) []string {
	var out []string
	for len(text) > 0 {
		i := strings.IndexAny(text, "\r\n")
		if i < 0 {
			out = append(out, text)
			break
		}
		j := i + 1
		if text[i] == '\r' && j < len(text) && text[j] == '\n' {
			j++
		}
		out = append(out, text[:j])
		text = text[j:]
	}
	return out
}

// isTargetARN reports whether an ARN token written in the text is the
// target (in any case, with or without a path, as a session).
func isTargetARN(tok string, c awsauth.Change) bool {
	cl := canonicalLower(tok)
	if cl == "" {
		cl = strings.ToLower(tok)
	}
	return cl == strings.ToLower(c.ARN) || cl == strings.ToLower(pathless(c.ARN)) || strings.ToLower(pathless(tok)) == strings.ToLower(pathless(c.ARN))
}

// checkBytes checks (c): keys without an edit are unchanged; in an edited
// key the lines outside Result.Edits are the same, and inside each edit
// the bytes that changed hold no other entry's ARN or account, and (on an
// add) no comment.
func checkBytes(v *verdict, data map[string]string, res awsauth.Result, c awsauth.Change, before *authenticator) {
	edits := map[string][]awsauth.Edit{}
	for _, e := range res.Edits {
		edits[e.Key] = append(edits[e.Key], e)
	}
	keys := map[string]bool{}
	for k := range data {
		keys[k] = true
	}
	for k := range res.Data {
		keys[k] = true
	}
	for k := range keys {
		old, hadOld := data[k]
		nu, hasNew := res.Data[k]
		if len(edits[k]) == 0 {
			if old != nu || hadOld != hasNew {
				v.problems = append(v.problems, problem{catBytes, fmt.Sprintf("key %s changed without an edit:\n    before %q\n    after  %q", k, old, nu)})
			}
			continue
		}
		// A byte-order mark belongs to the value, not to its first line:
		// removing the first entry keeps it at the start.
		if strings.HasPrefix(old, "\ufeff") != strings.HasPrefix(nu, "\ufeff") {
			v.problems = append(v.problems, problem{catBytes, fmt.Sprintf("key %s: the byte-order mark at the start was added or lost", k)})
		}
		ol, nl := lines(strings.TrimPrefix(old, "\ufeff")), lines(strings.TrimPrefix(nu, "\ufeff"))
		es := slices.Clone(edits[k])
		slices.SortFunc(es, func(a, b awsauth.Edit) int { return a.OldStart - b.OldStart })
		oi, ni := 0, 0 // 0-based next line
		var oldMid, newMid []string
		bad := false
		for _, e := range es {
			// unchanged lines before the edit
			oStart, nStart := e.OldStart-1, e.NewStart-1
			if oStart-oi != nStart-ni || oStart > len(ol) || nStart > len(nl) || oStart < oi {
				bad = true
				break
			}
			if !sameLines(ol[oi:oStart], nl[ni:nStart], oStart == len(ol)) {
				v.problems = append(v.problems, problem{catBytes, fmt.Sprintf("key %s: lines before edit %+v differ:\n    before %q\n    after  %q", k, e, ol[oi:oStart], nl[ni:nStart])})
			}
			oEnd, nEnd := max(e.OldEnd, oStart), max(e.NewEnd, nStart)
			if oEnd > len(ol) || nEnd > len(nl) {
				bad = true
				break
			}
			oldMid = append(oldMid, strings.Join(ol[oStart:oEnd], ""))
			newMid = append(newMid, strings.Join(nl[nStart:nEnd], ""))
			oi, ni = oEnd, nEnd
		}
		if !bad && !sameLines(ol[oi:], nl[ni:], false) {
			v.problems = append(v.problems, problem{catBytes, fmt.Sprintf("key %s: lines after the last edit differ:\n    before %q\n    after  %q", k, ol[oi:], nl[ni:])})
		}
		if !bad && markers(old) != markers(nu) {
			v.problems = append(v.problems, problem{catBytes, fmt.Sprintf("key %s: YAML document markers (---, ...) changed from %d to %d:\n    before %q\n    after  %q", k, markers(old), markers(nu), old, nu)})
		}
		if bad {
			v.problems = append(v.problems, problem{catEdits, fmt.Sprintf("key %s: edits %+v do not fit %d old and %d new lines", k, es, len(ol), len(nl))})
			continue
		}
		for i := range oldMid {
			checkRegion(v, k, oldMid[i], newMid[i], nu, c, before)
		}
	}
}

// checkRegion looks at the bytes that changed inside one edit: everything
// between the common prefix and suffix of its old and new text.
func checkRegion(v *verdict, key, old, nu, newKey string, c awsauth.Change, before *authenticator) {
	p := 0
	for p < len(old) && p < len(nu) && old[p] == nu[p] {
		p++
	}
	s := 0
	for s < len(old)-p && s < len(nu)-p && old[len(old)-1-s] == nu[len(nu)-1-s] {
		s++
	}
	// widen to whole tokens so that a cut ARN is seen
	lo, hi := p, len(old)-s
	for lo > 0 && !strings.ContainsRune(" \t\r\n\"'[{,", rune(old[lo-1])) {
		lo--
	}
	for hi < len(old) && !strings.ContainsRune(" \t\r\n\"'],}", rune(old[hi])) {
		hi++
	}
	gone := old[lo:hi]
	// Another entry's ARN in the changed bytes must keep its own text: the
	// ARN with what precedes it back to its '{', '-' or line start, and a
	// few bytes after it, is still in the new text.
	for _, m := range arnToken.FindAllStringIndex(old, -1) {
		if m[1] <= lo || m[0] >= hi {
			continue
		}
		tok := old[m[0]:m[1]]
		loaded := before.entriesFor(tok) > 0
		if isTargetARN(tok, c) || !(loaded || c.Op == awsauth.OpAdd && !strings.Contains(newKey, tok)) {
			continue
		}
		start := max(strings.LastIndexAny(old[:m[0]], "{-\n")+1, m[0]-40)
		end := m[1]
		for end < len(old) && end < m[1]+12 && old[end] != '\n' && old[end] != '\r' {
			end++
		}
		if snippet := old[start:end]; !strings.Contains(nu, snippet) {
			v.problems = append(v.problems, problem{catBytes, fmt.Sprintf("key %s: the edit rewrote another entry's ARN %s (%q is gone):\n    old %q\n    new %q", key, tok, snippet, old, nu)})
			return
		}
	}
	if c.Kind == awsauth.KindAccount {
		for _, n := range acctToken.FindAllString(gone, -1) {
			if n != c.ARN && !strings.Contains(nu, n) {
				v.problems = append(v.problems, problem{catBytes, fmt.Sprintf("key %s: the edit dropped account %s:\n    old %q\n    new %q", key, n, old, nu)})
				return
			}
		}
	}
	if c.Op == awsauth.OpAdd {
		for _, l := range lines(old) {
			if i := strings.Index(l, "#"); i >= 0 && (i == 0 || strings.ContainsRune(" \t", rune(l[i-1]))) {
				cm := strings.TrimRight(l[i:], "\r\n")
				item := strings.TrimSpace(l[:i])
				if strings.HasPrefix(item, "- ") && !strings.Contains(nu, strings.TrimPrefix(item, "- ")) {
					continue // the comment of a group item the change removes
				}
				if !strings.Contains(nu, cm) {
					v.problems = append(v.problems, problem{catComment, fmt.Sprintf("key %s: comment %q lost:\n    old %q\n    new %q", key, cm, old, nu)})
					return
				}
			}
		}
		// A line of the target entry that the change does not touch (its
		// ARN line, when username and groups are on other lines) is kept.
		for _, l := range lines(old) {
			low := strings.ToLower(l)
			if m := arnToken.FindString(l); m != "" && isTargetARN(m, c) && !strings.Contains(low, "username") && !strings.Contains(low, "groups") && !strings.Contains(nu, strings.TrimRight(l, "\r\n")) && strings.Contains(l, ":") && !strings.Contains(l, "{") {
				v.problems = append(v.problems, problem{catRequote, fmt.Sprintf("key %s: the target's line %q was rewritten:\n    old %q\n    new %q", key, l, old, nu)})
				return
			}
		}
	}
}

// checkRoundTrip decodes the edited key with yaml.v2 directly and checks
// that the target's username and groups read back as the authenticator's
// JSON decoding reads them (which the target probes check against the
// Change): a scalar written with an escape yaml.v2 reads differently fails.
func checkRoundTrip(v *verdict, res awsauth.Result, c awsauth.Change, after *authenticator) {
	if !res.Changed || c.Kind == awsauth.KindAccount {
		return
	}
	k, ms := after.rawHits(c.ARN)
	if k != "role" && k != "user" || len(ms) != 1 {
		return
	}
	var items []map[string]any
	if err := yamlv2.Unmarshal([]byte(res.Data[res.Key]), &items); err != nil {
		return // several documents, or a forced edit of a broken key
	}
	var seen []string
	for _, it := range items {
		var arn, username any
		var groups []any
		for key, val := range it {
			switch strings.ToLower(key) {
			case "rolearn", "userarn":
				arn = val
			case "username":
				username = val
			case "groups":
				groups, _ = val.([]any)
			}
		}
		if s, ok := arn.(string); !ok || !strings.EqualFold(s, c.ARN) {
			continue
		}
		u, _ := username.(string)
		var gs []string
		for _, g := range groups {
			s, _ := g.(string)
			gs = append(gs, s)
		}
		if u == ms[0].Username && sameGroups(gs, ms[0].Groups) {
			return
		}
		seen = append(seen, fmt.Sprintf("username %q groups %q", u, gs))
	}
	if len(seen) > 0 {
		v.problems = append(v.problems, problem{catRoundTrip, fmt.Sprintf("yaml.v2 reads the target as %s, the authenticator as %s", strings.Join(seen, " or "), ms[0])})
	}
}

// sameLines compares unchanged lines; atEnd allows the key's last line,
// written without a line break, to gain one when text is appended after it.
func sameLines(old, nu []string, atEnd bool) bool {
	if len(old) != len(nu) {
		return false
	}
	for i := range old {
		if old[i] == nu[i] {
			continue
		}
		if i == len(old)-1 && atEnd && !strings.ContainsAny(old[i], "\r\n") && strings.TrimRight(nu[i], "\r\n") == old[i] {
			continue
		}
		return false
	}
	return true
}

var markerLine = regexp.MustCompile(`(?m)^(---|\.\.\.)([ \t].*)?\r?$`)

// markers counts the YAML document markers of a key's text.
func markers(text string) int { return len(markerLine.FindAllString(text, -1)) }

// stillAdmitted reports whether a remove's Result says that mapAccounts still
// admits the principal: Result.StillAdmittedBy (read by name, so this test
// builds against the engine before and after that field exists), else a
// warning naming mapAccounts.
func stillAdmitted(res awsauth.Result) bool {
	if f := reflect.ValueOf(res).FieldByName("StillAdmittedBy"); f.IsValid() && f.Kind() == reflect.Slice && f.Len() > 0 {
		return true
	}
	return strings.Contains(strings.Join(append(slices.Clone(res.Warnings), res.Notices...), " "), "mapAccounts")
}
