// Command eks-sandbox runs the local EKS sandbox (see hack/sandbox.sh).
//
//	eks-sandbox up --dir DIR --assets KUBEBUILDER_ASSETS [--creator user|role] [--mode CONFIG_MAP] [--plugin PATH]
//	    starts everything, writes DIR/env and DIR/ready, and runs until SIGTERM.
//	eks-sandbox token --cluster-name NAME
//	    prints an ExecCredential, like `aws eks get-token` (a fallback exec
//	    plugin when kubectl-eksaccess has no token verb).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/eksaccess/kubectl-eksaccess/test/sandbox"
	"github.com/eksaccess/kubectl-eksaccess/test/sandbox/awstoken"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: eks-sandbox up|token [flags]")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "up":
		err = up(ctx, os.Args[2:])
	case "token":
		err = token(ctx, os.Args[2:])
	default:
		err = fmt.Errorf("unknown command %q: want up or token", os.Args[1])
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "eks-sandbox: %v\n", err)
		os.Exit(1)
	}
}

func up(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("up", flag.ContinueOnError)
	dir := fs.String("dir", "", "sandbox directory")
	assets := fs.String("assets", os.Getenv("KUBEBUILDER_ASSETS"), "directory of kube-apiserver and etcd")
	creator := fs.String("creator", "user", "who created the cluster: user (cluster_creator) or role (eks-creator)")
	mode := fs.String("mode", "CONFIG_MAP", "authenticationMode: CONFIG_MAP, API_AND_CONFIG_MAP or API")
	plugin := fs.String("plugin", "", "kubectl-eksaccess binary; its token verb is the kubeconfig exec plugin when it has one")
	latency := fs.Duration("latency", 0, "latency added to every AWS and Kubernetes request (default: EKSACCESS_SANDBOX_LATENCY)")
	updateDelay := fs.Duration("update-delay", 0, "how long an EKS cluster update (UpdateClusterConfig) stays InProgress")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *latency == 0 && os.Getenv("EKSACCESS_SANDBOX_LATENCY") != "" {
		d, err := time.ParseDuration(os.Getenv("EKSACCESS_SANDBOX_LATENCY"))
		if err != nil {
			return fmt.Errorf("EKSACCESS_SANDBOX_LATENCY: %w", err)
		}
		*latency = d
	}
	seed, err := sandbox.DefaultSeed(*creator, *mode)
	if err != nil {
		return err
	}
	// A user per row of the README's permissions table (can_list, ...) and
	// no_permissions, for '--profile' in the demo.
	seed = sandbox.WithPermissionUsers(seed)
	self, err := os.Executable()
	if err != nil {
		return err
	}
	command := []string{self, "token"}
	if sandbox.HasTokenVerb(*plugin) {
		abs, err := filepath.Abs(*plugin)
		if err != nil {
			return err
		}
		command = []string{abs, "token"}
	}
	start := time.Now()
	sb, err := sandbox.Start(ctx, sandbox.Options{Dir: *dir, Assets: *assets, Seed: seed, TokenCommand: command, Latency: *latency})
	if err != nil {
		return err
	}
	defer sb.Stop()
	sb.State.SetUpdateBehavior(*updateDelay)
	var env strings.Builder
	for _, kv := range sb.Env() {
		k, v, _ := strings.Cut(kv, "=")
		fmt.Fprintf(&env, "export %s=%q\n", k, v)
	}
	if err := os.WriteFile(filepath.Join(*dir, "env"), []byte(env.String()), 0o600); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "eks-sandbox: cluster %s (creator %s, %s) ready in %s: %s\n", sb.Cluster, *creator, *mode, time.Since(start).Round(100*time.Millisecond), sb.Kubeconfig)
	if err := os.WriteFile(filepath.Join(*dir, "ready"), []byte(fmt.Sprintln(os.Getpid())), 0o600); err != nil {
		return err
	}
	<-ctx.Done()
	fmt.Fprintln(os.Stderr, "eks-sandbox: stopping")
	return sb.Stop()
}

func token(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	cluster := fs.String("cluster-name", "", "cluster name")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *cluster == "" {
		return fmt.Errorf("--cluster-name is required")
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		return err
	}
	tok, err := awstoken.New(ctx, sts.NewFromConfig(cfg), *cluster)
	if err != nil {
		return err
	}
	b, err := awstoken.ExecCredential(tok, time.Now())
	if err != nil {
		return err
	}
	_, err = fmt.Println(string(b))
	return err
}
