package awsauth

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// Op is what a Change does.
type Op string

const (
	// OpAdd maps a principal, or updates its existing entry in place.
	OpAdd Op = "add"
	// OpRemove deletes the entry that maps a principal.
	OpRemove Op = "remove"
)

// Change is one intended edit of aws-auth. The command layer builds it with
// NormalizeTarget or NormalizeAccount and then applies flags.
type Change struct {
	Op   Op
	Kind Kind
	// ARN is the canonical ARN as it will be written (for KindAccount: the
	// 12-digit account ID). For OpRemove it is matched case-insensitively
	// against the ARN as written, so an entry with a role path can be
	// removed by giving that path.
	ARN string
	// Username for the entry. When UsernameIsDefault is set it is only used
	// for a new entry: an existing entry keeps its username (except for a
	// Node change, which always sets the node username).
	Username          string
	UsernameIsDefault bool
	// Groups for the entry. Empty keeps an existing entry's groups. With
	// AppendGroups they are merged into the existing ones, else they replace
	// them.
	Groups       []string
	AppendGroups bool
	// AllDuplicates is kept for callers that set it: OpRemove always
	// deletes every entry that maps the principal (see removeTargets).
	AllDuplicates bool
	// Node marks the standard node-role mapping (no reserved-prefix warning).
	Node bool
	// Force allows editing a key that is already broken (a YAML error drops
	// all of its entries today).
	Force bool
}

// NodeGroups are the groups of the standard node-role mapping.
var NodeGroups = []string{"system:bootstrappers", "system:nodes"}

// DataKeyFor returns the data key entries of a kind are written under.
func DataKeyFor(k Kind) string {
	switch k {
	case KindRole:
		return KeyRoles
	case KindUser:
		return KeyUsers
	case KindAccount:
		return KeyAccounts
	}
	return ""
}

// NormalizeTarget turns an ARN given on the command line into an add Change
// with the defaults users expect, and notices about what was changed. The ARN
// decides the kind: an IAM user goes to mapUsers, an IAM role to mapRoles. An
// STS assumed-role ARN becomes its role ARN, and a role path is dropped,
// because the authenticator matches role sessions by the role ARN without its
// path (aws-iam-authenticator pkg/arn.Canonicalize). Anything the
// authenticator could never match is refused with the fix.
func NormalizeTarget(arn string, node bool) (Change, []string, error) {
	arn, p, err := principalArg(arn, "to map every principal of an account use")
	if err != nil {
		return Change{}, nil, err
	}
	a, _ := ParseARN(arn)
	if !ValidAccountID(p.AccountID) {
		return Change{}, nil, fmt.Errorf("arn %q: account ID %q is not 12 digits: copy the ARN from 'aws sts get-caller-identity' or the IAM console", arn, p.AccountID)
	}
	var notices []string
	var c Change
	switch p.Type {
	case PrincipalRoot:
		return Change{}, nil, fmt.Errorf("arn %q is the account root user: map a role or user instead, or the whole account with --account %s", arn, p.AccountID)
	case PrincipalFederatedUser:
		return Change{}, nil, fmt.Errorf("arn %q is an STS federated user, which aws-auth cannot map: map the IAM role your users assume instead", arn)
	case PrincipalAssumedRole:
		c = Change{Kind: KindRole, ARN: p.Canonical}
		notices = append(notices, fmt.Sprintf("%s is a role session; mapping its role %s (every session of the role)", arn, p.Canonical))
	case PrincipalRole, PrincipalUser:
		if a.Region != "" {
			return Change{}, nil, fmt.Errorf("arn %q has the region %q: IAM ARNs have no region, so it would never match: write arn:%s:iam::%s:%s", arn, a.Region, p.Partition, p.AccountID, a.Resource)
		}
		if p.Name == "" {
			return Change{}, nil, fmt.Errorf("arn %q has no %s name: give the full ARN, e.g. arn:%s:iam::%s:%s/NAME", arn, p.Type, p.Partition, p.AccountID, p.Type)
		}
		if p.Type == PrincipalUser {
			c = Change{Kind: KindUser, ARN: arn}
			break
		}
		c = Change{Kind: KindRole, ARN: arn}
		if p.Path != "/" {
			c.ARN = p.PathlessARN()
			notices = append(notices, fmt.Sprintf("writing %s without its path %q: the authenticator matches a role session by the role ARN without its path, so an ARN with a path never matches", c.ARN, p.Path))
		}
	}
	c.Op = OpAdd
	name := c.ARN[strings.LastIndex(c.ARN, "/")+1:]
	switch {
	case node && c.Kind != KindRole:
		return Change{}, nil, fmt.Errorf("arn %q is not a role: --node maps the IAM role of worker nodes", arn)
	case node:
		c.Node = true
		c.Username = NodeUsername
		c.Groups = slices.Clone(NodeGroups)
	case c.Kind == KindUser:
		c.Username = name
	default:
		c.Username = name + ":{{SessionName}}"
	}
	c.UsernameIsDefault = true
	return c, notices, nil
}

