// Package faultproxy puts a TLS proxy in front of a real kube-apiserver
// that fails chosen requests the way networks and load balancers do: an
// error status (500, 503, 429 with Retry-After...), a connection reset, an
// answer that never comes. A fault can strike before the request reaches
// the API server (nothing was stored) or after (the write was stored but
// its answer is lost), which is what a client must tell apart by reading
// again.
//
// The proxy authenticates to the API server with the credentials of the
// rest.Config it is given; its own clients need no credentials.
package faultproxy

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
)

// When a fault strikes.
type When int

const (
	// Before: the request never reaches the API server.
	Before When = iota
	// After: the API server handles the request (a write is stored), then
	// the fault replaces its answer.
	After
)

// Fault fails the next Times requests that match Method and Path.
type Fault struct {
	Method string // "GET", "PUT"...; "" matches any
	Path   string // a substring of the URL path; "" matches any
	Times  int    // how many matching requests it fails (0 means 1)
	When   When

	// Exactly one of these says what the client gets.
	Status     int    // an error answer with this code and a metav1.Status body
	RetryAfter string // with Status: the Retry-After header, when set
	Reset      bool   // the TCP connection is reset (RST), no answer
	Hang       bool   // no answer until the client gives up

	// Then are injected when this fault strikes (the first time).
	Then []Fault
}

func (f *Fault) matches(r *http.Request) bool {
	return (f.Method == "" || f.Method == r.Method) && strings.Contains(r.URL.Path, f.Path)
}

func (f *Fault) String() string {
	var what string
	switch {
	case f.Reset:
		what = "reset"
	case f.Hang:
		what = "hang"
	default:
		what = strconv.Itoa(f.Status)
		if f.RetryAfter != "" {
			what += " retry-after " + f.RetryAfter
		}
	}
	when := "before"
	if f.When == After {
		when = "after"
	}
	return what + " " + when
}

// Proxy is a running fault proxy.
type Proxy struct {
	// URL is the proxy's https address.
	URL string

	srv      *httptest.Server
	upstream http.RoundTripper
	target   string // scheme://host of the API server

	mu     sync.Mutex
	faults []*Fault
	log    []string
}

// maxHang bounds a Hang fault, should the client never give up.
const maxHang = 60 * time.Second

// Start starts a proxy to the API server of cfg, stopped when t ends.
func Start(t testing.TB, cfg *rest.Config) *Proxy {
	t.Helper()
	rt, err := rest.TransportFor(cfg)
	if err != nil {
		t.Fatalf("fault proxy: %v", err)
	}
	host := cfg.Host
	if !strings.Contains(host, "://") {
		host = "https://" + host
	}
	p := &Proxy{upstream: rt, target: strings.TrimSuffix(host, "/")}
	// HTTP/1.1 only (httptest enables HTTP/2 only on request), so that a
	// fault can take the connection over and reset it.
	p.srv = httptest.NewUnstartedServer(http.HandlerFunc(p.serve))
	p.srv.StartTLS()
	p.URL = p.srv.URL
	t.Cleanup(p.srv.Close)
	return p
}

// Inject adds a fault; faults are tried in the order injected.
func (p *Proxy) Inject(f Fault) {
	if f.Times == 0 {
		f.Times = 1
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.faults = append(p.faults, &f)
}

// Clear removes every fault and the log.
func (p *Proxy) Clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.faults, p.log = nil, nil
}

// Pending counts the failures injected faults have not dealt yet.
func (p *Proxy) Pending() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for _, f := range p.faults {
		n += f.Times
	}
	return n
}

// Log lists the requests seen, as "METHOD path: outcome".
func (p *Proxy) Log() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.log...)
}

// Count counts the requests with this method whose path contains path.
func (p *Proxy) Count(method, path string) int {
	n := 0
	for _, l := range p.Log() {
		if strings.HasPrefix(l, method+" ") && strings.Contains(strings.SplitN(l, ":", 2)[0], path) {
			n++
		}
	}
	return n
}

