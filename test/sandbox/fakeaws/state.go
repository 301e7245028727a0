// Package fakeaws serves local stand-ins for the parts of STS, EKS and IAM
// that decide who can reach an EKS cluster, over HTTPS and with the real
// wire protocols, so that the real aws-sdk-go-v2 clients talk to it when
// pointed there with AWS_ENDPOINT_URL_* and AWS_CA_BUNDLE.
//
// Every request must be SigV4-signed by a known principal; signatures are
// verified against the principal's secret key.
package fakeaws

import (
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"os"
	"path"
	"slices"
	"strings"
	"sync"
	"time"

	"sigs.k8s.io/yaml"
)

// Seed is the initial state: principals and clusters. It is read from a
// small YAML file (see DefaultSeed).
type Seed struct {
	Account  string        `json:"account"`
	Region   string        `json:"region"`
	Users    []SeedUser    `json:"users"`
	Roles    []SeedRole    `json:"roles"`
	Clusters []SeedCluster `json:"clusters"`
}

// SeedUser is an IAM user. Empty keys are generated at start.
type SeedUser struct {
	Name            string `json:"name"`
	Path            string `json:"path,omitempty"`
	AccessKeyID     string `json:"accessKeyId,omitempty"`
	SecretAccessKey string `json:"secretAccessKey,omitempty"`
	// Policy is the user's identity policy; none allows everything.
	Policy *Policy `json:"policy,omitempty"`
}

// SeedRole is an IAM role; AssumableBy lists the principal ARNs (users or
// roles) its trust policy lets call sts:AssumeRole.
type SeedRole struct {
	Name string `json:"name"`
	Path string `json:"path,omitempty"`
	// Account is the role's account when it is not the seed's: such a role
	// exists for EKS (an access entry can name it) but IAM's ListRoles and
	// GetRole, which list the caller's account, do not show it.
	Account     string   `json:"account,omitempty"`
	AssumableBy []string `json:"assumableBy,omitempty"`
	// Policy is the role's identity policy; none allows everything.
	Policy *Policy `json:"policy,omitempty"`
}

// SeedCluster is an EKS cluster.
type SeedCluster struct {
	Name string `json:"name"`
	// Creator is the IAM ARN (user or role, with its path) that created it.
	Creator string `json:"creator"`
	// AuthenticationMode is CONFIG_MAP, API_AND_CONFIG_MAP or API.
	AuthenticationMode string `json:"authenticationMode,omitempty"`
	// BootstrapClusterCreatorAdminPermissions defaults to true.
	BootstrapClusterCreatorAdminPermissions *bool  `json:"bootstrapClusterCreatorAdminPermissions,omitempty"`
	Version                                 string `json:"version,omitempty"`
	// NodeGroups are the node IAM role ARNs of the cluster's managed node
	// groups: EKS gives each an EC2_LINUX access entry once the cluster
	// has access entries (and an aws-auth mapping, which the sandbox's
	// seeded aws-auth holds).
	NodeGroups []string `json:"nodeGroups,omitempty"`
}

// LoadSeed reads a seed file.
func LoadSeed(file string) (*Seed, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	return ParseSeed(b)
}

// ParseSeed parses a seed document.
func ParseSeed(b []byte) (*Seed, error) {
	var s Seed
	if err := yaml.UnmarshalStrict(b, &s); err != nil {
		return nil, fmt.Errorf("sandbox seed: %w", err)
	}
	if s.Account == "" {
		s.Account = "111122223333"
	}
	if s.Region == "" {
		s.Region = "us-east-1"
	}
	return &s, nil
}

// Principal is an IAM user or role.
type Principal struct {
	Kind        string // "user" or "role"
	Account     string
	Name        string
	Path        string // "/" or "/a/b/"
	ID          string // AIDA... or AROA...
	ARN         string // with the path
	AccessKeyID string // users only
	Secret      string // users only
	AssumableBy []string
	Created     time.Time
	// Policy is the identity policy checked on every call the principal
	// (or a session of it) makes; nil allows everything.
	Policy *Policy
}

// Credential is a key pair known to the sandbox: a user's long-term key or
// an AssumeRole session.
type Credential struct {
	AccessKeyID  string
	Secret       string
	SessionToken string    // empty for long-term keys
	Expires      time.Time // zero for long-term keys
	Principal    *Principal
	SessionName  string // assumed-role sessions
}

