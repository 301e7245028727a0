// Package webhook is the sandbox's stand-in for the EKS authenticator and
// for access-policy authorization: a TokenReview webhook that verifies
// `k8s-aws-v1.` tokens against the local STS and maps the caller with the
// real aws-iam-authenticator code, and a SubjectAccessReview webhook that
// grants what the EKS access policies grant.
package webhook

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	authnv1 "k8s.io/api/authentication/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
	"sigs.k8s.io/aws-iam-authenticator/pkg/arn"
	"sigs.k8s.io/aws-iam-authenticator/pkg/config"
	"sigs.k8s.io/aws-iam-authenticator/pkg/mapper/configmap"

	"github.com/eksaccess/kubectl-eksaccess/test/sandbox/fakeaws"
)

// Rules from aws-iam-authenticator v0.7.13 pkg/token/token.go.
const (
	v1Prefix        = "k8s-aws-v1."
	maxTokenLen     = 4096
	clusterIDHeader = "x-k8s-aws-id"
	urlLifetime     = 15 * time.Minute
)

var allowedParams = map[string]bool{
	"action": true, "version": true, "x-amz-algorithm": true, "x-amz-credential": true, "x-amz-date": true,
	"x-amz-expires": true, "x-amz-security-token": true, "x-amz-signature": true, "x-amz-signedheaders": true,
}

// pkg/server/server.go
var instanceIDPattern = regexp.MustCompile(`^i-(\w{8}|\w{17})$`)

// Identity is what STS said about the caller (pkg/token.Identity).
type Identity struct {
	ARN, CanonicalARN, AccountID, UserID, SessionName, AccessKeyID string
}

// Handler serves /authenticate and /authorize for one cluster.
type Handler struct {
	Cluster string
	State   *fakeaws.State
	// STSHost is where the local STS listens. A token may point at it, or
	// at any real STS host the authenticator accepts for Partition (see
	// stsHosts); either way it is replayed to the local STS with the Host
	// it was signed for.
	STSHost string
	// Partition is the cluster's partition (default "aws"), as the
	// authenticator's --partition.
	Partition string
	// HTTP reaches the local STS.
	HTTP *http.Client
	// ConfigMaps reads kube-system/aws-auth (as the authenticator's
	// informer does; here on every request, so a change applies at once).
	ConfigMaps corev1client.ConfigMapsGetter
	// Log is the "authenticator log": why each caller was refused.
	Log *log.Logger

	hostsOnce sync.Once
	hosts     *stsHosts
}

