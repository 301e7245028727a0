package diagnose

import (
	"fmt"
	"slices"
	"strings"

	"github.com/eksaccess/kubectl-eksaccess/pkg/accessentry"
	"github.com/eksaccess/kubectl-eksaccess/pkg/awsauth"
)

// sim is the authenticator's decision as simulated from the gathered facts.
type sim struct {
	// known is true when every source the mode consults was checked.
	known         bool
	authenticated bool
	// refused is set when a mapping was found but the request is refused
	// anyway (template, stale or invalid access entry).
	refused  bool
	username string
	groups   []string
	source   string
	entry    *awsauth.Entry
	match    *awsauth.Match
	ae       *AccessEntry
	creator  bool
	// awsMatch is the aws-auth lookup, even when aws-auth is not what
	// decides (API mode, an access entry first).
	awsMatch *awsauth.Match
}

// simulate decides as the authenticator would: access entries, the
// creator's hidden mapping, aws-auth, then nothing.
func (d *diag) simulate() {
	if !d.pOK {
		return
	}
	aeChecked := d.lookUp()
	if ae, note := d.accessEntryFor(aeChecked); ae != nil {
		d.accessEntry(ae, note)
		return
	}
	if d.creatorMaps() {
		return
	}
	d.awsAuthDecides()
}

// lookUp says whether the sources the mode consults were checked, and
// looks the principal up in aws-auth whatever the mode: to decide, or as
// evidence. It reports whether the access entries were read.
func (d *diag) lookUp() (aeChecked bool) {
	s := d.s
	aeChecked = s.AccessEntries != nil && ran(&s.AccessEntries.Step)
	awsChecked := s.AWSAuth != nil && (s.AWSAuth.Missing || (ran(&s.AWSAuth.Step) && s.AWSAuth.Map != nil) || (s.AWSAuth.Map != nil && s.AWSAuth.Err == ""))
	switch d.mode {
	case ModeAPI:
		d.sim.known = aeChecked
	case ModeAPIAndConfigMap:
		d.sim.known = aeChecked && awsChecked
	default:
		d.sim.known = awsChecked
	}
	if awsChecked && !s.AWSAuth.Missing {
		d.sim.awsMatch = d.m.Lookup(d.p, d.akid)
		if d.mode == ModeAPIAndConfigMap && !aeChecked && d.sim.awsMatch != nil {
			// aws-auth maps the principal: an access entry could only
			// replace that mapping, not undo the authentication.
			d.sim.known = true
			d.r.Unchecked = append(d.r.Unchecked, "access entries: not read, so an access entry that overrides the aws-auth mapping cannot be ruled out")
		}
	}
	return aeChecked
}

// accessEntryFor is the access entry that applies to the principal (API,
// API_AND_CONFIG_MAP), with the note of how it matched; nil when none.
func (d *diag) accessEntryFor(aeChecked bool) (*AccessEntry, string) {
	var ae *AccessEntry
	aeNote := ""
	if aeChecked {
		for i := range d.s.AccessEntries.Entries {
			e := &d.s.AccessEntries.Entries[i]
			ok, note := d.samePrincipal(e.PrincipalARN)
			if ok && (ae == nil || (aeNote != "" && note == "")) {
				ae, aeNote = e, note
			}
		}
	}
	if ae != nil && d.mode == ModeConfigMap {
		d.add(Finding{Code: CodeAccessEntryIgnored, Severity: awsauth.SeverityInfo,
			Message: fmt.Sprintf("an access entry exists for %s, but the cluster's authentication mode is CONFIG_MAP: access entries are ignored", ae.PrincipalARN),
			Fix:     fmt.Sprintf("enable access entries: aws eks update-cluster-config --name %s%s --access-config authenticationMode=API_AND_CONFIG_MAP", d.clusterName(), regionFlag(d.region()))})
		return nil, ""
	}
	return ae, aeNote
}

// creatorMaps lets the cluster creator in: its admin access is invisible
// in CONFIG_MAP mode.
func (d *diag) creatorMaps() bool {
	c := d.s.Cluster
	if c == nil || c.Creator == "" || d.mode != ModeConfigMap || (c.CreatorAdmin != nil && !*c.CreatorAdmin) {
		return false
	}
	if ok, _ := d.samePrincipal(c.Creator); !ok {
		return false
	}
	d.sim.known = true
	d.sim.authenticated, d.sim.creator = true, true
	d.sim.username, d.sim.groups = creatorUsername, []string{"system:masters"}
	d.sim.source = CreatorSource
	d.evidence("%s created the cluster: in CONFIG_MAP mode its admin access (username %s, group system:masters) is not in aws-auth", c.Creator, creatorUsername)
	return true
}

