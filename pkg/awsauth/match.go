package awsauth

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// resolve works out, for loaded entries, which ones the authenticator can
// never apply: earlier duplicates, entries whose winner is random, and ARNs
// that cannot equal a canonical caller ARN.
func resolve(m *Map) {
	// mapRoles is stored in a Go map keyed by the lower-cased rolearn (or the
	// sso pattern), so the last duplicate wins (MapStore.saveMap, RoleMapping.Key).
	lastRole := make(map[string]*Entry, len(m.Entries))
	// mapUsers is keyed by the userarn as written: an exact duplicate loses to
	// the last one, but case variants both stay and are matched in random map
	// order (UserMapping.Key).
	lastUser := make(map[string]*Entry, len(m.Entries))
	lastAccount := map[string]*Entry{}
	// low is each entry's lower-cased ARN (the role key, when not sso).
	low := make([]string, len(m.Entries))
	for i, e := range m.Entries {
		if !e.Loaded {
			continue
		}
		low[i] = strings.ToLower(e.ARN)
		switch e.Kind {
		case KindRole:
			lastRole[roleKeyLow(e, low[i])] = e
		case KindUser:
			lastUser[e.ARN] = e
		case KindAccount:
			lastAccount[e.ARN] = e
		}
	}
	variants := map[string][]*Entry{}
	for i, e := range m.Entries {
		if !e.Loaded {
			continue
		}
		var winner *Entry
		switch e.Kind {
		case KindRole:
			winner = lastRole[roleKeyLow(e, low[i])]
		case KindUser:
			winner = lastUser[e.ARN]
		case KindAccount:
			winner = lastAccount[e.ARN]
		}
		if winner != e {
			e.ShadowedBy = winner
			continue
		}
		if e.Kind == KindUser {
			// Roles are consulted first: a mapRoles entry for the same ARN wins.
			if r := lastRole[low[i]]; r != nil {
				e.ShadowedBy = r
				continue
			}
			variants[low[i]] = append(variants[low[i]], e)
		}
		e.Never = neverLow(e, low[i])
	}
	for _, group := range variants {
		if len(group) < 2 {
			continue
		}
		for _, e := range group {
			for _, o := range group {
				if o != e {
					e.Ambiguous = append(e.Ambiguous, o)
				}
			}
		}
	}
}

// roleKeyLow is the key of a role entry in the authenticator's map, given
// the entry's lower-cased ARN.
func roleKeyLow(e *Entry, low string) string {
	if e.ARN != "" {
		return low
	}
	return ssoArnLike(e.SSO)
}

// neverLow says why an entry can never equal a caller's canonical ARN,
// given the entry's lower-cased ARN.
func neverLow(e *Entry, low string) string {
	switch {
	case e.Kind == KindAccount:
		if !ValidAccountID(e.ARN) {
			return "not a 12-digit account ID"
		}
		return ""
	case e.SSO != nil:
		if e.SSO.Partition != "" {
			return "sso matcher with an explicit partition (authenticator bug)"
		}
		return "sso matcher is alpha, off unless the SSORoleMatch feature gate is set"
	case strings.TrimSpace(e.ARN) != e.ARN:
		return "spaces around the ARN"
	}
	// The authenticator compares case-insensitively, so "Arn:Aws:Iam::..."
	// still matches: judge the ARN's shape on its lower-cased form.
	p, err := Canonicalize(low)
	switch {
	case err != nil:
		return "invalid ARN"
	case p.Type == PrincipalAssumedRole:
		return "sts ARN"
	case p.Type == PrincipalRole && p.Path != "/":
		return "role path"
	case (p.Type == PrincipalRole || p.Type == PrincipalUser) && p.Name == "":
		return "no " + string(p.Type) + " name"
	case !ValidAccountID(p.AccountID):
		return "not a 12-digit account ID"
	}
	return ""
}

// Match is the outcome of looking a caller up in aws-auth.
type Match struct {
	// Entry is the entry that applies: a mapRoles or mapUsers entry, or the
	// mapAccounts entry that lets the caller in under its own ARN.
	Entry *Entry
	// Candidates lists every entry that may apply when the winner changes
	// from one request to the next (case-variant mapUsers duplicates).
	Candidates []*Entry
	// Username and Groups as the authenticator renders them.
	Username string
	Groups   []string
	// RenderErr is set when a template cannot be rendered for this caller:
	// the authenticator then refuses the request (401).
	RenderErr string
}

