package accessentry

import (
	"fmt"
	"slices"
	"strings"

	"github.com/eksaccess/kubectl-eksaccess/pkg/awsauth"
)

// Step actions of a migration plan.
const (
	// ActionCreate creates the entry and associates its policies.
	ActionCreate = "create"
	// ActionComplete associates the policies an existing, matching entry
	// lacks (a run that stopped halfway).
	ActionComplete = "complete"
	// ActionExists: the entry is already there as planned.
	ActionExists = "exists"
)

// Step moves one aws-auth mapping to an access entry.
type Step struct {
	// Source is where the mapping stands in aws-auth ("mapRoles line 7").
	Source string `json:"source"`
	// From is the ARN as aws-auth writes it.
	From   string   `json:"from"`
	Action string   `json:"action"`
	Entry  Entry    `json:"entry"`
	Notes  []string `json:"notes,omitempty"`
	// Existing is the entry already in the cluster, if any.
	Existing *Entry `json:"-"`
}

// Manual is a mapping the plan cannot carry over, and what to do.
type Manual struct {
	Source string `json:"source"`
	ARN    string `json:"arn,omitempty"`
	Reason string `json:"reason"`
}

// Plan is the whole migration.
type Plan struct {
	Steps []Step `json:"steps"`
	// Manual lists what must be done by hand before aws-auth can go.
	Manual []Manual `json:"manual"`
	// Skipped lists aws-auth entries that grant nothing today (dropped,
	// shadowed by a later duplicate, never matching): nothing to migrate.
	Skipped []Manual `json:"skipped"`
}

// Pending counts the steps that still change something.
func (p *Plan) Pending() int {
	n := 0
	for _, s := range p.Steps {
		if s.Action != ActionExists {
			n++
		}
	}
	return n
}

// PlanInput is what the plan is made from.
type PlanInput struct {
	Map *awsauth.Map
	// Resolved maps the lower-cased canonical ARN of an aws-auth principal
	// (no path) to its IAM ARN with the path, as IAM GetRole/GetUser gave it.
	Resolved map[string]string
	// Unresolved maps a lower-cased canonical ARN to why IAM could not give
	// its path (e.g. it does not exist). Principals in neither map are used
	// as written, with a note.
	Unresolved map[string]string
	// Existing are the cluster's access entries.
	Existing []Entry
}

// PrincipalKey is how principals are compared: lower-cased, without path
// (IAM names are unique per account whatever the path).
func PrincipalKey(arn string) string {
	p, err := awsauth.Canonicalize(arn)
	if err != nil || p.Name == "" {
		return strings.ToLower(arn)
	}
	kind := "user"
	if p.Type == awsauth.PrincipalRole || p.Type == awsauth.PrincipalAssumedRole {
		kind = "role"
	}
	return strings.ToLower(fmt.Sprintf("arn:%s:iam::%s:%s/%s", p.Partition, p.AccountID, kind, p.Name))
}

// PlanMigration plans moving every mapping aws-auth applies today to an
// access entry. Only effective entries count, so of duplicates the last
// one (the one the authenticator applies) is migrated.
func PlanMigration(in PlanInput) Plan {
	plan := Plan{Steps: []Step{}, Manual: []Manual{}, Skipped: []Manual{}}
	existing := map[string]*Entry{}
	for i := range in.Existing {
		existing[PrincipalKey(in.Existing[i].PrincipalARN)] = &in.Existing[i]
	}
	index := map[string]int{} // principal key -> step index
	for _, e := range in.Map.Entries {
		if e.SSO != nil && e.Loaded && e.ShadowedBy == nil {
			// Whether or not the SSORoleMatch gate is on, this one is for a person.
			_, m := planEntry(e, in)
			if e.Never != "" {
				m.Reason += " (today it " + e.Status() + ")"
			}
			plan.Manual = append(plan.Manual, *m)
			continue
		}
		if !e.Effective() {
			plan.Skipped = append(plan.Skipped, Manual{Source: e.Source(), ARN: e.ARN, Reason: e.Status()})
			continue
		}
		step, manual := planEntry(e, in)
		if manual != nil {
			plan.Manual = append(plan.Manual, *manual)
			continue
		}
		key := PrincipalKey(step.Entry.PrincipalARN)
		if cur := existing[key]; cur != nil {
			if m := reconcile(&step, cur); m != nil {
				plan.Manual = append(plan.Manual, *m)
				continue
			}
		} else {
			step.Action = ActionCreate
		}
		if i, dup := index[key]; dup {
			// Two effective entries for one principal (mapUsers entries that
			// differ only in case): the authenticator picks one at random.
			plan.Manual = append(plan.Manual, Manual{Source: plan.Steps[i].Source, ARN: plan.Steps[i].From,
				Reason: fmt.Sprintf("also maps %s, like %s; only the later one is migrated: check it is the access you want", step.Entry.PrincipalARN, step.Source)})
			plan.Steps[i] = step
			continue
		}
		index[key] = len(plan.Steps)
		plan.Steps = append(plan.Steps, step)
	}
	return plan
}

