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
	// ClusterAccount is the cluster's account ("" when unknown): node
	// entries take roles of that account only.
	ClusterAccount string
	// Partition is the cluster's partition, for policy ARNs ("": each
	// principal's own).
	Partition string
	// SSORoles maps SSOKey(account, permission set) of the sso matchers to
	// the role IAM Identity Center made, with its path (see
	// awsapi.ResolvePermissionSet). An unresolved matcher is a manual step.
	SSORoles map[string]string
}

// SSOKey is how PlanInput.SSORoles is keyed.
func SSOKey(account, permissionSet string) string { return account + "/" + permissionSet }

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
		sso := e.SSO != nil && e.Loaded && e.ShadowedBy == nil
		if sso && in.SSORoles[SSOKey(e.SSO.AccountID, e.SSO.PermissionSetName)] == "" {
			// Whether or not the SSORoleMatch gate is on, this one is for a person.
			_, m := planEntry(e, in)
			if e.Never != "" {
				m.Reason += " (today it " + e.Status() + ")"
			}
			plan.Manual = append(plan.Manual, *m)
			continue
		}
		if !sso && !e.Effective() {
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
	madeByEKS := cur.Username == EKSUsername(cur.PrincipalARN, cur.Type)
	if want.Type == TypeStandard && madeByEKS && subset(want.Groups, cur.Groups) && (want.Username != cur.Username || !equalIgnoringOrder(want.Groups, cur.Groups)) {
		// An entry EKS made (the cluster creator's, with its default
		// username): it already grants what the mapping's groups do once
		// the policies are there, so it is completed, not duplicated.
		step.Notes = append(step.Notes, fmt.Sprintf("the access entry EKS made for %s (e.g. as the cluster's creator) is kept: its username stays %q, aws-auth's %q is not carried over", cur.PrincipalARN, cur.Username, want.Username))
	} else if want.Type == TypeStandard && ((want.Username != "" && want.Username != cur.Username) || !equalIgnoringOrder(want.Groups, cur.Groups)) {
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
	if IsNodeType(want.Type) && madeByEKS {
		step.Notes = append(step.Notes, "the access entry is already there as EKS makes it for managed node groups and Fargate profiles")
	}
	return nil
}

// EKSUsername is the username EKS gives an entry of type t for arn when
// none is given: the node username of node types; for STANDARD, the
// role's session ARN with {{SessionName}} (path removed), or the user's
// ARN. Source: the EKS user guide, "Set a custom username".
func EKSUsername(arn, t string) string {
	if IsNodeType(t) {
		return DefaultUsername(t)
	}
	p, err := awsauth.Canonicalize(arn)
	switch {
	case err != nil:
		return ""
	case p.Type == awsauth.PrincipalRole:
		return "arn:" + p.Partition + ":sts::" + p.AccountID + ":assumed-role/" + p.Name + "/{{SessionName}}"
	case p.Type == awsauth.PrincipalUser:
		return arn
	}
	return ""
}

// subset reports whether every element of a is in b.
func subset(a, b []string) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
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
	case e.SSO != nil && in.SSORoles[SSOKey(e.SSO.AccountID, e.SSO.PermissionSetName)] != "":
		return planSSO(e, in)
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
	} else if p.Type == awsauth.PrincipalRole && permissionSetRole(p.Name) {
		return manual("%s is an IAM Identity Center role, whose access entry needs its path (%s[REGION/]), which IAM was not asked for: re-run with IAM access (iam:GetRole), or add it with 'kubectl eksaccess add --sso-permission-set NAME --via access-entry'", e.ARN, "/aws-reserved/sso.amazonaws.com/")
	} else {
		step.Notes = append(step.Notes, "IAM path not checked: the ARN is used as aws-auth writes it")
	}
	step.Entry = Entry{PrincipalARN: arn, Type: TypeStandard}
	if t := nodeType(e.Username, e.Groups); t != "" {
		return planNode(step, e, p, t, in)
	}
	return planPerson(step, e, p, in, manual)
}

