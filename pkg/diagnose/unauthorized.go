package diagnose

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/eksaccess/kubectl-eksaccess/pkg/awsauth"
)

// unmapped explains why nothing maps the principal.
func (d *diag) unmapped() {
	s, p := d.s, d.p
	apiOnly := d.mode == ModeAPI
	if !apiOnly && s.AWSAuth != nil && s.AWSAuth.Missing {
		d.add(Finding{Code: CodeAWSAuthMissing, Severity: awsauth.SeverityError,
			Message: "the ConfigMap kube-system/aws-auth does not exist: nobody is mapped by it (node roles included)",
			Fix:     "create it with the mapping: " + d.addCmd()})
		d.because(Unauthorized, CodeAWSAuthMissing, "kube-system/aws-auth does not exist, so nothing maps "+p.Canonical)
	}
	if !apiOnly && d.m != nil {
		d.nearMisses()
	}
	if !d.sim.known {
		return
	}
	if d.m != nil && !apiOnly {
		n := map[string]int{}
		for _, e := range d.m.Entries {
			if e.Loaded {
				n[e.Key]++
			}
		}
		d.evidence("aws-auth maps nothing to %s (%d mapRoles, %d mapUsers, %d mapAccounts entries loaded)", p.Canonical, n[awsauth.KeyRoles], n[awsauth.KeyUsers], n[awsauth.KeyAccounts])
	}
	if s.AccessEntries != nil && ran(&s.AccessEntries.Step) && d.mode != ModeConfigMap {
		d.evidence("no access entry for %s (%d read)", p.Canonical, len(s.AccessEntries.Entries))
	}
	fix := "map it: " + d.addCmd()
	where := "in aws-auth"
	switch d.mode {
	case ModeAPI:
		fix = d.accessEntryFix()
		where = "by an access entry (aws-auth is ignored in API mode)"
	case ModeAPIAndConfigMap:
		where = "by an access entry or in aws-auth"
		fix += "; or " + d.accessEntryFix()
	}
	d.add(Finding{Code: CodeNotMapped, Severity: awsauth.SeverityError,
		Message: fmt.Sprintf("%s is not mapped %s: the authenticator answers 401 Unauthorized", p.Canonical, where),
		Fix:     fix})
	d.because(Unauthorized, CodeNotMapped, fmt.Sprintf("%s is not mapped %s", p.Canonical, where))
	d.assumeRoleHint()
}

// nearMisses finds aws-auth entries meant for the principal that the
// authenticator cannot apply.
func (d *diag) nearMisses() {
	d.neverMatching()
	d.droppedEntries()
	d.droppedKeys()
	d.ignoredKeys()
}

