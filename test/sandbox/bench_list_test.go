package sandbox_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"

	"github.com/eksaccess/kubectl-eksaccess/test/internal/e2eenv"
	"github.com/eksaccess/kubectl-eksaccess/test/sandbox"
)

// BenchmarkListLatency runs `kubectl eksaccess list` as the cluster creator
// (the built plugin, as kubectl runs it) against the sandbox in
// API_AND_CONFIG_MAP mode with the creator's access entry and 3 more, with
// 100 ms added to every AWS and Kubernetes request, and reports the time in
// round trips (rtts/op = ns/op / latency). The dependency chain is
// ListAccessEntries, then each entry and its policies; aws-auth and
// DescribeCluster are read beside it (TestListConcurrentCalls).
//
//	cd test/sandbox && KUBEBUILDER_ASSETS=$(bash ../../hack/testbin.sh) \
//	  EKSACCESS_PLUGIN=$PWD/../../bin/kubectl-eksaccess \
//	  go test -run '^$' -bench ListLatency -benchtime 10x
func BenchmarkListLatency(b *testing.B) {
	assets := e2eenv.Env(b, "KUBEBUILDER_ASSETS", "run: KUBEBUILDER_ASSETS=$(bash ../../hack/testbin.sh)")
	plugin := e2eenv.Env(b, "EKSACCESS_PLUGIN", "it names the built bin/kubectl-eksaccess: run 'make build'")
	plugin, _ = filepath.Abs(plugin)
	ls := startLatencySandbox(b, assets, benchLatency, []string{plugin, "token"})
	addEntries(b, ls, sandbox.PathRole, sandbox.AssumeRoleUser)
	inRTTs(b, benchLatency, func() {
		out := ls.run(b, plugin, "cluster_creator", 0, "list", "--context", "cluster_creator")
		if !strings.Contains(out, "assume_role_user") || !strings.Contains(out, "access-entry") {
			b.Fatalf("list does not show the access entries:\n%s", out)
		}
	})
}

// addEntries gives each principal an access entry (group developers).
func addEntries(tb testing.TB, ls *latencySandbox, principals ...string) {
	tb.Helper()
	ctx := context.Background()
	c, err := benchEKS(ctx, ls.sb)
	if err != nil {
		tb.Fatal(err)
	}
	for _, arn := range principals {
		if _, err := c.CreateAccessEntry(ctx, &eks.CreateAccessEntryInput{ClusterName: aws.String(ls.sb.Cluster), PrincipalArn: aws.String(arn), KubernetesGroups: []string{"developers"}}); err != nil {
			tb.Fatal(err)
		}
	}
}
