package cmd

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/eksaccess/kubectl-eksaccess/pkg/kube"
)

// TestWriteErrorClassified: every error that can end a write is explained
// by what really failed, in one line, and never blamed on something else
// (a backup collision once read "cannot reach the cluster").
func TestWriteErrorClassified(t *testing.T) {
	cm := schema.GroupResource{Resource: "configmaps"}
	put := func(err error) error {
		return &url.Error{Op: "Put", URL: "https://10.0.0.1:443/api/v1/namespaces/kube-system/configmaps/aws-auth", Err: err}
	}
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	reset := &net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}
	guard := errors.New("refusing to write aws-auth: it removes the last entry granting system:masters; re-run with --force if this is what you want")
	for _, tc := range []struct {
		name string
		err  error
		want string   // the whole message
		has  []string // or parts of it
		not  []string
	}{
		{name: "backup name taken (the old collision)", err: &kube.BackupError{Dir: "/home/u/.local/state/kubectl-eksaccess/backups/prod", Err: &fs.PathError{Op: "open", Path: "/home/u/x.yaml", Err: syscall.EEXIST}},
			want: "cannot save a backup of aws-auth in /home/u/.local/state/kubectl-eksaccess/backups/prod: file exists: nothing was written: make that directory writable, or choose another with --backup-dir"},
		{name: "backup dir unwritable", err: &kube.BackupError{Dir: "/ro/prod", Err: &fs.PathError{Op: "mkdir", Path: "/ro/prod", Err: syscall.EACCES}},
			want: "cannot save a backup of aws-auth in /ro/prod: permission denied: nothing was written: make that directory writable, or choose another with --backup-dir"},
		{name: "network: refused", err: put(refused),
			has: []string{"context prod: cannot reach the cluster https://10.0.0.1:443: dial tcp: connect: connection refused: check --context/--kubeconfig and your network"}},
		{name: "network: reset", err: put(reset), has: []string{"cannot reach the cluster https://10.0.0.1:443", "connection reset by peer"}},
		{name: "network: timeout", err: put(context.DeadlineExceeded),
			want: "context prod: no answer from the cluster https://10.0.0.1:443 in time: check your network, or raise --request-timeout"},
		{name: "tls: unknown authority", err: put(x509.UnknownAuthorityError{}),
			has: []string{"the certificate of the cluster https://10.0.0.1:443 is not trusted", "certificate-authority-data"}, not: []string{"cannot reach"}},
		{name: "exec credential plugin", err: put(errors.New("getting credentials: exec: executable aws failed with exit code 255")),
			want: "context prod: the kubeconfig's credential plugin failed (exec: executable aws failed with exit code 255): check that its AWS credentials work ('aws sts get-caller-identity'), or run 'kubectl eksaccess diagnose'"},
		{name: "authentication 401", err: apierrors.NewUnauthorized("Unauthorized"),
			want: "context prod: the cluster refused your credentials (401 Unauthorized): your IAM identity is not mapped, or its token is invalid or expired: run 'kubectl eksaccess diagnose'"},
		{name: "authorization 403", err: apierrors.NewForbidden(cm, "aws-auth", errors.New("no RBAC")),
			has: []string{"you may not update configmap kube-system/aws-auth (403 Forbidden)", "--context"}},
		{name: "not found", err: apierrors.NewNotFound(cm, "aws-auth"), has: []string{"configmap kube-system/aws-auth not found (context prod)"}},
		{name: "validation 422", err: apierrors.NewInvalid(schema.GroupKind{Kind: "ConfigMap"}, "aws-auth", field.ErrorList{field.TooLong(field.NewPath("data"), "", 1048576)}),
			has: []string{"refused the new configmap kube-system/aws-auth as invalid (422)", "ConfigMap \"aws-auth\" is invalid", "nothing was written"}},
		{name: "too large 413", err: apierrors.NewRequestEntityTooLargeError("limit is 3145728"), has: []string{"too large for the API server (413)"}},
		{name: "conflicts exhausted", err: fmt.Errorf("%w (20 attempts), so nothing was written: try again", kube.ErrConflictsExhausted),
			want: "context prod: aws-auth kept changing while we wrote it (20 attempts), so nothing was written: try again"},
		{name: "throttled 429", err: apierrors.NewTooManyRequests("slow down", 1), has: []string{"throttling requests (429 Too Many Requests)", "try again in a minute"}},
		{name: "server timeout", err: apierrors.NewServerTimeout(cm, "update", 1), has: []string{"the API server timed out (500)", "--request-timeout"}},
		{name: "gateway timeout", err: apierrors.NewGenericServerResponse(504, "PUT", cm, "aws-auth", "", 0, true), has: []string{"the API server timed out (504)"}},
		{name: "unavailable 503", err: apierrors.NewServiceUnavailable("etcd is down"), has: []string{"the API server failed (503 Service Unavailable: etcd is down)", "try again later"}},
		{name: "internal 500", err: apierrors.NewInternalError(errors.New("boom")), has: []string{"the API server failed (500 Internal Server Error"}},
		{name: "outcome unknown", err: &kube.UnknownOutcomeError{Err: put(reset), ReadErr: apierrors.NewServiceUnavailable("down")},
			want: "context prod: the update of configmap kube-system/aws-auth may or may not have been stored: its answer was lost (read tcp: read: connection reset by peer) and aws-auth could not be read again (503 Service Unavailable): check with 'kubectl eksaccess list' before you run it again"},
		{name: "a guard's refusal is kept as it is", err: guard, want: guard.Error()},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := writeError(tc.err, "context prod").Error()
			if tc.want != "" && got != tc.want {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
			for _, h := range tc.has {
				if !strings.Contains(got, h) {
					t.Errorf("%q\nlacks %q", got, h)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(got, n) {
					t.Errorf("%q\nmust not say %q", got, n)
				}
			}
			if strings.Contains(got, "\n") {
				t.Errorf("not one line: %q", got)
			}
			if tc.err != guard && strings.Contains(got, "cannot reach") != strings.HasPrefix(tc.name, "network: r") {
				t.Errorf("blames the network wrongly, or fails to: %q", got)
			}
		})
	}
}

// TestIsTransient: which failures kube.Write retries (after reading
// aws-auth again) and which end the write.
func TestIsTransient(t *testing.T) {
	cm := schema.GroupResource{Resource: "configmaps"}
	u := func(err error) error { return &url.Error{Op: "Put", URL: "https://h", Err: err} }
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{apierrors.NewServiceUnavailable("x"), true},
		{apierrors.NewInternalError(errors.New("x")), true},
		{apierrors.NewTooManyRequests("x", 1), true},
		{apierrors.NewServerTimeout(cm, "update", 1), true},
		{apierrors.NewConflict(cm, "aws-auth", errors.New("x")), false},
		{apierrors.NewForbidden(cm, "aws-auth", errors.New("x")), false},
		{apierrors.NewUnauthorized("x"), false},
		{apierrors.NewInvalid(schema.GroupKind{Kind: "ConfigMap"}, "aws-auth", nil), false},
		{u(errors.New("read tcp: connection reset by peer")), true},
		{u(errors.New("EOF")), false}, // a plain string: not io.EOF
		{u(context.DeadlineExceeded), true},
		{u(context.Canceled), false},
		{u(errors.New("dial tcp: connect: connection refused")), false},
		{&kube.BackupError{Dir: "d", Err: syscall.EEXIST}, false},
		{errors.New("refusing to write aws-auth"), false},
	} {
		if got := kube.IsTransient(tc.err); got != tc.want {
			t.Errorf("IsTransient(%v) = %v, want %v", tc.err, got, tc.want)
		}
	}
}
