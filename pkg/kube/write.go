package kube

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	authnv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	authnv1client "k8s.io/client-go/kubernetes/typed/authentication/v1"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
)

// FieldManager is the name the plugin writes under (managedFields).
const FieldManager = "kubectl-eksaccess"

// ConflictBackoff bounds the re-reads after a 409 Conflict. Every conflict
// means another writer succeeded, so with N writers at once N-1 retries
// always suffice: 20 tries, 10 ms growing ×1.5 up to 500 ms, with jitter
// up to +100% so that the losers spread out (at most ~12 s in all).
var ConflictBackoff = wait.Backoff{Steps: 20, Duration: 10 * time.Millisecond, Factor: 1.5, Jitter: 1}

// maxConflictWait caps one wait of ConflictBackoff. (wait.Backoff's own Cap
// would also end the retries once reached.)
const maxConflictWait = 500 * time.Millisecond

// Intent computes the new data from the current ConfigMap (nil when
// aws-auth does not exist). It is called again, on a fresh read, after
// every conflict, so it must derive everything from its argument. It
// returns nil data when there is nothing to write.
type Intent func(current *corev1.ConfigMap) (map[string]string, error)

// WriteResult says what Write did.
type WriteResult struct {
	// Before is the ConfigMap the final attempt started from (nil: created).
	Before *corev1.ConfigMap
	// After is the object the API server returned (or would store, in a
	// server dry run). Nil when the intent had nothing to write.
	After *corev1.ConfigMap
	// Attempts counts the writes tried (more than 1 after conflicts).
	Attempts int
}

// ErrConflictsExhausted is returned when aws-auth kept changing under us.
var ErrConflictsExhausted = errors.New("aws-auth kept changing while we wrote it")

// Write reads aws-auth, applies intent and writes the result with the
// resourceVersion that was read, so a concurrent change is never
// overwritten: on a 409 Conflict it re-reads and re-applies the same intent
// with jittered backoff. With dryRun the API server validates the write
// without storing it. The single Update (or Create) call is atomic: an
// interrupted Write leaves aws-auth as it was or fully updated.
func Write(ctx context.Context, c corev1client.ConfigMapsGetter, intent Intent, dryRun bool) (WriteResult, error) {
	var res WriteResult
	backoff := ConflictBackoff
	for {
		res.Attempts++
		cur, err := GetAWSAuth(ctx, c)
		if apierrors.IsNotFound(err) {
			cur, err = nil, nil
		}
		if err != nil {
			return res, err
		}
		res.Before = cur
		data, err := intent(cur)
		if err != nil || data == nil {
			return res, err
		}
		res.After, err = put(ctx, c, cur, data, dryRun)
		if err == nil {
			return res, nil
		}
		if !apierrors.IsConflict(err) && !(cur == nil && apierrors.IsAlreadyExists(err)) {
			return res, err
		}
		if backoff.Steps <= 1 {
			return res, fmt.Errorf("%w (%d attempts): try again", ErrConflictsExhausted, res.Attempts)
		}
		select {
		case <-ctx.Done():
			return res, ctx.Err()
		case <-time.After(min(backoff.Step(), maxConflictWait)):
		}
	}
}

func put(ctx context.Context, c corev1client.ConfigMapsGetter, cur *corev1.ConfigMap, data map[string]string, dryRun bool) (*corev1.ConfigMap, error) {
	var dry []string
	if dryRun {
		dry = []string{metav1.DryRunAll}
	}
	cms := c.ConfigMaps(Namespace)
	if cur == nil {
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: ConfigMapName, Namespace: Namespace}, Data: data}
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
func OtherManagers(cm *corev1.ConfigMap) []string {
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
func WhoAmI(ctx context.Context, c authnv1client.SelfSubjectReviewsGetter) (authnv1.UserInfo, error) {
	r, err := c.SelfSubjectReviews().Create(ctx, &authnv1.SelfSubjectReview{}, metav1.CreateOptions{})
	if err != nil {
		return authnv1.UserInfo{}, err
	}
	return r.Status.UserInfo, nil
}

// CallerARN returns the IAM ARN the EKS authenticator put in the user's
// extra fields ("arn", as aws-iam-authenticator sets it), or "".
func CallerARN(u authnv1.UserInfo) string {
	for _, key := range []string{"arn", "canonicalArn"} {
		if v := u.Extra[key]; len(v) > 0 && v[0] != "" {
			return v[0]
		}
	}
	return ""
}