// principalArg canonicalises an ARN given on the command line. An account
// ID is refused with what --account does for the command (accountUse).
func principalArg(arn, accountUse string) (string, Principal, error) {
	arn = strings.TrimSpace(arn)
	if ValidAccountID(arn) {
		return "", Principal{}, fmt.Errorf("%q is an account ID, not an ARN: %s --account %s", arn, accountUse, arn)
	}
	p, err := Canonicalize(arn)
	if err != nil {
		return "", Principal{}, fmt.Errorf("%w: give an IAM user or role ARN such as arn:aws:iam::111122223333:role/NAME", err)
	}
	return arn, p, nil
}

// NormalizeRemove turns an ARN given to remove into a remove Change. An STS
// assumed-role ARN becomes its role ARN; a role path is kept, since the entry
// to remove may be written with it (Apply also tries it without the path).
func NormalizeRemove(arn string) (Change, []string, error) {
	arn, p, err := principalArg(arn, "to remove an account use")
	if err != nil {
		return Change{}, nil, err
	}
	c := Change{Op: OpRemove, Kind: KindRole, ARN: p.Canonical}
	var notices []string
	switch p.Type {
	case PrincipalUser:
		c.Kind = KindUser
	case PrincipalRole:
	case PrincipalAssumedRole:
		notices = append(notices, fmt.Sprintf("%s is a role session; removing the mapping of its role %s", arn, p.Canonical))
	default:
		return Change{}, nil, fmt.Errorf("arn %q is a %s, which aws-auth cannot map: give the IAM user or role ARN", arn, p.Type)
	}
	return c, notices, nil
}

// NormalizeAccount returns the add Change that maps a whole account.
func NormalizeAccount(id string) (Change, error) {
	id = strings.TrimSpace(id)
	if !ValidAccountID(id) {
		return Change{}, fmt.Errorf("account ID %q is not 12 digits: copy it from 'aws sts get-caller-identity --query Account'", id)
	}
	return Change{Op: OpAdd, Kind: KindAccount, ARN: id}, nil
}

// UsernameWarnings returns warnings about a username aws-auth accepts but
// that will surprise: a reserved prefix, or a node template outside a node
// mapping.
func UsernameWarnings(username string, node bool) []string {
	var ws []string
	if node && username == NodeUsername {
		return nil
	}
	for _, p := range ReservedPrefixes {
		if strings.HasPrefix(username, p) {
			ws = append(ws, fmt.Sprintf("username %q starts with the reserved prefix %q: aws-auth accepts it, access entries refuse it", username, p))
			break
		}
	}
	if strings.Contains(username, "{{EC2PrivateDNSName}}") {
		ws = append(ws, "{{EC2PrivateDNSName}} renders only for EC2 instance sessions: use it for node roles (--node) only")
	}
	return ws
}

func (c Change) validate() error {
	if c.Op != OpAdd && c.Op != OpRemove {
		return fmt.Errorf("unknown operation %q", c.Op)
	}
	switch c.Kind {
	case KindAccount:
		if !ValidAccountID(c.ARN) {
			return fmt.Errorf("account ID %q is not 12 digits", c.ARN)
		}
	case KindRole, KindUser:
		p, err := Canonicalize(c.ARN)
		if err != nil {
			return err
		}
		if c.Op == OpAdd {
			want := PrincipalRole
			if c.Kind == KindUser {
				want = PrincipalUser
			}
			if p.Type != want || p.Path != "/" && p.Type == PrincipalRole || p.Name == "" || !ValidAccountID(p.AccountID) || strings.Count(c.ARN, ":") != 5 || strings.Split(c.ARN, ":")[3] != "" {
				return fmt.Errorf("arn %q is not a canonical %s ARN: normalize it with NormalizeTarget first", c.ARN, c.Kind)
			}
		}
	default:
		return fmt.Errorf("unknown kind %q", c.Kind)
	}
	if c.Op == OpRemove {
		return nil
	}
	if !oneLine(c.Username) {
		return fmt.Errorf("username %q must be one line of valid UTF-8", c.Username)
	}
	for _, g := range c.Groups {
		if g == "" || !oneLine(g) {
			return fmt.Errorf("group %q must be a non-empty line of valid UTF-8", g)
		}
	}
	return nil
}

// setsUsername reports whether an add sets the username of an existing
// entry: an explicit --username, or --node, whose username nodes need
// whatever the entry said before.
func (c Change) setsUsername() bool {
	return c.Username != "" && (!c.UsernameIsDefault || c.Node)
}

func oneLine(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, func(r rune) bool {
		return r == '\n' || r == '\r' || r == 0x85 || r == 0x2028 || r == 0x2029 || r == 0xFEFF || (r < 0x20 && r != '\t') || r == 0x7f
	})
}
