package faultproxy

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	utilnet "k8s.io/apimachinery/pkg/util/net"
	"k8s.io/client-go/rest"
)

// The proxy deals each fault as documented: before or after the upstream
// sees the request, with the status, Retry-After, reset or hang asked.
func TestFaults(t *testing.T) {
	var seen atomic.Int32
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen.Add(1)
		io.WriteString(w, "upstream "+r.Method)
	}))
	defer up.Close()
	p := Start(t, &rest.Config{Host: up.URL})
	client := p.srv.Client()

	do := func(method string, timeout time.Duration) (*http.Response, string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, method, p.URL+"/api/v1/namespaces/kube-system/configmaps/aws-auth", strings.NewReader("{}"))
		resp, err := client.Do(req)
		if err != nil {
			return nil, "", err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b), nil
	}

	for _, tc := range []struct {
		name     string
		fault    Fault
		upstream int32 // requests the upstream sees
		check    func(t *testing.T, resp *http.Response, body string, err error)
	}{
		{"no fault", Fault{Method: "GET", Path: "nothing-matches"}, 1, func(t *testing.T, resp *http.Response, body string, err error) {
			if err != nil || body != "upstream PUT" {
				t.Errorf("%q, %v", body, err)
			}
		}},
		{"429 before", Fault{Status: 429, RetryAfter: "1"}, 0, func(t *testing.T, resp *http.Response, body string, err error) {
			if err != nil || resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "1" || !strings.Contains(body, `"reason":"TooManyRequests"`) {
				t.Errorf("%v %v %q", resp, err, body)
			}
		}},
		{"503 after", Fault{Status: 503, When: After}, 1, func(t *testing.T, resp *http.Response, body string, err error) {
			if err != nil || resp.StatusCode != 503 {
				t.Errorf("%v %v", resp, err)
			}
		}},
		{"reset before", Fault{Reset: true}, 0, func(t *testing.T, resp *http.Response, body string, err error) {
			if err == nil || !(utilnet.IsConnectionReset(err) || utilnet.IsProbableEOF(err)) {
				t.Errorf("want a reset, got %v", err)
			}
		}},
		{"reset after", Fault{Reset: true, When: After}, 1, func(t *testing.T, resp *http.Response, body string, err error) {
			if err == nil {
				t.Error("want a reset")
			}
		}},
		{"hang after", Fault{Hang: true, When: After}, 1, func(t *testing.T, resp *http.Response, body string, err error) {
			if err == nil || !utilnet.IsTimeout(err) && !strings.Contains(err.Error(), "deadline") {
				t.Errorf("want a timeout, got %v", err)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p.Clear()
			seen.Store(0)
			p.Inject(tc.fault)
			resp, body, err := do("PUT", 2*time.Second)
			tc.check(t, resp, body, err)
			if got := seen.Load(); got != tc.upstream {
				t.Errorf("upstream saw %d requests, want %d", got, tc.upstream)
			}
			if tc.fault.Path == "" && p.Pending() != 0 {
				t.Error("the fault did not strike")
			}
		})
	}

	// Then: a fault injects its followers when it strikes; Count reads the log.
	p.Clear()
	p.Inject(Fault{Method: "PUT", Status: 500, Then: []Fault{{Method: "GET", Status: 503, Times: 2}}})
	if resp, _, _ := do("GET", time.Second); resp == nil || resp.StatusCode != 200 {
		t.Errorf("a GET before the PUT fault struck: %v", resp)
	}
	do("PUT", time.Second)
	for range 2 {
		if resp, _, _ := do("GET", time.Second); resp == nil || resp.StatusCode != 503 {
			t.Errorf("the follower fault did not strike: %v", resp)
		}
	}
	if resp, _, _ := do("GET", time.Second); resp == nil || resp.StatusCode != 200 {
		t.Errorf("the follower fault struck more than twice: %v", resp)
	}
	if p.Count("GET", "configmaps/aws-auth") != 4 || p.Count("PUT", "configmaps/aws-auth") != 1 {
		t.Errorf("log:\n%s", strings.Join(p.Log(), "\n"))
	}
}
