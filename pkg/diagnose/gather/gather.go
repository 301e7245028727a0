// Package gather collects the facts of a diagnose.Snapshot: the kubeconfig
// user's exec plugin and its token, STS, EKS (the cluster, access entries),
// IAM, aws-auth and RBAC. It reaches them only through the small interfaces
// of clients.go, makes every call that does not wait for another at once,
// and reports each step as it completes through Options.Progress.
// diagnose.Diagnose then decides from the snapshot alone.
package gather

import (
	"fmt"
	"sync"
	"time"

	"github.com/eksaccess/kubectl-eksaccess/pkg/awsauth"
	"github.com/eksaccess/kubectl-eksaccess/pkg/diagnose"
)

// Options say what to gather, as the diagnose command's flags do.
type Options struct {
	// ARN is the principal to diagnose; empty for the identity kubectl
	// uses (the exec plugin's).
	ARN string
	// Mode is the cluster's authentication mode when it cannot be read.
	Mode string
	// AdminContext names the context of Clients.Admin, for the fixes.
	AdminContext string
	// ClusterName, Region and Profile override the exec plugin's.
	ClusterName, Region, Profile string
	// Verb, Resource and Namespace are the request RBAC is asked about.
	Verb, Resource, Namespace string

	// Now is the clock a token's age is judged by; time.Now when nil.
	Now func() time.Time
	// Progress is told of each step as it completes, one call at a time.
	Progress func(Step)
	// AWSError and APIError turn errors into the one-line messages the
	// user reads (what failed and the fix); the error as it is when nil.
	AWSError func(err error) error
	APIError func(err error, where, verb string) error
}

// Status is how a step went.
type Status int

const (
	OK      Status = iota // done
	Failed                // it says why the identity is refused
	Warning               // not checked, or a fact worth knowing
)

// Step is one line of progress.
type Step struct {
	Status Status
	Text   string
}

// Clients are what a live gathering reads through.
type Clients struct {
	// User is the context under test.
	User *Context
	// Admin reads aws-auth and RBAC; nil for User.
	Admin *Context
	// NewAWS builds the AWS clients; LoadAWS when nil.
	NewAWS NewAWS
	// Exec is User's exec plugin, already running (StartExec); nil to run
	// it when gathering.
	Exec *EarlyExec
}

// Offline is the snapshot of --arn with aws-auth read from a file: data
// and where it came from, or the error reading it.
func Offline(o Options, data map[string]string, where string, err error) diagnose.Snapshot {
	p := newProgress(o)
	snap := diagnose.Snapshot{Subject: o.ARN, Mode: o.Mode, AsMyself: false}
	if snap.Mode == "" {
		snap.Mode = diagnose.ModeConfigMap
	}
	snap.AWSAuth = &diagnose.AWSAuth{Step: diagnose.Step{Ran: true}, Source: where}
	if err != nil {
		snap.AWSAuth.Err = err.Error()
		p.fail("aws-auth: %v", err)
	} else {
		snap.AWSAuth.Map, snap.AWSAuth.Data = awsauth.Parse(data), data
		p.ok("aws-auth read from %s (%d entries)", where, len(snap.AWSAuth.Map.Entries))
	}
	p.warn("offline: EKS, STS and RBAC not checked (mode %s assumed)", snap.Mode)
	return snap
}

// progress serialises the calls of Options.Progress.
type progress struct {
	mu sync.Mutex
	f  func(Step)
	// held keeps the steps instead (f is nil): the steps of a speculative
	// call, told (replayTo) only if its answer is used.
	held *[]Step
}

func newProgress(o Options) *progress { return &progress{f: o.Progress} }

// hold is a progress that keeps its steps until replayTo.
func hold() *progress { return &progress{held: &[]Step{}} }

func (p *progress) step(s Status, format string, args ...any) {
	if p.f == nil && p.held == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.held != nil {
		*p.held = append(*p.held, Step{Status: s, Text: fmt.Sprintf(format, args...)})
		return
	}
	p.f(Step{Status: s, Text: fmt.Sprintf(format, args...)})
}

// replayTo tells to the steps a held progress kept.
func (p *progress) replayTo(to *progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, s := range *p.held {
		to.step(s.Status, "%s", s.Text)
	}
}

func (p *progress) ok(format string, args ...any)   { p.step(OK, format, args...) }
func (p *progress) fail(format string, args ...any) { p.step(Failed, format, args...) }
func (p *progress) warn(format string, args ...any) { p.step(Warning, format, args...) }

// future is the result of a step running on its own goroutine.
type future[T any] struct {
	done chan struct{}
	v    T
}

func async[T any](f func() T) *future[T] {
	ft := &future[T]{done: make(chan struct{})}
	go func() {
		defer close(ft.done)
		ft.v = f()
	}()
	return ft
}

func (f *future[T]) get() T {
	<-f.done
	return f.v
}

func ready[T any](v T) *future[T] {
	ft := &future[T]{done: make(chan struct{}), v: v}
	close(ft.done)
	return ft
}