// neverMatching finds loaded entries written for the principal that never
// match it: the sso matcher, a rolearn with a path, an STS session ARN.
func (d *diag) neverMatching() {
	p, m := d.p, d.m
	role := isRole(p)
	for _, e := range m.Entries {
		if !e.Loaded || e.Kind == awsauth.KindAccount {
			continue
		}
		if e.SSO != nil {
			if role && e.SSO.AccountID == p.AccountID && strings.HasPrefix(strings.ToLower(p.Name), strings.ToLower("AWSReservedSSO_"+e.SSO.PermissionSetName+"_")) {
				d.add(Finding{Code: CodeSSOMatcher, Severity: awsauth.SeverityError, Key: e.Key, Line: e.Line,
					Message: fmt.Sprintf("aws-auth %s maps permission set %s with the sso matcher, which never matches: %s", e.Source(), e.SSO.PermissionSetName, e.Never),
					Fix:     "map the role by its ARN without the aws-reserved/sso.amazonaws.com path: " + d.addCmd()})
				d.because(Unauthorized, CodeSSOMatcher, fmt.Sprintf("%s is mapped only by the sso matcher on %s, which the authenticator does not apply", p.Canonical, e.Source()))
				d.attachLint(e)
			}
			continue
		}
		if !strings.Contains(e.ARN, p.AccountID) {
			continue // cheap test first: aws-auth may have thousands of entries
		}
		q, err := awsauth.Canonicalize(strings.TrimSpace(e.ARN))
		if err != nil || q.AccountID != p.AccountID || q.Partition != p.Partition {
			continue
		}
		switch {
		case role && q.Type == awsauth.PrincipalRole && q.Path != "/" && strings.EqualFold(q.Name, p.Name):
			path := strings.TrimPrefix(q.Path, "/")
			d.add(Finding{Code: CodeRolePathMismatch, Severity: awsauth.SeverityError, Key: e.Key, Line: e.Line,
				Message: fmt.Sprintf("aws-auth %s maps %s with the path %s; a role session's ARN has no path, so the authenticator compares %s and never matches", e.Source(), e.ARN, q.Path, p.Canonical),
				Fix:     fmt.Sprintf("the rolearn on line %d has a path: remove `%s` (%s), or run %s", e.Line, path, p.Canonical, d.addCmd())})
			d.because(Unauthorized, CodeRolePathMismatch, fmt.Sprintf("the rolearn on aws-auth %s has the path %s, so it never matches the session's canonical ARN %s", e.Source(), q.Path, p.Canonical))
			d.attachLint(e)
		case q.Type == awsauth.PrincipalAssumedRole && strings.EqualFold(q.Canonical, p.Canonical):
			d.add(Finding{Code: CodeSTSARNMapped, Severity: awsauth.SeverityError, Key: e.Key, Line: e.Line,
				Message: fmt.Sprintf("aws-auth %s maps the STS session ARN %s; the authenticator matches the role ARN %s, so it never matches", e.Source(), e.ARN, p.Canonical),
				Fix:     fmt.Sprintf("replace the ARN on line %d with %s: %s", e.Line, p.Canonical, d.addCmd())})
			d.because(Unauthorized, CodeSTSARNMapped, fmt.Sprintf("aws-auth %s holds the STS session ARN instead of the role ARN %s, so it never matches", e.Source(), p.Canonical))
			d.attachLint(e)
		}
	}
}

// dropSeverity is how sure a finding about dropped text is: an error when
// the raw text shows the principal's mapping there, a warning when the raw
// text was not gathered.
func dropSeverity(known bool) awsauth.Severity {
	if known {
		return awsauth.SeverityError
	}
	return awsauth.SeverityWarning
}

// droppedEntries finds entries the authenticator drops alone that hold (or
// may hold) the principal: the ARN is lost with them, so look for it in the
// raw text.
func (d *diag) droppedEntries() {
	for _, e := range d.m.Entries {
		if e.Loaded || e.Kind == awsauth.KindAccount {
			continue
		}
		found, known := d.entryHolds(e)
		if !found && known {
			continue
		}
		how := "holds " + d.p.Canonical + " but"
		if !known {
			how = "may hold your mapping:"
		}
		d.add(Finding{Code: CodeEntryDropped, Severity: dropSeverity(known), Key: e.Key, Line: e.Line,
			Message: fmt.Sprintf("aws-auth %s %s the entry is dropped: %s", e.Source(), how, e.Dropped),
			Fix:     fmt.Sprintf("fix the entry on %s line %d (%s), or rewrite it: %s", e.Key, e.Line, dropFix(e), d.addCmd())})
		d.mayBecause(known, Unauthorized, CodeEntryDropped, fmt.Sprintf("the authenticator drops the entry on aws-auth %s (%s)", e.Source(), e.Dropped))
		d.attachLint(e)
	}
}

// droppedKeys finds data keys dropped whole that hold (or may hold) the
// principal's mapping.
func (d *diag) droppedKeys() {
	for _, k := range d.m.Keys {
		switch {
		case k.Err == "":
		case k.Key == awsauth.KeyAccounts:
			d.droppedAccounts(k)
		default:
			d.droppedKey(k)
		}
	}
}

