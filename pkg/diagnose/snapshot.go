// Package diagnose decides why an identity gets Unauthorized or Forbidden
// from an EKS cluster. It takes a Snapshot of everything gathered (by
// pkg/diagnose/gather, from the kubeconfig, the token, STS, EKS, aws-auth
// and RBAC) and returns a Report: a verdict, the root cause in one
// sentence, the evidence and the findings with their fixes. It calls no
// client and prints nothing.
//
// Diagnose runs in phases, one file each: identity.go (who, and the exec
// plugin and token), simulate.go (the authenticator's decision),
// unauthorized.go (why nothing maps the principal), live.go (what the
// cluster itself answered), verdict.go, forbidden.go (why RBAC refuses),
// fixes.go; causes.go ranks the candidate causes.
package diagnose

import (
	"time"

	"github.com/eksaccess/kubectl-eksaccess/pkg/accessentry"
	"github.com/eksaccess/kubectl-eksaccess/pkg/awsauth"
)

// Authentication modes of an EKS cluster (accessConfig.authenticationMode),
// as pkg/accessentry defines them.
const (
	ModeConfigMap       = accessentry.ModeConfigMap
	ModeAPIAndConfigMap = accessentry.ModeAPIAndConfigMap
	ModeAPI             = accessentry.ModeAPI
)

// ExecAPIVersionV1Alpha is the exec plugin apiVersion kubectl 1.24 and
// later refuse.
const ExecAPIVersionV1Alpha = "client.authentication.k8s.io/v1alpha1"

// Step is one gathering step, with what it found or why it could not run.
// A step that did not run is Skipped (with Err saying why); one that ran and
// failed has Err.
type Step struct {
	Ran     bool   `json:"ran"`
	Skipped string `json:"skipped,omitempty"`
	Err     string `json:"error,omitempty"`
}

// Exec is the kubeconfig user's exec plugin, as kubectl would run it.
type Exec struct {
	Step
	Command    string   `json:"command"`
	Args       []string `json:"args,omitempty"`
	APIVersion string   `json:"apiVersion"`
	// Env is the plugin's env section (names and values; no secrets are
	// expected there, but values of names containing SECRET, TOKEN or KEY
	// are masked before they reach the snapshot).
	Env map[string]string `json:"env,omitempty"`
	// Profile, Region, RoleARN and ClusterName are read from the args and env
	// (--profile/AWS_PROFILE, --region/AWS_REGION, --role-arn,
	// --cluster-name/-i).
	Profile     string `json:"profile,omitempty"`
	Region      string `json:"region,omitempty"`
	RoleARN     string `json:"roleArn,omitempty"`
	ClusterName string `json:"clusterName,omitempty"`
}

// Token is what the exec plugin's token says about itself (no secret).
type Token struct {
	Step
	AccessKeyID   string    `json:"accessKeyId,omitempty"` // masked
	Region        string    `json:"region,omitempty"`
	Date          time.Time `json:"date,omitempty"`
	Expires       int       `json:"expires,omitempty"`
	SignedHeaders []string  `json:"signedHeaders,omitempty"`
	Size          int       `json:"size,omitempty"`
	// Invalid is why the authenticator would refuse the token's shape
	// (expired, too long, no x-k8s-aws-id...), empty when it is well formed.
	Invalid string `json:"invalid,omitempty"`
}

// STS is the identity the token stands for, learned by replaying it to STS
// with the cluster's name as the authenticator does.
type STS struct {
	Step
	ARN     string `json:"arn,omitempty"`
	Account string `json:"account,omitempty"`
	UserID  string `json:"userId,omitempty"`
	// ErrorCode is the STS error of a refused replay (SignatureDoesNotMatch:
	// the token was made for another cluster name; ExpiredToken...).
	ErrorCode string `json:"errorCode,omitempty"`
	// ShellARN is the identity of the user's shell (default AWS chain), to
	// compare with the one kubectl uses; empty when not learned.
	ShellARN string `json:"shellArn,omitempty"`
}

// Cluster is what EKS DescribeCluster says.
type Cluster struct {
	Step
	Name               string `json:"name,omitempty"`
	Region             string `json:"region,omitempty"`
	ARN                string `json:"arn,omitempty"`
	Endpoint           string `json:"endpoint,omitempty"`
	AuthenticationMode string `json:"authenticationMode,omitempty"`
	// CreatorAdmin is bootstrapClusterCreatorAdminPermissions.
	CreatorAdmin *bool `json:"creatorAdmin,omitempty"`
	// KubeconfigServer is the server of the kubeconfig cluster, to compare
	// with Endpoint.
	KubeconfigServer string `json:"kubeconfigServer,omitempty"`
	// Creator is the IAM principal that created the cluster (with its path
	// when known, e.g. from the creator's access entry or CloudTrail); empty
	// when unknown. In CONFIG_MAP mode its admin access is invisible.
	Creator string `json:"creator,omitempty"`
}

