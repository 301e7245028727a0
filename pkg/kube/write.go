package kube

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/apimachinery/pkg/util/wait"
)

// FieldManager is the name the plugin writes under (managedFields).
const FieldManager = "kubectl-eksaccess"

// ConflictBackoff bounds the re-reads after a 409 Conflict. Every conflict
// means another writer succeeded, so with N writers at once N-1 retries
// always suffice: 100 tries (a hundred writers at once), 10 ms growing
// ×1.5 up to maxWait, each wait drawn at random between half and 1.5 times
// that, so that the losers spread out (at most about a minute in all).
var ConflictBackoff = wait.Backoff{Steps: 100, Duration: 10 * time.Millisecond, Factor: 1.5}

// maxWait caps the base of one wait of ConflictBackoff or TransientBackoff.
// (wait.Backoff's own Cap would also end the retries once reached.)
const maxWait = 500 * time.Millisecond

// Intent computes the new data from the current ConfigMap (nil when
// aws-auth does not exist). It is called again, on a fresh read, after
// every conflict, so it must derive everything from its argument. It
// returns nil data when there is nothing to write.
type Intent func(current *ConfigMap) (map[string]string, error)

// TransientBackoff bounds the retries after a failure that may pass: a
// 5xx or 429 answer that client-go did not already retry (it retries those
// that carry Retry-After, up to 10 times), a connection reset, a timeout.
// 5 tries, 200 ms doubling up to maxWait, with jitter (about 2 s in all).
var TransientBackoff = wait.Backoff{Steps: 5, Duration: 200 * time.Millisecond, Factor: 2}

// verifyTimeout bounds the read that learns the outcome of a write whose
// context was cancelled (Ctrl-C) while the request was in flight.
const verifyTimeout = 10 * time.Second

// WriteResult says what Write did.
type WriteResult struct {
	// Before is the ConfigMap the final attempt started from (nil: created).
	Before *ConfigMap
	// After is the object the API server returned (or would store, in a
	// server dry run). Nil when the intent had nothing to write.
	After *ConfigMap
	// Attempts counts the writes tried (more than 1 after conflicts).
	Attempts int
	// Unanswered counts the writes whose answer was lost (a reset, a
	// timeout, a 5xx): each was followed by a read to learn whether it
	// had been stored.
	Unanswered int
}

// ErrConflictsExhausted is returned when aws-auth kept changing under us.
var ErrConflictsExhausted = errors.New("aws-auth kept changing while we wrote it")

// UnknownOutcomeError is a write that may or may not have been stored:
// its answer was lost and aws-auth could not be read again to find out.
type UnknownOutcomeError struct {
	Err     error // the write's error
	ReadErr error // the error of the read that should have told
}

func (e *UnknownOutcomeError) Error() string {
	return fmt.Sprintf("the answer to the write was lost (%v) and aws-auth could not be read again (%v)", e.Err, e.ReadErr)
}

func (e *UnknownOutcomeError) Unwrap() error { return e.Err }

// Write reads aws-auth, applies intent and writes the result with the
// resourceVersion that was read, so a concurrent change is never
// overwritten: on a 409 Conflict it re-reads and re-applies the same intent
// with jittered backoff. With dryRun the API server validates the write
// without storing it. The single Update (or Create) call is atomic: an
// interrupted Write leaves aws-auth as it was or fully updated.
//
// A write whose answer is lost (connection reset, timeout, 5xx) may have
// been stored. Write never guesses: it reads aws-auth again. If the stored
// data is what it wrote, from a newer version than it read, the write
// landed and Write returns it; otherwise it applies the intent again to
// what it read, which never duplicates the change because the intent
// derives everything from the current data. Reads and writes that fail in
// such a transient way are retried within TransientBackoff.
func Write(ctx context.Context, c ConfigMapsGetter, intent Intent, dryRun bool) (WriteResult, error) {
	var (
		res       WriteResult
		conflicts = ConflictBackoff
		transient = TransientBackoff
		// pending is the write whose outcome the next read must check.
		pending *pendingWrite
	)
	for {
		cur, err := GetAWSAuth(ctx, c)
		if apierrors.IsNotFound(err) {
			cur, err = nil, nil
		}
		if err != nil {
			if IsTransient(err) && wait1(ctx, &transient) {
				continue
			}
			if pending != nil {
				return res, &UnknownOutcomeError{Err: pending.err, ReadErr: err}
			}
			return res, err
		}
		if pending.landed(cur) {
			res.After = cur
			return res, nil
		}
		pending = nil
		res.Attempts++
		res.Before = cur
		data, err := intent(cur)
		if err != nil || data == nil {
			return res, err
		}
		res.After, err = put(ctx, c, cur, data, dryRun)
		switch {
		case err == nil:
			return res, nil
		case dryRun:
			return res, err
		case ctx.Err() != nil:
			// Interrupted while the request was in flight: learn whether
			// it was stored, with a context of its own.
			return interrupted(ctx, c, &res, &pendingWrite{before: cur, data: data, err: err})
		case apierrors.IsConflict(err) || (cur == nil && apierrors.IsAlreadyExists(err)):
			// Another writer came first, or a retry of our own write (client-go
			// re-sends on 5xx with Retry-After) found our own change.
			pending = &pendingWrite{before: cur, data: data, err: err}
			if conflicts.Steps <= 1 {
				return res, fmt.Errorf("%w (%d attempts), so nothing was written: another writer may be rewriting it in a loop (see its managedFields); try again", ErrConflictsExhausted, res.Attempts)
			}
			if !wait1(ctx, &conflicts) {
				return res, ctx.Err()
			}
		case IsTransient(err):
			res.Unanswered++
			pending = &pendingWrite{before: cur, data: data, err: err}
			if !wait1(ctx, &transient) {
				if ctx.Err() != nil {
					return interrupted(ctx, c, &res, pending)
				}
				// Out of retries: one last read says whether the last write landed.
				last, rerr := GetAWSAuth(ctx, c)
				if rerr == nil && pending.landed(last) {
					res.After = last
					return res, nil
				}
				if rerr != nil && !apierrors.IsNotFound(rerr) {
					return res, &UnknownOutcomeError{Err: err, ReadErr: rerr}
				}
				return res, err
			}
		default:
			return res, err
		}
	}
}

