package sandbox

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"k8s.io/client-go/rest"

	"github.com/eksaccess/kubectl-eksaccess/test/sandbox/fakeaws"
)

// latencyProxy stands in front of kube-apiserver when the sandbox has a
// latency knob (Options.Latency, EKSACCESS_SANDBOX_LATENCY): every request
// waits that long before it is passed on, as every AWS endpoint does
// (fakeaws.Options.Latency). The kubeconfig and the cluster's EKS endpoint
// point at it.
//
// It terminates TLS with kube-apiserver's own serving certificate, so the
// kubeconfig's CA is unchanged. Bearer tokens (the EKS tokens) pass through
// untouched and are checked by kube-apiserver's webhook as without the
// proxy. A client certificate cannot be passed on: the proxy verifies it
// against kube-apiserver's client CA and forwards the request with the
// sandbox admin's certificate, impersonating the certificate's user (CN)
// and groups (O), which is what kube-apiserver would have authenticated.
type latencyProxy struct {
	URL     string
	srv     *http.Server
	latency time.Duration
	observe func(fakeaws.Call)
	anon    *httputil.ReverseProxy
	cert    *httputil.ReverseProxy
}

func startLatencyProxy(upstream string, admin *rest.Config, certDir string, latency time.Duration, observe func(fakeaws.Call)) (*latencyProxy, error) {
	target, err := url.Parse(upstream)
	if err != nil {
		return nil, err
	}
	serving, err := tls.LoadX509KeyPair(filepath.Join(certDir, "apiserver.crt"), filepath.Join(certDir, "apiserver.key"))
	if err != nil {
		return nil, fmt.Errorf("latency proxy: kube-apiserver's serving certificate: %w", err)
	}
	clientCA, err := os.ReadFile(filepath.Join(certDir, "client-cert-auth-ca.crt"))
	if err != nil {
		return nil, fmt.Errorf("latency proxy: kube-apiserver's client CA: %w", err)
	}
	clientPool := x509.NewCertPool()
	if !clientPool.AppendCertsFromPEM(clientCA) {
		return nil, errors.New("latency proxy: no certificate in kube-apiserver's client CA")
	}
	rootPool := x509.NewCertPool()
	if !rootPool.AppendCertsFromPEM(admin.CAData) {
		return nil, errors.New("latency proxy: no certificate in kube-apiserver's CA")
	}
	adminCert, err := tls.X509KeyPair(admin.CertData, admin.KeyData)
	if err != nil {
		return nil, fmt.Errorf("latency proxy: the admin's client certificate: %w", err)
	}
	transport := func(certs []tls.Certificate) *http.Transport {
		return &http.Transport{
			TLSClientConfig:   &tls.Config{RootCAs: rootPool, Certificates: certs, MinVersion: tls.VersionTLS12},
			ForceAttemptHTTP2: true, MaxIdleConnsPerHost: 64, IdleConnTimeout: 90 * time.Second,
		}
	}
	proxy := func(t *http.Transport) *httputil.ReverseProxy {
		return &httputil.ReverseProxy{
			Rewrite:       func(r *httputil.ProxyRequest) { r.SetURL(target) },
			Transport:     t,
			FlushInterval: -1, // watches stream
			ErrorLog:      log.New(io.Discard, "", 0),
		}
	}
	p := &latencyProxy{latency: latency, observe: observe, anon: proxy(transport(nil)), cert: proxy(transport([]tls.Certificate{adminCert}))}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p.srv = &http.Server{
		Handler: p,
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{serving}, ClientCAs: clientPool,
			ClientAuth: tls.VerifyClientCertIfGiven, MinVersion: tls.VersionTLS12, NextProtos: []string{"h2", "http/1.1"}},
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
	}
	go func() { _ = p.srv.ServeTLS(ln, "", "") }()
	p.URL = "https://" + ln.Addr().String()
	return p, nil
}

func (p *latencyProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if p.observe == nil {
		p.serve(w, r)
		return
	}
	c := fakeaws.Call{Service: "kube", What: r.Method + " " + r.URL.Path, Agent: fakeaws.Agent(r), Arrived: time.Now()}
	if r.TLS != nil && len(r.TLS.PeerCertificates) > 0 {
		c.What += " (client certificate)"
	}
	p.serve(w, r)
	c.Answered = time.Now()
	p.observe(c)
}

func (p *latencyProxy) serve(w http.ResponseWriter, r *http.Request) {
	t := time.NewTimer(p.latency)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
		return
	}
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		p.anon.ServeHTTP(w, r)
		return
	}
	// A verified client certificate: kube-apiserver would take CN as the
	// user and O as the groups. A client that impersonates someone itself
	// keeps its own headers (the sandbox's certificate users are all
	// system:masters, who may impersonate anybody).
	r.Header.Del("Authorization")
	if r.Header.Get("Impersonate-User") == "" {
		c := r.TLS.PeerCertificates[0]
		r.Header.Set("Impersonate-User", c.Subject.CommonName)
		r.Header.Del("Impersonate-Group")
		for _, g := range c.Subject.Organization {
			r.Header.Add("Impersonate-Group", g)
		}
	}
	p.cert.ServeHTTP(w, r)
}

func (p *latencyProxy) Close(ctx context.Context) error {
	if p == nil || p.srv == nil {
		return nil
	}
	return p.srv.Close()
}
