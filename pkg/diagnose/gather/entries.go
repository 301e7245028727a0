package gather

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/smithy-go"

	"github.com/eksaccess/kubectl-eksaccess/pkg/accessentry"
	"github.com/eksaccess/kubectl-eksaccess/pkg/awsapi"
	"github.com/eksaccess/kubectl-eksaccess/pkg/awsauth"
	"github.com/eksaccess/kubectl-eksaccess/pkg/diagnose"
)

// accessEntries describes the access entries, among the listed ones, that
// may be the principal's; snap holds the subject, mode and cluster. Its
// steps go to p.
func (g *run) accessEntries(ctx context.Context, p *progress, snap diagnose.Snapshot, arns []string, listErr error) *diagnose.AccessEntries {
	ae := &diagnose.AccessEntries{}
	switch {
	case snap.Cluster == nil || !snap.Cluster.Ran || snap.Cluster.Err != "":
		ae.Skipped = "the cluster could not be described"
		return ae
	case snap.Mode == diagnose.ModeConfigMap:
		ae.Skipped = "the cluster is in CONFIG_MAP mode: access entries do not apply"
		return ae
	case snap.Subject == "":
		ae.Skipped = "the principal is unknown"
		return ae
	}
	who, err := awsauth.Canonicalize(snap.Subject)
	if err != nil {
		ae.Skipped = err.Error()
		return ae
	}
	ae.Ran = true
	mine := mayBe(who, arns)
	// When each principal was created (IAM), read beside the entries: an
	// entry older than its principal is stale (EKSA211).
	var created []time.Time
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		created = g.principalsCreated(ctx, p, mine)
	}()
	entries, err := []accessentry.Entry(nil), listErr
	if err == nil {
		entries, err = awsapi.DescribeEntries(ctx, g.aws.EKS, snap.Cluster.Name, mine)
	}
	wg.Wait()
	if err != nil {
		ae.Err = g.awsError(err)
		p.warn("access entries: %s", ae.Err)
		return ae
	}
	for _, e := range entries {
		d := diagnose.AccessEntry{Entry: e}
		if i := slices.Index(mine, e.PrincipalARN); i >= 0 {
			d.PrincipalCreatedAt = created[i]
		}
		ae.Entries = append(ae.Entries, d)
	}
	if len(entries) == 0 {
		p.warn("access entries: none for %s", who.Canonical)
	} else {
		p.ok("access entries: %d for %s", len(entries), who.Canonical)
	}
	return ae
}

// heldEntries are access entries described before it was known whose
// they must be, with their steps held until they are used.
type heldEntries struct {
	entries *diagnose.AccessEntries
	p       *progress
}

// guessesPrincipal reports whether the principal of the token is worth
// guessing as the AWS clients' caller (callerARN): the identity under test
// is the exec plugin's, the AWS clients are of its profile and it assumes
// no role, so that its token most likely stands for whoever the AWS
// clients' credentials are; and access entries may apply. Asked beside the
// exec plugin, the guess lets the entries be described while the token is
// still being made and replayed; they are used only when STS says the
// token stands for the same ARN.
func (g *run) guessesPrincipal() bool {
	return g.runsExec() && g.awsOK() && g.clusterName != "" && g.o.Mode != diagnose.ModeConfigMap &&
		g.base.Exec.RoleARN == "" && (g.o.Profile == "" || g.o.Profile == g.base.Exec.Profile)
}

// mayBe are the ARNs that may be p's: entries carry the role path, STS
// canonical ARNs do not.
func mayBe(p awsauth.Principal, arns []string) []string {
	var mine []string
	for _, a := range arns {
		q, err := awsauth.Canonicalize(a)
		if err == nil && q.Type == p.Type && strings.EqualFold(q.AccountID, p.AccountID) && strings.EqualFold(q.Name, p.Name) ||
			err == nil && p.Type == awsauth.PrincipalAssumedRole && q.Type == awsauth.PrincipalRole && strings.EqualFold(q.Name, p.Name) && q.AccountID == p.AccountID {
			mine = append(mine, a)
		}
	}
	return mine
}

// principalsCreated reads when each principal was created (zero when
// unknown), all at once. A principal IAM does not know (deleted) is not an
// error here; a refused or failed read means EKSA211 was not checked: it
// says why (to p).
func (g *run) principalsCreated(ctx context.Context, p *progress, arns []string) []time.Time {
	created := make([]time.Time, len(arns))
	errs := make([]error, len(arns))
	var wg sync.WaitGroup
	for i, a := range arns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			created[i], errs[i] = awsapi.PrincipalCreated(ctx, g.aws.IAM, a)
		}()
	}
	wg.Wait()
	for _, e := range errs {
		var api smithy.APIError
		if e != nil && !(errors.As(e, &api) && api.ErrorCode() == "NoSuchEntity") {
			p.warn("stale access entries not checked: %s", g.awsError(e))
			break
		}
	}
	return created
}
