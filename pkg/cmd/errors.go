package cmd

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/eksaccess/kubectl-eksaccess/pkg/kube"
)

// This file turns errors into the one line the user reads, classified by
// what really failed: a local file, the network, authentication,
// authorization, the API server, a conflict, validation. The order of the
// checks matters: a local file error wraps a syscall.Errno, which also
// satisfies net.Error, so it must never be taken for a network error.

// apiError explains an error from reading or writing aws-auth: where names
// the context, verb what we tried ("get", "update"). Errors of no known
// kind are wrapped with what we tried.
func apiError(err error, where, verb string) error {
	if msg, ok := classify(err, where, verb); ok {
		return msg
	}
	return fmt.Errorf("%s: %s configmap %s: %w", where, verb, awsAuthName(), err)
}

// writeError explains an error from kube.Write. Errors of no known kind
// (a guard's refusal, an edit the engine declined) already name their cause
// and fix and are returned unchanged.
func writeError(err error, where string) error {
	if msg, ok := classify(err, where, "update"); ok {
		return msg
	}
	return err
}

// isAPIError reports whether classify knows err's kind.
func isAPIError(err error) bool {
	_, ok := classify(err, "", "")
	return ok
}

func awsAuthName() string { return kube.Namespace + "/" + kube.ConfigMapName }

// classify returns the message for an error of a known kind.
func classify(err error, where, verb string) (error, bool) {
	var (
		backup  *kube.BackupError
		unknown *kube.UnknownOutcomeError
		status  apierrors.APIStatus
		urlErr  *url.Error
		opErr   *net.OpError
	)
	switch {
	case err == nil:
		return nil, false
	case errors.As(err, &backup):
		return fmt.Errorf("%v: nothing was written: make that directory writable, or choose another with --backup-dir", backup), true
	case errors.Is(err, kube.ErrConflictsExhausted):
		return fmt.Errorf("%s: %v", where, err), true
	case errors.As(err, &unknown):
		return fmt.Errorf("%s: the update of configmap %s may or may not have been stored: its answer was lost (%s) and aws-auth could not be read again (%s): check with 'kubectl eksaccess list' before you run it again",
			where, awsAuthName(), cause(unknown.Err), cause(unknown.ReadErr)), true
	case errors.As(err, &status):
		return statusError(err, status, where, verb), true
	case errors.As(err, &urlErr):
		return transportError(err, urlErr, where), true
	case errors.As(err, &opErr):
		return fmt.Errorf("%s: cannot reach the cluster: %v: check --context/--kubeconfig and your network", where, opErr), true
	}
	return nil, false
}

// statusError explains an answer of the API server.
func statusError(err error, status apierrors.APIStatus, where, verb string) error {
	obj := awsAuthName()
	code := int(status.Status().Code)
	msg := firstLine(status.Status().Message)
	switch {
	case apierrors.IsNotFound(err):
		return fmt.Errorf("configmap %s not found (%s): without it only the cluster creator and EKS access entries can get in", obj, where)
	case apierrors.IsUnauthorized(err):
		return fmt.Errorf("%s: the cluster refused your credentials (401 Unauthorized): your IAM identity is not mapped, or its token is invalid or expired: run 'kubectl eksaccess diagnose'", where)
	case apierrors.IsForbidden(err):
		return fmt.Errorf("%s: you may not %s configmap %s (403 Forbidden): RBAC must allow '%s' on configmaps named %s in namespace %s; use an admin context (--context)", where, verb, obj, verb, kube.ConfigMapName, kube.Namespace)
	case apierrors.IsInvalid(err):
		return fmt.Errorf("%s: the API server refused the new configmap %s as invalid (422): %s: nothing was written", where, obj, msg)
	case apierrors.IsRequestEntityTooLargeError(err):
		return fmt.Errorf("%s: configmap %s would be too large for the API server (413): nothing was written: remove unused entries ('kubectl eksaccess lint' lists them)", where, obj)
	case apierrors.IsConflict(err) || apierrors.IsAlreadyExists(err):
		return fmt.Errorf("%s: configmap %s changed while we wrote it (%d): nothing was written: try again", where, obj, code)
	case apierrors.IsTooManyRequests(err):
		return fmt.Errorf("%s: the API server is throttling requests (429 Too Many Requests) and the retries ran out: try again in a minute", where)
	case apierrors.IsTimeout(err) || apierrors.IsServerTimeout(err) || code == http.StatusGatewayTimeout:
		return fmt.Errorf("%s: the API server timed out (%d) and the retries ran out: try again, or raise --request-timeout", where, code)
	case code >= 500:
		return fmt.Errorf("%s: the API server failed (%d %s: %s) and the retries ran out: try again later", where, code, http.StatusText(code), msg)
	}
	return fmt.Errorf("%s: %s configmap %s: %s (%d)", where, verb, obj, msg, code)
}

// transportError explains a request that got no answer from the API
// server. client-go wraps every such error in a *url.Error.
func transportError(err error, urlErr *url.Error, where string) error {
	host := ""
	if u, perr := url.Parse(urlErr.URL); perr == nil {
		host = " " + u.Scheme + "://" + u.Host
	}
	var (
		unknownCA x509.UnknownAuthorityError
		hostname  x509.HostnameError
		invalid   x509.CertificateInvalidError
		verify    *tls.CertificateVerificationError
	)
	switch {
	case strings.HasPrefix(urlErr.Err.Error(), "getting credentials:"):
		// client-go's exec credential plugin (aws eks get-token...) failed:
		// authentication, not the network. exec.go returns it as a string.
		return fmt.Errorf("%s: the kubeconfig's credential plugin failed (%s): check that its AWS credentials work ('aws sts get-caller-identity'), or run 'kubectl eksaccess diagnose'", where, strings.TrimPrefix(urlErr.Err.Error(), "getting credentials: "))
	case errors.As(err, &unknownCA) || errors.As(err, &hostname) || errors.As(err, &invalid) || errors.As(err, &verify):
		return fmt.Errorf("%s: the certificate of the cluster%s is not trusted (%s): check certificate-authority-data and server in the kubeconfig, or run 'aws eks update-kubeconfig'", where, host, cause(urlErr.Err))
	case urlErr.Timeout():
		return fmt.Errorf("%s: no answer from the cluster%s in time: check your network, or raise --request-timeout", where, host)
	}
	return fmt.Errorf("%s: cannot reach the cluster%s: %s: check --context/--kubeconfig and your network", where, host, cause(urlErr.Err))
}

// cause is a short description of err for inside a message.
func cause(err error) string {
	var status apierrors.APIStatus
	var urlErr *url.Error
	switch {
	case err == nil:
		return "no error"
	case errors.As(err, &status):
		code := int(status.Status().Code)
		return fmt.Sprintf("%d %s", code, http.StatusText(code))
	case errors.As(err, &urlErr):
		if urlErr.Timeout() {
			return "timeout"
		}
		return firstLine(urlErr.Err.Error())
	}
	return firstLine(err.Error())
}

// kubeconfigError explains a kubeconfig that cannot be used.
func kubeconfigError(err error) error {
	if clientcmd.IsEmptyConfig(err) {
		return errors.New("no kubeconfig found: set --kubeconfig or KUBECONFIG, or run 'aws eks update-kubeconfig --name CLUSTER'")
	}
	msg := err.Error()
	if strings.Contains(msg, "context was not found") || (strings.Contains(msg, "context") && strings.Contains(msg, "does not exist")) {
		return fmt.Errorf("kubeconfig: %s: list contexts with 'kubectl config get-contexts'", msg)
	}
	return fmt.Errorf("kubeconfig: %s", msg)
}
