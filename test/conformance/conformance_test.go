package conformance

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sirupsen/logrus"
	yamlv3 "go.yaml.in/yaml/v3"
	autharn "sigs.k8s.io/aws-iam-authenticator/pkg/arn"
	"sigs.k8s.io/aws-iam-authenticator/pkg/config"
	"sigs.k8s.io/aws-iam-authenticator/pkg/mapper/configmap"

	"github.com/eksaccess/kubectl-eksaccess/pkg/awsauth"
)

func TestMain(m *testing.M) {
	// ParseMap logs every parse error; the fuzzer makes millions of them.
	logrus.SetOutput(io.Discard)
	os.Exit(m.Run())
}

const fixtureDir = "../../pkg/awsauth/testdata/fixtures"

type fixture struct {
	name    string
	data    map[string]string
	callers []string
}

func loadFixtures(t testing.TB) []fixture {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(fixtureDir, "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatalf("no fixtures in %s", fixtureDir)
	}
	var fs []fixture
	for _, p := range paths {
		raw, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var cm struct {
			Data map[string]string `yaml:"data"`
		}
		if err := yamlv3.Unmarshal(raw, &cm); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		f := fixture{name: strings.TrimSuffix(filepath.Base(p), ".yaml"), data: cm.Data}
		for _, line := range strings.Split(string(raw), "\n") {
			if rest, ok := strings.CutPrefix(line, "# callers:"); ok {
				f.callers = append(f.callers, strings.Fields(rest)...)
			}
		}
		fs = append(fs, f)
	}
	return fs
}

// authenticator is the real authenticator's view of one aws-auth: the
// result of configmap.ParseMap stored as MapStore.saveMap stores it.
type authenticator struct {
	users    []config.UserMapping
	roles    []config.RoleMapping
	accounts []string

	userMap    map[string]config.UserMapping
	roleMap    map[string]config.RoleMapping
	accountSet map[string]bool
}

// load runs the real ParseMap. ok is false when the real code panics: such
// inputs are skipped.
func load(data map[string]string) (a *authenticator, ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	users, roles, accounts, _ := configmap.ParseMap(data)
	a = &authenticator{users: users, roles: roles, accounts: accounts,
		userMap: map[string]config.UserMapping{}, roleMap: map[string]config.RoleMapping{}, accountSet: map[string]bool{}}
	// MapStore.saveMap
	for _, u := range users {
		a.userMap[u.Key()] = u
	}
	for _, r := range roles {
		a.roleMap[r.Key()] = r
	}
	for _, acct := range accounts {
		a.accountSet[acct] = true
	}
	return a, true
}

// mapping is a loaded entry reduced to what the authenticator uses.
type mapping struct {
	ARN      string
	Username string
	Groups   []string
	SSO      string
}

func (m mapping) String() string {
	return fmt.Sprintf("{arn:%q username:%q groups:%q sso:%q}", m.ARN, m.Username, m.Groups, m.SSO)
}

func norm(groups []string) []string {
	if len(groups) == 0 {
		return nil
	}
	return groups
}

func fromRole(r config.RoleMapping) mapping {
	m := mapping{ARN: r.RoleARN, Username: r.Username, Groups: norm(r.Groups)}
	if r.SSO != nil {
		m.SSO = fmt.Sprintf("%s/%s/%s", r.SSO.PermissionSetName, r.SSO.AccountID, r.SSO.Partition)
	}
	return m
}

func fromUser(u config.UserMapping) mapping {
	return mapping{ARN: u.UserARN, Username: u.Username, Groups: norm(u.Groups)}
}

func fromEntry(e *awsauth.Entry) mapping {
	m := mapping{ARN: e.ARN, Username: e.Username, Groups: norm(e.Groups)}
	if e.SSO != nil {
		m.SSO = fmt.Sprintf("%s/%s/%s", e.SSO.PermissionSetName, e.SSO.AccountID, e.SSO.Partition)
	}
	return m
}

// compareLoaded reports every difference between the entries the real
// ParseMap keeps and the entries awsauth.Parse marks Loaded.
func compareLoaded(a *authenticator, m *awsauth.Map) []string {
	var want, got [3][]string
	for _, r := range a.roles {
		want[0] = append(want[0], fromRole(r).String())
	}
	for _, u := range a.users {
		want[1] = append(want[1], fromUser(u).String())
	}
	want[2] = a.accounts
	for _, e := range m.Entries {
		if !e.Loaded {
			continue
		}
		switch e.Kind {
		case awsauth.KindRole:
			got[0] = append(got[0], fromEntry(e).String())
		case awsauth.KindUser:
			got[1] = append(got[1], fromEntry(e).String())
		case awsauth.KindAccount:
			got[2] = append(got[2], e.ARN)
		}
	}
	var diffs []string
	for i, key := range awsauth.DataKeys {
		if !slices.Equal(want[i], got[i]) {
			diffs = append(diffs, fmt.Sprintf("%s loaded:\n  authenticator: %q\n  awsauth:       %q", key, want[i], got[i]))
		}
	}
	return diffs
}

