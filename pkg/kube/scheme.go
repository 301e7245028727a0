package kube

import (
	"sync"

	authnv1 "k8s.io/api/authentication/v1"
	authzv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
)

// scheme knows only the kinds the plugin sends and reads: the aws-auth
// ConfigMap, SelfSubjectReview, (Self)SubjectAccessReview and the RBAC
// bindings, with meta's Status and options. client-go's kubernetes/scheme
// registers every API group at start (and links them all in); the typed
// clientsets import it. It is built on the first client, not at init.
type scheme struct {
	scheme *runtime.Scheme
	codecs serializer.CodecFactory
	params runtime.ParameterCodec
}

var theScheme = sync.OnceValue(func() *scheme {
	s := runtime.NewScheme()
	// Unversioned meta kinds (Status, options), as client-go's scheme has them.
	metav1.AddToGroupVersion(s, schema.GroupVersion{Version: "v1"})
	for gv, kinds := range map[schema.GroupVersion][]runtime.Object{
		corev1.SchemeGroupVersion:  {&corev1.ConfigMap{}, &corev1.ConfigMapList{}},
		authnv1.SchemeGroupVersion: {&authnv1.SelfSubjectReview{}},
		authzv1.SchemeGroupVersion: {&authzv1.SelfSubjectAccessReview{}, &authzv1.SubjectAccessReview{}},
		rbacv1.SchemeGroupVersion:  {&rbacv1.ClusterRoleBinding{}, &rbacv1.ClusterRoleBindingList{}, &rbacv1.RoleBinding{}, &rbacv1.RoleBindingList{}},
	} {
		s.AddKnownTypes(gv, kinds...)
		// Options, Status and WatchEvent in the group's version.
		metav1.AddToGroupVersion(s, gv)
	}
	return &scheme{scheme: s, codecs: serializer.NewCodecFactory(s), params: runtime.NewParameterCodec(s)}
})
