package kube

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func testCM(rv, roles string) *ConfigMap {
	return &ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: ConfigMapName, Namespace: Namespace, ResourceVersion: rv},
		Data:       map[string]string{"mapRoles": roles},
	}
}

func backupFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

// Fifty writers that read the same resourceVersion in the same millisecond
// all get a backup, and there is one file, complete and private.
func TestSaveBackupSameVersionAtOnce(t *testing.T) {
	root := t.TempDir()
	now := time.Date(2026, 11, 28, 10, 15, 0, 123e6, time.UTC)
	cm := testCM("4242", "- rolearn: arn:aws:iam::111122223333:role/A\n")
	const n = 50
	paths := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { paths[i], errs[i] = SaveBackup(root, "prod", cm, now) })
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("writer %d: %v", i, errs[i])
		}
		if paths[i] != paths[0] {
			t.Errorf("writer %d got %s, writer 0 got %s", i, paths[i], paths[0])
		}
	}
	if files := backupFiles(t, filepath.Join(root, "prod")); len(files) != 1 {
		t.Fatalf("want one backup file and no temporary file left, got %v", files)
	}
	st, err := os.Stat(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode().Perm())
	}
	f, err := os.Open(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	back, err := ReadManifest(f)
	if err != nil {
		t.Fatalf("the backup is not a manifest restore can read: %v", err)
	}
	if back.Data["mapRoles"] != cm.Data["mapRoles"] {
		t.Errorf("backup data %q, want %q", back.Data["mapRoles"], cm.Data["mapRoles"])
	}
	if !strings.HasPrefix(filepath.Base(paths[0]), "aws-auth-20261128T101500.123Z-rv4242-") {
		t.Errorf("unexpected name %s", paths[0])
	}
	// Later, the same version again: the file is reused.
	again, err := SaveBackup(root, "prod", cm, now.Add(time.Minute))
	if err != nil || again != paths[0] {
		t.Errorf("same version a minute later: %s, %v; want the existing %s", again, err, paths[0])
	}
}

// The same resourceVersion with other content (a context now pointing at a
// recreated cluster) is another backup, not the old file.
func TestSaveBackupSameVersionOtherContent(t *testing.T) {
	root := t.TempDir()
	now := time.Now()
	a, err := SaveBackup(root, "prod", testCM("7", "a: 1\n"), now)
	if err != nil {
		t.Fatal(err)
	}
	b, err := SaveBackup(root, "prod", testCM("7", "b: 2\n"), now)
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Fatalf("two contents share the backup %s", a)
	}
	if got := backupFiles(t, filepath.Join(root, "prod")); len(got) != 2 {
		t.Errorf("want two backups, got %v", got)
	}
}

// A backup directory that cannot be made is a *BackupError naming it.
func TestSaveBackupUnwritable(t *testing.T) {
	root := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(root, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := SaveBackup(root, "prod", testCM("1", ""), time.Now())
	var be *BackupError
	if !errors.As(err, &be) {
		t.Fatalf("want a *BackupError, got %T %v", err, err)
	}
	want := "cannot save a backup of aws-auth in " + filepath.Join(root, "prod") + ": not a directory"
	if err.Error() != want {
		t.Errorf("got  %q\nwant %q", err.Error(), want)
	}
}

func TestPruneBackups(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "ctx")
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var saved []string
	for i := range 25 {
		p, err := SaveBackup(root, "ctx", testCM(fmt.Sprint(100+i), fmt.Sprintf("v: %d\n", i)), t0.Add(time.Duration(i)*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		saved = append(saved, p)
	}
	// Files that are not backups are never touched; an old temporary file
	// left by a dead process is.
	for _, name := range []string{"notes.txt", "aws-auth-keep-me.json"} {
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	oldTmp, newTmp := filepath.Join(dir, ".aws-auth-1.tmp"), filepath.Join(dir, ".aws-auth-2.tmp")
	for _, p := range []string{oldTmp, newTmp} {
		if err := os.WriteFile(p, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Now()
	if err := os.Chtimes(oldTmp, now.Add(-2*time.Hour), now.Add(-2*time.Hour)); err != nil {
		t.Fatal(err)
	}

	if removed, err := PruneBackups(root, "ctx", 0, "", now); err != nil || len(removed) != 0 {
		t.Fatalf("keep 0 must keep everything: removed %v, %v", removed, err)
	}
	// The oldest backup is the one just taken (a reused backup is old): it
	// is spared, and the next five oldest go.
	removed, err := PruneBackups(root, "ctx", 20, saved[0], now)
	if err != nil {
		t.Fatal(err)
	}
	want := append([]string{oldTmp}, saved[1:5]...)
	if !slices.Equal(removed, want) {
		t.Errorf("removed\n%v\nwant\n%v", removed, want)
	}
	left := backupFiles(t, dir)
	wantLeft := []string{".aws-auth-2.tmp", "aws-auth-keep-me.json", "notes.txt"}
	wantLeft = append(wantLeft, filepath.Base(saved[0]))
	for _, p := range saved[5:] {
		wantLeft = append(wantLeft, filepath.Base(p))
	}
	slices.Sort(wantLeft)
	if !slices.Equal(left, wantLeft) {
		t.Errorf("left\n%v\nwant\n%v", left, wantLeft)
	}
	// Without a spare the directory holds exactly keep backups.
	if _, err := PruneBackups(root, "ctx", 20, "", now); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, name := range backupFiles(t, dir) {
		if strings.HasPrefix(name, "aws-auth-") && strings.HasSuffix(name, ".yaml") {
			n++
		}
	}
	if n != 20 {
		t.Errorf("%d backups left, want 20", n)
	}
	// A context with no backups yet is no error.
	if _, err := PruneBackups(root, "never", 20, "", now); err != nil {
		t.Errorf("pruning a missing directory: %v", err)
	}
}

func TestSafeName(t *testing.T) {
	for in, want := range map[string]string{"": "default", ".": "_", "..": "__", "arn:aws:eks:eu-west-1:1:cluster/prod": "arn_aws_eks_eu-west-1_1_cluster_prod", "kind-x.y": "kind-x.y"} {
		if got := safeName(in); got != want {
			t.Errorf("safeName(%q) = %q, want %q", in, got, want)
		}
	}
}
