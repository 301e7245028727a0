package kube

import (
	"context"
	"encoding/json"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
)

// The calls the plugin makes, each behind the small interface its consumer
// takes (the method sets of client-go's typed clients, cut to what is
// used), over REST clients built on the plugin's own scheme.

// ConfigMapInterface reads and writes ConfigMaps of one namespace.
type ConfigMapInterface interface {
	Get(ctx context.Context, name string, opts metav1.GetOptions) (*ConfigMap, error)
	Create(ctx context.Context, cm *ConfigMap, opts metav1.CreateOptions) (*ConfigMap, error)
	Update(ctx context.Context, cm *ConfigMap, opts metav1.UpdateOptions) (*ConfigMap, error)
}

// ConfigMapsGetter gives the ConfigMaps of a namespace.
type ConfigMapsGetter interface {
	ConfigMaps(namespace string) ConfigMapInterface
}

// SelfSubjectReviewInterface creates SelfSubjectReviews.
type SelfSubjectReviewInterface interface {
	Create(ctx context.Context, r *SelfSubjectReview, opts metav1.CreateOptions) (*SelfSubjectReview, error)
}

// SelfSubjectReviewsGetter gives SelfSubjectReviews (`kubectl auth whoami`).
type SelfSubjectReviewsGetter interface {
	SelfSubjectReviews() SelfSubjectReviewInterface
}

// SelfSubjectAccessReviewInterface creates SelfSubjectAccessReviews.
type SelfSubjectAccessReviewInterface interface {
	Create(ctx context.Context, r *SelfSubjectAccessReview, opts metav1.CreateOptions) (*SelfSubjectAccessReview, error)
}

// SelfSubjectAccessReviewsGetter gives SelfSubjectAccessReviews (`kubectl auth can-i`).
type SelfSubjectAccessReviewsGetter interface {
	SelfSubjectAccessReviews() SelfSubjectAccessReviewInterface
}

// SubjectAccessReviewInterface creates SubjectAccessReviews.
type SubjectAccessReviewInterface interface {
	Create(ctx context.Context, r *SubjectAccessReview, opts metav1.CreateOptions) (*SubjectAccessReview, error)
}

// SubjectAccessReviewsGetter gives SubjectAccessReviews (`kubectl auth can-i --as`).
type SubjectAccessReviewsGetter interface {
	SubjectAccessReviews() SubjectAccessReviewInterface
}

// AuthorizationV1Interface is what the plugin asks authorization/v1.
type AuthorizationV1Interface interface {
	SelfSubjectAccessReviewsGetter
	SubjectAccessReviewsGetter
}

// ClusterRoleBindingInterface lists ClusterRoleBindings.
type ClusterRoleBindingInterface interface {
	List(ctx context.Context, opts metav1.ListOptions) (*ClusterRoleBindingList, error)
}

// RoleBindingInterface lists RoleBindings.
type RoleBindingInterface interface {
	List(ctx context.Context, opts metav1.ListOptions) (*RoleBindingList, error)
}

// RbacV1Interface is what the plugin reads of rbac/v1.
type RbacV1Interface interface {
	ClusterRoleBindings() ClusterRoleBindingInterface
	RoleBindings(namespace string) RoleBindingInterface
}

type coreV1 struct{ c rest.Interface }

func (g coreV1) ConfigMaps(ns string) ConfigMapInterface { return configMaps{g.c, ns} }

type configMaps struct {
	c  rest.Interface
	ns string
}

func (m configMaps) Get(ctx context.Context, name string, opts metav1.GetOptions) (*ConfigMap, error) {
	out := &ConfigMap{}
	return out, send(ctx, m.c.Get().Namespace(m.ns).Resource("configmaps").Name(name).VersionedParams(&opts, theScheme().params), nil, out)
}

func (m configMaps) Create(ctx context.Context, cm *ConfigMap, opts metav1.CreateOptions) (*ConfigMap, error) {
	out := &ConfigMap{}
	in := *cm
	in.TypeMeta = configMapType
	return out, send(ctx, m.c.Post().Namespace(m.ns).Resource("configmaps").VersionedParams(&opts, theScheme().params), &in, out)
}