func (d *diag) droppedAccounts(k awsauth.KeyState) {
	found, known := d.rawHolds(k.Key, d.p.AccountID)
	if !found && known {
		return
	}
	d.add(Finding{Code: CodeAccountsNotLoaded, Severity: dropSeverity(known), Key: k.Key, Line: k.ErrLine,
		Message: fmt.Sprintf("mapAccounts is not loaded at all: %s; account %s is not let in by it", k.Err, d.p.AccountID),
		Fix:     fmt.Sprintf("write mapAccounts as a list: mapAccounts: |\\n  - \"%s\"", d.p.AccountID)})
	d.mayBecause(known, Unauthorized, CodeAccountsNotLoaded, "mapAccounts is not a list, so the authenticator drops it whole ("+k.Err+")")
	d.attachKeyLint(k.Key)
}

func (d *diag) droppedKey(k awsauth.KeyState) {
	found, known := d.rawHoldsARN(k.Key)
	if len(found) == 0 && known {
		return
	}
	how := "holds " + d.p.Canonical + " but"
	if len(found) > 0 {
		how = fmt.Sprintf("holds %s (line %d) but", d.p.Canonical, found[0])
	}
	if !known {
		how = "may hold your mapping, but"
	}
	kind := "a YAML error"
	fix := "fix the YAML of " + k.Key
	if strings.HasPrefix(k.Err, "the value is a single") {
		kind = "a single flow-style object, not a list"
		fix = "write " + k.Key + " as a list: wrap the object in [ ] or use '- ' items"
	}
	if k.ErrLine > 0 {
		fix += fmt.Sprintf(" at line %d", k.ErrLine)
	}
	if k.Hint != "" {
		fix += ": " + k.Hint
	}
	d.add(Finding{Code: CodeKeyNotLoaded, Severity: dropSeverity(known), Key: k.Key, Line: k.ErrLine,
		Message: fmt.Sprintf("%s %s %s is not loaded at all (%s: %s): every entry of %s is dropped", k.Key, how, k.Key, kind, k.Err, k.Key),
		Fix:     fix + "; check with 'kubectl eksaccess lint'"})
	d.mayBecause(known, Unauthorized, CodeKeyNotLoaded, fmt.Sprintf("%s has %s, so the authenticator drops every entry of it", k.Key, kind))
	d.attachKeyLint(k.Key)
}

// ignoredKeys finds data keys in the wrong case that hold (or may hold)
// the principal's mapping.
func (d *diag) ignoredKeys() {
	for _, name := range d.m.IgnoredKeys {
		found, known := d.rawHoldsARN(name)
		if len(found) == 0 && known {
			continue
		}
		want := name
		for _, k := range awsauth.DataKeys {
			if strings.EqualFold(k, name) {
				want = k
			}
		}
		how := "holds " + d.p.Canonical + ", but"
		if !known {
			how = "may hold your mapping, but"
		}
		d.add(Finding{Code: CodeWrongCaseKey, Severity: dropSeverity(known), Key: name,
			Message: fmt.Sprintf("data key %q %s data keys are case-sensitive: the authenticator reads only %q and ignores it", name, how, want),
			Fix:     fmt.Sprintf("rename the data key %q to %q", name, want)})
		d.mayBecause(known, Unauthorized, CodeWrongCaseKey, fmt.Sprintf("the mapping is under the data key %q, which the authenticator ignores (keys are case-sensitive: %q)", name, want))
		d.attachKeyLint(name)
	}
}

