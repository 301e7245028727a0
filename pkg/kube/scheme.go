package kube

import (
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
)

// scheme knows only meta's kinds (Status, the options) in core/v1 and in the
// groups of the reviews and bindings: the objects themselves travel as plain
// JSON (configmap.go, wire.go, typed.go's send). client-go's
// kubernetes/scheme registers every API group at start (and links them all
// in); the typed clientsets import it. It is built on the first client, not
// at init.
type scheme struct {
	scheme *runtime.Scheme
	codecs serializer.CodecFactory
	params runtime.ParameterCodec
}

// The groups of the reviews and bindings (wire.go).
var (
	authenticationV1GV = schema.GroupVersion{Group: "authentication.k8s.io", Version: "v1"}
	authorizationV1GV  = schema.GroupVersion{Group: "authorization.k8s.io", Version: "v1"}
	rbacV1GV           = schema.GroupVersion{Group: "rbac.authorization.k8s.io", Version: "v1"}
)

var theScheme = sync.OnceValue(func() *scheme {
	s := runtime.NewScheme()
	// Unversioned meta kinds (Status, options), as client-go's scheme has them.
	metav1.AddToGroupVersion(s, schema.GroupVersion{Version: "v1"})
	// Options, Status and WatchEvent in each group's version.
	for _, gv := range []schema.GroupVersion{coreV1GV, authenticationV1GV, authorizationV1GV, rbacV1GV} {
		metav1.AddToGroupVersion(s, gv)
	}
	return &scheme{scheme: s, codecs: serializer.NewCodecFactory(s), params: runtime.NewParameterCodec(s)}
})
