package diagnose

import (
	"fmt"
	"slices"
	"strings"

	"github.com/eksaccess/kubectl-eksaccess/pkg/awsauth"
)

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
		d.because(Unauthorized, CodeLiveDisagrees, fmt.Sprintf("the cluster answers 401 although %s maps %s (%s)", sm.source, d.p.Canonical, why[0]))
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
		if s.Review.Username != sm.username && !strings.Contains(sm.username, "{{") || !sameMembers(got, want) {
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
