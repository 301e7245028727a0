package kube

import (
	"context"
	"errors"
	"slices"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// AccessQuery is "may SUBJECT VERB RESOURCE in NAMESPACE?".
type AccessQuery struct {
	Verb, Resource, Group, Namespace string
}

// CanI asks as the caller (SelfSubjectAccessReview, like kubectl auth can-i).
func CanI(ctx context.Context, c SelfSubjectAccessReviewsGetter, q AccessQuery) (bool, string, error) {
	r, err := c.SelfSubjectAccessReviews().Create(ctx, &SelfSubjectAccessReview{
		Spec: SelfSubjectAccessReviewSpec{ResourceAttributes: attrs(q)},
	}, metav1.CreateOptions{})
	if err != nil {
		return false, "", err
	}
	return r.Status.Allowed, r.Status.Reason, nil
}

// CanUser asks for another user and groups (SubjectAccessReview; needs the
// right to create subjectaccessreviews).
func CanUser(ctx context.Context, c SubjectAccessReviewsGetter, user string, groups []string, extra map[string][]string, q AccessQuery) (bool, string, error) {
	ex := map[string]ExtraValue{}
	for k, v := range extra {
		ex[k] = v
	}
	r, err := c.SubjectAccessReviews().Create(ctx, &SubjectAccessReview{
		Spec: SubjectAccessReviewSpec{User: user, Groups: groups, Extra: ex, ResourceAttributes: attrs(q)},
	}, metav1.CreateOptions{})
	if err != nil {
		return false, "", err
	}
	return r.Status.Allowed, r.Status.Reason, nil
}

func attrs(q AccessQuery) *ResourceAttributes {
	return &ResourceAttributes{Verb: q.Verb, Resource: q.Resource, Group: q.Group, Namespace: q.Namespace}
}

// Binding is a (Cluster)RoleBinding naming one of the subjects.
type Binding struct {
	Kind, Name, Namespace, Role, Subject string
}

// Bindings are every ClusterRoleBinding and RoleBinding of a cluster.
type Bindings struct {
	crbs []ClusterRoleBinding
	rbs  []RoleBinding
}

// ListBindings reads every ClusterRoleBinding and RoleBinding, both lists
// at once.
func ListBindings(ctx context.Context, c RbacV1Interface) (Bindings, error) {
	var (
		out           Bindings
		crbErr, rbErr error
		wg            sync.WaitGroup
	)
	wg.Add(2)
	go func() {
		defer wg.Done()
		if l, err := c.ClusterRoleBindings().List(ctx, metav1.ListOptions{}); err != nil {
			crbErr = err
		} else {
			out.crbs = l.Items
		}
	}()
	go func() {
		defer wg.Done()
		if l, err := c.RoleBindings("").List(ctx, metav1.ListOptions{}); err != nil {
			rbErr = err
		} else {
			out.rbs = l.Items
		}
	}()
	wg.Wait()
	return out, errors.Join(crbErr, rbErr)
}

// For returns the bindings that name the user or one of the groups.
func (b Bindings) For(user string, groups []string) []Binding {
	names := func(subjects []Subject) []string {
		var out []string
		for _, s := range subjects {
			if (s.Kind == UserKind && s.Name == user && user != "") || (s.Kind == GroupKind && slices.Contains(groups, s.Name)) {
				out = append(out, s.Kind+" "+s.Name)
			}
		}
		return out
	}
	var out []Binding
	for _, x := range b.crbs {
		for _, s := range names(x.Subjects) {
			out = append(out, Binding{Kind: "ClusterRoleBinding", Name: x.Name, Role: x.RoleRef.Kind + "/" + x.RoleRef.Name, Subject: s})
		}
	}
	for _, x := range b.rbs {
		for _, s := range names(x.Subjects) {
			out = append(out, Binding{Kind: "RoleBinding", Name: x.Name, Namespace: x.Namespace, Role: x.RoleRef.Kind + "/" + x.RoleRef.Name, Subject: s})
		}
	}
	return out
}
