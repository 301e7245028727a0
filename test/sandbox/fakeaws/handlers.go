package fakeaws

import "net/http"

// EKSHandler is the EKS endpoint's handler, for tests that wrap it (to
// inject failures) and serve it with ServeTLS.
func (s *Servers) EKSHandler() http.Handler { return http.HandlerFunc(s.serveEKS) }
