package diagnose

import (
	"strings"
)

// rank orders the candidate causes of one verdict: the report gives the
// lowest, and among equals the first found. Ranks compare only within one
// verdict. Every rank is named here and every cause code has its rank in
// causeRanks: no call site ranks a cause.
type rank int

// Unauthorized: authentication stops at the first step that breaks, so
// what breaks earliest explains a 401 best, and "not mapped" comes last.
const (
	rankBeforeMapping  rank = 0 // no valid request reaches the mapping (exec plugin, invalid ARN), or another identity makes it
	rankTokenRefused   rank = 1 // the token itself is refused
	rankMappingRefused rank = 2 // a mapping applies but the request is refused anyway
	rankMappingIgnored rank = 3 // the mapping is where the cluster does not look, or the cluster disagrees with it
	rankNeverMatches   rank = 4 // a mapping meant for the principal never matches, or aws-auth is gone
	rankDropped        rank = 5 // the raw text shows the mapping where the authenticator drops it
	rankMaybeKey       rank = 6 // a dropped or ignored key may hold the mapping (raw text not gathered)
	rankMaybeEntry     rank = 8 // a dropped entry or mapAccounts may hold it (raw text not gathered)
	rankNoAdmin        rank = 8 // nobody is admin, so nobody can map it
	rankNotMapped      rank = 9 // nothing maps the principal
)

// Forbidden: what took permissions away explains a 403 before what never
// gave any.
const (
	rankPermissionsReplaced rank = 1 // an access entry overrides aws-auth, or its policies cover other namespaces
	rankGroupsMisread       rank = 2 // the entry is read differently than written
	rankGroupsLost          rank = 3 // a duplicate shadows the entry's groups, or wins at random
	rankNoPolicy            rank = 4 // an access entry that grants nothing
	rankUsernameUnbound     rank = 5 // a template renders a username RBAC does not name
	rankNoGroups            rank = 6 // no groups at all
	rankGroupsUnbound       rank = 7 // groups that no binding names
	rankRBACDenies          rank = 8 // bindings exist, but none allows the request
)

// causeRanks is the one table that ranks causes, by finding code.
var causeRanks = map[string]rank{
	CodeInvalidSubject: rankBeforeMapping,
	CodeExecV1Alpha1:   rankBeforeMapping,
	CodeExecIdentity:   rankBeforeMapping, // for either verdict

	CodeTokenTooLong:      rankTokenRefused,
	CodeTokenExpired:      rankTokenRefused,
	CodeTokenInvalid:      rankTokenRefused,
	CodeTokenOtherCluster: rankTokenRefused,

	CodeEC2DNSNotInstance:  rankMappingRefused,
	CodeStaleAccessEntry:   rankMappingRefused,
	CodeAccessEntryRefused: rankMappingRefused,

	CodeAPIModeIgnoresMap: rankMappingIgnored,
	CodeLiveDisagrees:     rankMappingIgnored,

	CodeAWSAuthMissing:   rankNeverMatches,
	CodeSSOMatcher:       rankNeverMatches,
	CodeRolePathMismatch: rankNeverMatches,
	CodeSTSARNMapped:     rankNeverMatches,

	CodeEntryDropped:      rankDropped,
	CodeAccountsNotLoaded: rankDropped,
	CodeKeyNotLoaded:      rankDropped,
	CodeWrongCaseKey:      rankDropped,

	CodeNoAdmin:   rankNoAdmin,
	CodeNotMapped: rankNotMapped,

	CodeAccessEntryOverrides: rankPermissionsReplaced,
	CodeAccessPolicyScope:    rankPermissionsReplaced,
	CodeBrokenEntry:          rankGroupsMisread,
	CodeShadowedEntry:        rankGroupsLost,
	CodeRandomMapping:        rankGroupsLost,
	CodeAccessPolicyMissing:  rankNoPolicy,
	CodeUsernameUnbound:      rankUsernameUnbound,
	CodeNoGroups:             rankNoGroups,
	CodeGroupsUnbound:        rankGroupsUnbound,
	CodeRBACDenies:           rankRBACDenies,
}

// maybeRanks rank the causes that are only possible: the raw aws-auth text
// was not gathered, so whether the dropped text held the mapping is unknown.
var maybeRanks = map[string]rank{
	CodeEntryDropped:      rankMaybeEntry,
	CodeAccountsNotLoaded: rankMaybeEntry,
	CodeKeyNotLoaded:      rankMaybeKey,
	CodeWrongCaseKey:      rankMaybeKey,
}

// cause is a candidate root cause for one verdict; the lowest rank wins.
type cause struct {
	rank rank
	text string
	code string
}

// because records a candidate cause of verdict, ranked by its code.
func (d *diag) because(verdict, code, text string) {
	d.addCause(verdict, causeRanks, code, text)
}

// mayBecause records a cause that is certain when known, and only possible
// (ranked by maybeRanks) when the raw text that would tell was not gathered.
func (d *diag) mayBecause(known bool, verdict, code, text string) {
	if known {
		d.because(verdict, code, text)
		return
	}
	d.addCause(verdict, maybeRanks, code, text)
}

func (d *diag) addCause(verdict string, ranks map[string]rank, code, text string) {
	r, ok := ranks[code]
	if !ok {
		panic("diagnose: cause " + code + " has no rank in causes.go")
	}
	d.causes[verdict] = append(d.causes[verdict], cause{rank: r, text: oneLine(text), code: code})
}

// best is the best cause of a verdict, skipping the code skip; nil when
// there is none.
func (d *diag) best(verdict, skip string) *cause {
	var best *cause
	for i, c := range d.causes[verdict] {
		if c.code != skip && (best == nil || c.rank < best.rank) {
			best = &d.causes[verdict][i]
		}
	}
	return best
}

// pick returns the best cause for a verdict, or def.
func (d *diag) pick(verdict, def string) string {
	best := d.best(verdict, "")
	if best == nil {
		return def
	}
	d.causeCode = best.code
	return best.text
}

// pickQuiet is the best cause text other than the exec identity.
func (d *diag) pickQuiet(verdict string) string {
	if best := d.best(verdict, CodeExecIdentity); best != nil {
		return best.text
	}
	return "it gets no further"
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}