// awsAuthDecides applies the aws-auth match (CONFIG_MAP,
// API_AND_CONFIG_MAP), or explains why nothing maps the principal.
func (d *diag) awsAuthDecides() {
	p, mt := d.p, d.sim.awsMatch
	if mt != nil {
		d.describeMatch(mt)
	}
	if d.mode == ModeAPI {
		if mt != nil {
			d.add(Finding{Code: CodeAPIModeIgnoresMap, Severity: awsauth.SeverityError, Key: mt.Entry.Key, Line: mt.Entry.Line,
				Message: fmt.Sprintf("aws-auth %s maps %s, but the cluster's authentication mode is API: aws-auth is ignored", mt.Entry.Source(), p.Canonical),
				Fix:     d.accessEntryFix() + "; or let aws-auth count again: aws eks update-cluster-config --name " + d.clusterName() + regionFlag(d.region()) + " --access-config authenticationMode=API_AND_CONFIG_MAP"})
			d.because(Unauthorized, CodeAPIModeIgnoresMap, fmt.Sprintf("%s is mapped only in aws-auth (%s), which the cluster ignores in API mode", p.Canonical, mt.Entry.Source()))
		}
		d.unmapped()
		return
	}
	if mt == nil {
		d.unmapped()
		return
	}
	d.sim.entry, d.sim.match = mt.Entry, mt
	d.sim.source = "aws-auth " + mt.Entry.Source()
	if mt.RenderErr != "" && d.sessionKnown {
		d.sim.refused = true
		d.add(Finding{Code: CodeEC2DNSNotInstance, Severity: awsauth.SeverityError, Key: mt.Entry.Key, Line: mt.Entry.Line,
			Message: fmt.Sprintf("aws-auth %s maps %s with %s, but the session %q is not an EC2 instance ID: the authenticator refuses the request", mt.Entry.Source(), p.Canonical, mt.RenderErr, p.SessionName),
			Fix:     fmt.Sprintf("use {{SessionName}} for people (kubectl eksaccess add %s --username %s:{{SessionName}} --group GROUP%s); keep {{EC2PrivateDNSName}} for node roles", p.Canonical, p.Name, d.ctxFlag())})
		d.because(Unauthorized, CodeEC2DNSNotInstance, fmt.Sprintf("aws-auth %s renders {{EC2PrivateDNSName}}, which fails for the non-instance session %q, so the request is refused", mt.Entry.Source(), p.SessionName))
		d.attachLint(mt.Entry)
		return
	}
	d.sim.authenticated = true
	d.sim.username, d.sim.groups = d.rendered(mt)
}

// describeMatch adds the evidence line of an aws-auth match.
func (d *diag) describeMatch(mt *awsauth.Match) {
	u, g := d.rendered(mt)
	what := "maps " + mt.Entry.ARN
	if mt.Entry.Kind == awsauth.KindAccount {
		what = "lets every principal of account " + mt.Entry.ARN + " in"
	}
	d.evidence("aws-auth %s %s to username %s groups %s", mt.Entry.Source(), what, orDefault(u, `""`), listOrNone(g))
}

// rendered is the username and groups of a match; when the session name is
// unknown (a role given with --arn), templates keep their session part.
func (d *diag) rendered(mt *awsauth.Match) (string, []string) {
	if d.sessionKnown || mt.Entry.Kind == awsauth.KindAccount || d.p.Type != awsauth.PrincipalRole {
		return mt.Username, mt.Groups
	}
	r := func(t string) string {
		t = strings.ReplaceAll(t, "{{AccountID}}", d.p.AccountID)
		if d.akid != "" {
			t = strings.ReplaceAll(t, "{{AccessKeyID}}", d.akid)
		}
		return t
	}
	gs := []string{}
	for _, g := range mt.Entry.Groups {
		gs = append(gs, r(g))
	}
	return r(mt.Entry.Username), gs
}

