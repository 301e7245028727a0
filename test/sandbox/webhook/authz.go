package webhook

import (
	"encoding/json"
	"io"
	"net/http"
	"path"
	"strings"

	authzv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/eksaccess/kubectl-eksaccess/test/sandbox/fakeaws"
)

// authorize answers SubjectAccessReviews with what the caller's access
// policies grant; no opinion otherwise, so RBAC decides.
func (h *Handler) authorize(w http.ResponseWriter, r *http.Request) {
	var sar authzv1.SubjectAccessReview
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&sar); err != nil {
		http.Error(w, "expected a SubjectAccessReview", http.StatusBadRequest)
		return
	}
	status := authzv1.SubjectAccessReviewStatus{}
	if policy := h.Allowed(sar.Spec); policy != "" {
		status.Allowed = true
		status.Reason = "EKS access policy: " + policy
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(authzv1.SubjectAccessReview{TypeMeta: metav1.TypeMeta{APIVersion: "authorization.k8s.io/v1", Kind: "SubjectAccessReview"}, Status: status})
}

// Allowed returns the name of an associated access policy that grants the
// request, or "".
func (h *Handler) Allowed(spec authzv1.SubjectAccessReviewSpec) string {
	ids := spec.Extra["principalid"]
	if len(ids) == 0 {
		ids = spec.Extra["principalId"]
	}
	if len(ids) != 1 {
		return ""
	}
	cl, ok := h.State.Cluster(h.Cluster)
	if !ok || cl.Mode == fakeaws.ModeConfigMap {
		return ""
	}
	for _, e := range cl.Entries {
		if e.PrincipalID != ids[0] {
			continue
		}
		for _, p := range e.Policies {
			name := strings.TrimPrefix(p.PolicyARN, "arn:aws:eks::aws:cluster-access-policy/")
			if grants(name, p, spec) {
				return name
			}
		}
	}
	return ""
}

// clusterScoped are resources with no namespace that a namespaced policy
// never reaches.
var clusterScoped = map[string]bool{
	"nodes": true, "namespaces": true, "persistentvolumes": true, "clusterroles": true, "clusterrolebindings": true,
	"customresourcedefinitions": true, "storageclasses": true, "apiservices": true, "priorityclasses": true,
	"mutatingwebhookconfigurations": true, "validatingwebhookconfigurations": true, "certificatesigningrequests": true,
	"csidrivers": true, "csinodes": true, "runtimeclasses": true, "ingressclasses": true, "volumeattachments": true,
	"validatingadmissionpolicies": true, "validatingadmissionpolicybindings": true,
}

var readVerbs = map[string]bool{"get": true, "list": true, "watch": true}

// grants approximates the EKS access policies (EKS user guide, "Access
// policy permissions"): ClusterAdmin is cluster-admin; Admin is the admin
// ClusterRole; Edit is edit; View is view (no secrets); each within its
// scope. Namespace patterns may end in "*".
func grants(policy string, p *fakeaws.PolicyAssociation, spec authzv1.SubjectAccessReviewSpec) bool {
	ra := spec.ResourceAttributes
	if ra == nil {
		return policy == "AmazonEKSClusterAdminPolicy" && p.ScopeType == "cluster"
	}
	inScope := p.ScopeType == "cluster"
	if !inScope && ra.Namespace != "" {
		for _, pat := range p.Namespaces {
			if ok, _ := path.Match(pat, ra.Namespace); ok || pat == ra.Namespace {
				inScope = true
			}
		}
	}
	if !inScope {
		return false
	}
	if ra.Namespace == "" && clusterScoped[ra.Resource] {
		// Only cluster admins touch cluster-scoped objects; the others may
		// read namespaces.
		return policy == "AmazonEKSClusterAdminPolicy" || (ra.Resource == "namespaces" && readVerbs[ra.Verb])
	}
	switch policy {
	case "AmazonEKSClusterAdminPolicy":
		return true
	case "AmazonEKSAdminPolicy":
		return !(ra.Resource == "resourcequotas" && !readVerbs[ra.Verb])
	case "AmazonEKSEditPolicy":
		if ra.Group == "rbac.authorization.k8s.io" || ra.Verb == "impersonate" {
			return false
		}
		return !((ra.Resource == "resourcequotas" || ra.Resource == "limitranges") && !readVerbs[ra.Verb])
	case "AmazonEKSViewPolicy", "AmazonEKSAdminViewPolicy":
		if !readVerbs[ra.Verb] {
			return false
		}
		return policy == "AmazonEKSAdminViewPolicy" || ra.Resource != "secrets"
	}
	return false
}
