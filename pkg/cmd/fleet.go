package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"path"
	"slices"
	"strings"
	"sync"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/eksaccess/kubectl-eksaccess/pkg/kube"
	"github.com/eksaccess/kubectl-eksaccess/pkg/output"
	"github.com/eksaccess/kubectl-eksaccess/third_party/forked/genericclioptions"
)

// This file runs a verb over several kubeconfig contexts at once (a fleet):
// --all-contexts, --contexts a,b or --context-pattern GLOB. Each context gets
// its own REST config, the contexts run in parallel up to --parallel, and a
// context that fails becomes a row with its error instead of ending the run.

// defaultParallel bounds the contexts read at once: every context may run
// an exec credential plugin (aws eks get-token), a process of its own.
const defaultParallel = 8

// Failure classes of a context, as the CONTEXT rows and -o json name them.
const (
	failUnreachable  = "unreachable"
	failUnauthorized = "unauthorized"
	failForbidden    = "forbidden"
	failNotFound     = "not found"
	failError        = "error"
)

// fleetFlags select the contexts of a fleet run.
type fleetFlags struct {
	All      bool
	Contexts []string
	Pattern  string
	Parallel int

	configFlags *genericclioptions.ConfigFlags
}

func (f *fleetFlags) addFlags(cmd *cobra.Command) {
	cmd.Flags().BoolVar(&f.All, "all-contexts", false, "Run on every context of the kubeconfig, in parallel, with a CONTEXT column")
	cmd.Flags().StringSliceVar(&f.Contexts, "contexts", nil, "Run on these kubeconfig contexts (comma-separated), in parallel, with a CONTEXT column")
	cmd.Flags().StringVar(&f.Pattern, "context-pattern", "", "Run on the kubeconfig contexts whose name matches this glob (e.g. 'prod-*'), in parallel")
	cmd.Flags().IntVar(&f.Parallel, "parallel", defaultParallel, "With several contexts: how many to read at once")
	_ = cmd.RegisterFlagCompletionFunc("contexts", f.completeContexts)
}

