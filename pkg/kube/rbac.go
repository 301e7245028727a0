package kube

import (
	"context"
	"slices"

	authzv1 "k8s.io/api/authorization/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	authzv1client "k8s.io/client-go/kubernetes/typed/authorization/v1"
	rbacv1client "k8s.io/client-go/kubernetes/typed/rbac/v1"
)

// AccessQuery is "may SUBJECT VERB RESOURCE in NAMESPACE?".
type AccessQuery struct {
	Verb, Resource, Group, Namespace string
}

// CanI asks as the caller (SelfSubjectAccessReview, like kubectl auth can-i).
func CanI(ctx context.Context, c authzv1client.SelfSubjectAccessReviewsGetter, q AccessQuery) (bool, string, error) {
	r, err := c.SelfSubjectAccessReviews().Create(ctx, &authzv1.SelfSubjectAccessReview{
		Spec: authzv1.SelfSubjectAccessReviewSpec{ResourceAttributes: attrs(q)},
	}, metav1.CreateOptions{})
	if err != nil {
		return false, "", err
	}
	return r.Status.Allowed, r.Status.Reason, nil
}

// CanUser asks for another user and groups (SubjectAccessReview; needs the
// right to create subjectaccessreviews).
func CanUser(ctx context.Context, c authzv1client.SubjectAccessReviewsGetter, user string, groups []string, extra map[string][]string, q AccessQuery) (bool, string, error) {
	ex := map[string]authzv1.ExtraValue{}
	for k, v := range extra {
		ex[k] = v
	}
	r, err := c.SubjectAccessReviews().Create(ctx, &authzv1.SubjectAccessReview{
		Spec: authzv1.SubjectAccessReviewSpec{User: user, Groups: groups, Extra: ex, ResourceAttributes: attrs(q)},
	}, metav1.CreateOptions{})
	if err != nil {
		return false, "", err
	}
	return r.Status.Allowed, r.Status.Reason, nil
}

func attrs(q AccessQuery) *authzv1.ResourceAttributes {
	return &authzv1.ResourceAttributes{Verb: q.Verb, Resource: q.Resource, Group: q.Group, Namespace: q.Namespace}
}

// Binding is a (Cluster)RoleBinding naming one of the subjects.
type Binding struct {
	Kind, Name, Namespace, Role, Subject string
}

// BindingsFor lists the RoleBindings and ClusterRoleBindings that name the
// user or one of the groups.
func BindingsFor(ctx context.Context, c rbacv1client.RbacV1Interface, user string, groups []string) ([]Binding, error) {
	names := func(subjects []rbacv1.Subject) []string {
		var out []string
		for _, s := range subjects {
			if (s.Kind == rbacv1.UserKind && s.Name == user && user != "") || (s.Kind == rbacv1.GroupKind && slices.Contains(groups, s.Name)) {
				out = append(out, s.Kind+" "+s.Name)
			}
		}
		return out
	}
	var out []Binding
	crbs, err := c.ClusterRoleBindings().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	for _, b := range crbs.Items {
		for _, s := range names(b.Subjects) {
			out = append(out, Binding{Kind: "ClusterRoleBinding", Name: b.Name, Role: b.RoleRef.Kind + "/" + b.RoleRef.Name, Subject: s})
		}
	}
	rbs, err := c.RoleBindings("").List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	for _, b := range rbs.Items {
		for _, s := range names(b.Subjects) {
			out = append(out, Binding{Kind: "RoleBinding", Name: b.Name, Namespace: b.Namespace, Role: b.RoleRef.Kind + "/" + b.RoleRef.Name, Subject: s})
		}
	}
	return out, nil
}
