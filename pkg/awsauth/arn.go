package awsauth

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// Partitions are the AWS partitions the authenticator recognises
// (aws-iam-authenticator v0.7.13 pkg/endpoints.PARTITIONS).
var Partitions = []string{"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc"}

// PrincipalType is the kind of IAM principal an ARN names.
type PrincipalType string

const (
	PrincipalRole          PrincipalType = "role"
	PrincipalUser          PrincipalType = "user"
	PrincipalRoot          PrincipalType = "root"
	PrincipalFederatedUser PrincipalType = "federated-user"
	PrincipalAssumedRole   PrincipalType = "assumed-role"
)

// ARN is an Amazon Resource Name split into its six sections, exactly as
// aws-sdk-go-v2's arn.Parse splits it (the authenticator uses that parser).
type ARN struct {
	Partition string
	Service   string
	Region    string
	AccountID string
	Resource  string
}

func (a ARN) String() string {
	return "arn:" + a.Partition + ":" + a.Service + ":" + a.Region + ":" + a.AccountID + ":" + a.Resource
}

// ParseARN splits an ARN. Like the SDK it checks only the "arn:" prefix and
// the number of sections.
func ParseARN(s string) (ARN, error) {
	if !strings.HasPrefix(s, "arn:") {
		return ARN{}, fmt.Errorf("arn %q is invalid: it must start with 'arn:'", s)
	}
	// strings.SplitN(s, ":", 6), without allocating.
	var sections [6]string
	rest := s
	for i := range 5 {
		var ok bool
		sections[i], rest, ok = strings.Cut(rest, ":")
		if !ok {
			return ARN{}, fmt.Errorf("arn %q is invalid: it needs 6 sections separated by ':' (arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE)", s)
		}
	}
	sections[5] = rest
	return ARN{Partition: sections[1], Service: sections[2], Region: sections[3], AccountID: sections[4], Resource: sections[5]}, nil
}

// Principal is a caller's ARN after canonicalisation.
type Principal struct {
	// ARN is the ARN as given (for a caller: as STS returned it).
	ARN string
	// Canonical is the ARN the authenticator matches against aws-auth: an STS
	// assumed-role ARN becomes the IAM role ARN, without any path.
	Canonical string
	Type      PrincipalType
	Partition string
	AccountID string
	// Name is the user or role name, without path.
	Name string
	// Path is the IAM path ("/" when none), known only for iam:: ARNs.
	Path string
	// SessionName is the role session name of an assumed-role ARN.
	SessionName string
}

// PathlessARN is the principal's role ARN without its path,
// arn:PARTITION:iam::ACCOUNT:role/NAME: the ARN the authenticator matches a
// session of the role against, since an STS assumed-role ARN carries no path.
func (p Principal) PathlessARN() string {
	return fmt.Sprintf("arn:%s:iam::%s:role/%s", p.Partition, p.AccountID, p.Name)
}

// Canonicalize mirrors aws-iam-authenticator v0.7.13 pkg/arn.Canonicalize:
// IAM users, roles, root and STS federated users are kept as they are; an
// STS assumed-role ARN becomes arn:P:iam::A:role/R. Anything else is an error.
func Canonicalize(s string) (Principal, error) {
	a, err := ParseARN(s)
	if err != nil {
		return Principal{}, err
	}
	if !slices.Contains(Partitions, a.Partition) {
		return Principal{}, fmt.Errorf("arn %q does not have a recognized partition %q (known: %s)", s, a.Partition, strings.Join(Partitions, ", "))
	}
	// The resource split at "/" (parts): its first and last parts, the
	// parts between them joined again, and how many parts there are.
	res := a.Resource
	first, _, _ := strings.Cut(res, "/")
	last := res[strings.LastIndexByte(res, '/')+1:]
	nparts := strings.Count(res, "/") + 1
	middle := ""
	if nparts > 2 {
		middle = res[len(first)+1 : len(res)-len(last)-1]
	}
	p := Principal{ARN: s, Canonical: s, Partition: a.Partition, AccountID: a.AccountID, Path: "/"}
	switch a.Service {
	case "sts":
		switch first {
		case "federated-user":
			p.Type = PrincipalFederatedUser
			p.Name = last
			return p, nil
		case "assumed-role":
			if nparts < 3 {
				return Principal{}, fmt.Errorf("assumed-role arn %q does not have a role and a session name (assumed-role/ROLE/SESSION)", s)
			}
			role := middle
			p.Type = PrincipalAssumedRole
			p.Canonical = "arn:" + a.Partition + ":iam::" + a.AccountID + ":role/" + role
			p.Name = role
			p.SessionName = last
			return p, nil
		default:
			return Principal{}, fmt.Errorf("arn %q: unrecognized resource %q for service sts (expected assumed-role or federated-user)", s, a.Resource)
		}
	case "iam":
		switch first {
		case "role":
			p.Type = PrincipalRole
		case "user":
			p.Type = PrincipalUser
		case "root":
			p.Type = PrincipalRoot
			return p, nil
		default:
			return Principal{}, fmt.Errorf("arn %q: unrecognized resource %q for service iam (expected user, role or root)", s, a.Resource)
		}
		if nparts < 2 || last == "" {
			// The authenticator accepts these; they simply never match anybody.
			return p, nil
		}
		p.Name = last
		if nparts > 2 {
			p.Path = "/" + middle + "/"
		}
		return p, nil
	}
	return Principal{}, fmt.Errorf("arn %q: service %q is not a valid service for identities (expected iam or sts)", s, a.Service)
}

// ValidAccountID reports whether s is a 12-digit AWS account ID
// (^[0-9]{12}$).
func ValidAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// instanceIDPattern is the authenticator's test for {{EC2PrivateDNSName}}:
// the session name must be an EC2 instance ID (server.go instanceIDPattern).
var instanceIDPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^i-(\w{8}|\w{17})$`) })

// IsInstanceSession reports whether a role session name is an EC2 instance
// ID, the only case where {{EC2PrivateDNSName}} renders.
func IsInstanceSession(session string) bool { return instanceIDPattern().MatchString(session) }