// CallerARN is the ARN GetCallerIdentity returns for the credential.
func (c *Credential) CallerARN(account string) string {
	if c.SessionToken == "" {
		return c.Principal.ARN
	}
	// The assumed-role ARN carries no path (that is why the authenticator
	// cannot match a rolearn with one).
	return fmt.Sprintf("arn:%s:sts::%s:assumed-role/%s/%s", partitionOfARN(c.Principal.ARN), account, c.Principal.Name, c.SessionName)
}

// UserID is GetCallerIdentity's UserId.
func (c *Credential) UserID() string {
	if c.SessionToken == "" {
		return c.Principal.ID
	}
	return c.Principal.ID + ":" + c.SessionName
}

// Cluster is an EKS cluster's state.
type Cluster struct {
	Name             string
	ARN              string
	Creator          string
	CreatorID        string
	NodeGroups       []string // node role ARNs
	Mode             string
	BootstrapCreator bool
	Version          string
	Endpoint         string
	CAData           string // base64 PEM
	Created          time.Time
	Entries          map[string]*AccessEntry // by principal ARN
	Updates          []*Update
}

// AccessEntry is an EKS access entry.
type AccessEntry struct {
	PrincipalARN string
	PrincipalID  string
	Type         string
	Username     string
	Groups       []string
	Created      time.Time
	Modified     time.Time
	Policies     map[string]*PolicyAssociation // by policy ARN
	Tags         map[string]string
}

// PolicyAssociation is an access policy associated with an entry.
type PolicyAssociation struct {
	PolicyARN  string
	ScopeType  string // cluster or namespace
	Namespaces []string
	Associated time.Time
	Modified   time.Time
}

// State is the sandbox's AWS state, safe for concurrent use.
type State struct {
	mu      sync.Mutex
	Account string
	Region  string
	// Partition is the region's (aws, aws-cn, aws-us-gov): every ARN the
	// sandbox makes or takes is in it.
	Partition  string
	policies   []string              // the access policy catalogue
	pageLimit  int                   // when > 0, list pages hold at most this many items
	principals map[string]*Principal // by lower-cased ARN
	creds      map[string]*Credential
	clusters   map[string]*Cluster
	now        func() time.Time
	updates    updateBehavior
}

// NewState builds the state from a seed, generating missing keys.
func NewState(seed *Seed) (*State, error) {
	s := &State{
		Account:    seed.Account,
		Region:     seed.Region,
		Partition:  PartitionOf(seed.Region),
		policies:   slices.Clone(AccessPolicies),
		principals: map[string]*Principal{},
		creds:      map[string]*Credential{},
		clusters:   map[string]*Cluster{},
		now:        time.Now,
	}
	for _, u := range seed.Users {
		p := &Principal{Kind: "user", Account: s.Account, Name: u.Name, Path: normPath(u.Path), ID: "AIDA" + randID(17), AccessKeyID: u.AccessKeyID, Secret: u.SecretAccessKey, Created: s.now(), Policy: u.Policy}
		if p.AccessKeyID == "" {
			p.AccessKeyID = "AKIA" + randID(16)
		}
		if p.Secret == "" {
			p.Secret = randSecret()
		}
		p.ARN = fmt.Sprintf("arn:%s:iam::%s:user%s%s", s.Partition, s.Account, p.Path, p.Name)
		if p.Policy != nil {
			if err := p.Policy.Validate(); err != nil {
				return nil, fmt.Errorf("sandbox seed: policy of %s: %w", p.ARN, err)
			}
		}
		if err := s.addPrincipal(p); err != nil {
			return nil, err
		}
		s.creds[p.AccessKeyID] = &Credential{AccessKeyID: p.AccessKeyID, Secret: p.Secret, Principal: p}
	}
	for _, r := range seed.Roles {
		p := &Principal{Kind: "role", Account: r.Account, Name: r.Name, Path: normPath(r.Path), ID: "AROA" + randID(17), AssumableBy: r.AssumableBy, Created: s.now(), Policy: r.Policy}
		if p.Account == "" {
			p.Account = s.Account
		}
		p.ARN = fmt.Sprintf("arn:%s:iam::%s:role%s%s", s.Partition, p.Account, p.Path, p.Name)
		if p.Policy != nil {
			if err := p.Policy.Validate(); err != nil {
				return nil, fmt.Errorf("sandbox seed: policy of %s: %w", p.ARN, err)
			}
		}
		if err := s.addPrincipal(p); err != nil {
			return nil, err
		}
	}
	for _, c := range seed.Clusters {
		creator := s.principals[strings.ToLower(c.Creator)]
		if creator == nil {
			return nil, fmt.Errorf("sandbox seed: cluster %s: creator %s is not a principal of the seed", c.Name, c.Creator)
		}
		mode := c.AuthenticationMode
		if mode == "" {
			mode = ModeConfigMap
		}
		if modeRank(mode) < 0 {
			return nil, fmt.Errorf("sandbox seed: cluster %s: authenticationMode %q is not CONFIG_MAP, API_AND_CONFIG_MAP or API", c.Name, mode)
		}
		cl := &Cluster{
			Name: c.Name, ARN: fmt.Sprintf("arn:%s:eks:%s:%s:cluster/%s", s.Partition, s.Region, s.Account, c.Name),
			Creator: creator.ARN, CreatorID: creator.ID, Mode: mode, BootstrapCreator: c.BootstrapClusterCreatorAdminPermissions == nil || *c.BootstrapClusterCreatorAdminPermissions,
			Version: c.Version, Created: s.now(), Entries: map[string]*AccessEntry{},
		}
		if cl.Version == "" {
			cl.Version = "1.37"
		}
		for _, ng := range c.NodeGroups {
			p := s.principals[strings.ToLower(ng)]
			if p == nil || p.Kind != "role" || p.ARN != ng {
				return nil, fmt.Errorf("sandbox seed: cluster %s: node group role %s is not a role of the seed", c.Name, ng)
			}
			cl.NodeGroups = append(cl.NodeGroups, p.ARN)
		}
		if cl.Mode != ModeConfigMap {
			s.bootstrapCreatorEntry(cl)
			s.bootstrapNodeGroupEntries(cl)
		}
		s.clusters[c.Name] = cl
	}
	return s, nil
}

