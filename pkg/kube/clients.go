package kube

import (
	authnv1client "k8s.io/client-go/kubernetes/typed/authentication/v1"
	authzv1client "k8s.io/client-go/kubernetes/typed/authorization/v1"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
	rbacv1client "k8s.io/client-go/kubernetes/typed/rbac/v1"
	"k8s.io/client-go/rest"
)

// Clients are the four API groups the plugin talks to. Building only these,
// instead of client-go's whole clientset, keeps every other API group's
// client out of the binary.
type Clients struct {
	core  *corev1client.CoreV1Client
	authn *authnv1client.AuthenticationV1Client
	authz *authzv1client.AuthorizationV1Client
	rbac  *rbacv1client.RbacV1Client
}

// NewClients builds the clients over one shared HTTP client.
func NewClients(cfg *rest.Config) (*Clients, error) {
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return nil, err
	}
	c := &Clients{}
	if c.core, err = corev1client.NewForConfigAndClient(cfg, hc); err != nil {
		return nil, err
	}
	if c.authn, err = authnv1client.NewForConfigAndClient(cfg, hc); err != nil {
		return nil, err
	}
	if c.authz, err = authzv1client.NewForConfigAndClient(cfg, hc); err != nil {
		return nil, err
	}
	if c.rbac, err = rbacv1client.NewForConfigAndClient(cfg, hc); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Clients) CoreV1() corev1client.CoreV1Interface                      { return c.core }
func (c *Clients) AuthenticationV1() authnv1client.AuthenticationV1Interface { return c.authn }
func (c *Clients) AuthorizationV1() authzv1client.AuthorizationV1Interface   { return c.authz }
func (c *Clients) RbacV1() rbacv1client.RbacV1Interface                      { return c.rbac }