// reconcile decides what to do about an entry that already exists.
func reconcile(step *Step, cur *Entry) *Manual {
	want := step.Entry
	step.Existing = cur
	if orDefault(cur.Type, TypeStandard) != want.Type {
		return &Manual{Source: step.Source, ARN: step.From, Reason: fmt.Sprintf("an access entry of type %s already exists for %s (the plan wants %s); it already wins over aws-auth: keep it, or delete it and re-run", cur.Type, cur.PrincipalARN, want.Type)}
	}
	if want.Type == TypeStandard && ((want.Username != "" && want.Username != cur.Username) || !sameSet(want.Groups, cur.Groups)) {
		return &Manual{Source: step.Source, ARN: step.From, Reason: fmt.Sprintf("an access entry already exists for %s with username %q and groups [%s], not %q and [%s]; it already wins over aws-auth: reconcile it by hand", cur.PrincipalARN, cur.Username, strings.Join(cur.Groups, ", "), want.Username, strings.Join(want.Groups, ", "))}
	}
	merged := cur.Clone()
	missing := false
	for _, p := range want.Policies {
		if _, ok := merged.Policy(p.ARN); !ok {
			merged.SetPolicy(p)
			missing = true
		}
	}
	merged.PrincipalARN = cur.PrincipalARN
	step.Entry = merged
	if missing {
		step.Action = ActionComplete
	} else {
		step.Action = ActionExists
	}
	return nil
}

