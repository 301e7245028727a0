package fakeaws

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// CA is a throwaway certificate authority and a serving certificate it
// signed for 127.0.0.1 and localhost.
type CA struct {
	// PEM is the CA certificate, for AWS_CA_BUNDLE and kubeconfigs.
	PEM []byte
	// Serving is the certificate every sandbox server presents.
	Serving tls.Certificate
	Pool    *x509.CertPool
}

// NewCA generates a CA and a loopback serving certificate.
func NewCA() (*CA, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "eksaccess sandbox CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(7 * 24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(7 * 24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, err
	}
	serving, err := tls.X509KeyPair(
		pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}))
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(caCert)
	return &CA{PEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), Serving: serving, Pool: pool}, nil
}

// Client is an HTTP client that trusts the CA.
func (ca *CA) Client() *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: ca.Pool, MinVersion: tls.VersionTLS12}}}
}

// Options tune the servers.
type Options struct {
	// Latency is added to every AWS response (EKSACCESS_SANDBOX_LATENCY).
	Latency time.Duration
	// Log receives one line per refused request (never a secret).
	Log *log.Logger
	// Observe, when set, is told of every request once it is answered
	// (the benchmark's timeline); it may be called concurrently.
	Observe func(Call)
}

// Call is one request as a sandbox server saw it: when it arrived (after
// the TLS handshake and the headers) and when its answer was written.
type Call struct {
	// Service is sts, eks, iam or kube.
	Service string
	// What is the STS or IAM action, or the method and path.
	What string
	// Agent is the first word of the User-Agent (who asked).
	Agent             string
	Arrived, Answered time.Time
}

// Agent is the first word of a User-Agent: "aws-sdk-go-v2/1.36.3",
// "Go-http-client/2.0", "kubectl-eksaccess/v0.0.0"...
func Agent(r *http.Request) string {
	a, _, _ := strings.Cut(r.UserAgent(), " ")
	return a
}

// Servers are the running STS, EKS and IAM endpoints.
type Servers struct {
	State                  *State
	CA                     *CA
	STSURL, EKSURL, IAMURL string
	servers                []*http.Server
	opts                   Options
}

// Start serves STS, EKS and IAM on three loopback ports.
func Start(state *State, ca *CA, opts Options) (*Servers, error) {
	if opts.Log == nil {
		opts.Log = log.New(io.Discard, "", 0)
	}
	s := &Servers{State: state, CA: ca, opts: opts}
	for _, svc := range []struct {
		name string
		url  *string
		h    http.Handler
	}{
		{"sts", &s.STSURL, http.HandlerFunc(s.serveSTS)},
		{"eks", &s.EKSURL, http.HandlerFunc(s.serveEKS)},
		{"iam", &s.IAMURL, http.HandlerFunc(s.serveIAM)},
	} {
		u, err := s.serve(s.observe(svc.name, s.withLatency(svc.h)))
		if err != nil {
			_ = s.Close(context.Background())
			return nil, err
		}
		*svc.url = u
	}
	return s, nil
}

func (s *Servers) serve(h http.Handler) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	srv := &http.Server{Handler: h, TLSConfig: &tls.Config{Certificates: []tls.Certificate{s.CA.Serving}, MinVersion: tls.VersionTLS12}, ReadHeaderTimeout: 10 * time.Second, ErrorLog: log.New(io.Discard, "", 0)}
	s.servers = append(s.servers, srv)
	go func() { _ = srv.ServeTLS(ln, "", "") }()
	return "https://" + ln.Addr().String(), nil
}

// ServeTLS serves h on a new loopback port with the sandbox certificate
// (the webhooks use it) and returns its URL; Close stops it too.
func (s *Servers) ServeTLS(h http.Handler) (string, error) { return s.serve(h) }

// observe tells Options.Observe of each request to service.
func (s *Servers) observe(service string, h http.Handler) http.Handler {
	if s.opts.Observe == nil {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := Call{Service: service, What: r.Method + " " + r.URL.Path, Agent: Agent(r), Arrived: time.Now()}
		if service != "eks" {
			// The action of the query protocol: in the URL of a presigned
			// GET, or in the form body of a POST (readBody puts it back).
			params := r.URL.Query()
			if body, err := readBody(r); err == nil && r.Method == http.MethodPost {
				if form, err := url.ParseQuery(string(body)); err == nil {
					params = form
				}
			}
			c.What = params.Get("Action")
		}
		h.ServeHTTP(w, r)
		c.Answered = time.Now()
		s.opts.Observe(c)
	})
}

func (s *Servers) withLatency(h http.Handler) http.Handler {
	if s.opts.Latency <= 0 {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t := time.NewTimer(s.opts.Latency)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return
		}
		h.ServeHTTP(w, r)
	})
}

// Close stops every server.
func (s *Servers) Close(_ context.Context) error {
	var errs []error
	for _, srv := range s.servers {
		// Close, not Shutdown: clients keep idle keep-alive connections
		// that Shutdown would wait for.
		if err := srv.Close(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// readBody reads a request body (at most 1 MiB) and restores it.
func readBody(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	r.Body = io.NopCloser(bytes.NewReader(b))
	return b, nil
}

func requestID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
