package diagnose

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/eksaccess/kubectl-eksaccess/pkg/awsauth"
)

// Stable finding codes of diagnose. Never renumber: users grep for them.
// EKSA1xx codes (pkg/awsauth) are attached too, for the aws-auth entries
// that concern the subject.
const (
	// Unauthorized (401) and what leads to it.
	CodeNotMapped          = "EKSA201" // no access entry, no aws-auth entry maps the principal
	CodeRolePathMismatch   = "EKSA202" // the principal's role is mapped with a path: never matches
	CodeSTSARNMapped       = "EKSA203" // the principal is mapped by an sts assumed-role ARN: never matches
	CodeKeyNotLoaded       = "EKSA204" // the key that holds (or may hold) the mapping is dropped whole
	CodeEntryDropped       = "EKSA205" // the principal's entry is dropped alone
	CodeWrongCaseKey       = "EKSA206" // the mapping is under a data key in the wrong case
	CodeAccountsNotLoaded  = "EKSA207" // mapAccounts fails as a whole (a scalar)
	CodeEC2DNSNotInstance  = "EKSA208" // {{EC2PrivateDNSName}} for a session that is not an instance
	CodeAccessEntryRefused = "EKSA209" // an access entry with a reserved username or group
	CodeAPIModeIgnoresMap  = "EKSA210" // mapped only in aws-auth while the mode is API
	CodeStaleAccessEntry   = "EKSA211" // the access entry predates its principal (recreated)
	CodeTokenOtherCluster  = "EKSA212" // the token is signed for another cluster name
	CodeTokenExpired       = "EKSA213" // expired token or skewed clock
	CodeTokenTooLong       = "EKSA214" // the token is over 4096 bytes
	CodeTokenInvalid       = "EKSA215" // any other refusal of the token
	CodeExecIdentity       = "EKSA216" // the exec plugin uses another identity than the shell
	CodeExecV1Alpha1       = "EKSA217" // exec apiVersion v1alpha1, refused by kubectl 1.24+
	CodeNoAdmin            = "EKSA218" // nobody has admin access any more
	CodeAWSAuthMissing     = "EKSA219" // kube-system/aws-auth does not exist
	CodeSSOMatcher         = "EKSA220" // the principal is mapped only by the alpha sso matcher
	CodeAssumeRole         = "EKSA221" // an IAM user could get in by assuming a mapped role
	CodeLiveDisagrees      = "EKSA222" // the cluster's answer differs from the simulation
	CodeEndpointMismatch   = "EKSA223" // the kubeconfig server is not the cluster's endpoint
	CodeInvalidSubject     = "EKSA224" // the ARN is not an IAM identity the authenticator accepts
	CodeAccessEntryIgnored = "EKSA225" // an access entry in CONFIG_MAP mode is ignored

	// Forbidden (authenticated, refused by RBAC).
	CodeNoGroups             = "EKSA230" // authenticated with no groups
	CodeGroupsUnbound        = "EKSA231" // no RBAC binding names the username or any group
	CodeUsernameUnbound      = "EKSA232" // a template renders a username RBAC does not name
	CodeShadowedEntry        = "EKSA233" // the winning entry shadows an earlier one that grants more
	CodeBrokenEntry          = "EKSA234" // the entry loads but reads differently than written
	CodeAccessEntryOverrides = "EKSA235" // an access entry overrides an aws-auth mapping
	CodeAccessPolicyMissing  = "EKSA236" // an access entry with no access policy and no groups
	CodeAccessPolicyScope    = "EKSA237" // access policies scoped to other namespaces
	CodeRBACDenies           = "EKSA238" // bindings exist but none allows the request
	CodeRandomMapping        = "EKSA239" // case-variant mapUsers duplicates: random mapping
)

// CreatorSource is the Source of an identity let in by the cluster
// creator's admin access.
const CreatorSource = "cluster creator (bootstrapClusterCreatorAdminPermissions)"

// creatorUsername is the username EKS gives the creator in CONFIG_MAP mode.
const creatorUsername = "kubernetes-admin"

// maxTokenSize is the authenticator's limit on a token (pkg/token.maxTokenLenBytes).
const maxTokenSize = 4096

// Diagnose decides whether the identity of s gets in, as whom and why not.
// It is pure: it reads s and returns the report, deterministically.
func Diagnose(s Snapshot) Report {
	d := &diag{s: s, r: Report{Groups: []string{}, Findings: []Finding{}}, causes: map[string][]cause{}}
	d.unchecked()
	d.identity()
	d.execAndToken()
	d.simulate()
	d.noAdmin()
	d.liveFacts()
	d.decide()
	d.ensureFix()
	d.finish()
	return d.r
}

// cause is a candidate root cause for one verdict; the lowest rank wins.
type cause struct {
	rank int
	text string
	code string
}

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

type diag struct {
	s      Snapshot
	r      Report
	causes map[string][]cause
	seen   map[string]bool

	p            awsauth.Principal // lookup principal: Canonical without a role path
	pOK          bool
	rolePath     string // the path of a role given with --arn, "" when none
	sessionKnown bool
	akid         string
	mode         string
	modeKnown    bool
	m            *awsauth.Map
	arnRE        *regexp.Regexp

	sim           sim
	causeCode     string
	tokenRefused  bool
	execBroken    bool
	liveKnown     bool
	live          bool
	creatorInfer  bool
	authenticated bool
}

func (d *diag) add(f Finding) {
	f.Message, f.Fix = oneLine(f.Message), oneLine(f.Fix)
	if d.seen == nil {
		d.seen = map[string]bool{}
	}
	k := fmt.Sprint(f.Code, "\x00", f.Key, "\x00", f.Line, "\x00", f.Message)
	if d.seen[k] {
		return
	}
	d.seen[k] = true
	d.r.Findings = append(d.r.Findings, f)
}

func (d *diag) because(verdict string, rank int, code, text string) {
	d.causes[verdict] = append(d.causes[verdict], cause{rank: rank, text: oneLine(text), code: code})
}

func (d *diag) evidence(format string, args ...any) {
	d.r.Evidence = append(d.r.Evidence, fmt.Sprintf(format, args...))
}

// unchecked says plainly which steps did not run or failed.
func (d *diag) unchecked() {
	s := d.s
	steps := []struct {
		name string
		st   *Step
	}{}
	if s.Exec != nil {
		steps = append(steps, struct {
			name string
			st   *Step
		}{"exec plugin", &s.Exec.Step})
	}
	add := func(name string, st *Step) {
		steps = append(steps, struct {
			name string
			st   *Step
		}{name, st})
	}
	if s.Token != nil {
		add("token", &s.Token.Step)
	}
	if s.STS != nil {
		add("STS identity", &s.STS.Step)
	}
	if s.Cluster != nil {
		add("EKS cluster (DescribeCluster)", &s.Cluster.Step)
	}
	if s.AccessEntries != nil {
		add("access entries", &s.AccessEntries.Step)
	}
	if s.AWSAuth != nil {
		add("aws-auth", &s.AWSAuth.Step)
	}
	if s.Review != nil {
		add("SelfSubjectReview", &s.Review.Step)
	}
	if s.Access != nil {
		add("RBAC access review", &s.Access.Step)
	}
	for _, x := range steps {
		switch {
		case x.st.Skipped != "" && x.st.Err != "":
			d.r.Unchecked = append(d.r.Unchecked, fmt.Sprintf("%s: not checked: %s (%s)", x.name, x.st.Skipped, x.st.Err))
		case x.st.Skipped != "":
			d.r.Unchecked = append(d.r.Unchecked, fmt.Sprintf("%s: not checked: %s", x.name, x.st.Skipped))
		case x.st.Err != "":
			d.r.Unchecked = append(d.r.Unchecked, fmt.Sprintf("%s: failed: %s", x.name, x.st.Err))
		case !x.st.Ran:
			d.r.Unchecked = append(d.r.Unchecked, x.name+": did not run")
		}
	}
}

func ran(st *Step) bool { return st != nil && st.Ran && st.Err == "" && st.Skipped == "" }