// outcome is what happens to one caller.
type outcome struct {
	invalid  bool     // the caller ARN does not canonicalise
	kind     string   // "role", "user", "account" or "" (not mapped)
	mappings []string // every mapping that may apply (several: random winner)
	username string   // rendered, when exactly one mapping applies
	groups   []string
	denied   bool // a template cannot be rendered
}

func (o outcome) String() string {
	return fmt.Sprintf("%+v", struct {
		Invalid  bool
		Kind     string
		Mappings []string
		Username string
		Groups   []string
		Denied   bool
	}{o.invalid, o.kind, o.mappings, o.username, o.groups, o.denied})
}

// instanceID is server.go's instanceIDPattern.
func isInstance(s string) bool { return awsauth.IsInstanceSession(s) }

// renderTemplate is server.renderTemplate, minus the EC2 call: a
// {{EC2PrivateDNSName}} that may render is left in place.
func renderTemplate(template, accountID, sessionName, accessKeyID string) (string, bool) {
	if strings.Contains(template, "{{EC2PrivateDNSName}}") && !isInstance(sessionName) {
		return "", false
	}
	template = strings.ReplaceAll(template, "{{AccountID}}", accountID)
	template = strings.ReplaceAll(template, "{{SessionName}}", strings.ReplaceAll(sessionName, "@", "-"))
	template = strings.ReplaceAll(template, "{{SessionNameRaw}}", sessionName)
	template = strings.ReplaceAll(template, "{{AccessKeyID}}", accessKeyID)
	return template, true
}

const accessKeyID = "ASIAEXAMPLEEXAMPLE"

// sessionOf is the session name the authenticator gets from STS for a caller.
func sessionOf(caller string) string {
	if i := strings.Index(caller, ":assumed-role/"); i >= 0 {
		parts := strings.Split(caller[i:], "/")
		return parts[len(parts)-1]
	}
	return ""
}

func accountOf(caller string) string {
	parts := strings.SplitN(caller, ":", 6)
	if len(parts) < 5 {
		return ""
	}
	return parts[4]
}

// realLookup reproduces ConfigMapMapper.Map and server.doMapping with the
// authenticator's own code: arn.Canonicalize, Matches on the lower-cased
// canonical ARN over the stored maps (whose iteration order is random, so
// every match is collected), then the mapAccounts set.
func (a *authenticator) lookup(caller string) outcome {
	_, canonical, err := autharn.Canonicalize(caller)
	if err != nil {
		return outcome{invalid: true}
	}
	subject := strings.ToLower(canonical)
	var hits []mapping
	kind := "role"
	for _, r := range a.roleMap {
		if r.Matches(subject) {
			hits = append(hits, fromRole(r))
		}
	}
	if len(hits) == 0 {
		kind = "user"
		for _, u := range a.userMap {
			if u.Matches(subject) {
				hits = append(hits, fromUser(u))
			}
		}
	}
	if len(hits) == 0 {
		if a.accountSet[accountOf(caller)] {
			return outcome{kind: "account", username: canonical}
		}
		return outcome{}
	}
	o := outcome{kind: kind}
	for _, h := range hits {
		o.mappings = append(o.mappings, h.String())
	}
	slices.Sort(o.mappings)
	o.mappings = slices.Compact(o.mappings)
	if len(o.mappings) == 1 {
		o.render(hits[0], caller)
	}
	return o
}

func (o *outcome) render(m mapping, caller string) {
	session, account := sessionOf(caller), accountOf(caller)
	u, ok := renderTemplate(m.Username, account, session, accessKeyID)
	o.username = u
	o.denied = !ok
	for _, g := range m.Groups {
		r, ok := renderTemplate(g, account, session, accessKeyID)
		o.denied = o.denied || !ok
		o.groups = append(o.groups, r)
	}
	if o.denied {
		o.username, o.groups = "", nil
	}
}

// ourLookup is the same question asked to awsauth.
func ourLookup(m *awsauth.Map, caller string) outcome {
	p, err := awsauth.Canonicalize(caller)
	if err != nil {
		return outcome{invalid: true}
	}
	match := m.Lookup(p, accessKeyID)
	if match == nil {
		return outcome{}
	}
	if match.Entry.Kind == awsauth.KindAccount {
		return outcome{kind: "account", username: match.Username}
	}
	o := outcome{kind: string(match.Entry.Kind)}
	candidates := match.Candidates
	if len(candidates) == 0 {
		candidates = []*awsauth.Entry{match.Entry}
	}
	for _, e := range candidates {
		o.mappings = append(o.mappings, fromEntry(e).String())
	}
	slices.Sort(o.mappings)
	o.mappings = slices.Compact(o.mappings)
	if len(o.mappings) == 1 {
		o.username, o.groups, o.denied = match.Username, norm(match.Groups), match.RenderErr != ""
		if o.denied {
			o.username, o.groups = "", nil
		}
	}
	return o
}

