package kube

import (
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// CurrentContext resolves the kubeconfig context in use as kubectl does:
// contextFlag (the --context flag) when set, else the kubeconfig's
// current-context ("" when it has none). It returns the raw kubeconfig
// beside it, for the context's cluster and user. When the kubeconfig cannot
// be read, the error comes with contextFlag, which is known all the same.
func CurrentContext(loader clientcmd.ClientConfig, contextFlag string) (clientcmdapi.Config, string, error) {
	raw, err := loader.RawConfig()
	if err != nil {
		return raw, contextFlag, err
	}
	if contextFlag != "" {
		return raw, contextFlag, nil
	}
	return raw, raw.CurrentContext, nil
}