// ServeHTTP routes the two webhooks.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/authenticate":
		h.authenticate(w, r)
	case "/authorize":
		h.authorize(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (h *Handler) authenticate(w http.ResponseWriter, r *http.Request) {
	var review authnv1.TokenReview
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&review); err != nil {
		http.Error(w, "expected a TokenReview", http.StatusBadRequest)
		return
	}
	status := authnv1.TokenReviewStatus{}
	user, err := h.Authenticate(r.Context(), review.Spec.Token)
	if err != nil {
		// The reason goes to the authenticator log only; the caller sees 401.
		h.Log.Printf("access denied: %v", err)
		status.Error = "unauthorized"
	} else {
		h.Log.Printf("access granted: arn=%s username=%q groups=%q", user.Extra["arn"], user.Username, user.Groups)
		status.Authenticated = true
		status.User = *user
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(authnv1.TokenReview{TypeMeta: metav1.TypeMeta{APIVersion: "authentication.k8s.io/v1", Kind: "TokenReview"}, Status: status})
}

// Authenticate verifies a token and maps its caller, as EKS does.
func (h *Handler) Authenticate(ctx context.Context, token string) (*authnv1.UserInfo, error) {
	id, err := h.Verify(ctx, token)
	if err != nil {
		return nil, err
	}
	username, groups, err := h.mapIdentity(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("arn=%s: %w", id.ARN, err)
	}
	return &authnv1.UserInfo{
		Username: username,
		UID:      fmt.Sprintf("aws-iam-authenticator:%s:%s", id.AccountID, id.UserID),
		Groups:   groups,
		Extra: map[string]authnv1.ExtraValue{
			"arn":          {id.ARN},
			"canonicalArn": {id.CanonicalARN},
			"sessionName":  {id.SessionName},
			"accessKeyId":  {id.AccessKeyID},
			"principalId":  {id.UserID},
			"sigs.k8s.io/aws-iam-authenticator/principalId": {id.UserID},
		},
	}, nil
}

// Verify checks the token's shape (pkg/token tokenVerifier.Verify) and
// replays it to STS with this cluster's name.
func (h *Handler) Verify(ctx context.Context, token string) (*Identity, error) {
	if len(token) > maxTokenLen {
		return nil, errors.New("token is too large")
	}
	if !strings.HasPrefix(token, v1Prefix) {
		return nil, fmt.Errorf("token is missing expected %q prefix", v1Prefix)
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(token, v1Prefix))
	if err != nil {
		return nil, fmt.Errorf("token is not base64url: %w", err)
	}
	u, err := url.Parse(string(raw))
	if err != nil {
		return nil, err
	}
	if u.Scheme != "https" {
		return nil, fmt.Errorf("unexpected scheme %q in pre-signed URL", u.Scheme)
	}
	if u.Host != h.STSHost {
		h.hostsOnce.Do(func() {
			partition := h.Partition
			if partition == "" {
				partition = "aws"
			}
			h.hosts = newSTSHosts(h.Cluster, partition, h.State.Region)
		})
		if err := h.hosts.check(u.Host); err != nil {
			return nil, err
		}
	}
	if u.Path != "/" {
		return nil, errors.New("unexpected path in pre-signed URL")
	}
	params, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, errors.New("malformed query parameter")
	}
	lower := url.Values{}
	for k, vs := range params {
		lk := strings.ToLower(k)
		if !allowedParams[lk] {
			return nil, fmt.Errorf("non-whitelisted query parameter %q", k)
		}
		if len(vs) != 1 || lower.Has(lk) {
			return nil, fmt.Errorf("duplicate query parameter found: %q", k)
		}
		lower.Set(lk, vs[0])
	}
	if lower.Get("action") != "GetCallerIdentity" {
		return nil, errors.New("unexpected action parameter in pre-signed URL")
	}
	signed := false
	for _, hdr := range strings.Split(lower.Get("x-amz-signedheaders"), ";") {
		signed = signed || strings.EqualFold(hdr, clusterIDHeader)
	}
	if !signed {
		return nil, fmt.Errorf("client did not sign the %s header in the pre-signed URL", clusterIDHeader)
	}
	expires, err := strconv.Atoi(lower.Get("x-amz-expires"))
	if err != nil || expires < 0 || expires > 900 {
		return nil, fmt.Errorf("invalid X-Amz-Expires parameter in pre-signed URL: %d", expires)
	}
	date, err := time.Parse("20060102T150405Z", lower.Get("x-amz-date"))
	if err != nil {
		return nil, fmt.Errorf("error parsing X-Amz-Date parameter %q", lower.Get("x-amz-date"))
	}
	if time.Now().After(date.Add(urlLifetime)) {
		return nil, fmt.Errorf("X-Amz-Date parameter is expired (15 minute expiration) %s", date)
	}
	req, err := replay(u, h.STSHost)
	if err != nil {
		return nil, err
	}
	req = req.WithContext(ctx)
	req.Header.Set(clusterIDHeader, h.Cluster)
	req.Header.Set("Accept", "application/json")
	resp, err := h.HTTP.Do(req)
	if err != nil {
		return nil, fmt.Errorf("error during GET to STS: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("error from AWS (expected 200, got %d). Body: %s", resp.StatusCode, body)
	}
	var out struct {
		GetCallerIdentityResponse struct {
			GetCallerIdentityResult struct{ Account, Arn, UserId string }
		}
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return nil, err
	}
	res := out.GetCallerIdentityResponse.GetCallerIdentityResult
	id := &Identity{ARN: res.Arn, AccountID: res.Account, AccessKeyID: strings.Split(lower.Get("x-amz-credential"), "/")[0]}
	kind, canonical, err := arn.Canonicalize(res.Arn)
	if err != nil {
		return nil, err
	}
	id.CanonicalARN = canonical
	if kind == arn.USER || kind == arn.ROOT || kind == arn.FEDERATED_USER {
		id.UserID = res.UserId
	} else {
		parts := strings.Split(res.UserId, ":")
		if len(parts) != 2 {
			return nil, fmt.Errorf("malformed UserID %q", res.UserId)
		}
		id.UserID, id.SessionName = parts[0], parts[1]
	}
	return id, nil
}

// errNotMapped is the authenticator's ErrNotMapped.
var errNotMapped = errors.New("ARN is not mapped")

// mapIdentity finds the username and groups: access entries first (API
// modes), the invisible creator admin (CONFIG_MAP), then aws-auth (not in API
// mode) with the authenticator's own parsing and matching.
func (h *Handler) mapIdentity(ctx context.Context, id *Identity) (string, []string, error) {
	cl, ok := h.State.Cluster(h.Cluster)
	if !ok {
		return "", nil, fmt.Errorf("no cluster %s", h.Cluster)
	}
	if cl.Mode != fakeaws.ModeConfigMap {
		for _, e := range cl.Entries {
			// Entries match the principal's ID, not its ARN.
			if e.PrincipalID == id.UserID {
				username, err := render(e.Username, id)
				if err != nil {
					return "", nil, fmt.Errorf("access entry %s: %w", e.PrincipalARN, err)
				}
				for _, p := range fakeaws.ReservedUsernamePrefixes {
					if strings.HasPrefix(username, p) && !strings.HasPrefix(e.Username, "system:node:") {
						return "", nil, fmt.Errorf("access entry %s: username %q has the reserved prefix %q", e.PrincipalARN, username, p)
					}
				}
				return username, append([]string(nil), e.Groups...), nil
			}
		}
	} else if cl.BootstrapCreator && id.UserID == cl.CreatorID {
		// In CONFIG_MAP mode EKS maps the creator outside aws-auth.
		return "kubernetes-admin", []string{"system:masters"}, nil
	}
	if cl.Mode == fakeaws.ModeAPI {
		return "", nil, fmt.Errorf("%w: no access entry and the cluster's authenticationMode is API (aws-auth is ignored)", errNotMapped)
	}
	cm, err := h.ConfigMaps.ConfigMaps("kube-system").Get(ctx, "aws-auth", metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return "", nil, fmt.Errorf("%w: kube-system/aws-auth does not exist", errNotMapped)
	}
	if err != nil {
		return "", nil, fmt.Errorf("reading aws-auth: %w", err)
	}
	users, roles, accounts, err := configmap.ParseMap(cm.Data)
	if err != nil {
		// The authenticator logs the error and keeps what did parse.
		h.Log.Printf("aws-auth: %v", err)
	}
	// MapStore.saveMap: roles keyed by lower-cased ARN, users by ARN as written.
	roleMap := map[string]config.RoleMapping{}
	for _, r := range roles {
		roleMap[r.Key()] = r
	}
	userMap := map[string]config.UserMapping{}
	for _, u := range users {
		userMap[u.Key()] = u
	}
	canonical := strings.ToLower(id.CanonicalARN)
	var mUser string
	var mGroups []string
	found := false
	for _, r := range roleMap {
		if r.Matches(canonical) {
			mUser, mGroups, found = r.Username, r.Groups, true
			break
		}
	}
	if !found {
		for _, u := range userMap {
			if u.Matches(canonical) {
				mUser, mGroups, found = u.Username, u.Groups, true
				break
			}
		}
	}
	if found {
		username, err := render(mUser, id)
		if err != nil {
			return "", nil, fmt.Errorf("mapper ConfigMap renderTemplates error: error rendering username template %q: %w", mUser, err)
		}
		groups := []string{}
		for _, g := range mGroups {
			rg, err := render(g, id)
			if err != nil {
				return "", nil, fmt.Errorf("mapper ConfigMap renderTemplates error: error rendering group template %q: %w", g, err)
			}
			groups = append(groups, rg)
		}
		return username, groups, nil
	}
	for _, a := range accounts {
		if a == id.AccountID {
			return id.CanonicalARN, []string{}, nil
		}
	}
	return "", nil, fmt.Errorf("%w: %s is in no access entry and nowhere in aws-auth", errNotMapped, id.CanonicalARN)
}

// render is the authenticator's renderTemplate. EC2 private DNS names are
// made up from the instance ID (there is no EC2 here).
func render(t string, id *Identity) (string, error) {
	if strings.Contains(t, "{{EC2PrivateDNSName}}") {
		if !instanceIDPattern.MatchString(id.SessionName) {
			return "", errors.New("SessionName did not contain an instance id")
		}
		t = strings.ReplaceAll(t, "{{EC2PrivateDNSName}}", "ip-10-0-0-1."+strings.TrimPrefix(id.SessionName, "i-")+".ec2.internal")
	}
	t = strings.ReplaceAll(t, "{{AccountID}}", id.AccountID)
	t = strings.ReplaceAll(t, "{{SessionName}}", strings.ReplaceAll(id.SessionName, "@", "-"))
	t = strings.ReplaceAll(t, "{{SessionNameRaw}}", id.SessionName)
	t = strings.ReplaceAll(t, "{{AccessKeyID}}", id.AccessKeyID)
	return t, nil
}
