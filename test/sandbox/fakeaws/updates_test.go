package fakeaws_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"

	"github.com/eksaccess/kubectl-eksaccess/test/sandbox/fakeaws"
)

// clock is a settable clock for the state.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// TestEKSAsyncUpdates: UpdateClusterConfig answers InProgress, the mode
// moves only when the update succeeds after its delay; a second update is
// refused meanwhile; a failing update keeps the mode and carries errors;
// DescribeUpdate and ListUpdates (newest first) read them.
func TestEKSAsyncUpdates(t *testing.T) {
	e := start(t)
	ctx := context.Background()
	clk := &clock{t: time.Now()}
	e.state.SetNow(clk.now)
	e.state.SetUpdateBehavior(5 * time.Minute)
	c := eks.NewFromConfig(e.cfg(t, "alice"))
	name := aws.String("demo")
	mode := func() ekstypes.AuthenticationMode {
		t.Helper()
		out, err := c.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: name})
		if err != nil {
			t.Fatal(err)
		}
		return out.Cluster.AccessConfig.AuthenticationMode
	}
	upd, err := c.UpdateClusterConfig(ctx, &eks.UpdateClusterConfigInput{Name: name, AccessConfig: &ekstypes.UpdateAccessConfigRequest{AuthenticationMode: ekstypes.AuthenticationModeApi}})
	if err != nil {
		t.Fatal(err)
	}
	id := upd.Update.Id
	if upd.Update.Status != ekstypes.UpdateStatusInProgress || upd.Update.Type != ekstypes.UpdateTypeAccessConfigUpdate || len(upd.Update.Params) != 1 || aws.ToString(upd.Update.Params[0].Value) != "API" {
		t.Errorf("update: %+v", upd.Update)
	}
	if m := mode(); m != ekstypes.AuthenticationModeApiAndConfigMap {
		t.Errorf("mode %s while the update is in progress", m)
	}
	_, err = c.UpdateClusterConfig(ctx, &eks.UpdateClusterConfigInput{Name: name, AccessConfig: &ekstypes.UpdateAccessConfigRequest{AuthenticationMode: ekstypes.AuthenticationModeApi}})
	if code(t, err) != "ResourceInUseException" {
		t.Errorf("a second update meanwhile: %v", err)
	}
	clk.add(5 * time.Minute)
	d, err := c.DescribeUpdate(ctx, &eks.DescribeUpdateInput{Name: name, UpdateId: id})
	if err != nil || d.Update.Status != ekstypes.UpdateStatusSuccessful {
		t.Fatalf("after the delay: %v %+v", err, d)
	}
	if m := mode(); m != ekstypes.AuthenticationModeApi {
		t.Errorf("mode %s after the update", m)
	}

	// legacy (CONFIG_MAP) fails its update.
	e.state.SetUpdateBehavior(time.Minute, fakeaws.UpdateError{Code: "OperationNotPermitted", Message: "The cluster's IAM role lacks a permission."})
	legacy := aws.String("legacy")
	upd, err = c.UpdateClusterConfig(ctx, &eks.UpdateClusterConfigInput{Name: legacy, AccessConfig: &ekstypes.UpdateAccessConfigRequest{AuthenticationMode: ekstypes.AuthenticationModeApiAndConfigMap}})
	if err != nil {
		t.Fatal(err)
	}
	clk.add(time.Minute)
	d, err = c.DescribeUpdate(ctx, &eks.DescribeUpdateInput{Name: legacy, UpdateId: upd.Update.Id})
	if err != nil || d.Update.Status != ekstypes.UpdateStatusFailed || len(d.Update.Errors) != 1 || d.Update.Errors[0].ErrorCode != ekstypes.ErrorCodeOperationNotPermitted ||
		aws.ToString(d.Update.Errors[0].ErrorMessage) != "The cluster's IAM role lacks a permission." {
		t.Fatalf("failed update: %v %+v", err, d)
	}
	if v, _ := e.state.Cluster("legacy"); v.Mode != fakeaws.ModeConfigMap {
		t.Errorf("a failed update moved the mode to %s", v.Mode)
	}
	second, err := c.UpdateClusterConfig(ctx, &eks.UpdateClusterConfigInput{Name: legacy, AccessConfig: &ekstypes.UpdateAccessConfigRequest{AuthenticationMode: ekstypes.AuthenticationModeApiAndConfigMap}})
	if err != nil {
		t.Fatalf("a new update after a failed one: %v", err)
	}
	clk.add(time.Second)
	l, err := c.ListUpdates(ctx, &eks.ListUpdatesInput{Name: legacy})
	if err != nil || len(l.UpdateIds) != 2 || l.UpdateIds[0] != aws.ToString(second.Update.Id) || l.UpdateIds[1] != aws.ToString(upd.Update.Id) {
		t.Errorf("ListUpdates: %v %+v", err, l)
	}
	if _, err := c.DescribeUpdate(ctx, &eks.DescribeUpdateInput{Name: legacy, UpdateId: aws.String("nope")}); code(t, err) != "ResourceNotFoundException" {
		t.Errorf("unknown update: %v", err)
	}
}
