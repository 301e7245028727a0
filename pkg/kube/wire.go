package kube

import metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

// The review and RBAC objects the plugin sends and reads, as they are on the
// wire (JSON), cut to the fields it uses. Importing k8s.io/api's
// authentication, authorization and rbac packages would register and link
// in every type of those groups; only core/v1's ConfigMap needs the real
// type (it is written back whole).

// Kinds of an RBAC subject.
const (
	UserKind  = "User"
	GroupKind = "Group"
)

// TypeMeta of the objects sent.
var (
	selfSubjectReviewType       = metav1.TypeMeta{APIVersion: "authentication.k8s.io/v1", Kind: "SelfSubjectReview"}
	selfSubjectAccessReviewType = metav1.TypeMeta{APIVersion: "authorization.k8s.io/v1", Kind: "SelfSubjectAccessReview"}
	subjectAccessReviewType     = metav1.TypeMeta{APIVersion: "authorization.k8s.io/v1", Kind: "SubjectAccessReview"}
)

// SelfSubjectReview is authentication.k8s.io/v1 SelfSubjectReview.
type SelfSubjectReview struct {
	metav1.TypeMeta `json:",inline"`
	Status          SelfSubjectReviewStatus `json:"status"`
}

// SelfSubjectReviewStatus is the answer to a SelfSubjectReview.
type SelfSubjectReviewStatus struct {
	UserInfo UserInfo `json:"userInfo"`
}

// UserInfo is who the API server takes the caller for (authentication/v1).
type UserInfo struct {
	Username string                `json:"username,omitempty"`
	UID      string                `json:"uid,omitempty"`
	Groups   []string              `json:"groups,omitempty"`
	Extra    map[string]ExtraValue `json:"extra,omitempty"`
}

// ExtraValue is the value of a user's extra field.
type ExtraValue []string

// SelfSubjectAccessReview is authorization.k8s.io/v1 SelfSubjectAccessReview.
type SelfSubjectAccessReview struct {
	metav1.TypeMeta `json:",inline"`
	Spec            SelfSubjectAccessReviewSpec `json:"spec"`
	Status          SubjectAccessReviewStatus   `json:"status"`
}

// SelfSubjectAccessReviewSpec is what the caller asks about itself.
type SelfSubjectAccessReviewSpec struct {
	ResourceAttributes *ResourceAttributes `json:"resourceAttributes,omitempty"`
}

// SubjectAccessReview is authorization.k8s.io/v1 SubjectAccessReview.
type SubjectAccessReview struct {
	metav1.TypeMeta `json:",inline"`
	Spec            SubjectAccessReviewSpec   `json:"spec"`
	Status          SubjectAccessReviewStatus `json:"status"`
}

// SubjectAccessReviewSpec is what is asked about another user.
type SubjectAccessReviewSpec struct {
	ResourceAttributes *ResourceAttributes   `json:"resourceAttributes,omitempty"`
	User               string                `json:"user,omitempty"`
	Groups             []string              `json:"groups,omitempty"`
	Extra              map[string]ExtraValue `json:"extra,omitempty"`
}

// ResourceAttributes name the request an access review is about.
type ResourceAttributes struct {
	Namespace string `json:"namespace,omitempty"`
	Verb      string `json:"verb,omitempty"`
	Group     string `json:"group,omitempty"`
	Resource  string `json:"resource,omitempty"`
}

// SubjectAccessReviewStatus is the answer to an access review.
type SubjectAccessReviewStatus struct {
	Allowed bool   `json:"allowed"`
	Denied  bool   `json:"denied,omitempty"`
	Reason  string `json:"reason,omitempty"`
}

// RoleBindingList is rbac.authorization.k8s.io/v1 RoleBindingList.
type RoleBindingList struct {
	Items []RoleBinding `json:"items"`
}

// RoleBinding is the part of a RoleBinding the plugin reads.
type RoleBinding struct {
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Subjects          []Subject `json:"subjects,omitempty"`
	RoleRef           RoleRef   `json:"roleRef"`
}

// A ClusterRoleBinding has the fields of a RoleBinding the plugin reads.
type (
	ClusterRoleBindingList = RoleBindingList
	ClusterRoleBinding     = RoleBinding
)

// Subject is a user, group or service account a binding names.
type Subject struct {
	Kind      string `json:"kind"`
	APIGroup  string `json:"apiGroup,omitempty"`
	Name      string `json:"name"`
	Namespace string `json:"namespace,omitempty"`
}

// RoleRef is the role a binding grants.
type RoleRef struct {
	APIGroup string `json:"apiGroup"`
	Kind     string `json:"kind"`
	Name     string `json:"name"`
}
