package cmd

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/eksaccess/kubectl-eksaccess/pkg/kube"
	"github.com/eksaccess/kubectl-eksaccess/third_party/forked/genericclioptions"
)

// awsAuthSource is where a command reads aws-auth from: a manifest given
// with -f, or the live ConfigMap of the current context.
type awsAuthSource struct {
	Filename string

	configFlags *genericclioptions.ConfigFlags
	in          io.Reader
	// ConfigMaps is filled by complete unless a test set it first.
	ConfigMaps kube.ConfigMapsGetter
	// raw is the file read with -f, kept for the lines of findings and for
	// writing it back.
	raw []byte
}

func (s *awsAuthSource) addFlags(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&s.Filename, "filename", "f", "", "Read aws-auth from this ConfigMap manifest (YAML or JSON, '-' for stdin) instead of the cluster")
}

// complete builds the Kubernetes client when the live ConfigMap is needed.
func (s *awsAuthSource) complete() error {
	if s.Filename != "" || s.ConfigMaps != nil {
		return nil
	}
	cs, err := newClients(s.configFlags)
	if err != nil {
		return err
	}
	s.ConfigMaps = cs.CoreV1()
	return nil
}

// newClients builds the Kubernetes clients of the kubeconfig flags, with
// kubeconfig errors turned into messages.
func newClients(f *genericclioptions.ConfigFlags) (*kube.Clients, error) {
	config, err := f.ToRESTConfig()
	if err != nil {
		return nil, kubeconfigError(err)
	}
	cs, err := kube.NewClients(config)
	if err != nil {
		return nil, kubeconfigError(err)
	}
	return cs, nil
}

// completeRead is the Complete of a command that reads aws-auth (list,
// lint): the printer, and the client unless -f is given, a test set one,
// or several contexts are read (each gets its own).
func completeRead(p *printFlags, fleet *fleetFlags, src *awsAuthSource) error {
	if err := p.complete(); err != nil {
		return err
	}
	if fleet.enabled() {
		return nil
	}
	return src.complete()
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
		b, err := io.ReadAll(io.LimitReader(r, kube.MaxManifestSize+1))
		if err != nil {
			return nil, "", fmt.Errorf("cannot read %s: %w", name, err)
		}
		s.raw = b
		cm, err := kube.ReadManifest(bytes.NewReader(b))
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
	if _, name, _ := currentContext(s.configFlags); name != "" {
		return "context " + name
	}
	return "the cluster"
}

// currentContext is kube.CurrentContext for the kubeconfig flags.
func currentContext(f *genericclioptions.ConfigFlags) (clientcmdapi.Config, string, error) {
	flag := ""
	if f.Context != nil {
		flag = *f.Context
	}
	return kube.CurrentContext(f.ToRawKubeConfigLoader(), flag)
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
