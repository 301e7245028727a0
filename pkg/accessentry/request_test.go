package accessentry

import (
	"slices"
	"strings"
	"testing"
)

func TestRequestDesired(t *testing.T) {
	const acct = "111122223333"
	dev := "arn:aws:iam::111122223333:role/team/Dev"
	node := "arn:aws:iam::111122223333:role/Node"
	view := Policy{ARN: PolicyARN("aws", "AmazonEKSViewPolicy"), Scope: ScopeCluster}
	editDev := Policy{ARN: PolicyARN("aws", "AmazonEKSEditPolicy"), Scope: ScopeNamespace, Namespaces: []string{"dev"}}
	cur := &Entry{PrincipalARN: dev, Type: TypeStandard, Username: "dev:{{SessionName}}", Groups: []string{"devs"}, Policies: []Policy{view}}
	// What EKS answers for a managed node group's entry.
	nodeCur := &Entry{PrincipalARN: node, Type: TypeEC2Linux, Username: NodeUsername, Groups: []string{"system:nodes"}}
	autoCur := &Entry{PrincipalARN: node, Type: TypeEC2, Username: NodeUsername}
	for _, tc := range []struct {
		name string
		r    Request
		cur  *Entry
		want func(e *Entry) bool
		err  string
		// update is whether the change updates the entry in place
		// (UpdateAccessEntry), assoc/disassoc the policy calls.
		update          bool
		assoc, disassoc int
	}{
		{name: "new standard entry", r: Request{Username: "dev:{{SessionName}}", Groups: []string{"devs"}, GroupsChanged: true, Policies: []Policy{view}},
			want: func(e *Entry) bool { return e.Type == TypeStandard && e.Username == "dev:{{SessionName}}" }, assoc: 1},
		{name: "new node entry: EKS sets the username", r: Request{Type: TypeEC2Linux, Username: NodeUsername},
			want: func(e *Entry) bool { return e.Type == TypeEC2Linux && e.Username == "" }},
		{name: "replace groups", r: Request{Groups: []string{"ops"}, GroupsChanged: true}, cur: cur,
			want: func(e *Entry) bool { return slices.Equal(e.Groups, []string{"ops"}) }, update: true},
		{name: "append groups", r: Request{Groups: []string{"ops", "devs"}, GroupsChanged: true, AppendGroups: true}, cur: cur,
			want: func(e *Entry) bool { return slices.Equal(e.Groups, []string{"devs", "ops"}) }, update: true},
		{name: "clear groups", r: Request{GroupsChanged: true}, cur: cur,
			want: func(e *Entry) bool { return len(e.Groups) == 0 }, update: true},
		{name: "new username", r: Request{Username: "developer:{{SessionName}}"}, cur: cur,
			want: func(e *Entry) bool {
				return e.Username == "developer:{{SessionName}}" && slices.Equal(e.Groups, []string{"devs"})
			}, update: true},
		{name: "same again: nothing to do", r: Request{Username: "dev:{{SessionName}}", Policies: []Policy{view}}, cur: cur,
			want: func(e *Entry) bool { return true }},
		{name: "rescope a policy", r: Request{Policies: []Policy{{ARN: view.ARN, Scope: ScopeNamespace, Namespaces: []string{"a"}}}}, cur: cur,
			want: func(e *Entry) bool { return len(e.Policies) == 1 && e.Policies[0].Scope == ScopeNamespace }, assoc: 1},
		{name: "add a policy", r: Request{Policies: []Policy{editDev}}, cur: cur,
			want: func(e *Entry) bool { return len(e.Policies) == 2 }, assoc: 1},
		{name: "type cannot change", r: Request{Type: TypeEC2Linux}, cur: cur,
			err: "the access entry of " + dev + " has type STANDARD, and EKS cannot change an entry's type to EC2_LINUX: replace it with 'kubectl eksaccess remove " + dev + " --via access-entry' then 'kubectl eksaccess add " + dev + " --via access-entry --type EC2_LINUX'"},
		{name: "same type given", r: Request{Type: TypeStandard, Groups: []string{"x"}, GroupsChanged: true}, cur: cur,
			want: func(e *Entry) bool { return slices.Equal(e.Groups, []string{"x"}) }, update: true},
		{name: "reserved username on update", r: Request{Username: "eks:dev"}, cur: cur, err: `starts with the reserved prefix "eks:"`},
		{name: "session name without colon on update", r: Request{Username: "dev-{{SessionName}}"}, cur: cur, err: "without a colon before it"},
		{name: "system:masters on update", r: Request{Groups: []string{"system:masters"}, GroupsChanged: true, AppendGroups: true}, cur: cur, err: "use --policy AmazonEKSClusterAdminPolicy"},
		{name: "a node entry as EKS gives it takes no new group", r: Request{Groups: []string{"x"}, GroupsChanged: true, AppendGroups: true}, cur: nodeCur,
			err: "EC2_LINUX entries take no Kubernetes groups"},
		{name: "EC2_LINUX takes no policy", r: Request{Policies: []Policy{view}}, cur: nodeCur, err: "EC2_LINUX entries take no access policy"},
		{name: "Auto Mode node entry takes its policy", r: Request{Policies: []Policy{{ARN: PolicyARN("aws", "AmazonEKSAutoNodePolicy"), Scope: ScopeCluster}}}, cur: autoCur,
			want: func(e *Entry) bool { return len(e.Policies) == 1 }, assoc: 1},
		{name: "node type of another account", r: Request{Type: TypeHybridLinux}, err: "take roles of the cluster's account 111122223333 only"},
		{name: "new FARGATE entry with a custom username", r: Request{Type: TypeFargateLinux, Username: "fargate:{{SessionName}}"}, err: "FARGATE_LINUX entries take no custom username (EKS sets system:node:{{SessionName}})"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			arn := dev
			if tc.name == "node type of another account" {
				arn = "arn:aws:iam::444455556666:role/Node"
			} else if strings.HasPrefix(tc.name, "new node") || strings.HasPrefix(tc.name, "new FARGATE") {
				arn = node
			}
			got, err := tc.r.Desired(arn, tc.cur, acct)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("got %+v, %v; want error %s", got, err, tc.err)
				}
				return
			}
			if err != nil || !tc.want(got) {
				t.Fatalf("got %+v, %v", got, err)
			}
			ch, err := Diff(tc.cur, got)
			if err != nil {
				t.Fatal(err)
			}
			if ch.Create != (tc.cur == nil) || ch.Update != tc.update || len(ch.Associate) != tc.assoc || len(ch.Disassociate) != tc.disassoc {
				t.Errorf("change %+v", ch)
			}
		})
	}
}