// Authentication modes.
const (
	ModeConfigMap       = "CONFIG_MAP"
	ModeAPIAndConfigMap = "API_AND_CONFIG_MAP"
	ModeAPI             = "API"
)

func modeRank(m string) int {
	switch m {
	case ModeConfigMap:
		return 0
	case ModeAPIAndConfigMap:
		return 1
	case ModeAPI:
		return 2
	}
	return -1
}

// ClusterAdminPolicy is the policy EKS gives the creator's access entry
// (in the aws partition; PolicyARN makes it for another).
const ClusterAdminPolicy = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"

// bootstrapCreatorEntry gives the creator its access entry, as EKS does when
// the cluster has (or gets) access entries and bootstrap is on.
func (s *State) bootstrapCreatorEntry(cl *Cluster) {
	if !cl.BootstrapCreator {
		return
	}
	p := s.principals[strings.ToLower(cl.Creator)]
	if cl.Entries[p.ARN] != nil {
		return
	}
	now := s.now()
	admin := PolicyARN(s.Partition, "AmazonEKSClusterAdminPolicy")
	cl.Entries[p.ARN] = &AccessEntry{
		PrincipalARN: p.ARN, PrincipalID: p.ID, Type: TypeStandard, Username: defaultUsername(TypeStandard, p),
		Created: now, Modified: now, Tags: map[string]string{},
		Policies: map[string]*PolicyAssociation{admin: {PolicyARN: admin, ScopeType: "cluster", Associated: now, Modified: now}},
	}
}

// bootstrapNodeGroupEntries gives each managed node group's role its
// EC2_LINUX access entry, as EKS does when the cluster has (or gets)
// access entries.
func (s *State) bootstrapNodeGroupEntries(cl *Cluster) {
	now := s.now()
	for _, arn := range cl.NodeGroups {
		p := s.principals[strings.ToLower(arn)]
		if cl.Entries[p.ARN] != nil {
			continue
		}
		cl.Entries[p.ARN] = &AccessEntry{
			PrincipalARN: p.ARN, PrincipalID: p.ID, Type: TypeEC2Linux, Username: defaultUsername(TypeEC2Linux, p), Groups: nodeGroups(TypeEC2Linux),
			Created: now, Modified: now, Tags: map[string]string{}, Policies: map[string]*PolicyAssociation{},
		}
	}
}

