package diagnose

import (
	"fmt"
	"slices"
	"strings"

	"github.com/eksaccess/kubectl-eksaccess/pkg/awsauth"
)

// decide sets the verdict, the identity and the cause.
func (d *diag) decide() {
	r := &d.r
	if !d.authenticate() {
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
	d.setIdentity()
	d.authorize()
}

// authenticate sets d.authenticated: the exec plugin, then the cluster's
// own answer, then the simulation. It returns false when nothing decides.
func (d *diag) authenticate() bool {
	switch {
	case d.execBroken && d.s.AsMyself:
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
	case d.tokenRefused || d.sim.refused:
		d.authenticated = false
	case d.sim.known:
		d.authenticated = d.sim.authenticated
	default:
		return false
	}
	return true
}

// setIdentity reports who the authenticated identity is: as simulated, or
// as the cluster says when it was asked.
func (d *diag) setIdentity() {
	r, sm := &d.r, d.sim
	r.Username, r.Groups, r.Source = sm.username, sm.groups, sm.source
	if d.liveKnown {
		r.Username, r.Groups = d.s.Review.Username, d.s.Review.Groups
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
}

// authorize decides between Authorized and Forbidden for an authenticated
// identity: the access review, system:masters, access policies, groups.
func (d *diag) authorize() {
	r, sm := &d.r, d.sim
	who := orDefault(r.CanonicalARN, r.Username)
	a := d.s.Access
	groups := withoutAuthenticated(r.Groups)
	switch {
	case a != nil && ran(&a.Step):
		pol := ""
		if a.AboutOther && sm.ae != nil && a.Resource != "" {
			pol = policyGranting(sm.ae.Policies, orDefault(a.Verb, "get"), a.Resource, a.Namespace)
		}
		switch {
		case a.Allowed:
			r.Verdict = Authorized
			r.Cause = fmt.Sprintf("%s is authenticated as %s (groups %s) by %s, and RBAC allows %s %s%s", who, r.Username, listOrNone(groups), orDefault(r.Source, "the cluster"), orDefault(a.Verb, "get"), a.Resource, nsSuffix(a.Namespace))
		case pol != "":
			// A review about another principal reaches RBAC only.
			r.Verdict = Authorized
			r.Cause = fmt.Sprintf("%s is authenticated as %s by %s, whose access policy %s allows %s %s%s", who, r.Username, r.Source, pol, orDefault(a.Verb, "get"), a.Resource, nsSuffix(a.Namespace))
			r.Unchecked = append(r.Unchecked, "access policies: the access review about another principal reaches RBAC only, so "+pol+" was judged from its documented permissions")
		default:
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
		r.Unchecked = append(r.Unchecked, "RBAC: no access review, so the groups' permissions were not checked")
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
