package awsapi

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
)

// scriptedUpdates answers UpdateClusterConfig with InProgress and then
// DescribeUpdate with the statuses given, one per call, the last repeated.
type scriptedUpdates struct {
	statuses []ekstypes.UpdateStatus
	errs     []ekstypes.ErrorDetail
	reads    int
}

func (s *scriptedUpdates) UpdateClusterConfig(_ context.Context, in *eks.UpdateClusterConfigInput, _ ...func(*eks.Options)) (*eks.UpdateClusterConfigOutput, error) {
	return &eks.UpdateClusterConfigOutput{Update: &ekstypes.Update{Id: aws.String("u-1"), Status: ekstypes.UpdateStatusInProgress}}, nil
}

func (s *scriptedUpdates) DescribeUpdate(_ context.Context, in *eks.DescribeUpdateInput, _ ...func(*eks.Options)) (*eks.DescribeUpdateOutput, error) {
	st := s.statuses[min(s.reads, len(s.statuses)-1)]
	s.reads++
	u := &ekstypes.Update{Id: in.UpdateId, Status: st}
	if st == ekstypes.UpdateStatusFailed {
		u.Errors = s.errs
	}
	return &eks.DescribeUpdateOutput{Update: u}, nil
}

func TestSwitchAuthenticationModeWaits(t *testing.T) {
	in, ok, failed := ekstypes.UpdateStatusInProgress, ekstypes.UpdateStatusSuccessful, ekstypes.UpdateStatusFailed
	for _, tc := range []struct {
		name     string
		statuses []ekstypes.UpdateStatus
		timeout  time.Duration
		want     string // "" for success
		reads    int
		progress int
	}{
		{"success after two reads", []ekstypes.UpdateStatus{in, ok}, time.Minute, "", 2, 2},
		{"failure with its errors", []ekstypes.UpdateStatus{in, failed}, time.Minute, "update u-1 of cluster c failed: OperationNotPermitted: no; Unknown: also", 2, 2},
		{"timeout names the update and the command", []ekstypes.UpdateStatus{in}, 30 * time.Millisecond, "update u-1 of cluster c is still InProgress after 30ms: it goes on in EKS; follow it with 'aws eks describe-update --name c --update-id u-1'", -1, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &scriptedUpdates{statuses: tc.statuses, errs: []ekstypes.ErrorDetail{{ErrorCode: "OperationNotPermitted", ErrorMessage: aws.String("no")}, {ErrorCode: "Unknown", ErrorMessage: aws.String("also")}}}
			progress := 0
			id, err := SwitchAuthenticationMode(context.Background(), s, "c", "API", UpdateWait{Timeout: tc.timeout, Poll: time.Millisecond, MaxPoll: 4 * time.Millisecond,
				Progress: func(id, status string, _ time.Duration) {
					if id != "u-1" || status != "InProgress" {
						t.Errorf("progress %s %s", id, status)
					}
					progress++
				}})
			if id != "u-1" {
				t.Errorf("id %q", id)
			}
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("got %v", err)
			case tc.want != "" && (err == nil || err.Error() != tc.want):
				t.Fatalf("got %v\nwant %s", err, tc.want)
			}
			if tc.reads >= 0 && s.reads != tc.reads {
				t.Errorf("DescribeUpdate called %d times, want %d", s.reads, tc.reads)
			}
			if tc.progress >= 0 && progress != tc.progress {
				t.Errorf("progress told %d times, want %d", progress, tc.progress)
			}
			var te *UpdateTimeoutError
			if strings.Contains(tc.name, "timeout") && !errors.As(err, &te) {
				t.Errorf("not an UpdateTimeoutError: %T", err)
			}
		})
	}
	t.Run("cancelled context names the update", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := SwitchAuthenticationMode(ctx, &scriptedUpdates{statuses: []ekstypes.UpdateStatus{in}}, "c", "API", UpdateWait{Timeout: time.Minute, Poll: time.Millisecond})
		if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "aws eks describe-update --name c --update-id u-1") {
			t.Errorf("got %v", err)
		}
	})
}
