package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strings"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/eksaccess/kubectl-eksaccess/pkg/kube"
)

// awsAuthSource is where a command reads aws-auth from: a manifest given
// with -f, or the live ConfigMap of the current context.
type awsAuthSource struct {
	Filename string

	configFlags *genericclioptions.ConfigFlags
	in          io.Reader
	// ConfigMaps is filled by complete unless a test set it first.
	ConfigMaps corev1client.ConfigMapsGetter
}

func (s *awsAuthSource) addFlags(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&s.Filename, "filename", "f", "", "Read aws-auth from this ConfigMap manifest (YAML or JSON, '-' for stdin) instead of the cluster")
}

// complete builds the Kubernetes client when the live ConfigMap is needed.
func (s *awsAuthSource) complete() error {
	if s.Filename != "" || s.ConfigMaps != nil {
		return nil
	}
	config, err := s.configFlags.ToRESTConfig()
	if err != nil {
		return kubeconfigError(err)
	}
	cs, err := kube.NewClients(config)
	if err != nil {
		return kubeconfigError(err)
	}
	s.ConfigMaps = cs.CoreV1()
	return nil
}

// load returns the ConfigMap data and a description of where it came from.
func (s *awsAuthSource) load(ctx context.Context) (map[string]string, string, error) {
	if s.Filename != "" {
		r, name := s.in, "stdin"
		if s.Filename != "-" {
			f, err := os.Open(s.Filename)
			if err != nil {
				return nil, "", fmt.Errorf("cannot read %s: %w", s.Filename, errors.Unwrap(err))
			}
			defer f.Close()
			r, name = f, s.Filename
		}
		cm, err := kube.ReadManifest(r)
		if err != nil {
			return nil, "", fmt.Errorf("%s: %w", name, err)
		}
		return cm.Data, name, nil
	}
	where := s.contextName()
	cm, err := kube.GetAWSAuth(ctx, s.ConfigMaps)
	if err != nil {
		return nil, "", apiError(err, where, "get")
	}
	return cm.Data, where, nil
}

// contextName names the kubeconfig context in use, for messages.
func (s *awsAuthSource) contextName() string {
	if s.configFlags == nil {
		return "the cluster"
	}
	if s.configFlags.Context != nil && *s.configFlags.Context != "" {
		return "context " + *s.configFlags.Context
	}
	raw, err := s.configFlags.ToRawKubeConfigLoader().RawConfig()
	if err == nil && raw.CurrentContext != "" {
		return "context " + raw.CurrentContext
	}
	return "the cluster"
}

// apiError turns an error from the API server into one line that names
// the cause and the fix. verb is what we tried on aws-auth.
func apiError(err error, where, verb string) error {
	obj := kube.Namespace + "/" + kube.ConfigMapName
	switch {
	case apierrors.IsNotFound(err):
		return fmt.Errorf("configmap %s not found (%s): without it only the cluster creator and EKS access entries can get in", obj, where)
	case apierrors.IsForbidden(err):
		return fmt.Errorf("%s: you may not %s configmap %s: RBAC must allow '%s' on configmaps named %s in namespace %s; use an admin context (--context)", where, verb, obj, verb, kube.ConfigMapName, kube.Namespace)
	case apierrors.IsUnauthorized(err):
		return fmt.Errorf("%s: the cluster refused your credentials (401 Unauthorized): your IAM identity is not mapped, or the token is invalid; check the kubeconfig user's AWS credentials", where)
	case apierrors.IsTimeout(err) || apierrors.IsServerTimeout(err):
		return fmt.Errorf("%s: the API server timed out: try again, or raise --request-timeout", where)
	}
	var urlErr *url.Error
	var netErr net.Error
	if errors.As(err, &urlErr) || errors.As(err, &netErr) {
		host := ""
		if urlErr != nil {
			if u, perr := url.Parse(urlErr.URL); perr == nil {
				host = u.Scheme + "://" + u.Host
			}
		}
		cause := err.Error()
		if urlErr != nil {
			cause = urlErr.Err.Error()
		}
		return fmt.Errorf("%s: cannot reach the cluster %s: %s: check --context/--kubeconfig and your network", where, host, cause)
	}
	return fmt.Errorf("%s: %s configmap %s: %w", where, verb, obj, err)
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

// validateOutput checks an -o value against the formats a command prints.
func validateOutput(format string, allowed ...string) error {
	if format == "" {
		return nil
	}
	for _, a := range allowed {
		if format == a {
			return nil
		}
	}
	return fmt.Errorf("unknown output format %q: use one of %s", format, strings.Join(allowed, ", "))
}

// isAPIError reports whether err came from talking to the API server, so
// that apiError can explain it.
func isAPIError(err error) bool {
	var status apierrors.APIStatus
	var urlErr *url.Error
	var netErr net.Error
	return errors.As(err, &status) || errors.As(err, &urlErr) || errors.As(err, &netErr)
}