// noAdmin finds a CONFIG_MAP cluster where nobody is admin: the creator's
// hidden admin access is disabled and no applicable aws-auth entry gives
// system:masters.
func (d *diag) noAdmin() {
	c, aw := d.s.Cluster, d.s.AWSAuth
	if c == nil || c.CreatorAdmin == nil || *c.CreatorAdmin || aw == nil || (!aw.Missing && aw.Map == nil) {
		return
	}
	if c.AuthenticationMode != ModeConfigMap && !(c.AuthenticationMode == "" && d.s.Mode == ModeConfigMap) {
		return
	}
	if !aw.Missing && slices.ContainsFunc(aw.Map.Entries, func(e *awsauth.Entry) bool {
		return e.Effective() && e.Kind != awsauth.KindAccount && slices.Contains(e.Groups, "system:masters")
	}) {
		return
	}
	name, arn := d.clusterName(), orDefault(d.r.CanonicalARN, "YOUR_ARN")
	d.add(Finding{Code: CodeNoAdmin, Severity: awsauth.SeverityError,
		Message: "nobody is admin: the cluster is in CONFIG_MAP mode, the creator's admin access is disabled (bootstrapClusterCreatorAdminPermissions false), and no aws-auth entry that applies gives system:masters",
		Fix: fmt.Sprintf("get admin back through the EKS API: aws eks update-cluster-config --name %[1]s%[2]s --access-config authenticationMode=API_AND_CONFIG_MAP, then aws eks create-access-entry --cluster-name %[1]s --principal-arn %[3]s and aws eks associate-access-policy --cluster-name %[1]s --principal-arn %[3]s --policy-arn %[4]s --access-scope type=cluster",
			name, regionFlag(d.region()), arn, policyARN(d.p.Partition, "AmazonEKSClusterAdminPolicy"))})
	d.because(Unauthorized, CodeNoAdmin, fmt.Sprintf("%s is not mapped, and nobody can map it: the cluster has no admin left (CONFIG_MAP mode, creator admin access disabled, no system:masters entry)", orDefault(d.r.CanonicalARN, "the caller")))
}

// assumeRoleHint tells an unmapped IAM user which mapped role would let
// them in (the creator, or an admin role).
func (d *diag) assumeRoleHint() {
	p := d.p
	if p.Type != awsauth.PrincipalUser && p.Type != awsauth.PrincipalRoot {
		return
	}
	var roles []string
	seen := map[string]bool{}
	addRole := func(arn, why string) {
		if seen[strings.ToLower(arn)] || len(roles) >= 3 {
			return
		}
		seen[strings.ToLower(arn)] = true
		roles = append(roles, arn+" ("+why+")")
	}
	first := ""
	if c := d.s.Cluster; c != nil && c.Creator != "" && (c.CreatorAdmin == nil || *c.CreatorAdmin) {
		if q, err := awsauth.Canonicalize(c.Creator); err == nil && q.Type == awsauth.PrincipalRole {
			addRole(c.Creator, "the cluster creator")
			first = c.Creator
		}
	}
	if d.s.AccessEntries != nil && d.mode != ModeConfigMap {
		for _, e := range d.s.AccessEntries.Entries {
			if q, err := awsauth.Canonicalize(e.PrincipalARN); err == nil && q.Type == awsauth.PrincipalRole {
				addRole(e.PrincipalARN, "access entry")
				if first == "" {
					first = e.PrincipalARN
				}
			}
		}
	}
	if d.m != nil && d.mode != ModeAPI {
		for _, e := range d.m.Entries {
			if !e.Effective() || e.Kind != awsauth.KindRole || !slices.Contains(e.Groups, "system:masters") {
				continue
			}
			if q, err := awsauth.Canonicalize(e.ARN); err == nil && q.Type == awsauth.PrincipalRole && q.AccountID == p.AccountID {
				addRole(e.ARN, "aws-auth "+e.Source()+", system:masters")
				if first == "" {
					first = e.ARN
				}
			}
		}
	}
	if first == "" {
		return
	}
	d.add(Finding{Code: CodeAssumeRole, Severity: awsauth.SeverityWarning,
		Message: fmt.Sprintf("%s is an IAM user and is not mapped, but a role is: %s; the cluster sees you as that role only after you assume it", p.Canonical, strings.Join(roles, ", ")),
		Fix:     fmt.Sprintf("assume the role if you may: aws sts assume-role --role-arn %s --role-session-name %s, or have kubectl do it: kubectl eksaccess token --cluster-name %s --role-arn %s (as the exec plugin's command)", first, sessionFor(p), d.clusterName(), first)})
}

