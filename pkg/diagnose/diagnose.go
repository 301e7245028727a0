package diagnose

import (
	"fmt"
	"regexp"

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

// diag is one diagnosis. Its phases run in the order of Diagnose; each
// writes its own part below and reads the parts written before it.
type diag struct {
	s      Snapshot
	r      Report
	causes map[string][]cause // candidate causes by verdict (causes.go)
	seen   map[string]bool    // findings already added

	subject     // written by identity
	gate        // written by execAndToken
	sim     sim // written by simulate
	answer      // written by liveFacts

	authenticated bool   // written by decide
	causeCode     string // the code of the cause picked, for finish
}

// subject is who is diagnosed, and against which mode and aws-auth.
type subject struct {
	p            awsauth.Principal // lookup principal: Canonical without a role path
	pOK          bool
	rolePath     string // the path of a role given with --arn, "" when none
	sessionKnown bool
	akid         string
	mode         string
	modeKnown    bool
	m            *awsauth.Map
	arnRE        *regexp.Regexp // the principal's ARN in raw aws-auth text, compiled once
}

// gate is what stops a request before any mapping is consulted.
type gate struct {
	tokenRefused bool
	execBroken   bool
}

// answer is what the cluster itself said about the identity.
type answer struct {
	liveKnown    bool // the cluster was asked and answered
	live         bool // it authenticated the identity
	creatorInfer bool // it let in an identity nothing read maps: the creator
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

func (d *diag) evidence(format string, args ...any) {
	d.r.Evidence = append(d.r.Evidence, fmt.Sprintf(format, args...))
}