// AccessEntry is an EKS access entry that may apply to the principal:
// accessentry's Entry (its CreatedAt is when EKS made it) and when its IAM
// principal was created.
type AccessEntry struct {
	accessentry.Entry
	// PrincipalCreatedAt is when the IAM principal was created (IAM), when
	// known: an entry older than its principal is stale.
	PrincipalCreatedAt time.Time `json:"principalCreatedAt,omitempty"`
}

// AccessEntries are the access entries gathered for the principal.
type AccessEntries struct {
	Step
	Entries []AccessEntry `json:"entries,omitempty"`
}

// AWSAuth is the aws-auth ConfigMap, parsed.
type AWSAuth struct {
	Step
	Missing bool         `json:"missing,omitempty"`
	Map     *awsauth.Map `json:"-"`
	Source  string       `json:"source,omitempty"`
	// Data is the raw ConfigMap data Map was parsed from, when available:
	// Diagnose searches it for the subject's ARN to tell whether a key the
	// authenticator drops, or a dropped entry, held the subject's mapping.
	Data map[string]string `json:"-"`
}

// Review is what a real request with the token told (SelfSubjectReview).
type Review struct {
	Step
	// Unauthorized is true when the API server answered 401.
	Unauthorized bool     `json:"unauthorized"`
	Username     string   `json:"username,omitempty"`
	Groups       []string `json:"groups,omitempty"`
}

// Binding is an RBAC (Cluster)RoleBinding that names the user or a group.
type Binding struct {
	Kind      string `json:"kind"` // RoleBinding or ClusterRoleBinding
	Name      string `json:"name"`
	Namespace string `json:"namespace,omitempty"`
	Role      string `json:"role"`
	// Subject is the user or group of ours it names.
	Subject string `json:"subject"`
}

// Access is the answer to "may this identity VERB RESOURCE in NAMESPACE?"
// (SelfSubjectAccessReview or SubjectAccessReview).
type Access struct {
	Step
	Verb      string    `json:"verb"`
	Resource  string    `json:"resource"`
	Namespace string    `json:"namespace,omitempty"`
	Allowed   bool      `json:"allowed"`
	Reason    string    `json:"reason,omitempty"`
	Bindings  []Binding `json:"bindings,omitempty"`
	// AboutOther is true when the review asked about another principal
	// (a SubjectAccessReview for --arn): it carries no AWS identity, so EKS
	// access policies cannot answer it; only RBAC does.
	AboutOther bool `json:"aboutOther,omitempty"`
}

// Snapshot is everything gathered about one identity and one cluster.
type Snapshot struct {
	// Subject is the ARN being diagnosed, as given with --arn or learned
	// from STS. Empty when it could not be learned.
	Subject string `json:"subject,omitempty"`
	// Mode is the cluster's authentication mode, from DescribeCluster or
	// --mode (offline). Empty when unknown: treat as CONFIG_MAP.
	Mode string `json:"mode,omitempty"`
	// Context is the kubeconfig context, AdminContext the one used to read
	// cluster-side facts (for the fix commands).
	Context      string `json:"context,omitempty"`
	AdminContext string `json:"adminContext,omitempty"`
	// AsMyself is true when the identity is the one kubectl really uses
	// (exec plugin); false for --arn.
	AsMyself bool `json:"asMyself"`

	Exec          *Exec          `json:"exec,omitempty"`
	Token         *Token         `json:"token,omitempty"`
	STS           *STS           `json:"sts,omitempty"`
	Cluster       *Cluster       `json:"cluster,omitempty"`
	AccessEntries *AccessEntries `json:"accessEntries,omitempty"`
	AWSAuth       *AWSAuth       `json:"awsAuth,omitempty"`
	Review        *Review        `json:"review,omitempty"`
	Access        *Access        `json:"access,omitempty"`
}

// Verdicts.
const (
	Authorized   = "authorized"
	Unauthorized = "unauthorized"
	Forbidden    = "forbidden"
	Unknown      = "unknown"
)

// Finding is one diagnosed problem; codes are shared with lint
// (docs/findings.md): EKSA1xx for aws-auth, EKSA2xx for diagnose.
type Finding = awsauth.Finding

// Report is the outcome of Diagnose.
type Report struct {
	Verdict string `json:"verdict"`
	// Cause is the root cause in one sentence.
	Cause         string   `json:"cause"`
	ARN           string   `json:"arn,omitempty"`
	CanonicalARN  string   `json:"canonicalArn,omitempty"`
	Authenticated bool     `json:"authenticated"`
	Username      string   `json:"username,omitempty"`
	Groups        []string `json:"groups"`
	// Source is what maps the identity: "access entry ARN", "aws-auth
	// mapRoles line 7", "mapAccounts line 1", "cluster creator".
	Source   string    `json:"source,omitempty"`
	Evidence []string  `json:"evidence,omitempty"`
	Findings []Finding `json:"findings"`
	// Unchecked lists what could not be checked and why.
	Unchecked []string `json:"unchecked,omitempty"`
}