// callersFor derives caller ARNs from every ARN in the document: the ARN
// itself and case variants, the assumed-role session ARNs of a role (with
// and without its path, a person's and an instance's session), a user of a
// mapped account, and an SSO session for an sso matcher.
func callersFor(a *authenticator, m *awsauth.Map, extra []string) []string {
	set := map[string]bool{}
	add := func(s string) {
		set[s] = true
	}
	for _, c := range extra {
		add(c)
	}
	var arns []string
	var ssos []*awsauth.SSO
	for _, r := range a.roles {
		arns = append(arns, r.RoleARN)
		if r.SSO != nil {
			ssos = append(ssos, &awsauth.SSO{PermissionSetName: r.SSO.PermissionSetName, AccountID: r.SSO.AccountID, Partition: r.SSO.Partition})
		}
	}
	for _, u := range a.users {
		arns = append(arns, u.UserARN)
	}
	for _, e := range m.Entries {
		switch {
		case e.Kind == awsauth.KindAccount:
			add("arn:aws:iam::" + e.ARN + ":user/someone")
			add("arn:aws:sts::" + e.ARN + ":assumed-role/SomeRole/someone")
		case e.SSO != nil:
			ssos = append(ssos, e.SSO)
		default:
			arns = append(arns, e.ARN)
		}
	}
	for _, acct := range a.accounts {
		add("arn:aws:iam::" + acct + ":user/someone")
	}
	for len(set) > 4*maxDerived {
		for c := range set {
			delete(set, c)
			break
		}
	}
	for _, s := range ssos {
		partition := s.Partition
		if partition == "" {
			partition = "aws"
		}
		add(fmt.Sprintf("arn:%s:sts::%s:assumed-role/AWSReservedSSO_%s_0123456789abcdef/alice@example.com", partition, s.AccountID, s.PermissionSetName))
	}
	// Bound the work on huge inputs (YAML aliases can expand a few bytes
	// into thousands of entries): every lookup walks every entry.
	slices.Sort(arns)
	arns = slices.Compact(arns)
	if len(arns) > maxDerived {
		arns = arns[:maxDerived]
	}
	if len(ssos) > maxDerived {
		ssos = ssos[:maxDerived]
	}
	for _, arn := range arns {
		if arn == "" {
			continue
		}
		for _, v := range []string{arn, strings.ToLower(arn), strings.ToUpper(arn), swapCase(arn), strings.TrimSpace(arn)} {
			add(v)
		}
		parts := strings.SplitN(arn, ":", 6)
		if len(parts) != 6 {
			continue
		}
		if res, ok := strings.CutPrefix(parts[5], "role/"); ok {
			segs := strings.Split(res, "/")
			sts := "arn:" + parts[1] + ":sts:" + parts[3] + ":" + parts[4] + ":assumed-role/"
			for _, role := range []string{segs[len(segs)-1], res} {
				for _, session := range []string{"alice@example.com", "i-0123456789abcdef0"} {
					add(sts + role + "/" + session)
					add(swapCase(sts + role + "/" + session))
				}
			}
		}
	}
	out := make([]string, 0, len(set))
	for c := range set {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// maxDerived bounds the ARNs callers are derived from.
const maxDerived = 64

func swapCase(s string) string {
	return strings.Map(func(r rune) rune {
		if l := strings.ToLower(string(r)); l != string(r) {
			return []rune(l)[0]
		}
		if u := strings.ToUpper(string(r)); u != string(r) {
			return []rune(u)[0]
		}
		return r
	}, s)
}

// check returns every disagreement between the authenticator and awsauth
// about one aws-auth; skipped is true when the real code panics.
func check(data map[string]string, callers []string) (diffs []string, skipped bool) {
	a, ok := load(data)
	if !ok {
		return nil, true
	}
	m := awsauth.Parse(data)
	_ = awsauth.Lint(m) // must not panic either
	diffs = compareLoaded(a, m)
	for _, c := range callersFor(a, m, callers) {
		want, got := a.lookup(c), ourLookup(m, c)
		if want.String() != got.String() {
			diffs = append(diffs, fmt.Sprintf("caller %s:\n  authenticator: %s\n  awsauth:       %s", c, want, got))
		}
	}
	return diffs, false
}

func TestFixturesAgree(t *testing.T) {
	for _, f := range loadFixtures(t) {
		t.Run(f.name, func(t *testing.T) {
			diffs, skipped := check(f.data, f.callers)
			if skipped {
				t.Skip("the authenticator panics on this input")
			}
			for _, d := range diffs {
				t.Error(d)
			}
		})
	}
}

// TestCheckDetectsDisagreement makes sure the harness can fail: a map in
// which awsauth is told the wrong thing must disagree.
func TestCheckDetectsDisagreement(t *testing.T) {
	data := map[string]string{"mapRoles": "- rolearn: arn:aws:iam::111122223333:role/A\n  username: a\n"}
	a, _ := load(data)
	m := awsauth.Parse(map[string]string{"mapRoles": "- rolearn: arn:aws:iam::111122223333:role/B\n  username: a\n"})
	if len(compareLoaded(a, m)) == 0 {
		t.Fatal("compareLoaded saw no difference between role A and role B")
	}
	c := "arn:aws:sts::111122223333:assumed-role/A/x"
	if a.lookup(c).String() == ourLookup(m, c).String() {
		t.Fatal("lookup of A agreed although awsauth only knows B")
	}
}
