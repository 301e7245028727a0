package gather

import (
	"context"
	"time"

	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/eksaccess/kubectl-eksaccess/pkg/kube"
)

// EarlyExec is a run of the user's exec plugin started before the
// gathering (StartExec), as soon as the kubeconfig has named it, so that
// its token is ready sooner: Live takes its result instead of running the
// plugin again.
type EarlyExec struct {
	cfg    *clientcmdapi.ExecConfig
	server string
	done   chan struct{}
	res    kube.ExecResult
	err    error
}

// StartExec starts an exec plugin, for the server, as kubectl does
// (kube.RunExec), before it returns, and reads its answer on its own
// goroutine. Cancelling ctx ends it.
func StartExec(ctx context.Context, cfg *clientcmdapi.ExecConfig, server string) *EarlyExec {
	e := &EarlyExec{cfg: cfg, server: server, done: make(chan struct{})}
	start := time.Now()
	wait := kube.StartExec(ctx, cfg, server)
	go func() {
		defer close(e.done)
		e.res, e.err = wait()
		logExec(cfg.Command, start)
	}()
	return e
}

// execPlugin runs an exec plugin, or waits for the early run of the same.
func (g *run) execPlugin(ctx context.Context, cfg *clientcmdapi.ExecConfig, server string) (kube.ExecResult, error) {
	if e := g.early; e != nil && e.cfg == cfg && e.server == server {
		<-e.done
		return e.res, e.err
	}
	start := time.Now()
	defer logExec(cfg.Command, start)
	return kube.RunExec(ctx, cfg, server)
}