// defaultUsername is the username EKS gives an access entry of the type
// without one: the user's ARN, the role's assumed-role ARN without its path
// and with {{SessionName}}, or the node form of a node type.
func defaultUsername(typ string, p *Principal) string {
	if typ != TypeStandard {
		return nodeUsername(typ)
	}
	if p.Kind == "role" {
		return fmt.Sprintf("arn:%s:sts::%s:assumed-role/%s/{{SessionName}}", partitionOfARN(p.ARN), p.Account, p.Name)
	}
	return p.ARN
}

// partitionOfARN is the partition field of an ARN.
func partitionOfARN(arn string) string {
	if f := strings.SplitN(arn, ":", 3); len(f) == 3 {
		return f[1]
	}
	return "aws"
}

func (s *State) addPrincipal(p *Principal) error {
	k := strings.ToLower(p.ARN)
	if _, dup := s.principals[k]; dup {
		return fmt.Errorf("sandbox seed: principal %s is listed twice", p.ARN)
	}
	s.principals[k] = p
	return nil
}

func normPath(p string) string {
	if p == "" || p == "/" {
		return "/"
	}
	p = path.Clean("/" + strings.Trim(p, "/"))
	return p + "/"
}

var idEncoding = base32.NewEncoding("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567").WithPadding(base32.NoPadding)

func randID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return idEncoding.EncodeToString(b)[:n]
}

func randSecret() string {
	b := make([]byte, 30)
	_, _ = rand.Read(b)
	return strings.NewReplacer("=", "").Replace(fmt.Sprintf("%x", b))[:40]
}

// Lock-protected accessors used by the webhooks and the sandbox.

// SetClusterEndpoint records where the cluster's apiserver listens.
func (s *State) SetClusterEndpoint(name, endpoint, caData string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	cl := s.clusters[name]
	if cl == nil {
		return fmt.Errorf("no cluster %s in the sandbox", name)
	}
	cl.Endpoint, cl.CAData = endpoint, caData
	return nil
}

// ClusterView is a copy of a cluster's access-relevant state.
type ClusterView struct {
	Name, Mode, Creator, CreatorID string
	BootstrapCreator               bool
	Entries                        []AccessEntry
}

// Cluster returns a copy of the cluster's state, or false.
func (s *State) Cluster(name string) (ClusterView, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cl := s.clusters[name]
	if cl == nil {
		return ClusterView{}, false
	}
	s.settle(cl)
	v := ClusterView{Name: cl.Name, Mode: cl.Mode, Creator: cl.Creator, CreatorID: cl.CreatorID, BootstrapCreator: cl.BootstrapCreator}
	for _, e := range cl.Entries {
		c := *e
		c.Groups = append([]string(nil), e.Groups...)
		c.Policies = map[string]*PolicyAssociation{}
		for k, p := range e.Policies {
			pc := *p
			pc.Namespaces = append([]string(nil), p.Namespaces...)
			c.Policies[k] = &pc
		}
		v.Entries = append(v.Entries, c)
	}
	return v, true
}

// Principal returns a copy of the principal with that ARN (case-insensitive).
func (s *State) Principal(arn string) (Principal, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.principals[strings.ToLower(arn)]
	if p == nil {
		return Principal{}, false
	}
	return *p, true
}

// Users returns copies of every IAM user, with their keys.
func (s *State) Users() []Principal {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Principal
	for _, p := range s.principals {
		if p.Kind == "user" {
			out = append(out, *p)
		}
	}
	return out
}

// SetPageLimit makes every list page (IAM ListRoles and ListUsers, EKS
// lists) hold at most n items whatever MaxItems or maxResults asks, as IAM
// documents it may ("IAM might return fewer results, even when there are
// more results available"); 0 lifts the limit. Tests use it to prove a
// client follows the pages.
func (s *State) SetPageLimit(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pageLimit = n
}

// SetNow replaces the clock (tests).
func (s *State) SetNow(now func() time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.now = now
}

// SetPolicy replaces the identity policy of the principal with that ARN
// (nil: allow everything); sessions of a role get it at once.
func (s *State) SetPolicy(arn string, p *Policy) error {
	if p != nil {
		if err := p.Validate(); err != nil {
			return err
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	pr := s.principals[strings.ToLower(arn)]
	if pr == nil {
		return fmt.Errorf("no principal %s in the sandbox", arn)
	}
	pr.Policy = p
	return nil
}