func (m configMaps) Update(ctx context.Context, cm *ConfigMap, opts metav1.UpdateOptions) (*ConfigMap, error) {
	out := &ConfigMap{}
	in := *cm
	in.TypeMeta = configMapType
	return out, send(ctx, m.c.Put().Namespace(m.ns).Resource("configmaps").Name(cm.Name).VersionedParams(&opts, theScheme().params), &in, out)
}

type authenticationV1 struct{ c rest.Interface }

func (g authenticationV1) SelfSubjectReviews() SelfSubjectReviewInterface { return g }

func (g authenticationV1) Create(ctx context.Context, r *SelfSubjectReview, opts metav1.CreateOptions) (*SelfSubjectReview, error) {
	out := &SelfSubjectReview{}
	in := *r
	in.TypeMeta = selfSubjectReviewType
	return out, create(ctx, g.c, "selfsubjectreviews", &opts, &in, out)
}

type authorizationV1 struct{ c rest.Interface }

func (g authorizationV1) SelfSubjectAccessReviews() SelfSubjectAccessReviewInterface {
	return selfSubjectAccessReviews(g)
}

func (g authorizationV1) SubjectAccessReviews() SubjectAccessReviewInterface {
	return subjectAccessReviews(g)
}

type selfSubjectAccessReviews struct{ c rest.Interface }

func (g selfSubjectAccessReviews) Create(ctx context.Context, r *SelfSubjectAccessReview, opts metav1.CreateOptions) (*SelfSubjectAccessReview, error) {
	out := &SelfSubjectAccessReview{}
	in := *r
	in.TypeMeta = selfSubjectAccessReviewType
	return out, create(ctx, g.c, "selfsubjectaccessreviews", &opts, &in, out)
}

type subjectAccessReviews struct{ c rest.Interface }

func (g subjectAccessReviews) Create(ctx context.Context, r *SubjectAccessReview, opts metav1.CreateOptions) (*SubjectAccessReview, error) {
	out := &SubjectAccessReview{}
	in := *r
	in.TypeMeta = subjectAccessReviewType
	return out, create(ctx, g.c, "subjectaccessreviews", &opts, &in, out)
}

// send sends req, with in as its JSON body unless in is nil, and reads the
// answer into out. Objects travel as plain JSON (wire.go, configmap.go):
// one decode, where the scheme's decoder reads each answer twice (once for
// its kind, once for the object).
func send(ctx context.Context, req *rest.Request, in, out any) error {
	if in != nil {
		body, err := json.Marshal(in)
		if err != nil {
			return err
		}
		req = req.Body(body)
	}
	raw, err := req.Do(ctx).Raw()
	if err != nil {
		return err
	}
	return json.Unmarshal(raw, out)
}

// create posts a cluster-scoped review and reads the answer into out.
func create(ctx context.Context, c rest.Interface, resource string, opts *metav1.CreateOptions, in, out any) error {
	return send(ctx, c.Post().Resource(resource).VersionedParams(opts, theScheme().params), in, out)
}

// list reads a list of resource (in ns, or in every namespace when ns is
// "") into out.
func list(ctx context.Context, c rest.Interface, ns, resource string, opts *metav1.ListOptions, out any) error {
	return send(ctx, c.Get().Namespace(ns).Resource(resource).VersionedParams(opts, theScheme().params), nil, out)
}

type rbacV1 struct{ c rest.Interface }

func (g rbacV1) ClusterRoleBindings() ClusterRoleBindingInterface { return clusterRoleBindings(g) }

func (g rbacV1) RoleBindings(ns string) RoleBindingInterface { return roleBindings{g.c, ns} }

type clusterRoleBindings struct{ c rest.Interface }

func (g clusterRoleBindings) List(ctx context.Context, opts metav1.ListOptions) (*ClusterRoleBindingList, error) {
	return listBindings(ctx, g.c, "", "clusterrolebindings", &opts)
}

type roleBindings struct {
	c  rest.Interface
	ns string
}

func (g roleBindings) List(ctx context.Context, opts metav1.ListOptions) (*RoleBindingList, error) {
	return listBindings(ctx, g.c, g.ns, "rolebindings", &opts)
}

func listBindings(ctx context.Context, c rest.Interface, ns, resource string, opts *metav1.ListOptions) (*RoleBindingList, error) {
	out := &RoleBindingList{}
	return out, list(ctx, c, ns, resource, opts, out)
}