// accessEntry simulates an access entry that matches the principal.
func (d *diag) accessEntry(ae *AccessEntry, note string) {
	p := d.p
	d.sim.known = true
	d.sim.ae = ae
	d.sim.source = "access entry " + ae.PrincipalARN
	if note != "" {
		d.evidence("%s", note)
	}
	pol := policyNames(ae.Policies)
	d.evidence("access entry %s (type %s) maps %s to username %s groups %s, access policies %s", ae.PrincipalARN, orDefault(ae.Type, "STANDARD"), p.Canonical, orDefault(ae.Username, "(default)"), listOrNone(ae.Groups), listOrNone(pol))
	if !ae.CreatedAt.IsZero() && !ae.PrincipalCreatedAt.IsZero() && ae.CreatedAt.Before(ae.PrincipalCreatedAt) {
		d.sim.refused = true
		d.add(Finding{Code: CodeStaleAccessEntry, Severity: awsauth.SeverityError,
			Message: fmt.Sprintf("the access entry for %s was created %s, before the IAM principal (created %s): it holds the old principal's ID, and the recreated principal does not match it", ae.PrincipalARN, ae.CreatedAt.UTC().Format("2006-01-02T15:04:05Z"), ae.PrincipalCreatedAt.UTC().Format("2006-01-02T15:04:05Z")),
			Fix:     fmt.Sprintf("recreate the access entry: aws eks delete-access-entry --cluster-name %[1]s --principal-arn %[2]s, then aws eks create-access-entry --cluster-name %[1]s --principal-arn %[2]s and associate its access policies again", d.clusterName(), ae.PrincipalARN)})
		d.because(Unauthorized, CodeStaleAccessEntry, fmt.Sprintf("the access entry for %s predates the principal, which was recreated, so it no longer matches", ae.PrincipalARN))
		return
	}
	standard := ae.Type == "" || strings.EqualFold(ae.Type, "STANDARD")
	var reserved []string
	if standard && ae.Username != "" {
		if pre := reservedPrefix(ae.Username); pre != "" {
			reserved = append(reserved, fmt.Sprintf("username %q (prefix %q)", ae.Username, pre))
		}
	}
	for _, g := range ae.Groups {
		if strings.HasPrefix(g, accessentry.ReservedGroupPrefix) {
			reserved = append(reserved, fmt.Sprintf("group %q", g))
		}
	}
	if len(reserved) > 0 {
		d.sim.refused = true
		d.add(Finding{Code: CodeAccessEntryRefused, Severity: awsauth.SeverityError,
			Message: fmt.Sprintf("the access entry for %s has the reserved %s: EKS refuses access entries whose username starts with system:, eks:, aws:, amazon: or iam:, or whose groups start with system:", ae.PrincipalARN, strings.Join(reserved, " and ")),
			Fix:     fmt.Sprintf("use a username and groups without reserved prefixes (aws eks update-access-entry --cluster-name %s --principal-arn %s --username NAME --kubernetes-groups GROUP); for cluster admin, associate AmazonEKSClusterAdminPolicy instead of system:masters", d.clusterName(), ae.PrincipalARN)})
		d.because(Unauthorized, CodeAccessEntryRefused, fmt.Sprintf("the access entry for %s uses a reserved %s, which EKS refuses", ae.PrincipalARN, reserved[0]))
		return
	}
	d.sim.authenticated = true
	username := ae.Username
	groups := slices.Clone(ae.Groups)
	switch strings.ToUpper(ae.Type) {
	case "EC2_LINUX", "EC2_WINDOWS":
		username = awsauth.NodeUsername
		groups = []string{"system:bootstrappers", "system:nodes"}
	case "FARGATE_LINUX":
		username = "system:node:{{SessionName}}"
		groups = []string{"system:bootstrappers", "system:nodes", "system:node-proxier"}
	}
	if username == "" {
		// EKS's default username: the principal ARN, with the session for roles.
		username = ae.PrincipalARN
		if isRole(p) {
			username = fmt.Sprintf("arn:%s:sts::%s:assumed-role/%s/{{SessionName}}", p.Partition, p.AccountID, p.Name)
		}
	}
	if d.sessionKnown || !strings.Contains(username, "{{SessionName") {
		if u, err := awsauth.Render(username, p, d.akid); err == nil {
			username = u
		}
	}
	if groups == nil {
		groups = []string{}
	}
	d.sim.username, d.sim.groups = username, groups
}

// samePrincipal reports whether an ARN held by EKS (an access entry, the
// creator) is the principal; access entries hold the role ARN with its
// path, a session's canonical ARN has none, so roles match on name and
// account (EKS matches the principal's ID). The note says so.
func (d *diag) samePrincipal(arn string) (bool, string) {
	p := d.p
	if strings.EqualFold(arn, p.Canonical) || strings.EqualFold(arn, d.r.ARN) {
		return true, ""
	}
	q, err := awsauth.Canonicalize(arn)
	if err != nil || q.AccountID != p.AccountID || q.Partition != p.Partition {
		return false, ""
	}
	if q.Type == awsauth.PrincipalRole && isRole(p) && q.Name != "" && strings.EqualFold(q.Name, p.Name) {
		return true, fmt.Sprintf("%s holds the role with its path %s while the caller's canonical ARN %s has none: matched on role name and account (EKS matches the role's ID)", arn, q.Path, p.Canonical)
	}
	return false, ""
}

// isRole reports whether p is a role or a session of one.
func isRole(p awsauth.Principal) bool {
	return p.Type == awsauth.PrincipalRole || p.Type == awsauth.PrincipalAssumedRole
}