// Lookup finds the mapping the authenticator applies to a caller, as
// ConfigMapMapper.Map and then the mapAccounts check in server.doMapping do:
// mapRoles, then mapUsers, by case-insensitive comparison (strings.EqualFold)
// with the lower-cased canonical ARN, then mapAccounts. It returns nil when
// the caller is not mapped. The alpha sso matcher is treated as off, as the
// authenticator's default is.
func (m *Map) Lookup(p Principal, accessKeyID string) *Match {
	subject := strings.ToLower(p.Canonical)
	var roles, users []*Entry
	for _, e := range m.Entries {
		if !e.Loaded || !strings.EqualFold(e.ARN, subject) {
			continue
		}
		switch e.Kind {
		case KindRole:
			// MapStore keeps one role per RoleMapping.Key(): the last one.
			if e.ShadowedBy == nil && e.ARN != "" {
				roles = append(roles, e)
			}
		case KindUser:
			// One user per UserMapping.Key() (the ARN as written); a user
			// shadowed only by a mapRoles entry is still in the user map.
			if e.ShadowedBy == nil || e.ShadowedBy.Kind == KindRole {
				users = append(users, e)
			}
		}
	}
	// Roles are consulted before users (ConfigMapMapper.Map). Several
	// candidates of one kind are matched in Go map order: a random winner.
	candidates := roles
	if len(candidates) == 0 {
		candidates = users
	}
	if len(candidates) > 0 {
		found := &Match{Entry: candidates[len(candidates)-1]}
		if len(candidates) > 1 {
			found.Candidates = candidates
		}
		var err error
		if found.Username, err = Render(found.Entry.Username, p, accessKeyID); err != nil {
			found.RenderErr = fmt.Sprintf("username %q: %v", found.Entry.Username, err)
		}
		found.Groups = []string{}
		for _, g := range found.Entry.Groups {
			r, err := Render(g, p, accessKeyID)
			if err != nil && found.RenderErr == "" {
				found.RenderErr = fmt.Sprintf("group %q: %v", g, err)
			}
			found.Groups = append(found.Groups, r)
		}
		return found
	}
	var account *Entry
	for _, e := range m.Entries {
		if e.Kind == KindAccount && e.Loaded && e.ARN == p.AccountID && (account == nil || e.ShadowedBy == nil) {
			account = e
		}
	}
	if account != nil {
		// server.doMapping: the username is the canonical ARN, no groups.
		return &Match{Entry: account, Username: p.Canonical, Groups: []string{}}
	}
	return nil
}

// ErrNotInstanceSession is returned when {{EC2PrivateDNSName}} is used for a
// session whose name is not an EC2 instance ID.
var ErrNotInstanceSession = errors.New("SessionName did not contain an instance id: {{EC2PrivateDNSName}} renders only for EC2 instance sessions")

// Render expands the authenticator's username and group templates
// (server.renderTemplate). {{EC2PrivateDNSName}} needs an EC2 call; it is
// left in place when the session is an instance ID.
func Render(template string, p Principal, accessKeyID string) (string, error) {
	if strings.Contains(template, "{{EC2PrivateDNSName}}") && !IsInstanceSession(p.SessionName) {
		return "", ErrNotInstanceSession
	}
	t := strings.ReplaceAll(template, "{{AccountID}}", p.AccountID)
	t = strings.ReplaceAll(t, "{{SessionName}}", strings.ReplaceAll(p.SessionName, "@", "-"))
	t = strings.ReplaceAll(t, "{{SessionNameRaw}}", p.SessionName)
	t = strings.ReplaceAll(t, "{{AccessKeyID}}", accessKeyID)
	return t, nil
}

// arnLike mirrors the authenticator's pkg/arn.ArnLike: each of the six
// sections must match its glob (* and ? wildcards).
func arnLike(arn, pattern string) (bool, error) {
	as, err := splitARN(arn)
	if err != nil {
		return false, err
	}
	ps, err := splitARN(pattern)
	if err != nil {
		return false, err
	}
	for i := range as {
		re, err := regexp.Compile("^" + globQuote(ps[i]) + "$")
		if err != nil {
			return false, err
		}
		if !re.MatchString(as[i]) {
			return false, nil
		}
	}
	return true, nil
}

func splitARN(s string) ([]string, error) {
	if !strings.HasPrefix(s, "arn:") {
		return nil, errors.New("arn: invalid prefix")
	}
	sections := strings.SplitN(s, ":", 6)
	if len(sections) != 6 {
		return nil, errors.New("arn: not enough sections")
	}
	return sections, nil
}

func globQuote(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if strings.IndexByte(`\.+()|[]{}^$`, c) >= 0 {
			b.WriteByte('\\')
		} else if c == '*' || c == '?' {
			b.WriteByte('.')
		}
		b.WriteByte(c)
	}
	return b.String()
}