// Kubeconfig writes a kubeconfig (context "faultproxy") that reaches the
// API server through the proxy, and returns its path.
func (p *Proxy) Kubeconfig(t testing.TB) string {
	t.Helper()
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.srv.Certificate().Raw})
	conf := map[string]any{
		"apiVersion": "v1", "kind": "Config", "current-context": "faultproxy",
		"clusters": []any{map[string]any{"name": "faultproxy", "cluster": map[string]any{"server": p.URL, "certificate-authority-data": ca}}},
		"contexts": []any{map[string]any{"name": "faultproxy", "context": map[string]any{"cluster": "faultproxy", "user": "faultproxy"}}},
		"users":    []any{map[string]any{"name": "faultproxy", "user": map[string]any{}}},
	}
	b, err := json.Marshal(conf) // JSON is YAML
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// take returns the first live fault that matches r, spending one use.
func (p *Proxy) take(r *http.Request) *Fault {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, f := range p.faults {
		if f.Times > 0 && f.matches(r) {
			f.Times--
			for _, next := range f.Then {
				if next.Times == 0 {
					next.Times = 1
				}
				p.faults = append(p.faults, &next)
			}
			f.Then = nil
			return f
		}
	}
	return nil
}

func (p *Proxy) record(r *http.Request, outcome string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.log = append(p.log, fmt.Sprintf("%s %s: %s", r.Method, r.URL.Path, outcome))
}

func (p *Proxy) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		p.record(r, "reading the request: "+err.Error())
		return
	}
	f := p.take(r)
	if f != nil && f.When == Before {
		p.record(r, "fault "+f.String())
		p.fail(w, r, f)
		return
	}
	resp, err := p.forward(r, body)
	if err != nil {
		p.record(r, "upstream: "+err.Error())
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	answer, err := io.ReadAll(resp.Body)
	if err != nil {
		p.record(r, "upstream body: "+err.Error())
		return
	}
	if f != nil {
		p.record(r, fmt.Sprintf("upstream %d, then fault %s", resp.StatusCode, f))
		p.fail(w, r, f)
		return
	}
	p.record(r, strconv.Itoa(resp.StatusCode))
	for k, vs := range resp.Header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	w.WriteHeader(resp.StatusCode)
	w.Write(answer)
}

// forward sends the request to the API server; the caller has read its body.
func (p *Proxy) forward(r *http.Request, body []byte) (*http.Response, error) {
	// The upstream request lives on even if the client goes away: a write
	// the API server received is handled to the end, as it would be.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), maxHang)
	out, err := http.NewRequestWithContext(ctx, r.Method, p.target+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		cancel()
		return nil, err
	}
	for k, vs := range r.Header {
		if k == "Connection" || k == "Authorization" {
			continue
		}
		out.Header[k] = vs
	}
	resp, err := p.upstream.RoundTrip(out)
	if err != nil {
		cancel()
		return nil, err
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (c *cancelOnClose) Close() error { err := c.ReadCloser.Close(); c.cancel(); return err }

// fail deals fault f to the client.
func (p *Proxy) fail(w http.ResponseWriter, r *http.Request, f *Fault) {
	switch {
	case f.Reset:
		reset(w)
	case f.Hang:
		select {
		case <-r.Context().Done(): // the client gave up and closed the connection
		case <-time.After(maxHang):
		}
		reset(w)
	default:
		st := metav1.Status{
			TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Status"},
			Status:   metav1.StatusFailure, Code: int32(f.Status),
			Message: fmt.Sprintf("fault proxy: %d %s", f.Status, http.StatusText(f.Status)),
			Reason:  reasonFor(f.Status),
		}
		b, _ := json.Marshal(st)
		w.Header().Set("Content-Type", "application/json")
		if f.RetryAfter != "" {
			w.Header().Set("Retry-After", f.RetryAfter)
		}
		w.WriteHeader(f.Status)
		w.Write(b)
	}
}

func reasonFor(code int) metav1.StatusReason {
	switch code {
	case http.StatusTooManyRequests:
		return metav1.StatusReasonTooManyRequests
	case http.StatusServiceUnavailable:
		return metav1.StatusReasonServiceUnavailable
	case http.StatusGatewayTimeout:
		return metav1.StatusReasonTimeout
	case http.StatusUnauthorized:
		return metav1.StatusReasonUnauthorized
	case http.StatusForbidden:
		return metav1.StatusReasonForbidden
	}
	return metav1.StatusReasonInternalError
}

// reset takes the connection over and closes it with an RST (SO_LINGER 0),
// skipping TLS's close_notify: the client reads "connection reset by peer".
func reset(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		panic("fault proxy: the connection cannot be taken over (HTTP/2?)")
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	raw := conn
	if tc, ok := conn.(*tls.Conn); ok {
		raw = tc.NetConn()
	}
	if tcp, ok := raw.(*net.TCPConn); ok {
		tcp.SetLinger(0)
	}
	raw.Close()
}
