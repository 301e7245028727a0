package awsapi

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/aws/smithy-go"

	"github.com/eksaccess/kubectl-eksaccess/pkg/accessentry"
)

const (
	devRole = "arn:aws:iam::111122223333:role/team/Dev"
	view    = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"
	edit    = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy"
)

// The entries come back as accessentry.Entry through every page of the
// three lists, with their policies and creation time.
func TestListAndGetEntries(t *testing.T) {
	s := &eksStub{pageSize: 2, entries: map[string]*stubEntry{
		devRole: {Type: "STANDARD", Username: "dev:{{SessionName}}", Groups: []string{"devs"}, Policies: map[string]stubScope{
			view: {Type: "cluster"}, edit: {Type: "namespace", Namespaces: []string{"b", "a"}},
			"arn:aws:eks::aws:cluster-access-policy/AmazonEKSSecretReaderPolicy": {Type: "cluster"},
		}},
		"arn:aws:iam::111122223333:role/Node": {Type: "EC2_LINUX", Username: accessentry.NodeUsername, Policies: map[string]stubScope{}},
		"arn:aws:iam::111122223333:user/a":    {Type: "STANDARD", Policies: map[string]stubScope{}},
	}}
	c := newEKSStub(t, s)
	ctx := context.Background()
	all, err := ListEntries(ctx, c, "demo")
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 3 {
		t.Fatalf("%d entries: %+v", len(all), all)
	}
	dev, err := GetEntry(ctx, c, "demo", devRole)
	if err != nil || dev == nil {
		t.Fatalf("GetEntry: %v %v", dev, err)
	}
	if dev.Type != "STANDARD" || dev.Username != "dev:{{SessionName}}" || !slices.Equal(dev.Groups, []string{"devs"}) || dev.CreatedAt.Unix() != 1.7e9 {
		t.Errorf("entry %+v", dev)
	}
	if len(dev.Policies) != 3 || dev.Policies[0].ARN != edit || dev.Policies[0].Scope != "namespace" || !slices.Equal(dev.Policies[0].Namespaces, []string{"a", "b"}) {
		t.Errorf("policies (every page, sorted) %+v", dev.Policies)
	}
	if none, err := GetEntry(ctx, c, "demo", "arn:aws:iam::111122223333:role/None"); none != nil || err != nil {
		t.Errorf("missing entry: %v %v", none, err)
	}
}

// Apply updates an entry in place: UpdateAccessEntry for username and
// groups, then disassociate, then associate; a type change is refused by
// Diff before any call.
func TestApplyUpdateInPlace(t *testing.T) {
	s := &eksStub{entries: map[string]*stubEntry{
		devRole: {Type: "STANDARD", Username: "dev:{{SessionName}}", Groups: []string{"devs"}, Policies: map[string]stubScope{view: {Type: "cluster"}}},
	}}
	c := newEKSStub(t, s)
	ctx := context.Background()
	before, err := GetEntry(ctx, c, "demo", devRole)
	if err != nil {
		t.Fatal(err)
	}
	after := before.Clone()
	after.Username = "developer:{{SessionName}}"
	after.Groups = []string{"devs", "ops"}
	after.Policies = []accessentry.Policy{{ARN: edit, Scope: "namespace", Namespaces: []string{"dev"}}}
	ch, err := accessentry.Diff(before, &after)
	if err != nil {
		t.Fatal(err)
	}
	s.calls = nil
	if err := Apply(ctx, c, "demo", ch); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"POST /clusters/demo/access-entries/" + devRole,
		"DELETE /clusters/demo/access-entries/" + devRole + "/access-policies/" + view,
		"POST /clusters/demo/access-entries/" + devRole + "/access-policies",
	}
	if !slices.Equal(s.calls, want) {
		t.Errorf("calls:\n%s\nwant:\n%s", strings.Join(s.calls, "\n"), strings.Join(want, "\n"))
	}
	got, _ := GetEntry(ctx, c, "demo", devRole)
	if got.Username != after.Username || !slices.Equal(got.Groups, after.Groups) || len(got.Policies) != 1 || got.Policies[0].ARN != edit || got.Policies[0].Namespaces[0] != "dev" {
		t.Errorf("read back %+v", got)
	}
	// Removing every group sends an empty list, not nothing.
	none := got.Clone()
	none.Groups = nil
	ch, _ = accessentry.Diff(got, &none)
	if err := Apply(ctx, c, "demo", ch); err != nil {
		t.Fatal(err)
	}
	if g, _ := GetEntry(ctx, c, "demo", devRole); len(g.Groups) != 0 {
		t.Errorf("groups not cleared: %+v", g)
	}
	node := none.Clone()
	node.Type = accessentry.TypeEC2Linux
	s.calls = nil
	if _, err := accessentry.Diff(&none, &node); err == nil {
		t.Error("a type change must be refused")
	}
	if len(s.calls) != 0 {
		t.Errorf("calls made: %v", s.calls)
	}
}

func TestIsNotFoundThroughSDK(t *testing.T) {
	c := newEKSStub(t, &eksStub{})
	_, err := DescribeEntries(context.Background(), c, "demo", []string{devRole})
	if !IsNotFound(err) {
		t.Errorf("not a NotFound: %v", err)
	}
}

// The live catalogue is read through every page once per run; without a
// client, or when the call fails, the fallback is used.
func TestPolicyCatalogue(t *testing.T) {
	s := &eksStub{pageSize: 2, policies: []string{"AmazonEKSAdminPolicy", "AmazonEKSViewPolicy", "AmazonEKSBrandNewPolicy", "AmazonEKSSecretReaderPolicy", "AmazonEKSAutoNodePolicy"}}
	c := newEKSStub(t, s)
	ctx := context.Background()
	pc := &PolicyCatalogue{API: c}
	for range 3 {
		cat, err := pc.Get(ctx)
		if err != nil || !cat.Live || !slices.Equal(cat.Names, s.policies) {
			t.Fatalf("live catalogue %+v, %v", cat, err)
		}
	}
	if len(s.calls) != 3 { // 5 names in pages of 2, read once
		t.Errorf("ListAccessPolicies calls %v, want 3 (one read, three pages)", s.calls)
	}
	cat, _ := pc.Get(ctx)
	if arn, err := cat.Expand("aws", "amazoneksbrandnewpolicy"); err != nil || arn != "arn:aws:eks::aws:cluster-access-policy/AmazonEKSBrandNewPolicy" {
		t.Errorf("a policy EKS added is usable: %s %v", arn, err)
	}
	if _, err := cat.Expand("aws", "AmazonEKSEditPolicy"); err == nil {
		t.Error("a policy the live list lacks must be refused")
	}
	off, err := (&PolicyCatalogue{}).Get(ctx)
	if err != nil || off.Live || !off.Has("AmazonEKSSecretReaderPolicy") {
		t.Errorf("offline: %+v %v", off, err)
	}
	denied := &PolicyCatalogue{API: newEKSStub(t, &eksStub{denyPolicies: true})}
	fb, err := denied.Get(ctx)
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "AccessDeniedException" || fb.Live || !fb.Has("AmazonEKSViewPolicy") {
		t.Errorf("refused read: %+v %v", fb, err)
	}
}