// planSSO turns an sso matcher whose role was resolved into a STANDARD
// entry for that role (its path kept).
func planSSO(e *awsauth.Entry, in PlanInput) (Step, *Manual) {
	arn := in.SSORoles[SSOKey(e.SSO.AccountID, e.SSO.PermissionSetName)]
	step := Step{Source: e.Source(), From: arn, Entry: Entry{PrincipalARN: arn, Type: TypeStandard}}
	step.Notes = append(step.Notes, fmt.Sprintf("sso matcher (permission set %s, account %s) is IAM role %s", e.SSO.PermissionSetName, e.SSO.AccountID, arn))
	if e.Never != "" {
		step.Notes = append(step.Notes, "today it "+e.Status()+": the access entry grants the access the matcher was written for")
	}
	p, err := awsauth.Canonicalize(arn)
	if err != nil {
		return step, &Manual{Source: e.Source(), Reason: fmt.Sprintf("the role found for permission set %s, %s, is not an IAM role ARN", e.SSO.PermissionSetName, arn)}
	}
	return planPerson(step, e, p, in, func(format string, a ...any) (Step, *Manual) {
		return step, &Manual{Source: e.Source(), ARN: arn, Reason: fmt.Sprintf(format, a...)}
	})
}

// permissionSetRole reports whether a role name is one IAM Identity
// Center makes (AWSReservedSSO_<set>_<suffix>).
func permissionSetRole(name string) bool { return strings.HasPrefix(name, "AWSReservedSSO_") }

// nodeGroups are the groups aws-auth gives nodes; node entries take none
// (EKS gives them theirs).
var nodeGroups = []string{"system:nodes", "system:bootstrappers", "system:node-proxier", "eks:kube-proxy-windows"}

// nodeType is the entry type of an aws-auth node mapping, "" for a person:
// system:nodes with eks:kube-proxy-windows is EC2_WINDOWS; with a
// {{SessionName}} username it is FARGATE_LINUX (system:node-proxier, as
// EKS and eksctl write Fargate pod execution roles) or HYBRID_LINUX
// (hybrid nodes); else EC2_LINUX.
func nodeType(username string, groups []string) string {
	switch {
	case !slices.Contains(groups, "system:nodes"):
		return ""
	case slices.Contains(groups, "eks:kube-proxy-windows"):
		return TypeEC2Windows
	case strings.Contains(username, "{{SessionName}}") && slices.Contains(groups, "system:node-proxier"):
		return TypeFargateLinux
	case strings.Contains(username, "{{SessionName}}"):
		return TypeHybridLinux
	}
	return TypeEC2Linux
}

// planNode makes the entry of a node mapping: a role of the cluster's
// account, without groups or username (EKS sets them).
func planNode(step Step, e *awsauth.Entry, p awsauth.Principal, t string, in PlanInput) (Step, *Manual) {
	step.Entry.Type = t
	if err := CheckPrincipal(step.Entry.PrincipalARN, t, in.ClusterAccount); err != nil {
		return step, &Manual{Source: e.Source(), ARN: e.ARN, Reason: fmt.Sprintf("maps a node: %v; or keep this mapping in aws-auth (API_AND_CONFIG_MAP mode)", err)}
	}
	var extra []string
	for _, g := range e.Groups {
		if !slices.Contains(nodeGroups, g) {
			extra = append(extra, g)
		}
	}
	if len(extra) > 0 {
		step.Notes = append(step.Notes, fmt.Sprintf("groups [%s] dropped: %s entries take no groups", strings.Join(extra, ", "), t))
	}
	if d := DefaultUsername(t); e.Username != d {
		step.Notes = append(step.Notes, fmt.Sprintf("username %q becomes %s, the one EKS gives %s nodes", e.Username, d, t))
	}
	return step, nil
}

// planPerson makes the STANDARD entry of a person's mapping: templates
// written out, system:masters as AmazonEKSClusterAdminPolicy, and the
// entry checked as EKS would.
func planPerson(step Step, e *awsauth.Entry, p awsauth.Principal, in PlanInput, manual func(string, ...any) (Step, *Manual)) (Step, *Manual) {
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
		case g == MastersGroup:
			step.Entry.SetPolicy(Policy{ARN: PolicyARN(orDefault(in.Partition, p.Partition), ClusterAdminPolicyName), Scope: ScopeCluster})
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
