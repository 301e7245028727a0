package sandbox_test

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"

	"github.com/eksaccess/kubectl-eksaccess/test/sandbox"
	"github.com/eksaccess/kubectl-eksaccess/test/sandbox/fakeaws"
)

// limitedUser is the IAM user whose policy each permission check sets; the
// plugin calls AWS as it with --profile limited, and Kubernetes as the
// cluster creator (whose bootstrap access entry makes it an admin).
const (
	limitedName = "limited"
	limitedUser = "arn:aws:iam::111122223333:user/" + limitedName
	clusterARN  = "arn:aws:eks:us-east-1:111122223333:cluster/sandbox"
)

// The rows of the README's "Permissions each verb needs" table (AWS IAM
// column) are sandbox.VerbPermissions, one seeded user each. diagnose
// reads iam:GetUser for the age of the principal (a stale entry): refused,
// it says the stale-entry check was not made, naming the permission.
var (
	permsAdd    = sandbox.Permission("can_add_entry").Actions
	permsSwitch = sandbox.Permission("can_switch_mode").Actions
)

// missingRE reads the plugin's one-line refusal.
var missingRE = regexp.MustCompile(`missing AWS permission (\S+) on (arn:aws:(?:eks|iam):\S*|\*):`)

// permissionCheck is one verb run as limited.
type permissionCheck struct {
	t     *testing.T
	h     *harness
	name  string
	args  []string
	reset func() // puts the cluster back before each run
	rc    int    // the exit status when permitted (diagnose: its verdict)
}

func (c permissionCheck) run(perms []string) (string, int) {
	c.t.Helper()
	var p *fakeaws.Policy
	if perms != nil {
		p = fakeaws.Allow(perms...)
	} else {
		p = &fakeaws.Policy{Statement: []fakeaws.Statement{}}
	}
	if err := c.h.sb.State.SetPolicy(limitedUser, p); err != nil {
		c.t.Fatal(err)
	}
	if c.reset != nil {
		c.reset()
	}
	return c.h.output(append(slices.Clone(c.args), "--profile", limitedName)...)
}

// runAs runs the verb as a seeded user, with its own policy.
func (c permissionCheck) runAs(user string) (string, int) {
	c.t.Helper()
	if c.reset != nil {
		c.reset()
	}
	return c.h.output(append(slices.Clone(c.args), "--profile", user)...)
}

// discover starts with no permission and adds the one each refusal names
// until the verb works; it returns them in the order named.
func (c permissionCheck) discover() []string {
	c.t.Helper()
	var have []string
	for range 20 {
		out, rc := c.run(have)
		m := missingRE.FindStringSubmatch(out)
		if m == nil {
			if rc != c.rc || strings.Contains(out, "AccessDenied") {
				c.t.Fatalf("%s with %v: exit %d without naming a missing permission:\n%s", c.name, have, rc, out)
			}
			return have
		}
		for _, l := range strings.Split(out, "\n") {
			if strings.Contains(l, m[0]) && strings.Count(l, "missing AWS permission") != 1 {
				c.t.Errorf("%s: the refusal is not one line naming one permission: %q", c.name, l)
			}
		}
		if slices.Contains(have, m[1]) {
			c.t.Fatalf("%s: names %s although the policy allows it:\n%s", c.name, m[1], out)
		}
		have = append(have, m[1])
	}
	c.t.Fatalf("%s: still refused after 20 permissions: %v", c.name, have)
	return nil
}

