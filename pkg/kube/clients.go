package kube

import (
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/rest"
)

// Clients are the four API groups the plugin talks to, as REST clients on
// the plugin's own scheme (scheme.go). client-go's typed clients import
// kubernetes/scheme, which registers (and links in) every API group.
type Clients struct {
	core, authn, authz, rbac rest.Interface
}

// NewClients builds the clients over one shared HTTP client.
func NewClients(cfg *rest.Config) (*Clients, error) {
	hc, err := rest.HTTPClientFor(cfg)
	if err != nil {
		return nil, err
	}
	s := theScheme()
	client := func(gv schema.GroupVersion, apiPath string) (rest.Interface, error) {
		c := rest.CopyConfig(cfg)
		c.GroupVersion, c.APIPath = &gv, apiPath
		c.NegotiatedSerializer = s.codecs.WithoutConversion()
		if c.UserAgent == "" {
			c.UserAgent = rest.DefaultKubernetesUserAgent()
		}
		return rest.RESTClientForConfigAndClient(c, hc)
	}
	c := &Clients{}
	if c.core, err = client(coreV1GV, "/api"); err != nil {
		return nil, err
	}
	if c.authn, err = client(authenticationV1GV, "/apis"); err != nil {
		return nil, err
	}
	if c.authz, err = client(authorizationV1GV, "/apis"); err != nil {
		return nil, err
	}
	if c.rbac, err = client(rbacV1GV, "/apis"); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Clients) CoreV1() ConfigMapsGetter                   { return coreV1{c.core} }
func (c *Clients) AuthenticationV1() SelfSubjectReviewsGetter { return authenticationV1{c.authn} }
func (c *Clients) AuthorizationV1() AuthorizationV1Interface  { return authorizationV1{c.authz} }
func (c *Clients) RbacV1() RbacV1Interface                    { return rbacV1{c.rbac} }
