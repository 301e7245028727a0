package sandbox_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
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
// API_AND_CONFIG_MAP mode with 4 access entries, with 100 ms added to every
// AWS and Kubernetes request, and reports the time in round trips
// (rtts/op = ns/op / latency). The dependency chain is ListAccessEntries,
// then each entry and its policies; aws-auth and DescribeCluster are read
// beside it.
//
//	cd test/sandbox && KUBEBUILDER_ASSETS=$(bash ../../hack/testbin.sh) \
//	  EKSACCESS_PLUGIN=$PWD/../../bin/kubectl-eksaccess \
//	  go test -run '^$' -bench ListLatency -benchtime 10x
func BenchmarkListLatency(b *testing.B) {
	assets := e2eenv.Env(b, "KUBEBUILDER_ASSETS", "run: KUBEBUILDER_ASSETS=$(bash ../../hack/testbin.sh)")
	plugin := e2eenv.Env(b, "EKSACCESS_PLUGIN", "it names the built bin/kubectl-eksaccess: run 'make build'")
	plugin, _ = filepath.Abs(plugin)
	seed, err := sandbox.DefaultSeed("user", "API_AND_CONFIG_MAP")
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	dir := b.TempDir()
	sb, err := sandbox.Start(ctx, sandbox.Options{Dir: dir, Assets: assets, Seed: seed, TokenCommand: []string{plugin, "token"}, Latency: benchLatency})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = sb.Stop() })
	c, err := benchEKS(ctx, sb)
	if err != nil {
		b.Fatal(err)
	}
	for _, arn := range []string{sandbox.DesignatedUser, sandbox.PathRole, sandbox.AssumeRoleUser} {
		if _, err := c.CreateAccessEntry(ctx, &eks.CreateAccessEntryInput{ClusterName: aws.String(sb.Cluster), PrincipalArn: aws.String(arn), KubernetesGroups: []string{"developers"}}); err != nil {
			b.Fatal(err)
		}
	}
	env := append(os.Environ(), sb.Env()...)
	env = append(env, "KUBECACHEDIR="+filepath.Join(dir, "kubecache"), "NO_COLOR=1", "AWS_PROFILE=cluster_creator")
	run := func() {
		cmd := exec.Command(plugin, "list", "--context", "cluster_creator")
		cmd.Env = env
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			b.Fatalf("list: %v\n%s", err, out.String())
		}
		if !strings.Contains(out.String(), "assume_role_user") || !strings.Contains(out.String(), "access-entry") {
			b.Fatalf("list does not show the access entries:\n%s", out.String())
		}
	}
	run() // warm the page cache and the sandbox's connections
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		run()
	}
	b.StopTimer()
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(benchLatency.Nanoseconds()), "rtts/op")
}