// check proves want, the row of the seeded user row, is exactly what the
// verb needs; the seeded user with exactly the row succeeds, the one with
// no permission is refused naming the first.
func (c permissionCheck) check(row string) {
	c.t.Helper()
	want := sandbox.Permission(row).Actions
	got := c.discover()
	c.t.Logf("%s: the plugin named, in order: %s", c.name, strings.Join(got, ", "))
	if !sameSet(got, want) {
		c.t.Errorf("%s needs %v, the table says %v", c.name, got, want)
	}
	for _, p := range want {
		out, _ := c.run(without(want, p))
		if m := missingRE.FindStringSubmatch(out); m == nil || m[1] != p {
			c.t.Errorf("%s without %s: the plugin does not name it:\n%s", c.name, p, out)
		}
	}
	if out, rc := c.run(want); rc != c.rc || strings.Contains(out, "missing AWS permission") {
		c.t.Errorf("%s with exactly %v: exit %d:\n%s", c.name, want, rc, out)
	}
	if out, rc := c.runAs(row); rc != c.rc || strings.Contains(out, "missing AWS permission") {
		c.t.Errorf("%s as the seeded user %s: exit %d:\n%s", c.name, row, rc, out)
	}
	if out, _ := c.runAs("no_permissions"); !strings.Contains(out, "missing AWS permission "+got[0]+" on ") {
		c.t.Errorf("%s as no_permissions: %s not named:\n%s", c.name, got[0], out)
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

func without(s []string, drop string) []string {
	var out []string
	for _, v := range s {
		if v != drop {
			out = append(out, v)
		}
	}
	return out
}

func union(sets ...[]string) []string {
	var out []string
	for _, s := range sets {
		for _, v := range s {
			if !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
	}
	return out
}

func limitedSeed(t *testing.T) *fakeaws.Seed {
	t.Helper()
	seed, err := sandbox.DefaultSeed("user", fakeaws.ModeAPIAndConfigMap)
	if err != nil {
		t.Fatal(err)
	}
	seed.Users = append(seed.Users, fakeaws.SeedUser{Name: limitedName, Policy: &fakeaws.Policy{Statement: []fakeaws.Statement{}}})
	return sandbox.WithPermissionUsers(seed)
}

// dropEntries deletes every access entry but the creator's.
func dropEntries(t *testing.T, c *eks.Client) {
	t.Helper()
	ctx := context.Background()
	out, err := c.ListAccessEntries(ctx, &eks.ListAccessEntriesInput{ClusterName: aws.String(sandbox.ClusterName)})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range out.AccessEntries {
		if a == sandbox.CreatorUser {
			continue
		}
		if _, err := c.DeleteAccessEntry(ctx, &eks.DeleteAccessEntryInput{ClusterName: aws.String(sandbox.ClusterName), PrincipalArn: aws.String(a)}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestPermissionsEachVerbNeeds runs every verb that calls AWS as a user
// with no permission, then with the permissions the plugin names one at a
// time: each refusal is one line naming the permission and its resource,
// the set found is the README's row, and without any one of them the verb
// fails naming it.
func TestPermissionsEachVerbNeeds(t *testing.T) {
	h := startSeed(t, limitedSeed(t))
	h.warm()
	admin := eks.NewFromConfig(h.sdk("cluster_creator"))
	ctx := context.Background()
	kube := []string{"eksaccess", "--context", "cluster_creator"}
	viewer := func() {
		dropEntries(t, admin)
		if _, err := admin.CreateAccessEntry(ctx, &eks.CreateAccessEntryInput{ClusterName: aws.String(sandbox.ClusterName), PrincipalArn: aws.String(sandbox.DesignatedUser)}); err != nil {
			t.Fatal(err)
		}
		if _, err := admin.AssociateAccessPolicy(ctx, &eks.AssociateAccessPolicyInput{ClusterName: aws.String(sandbox.ClusterName), PrincipalArn: aws.String(sandbox.DesignatedUser),
			PolicyArn: aws.String("arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"), AccessScope: &ekstypes.AccessScope{Type: ekstypes.AccessScopeTypeCluster}}); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("list", func(t *testing.T) {
		permissionCheck{t: t, h: h, name: "list", args: append(slices.Clone(kube), "list"), reset: viewer}.check("can_list")
	})
	t.Run("add --via access-entry", func(t *testing.T) {
		permissionCheck{t: t, h: h, name: "add --via access-entry", reset: func() { dropEntries(t, admin) },
			args: append(slices.Clone(kube), "add", sandbox.DesignatedUser, "--via", "access-entry", "--policy", "AmazonEKSViewPolicy", "--yes")}.check("can_add_entry")
	})
	t.Run("remove --via access-entry", func(t *testing.T) {
		permissionCheck{t: t, h: h, name: "remove --via access-entry", reset: viewer,
			args: append(slices.Clone(kube), "remove", sandbox.DesignatedUser, "--via", "access-entry", "--yes")}.check("can_remove_entry")
	})
	t.Run("add to an existing entry", func(t *testing.T) {
		permissionCheck{t: t, h: h, name: "add --group to an existing entry", reset: viewer,
			args: append(slices.Clone(kube), "add", sandbox.DesignatedUser, "--via", "access-entry", "--group", "devs", "--yes")}.check("can_update_entry")
	})
	t.Run("remove --policy", func(t *testing.T) {
		permissionCheck{t: t, h: h, name: "remove --policy", reset: viewer,
			args: append(slices.Clone(kube), "remove", sandbox.DesignatedUser, "--via", "access-entry", "--policy", "AmazonEKSViewPolicy", "--yes")}.check("can_remove_policy")
	})
	t.Run("diagnose", func(t *testing.T) {
		// designated_user's entry has AmazonEKSViewPolicy: it may list pods
		// (the default probe), which the access review about another
		// principal cannot see (RBAC only): authorized, exit 0.
		permissionCheck{t: t, h: h, name: "diagnose", reset: viewer, rc: 0,
			args: append(slices.Clone(kube), "diagnose", "--arn", sandbox.DesignatedUser)}.check("can_diagnose")
	})
	t.Run("migrate --approve", func(t *testing.T) {
		h.run(0, "eksaccess", "--context", "cluster_creator", "add", sandbox.DesignatedUser, "--group", "viewers", "--yes")
		permissionCheck{t: t, h: h, name: "migrate --approve", reset: func() { dropEntries(t, admin) },
			args: append(slices.Clone(kube), "migrate", "--approve")}.check("can_migrate")
	})
	t.Run("migrate --switch-mode", func(t *testing.T) {
		// One way only: the switch to API is made once, last.
		c := permissionCheck{t: t, h: h, name: "migrate --switch-mode=API", args: append(slices.Clone(kube), "migrate", "--approve", "--switch-mode=API", "--force")}
		out, _ := c.run(without(permsSwitch, "eks:UpdateClusterConfig"))
		if m := missingRE.FindStringSubmatch(out); m == nil || m[1] != "eks:UpdateClusterConfig" || m[2] != clusterARN {
			t.Errorf("migrate --switch-mode without eks:UpdateClusterConfig: not named:\n%s", out)
		}
		// A real update takes time: waiting for it reads it.
		h.sb.State.SetUpdateBehavior(time.Second, fakeaws.UpdateError{Code: "Unknown", Message: "fails, so the mode stays"})
		out, _ = c.run(without(permsSwitch, "eks:DescribeUpdate"))
		if m := missingRE.FindStringSubmatch(out); m == nil || m[1] != "eks:DescribeUpdate" || m[2] != clusterARN || !strings.Contains(out, "aws eks describe-update --name sandbox --update-id ") {
			t.Errorf("migrate --switch-mode without eks:DescribeUpdate: not named with the update:\n%s", out)
		}
		h.sb.State.SetUpdateBehavior(time.Second)
		if out, rc := c.runAs("can_switch_mode"); rc != 0 {
			t.Errorf("migrate --switch-mode as can_switch_mode (exactly %v): exit %d:\n%s", permsSwitch, rc, out)
		}
		if v, _ := h.sb.State.Cluster(sandbox.ClusterName); v.Mode != fakeaws.ModeAPI {
			t.Errorf("mode %s after the switch", v.Mode)
		}
	})
}

// TestAWSCLIRefusedLikeThePlugin: the real AWS CLI gets the same refusal
// from the sandbox as the plugin for the same identity.
func TestAWSCLIRefusedLikeThePlugin(t *testing.T) {
	awsBin := needAWS(t)
	h := startSeed(t, limitedSeed(t))
	if err := h.sb.State.SetPolicy(limitedUser, fakeaws.Allow(without(permsAdd, "eks:CreateAccessEntry")...)); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(awsBin, "eks", "create-access-entry", "--cluster-name", sandbox.ClusterName, "--principal-arn", sandbox.DesignatedUser, "--profile", limitedName, "--region", sandbox.Region)
	cmd.Env = h.env
	b, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if !errors.As(err, &ee) {
		t.Fatalf("aws eks create-access-entry as %s: %v, want a refusal:\n%s", limitedName, err, b)
	}
	want := fmt.Sprintf("An error occurred (AccessDeniedException) when calling the CreateAccessEntry operation: User: %s is not authorized to perform: eks:CreateAccessEntry on resource: %s", limitedUser, clusterARN)
	if !strings.Contains(string(b), want) {
		t.Errorf("aws eks create-access-entry: got\n%s\nwant\n%s", b, want)
	}
	out, rc := h.output("eksaccess", "--context", "cluster_creator", "add", sandbox.DesignatedUser, "--via", "access-entry", "--yes", "--profile", limitedName)
	if rc != 1 || !strings.Contains(out, "missing AWS permission eks:CreateAccessEntry on "+clusterARN+": allow it in an IAM policy of "+limitedUser) {
		t.Errorf("the plugin, same identity: exit %d:\n%s", rc, out)
	}
	if v, _ := h.sb.State.Cluster(sandbox.ClusterName); len(v.Entries) != 1 {
		t.Errorf("a refused create made an entry: %d entries", len(v.Entries))
	}
}
