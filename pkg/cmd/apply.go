package cmd

import (
	"fmt"
	"io"

	"github.com/eksaccess/kubectl-eksaccess/pkg/output"
)

// proposal is one change a write shows and, once confirmed, makes: to
// aws-auth in the cluster or in a manifest file, or to an access entry.
type proposal struct {
	// header heads the diff of before and after.
	header        string
	before, after map[string]string
	// diffOut is where the diff goes (default: stdout, or stderr with -o).
	diffOut io.Writer
	// question is asked before apply; "" asks nothing (a file, whose
	// review is the repository's).
	question string
	// serverDryRun says that apply itself honours --dry-run=server (the
	// API server validates the write without storing it), so the step goes
	// on to it; otherwise every dry run stops before apply (EKS has no dry
	// run).
	serverDryRun bool
	apply        func() error
}

// confirmAndApply is the one step every write ends with: show the diff,
// stop at a dry run, confirm, apply. It reports whether apply ran; a change
// the user declines ends with errNotConfirmed.
func (w *writeOptions) confirmAndApply(p proposal) (bool, error) {
	out := p.diffOut
	if out == nil {
		out = w.diffOut()
	}
	if _, err := output.Diff(out, p.header, p.before, p.after, w.color()); err != nil {
		return false, err
	}
	if w.DryRun == dryRunClient || w.DryRun == dryRunServer && !p.serverDryRun {
		return false, nil
	}
	if p.question != "" {
		if err := w.ask(p.question); err != nil {
			return false, err
		}
	}
	return true, p.apply()
}

// diffOut is where a write shows its diff: stdout, unless -o prints the
// object there.
func (w *writeOptions) diffOut() io.Writer {
	if w.Print.human() {
		return w.Out
	}
	return w.ErrOut
}

// statusOut is where a write says what it did ("configmap/aws-auth
// configured"): stdout, unless -o prints the object there.
func (w *writeOptions) statusOut() io.Writer { return w.diffOut() }

// say writes the notices and warnings of a domain result to stderr. The
// warnings a change deserves come from its result, and only from it, so
// that each is said once.
func (w *writeOptions) say(notices, warnings []string) {
	for _, n := range notices {
		fmt.Fprintf(w.ErrOut, "Notice: %s\n", n)
	}
	for _, warn := range warnings {
		fmt.Fprintf(w.ErrOut, "Warning: %s\n", warn)
	}
}
