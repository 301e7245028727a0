package cmd

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestFailureOf(t *testing.T) {
	cm := schema.GroupResource{Resource: "configmaps"}
	refused := &url.Error{Op: "Get", URL: "https://127.0.0.1:1/api", Err: &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{apierrors.NewUnauthorized("Unauthorized"), failUnauthorized},
		{apierrors.NewForbidden(cm, "aws-auth", errors.New("no")), failForbidden},
		{apierrors.NewNotFound(cm, "aws-auth"), failNotFound},
		{refused, failUnreachable},
		{&url.Error{Op: "Get", URL: "https://x", Err: errors.New("getting credentials: exec: executable aws not found")}, failUnauthorized},
		{apierrors.NewInternalError(errors.New("boom")), failError},
		{errors.New("kubeconfig: invalid"), failError},
		// A message made from the API error, with the error kept beside it.
		{&fleetError{msg: errors.New("context a: the cluster refused your credentials"), cause: apierrors.NewUnauthorized("")}, failUnauthorized},
		{fmt.Errorf("wrapped: %w", &fleetError{msg: errors.New("context a: cannot reach"), cause: refused}), failUnreachable},
	} {
		if got := failureOf(tc.err); got != tc.want {
			t.Errorf("failureOf(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

// TestRunFleetOrderAndCancel: results come back in the order of the
// targets whatever order they finish in, and a cancelled run still gives a
// row per target.
func TestRunFleetOrderAndCancel(t *testing.T) {
	var targets []fleetTarget
	for i := range 12 {
		targets = append(targets, fleetTarget{Context: fmt.Sprintf("c%02d", i)})
	}
	// Each call waits for the next target's call to finish first, so they
	// finish in reverse order.
	done := make([]chan struct{}, len(targets)+1)
	for i := range done {
		done[i] = make(chan struct{})
	}
	close(done[len(targets)])
	res := runFleet(context.Background(), targets, len(targets), func(_ context.Context, tg fleetTarget) (string, error) {
		var i int
		fmt.Sscanf(tg.Context, "c%d", &i)
		<-done[i+1]
		close(done[i])
		if i%5 == 4 {
			return "", apierrors.NewUnauthorized("")
		}
		return "v-" + tg.Context, nil
	})
	for i, r := range res {
		if r.Context != targets[i].Context {
			t.Fatalf("result %d is %s, want %s", i, r.Context, targets[i].Context)
		}
		if i%5 == 4 && (r.Err == nil || r.Failure != failUnauthorized) || i%5 != 4 && r.Value != "v-"+r.Context {
			t.Errorf("result %d: %+v", i, r)
		}
	}
	if err := fleetSummary(res); err == nil || err.Error() != "2 of 12 contexts failed: c04 (unauthorized), c09 (unauthorized): see their rows above" {
		t.Errorf("summary: %v", err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var calls atomic.Int32
	res = runFleet(ctx, targets, 1, func(context.Context, fleetTarget) (string, error) {
		calls.Add(1)
		return "", nil
	})
	if len(res) != len(targets) || calls.Load() != 0 {
		t.Errorf("cancelled run: %d results, %d calls", len(res), calls.Load())
	}
	for _, r := range res {
		if !errors.Is(r.Err, context.Canceled) {
			t.Errorf("%s: %v, want context canceled", r.Context, r.Err)
		}
	}
}

func TestCompleteContexts(t *testing.T) {
	kc := filepath.Join(t.TempDir(), "kubeconfig")
	conf := "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: 'https://127.0.0.1:1'}\nusers:\n- name: u\n  user: {}\ncontexts:\n"
	for _, n := range []string{"prod-eu", "prod-us", "staging"} {
		conf += "- name: " + n + "\n  context: {cluster: c, user: u}\n"
	}
	if err := os.WriteFile(kc, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ typed, want string }{
		{"", "prod-eu prod-us staging"},
		{"prod", "prod-eu prod-us"},
		{"prod-eu,", "prod-eu,prod-us prod-eu,staging"},
		{"staging,prod-eu,p", "staging,prod-eu,prod-us"},
	} {
		r := run(t, "", "--kubeconfig", kc, "__complete", "lint", "--contexts", tc.typed)
		lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
		if got := strings.Join(lines[:len(lines)-1], " "); got != tc.want || lines[len(lines)-1] != ":6" {
			t.Errorf("--contexts %q<TAB>: %q, want %q then :6 (no file, no space)", tc.typed, r.stdout, tc.want)
		}
	}
}
