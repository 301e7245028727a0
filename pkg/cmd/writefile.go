package cmd

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/eksaccess/kubectl-eksaccess/pkg/awsauth"
	"github.com/eksaccess/kubectl-eksaccess/pkg/kube"
	"github.com/eksaccess/kubectl-eksaccess/pkg/manifest"
)

// fileTarget is add/remove on a manifest file instead of the cluster, for
// GitOps repositories: -f FILE (or -f - for stdin), and --in-place.
type fileTarget struct {
	Filename string
	InPlace  bool
}

func (f *fileTarget) addFlags(cmd *cobra.Command) {
	cmd.Flags().StringVarP(&f.Filename, "filename", "f", "", "Edit the aws-auth ConfigMap in this manifest file ('-' for stdin) instead of the cluster: the new file goes to stdout, the diff to stderr")
	cmd.Flags().BoolVar(&f.InPlace, "in-place", false, "With -f FILE: write the result back into FILE (atomically, keeping its mode) instead of stdout")
}

func (f *fileTarget) validate(dryRun string, print *printFlags, via string) error {
	switch {
	case f.InPlace && (f.Filename == "" || f.Filename == "-"):
		return errors.New("--in-place needs -f FILE (a file, not stdin)")
	case f.Filename == "":
		return nil
	case dryRun == dryRunServer:
		return errors.New("--dry-run=server needs a cluster: with -f use --dry-run (client)")
	case !print.human():
		return errors.New("-o prints the ConfigMap written to a cluster: with -f the new file itself goes to stdout (or back into the file with --in-place)")
	case via == viaAccessEntry:
		return errors.New("-f edits aws-auth in a file, and access entries live in the cluster: drop -f, or --via access-entry and --policy/--namespace/--type")
	}
	return nil
}

// writeFile runs the same edit, guards and diff as write, on a manifest
// file: only the values of the changed data keys of the aws-auth document
// change, every other byte of the file stays. The guard for the caller's
// own entry needs a cluster and is reported as not checked.
func (w *writeOptions) writeFile(what edit, f fileTarget) error {
	src, name, mode, err := readFileTarget(f.Filename, w.In)
	if err != nil {
		return err
	}
	cm, err := kube.ReadManifest(bytes.NewReader(src))
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	doc, err := manifest.Parse(src)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	res, err := what(cm.Data)
	if err != nil {
		return err
	}
	if !res.Changed {
		fmt.Fprintf(w.ErrOut, "%s unchanged: %s\n", name, res.Summary)
		return w.emitFile(f, src, src, mode)
	}
	if res.before == nil {
		res.before = awsauth.Parse(cm.Data)
	}
	if res.after == nil {
		res.after = awsauth.Parse(res.Data)
	}
	fmt.Fprintf(w.ErrOut, "Notice: the guard for your own entry is not checked on a file (no cluster says who you are).\n")
	if risks := awsauth.LockoutRisks(res.before, res.after, nil); len(risks) > 0 && !w.Force {
		return fmt.Errorf("refusing to write %s: %s; re-run with --force if this is what you want", name, strings.Join(risks, "; "))
	}
	w.say(res.Notices, res.Warnings)
	out, err := doc.Set(cm.Data, res.Data)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	// The witness: the file reads back, as kubectl reads it, with exactly
	// the data the edit made.
	back, err := kube.ReadManifest(bytes.NewReader(out))
	if err != nil || !equalData(back.Data, res.Data) {
		return fmt.Errorf("%s: the edited file does not read back as intended: nothing was written; please report this", name)
	}
	applied, err := w.confirmAndApply(proposal{
		header:  "diff " + name,
		before:  cm.Data,
		after:   res.Data,
		diffOut: w.ErrOut,
		apply:   func() error { return w.emitFile(f, src, out, mode) },
	})
	switch {
	case err != nil:
		return err
	case !applied:
		fmt.Fprintf(w.ErrOut, "%s not written (dry run): %s\n", name, res.Summary)
		return nil
	}
	if f.InPlace {
		fmt.Fprintf(w.ErrOut, "%s written: %s\n", name, res.Summary)
	}
	return nil
}

// color is false unless a terminal check was set (files are written by
// scripts; the diff goes to stderr).
func (w *writeOptions) color() bool { return w.Color != nil && w.Color() }

// emitFile writes the new file to stdout, or back into its place.
func (w *writeOptions) emitFile(f fileTarget, old, out []byte, mode os.FileMode) error {
	if !f.InPlace {
		_, err := w.Out.Write(out)
		return err
	}
	if bytes.Equal(old, out) {
		return nil
	}
	return writeAtomic(f.Filename, out, mode)
}

func readFileTarget(name string, in io.Reader) ([]byte, string, os.FileMode, error) {
	if name == "-" {
		b, err := io.ReadAll(io.LimitReader(in, kube.MaxManifestSize+1))
		return b, "stdin", 0, err
	}
	st, err := os.Stat(name)
	if err != nil {
		return nil, "", 0, fmt.Errorf("cannot read %s: %w", name, errors.Unwrap(err))
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, "", 0, fmt.Errorf("cannot read %s: %w", name, errors.Unwrap(err))
	}
	return b, name, st.Mode().Perm(), nil
}

// writeAtomic replaces a file by a new one written beside it and renamed
// over it, so a reader (or a crash) sees the old file or the new one.
func writeAtomic(name string, b []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".eksaccess-*")
	if err != nil {
		return fmt.Errorf("cannot write %s: %w: nothing was changed", name, errors.Unwrap(err))
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("cannot write %s: %w: nothing was changed", name, err)
	}
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return fmt.Errorf("cannot write %s: %w: nothing was changed", name, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("cannot write %s: %w: nothing was changed", name, err)
	}
	if err := os.Rename(tmp.Name(), name); err != nil {
		return fmt.Errorf("cannot write %s: %w: nothing was changed", name, errors.Unwrap(err))
	}
	return nil
}