// attachLint keeps the EKSA1xx findings of one entry. Lint runs on a map
// holding that entry alone (its shadowing links are kept), not on all of
// aws-auth, which may have thousands of entries.
func (d *diag) attachLint(e *awsauth.Entry) {
	if e == nil || d.m == nil {
		return
	}
	for _, f := range awsauth.Lint(&awsauth.Map{Entries: []*awsauth.Entry{e}}) {
		if f.Key == e.Key && f.Line == e.Line && f.Code != awsauth.CodeNoMappings {
			d.add(f)
		}
	}
}

// attachKeyLint keeps the EKSA1xx findings about a whole key (a data key
// that fails, or an ignored one).
func (d *diag) attachKeyLint(key string) {
	if d.m == nil {
		return
	}
	one := &awsauth.Map{IgnoredKeys: []string{key}}
	if slices.Contains(awsauth.DataKeys, key) {
		one = &awsauth.Map{Keys: []awsauth.KeyState{d.m.Key(key)}}
	}
	for _, f := range awsauth.Lint(one) {
		if f.Key == key {
			d.add(f)
		}
	}
}

// arnPattern matches the principal's ARN in raw aws-auth text, with or
// without a path, as an iam role/user or an sts session.
func (d *diag) arnPattern() *regexp.Regexp {
	if d.arnRE == nil {
		d.arnRE = d.compileARNPattern()
	}
	return d.arnRE
}

func (d *diag) compileARNPattern() *regexp.Regexp {
	p := d.p
	name := p.Name
	if i := strings.LastIndex(name, "/"); i >= 0 {
		name = name[i+1:]
	}
	if name == "" {
		return regexp.MustCompile(`(?i)` + regexp.QuoteMeta(p.Canonical) + `(?:[^\w+=,.@/-]|$)`)
	}
	return regexp.MustCompile(`(?i)arn:[a-z-]+:(?:iam|sts)::` + regexp.QuoteMeta(p.AccountID) + `:(?:role|user|assumed-role)/(?:[\w+=,.@-]+/)*` + regexp.QuoteMeta(name) + `(?:/[\w+=,.@-]+)?(?:[^\w+=,.@/-]|$)`)
}

// rawHoldsARN returns the lines of a raw data key that hold the
// principal's ARN; known is false when the raw data was not gathered.
func (d *diag) rawHoldsARN(key string) (lines []int, known bool) {
	data := d.s.AWSAuth.Data
	if data == nil {
		return nil, false
	}
	re := d.arnPattern()
	for i, l := range strings.Split(data[key], "\n") {
		if re.MatchString(l) {
			lines = append(lines, i+1)
		}
	}
	return lines, true
}

// rawHolds reports whether a raw data key contains s.
func (d *diag) rawHolds(key, s string) (found, known bool) {
	data := d.s.AWSAuth.Data
	if data == nil {
		return false, false
	}
	return strings.Contains(data[key], s), true
}

// entryHolds reports whether the raw text of a dropped entry holds the
// principal's ARN (from its line to the next entry's).
func (d *diag) entryHolds(e *awsauth.Entry) (found, known bool) {
	lines, known := d.rawHoldsARN(e.Key)
	if !known || e.Line == 0 {
		return false, known && e.Line != 0
	}
	next := 1 << 30
	for _, o := range d.m.Entries {
		if o.Key == e.Key && o.Line > e.Line && o.Line < next {
			next = o.Line
		}
	}
	for _, l := range lines {
		if l >= e.Line && l < next {
			return true, true
		}
	}
	return false, true
}

func dropFix(e *awsauth.Entry) string {
	switch {
	case strings.Contains(e.Dropped, "userarn under mapRoles"):
		return "move it to mapUsers, or use rolearn"
	case strings.Contains(e.Dropped, "rolearn under mapUsers"):
		return "move it to mapRoles, or use userarn"
	case e.Kind == awsauth.KindRole:
		return "spell the key rolearn"
	}
	return "spell the key userarn"
}
