package sandbox_test

import (
	"bytes"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/eksaccess/kubectl-eksaccess/test/sandbox"
	"github.com/eksaccess/kubectl-eksaccess/test/sandbox/fakeaws"
)

// streams runs kubectl with stdout and stderr apart.
func (h *harness) streams(args ...string) (stdout, stderr string, rc int) {
	h.t.Helper()
	cmd := exec.Command(h.kubectl, args...)
	cmd.Env = h.env
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	rc, err := exitCode(cmd.Run())
	if err != nil {
		h.t.Fatal(err)
	}
	return o.String(), e.String(), rc
}

var progressRE = regexp.MustCompile(`(?m)^Update (\S+) \(authenticationMode (\S+)\): InProgress, \d+s elapsed$`)

// describeUpdate is the update as the real AWS CLI reads it.
type cliUpdate struct {
	Update struct {
		ID     string `json:"id"`
		Status string `json:"status"`
		Type   string `json:"type"`
		Errors []struct {
			ErrorCode    string `json:"errorCode"`
			ErrorMessage string `json:"errorMessage"`
		} `json:"errors"`
	} `json:"update"`
}

// TestMigrateSwitchModeWaits: the mode update takes time in EKS. migrate
// --switch-mode tells its progress on stderr and waits: a failing update
// ends in one line with the update's errors, a slow one in one line with
// its ID and the describe-update command after --wait-timeout, a
// successful one moves on. The real AWS CLI reads the same updates.
func TestMigrateSwitchModeWaits(t *testing.T) {
	awsBin := needAWS(t)
	seed, err := sandbox.DefaultSeed("user", fakeaws.ModeConfigMap)
	if err != nil {
		t.Fatal(err)
	}
	h := startSeed(t, seed)
	h.warm()
	mode := func() string {
		v, _ := h.sb.State.Cluster(sandbox.ClusterName)
		return v.Mode
	}
	cli := func(id string) cliUpdate {
		var u cliUpdate
		h.awsJSON(awsBin, &u, "eks", "describe-update", "--name", sandbox.ClusterName, "--update-id", id, "--profile", "cluster_creator", "--region", sandbox.Region)
		return u
	}
	migrate := []string{"eksaccess", "--context", "cluster_creator", "migrate", "--approve"}
	oneError := func(stderr string) string {
		t.Helper()
		var errs []string
		for _, l := range strings.Split(strings.TrimSpace(stderr), "\n") {
			if strings.HasPrefix(l, "error: ") {
				errs = append(errs, l)
			}
		}
		if len(errs) != 1 {
			t.Fatalf("want one error line, got %d:\n%s", len(errs), stderr)
		}
		return errs[0]
	}

	t.Run("failure", func(t *testing.T) {
		h.sb.State.SetUpdateBehavior(time.Second, fakeaws.UpdateError{Code: "OperationNotPermitted", Message: "The cluster role is missing a permission."})
		stdout, stderr, rc := h.streams(append(migrate, "--switch-mode")...)
		m := progressRE.FindStringSubmatch(stderr)
		if rc != 1 || m == nil || m[2] != fakeaws.ModeAPIAndConfigMap {
			t.Fatalf("exit %d, progress %v\nstdout:\n%s\nstderr:\n%s", rc, m, stdout, stderr)
		}
		id := m[1]
		want := "error: switching cluster sandbox to API_AND_CONFIG_MAP: update " + id + " of cluster sandbox failed: OperationNotPermitted: The cluster role is missing a permission.; see 'aws eks describe-update --name sandbox --update-id " + id + "', fix the cause and re-run"
		if got := oneError(stderr); got != want {
			t.Errorf("got  %s\nwant %s", got, want)
		}
		if mode() != fakeaws.ModeConfigMap {
			t.Errorf("a failed update moved the mode to %s", mode())
		}
		if u := cli(id); u.Update.Status != "Failed" || len(u.Update.Errors) != 1 || u.Update.Errors[0].ErrorCode != "OperationNotPermitted" {
			t.Errorf("aws eks describe-update: %+v", u)
		}
	})
	t.Run("success", func(t *testing.T) {
		h.sb.State.SetUpdateBehavior(3 * time.Second)
		stdout, stderr, rc := h.streams(append(migrate, "--switch-mode")...)
		m := progressRE.FindStringSubmatch(stderr)
		if rc != 0 || m == nil {
			t.Fatalf("exit %d, progress %v\nstdout:\n%s\nstderr:\n%s", rc, m, stdout, stderr)
		}
		if !strings.Contains(stderr, "Update "+m[1]+": Successful: cluster sandbox is in API_AND_CONFIG_MAP mode.") || strings.Contains(stdout, "Update ") {
			t.Errorf("progress and outcome belong on stderr only:\nstdout:\n%s\nstderr:\n%s", stdout, stderr)
		}
		if mode() != fakeaws.ModeAPIAndConfigMap {
			t.Errorf("mode %s after a successful update", mode())
		}
		if u := cli(m[1]); u.Update.Status != "Successful" || u.Update.Type != "AccessConfigUpdate" || len(u.Update.Errors) != 0 {
			t.Errorf("aws eks describe-update: %+v", u)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		h.sb.State.SetUpdateBehavior(time.Hour)
		start := time.Now()
		stdout, stderr, rc := h.streams(append(migrate, "--switch-mode=API", "--force", "--wait-timeout", "3s")...)
		m := progressRE.FindStringSubmatch(stderr)
		if rc != 1 || m == nil || m[2] != fakeaws.ModeAPI {
			t.Fatalf("exit %d, progress %v\nstdout:\n%s\nstderr:\n%s", rc, m, stdout, stderr)
		}
		if took := time.Since(start); took > 30*time.Second {
			t.Errorf("--wait-timeout 3s took %s", took)
		}
		id := m[1]
		want := "error: update " + id + " of cluster sandbox is still InProgress after 3s: it goes on in EKS; follow it with 'aws eks describe-update --name sandbox --update-id " + id + "'"
		if got := oneError(stderr); got != want {
			t.Errorf("got  %s\nwant %s", got, want)
		}
		if u := cli(id); u.Update.Status != "InProgress" {
			t.Errorf("aws eks describe-update: %+v", u)
		}
		var l struct {
			UpdateIDs []string `json:"updateIds"`
		}
		h.awsJSON(awsBin, &l, "eks", "list-updates", "--name", sandbox.ClusterName, "--profile", "cluster_creator", "--region", sandbox.Region)
		if len(l.UpdateIDs) != 3 || l.UpdateIDs[0] != id {
			t.Errorf("aws eks list-updates: %v, want 3 updates, newest %s first", l.UpdateIDs, id)
		}
	})
}
