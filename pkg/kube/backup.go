package kube

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// BackupRoot is where backups go: $XDG_STATE_HOME/kubectl-eksaccess/backups,
// or ~/.local/state/kubectl-eksaccess/backups.
func BackupRoot() (string, error) {
	state := os.Getenv("XDG_STATE_HOME")
	if state == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("no home directory for backups: set XDG_STATE_HOME: %w", err)
		}
		state = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(state, "kubectl-eksaccess", "backups"), nil
}

// SaveBackup writes cm as a manifest that `kubectl eksaccess restore` (or
// kubectl apply) can take back, under root/<context>/, readable by the
// owner only, and returns its path.
func SaveBackup(root, context string, cm *corev1.ConfigMap, now time.Time) (string, error) {
	dir := filepath.Join(root, safeName(context))
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("creating the backup directory: %w", err)
	}
	clean := &corev1.ConfigMap{
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
	header := fmt.Sprintf("# Backup of %s/%s (resourceVersion %s), taken %s by kubectl-eksaccess.\n# Restore it with: kubectl eksaccess restore %%s\n",
		cm.Namespace, cm.Name, cm.ResourceVersion, now.UTC().Format(time.RFC3339))
	name := fmt.Sprintf("aws-auth-%s-rv%s.yaml", now.UTC().Format("20060102T150405.000Z"), safeName(cm.ResourceVersion))
	path := filepath.Join(dir, name)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", fmt.Errorf("writing the backup: %w", err)
	}
	if _, err := fmt.Fprintf(f, header, path); err != nil {
		f.Close()
		return "", err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return "", err
	}
	return path, f.Close()
}

// safeName makes a context name usable as one path element.
func safeName(s string) string {
	if s == "" {
		return "default"
	}
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			return r
		}
		return '_'
	}, s)
}