// identity finds the ARN, its canonical form and the mode.
func (d *diag) identity() {
	s := d.s
	if s.STS != nil && s.STS.ARN != "" {
		acct := ""
		if s.STS.Account != "" {
			acct = " (account " + s.STS.Account + ")"
		}
		d.evidence("STS says you are %s%s", s.STS.ARN, acct)
	}
	arn := s.Subject
	if arn == "" && s.STS != nil {
		arn = s.STS.ARN
	}
	d.r.ARN = arn

	d.mode = s.Mode
	if d.mode == "" && s.Cluster != nil {
		d.mode = s.Cluster.AuthenticationMode
	}
	d.modeKnown = d.mode != ""
	if !d.modeKnown {
		d.mode = ModeConfigMap
		d.r.Unchecked = append(d.r.Unchecked, "authentication mode: unknown, assumed CONFIG_MAP (aws-auth only)")
	}
	if s.Cluster != nil && ran(&s.Cluster.Step) {
		creator := "unknown"
		if s.Cluster.CreatorAdmin != nil {
			creator = fmt.Sprint(*s.Cluster.CreatorAdmin)
		}
		d.evidence("EKS cluster %s: authenticationMode %s, bootstrapClusterCreatorAdminPermissions %s", orDefault(s.Cluster.Name, "?"), orDefault(s.Cluster.AuthenticationMode, "?"), creator)
		if e, k := strings.TrimRight(strings.ToLower(s.Cluster.Endpoint), "/"), strings.TrimRight(strings.ToLower(s.Cluster.KubeconfigServer), "/"); e != "" && k != "" && e != k {
			d.add(Finding{Code: CodeEndpointMismatch, Severity: awsauth.SeverityWarning,
				Message: fmt.Sprintf("the kubeconfig server %s is not the endpoint of EKS cluster %s (%s): kubectl talks to another cluster than the one described", s.Cluster.KubeconfigServer, s.Cluster.Name, s.Cluster.Endpoint),
				Fix:     fmt.Sprintf("point the context at the right cluster: aws eks update-kubeconfig --name %s%s", orDefault(s.Cluster.Name, "CLUSTER"), regionFlag(s.Cluster.Region))})
		}
	}
	if s.AWSAuth != nil && s.AWSAuth.Map != nil {
		d.m = s.AWSAuth.Map
	}
	if s.Token != nil {
		d.akid = s.Token.AccessKeyID
	}
	if arn == "" {
		return
	}
	p, err := awsauth.Canonicalize(arn)
	if err != nil {
		d.add(Finding{Code: CodeInvalidSubject, Severity: awsauth.SeverityError,
			Message: fmt.Sprintf("%s is not an identity the authenticator accepts: %v", arn, err),
			Fix:     "give the ARN of an IAM user or role, or of an assumed-role session: arn:aws:iam::111122223333:role/NAME"})
		d.because(Unknown, 0, CodeInvalidSubject, fmt.Sprintf("%s is not an IAM identity ARN, so it cannot be diagnosed", arn))
		d.because(Unauthorized, 0, CodeInvalidSubject, fmt.Sprintf("%s is not an IAM identity ARN, which the authenticator refuses", arn))
		return
	}
	d.pOK = true
	d.sessionKnown = p.Type == awsauth.PrincipalAssumedRole
	if p.Type == awsauth.PrincipalRole && p.Path != "/" && p.Name != "" {
		// A session of this role is seen by STS without the path.
		d.rolePath = p.Path
		p.Canonical = fmt.Sprintf("arn:%s:iam::%s:role/%s", p.Partition, p.AccountID, p.Name)
		d.evidence("a session of %s is seen by the authenticator as %s: STS drops the path %s", arn, p.Canonical, d.rolePath)
	}
	d.p = p
	d.r.CanonicalARN = p.Canonical
	if p.Canonical != arn {
		if p.SessionName != "" {
			d.evidence("canonical ARN: %s (session %s)", p.Canonical, p.SessionName)
		} else {
			d.evidence("canonical ARN: %s", p.Canonical)
		}
	}
}

// execAndToken checks what happens before the authenticator maps anybody.
func (d *diag) execAndToken() {
	s := d.s
	if s.Exec != nil && s.Exec.APIVersion == ExecAPIVersionV1Alpha {
		d.execBroken = true
		d.add(Finding{Code: CodeExecV1Alpha1, Severity: awsauth.SeverityError,
			Message: fmt.Sprintf("the kubeconfig exec plugin (%s) uses apiVersion %s, which kubectl 1.24 and later refuse: kubectl never gets a token", orDefault(s.Exec.Command, "?"), ExecAPIVersionV1Alpha),
			Fix:     fmt.Sprintf("set the exec apiVersion to client.authentication.k8s.io/v1beta1 in the kubeconfig user, or regenerate it: aws eks update-kubeconfig --name %s%s", d.clusterName(), regionFlag(d.region()))})
		d.because(Unauthorized, 0, CodeExecV1Alpha1, "kubectl 1.24 and later refuse the exec plugin's apiVersion client.authentication.k8s.io/v1alpha1, so no token is ever sent")
	}
	if t := s.Token; t != nil {
		if t.Region != "" || t.Size > 0 {
			d.evidence("token: %d bytes, region %s, signed %s, valid until %s (STS accepts a token for 15 minutes after signing, whatever X-Amz-Expires=%d says), access key %s", t.Size, orDefault(t.Region, "?"), fmtTime(t), t.Date.Add(15*time.Minute).UTC().Format(time.RFC3339), t.Expires, orDefault(t.AccessKeyID, "?"))
		}
		inv := strings.ToLower(t.Invalid)
		switch {
		case t.Size > maxTokenSize || strings.Contains(inv, "bytes, more than"):
			d.tokenRefused = true
			d.add(Finding{Code: CodeTokenTooLong, Severity: awsauth.SeverityError,
				Message: fmt.Sprintf("the token is %d bytes; the authenticator refuses tokens over %d bytes", t.Size, maxTokenSize),
				Fix:     "make the session smaller: fewer session tags, a shorter session policy and role session name (the presigned URL carries the session token)"})
			d.because(Unauthorized, 1, CodeTokenTooLong, fmt.Sprintf("the token is %d bytes, over the authenticator's limit of %d", t.Size, maxTokenSize))
		case strings.Contains(inv, "expired") || strings.Contains(inv, "future") || strings.Contains(inv, "clock"):
			d.tokenRefused = true
			d.add(Finding{Code: CodeTokenExpired, Severity: awsauth.SeverityError,
				Message: "the token is refused as " + t.Invalid,
				Fix:     "sync this machine's clock with NTP (e.g. `sudo chronyc makestep` or `sudo timedatectl set-ntp true`), and do not cache tokens: kubectl asks the exec plugin for a fresh one"})
			d.because(Unauthorized, 1, CodeTokenExpired, "the token is expired or dated in the future (this machine's clock is off), so the authenticator refuses it")
		case t.Invalid != "":
			d.tokenRefused = true
			d.add(Finding{Code: CodeTokenInvalid, Severity: awsauth.SeverityError,
				Message: "the authenticator refuses the token: " + t.Invalid,
				Fix:     fmt.Sprintf("make the exec plugin produce an EKS token (aws eks get-token --cluster-name %s, or kubectl eksaccess token --cluster-name %s)", d.clusterName(), d.clusterName())})
			d.because(Unauthorized, 1, CodeTokenInvalid, "the authenticator refuses the token itself: "+t.Invalid)
		}
	}
	execCluster := ""
	if s.Exec != nil {
		execCluster = s.Exec.ClusterName
	}
	otherName := execCluster != "" && s.Cluster != nil && s.Cluster.Name != "" && execCluster != s.Cluster.Name
	if st := s.STS; st != nil {
		switch code := st.ErrorCode; {
		case code == "SignatureDoesNotMatch" || (code == "" && otherName):
			d.tokenRefused = code != "" || d.tokenRefused
			msg := "STS refuses the token replayed with this cluster's name (SignatureDoesNotMatch): it was signed for another cluster name"
			if otherName {
				msg = fmt.Sprintf("the exec plugin signs the token for cluster %q but this cluster is %q: the authenticator's replay to STS fails with SignatureDoesNotMatch", execCluster, s.Cluster.Name)
				d.tokenRefused = true
			}
			d.add(Finding{Code: CodeTokenOtherCluster, Severity: awsauth.SeverityError, Message: msg,
				Fix: fmt.Sprintf("give the exec plugin this cluster's name (--cluster-name %s): aws eks update-kubeconfig --name %s%s", d.clusterName(), d.clusterName(), regionFlag(d.region()))})
			d.because(Unauthorized, 1, CodeTokenOtherCluster, "the token is signed for another cluster name, so STS refuses the authenticator's replay (SignatureDoesNotMatch)")
		case code == "ExpiredToken" || code == "RequestExpired" || code == "ExpiredTokenException":
			d.tokenRefused = true
			d.add(Finding{Code: CodeTokenExpired, Severity: awsauth.SeverityError,
				Message: fmt.Sprintf("STS refuses the token: %s (the credentials or the signature are expired, or this machine's clock is off)", code),
				Fix:     "refresh the AWS credentials (aws sso login, or a new session), sync this machine's clock with NTP, then retry"})
			d.because(Unauthorized, 1, CodeTokenExpired, "STS says the token's credentials are expired ("+code+"), so the authenticator refuses it")
		case code != "":
			d.tokenRefused = true
			d.add(Finding{Code: CodeTokenInvalid, Severity: awsauth.SeverityError,
				Message: fmt.Sprintf("STS refuses the token: %s%s", code, suffix(": ", st.Err)),
				Fix:     "check the exec plugin's AWS credentials: aws sts get-caller-identity" + d.profileFlag()})
			d.because(Unauthorized, 1, CodeTokenInvalid, "STS refuses the token ("+code+"), so the authenticator refuses the request")
		}
	}
}

