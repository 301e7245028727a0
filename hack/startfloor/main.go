// Command startfloor is the start-up floor of the plugin's libraries: it
// links what the design card names (client-go's REST client and kubeconfig
// loader, cli-runtime, cobra, aws-sdk-go-v2's config and its EKS, IAM and
// STS clients), as the plugin does, and its main does nothing. Their
// package initialisation runs before any main, so no plugin built on them
// starts faster than this; hack/bench-startup.sh times it beside the plugin
// and kubectl.
package main

import (
	"os"

	_ "github.com/aws/aws-sdk-go-v2/config"
	_ "github.com/aws/aws-sdk-go-v2/service/eks"
	_ "github.com/aws/aws-sdk-go-v2/service/iam"
	_ "github.com/aws/aws-sdk-go-v2/service/sts"
	_ "github.com/spf13/cobra"
	_ "k8s.io/cli-runtime/pkg/genericiooptions"
	_ "k8s.io/client-go/rest"
	_ "k8s.io/client-go/tools/clientcmd"
)

func main() { _, _ = os.Stdout.WriteString("startfloor\n") }