// planEntry turns one effective aws-auth entry into the entry to create,
// or says why it must be done by hand.
func planEntry(e *awsauth.Entry, in PlanInput) (Step, *Manual) {
	step := Step{Source: e.Source(), From: e.ARN}
	manual := func(format string, a ...any) (Step, *Manual) {
		return step, &Manual{Source: e.Source(), ARN: e.ARN, Reason: fmt.Sprintf(format, a...)}
	}
	switch {
	case e.Kind == awsauth.KindAccount:
		return manual("mapAccounts maps every IAM principal of account %s under its own ARN; access entries are per principal: add one for each principal that needs access ('kubectl eksaccess add ARN --via access-entry')", e.ARN)
	case e.SSO != nil:
		return manual("the sso matcher (permission set %s, account %s) has no access-entry form: add an entry for the permission set's role, arn:aws:iam::%s:role/aws-reserved/sso.amazonaws.com/REGION/AWSReservedSSO_%s_SUFFIX ('aws iam list-roles --path-prefix /aws-reserved/sso.amazonaws.com/' shows it)", e.SSO.PermissionSetName, e.SSO.AccountID, e.SSO.AccountID, e.SSO.PermissionSetName)
	}
	p, err := awsauth.Canonicalize(e.ARN)
	if err != nil || p.Name == "" || (p.Type != awsauth.PrincipalRole && p.Type != awsauth.PrincipalUser) {
		return manual("%s is not an IAM user or role ARN, which is all an access entry takes", e.ARN)
	}
	key := PrincipalKey(e.ARN)
	arn := p.Canonical
	if r, ok := in.Resolved[key]; ok {
		arn = r
		if !strings.EqualFold(r, p.Canonical) {
			step.Notes = append(step.Notes, "IAM path restored: "+r)
		}
	} else if why, ok := in.Unresolved[key]; ok {
		return manual("%s", why)
	} else {
		step.Notes = append(step.Notes, "IAM path not checked: the ARN is used as aws-auth writes it")
	}
	step.Entry = Entry{PrincipalARN: arn, Type: TypeStandard}

	if slices.Contains(e.Groups, "system:nodes") {
		if p.Type != awsauth.PrincipalRole {
			return manual("maps the IAM user %s as a node: node access entries take roles only", e.ARN)
		}
		step.Entry.Type = TypeEC2Linux
		if slices.Contains(e.Groups, "eks:kube-proxy-windows") {
			step.Entry.Type = TypeEC2Windows
		}
		var extra []string
		for _, g := range e.Groups {
			if g != "system:nodes" && g != "system:bootstrappers" && g != "eks:kube-proxy-windows" {
				extra = append(extra, g)
			}
		}
		if len(extra) > 0 {
			step.Notes = append(step.Notes, fmt.Sprintf("groups [%s] dropped: %s entries take no groups", strings.Join(extra, ", "), step.Entry.Type))
		}
		if e.Username != NodeUsername {
			step.Notes = append(step.Notes, fmt.Sprintf("username %q becomes %s, the one EKS gives nodes", e.Username, NodeUsername))
		}
		return step, nil
	}

	username := strings.ReplaceAll(e.Username, "{{AccountID}}", p.AccountID)
	if username != e.Username {
		step.Notes = append(step.Notes, "{{AccountID}} written out as "+p.AccountID)
	}
	if t := unsupportedTemplate(username); t != "" {
		return manual("username %q uses %s, which access entries do not expand (only {{SessionName}} and {{SessionNameRaw}}): choose a fixed username and add the entry by hand", e.Username, t)
	}
	if username != "" {
		if err := CheckUsername(username, TypeStandard); err != nil {
			return manual("%v (and update the RBAC bindings that name it)", err)
		}
	}
	step.Entry.Username = username
	for _, g := range e.Groups {
		switch {
		case g == "system:masters":
			step.Entry.SetPolicy(Policy{ARN: PolicyARN(p.Partition, ClusterAdminPolicyName), Scope: ScopeCluster})
			step.Notes = append(step.Notes, "system:masters becomes AmazonEKSClusterAdminPolicy (cluster scope)")
		case strings.HasPrefix(g, "system:"):
			return manual("group %q cannot be given through an access entry (EKS refuses system: groups): bind its RBAC to a group of your own first", g)
		case !slices.Contains(step.Entry.Groups, g):
			step.Entry.Groups = append(step.Entry.Groups, g)
		}
	}
	return step, nil
}

// unsupportedTemplate returns the first {{...}} other than {{SessionName}}
// and {{SessionNameRaw}}, the templates access entry usernames take.
func unsupportedTemplate(s string) string {
	for {
		i := strings.Index(s, "{{")
		if i < 0 {
			return ""
		}
		j := strings.Index(s[i:], "}}")
		if j < 0 {
			return s[i:]
		}
		t := s[i : i+j+2]
		if t != "{{SessionName}}" && t != "{{SessionNameRaw}}" {
			return t
		}
		s = s[i+j+2:]
	}
}

// Missing lists the planned entries the cluster's entries do not hold yet
// (with their type and policies): the check before switching modes.
func Missing(plan Plan, entries []Entry) []string {
	have := map[string]*Entry{}
	for i := range entries {
		have[PrincipalKey(entries[i].PrincipalARN)] = &entries[i]
	}
	var missing []string
	for _, s := range plan.Steps {
		cur := have[PrincipalKey(s.Entry.PrincipalARN)]
		if cur == nil {
			missing = append(missing, s.Entry.PrincipalARN+" (no access entry)")
			continue
		}
		if orDefault(cur.Type, TypeStandard) != s.Entry.Type {
			missing = append(missing, fmt.Sprintf("%s (type %s, not %s)", s.Entry.PrincipalARN, cur.Type, s.Entry.Type))
			continue
		}
		for _, p := range s.Entry.Policies {
			if _, ok := cur.Policy(p.ARN); !ok {
				missing = append(missing, fmt.Sprintf("%s (no %s)", s.Entry.PrincipalARN, ShortPolicy(p.ARN)))
			}
		}
	}
	return missing
}