// simulate decides as the authenticator would: access entries, the
// creator's hidden mapping, aws-auth, then nothing.
func (d *diag) simulate() {
	if !d.pOK {
		return
	}
	s := d.s
	p := d.p
	aeChecked := s.AccessEntries != nil && ran(&s.AccessEntries.Step)
	awsChecked := s.AWSAuth != nil && (s.AWSAuth.Missing || (ran(&s.AWSAuth.Step) && s.AWSAuth.Map != nil) || (s.AWSAuth.Map != nil && s.AWSAuth.Err == ""))
	switch d.mode {
	case ModeAPI:
		d.sim.known = aeChecked
	case ModeAPIAndConfigMap:
		d.sim.known = aeChecked && awsChecked
	default:
		d.sim.known = awsChecked
	}

	// aws-auth is looked up whatever the mode: to decide, or as evidence.
	if awsChecked && !s.AWSAuth.Missing {
		d.sim.awsMatch = d.m.Lookup(p, d.akid)
		if d.mode == ModeAPIAndConfigMap && !aeChecked && d.sim.awsMatch != nil {
			// aws-auth maps the principal: an access entry could only
			// replace that mapping, not undo the authentication.
			d.sim.known = true
			d.r.Unchecked = append(d.r.Unchecked, "access entries: not read, so an access entry that overrides the aws-auth mapping cannot be ruled out")
		}
	}

	// 1. Access entries (API, API_AND_CONFIG_MAP).
	var ae *AccessEntry
	aeNote := ""
	if aeChecked {
		for i := range s.AccessEntries.Entries {
			e := &s.AccessEntries.Entries[i]
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
		ae = nil
	}
	if ae != nil {
		d.accessEntry(ae, aeNote)
		return
	}

	// 2. The creator's admin access, invisible in CONFIG_MAP mode.
	if c := s.Cluster; c != nil && c.Creator != "" && d.mode == ModeConfigMap && (c.CreatorAdmin == nil || *c.CreatorAdmin) {
		if ok, _ := d.samePrincipal(c.Creator); ok {
			d.sim.known = true
			d.sim.authenticated, d.sim.creator = true, true
			d.sim.username, d.sim.groups = creatorUsername, []string{"system:masters"}
			d.sim.source = CreatorSource
			d.evidence("%s created the cluster: in CONFIG_MAP mode its admin access (username %s, group system:masters) is not in aws-auth", c.Creator, creatorUsername)
			return
		}
	}

	// 3. aws-auth (CONFIG_MAP, API_AND_CONFIG_MAP).
	mt := d.sim.awsMatch
	if mt != nil {
		d.describeMatch(mt)
	}
	if d.mode == ModeAPI {
		if mt != nil {
			d.add(Finding{Code: CodeAPIModeIgnoresMap, Severity: awsauth.SeverityError, Key: mt.Entry.Key, Line: mt.Entry.Line,
				Message: fmt.Sprintf("aws-auth %s maps %s, but the cluster's authentication mode is API: aws-auth is ignored", mt.Entry.Source(), p.Canonical),
				Fix:     d.accessEntryFix() + "; or let aws-auth count again: aws eks update-cluster-config --name " + d.clusterName() + regionFlag(d.region()) + " --access-config authenticationMode=API_AND_CONFIG_MAP"})
			d.because(Unauthorized, 3, CodeAPIModeIgnoresMap, fmt.Sprintf("%s is mapped only in aws-auth (%s), which the cluster ignores in API mode", p.Canonical, mt.Entry.Source()))
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
		d.because(Unauthorized, 2, CodeEC2DNSNotInstance, fmt.Sprintf("aws-auth %s renders {{EC2PrivateDNSName}}, which fails for the non-instance session %q, so the request is refused", mt.Entry.Source(), p.SessionName))
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
	pol := []string{}
	for _, x := range ae.Policies {
		pol = append(pol, policyName(x.PolicyARN)+" ("+scope(x)+")")
	}
	d.evidence("access entry %s (type %s) maps %s to username %s groups %s, access policies %s", ae.PrincipalARN, orDefault(ae.Type, "STANDARD"), p.Canonical, orDefault(ae.Username, "(default)"), listOrNone(ae.KubernetesGroups), listOrNone(pol))
	if !ae.CreatedAt.IsZero() && !ae.PrincipalCreatedAt.IsZero() && ae.CreatedAt.Before(ae.PrincipalCreatedAt) {
		d.sim.refused = true
		d.add(Finding{Code: CodeStaleAccessEntry, Severity: awsauth.SeverityError,
			Message: fmt.Sprintf("the access entry for %s was created %s, before the IAM principal (created %s): it holds the old principal's ID, and the recreated principal does not match it", ae.PrincipalARN, ae.CreatedAt.UTC().Format("2006-01-02T15:04:05Z"), ae.PrincipalCreatedAt.UTC().Format("2006-01-02T15:04:05Z")),
			Fix:     fmt.Sprintf("recreate the access entry: aws eks delete-access-entry --cluster-name %[1]s --principal-arn %[2]s, then aws eks create-access-entry --cluster-name %[1]s --principal-arn %[2]s and associate its access policies again", d.clusterName(), ae.PrincipalARN)})
		d.because(Unauthorized, 2, CodeStaleAccessEntry, fmt.Sprintf("the access entry for %s predates the principal, which was recreated, so it no longer matches", ae.PrincipalARN))
		return
	}
	standard := ae.Type == "" || strings.EqualFold(ae.Type, "STANDARD")
	var reserved []string
	if standard && ae.Username != "" {
		if pre := reservedPrefix(ae.Username); pre != "" {
			reserved = append(reserved, fmt.Sprintf("username %q (prefix %q)", ae.Username, pre))
		}
	}
	for _, g := range ae.KubernetesGroups {
		if strings.HasPrefix(g, "system:") {
			reserved = append(reserved, fmt.Sprintf("group %q", g))
		}
	}
	if len(reserved) > 0 {
		d.sim.refused = true
		d.add(Finding{Code: CodeAccessEntryRefused, Severity: awsauth.SeverityError,
			Message: fmt.Sprintf("the access entry for %s has the reserved %s: EKS refuses access entries whose username starts with system:, eks:, aws:, amazon: or iam:, or whose groups start with system:", ae.PrincipalARN, strings.Join(reserved, " and ")),
			Fix:     fmt.Sprintf("use a username and groups without reserved prefixes (aws eks update-access-entry --cluster-name %s --principal-arn %s --username NAME --kubernetes-groups GROUP); for cluster admin, associate AmazonEKSClusterAdminPolicy instead of system:masters", d.clusterName(), ae.PrincipalARN)})
		d.because(Unauthorized, 2, CodeAccessEntryRefused, fmt.Sprintf("the access entry for %s uses a reserved %s, which EKS refuses", ae.PrincipalARN, reserved[0]))
		return
	}
	d.sim.authenticated = true
	username := ae.Username
	groups := slices.Clone(ae.KubernetesGroups)
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
		if p.Type == awsauth.PrincipalRole || p.Type == awsauth.PrincipalAssumedRole {
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
	isRole := p.Type == awsauth.PrincipalRole || p.Type == awsauth.PrincipalAssumedRole
	if q.Type == awsauth.PrincipalRole && isRole && q.Name != "" && strings.EqualFold(q.Name, p.Name) {
		return true, fmt.Sprintf("%s holds the role with its path %s while the caller's canonical ARN %s has none: matched on role name and account (EKS matches the role's ID)", arn, q.Path, p.Canonical)
	}
	return false, ""
}

// unmapped explains why nothing maps the principal.
func (d *diag) unmapped() {
	s, p := d.s, d.p
	apiOnly := d.mode == ModeAPI
	if !apiOnly && s.AWSAuth != nil && s.AWSAuth.Missing {
		d.add(Finding{Code: CodeAWSAuthMissing, Severity: awsauth.SeverityError,
			Message: "the ConfigMap kube-system/aws-auth does not exist: nobody is mapped by it (node roles included)",
			Fix:     "create it with the mapping: " + d.addCmd()})
		d.because(Unauthorized, 4, CodeAWSAuthMissing, "kube-system/aws-auth does not exist, so nothing maps "+p.Canonical)
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
	d.because(Unauthorized, 9, CodeNotMapped, fmt.Sprintf("%s is not mapped %s", p.Canonical, where))
	d.assumeRoleHint()
}

// nearMisses finds aws-auth entries meant for the principal that the
// authenticator cannot apply.
func (d *diag) nearMisses() {
	p, m := d.p, d.m
	isRole := p.Type == awsauth.PrincipalRole || p.Type == awsauth.PrincipalAssumedRole
	for _, e := range m.Entries {
		if !e.Loaded || e.Kind == awsauth.KindAccount {
			continue
		}
		if e.SSO != nil {
			if isRole && e.SSO.AccountID == p.AccountID && strings.HasPrefix(strings.ToLower(p.Name), strings.ToLower("AWSReservedSSO_"+e.SSO.PermissionSetName+"_")) {
				d.add(Finding{Code: CodeSSOMatcher, Severity: awsauth.SeverityError, Key: e.Key, Line: e.Line,
					Message: fmt.Sprintf("aws-auth %s maps permission set %s with the sso matcher, which never matches: %s", e.Source(), e.SSO.PermissionSetName, e.Never),
					Fix:     "map the role by its ARN without the aws-reserved/sso.amazonaws.com path: " + d.addCmd()})
				d.because(Unauthorized, 4, CodeSSOMatcher, fmt.Sprintf("%s is mapped only by the sso matcher on %s, which the authenticator does not apply", p.Canonical, e.Source()))
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
		case isRole && q.Type == awsauth.PrincipalRole && q.Path != "/" && strings.EqualFold(q.Name, p.Name):
			path := strings.TrimPrefix(q.Path, "/")
			d.add(Finding{Code: CodeRolePathMismatch, Severity: awsauth.SeverityError, Key: e.Key, Line: e.Line,
				Message: fmt.Sprintf("aws-auth %s maps %s with the path %s; a role session's ARN has no path, so the authenticator compares %s and never matches", e.Source(), e.ARN, q.Path, p.Canonical),
				Fix:     fmt.Sprintf("the rolearn on line %d has a path: remove `%s` (%s), or run %s", e.Line, path, p.Canonical, d.addCmd())})
			d.because(Unauthorized, 4, CodeRolePathMismatch, fmt.Sprintf("the rolearn on aws-auth %s has the path %s, so it never matches the session's canonical ARN %s", e.Source(), q.Path, p.Canonical))
			d.attachLint(e)
		case q.Type == awsauth.PrincipalAssumedRole && strings.EqualFold(q.Canonical, p.Canonical):
			d.add(Finding{Code: CodeSTSARNMapped, Severity: awsauth.SeverityError, Key: e.Key, Line: e.Line,
				Message: fmt.Sprintf("aws-auth %s maps the STS session ARN %s; the authenticator matches the role ARN %s, so it never matches", e.Source(), e.ARN, p.Canonical),
				Fix:     fmt.Sprintf("replace the ARN on line %d with %s: %s", e.Line, p.Canonical, d.addCmd())})
			d.because(Unauthorized, 4, CodeSTSARNMapped, fmt.Sprintf("aws-auth %s holds the STS session ARN instead of the role ARN %s, so it never matches", e.Source(), p.Canonical))
			d.attachLint(e)
		}
	}
	// Dropped entries: the ARN is lost with them, so look for it in the raw text.
	for _, e := range m.Entries {
		if e.Loaded || e.Kind == awsauth.KindAccount {
			continue
		}
		found, known := d.entryHolds(e)
		if !found && known {
			continue
		}
		sev, rank, how := awsauth.SeverityError, 5, "holds "+d.p.Canonical+" but"
		if !known {
			sev, rank, how = awsauth.SeverityWarning, 8, "may hold your mapping:"
		}
		d.add(Finding{Code: CodeEntryDropped, Severity: sev, Key: e.Key, Line: e.Line,
			Message: fmt.Sprintf("aws-auth %s %s the entry is dropped: %s", e.Source(), how, e.Dropped),
			Fix:     fmt.Sprintf("fix the entry on %s line %d (%s), or rewrite it: %s", e.Key, e.Line, dropFix(e), d.addCmd())})
		d.because(Unauthorized, rank, CodeEntryDropped, fmt.Sprintf("the authenticator drops the entry on aws-auth %s (%s)", e.Source(), e.Dropped))
		d.attachLint(e)
	}
	// Keys dropped whole.
	for _, k := range m.Keys {
		if k.Err == "" {
			continue
		}
		if k.Key == awsauth.KeyAccounts {
			found, known := d.rawHolds(k.Key, d.p.AccountID)
			if !found && known {
				continue
			}
			sev, rank := awsauth.SeverityError, 5
			if !known {
				sev, rank = awsauth.SeverityWarning, 8
			}
			d.add(Finding{Code: CodeAccountsNotLoaded, Severity: sev, Key: k.Key, Line: k.ErrLine,
				Message: fmt.Sprintf("mapAccounts is not loaded at all: %s; account %s is not let in by it", k.Err, d.p.AccountID),
				Fix:     fmt.Sprintf("write mapAccounts as a list: mapAccounts: |\\n  - \"%s\"", d.p.AccountID)})
			d.because(Unauthorized, rank, CodeAccountsNotLoaded, "mapAccounts is not a list, so the authenticator drops it whole ("+k.Err+")")
			d.attachKeyLint(k.Key)
			continue
		}
		found, known := d.rawHoldsARN(k.Key)
		if len(found) == 0 && known {
			continue
		}
		sev, rank, how := awsauth.SeverityError, 5, "holds "+d.p.Canonical+" but"
		if len(found) > 0 {
			how = fmt.Sprintf("holds %s (line %d) but", d.p.Canonical, found[0])
		}
		if !known {
			sev, rank, how = awsauth.SeverityWarning, 6, "may hold your mapping, but"
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
		d.add(Finding{Code: CodeKeyNotLoaded, Severity: sev, Key: k.Key, Line: k.ErrLine,
			Message: fmt.Sprintf("%s %s %s is not loaded at all (%s: %s): every entry of %s is dropped", k.Key, how, k.Key, kind, k.Err, k.Key),
			Fix:     fix + "; check with 'kubectl eksaccess lint'"})
		d.because(Unauthorized, rank, CodeKeyNotLoaded, fmt.Sprintf("%s has %s, so the authenticator drops every entry of it", k.Key, kind))
		d.attachKeyLint(k.Key)
	}
	for _, name := range m.IgnoredKeys {
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
		sev, rank, how := awsauth.SeverityError, 5, "holds "+d.p.Canonical+", but"
		if !known {
			sev, rank, how = awsauth.SeverityWarning, 6, "may hold your mapping, but"
		}
		d.add(Finding{Code: CodeWrongCaseKey, Severity: sev, Key: name,
			Message: fmt.Sprintf("data key %q %s data keys are case-sensitive: the authenticator reads only %q and ignores it", name, how, want),
			Fix:     fmt.Sprintf("rename the data key %q to %q", name, want)})
		d.because(Unauthorized, rank, CodeWrongCaseKey, fmt.Sprintf("the mapping is under the data key %q, which the authenticator ignores (keys are case-sensitive: %q)", name, want))
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
	d.because(Unauthorized, 8, CodeNoAdmin, fmt.Sprintf("%s is not mapped, and nobody can map it: the cluster has no admin left (CONFIG_MAP mode, creator admin access disabled, no system:masters entry)", orDefault(d.r.CanonicalARN, "the caller")))
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

// live lets the cluster's own answers override the simulation.
func (d *diag) liveFacts() {
	s := d.s
	rv := s.Review
	if rv == nil {
		if !d.execBroken {
			d.r.Unchecked = append(d.r.Unchecked, "no SelfSubjectReview: whether the cluster authenticates you is simulated from aws-auth and access entries")
		}
	} else if ran(&rv.Step) {
		switch {
		case rv.Unauthorized:
			d.liveKnown, d.live = true, false
			d.evidence("SelfSubjectReview: 401 Unauthorized")
		case rv.Username != "":
			d.liveKnown, d.live = true, true
			d.evidence("SelfSubjectReview: username %s groups %s", rv.Username, listOrNone(rv.Groups))
		}
	}
	if d.liveKnown {
		d.compareLive()
	}
	if a := s.Access; a != nil && ran(&a.Step) {
		verdict := "denied"
		if a.Allowed {
			verdict = "allowed"
		}
		d.evidence("access review: %s %s%s: %s%s", orDefault(a.Verb, "get"), orDefault(a.Resource, "?"), nsSuffix(a.Namespace), verdict, suffix(" (", a.Reason, ")"))
		for _, b := range a.Bindings {
			d.evidence("RBAC: %s %s%s binds %s to %s", b.Kind, b.Name, nsSuffix(b.Namespace), b.Subject, b.Role)
		}
	}
}

// compareLive makes any disagreement between the cluster and the
// simulation a finding.
func (d *diag) compareLive() {
	s, sm := d.s, d.sim
	switch {
	case !d.live && sm.authenticated:
		var why []string
		if !d.modeKnown {
			why = append(why, "the cluster's authentication mode may be API, where aws-auth is ignored")
		}
		if sm.ae == nil && d.mode != ModeConfigMap && (s.AccessEntries == nil || !ran(&s.AccessEntries.Step)) {
			why = append(why, "an access entry for you (not read) may override the mapping")
		}
		if sm.ae != nil {
			why = append(why, "the access entry may be stale (the principal recreated since) or not yet propagated")
		}
		if s.STS == nil || !ran(&s.STS.Step) {
			why = append(why, "the token may be signed for another cluster name or expired (the STS replay was not checked)")
		}
		if s.AWSAuth != nil && !fromCluster(s.AWSAuth.Source) {
			why = append(why, "the aws-auth read from "+s.AWSAuth.Source+" may not be the one in the cluster")
		}
		if !s.AsMyself {
			why = append(why, "the request was made with another identity than the one simulated")
		}
		if len(why) == 0 {
			why = append(why, "the cluster's aws-auth may have changed since it was read, or EKS has not yet propagated it (it takes up to a minute)")
		}
		d.add(Finding{Code: CodeLiveDisagrees, Severity: awsauth.SeverityError,
			Message: fmt.Sprintf("the cluster answers 401 although %s maps %s: %s", sm.source, d.p.Canonical, strings.Join(why, "; ")),
			Fix:     "re-run diagnose with the missing facts (cluster access for DescribeCluster, access entries and the STS replay), and check the authenticator log in CloudWatch (log group /aws/eks/" + d.clusterName() + "/cluster, streams authenticator-*)"})
		d.because(Unauthorized, 3, CodeLiveDisagrees, fmt.Sprintf("the cluster answers 401 although %s maps %s (%s)", sm.source, d.p.Canonical, why[0]))
	case d.live && !sm.authenticated:
		rv := s.Review
		creatorish := d.mode == ModeConfigMap && (s.Cluster == nil || s.Cluster.CreatorAdmin == nil || *s.Cluster.CreatorAdmin) &&
			(rv.Username == creatorUsername || slices.Contains(rv.Groups, "system:masters"))
		// What the simulation said about an unmapped caller no longer holds:
		// its near misses stay, as warnings.
		kept := d.r.Findings[:0]
		for _, f := range d.r.Findings {
			switch f.Code {
			case CodeNotMapped, CodeAssumeRole:
				continue
			case CodeRolePathMismatch, CodeSTSARNMapped, CodeKeyNotLoaded, CodeEntryDropped, CodeWrongCaseKey, CodeAccountsNotLoaded, CodeAWSAuthMissing, CodeSSOMatcher, CodeAPIModeIgnoresMap:
				f.Severity = awsauth.SeverityWarning
			}
			kept = append(kept, f)
		}
		d.r.Findings = kept
		d.causes[Unauthorized] = nil
		switch {
		case creatorish && !d.tokenRefused && !sm.refused:
			d.creatorInfer = true
			d.add(Finding{Code: CodeLiveDisagrees, Severity: awsauth.SeverityInfo,
				Message: fmt.Sprintf("the cluster authenticates you as %s although aws-auth does not map you: you are most likely the cluster creator, whose admin access is invisible in CONFIG_MAP mode", rv.Username),
				Fix:     "nothing to fix; to keep admin access when the creator goes away, map a second admin: kubectl eksaccess add ARN --group system:masters"})
		case d.pOK:
			d.add(Finding{Code: CodeLiveDisagrees, Severity: awsauth.SeverityWarning,
				Message: fmt.Sprintf("the cluster authenticates you as %s although the gathered facts do not map %s: something not read maps you (an access entry, the creator's hidden access, or an aws-auth other than the one read)", rv.Username, d.p.Canonical),
				Fix:     "re-run diagnose with access to DescribeCluster and the access entries (--admin-context) to see what maps you"})
		}
	case d.live && sm.authenticated:
		got := withoutAuthenticated(s.Review.Groups)
		want := withoutAuthenticated(sm.groups)
		if s.Review.Username != sm.username && !strings.Contains(sm.username, "{{") || !sameSet(got, want) {
			d.add(Finding{Code: CodeLiveDisagrees, Severity: awsauth.SeverityWarning,
				Message: fmt.Sprintf("the cluster sees username %s groups %s, but %s gives username %s groups %s", s.Review.Username, listOrNone(got), sm.source, sm.username, listOrNone(want)),
				Fix:     "the cluster is right: another mapping applies (an access entry or aws-auth other than the one read), or aws-auth changed since"})
		}
	}
}

// fromCluster reports whether aws-auth was read from the cluster (its
// Source is empty, "context NAME" or names the cluster) rather than a file.
func fromCluster(source string) bool {
	low := strings.ToLower(source)
	return low == "" || strings.HasPrefix(low, "context ") || strings.Contains(low, "cluster")
}

// decide sets the verdict, the identity and the cause.
func (d *diag) decide() {
	s, sm := d.s, d.sim
	r := &d.r
	switch {
	case d.execBroken && s.AsMyself:
		d.authenticated = false
	case d.liveKnown:
		d.authenticated = d.live
		if d.live {
			// The cluster let the token in: what the simulation held against
			// it did not stop it.
			for i, f := range d.r.Findings {
				switch f.Code {
				case CodeTokenOtherCluster, CodeTokenExpired, CodeTokenTooLong, CodeTokenInvalid, CodeStaleAccessEntry, CodeAccessEntryRefused, CodeEC2DNSNotInstance:
					d.r.Findings[i].Severity = awsauth.SeverityWarning
				}
			}
		}
	case d.tokenRefused || sm.refused:
		d.authenticated = false
	case sm.known:
		d.authenticated = sm.authenticated
	default:
		r.Verdict = Unknown
		r.Cause = d.pick(Unknown, d.unknownCause())
		d.forbiddenChecks(false)
		return
	}
	r.Authenticated = d.authenticated
	if !d.authenticated {
		r.Verdict = Unauthorized
		d.execIdentity()
		r.Cause = d.pick(Unauthorized, "the authenticator refuses "+orDefault(r.CanonicalARN, orDefault(r.ARN, "the caller"))+" (401 Unauthorized)")
		d.forbiddenChecks(false)
		return
	}
	r.Username, r.Groups, r.Source = sm.username, sm.groups, sm.source
	if d.liveKnown {
		r.Username, r.Groups = s.Review.Username, s.Review.Groups
		if !sm.authenticated {
			r.Source = ""
			if d.creatorInfer {
				r.Source = CreatorSource
			}
		}
	}
	if r.Groups == nil {
		r.Groups = []string{}
	}
	who := orDefault(r.CanonicalARN, r.Username)
	a := s.Access
	groups := withoutAuthenticated(r.Groups)
	switch {
	case a != nil && ran(&a.Step):
		if a.Allowed {
			r.Verdict = Authorized
			r.Cause = fmt.Sprintf("%s is authenticated as %s (groups %s) by %s, and RBAC allows %s %s%s", who, r.Username, listOrNone(groups), orDefault(r.Source, "the cluster"), orDefault(a.Verb, "get"), a.Resource, nsSuffix(a.Namespace))
		} else {
			r.Verdict = Forbidden
		}
	case slices.Contains(groups, "system:masters"):
		r.Verdict = Authorized
		r.Cause = fmt.Sprintf("%s is authenticated as %s by %s, with the group system:masters, which bypasses RBAC", who, r.Username, orDefault(r.Source, "the cluster"))
	case sm.ae != nil && len(sm.ae.Policies) > 0:
		r.Verdict = Authorized
		r.Cause = fmt.Sprintf("%s is authenticated as %s by %s, with the access policies %s (RBAC not checked)", who, r.Username, r.Source, policyList(sm.ae.Policies))
	case len(groups) == 0:
		r.Verdict = Forbidden
	default:
		r.Verdict = Authorized
		r.Cause = fmt.Sprintf("%s is authenticated as %s (groups %s) by %s; what RBAC lets it do was not checked", who, r.Username, listOrNone(groups), orDefault(r.Source, "the cluster"))
		d.r.Unchecked = append(d.r.Unchecked, "RBAC: no access review, so the groups' permissions were not checked")
	}
	d.forbiddenChecks(r.Verdict == Forbidden)
	d.execIdentity()
	if r.Verdict == Forbidden {
		r.Cause = d.pick(Forbidden, fmt.Sprintf("%s is authenticated as %s (groups %s) but RBAC does not allow the request", who, r.Username, listOrNone(groups)))
	}
}

func (d *diag) unknownCause() string {
	switch {
	case !d.pOK && d.r.ARN == "":
		return "the identity could not be learned (no ARN from STS or --arn) and the cluster was not asked"
	case d.mode == ModeAPI:
		return "the access entries could not be read and the cluster was not asked, so nothing decides"
	case d.mode == ModeAPIAndConfigMap && d.sim.awsMatch == nil && d.s.AWSAuth != nil && d.m != nil:
		return fmt.Sprintf("aws-auth does not map %s, but in API_AND_CONFIG_MAP mode an access entry could, and the access entries could not be read", d.p.Canonical)
	default:
		return "aws-auth (and access entries) could not be read and the cluster was not asked, so nothing decides"
	}
}

// pick returns the best cause for a verdict, or def.
func (d *diag) pick(verdict, def string) string {
	cs := d.causes[verdict]
	if len(cs) == 0 {
		return def
	}
	best := cs[0]
	for _, c := range cs[1:] {
		if c.rank < best.rank {
			best = c
		}
	}
	d.causeCode = best.code
	return best.text
}

// forbiddenChecks explains a refusal by RBAC, and notes the same problems
// as warnings when the identity gets in anyway. forbidden is true when the
// verdict is Forbidden.
func (d *diag) forbiddenChecks(forbidden bool) {
	s, sm := d.s, d.sim
	sevFor := func(root bool) awsauth.Severity {
		if forbidden && root {
			return awsauth.SeverityError
		}
		return awsauth.SeverityWarning
	}
	e := sm.entry
	if e != nil && d.authenticated {
		// A loaded entry that reads differently than written.
		if len(e.FieldProblems) > 0 {
			d.add(Finding{Code: CodeBrokenEntry, Severity: sevFor(true), Key: e.Key, Line: e.Line,
				Message: fmt.Sprintf("aws-auth %s maps you, but is read differently than written: %s; you get groups %s", e.Source(), strings.Join(e.FieldProblems, "; "), listOrNone(sm.groups)),
				Fix:     fmt.Sprintf("rewrite the entry: kubectl eksaccess add %s --group GROUP%s (groups as a YAML list, values quoted)", e.ARN, d.ctxFlag())})
			if forbidden {
				d.because(Forbidden, 2, CodeBrokenEntry, fmt.Sprintf("aws-auth %s is read differently than written (%s), so you get groups %s", e.Source(), e.FieldProblems[0], listOrNone(sm.groups)))
			}
			d.attachLint(e)
		}
		// The winning entry shadows an earlier one that grants more.
		for _, o := range d.m.Entries {
			if o.ShadowedBy != e {
				continue
			}
			extra := []string{}
			for _, g := range o.Groups {
				if g != "" && !slices.Contains(e.Groups, g) {
					extra = append(extra, g)
				}
			}
			if len(extra) == 0 && o.Username == e.Username {
				continue
			}
			d.add(Finding{Code: CodeShadowedEntry, Severity: sevFor(len(extra) > 0), Key: o.Key, Line: o.Line,
				Message: fmt.Sprintf("aws-auth %s (groups %s) is a duplicate shadowed by %s (groups %s), which the authenticator applies: the last duplicate wins", o.Source(), listOrNone(o.Groups), e.Source(), listOrNone(e.Groups)),
				Fix:     fmt.Sprintf("keep one entry with the groups you mean: kubectl eksaccess remove %[1]s%[3]s, then kubectl eksaccess add %[1]s --group %[2]s%[3]s", e.ARN, firstOr(extra, "GROUP"), d.ctxFlag())})
			if forbidden && len(extra) > 0 {
				d.because(Forbidden, 3, CodeShadowedEntry, fmt.Sprintf("the entry on aws-auth %s wins over the earlier duplicate on %s, so you lose its groups %s", e.Source(), o.Source(), listOrNone(extra)))
			}
			d.attachLint(o)
		}
		if len(sm.match.Candidates) > 1 {
			var where []string
			for _, c := range sm.match.Candidates {
				where = append(where, c.Source()+" ("+listOrNone(c.Groups)+")")
			}
			d.add(Finding{Code: CodeRandomMapping, Severity: sevFor(true), Key: e.Key, Line: e.Line,
				Message: "mapUsers has case-variant duplicates for you: " + strings.Join(where, ", ") + "; which one applies changes from one request to the next",
				Fix:     fmt.Sprintf("keep exactly one: kubectl eksaccess remove %s%s, then add it back once", e.ARN, d.ctxFlag())})
			if forbidden {
				d.because(Forbidden, 3, CodeRandomMapping, "case-variant mapUsers duplicates give you a different mapping from one request to the next")
			}
			for _, c := range sm.match.Candidates {
				d.attachLint(c)
			}
		}
		d.attachLint(e)
	}
	ae := sm.ae
	if ae != nil && d.authenticated && sm.awsMatch != nil && d.mode == ModeAPIAndConfigMap {
		mt := sm.awsMatch
		u, g := d.rendered(mt)
		lost := []string{}
		for _, x := range g {
			if x != "" && !slices.Contains(sm.groups, x) {
				lost = append(lost, x)
			}
		}
		d.add(Finding{Code: CodeAccessEntryOverrides, Severity: sevFor(len(lost) > 0), Key: mt.Entry.Key, Line: mt.Entry.Line,
			Message: fmt.Sprintf("the access entry for %s overrides aws-auth %s (username %s, groups %s): EKS uses the access entry's username %s, groups %s and its access policies", ae.PrincipalARN, mt.Entry.Source(), u, listOrNone(g), sm.username, listOrNone(sm.groups)),
			Fix: fmt.Sprintf("give the access entry what it needs (aws eks associate-access-policy --cluster-name %[1]s --principal-arn %[2]s --policy-arn %[3]s --access-scope type=cluster, or --kubernetes-groups on update-access-entry), or delete it to fall back to aws-auth: aws eks delete-access-entry --cluster-name %[1]s --principal-arn %[2]s",
				d.clusterName(), ae.PrincipalARN, policyARN(d.p.Partition, "AmazonEKSClusterAdminPolicy"))})
		if forbidden && len(lost) > 0 {
			d.because(Forbidden, 1, CodeAccessEntryOverrides, fmt.Sprintf("the access entry for %s overrides aws-auth %s, so you lose its groups %s", ae.PrincipalARN, mt.Entry.Source(), listOrNone(lost)))
		}
	}
	a := s.Access
	accessRan := a != nil && ran(&a.Step)
	// Every authenticated user is in system:authenticated, whose default
	// bindings (system:basic-user, system:discovery...) grant no resource:
	// they do not make the user's groups "bound".
	var own []Binding
	if accessRan {
		for _, b := range a.Bindings {
			if b.Subject != "Group system:authenticated" && b.Subject != "system:authenticated" {
				own = append(own, b)
			}
		}
	}
	groups := withoutAuthenticated(d.r.Groups)
	if len(groups) == 0 && d.liveKnown == false {
		groups = withoutAuthenticated(sm.groups)
	}
	if ae != nil && d.authenticated {
		switch {
		case len(ae.Policies) == 0 && len(nonEmpty(ae.KubernetesGroups)) == 0:
			d.add(Finding{Code: CodeAccessPolicyMissing, Severity: sevFor(true),
				Message: fmt.Sprintf("the access entry for %s has no access policy and no Kubernetes groups: it authenticates, and grants nothing", ae.PrincipalARN),
				Fix:     fmt.Sprintf("associate an access policy: aws eks associate-access-policy --cluster-name %s --principal-arn %s --policy-arn %s --access-scope type=cluster", d.clusterName(), ae.PrincipalARN, policyARN(d.p.Partition, "AmazonEKSViewPolicy"))})
			if forbidden {
				d.because(Forbidden, 4, CodeAccessPolicyMissing, fmt.Sprintf("the access entry for %s has no access policy and no groups, so it grants nothing", ae.PrincipalARN))
			}
		case accessRan && !a.Allowed && len(ae.Policies) > 0 && !policiesCover(ae.Policies, a.Namespace):
			var scopes []string
			for _, x := range ae.Policies {
				scopes = append(scopes, policyName(x.PolicyARN)+" ("+scope(x)+")")
			}
			ns := a.Namespace
			target := "namespace " + ns
			if ns == "" {
				target = "cluster-wide resources"
			}
			d.add(Finding{Code: CodeAccessPolicyScope, Severity: sevFor(true),
				Message: fmt.Sprintf("the access policies of %s are scoped to other namespaces: %s; they do not cover %s", ae.PrincipalARN, strings.Join(scopes, ", "), target),
				Fix:     fmt.Sprintf("widen the scope: aws eks associate-access-policy --cluster-name %s --principal-arn %s --policy-arn %s --access-scope %s", d.clusterName(), ae.PrincipalARN, ae.Policies[0].PolicyARN, widened(ae.Policies[0], ns))})
			if forbidden {
				d.because(Forbidden, 1, CodeAccessPolicyScope, fmt.Sprintf("the access policies of %s are scoped to %s, not %s", ae.PrincipalARN, strings.Join(scopes, ", "), target))
			}
		}
	}
	if !d.authenticated {
		return
	}
	boundUser := false
	if accessRan {
		for _, b := range a.Bindings {
			if b.Subject == d.r.Username {
				boundUser = true
			}
		}
	}
	// A template that renders a username RBAC does not name.
	if e != nil && strings.Contains(e.Username, "{{") && !boundUser && len(groups) == 0 && (forbidden || accessRan) {
		note := ""
		if strings.Contains(e.Username, "{{SessionName}}") && strings.Contains(d.p.SessionName, "@") {
			note = fmt.Sprintf(" ({{SessionName}} turns the @ of %q into -; {{SessionNameRaw}} keeps it)", d.p.SessionName)
		}
		d.add(Finding{Code: CodeUsernameUnbound, Severity: sevFor(true), Key: e.Key, Line: e.Line,
			Message: fmt.Sprintf("aws-auth %s renders the username template %q as %q%s, and no RBAC binding names that user", e.Source(), e.Username, d.r.Username, note),
			Fix:     fmt.Sprintf("bind the rendered name (kubectl create clusterrolebinding %s --clusterrole=view --user=%s), or give the entry a group: kubectl eksaccess add %s --group GROUP%s", bindingName(d.r.Username), d.r.Username, e.ARN, d.ctxFlag())})
		if forbidden {
			d.because(Forbidden, 5, CodeUsernameUnbound, fmt.Sprintf("the username template %q renders as %q, which no RBAC binding names", e.Username, d.r.Username))
		}
	}
	switch {
	case len(groups) == 0 && !boundUser && (ae == nil || len(ae.Policies) == 0) && !(accessRan && a.Allowed):
		if ae != nil && len(ae.Policies) == 0 && len(nonEmpty(ae.KubernetesGroups)) == 0 {
			break // CodeAccessPolicyMissing says it
		}
		key, line, fix := "", 0, fmt.Sprintf("give it a group and bind the group: kubectl eksaccess add %s --group GROUP%s", d.r.CanonicalARN, d.ctxFlag())
		msg := fmt.Sprintf("%s is authenticated as %s with no groups: every request is Forbidden unless an RBAC binding names the username itself", orDefault(d.r.CanonicalARN, d.r.Username), d.r.Username)
		if e != nil {
			key, line = e.Key, e.Line
			if e.Kind == awsauth.KindAccount {
				msg = fmt.Sprintf("aws-auth %s lets every principal of account %s in under its own ARN with no groups (mapAccounts never gives groups): %s gets nothing unless RBAC binds that ARN", e.Source(), e.ARN, d.r.Username)
				fix = fmt.Sprintf("map the principal with a group: kubectl eksaccess add %s --group GROUP%s (or bind the user %s with RBAC)", d.r.CanonicalARN, d.ctxFlag(), d.r.Username)
			} else {
				msg = fmt.Sprintf("aws-auth %s maps %s with no groups: it is authenticated, then Forbidden unless RBAC binds the username %s", e.Source(), e.ARN, d.r.Username)
			}
		}
		d.add(Finding{Code: CodeNoGroups, Severity: sevFor(true), Key: key, Line: line, Message: msg, Fix: fix})
		if forbidden {
			d.because(Forbidden, 6, CodeNoGroups, fmt.Sprintf("%s is authenticated as %s with no groups, and RBAC binds nothing to that user", orDefault(d.r.CanonicalARN, d.r.Username), d.r.Username))
		}
	case accessRan && !a.Allowed && len(own) == 0 && len(groups) > 0:
		d.add(Finding{Code: CodeGroupsUnbound, Severity: sevFor(true),
			Message: fmt.Sprintf("no RBAC binding names the user %s or the groups %s: they are bound to nothing", d.r.Username, listOrNone(groups)),
			Fix:     fmt.Sprintf("bind a group to a role, e.g. kubectl create clusterrolebinding %s-view --clusterrole=view --group=%s%s (view is an example)", bindingName(groups[0]), groups[0], d.ctxFlag())})
		if forbidden {
			d.because(Forbidden, 7, CodeGroupsUnbound, fmt.Sprintf("no RBAC binding names %s or its groups %s", d.r.Username, listOrNone(groups)))
		}
	case accessRan && !a.Allowed && len(own) > 0:
		var roles []string
		for _, b := range own {
			roles = append(roles, b.Kind+" "+b.Name+" → "+b.Role)
		}
		d.add(Finding{Code: CodeRBACDenies, Severity: sevFor(true),
			Message: fmt.Sprintf("RBAC binds you (%s), but none of those roles allows %s %s%s", strings.Join(roles, ", "), orDefault(a.Verb, "get"), a.Resource, nsSuffix(a.Namespace)),
			Fix:     fmt.Sprintf("grant it: kubectl create rolebinding %s-%s --clusterrole=edit --group=%s%s (edit is an example), or add the rule to one of the bound roles", bindingName(d.r.Username), orDefault(a.Resource, "access"), firstOr(groups, d.r.Username), nsFlag(a.Namespace))})
		if forbidden {
			d.because(Forbidden, 8, CodeRBACDenies, fmt.Sprintf("RBAC binds %s, but no bound role allows %s %s%s", d.r.Username, orDefault(a.Verb, "get"), a.Resource, nsSuffix(a.Namespace)))
		}
	}
}

// execIdentity explains an exec plugin that uses another identity than
// the shell.
func (d *diag) execIdentity() {
	st := d.s.STS
	if st == nil || st.ShellARN == "" || st.ARN == "" {
		return
	}
	a, errA := awsauth.Canonicalize(st.ARN)
	b, errB := awsauth.Canonicalize(st.ShellARN)
	if errA != nil || errB != nil || strings.EqualFold(a.Canonical, b.Canonical) {
		return
	}
	uses := d.execUses()
	acct := ""
	if a.AccountID != b.AccountID {
		acct = fmt.Sprintf(" (account %s, not %s)", a.AccountID, b.AccountID)
	}
	sev := awsauth.SeverityError
	if d.r.Verdict == Authorized {
		sev = awsauth.SeverityInfo
	}
	msg := fmt.Sprintf("kubectl authenticates as %s%s, not as your shell's %s", st.ARN, acct, st.ShellARN)
	if uses != "" {
		msg += ": your exec plugin uses " + uses
	}
	check := "aws sts get-caller-identity" + d.profileFlag()
	d.add(Finding{Code: CodeExecIdentity, Severity: sev, Message: msg,
		Fix: fmt.Sprintf("`%s` shows the identity kubectl uses; map that one (%s), or change the exec plugin's env/args in the kubeconfig to use the identity you meant", check, d.addCmd())})
	if d.r.Verdict != Authorized {
		why := "the exec plugin uses another identity than your shell"
		if uses != "" {
			why = "your exec plugin uses " + uses
		}
		d.because(d.r.Verdict, 0, CodeExecIdentity, fmt.Sprintf("kubectl authenticates as %s, not as your shell's %s, because %s, and %s", a.Canonical, b.Canonical, why, d.lowerFirst(d.pickQuiet(d.r.Verdict))))
	}
}

// pickQuiet is the best cause text other than the exec identity.
func (d *diag) pickQuiet(verdict string) string {
	var best *cause
	for i, c := range d.causes[verdict] {
		if c.code == CodeExecIdentity {
			continue
		}
		if best == nil || c.rank < best.rank {
			best = &d.causes[verdict][i]
		}
	}
	if best == nil {
		return "it gets no further"
	}
	return best.text
}

func (d *diag) lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// execUses says what makes the exec plugin's identity differ.
func (d *diag) execUses() string {
	x := d.s.Exec
	if x == nil {
		return ""
	}
	var parts []string
	profileArg := slices.Contains(x.Args, "--profile") || slices.ContainsFunc(x.Args, func(a string) bool { return strings.HasPrefix(a, "--profile=") })
	switch {
	case x.Env["AWS_PROFILE"] != "":
		parts = append(parts, "AWS_PROFILE="+x.Env["AWS_PROFILE"])
	case x.Profile != "" && profileArg:
		parts = append(parts, "--profile "+x.Profile)
	case x.Profile != "":
		parts = append(parts, "AWS_PROFILE="+x.Profile)
	}
	if x.RoleARN != "" {
		parts = append(parts, "--role-arn "+x.RoleARN)
	} else if x.Env["AWS_ROLE_ARN"] != "" {
		parts = append(parts, "AWS_ROLE_ARN="+x.Env["AWS_ROLE_ARN"])
	}
	return strings.Join(parts, " and ")
}

// finish orders the findings: the root cause first, then by severity,
// code, key and line.
func (d *diag) finish() {
	fs := d.r.Findings
	sev := map[awsauth.Severity]int{awsauth.SeverityError: 0, awsauth.SeverityWarning: 1, awsauth.SeverityInfo: 2}
	slices.SortStableFunc(fs, func(a, b Finding) int {
		ca, cb := a.Code == d.causeCode, b.Code == d.causeCode
		if ca != cb {
			if ca {
				return -1
			}
			return 1
		}
		if c := sev[a.Severity] - sev[b.Severity]; c != 0 {
			return c
		}
		if c := strings.Compare(a.Code, b.Code); c != 0 {
			return c
		}
		if c := strings.Compare(a.Key, b.Key); c != 0 {
			return c
		}
		if c := a.Line - b.Line; c != 0 {
			return c
		}
		return strings.Compare(a.Message, b.Message)
	})
	d.causeCode = ""
}

// ensureFix gives an unauthorized or forbidden verdict a fix when no
// finding has one, as when the caller cannot read aws-auth, the access
// entries or RBAC itself (no --admin-context): then the fix is the command
// a cluster admin must run.
func (d *diag) ensureFix() {
	v := d.r.Verdict
	if v != Unauthorized && v != Forbidden {
		return
	}
	for _, f := range d.r.Findings {
		if f.Severity == awsauth.SeverityError && f.Fix != "" && strings.HasPrefix(f.Code, "EKSA2") {
			return
		}
	}
	who := orDefault(d.r.CanonicalARN, orDefault(d.r.ARN, "ARN"))
	again := "; to see why, re-run diagnose with --admin-context ADMIN_CONTEXT"
	if v == Unauthorized {
		fix := fmt.Sprintf("a cluster admin must map %s: kubectl eksaccess add %s --group GROUP --context ADMIN_CONTEXT", who, who)
		if d.mode != ModeConfigMap || !d.modeKnown {
			fix += fmt.Sprintf(", or aws eks create-access-entry --cluster-name %[1]s --principal-arn %[2]s and aws eks associate-access-policy --cluster-name %[1]s --principal-arn %[2]s --policy-arn %[3]s --access-scope type=cluster (AmazonEKSViewPolicy is an example)", d.clusterName(), who, policyARN(d.p.Partition, "AmazonEKSViewPolicy"))
		}
		d.add(Finding{Code: CodeNotMapped, Severity: awsauth.SeverityError,
			Message: fmt.Sprintf("the cluster answers 401 Unauthorized for %s, and what would map it (aws-auth, access entries) could not be read with this identity", who),
			Fix:     fix + again})
		return
	}
	d.add(Finding{Code: CodeRBACDenies, Severity: awsauth.SeverityError,
		Message: fmt.Sprintf("the cluster authenticates %s as %s but refuses the request, and the RBAC bindings could not be read with this identity", who, d.r.Username),
		Fix:     fmt.Sprintf("a cluster admin must grant it: kubectl create rolebinding %s-view --clusterrole=view --user=%s --context ADMIN_CONTEXT (view is an example), or map %s with a group bound to a role", bindingName(d.r.Username), d.r.Username, who) + again})
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

// addCmd is the command that maps the principal in aws-auth.
func (d *diag) addCmd() string {
	return fmt.Sprintf("`kubectl eksaccess add %s --group system:masters%s` (system:masters is only an example: give the group your RBAC binds)", d.p.Canonical, d.ctxFlag())
}

// accessEntryFix is the pair of commands that give the principal an access entry.
func (d *diag) accessEntryFix() string {
	arn := d.p.Canonical
	if d.rolePath != "" {
		arn = d.r.ARN
	}
	note := ""
	if d.p.Type == awsauth.PrincipalAssumedRole {
		note = " (use the role's full ARN, with its path if it has one)"
	}
	return fmt.Sprintf("create an access entry%s: aws eks create-access-entry --cluster-name %[2]s --principal-arn %[3]s, then aws eks associate-access-policy --cluster-name %[2]s --principal-arn %[3]s --policy-arn %[4]s --access-scope type=cluster (AmazonEKSViewPolicy is an example)", note, d.clusterName(), arn, policyARN(d.p.Partition, "AmazonEKSViewPolicy"))
}

func (d *diag) ctxFlag() string {
	if d.s.AdminContext != "" {
		return " --context " + d.s.AdminContext
	}
	return ""
}

func (d *diag) clusterName() string {
	if d.s.Cluster != nil && d.s.Cluster.Name != "" {
		return d.s.Cluster.Name
	}
	if d.s.Exec != nil && d.s.Exec.ClusterName != "" {
		return d.s.Exec.ClusterName
	}
	return "CLUSTER"
}

func (d *diag) region() string {
	if d.s.Cluster != nil && d.s.Cluster.Region != "" {
		return d.s.Cluster.Region
	}
	if d.s.Exec != nil {
		return d.s.Exec.Region
	}
	return ""
}

func (d *diag) profileFlag() string {
	if x := d.s.Exec; x != nil {
		if p := orDefault(x.Env["AWS_PROFILE"], x.Profile); p != "" {
			return " --profile " + p
		}
	}
	return ""
}

func regionFlag(r string) string {
	if r == "" {
		return ""
	}
	return " --region " + r
}

func sessionFor(p awsauth.Principal) string {
	if p.Name != "" {
		return p.Name
	}
	return "me"
}

func reservedPrefix(username string) string {
	for _, p := range awsauth.ReservedPrefixes {
		if strings.HasPrefix(username, p) {
			return p
		}
	}
	return ""
}

func policyARN(partition, name string) string {
	if partition == "" {
		partition = "aws"
	}
	return "arn:" + partition + ":eks::aws:cluster-access-policy/" + name
}

func policyName(arn string) string {
	if i := strings.LastIndex(arn, "/"); i >= 0 {
		return arn[i+1:]
	}
	return arn
}

func policyList(ps []AccessPolicy) string {
	var out []string
	for _, x := range ps {
		out = append(out, policyName(x.PolicyARN)+" ("+scope(x)+")")
	}
	return strings.Join(out, ", ")
}

func scope(x AccessPolicy) string {
	if strings.EqualFold(x.ScopeType, "namespace") {
		return "namespaces " + strings.Join(x.Namespaces, ", ")
	}
	return "cluster"
}

// policiesCover reports whether any policy applies in namespace ns ("":
// cluster-scoped request). Namespace names may end with a * wildcard.
func policiesCover(ps []AccessPolicy, ns string) bool {
	for _, x := range ps {
		if !strings.EqualFold(x.ScopeType, "namespace") {
			return true
		}
		if ns == "" {
			continue
		}
		for _, n := range x.Namespaces {
			if n == ns || n == "*" || strings.HasSuffix(n, "*") && strings.HasPrefix(ns, strings.TrimSuffix(n, "*")) {
				return true
			}
		}
	}
	return false
}

func widened(x AccessPolicy, ns string) string {
	if ns == "" {
		return "type=cluster"
	}
	return "type=namespace,namespaces=" + strings.Join(append(slices.Clone(x.Namespaces), ns), ",")
}

func withoutAuthenticated(gs []string) []string {
	out := []string{}
	for _, g := range gs {
		if g != "" && g != "system:authenticated" {
			out = append(out, g)
		}
	}
	return out
}

func nonEmpty(gs []string) []string {
	var out []string
	for _, g := range gs {
		if g != "" {
			out = append(out, g)
		}
	}
	return out
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}

func listOrNone(ss []string) string {
	ss = nonEmpty(ss)
	if len(ss) == 0 {
		return "(none)"
	}
	return "[" + strings.Join(ss, ", ") + "]"
}

func firstOr(ss []string, def string) string {
	if len(ss) > 0 {
		return ss[0]
	}
	return def
}

var notDNS = regexp.MustCompile(`[^a-z0-9.-]+`)

// bindingName makes an RBAC object name from a user or group name.
func bindingName(s string) string {
	s = strings.ToLower(s)
	s = notDNS.ReplaceAllString(s, "-")
	s = strings.Trim(s, "-.")
	if len(s) > 50 {
		s = s[:50]
	}
	return orDefault(s, "access")
}

var spaces = regexp.MustCompile(`\s*\n\s*`)

// oneLine joins a multi-line message (yaml.v2 errors) into one line.
func oneLine(s string) string {
	if !strings.Contains(s, "\n") {
		return s
	}
	return spaces.ReplaceAllString(strings.TrimSpace(s), " ")
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func suffix(sep, s string, end ...string) string {
	if s == "" {
		return ""
	}
	return sep + s + strings.Join(end, "")
}

func nsSuffix(ns string) string {
	if ns == "" {
		return ""
	}
	return " in namespace " + ns
}

func nsFlag(ns string) string {
	if ns == "" {
		return ""
	}
	return " -n " + ns
}

func fmtTime(t *Token) string {
	if t.Date.IsZero() {
		return "?"
	}
	return t.Date.UTC().Format("2006-01-02T15:04:05Z")
}
