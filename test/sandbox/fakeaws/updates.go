package fakeaws

import (
	"fmt"
	"sort"
	"time"
)

// Cluster updates, as EKS runs them: UpdateClusterConfig answers an update
// InProgress; it finishes (Successful or Failed with errors) after a delay,
// and only then does the cluster change. DescribeUpdate and ListUpdates
// read them. The delay and the outcome are set with SetUpdateBehavior;
// the default (no delay, success) finishes every update at once.

// UpdateError is one error of a failed update (ErrorDetail in the EKS API).
type UpdateError struct {
	Code    string // an EKS ErrorCode: AccessDenied, OperationNotPermitted, ClusterUnreachable, Unknown...
	Message string
}

// Update is a cluster update.
type Update struct {
	ID      string
	Type    string
	Mode    string // the authenticationMode it sets
	Status  string // InProgress, Successful, Failed
	Created time.Time
	DoneAt  time.Time
	Fail    []UpdateError // the errors it fails with when done; none: it succeeds
	Errors  []UpdateError // set when it has failed
}

type updateBehavior struct {
	delay time.Duration
	fail  []UpdateError
}

// SetUpdateBehavior makes later updates take delay and, with errs, fail
// with them instead of succeeding.
func (s *State) SetUpdateBehavior(delay time.Duration, errs ...UpdateError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.updates = updateBehavior{delay: delay, fail: errs}
}

// settle finishes the updates of cl whose time has come (st.mu held). A
// successful AccessConfigUpdate moves the mode, as EKS does only then.
func (st *State) settle(cl *Cluster) {
	now := st.now()
	for _, u := range cl.Updates {
		if u.Status != "InProgress" || now.Before(u.DoneAt) {
			continue
		}
		if len(u.Fail) > 0 {
			u.Status, u.Errors = "Failed", u.Fail
			continue
		}
		u.Status = "Successful"
		from := cl.Mode
		cl.Mode = u.Mode
		if from == ModeConfigMap {
			// EKS creates the creator's and the managed node groups' access
			// entries when access entries appear.
			st.bootstrapCreatorEntry(cl)
			st.bootstrapNodeGroupEntries(cl)
		}
	}
}

func (st *State) startUpdate(cl *Cluster, mode string) *Update {
	now := st.now()
	u := &Update{
		ID: fmt.Sprintf("%08x-5a4d-4b0c-8e75-%012x", len(cl.Updates)+1, now.UnixNano()&0xffffffffffff), Type: "AccessConfigUpdate", Mode: mode,
		Status: "InProgress", Created: now, DoneAt: now.Add(st.updates.delay), Fail: st.updates.fail,
	}
	cl.Updates = append(cl.Updates, u)
	st.settle(cl)
	return u
}

func (st *State) inProgress(cl *Cluster) *Update {
	for _, u := range cl.Updates {
		if u.Status == "InProgress" {
			return u
		}
	}
	return nil
}

func updateJSON(u *Update) map[string]any {
	errs := []any{}
	for _, e := range u.Errors {
		errs = append(errs, map[string]any{"errorCode": e.Code, "errorMessage": e.Message, "resourceIds": []string{}})
	}
	return map[string]any{
		"id": u.ID, "status": u.Status, "type": u.Type, "createdAt": epoch(u.Created), "errors": errs,
		"params": []any{map[string]string{"type": "AuthenticationMode", "value": u.Mode}},
	}
}

func (st *State) describeUpdate(cl *Cluster, id string) (any, *apiError) {
	for _, u := range cl.Updates {
		if u.ID == id {
			return map[string]any{"update": updateJSON(u)}, nil
		}
	}
	return nil, errf(404, "ResourceNotFoundException", "No update found for ID: %s", id)
}

func (st *State) listUpdates(q *eksReq, cl *Cluster) (any, *apiError) {
	// EKS lists the newest first.
	us := append([]*Update(nil), cl.Updates...)
	sort.SliceStable(us, func(i, j int) bool { return us[i].Created.After(us[j].Created) })
	ids := []string{}
	for _, u := range us {
		ids = append(ids, u.ID)
	}
	ids, next, err := page(q, ids, st.pageLimit)
	if err != nil {
		return nil, err
	}
	return withNext(map[string]any{"updateIds": ids}, next), nil
}
