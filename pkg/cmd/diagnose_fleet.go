package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	"k8s.io/client-go/rest"

	"github.com/eksaccess/kubectl-eksaccess/pkg/diagnose"
	"github.com/eksaccess/kubectl-eksaccess/pkg/kube"
	"github.com/eksaccess/kubectl-eksaccess/pkg/output"
)

// This file is `diagnose --arn X --all-contexts`: where can X get in, and
// as whom? The same gathering and diagnosis as for one context, run for
// every selected context at once.

// validateFleet checks the flags of a fleet diagnosis.
func (o *DiagnoseOptions) validateFleet() error {
	if err := o.Fleet.validate(o.Filename); err != nil {
		return err
	}
	switch {
	case !o.Fleet.enabled():
		return nil
	case o.sso.PermissionSet != "":
		return errors.New("--sso-permission-set finds one account's role and excludes --all-contexts, --contexts and --context-pattern: pass each role's --arn")
	case o.ARN == "":
		return errors.New("--all-contexts, --contexts and --context-pattern diagnose another principal in each context: pass --arn")
	case o.AdminContext != "":
		return errors.New("--admin-context names one context and excludes --all-contexts, --contexts and --context-pattern: each context is read with its own user")
	case o.ClusterName != "":
		return errors.New("--cluster-name names one EKS cluster and excludes --all-contexts, --contexts and --context-pattern: each context's exec plugin names its own")
	}
	return nil
}

// runFleet diagnoses --arn in every selected context and prints one row
// each. Exit status: 0 when all answer authorized, 1 when one answers
// unauthorized or forbidden, 2 when one could not be diagnosed.
func (o *DiagnoseOptions) runFleet(ctx context.Context) error {
	targets, err := o.Fleet.targets()
	if err != nil {
		return &ExitError{Code: 2, Err: err}
	}
	res := runFleet(ctx, targets, o.Fleet.Parallel, func(ctx context.Context, t fleetTarget) (fleetDiagnosis, error) {
		probe := &awsAuthProbe{}
		wrap := t.flags.WrapConfigFn
		t.flags.WrapConfigFn = func(c *rest.Config) *rest.Config {
			if wrap != nil {
				c = wrap(c)
			}
			c.Wrap(probe.wrap)
			return c
		}
		one := *o
		one.configFlags, one.ErrOut = t.flags, io.Discard
		snap, err := one.gather(ctx, nil)
		if err != nil {
			return fleetDiagnosis{}, err
		}
		d := fleetDiagnosis{report: diagnose.Diagnose(snap), failure: probe.failure()}
		if snap.AWSAuth != nil {
			d.awsAuthErr = snap.AWSAuth.Err
		}
		return d, nil
	})
	l := output.NewFleetDiagnosisList()
	code := 0
	var undiagnosed []string
	for _, r := range res {
		row := fleetRow(r)
		if r.Err != nil {
			l.Items = append(l.Items, output.FleetDiagnosis{FleetRow: row})
			undiagnosed = append(undiagnosed, r.Context+" ("+r.Failure+")")
			continue
		}
		rep := r.Value.report
		if rep.Groups == nil {
			rep.Groups = []string{}
		}
		switch rep.Verdict {
		case diagnose.Authorized:
		case diagnose.Unauthorized, diagnose.Forbidden:
			code = max(code, 1)
		default:
			// The context could not be read: say why, as list does.
			row.Failure, row.Error = r.Value.failure, strings.TrimPrefix(r.Value.awsAuthErr, "context "+r.Context+": ")
			if row.Failure == "" || row.Error == "" {
				row.Failure, row.Error = failError, rep.Cause
			}
			undiagnosed = append(undiagnosed, r.Context+" ("+row.Failure+")")
		}
		l.Items = append(l.Items, output.FleetDiagnosis{FleetRow: row, Report: &rep})
	}
	if !o.Print.human() {
		err = o.Print.print(o.Out, l)
	} else {
		err = output.FleetDiagnosisTable(o.Out, l.Items)
	}
	if err != nil {
		return &ExitError{Code: 2, Err: err}
	}
	if len(undiagnosed) > 0 {
		return &ExitError{Code: 2, Err: fmt.Errorf("%d of %d contexts could not be diagnosed: %s: see their rows above", len(undiagnosed), len(res), strings.Join(undiagnosed, ", "))}
	}
	if code != 0 {
		return &ExitError{Code: code}
	}
	return nil
}

// fleetDiagnosis is the answer of one context, and why it could not be
// read when it could not.
type fleetDiagnosis struct {
	report     diagnose.Report
	failure    string
	awsAuthErr string
}

// awsAuthProbe records how the request for aws-auth ended, to classify a
// context whose diagnosis is unknown (unreachable, unauthorized...).
type awsAuthProbe struct {
	mu     sync.Mutex
	status int
	err    error
}

func (p *awsAuthProbe) wrap(rt http.RoundTripper) http.RoundTripper {
	return roundTripperFunc(func(r *http.Request) (*http.Response, error) {
		resp, err := rt.RoundTrip(r)
		if strings.HasSuffix(r.URL.Path, "/namespaces/"+kube.Namespace+"/configmaps/"+kube.ConfigMapName) {
			p.mu.Lock()
			p.err, p.status = err, 0
			if resp != nil {
				p.status = resp.StatusCode
			}
			p.mu.Unlock()
		}
		return resp, err
	})
}

// failure classifies the last request for aws-auth; "" when it succeeded
// or was not made.
func (p *awsAuthProbe) failure() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.err != nil && strings.Contains(p.err.Error(), "getting credentials"):
		return failUnauthorized
	case p.err != nil:
		return failUnreachable
	case p.status == http.StatusUnauthorized:
		return failUnauthorized
	case p.status == http.StatusForbidden:
		return failForbidden
	case p.status == http.StatusNotFound:
		return failNotFound
	case p.status >= 400:
		return failError
	}
	return ""
}

type roundTripperFunc func(*http.Request) (*http.Response, error)

func (f roundTripperFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