// completeContexts completes the last name of --contexts a,b,<TAB> with
// the kubeconfig's contexts not listed yet.
func (f *fleetFlags) completeContexts(_ *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	raw, err := f.configFlags.ToRawKubeConfigLoader().RawConfig()
	if err != nil {
		cobra.CompErrorln(err.Error())
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	done, last := "", toComplete
	if i := strings.LastIndex(toComplete, ","); i >= 0 {
		done, last = toComplete[:i+1], toComplete[i+1:]
	}
	given := strings.Split(done, ",")
	var out []string
	for _, n := range withPrefix(keys(raw.Contexts), last) {
		if !slices.Contains(given, n) {
			out = append(out, done+n)
		}
	}
	return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
}

// enabled reports whether several contexts were asked for.
func (f *fleetFlags) enabled() bool { return f.All || len(f.Contexts) > 0 || f.Pattern != "" }

// validate checks the flags without reading the kubeconfig. filename is
// the command's -f, which names one source and so excludes a fleet.
func (f *fleetFlags) validate(filename string) error {
	if f.Parallel < 1 {
		return fmt.Errorf("--parallel must be at least 1, not %d", f.Parallel)
	}
	if !f.enabled() {
		return nil
	}
	n := 0
	for _, on := range []bool{f.All, len(f.Contexts) > 0, f.Pattern != ""} {
		if on {
			n++
		}
	}
	if n > 1 {
		return errors.New("--all-contexts, --contexts and --context-pattern exclude each other: choose one")
	}
	if _, err := path.Match(f.Pattern, ""); err != nil {
		return fmt.Errorf("--context-pattern %q: %w: use a glob like 'prod-*'", f.Pattern, err)
	}
	if filename != "" {
		return errors.New("-f reads one file and excludes --all-contexts, --contexts and --context-pattern: choose one")
	}
	if cf := f.configFlags; cf != nil {
		for flag, v := range map[string]*string{"--context": cf.Context, "--cluster": cf.ClusterName, "--user": cf.AuthInfoName, "--server": cf.APIServer} {
			if v != nil && *v != "" {
				return fmt.Errorf("%s names one context and excludes --all-contexts, --contexts and --context-pattern: choose one", flag)
			}
		}
	}
	return nil
}

// fleetTarget is one context of a fleet run.
type fleetTarget struct {
	// Context is the kubeconfig context; Cluster the kubeconfig cluster it
	// points at (for EKS, usually the cluster ARN).
	Context, Cluster string
	flags            *genericclioptions.ConfigFlags
}

// targets reads the kubeconfig and returns the selected contexts, sorted by
// name so that the output order never depends on timing.
func (f *fleetFlags) targets() ([]fleetTarget, error) {
	raw, err := f.configFlags.ToRawKubeConfigLoader().RawConfig()
	if err != nil {
		return nil, kubeconfigError(err)
	}
	var names []string
	switch {
	case len(f.Contexts) > 0:
		for _, n := range f.Contexts {
			n = strings.TrimSpace(n)
			if _, ok := raw.Contexts[n]; !ok {
				return nil, fmt.Errorf("--contexts: context %q does not exist in the kubeconfig: list contexts with 'kubectl config get-contexts'", n)
			}
			if !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
	default:
		for n := range raw.Contexts {
			if ok, _ := path.Match(f.Pattern, n); f.All || ok {
				names = append(names, n)
			}
		}
		if len(names) == 0 && f.Pattern != "" {
			return nil, fmt.Errorf("--context-pattern %q matches no context of the kubeconfig: list contexts with 'kubectl config get-contexts'", f.Pattern)
		}
		if len(names) == 0 {
			return nil, errors.New("--all-contexts: the kubeconfig has no context: set --kubeconfig or KUBECONFIG")
		}
	}
	slices.Sort(names)
	out := make([]fleetTarget, len(names))
	for i, n := range names {
		out[i] = fleetTarget{Context: n, Cluster: raw.Contexts[n].Cluster, flags: f.flagsFor(n)}
	}
	return out, nil
}

// flagsFor copies the kubeconfig flags (--kubeconfig, --as,
// --request-timeout...) with the context set to name: a config of its own,
// read the way kubectl --context name reads it. It keeps the kubeconfig it
// loads, so that each context parses the file once.
func (f *fleetFlags) flagsFor(name string) *genericclioptions.ConfigFlags {
	c, n := f.configFlags, genericclioptions.NewConfigFlags(true)
	n.CacheDir, n.KubeConfig, n.Context = c.CacheDir, c.KubeConfig, &name
	n.ClusterName, n.AuthInfoName, n.Namespace, n.APIServer = nil, nil, nil, nil
	n.TLSServerName, n.Insecure, n.CertFile, n.KeyFile, n.CAFile = c.TLSServerName, c.Insecure, c.CertFile, c.KeyFile, c.CAFile
	n.BearerToken, n.Impersonate, n.ImpersonateUID = c.BearerToken, c.Impersonate, c.ImpersonateUID
	n.ImpersonateGroup, n.ImpersonateUserExtra = c.ImpersonateGroup, c.ImpersonateUserExtra
	n.Username, n.Password = nil, nil
	n.Timeout, n.DisableCompression, n.ProxyURL, n.WrapConfigFn = c.Timeout, c.DisableCompression, c.ProxyURL, c.WrapConfigFn
	return n
}

// fleetResult is what one context gave: a value, or the error that stopped
// it.
type fleetResult[T any] struct {
	fleetTarget
	Value T
	Err   error
	// Failure classifies Err (unreachable, unauthorized...).
	Failure string
}

// runFleet calls do for every target, at most parallel at once, and returns
// the results in the order of targets.
func runFleet[T any](ctx context.Context, targets []fleetTarget, parallel int, do func(context.Context, fleetTarget) (T, error)) []fleetResult[T] {
	res := make([]fleetResult[T], len(targets))
	sem := make(chan struct{}, max(parallel, 1))
	var wg sync.WaitGroup
	for i, t := range targets {
		res[i].fleetTarget = t
		wg.Go(func() {
			select {
			case sem <- struct{}{}:
				defer func() { <-sem }()
			case <-ctx.Done():
			}
			if err := ctx.Err(); err != nil {
				res[i].Err, res[i].Failure = err, failError
				return
			}
			res[i].Value, res[i].Err = do(ctx, t)
			if res[i].Err != nil {
				res[i].Failure = failureOf(res[i].Err)
			}
		})
	}
	wg.Wait()
	return res
}

// fleetSummary is the error that ends a fleet run in which some contexts
// failed (exit status 1), nil when none did.
func fleetSummary[T any](res []fleetResult[T]) error {
	var failed []string
	for _, r := range res {
		if r.Err != nil {
			failed = append(failed, r.Context+" ("+r.Failure+")")
		}
	}
	if len(failed) == 0 {
		return nil
	}
	return fmt.Errorf("%d of %d contexts failed: %s: see their rows above", len(failed), len(res), strings.Join(failed, ", "))
}

// fleetRow turns a result into the context/cluster/error part of an item.
func fleetRow[T any](r fleetResult[T]) output.FleetRow {
	row := output.FleetRow{Context: r.Context, Cluster: r.Cluster}
	if r.Err != nil {
		row.Failure = r.Failure
		row.Error = strings.TrimPrefix(firstLine(r.Err.Error()), "context "+r.Context+": ")
	}
	return row
}

// fleetError keeps the error the API server or the network gave beside the
// message made from it, so that a context's row can be classified.
type fleetError struct {
	msg   error
	cause error
}

func (e *fleetError) Error() string { return e.msg.Error() }
func (e *fleetError) Unwrap() error { return e.msg }

// failureOf classifies a context's error.
func failureOf(err error) string {
	var fe *fleetError
	if errors.As(err, &fe) && fe.cause != nil {
		err = fe.cause
	}
	var (
		urlErr *url.Error
		opErr  *net.OpError
	)
	switch {
	case apierrors.IsUnauthorized(err):
		return failUnauthorized
	case apierrors.IsForbidden(err):
		return failForbidden
	case apierrors.IsNotFound(err):
		return failNotFound
	case errors.As(err, &urlErr) && strings.HasPrefix(urlErr.Err.Error(), "getting credentials:"):
		// The exec credential plugin failed: no identity to present.
		return failUnauthorized
	case errors.As(err, &urlErr), errors.As(err, &opErr):
		return failUnreachable
	}
	return failError
}

// fleetSource is the aws-auth source of one context: its own client, whose
// last raw API error is kept to classify the message made from it.
func fleetSource(t fleetTarget) (*awsAuthSource, *recordingConfigMaps, error) {
	cs, err := newClients(t.flags)
	if err != nil {
		return nil, nil, err
	}
	rec := &recordingConfigMaps{ConfigMapsGetter: cs.CoreV1()}
	return &awsAuthSource{configFlags: t.flags, ConfigMaps: rec}, rec, nil
}

// recordingConfigMaps keeps the last error of a Get.
type recordingConfigMaps struct {
	kube.ConfigMapsGetter
	mu  sync.Mutex
	err error
}

func (r *recordingConfigMaps) ConfigMaps(ns string) kube.ConfigMapInterface {
	return &recordingConfigMap{ConfigMapInterface: r.ConfigMapsGetter.ConfigMaps(ns), r: r}
}

// wrap attaches the recorded API error to msg.
func (r *recordingConfigMaps) wrap(msg error) error {
	if msg == nil {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return &fleetError{msg: msg, cause: r.err}
}

type recordingConfigMap struct {
	kube.ConfigMapInterface
	r *recordingConfigMaps
}

func (c *recordingConfigMap) Get(ctx context.Context, name string, opts metav1.GetOptions) (*kube.ConfigMap, error) {
	cm, err := c.ConfigMapInterface.Get(ctx, name, opts)
	c.r.mu.Lock()
	c.r.err = err
	c.r.mu.Unlock()
	return cm, err
}

// writeNotes writes a context's notes (warnings, notices) to w, each line
// prefixed with the context, so that the notes of contexts read at once
// never interleave.
func writeNotes(w io.Writer, ctxName, notes string) {
	for line := range strings.Lines(notes) {
		fmt.Fprintf(w, "%s: %s", ctxName, line)
	}
}
