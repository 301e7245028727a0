package cmd

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// TestConfirmAndApply: the one step of every write shows the diff, stops
// at a dry run (a server dry run only where apply cannot honour it), asks,
// and applies only when confirmed.
func TestConfirmAndApply(t *testing.T) {
	for _, tc := range []struct {
		name         string
		dryRun       string
		yes          bool
		serverDryRun bool
		question     string
		stdin        string
		terminal     bool
		applied      bool
		err          error
	}{
		{name: "yes", dryRun: dryRunNone, yes: true, question: "Write?", applied: true},
		{name: "client dry run", dryRun: dryRunClient, yes: true, question: "Write?"},
		{name: "server dry run, apply honours it", dryRun: dryRunServer, yes: true, serverDryRun: true, question: "Write?", applied: true},
		{name: "server dry run, apply cannot", dryRun: dryRunServer, yes: true, question: "Write?"},
		{name: "no terminal", dryRun: dryRunNone, question: "Write?", err: errNotConfirmed},
		{name: "answered y", dryRun: dryRunNone, question: "Write?", terminal: true, stdin: "y\n", applied: true},
		{name: "answered n", dryRun: dryRunNone, question: "Write?", terminal: true, stdin: "n\n", err: errNotConfirmed},
		{name: "nothing to ask (a file)", dryRun: dryRunNone, applied: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			w := newWriteOptions(nil, genericiooptions.IOStreams{In: strings.NewReader(tc.stdin), Out: &out, ErrOut: &errOut})
			w.DryRun, w.Yes = tc.dryRun, tc.yes
			w.Terminal = func() bool { return tc.terminal }
			ran := false
			applied, err := w.confirmAndApply(proposal{
				header: "diff x", before: map[string]string{"k": "a\n"}, after: map[string]string{"k": "b\n"},
				question: tc.question, serverDryRun: tc.serverDryRun,
				apply: func() error { ran = true; return nil },
			})
			if applied != tc.applied || ran != tc.applied || !errors.Is(err, tc.err) {
				t.Errorf("applied %v, apply ran %v, err %v; want applied %v, err %v", applied, ran, err, tc.applied, tc.err)
			}
			if !strings.Contains(out.String(), "diff x") || !strings.Contains(out.String(), "+b") {
				t.Errorf("no diff on stdout:\n%s", out.String())
			}
		})
	}
}
