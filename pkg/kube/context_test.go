package kube

import (
	"path/filepath"
	"testing"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

func TestCurrentContext(t *testing.T) {
	cfg := clientcmdapi.NewConfig()
	cfg.CurrentContext = "prod"
	cfg.Contexts["prod"] = &clientcmdapi.Context{Cluster: "p"}
	cfg.Contexts["dev"] = &clientcmdapi.Context{Cluster: "d"}
	loader := clientcmd.NewDefaultClientConfig(*cfg, &clientcmd.ConfigOverrides{})
	// A kubeconfig that cannot be read.
	missing := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(&clientcmd.ClientConfigLoadingRules{ExplicitPath: filepath.Join(t.TempDir(), "missing")}, &clientcmd.ConfigOverrides{})
	for _, tc := range []struct {
		loader clientcmd.ClientConfig
		flag   string
		want   string
		err    bool
	}{
		{loader, "", "prod", false},
		{loader, "dev", "dev", false},
		{clientcmd.NewDefaultClientConfig(*clientcmdapi.NewConfig(), &clientcmd.ConfigOverrides{}), "", "", false},
		// The flag names the context even when the kubeconfig is unreadable.
		{missing, "dev", "dev", true},
		{missing, "", "", true},
	} {
		raw, got, err := CurrentContext(tc.loader, tc.flag)
		if got != tc.want || (err != nil) != tc.err {
			t.Errorf("CurrentContext(flag %q) = %q, %v; want %q, error %v", tc.flag, got, err, tc.want, tc.err)
		}
		if err == nil && tc.want != "" && raw.Contexts[got] == nil {
			t.Errorf("CurrentContext(flag %q): the raw config has no context %q", tc.flag, got)
		}
	}
}