// pendingWrite is a write whose answer was not a success.
type pendingWrite struct {
	before *ConfigMap        // what it was computed from (nil: a create)
	data   map[string]string // what it wrote
	err    error
}

// landed reports whether live is the result of the pending write: its
// data, in a version newer than the one the write started from.
func (p *pendingWrite) landed(live *ConfigMap) bool {
	if p == nil || live == nil || !maps.Equal(live.Data, p.data) {
		return false
	}
	return p.before == nil || live.ResourceVersion != p.before.ResourceVersion
}

// interrupted learns the outcome of a write cut short by ctx.
func interrupted(ctx context.Context, c ConfigMapsGetter, res *WriteResult, p *pendingWrite) (WriteResult, error) {
	vctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), verifyTimeout)
	defer cancel()
	live, err := GetAWSAuth(vctx, c)
	if apierrors.IsNotFound(err) {
		live, err = nil, nil
	}
	switch {
	case err != nil:
		return *res, &UnknownOutcomeError{Err: ctx.Err(), ReadErr: err}
	case p.landed(live):
		res.After = live
		return *res, nil
	}
	return *res, ctx.Err()
}

// wait1 sleeps the next step of b, capped at maxWait, with jitter: a
// random time between half and 1.5 times it. It returns false when b is
// spent or ctx is done.
func wait1(ctx context.Context, b *wait.Backoff) bool {
	if b.Steps <= 1 {
		return false
	}
	d := min(b.Step(), maxWait)
	d = d/2 + rand.N(d+1)
	select {
	case <-ctx.Done():
		return false
	case <-time.After(d):
		return true
	}
}

// IsTransient reports whether err may pass on a retry: a 5xx or 429
// answer, a timeout, or a connection that broke.
func IsTransient(err error) bool {
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		code := status.Status().Code
		return code >= 500 || code == http.StatusTooManyRequests
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) && !utilnet.IsTimeout(err) {
		return false
	}
	var urlErr *url.Error
	return errors.As(err, &urlErr) && (urlErr.Timeout() || utilnet.IsProbableEOF(err) || utilnet.IsConnectionReset(err) || utilnet.IsHTTP2ConnectionLost(err))
}

func put(ctx context.Context, c ConfigMapsGetter, cur *ConfigMap, data map[string]string, dryRun bool) (*ConfigMap, error) {
	var dry []string
	if dryRun {
		dry = []string{metav1.DryRunAll}
	}
	cms := c.ConfigMaps(Namespace)
	if cur == nil {
		cm := &ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: ConfigMapName, Namespace: Namespace}, Data: data}
		return cms.Create(ctx, cm, metav1.CreateOptions{DryRun: dry, FieldManager: FieldManager})
	}
	next := cur.DeepCopy()
	next.Data = data
	// next keeps cur's resourceVersion: the server refuses the update with a
	// 409 if anybody wrote aws-auth since we read it.
	return cms.Update(ctx, next, metav1.UpdateOptions{DryRun: dry, FieldManager: FieldManager})
}

// declarativeTools are field managers that re-apply their own copy of
// aws-auth: their next run reverts a change made elsewhere.
var declarativeTools = []string{"terraform", "eksctl", "pulumi", "helm", "argocd", "kustomize-controller", "helm-controller", "crossplane", "cdk8s", "flux"}

// OtherManagers lists the declarative tools (Terraform, eksctl, Pulumi,
// Helm, Argo CD, Flux...) that own aws-auth data keys according to
// managedFields: their next apply may revert our change.
func OtherManagers(cm *ConfigMap) []string {
	if cm == nil {
		return nil
	}
	var out []string
	for _, mf := range cm.ManagedFields {
		low := strings.ToLower(mf.Manager)
		if mf.FieldsV1 == nil || !slices.ContainsFunc(declarativeTools, func(t string) bool { return strings.Contains(low, t) }) {
			continue
		}
		raw := string(mf.FieldsV1.Raw)
		owns := strings.Contains(raw, `"f:mapRoles"`) || strings.Contains(raw, `"f:mapUsers"`) || strings.Contains(raw, `"f:mapAccounts"`)
		if owns && !slices.Contains(out, mf.Manager) {
			out = append(out, mf.Manager)
		}
	}
	return out
}

// WhoAmI asks the API server who the caller is (a SelfSubjectReview), as
// `kubectl auth whoami` does.
func WhoAmI(ctx context.Context, c SelfSubjectReviewsGetter) (UserInfo, error) {
	r, err := c.SelfSubjectReviews().Create(ctx, &SelfSubjectReview{}, metav1.CreateOptions{})
	if err != nil {
		return UserInfo{}, err
	}
	return r.Status.UserInfo, nil
}

// CallerARN returns the IAM ARN the EKS authenticator put in the user's
// extra fields ("arn", as aws-iam-authenticator sets it), or "".
func CallerARN(u UserInfo) string {
	for _, key := range []string{"arn", "canonicalArn"} {
		if v := u.Extra[key]; len(v) > 0 && v[0] != "" {
			return v[0]
		}
	}
	return ""
}
