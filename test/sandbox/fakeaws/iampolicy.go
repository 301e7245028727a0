package fakeaws

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Policy is an IAM identity policy: Allow and Deny statements over actions
// and resource ARNs. The sandbox evaluates it as IAM does for one account:
// an explicit Deny wins, then any Allow, else the call is denied. A
// principal with no policy (nil) may do everything, so seeds written
// before policies existed keep working.
type Policy struct {
	Version   string      `json:"Version,omitempty"`
	Statement []Statement `json:"Statement"`
}

// Statement is one statement of a policy. Action and Resource take a string
// or a list, with * and ? wildcards; actions match case-insensitively,
// resources case-sensitively, as in IAM.
type Statement struct {
	Effect   string    `json:"Effect"`
	Action   stringSet `json:"Action"`
	Resource stringSet `json:"Resource"`
}

// stringSet is a policy element written as "x" or ["x", "y"].
type stringSet []string

// UnmarshalJSON accepts a string or a list of strings.
func (s *stringSet) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*s = stringSet{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("policy element: want a string or a list of strings: %w", err)
	}
	*s = many
	return nil
}

// Allow is a policy of one Allow statement of these actions on every
// resource.
func Allow(actions ...string) *Policy {
	return &Policy{Version: "2012-10-17", Statement: []Statement{{Effect: "Allow", Action: actions, Resource: stringSet{"*"}}}}
}

// Decision is the outcome of evaluating a policy.
type Decision int

// Decisions.
const (
	ImplicitDeny Decision = iota
	Allowed
	ExplicitDeny
)

// Evaluate decides whether the policy lets action on resource. A nil
// policy allows everything.
func (p *Policy) Evaluate(action, resource string) Decision {
	if p == nil {
		return Allowed
	}
	d := ImplicitDeny
	for _, st := range p.Statement {
		if !st.Action.matches(action, true) || !st.Resource.matches(resource, false) {
			continue
		}
		switch st.Effect {
		case "Deny":
			return ExplicitDeny
		case "Allow":
			d = Allowed
		}
	}
	return d
}

// Validate checks the effects and that every statement names actions and
// resources.
func (p *Policy) Validate() error {
	for i, st := range p.Statement {
		if st.Effect != "Allow" && st.Effect != "Deny" {
			return fmt.Errorf("statement %d: Effect %q is not Allow or Deny", i, st.Effect)
		}
		if len(st.Action) == 0 || len(st.Resource) == 0 {
			return fmt.Errorf("statement %d: Action and Resource are required", i)
		}
	}
	return nil
}

func (s stringSet) matches(v string, fold bool) bool {
	for _, pat := range s {
		if fold {
			if wildcard(strings.ToLower(pat), strings.ToLower(v)) {
				return true
			}
		} else if wildcard(pat, v) {
			return true
		}
	}
	return false
}

// wildcard matches s against pat, where * is any run of characters
// (slashes included, unlike path.Match) and ? any one character.
func wildcard(pat, s string) bool {
	// Iterative matching with backtracking to the last star.
	p, i, star, mark := 0, 0, -1, 0
	for i < len(s) {
		switch {
		case p < len(pat) && (pat[p] == '?' || pat[p] == s[i]):
			p++
			i++
		case p < len(pat) && pat[p] == '*':
			star, mark = p, i
			p++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pat) && pat[p] == '*' {
		p++
	}
	return p == len(pat)
}

// authorize checks the caller's policy for action on resource (st.mu
// held or not: it reads only the credential's principal). It returns the
// AccessDenied error the service answers with, in code (AccessDenied for
// the query APIs, AccessDeniedException for EKS).
func authorize(cred *Credential, account, code, action, resource string) *apiError {
	pol := cred.Principal.Policy
	d := pol.Evaluate(action, resource)
	if d == Allowed {
		return nil
	}
	msg := fmt.Sprintf("User: %s is not authorized to perform: %s on resource: %s", cred.CallerARN(account), action, resource)
	if d == ExplicitDeny {
		msg += " with an explicit deny in an identity-based policy"
	}
	return errf(403, code, "%s", msg)
}
