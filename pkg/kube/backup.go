package kube

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// DefaultBackupKeep is how many backups per context are kept by default.
const DefaultBackupKeep = 20

// BackupError is a backup that could not be saved or read: a problem with
// a local directory, never with the cluster.
type BackupError struct {
	Op  string // what failed: "save a backup of aws-auth" when empty
	Dir string
	Err error
}

func (e *BackupError) Error() string {
	cause := e.Err
	var pe *fs.PathError
	if errors.As(cause, &pe) {
		cause = pe.Err // the path is Dir, or inside it
	}
	op := e.Op
	if op == "" {
		op = "save a backup of aws-auth"
	}
	return fmt.Sprintf("cannot %s in %s: %v", op, e.Dir, cause)
}

func (e *BackupError) Unwrap() error { return e.Err }

// BackupRoot is where backups go: $XDG_STATE_HOME/kubectl-eksaccess/backups,
// or ~/.local/state/kubectl-eksaccess/backups.
func BackupRoot() (string, error) {
	state := os.Getenv("XDG_STATE_HOME")
	if state == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("no home directory for backups: set XDG_STATE_HOME or pass --backup-dir: %w", err)
		}
		state = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(state, "kubectl-eksaccess", "backups"), nil
}

// Backup file names: aws-auth-<UTC time, ms>-rv<resourceVersion>-<hash>.yaml,
// where hash is the start of the SHA-256 of the manifest. The fixed-width
// time makes the names sort by age.
const (
	backupPrefix = "aws-auth-"
	backupSuffix = ".yaml"
	backupTime   = "20060102T150405.000Z"
	tempPrefix   = ".aws-auth-"
	tempSuffix   = ".tmp"
)

// SaveBackup writes cm as a manifest that `kubectl eksaccess restore` (or
// kubectl apply) can take back, under root/<context>/, readable by the
// owner only, and returns its path.
//
// Many processes may back up the same version at once (they all read the
// same resourceVersion): a backup of the same content that is already there
// is reused, and a new one is written to a temporary file and renamed into
// place, so a reader never sees half a file and two writers never fail on
// each other. Errors are *BackupError.
func SaveBackup(root, context string, cm *ConfigMap, now time.Time) (string, error) {
	dir := filepath.Join(root, safeName(context))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", &BackupError{Dir: dir, Err: err}
	}
	clean := &ConfigMap{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{
			Name: cm.Name, Namespace: cm.Namespace, Labels: cm.Labels, Annotations: cm.Annotations,
		},
		Data:       cm.Data,
		BinaryData: cm.BinaryData,
	}
	b, err := yaml.Marshal(clean)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	key := fmt.Sprintf("-rv%s-%s%s", safeName(cm.ResourceVersion), hex.EncodeToString(sum[:6]), backupSuffix)
	if same := findBackup(dir, key); same != "" {
		return same, nil
	}
	path := filepath.Join(dir, backupPrefix+now.UTC().Format(backupTime)+key)
	header := fmt.Sprintf("# Backup of %s/%s (resourceVersion %s), taken %s by kubectl-eksaccess.\n# Restore it with: kubectl eksaccess restore %s\n",
		cm.Namespace, cm.Name, cm.ResourceVersion, now.UTC().Format(time.RFC3339), path)
	if err := writeFileAtomic(path, append([]byte(header), b...)); err != nil {
		return "", &BackupError{Dir: dir, Err: err}
	}
	return path, nil
}

// writeFileAtomic writes b to a temporary file (mode 0600) next to path,
// flushes it and renames it to path.
func writeFileAtomic(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), tempPrefix+"*"+tempSuffix)
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

// PruneBackups deletes the oldest backups of context under root so that at
// most keep remain, never the one named spare (the backup just taken), and
// temporary files left for more than an hour by a process that died. keep
// <= 0 keeps everything. It returns the paths it deleted. Other processes
// may prune the same directory at once: a file already gone is no error.
func PruneBackups(root, context string, keep int, spare string, now time.Time) ([]string, error) {
	if keep <= 0 {
		return nil, nil
	}
	dir := filepath.Join(root, safeName(context))
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, &BackupError{Op: pruneOp, Dir: dir, Err: err}
	}
	var backups, removed []string
	for _, e := range entries {
		name := e.Name()
		switch {
		case e.IsDir():
		case strings.HasPrefix(name, backupPrefix) && strings.HasSuffix(name, backupSuffix):
			backups = append(backups, filepath.Join(dir, name))
		case strings.HasPrefix(name, tempPrefix) && strings.HasSuffix(name, tempSuffix):
			if info, err := e.Info(); err == nil && now.Sub(info.ModTime()) > time.Hour {
				if os.Remove(filepath.Join(dir, name)) == nil {
					removed = append(removed, filepath.Join(dir, name))
				}
			}
		}
	}
	slices.Sort(backups) // oldest first: the names start with the time
	for _, p := range backups[:max(0, len(backups)-keep)] {
		if p == spare {
			continue
		}
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return removed, &BackupError{Op: pruneOp, Dir: dir, Err: err}
		}
		removed = append(removed, p)
	}
	return removed, nil
}

const pruneOp = "prune old backups"

// findBackup returns the newest backup in dir whose name ends with key
// (same resourceVersion, same content), or "".
func findBackup(dir, key string) string {
	entries, _ := os.ReadDir(dir)
	found := ""
	for _, e := range entries {
		if n := e.Name(); strings.HasPrefix(n, backupPrefix) && strings.HasSuffix(n, key) && !e.IsDir() {
			found = n // ReadDir sorts by name, so the last is the newest
		}
	}
	if found == "" {
		return ""
	}
	return filepath.Join(dir, found)
}

// safeName makes a context name usable as one path element.
func safeName(s string) string {
	if s == "" {
		return "default"
	}
	if s == "." || s == ".." {
		return strings.Repeat("_", len(s))
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '_'
	}, s)
}
