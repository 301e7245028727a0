package awsauth

import (
	"strings"
	"testing"
)

// TestEditRemoveRevokes checks what `remove X` promises: after the write no
// mapRoles or mapUsers entry maps X's sessions (Lookup, which mirrors
// ConfigMapMapper.Map, finds nothing but a mapAccounts entry), every other
// entry loads as before (CheckNotWorse), and a mapAccounts entry that still
// admits X is reported in StillAdmittedBy.
func TestEditRemoveRevokes(t *testing.T) {
	const (
		pathed   = "arn:aws:iam::111122223333:role/team/dev"
		bare     = "arn:aws:iam::111122223333:role/dev"
		node     = "- rolearn: arn:aws:iam::111122223333:role/node\n  username: system:node:{{EC2PrivateDNSName}}\n  groups:\n    - system:bootstrappers\n    - system:nodes\n"
		bob      = "arn:aws:iam::111122223333:user/bob"
		accounts = "- \"111122223333\"\n"
	)
	tests := []struct {
		name     string
		data     map[string]string
		op       string
		session  string // the caller ARN that must end up unmapped
		removed  int    // entries removed
		admitted int    // len(StillAdmittedBy)
		notice   string
		err      string
	}{
		{
			name: "pathed ARN removes the pathless entry sessions match, and itself",
			data: map[string]string{KeyRoles: node + "- rolearn: " + pathed + "\n  username: a\n- rolearn: " + bare + "\n  username: b\n"},
			op:   "remove " + pathed, session: "arn:aws:sts::111122223333:assumed-role/dev/s", removed: 2,
			notice: "without the path",
		},
		{
			name: "pathed ARN when only the pathless entry exists",
			data: map[string]string{KeyRoles: node + "- rolearn: " + bare + "\n  username: b\n"},
			op:   "remove " + pathed, session: "arn:aws:sts::111122223333:assumed-role/dev/s", removed: 1,
			notice: "mapRoles line 6 (" + bare + ")",
		},
		{
			name: "exact duplicate roles",
			data: map[string]string{KeyRoles: "- rolearn: " + bare + "\n  username: a\n" + node + "- rolearn: " + bare + "\n  username: b\n"},
			op:   "remove " + bare, session: bare, removed: 2,
		},
		{
			name: "case-variant users",
			data: map[string]string{KeyUsers: "- userarn: " + bob + "\n  username: bob\n- userarn: arn:aws:iam::111122223333:user/BOB\n  username: bob2\n- userarn: arn:aws:iam::111122223333:user/alice\n"},
			op:   "remove " + bob, session: bob, removed: 2,
		},
		{
			name: "role ARN under mapUsers too",
			data: map[string]string{KeyRoles: node + "- rolearn: " + bare + "\n", KeyUsers: "- userarn: " + bare + "\n  username: x\n"},
			op:   "remove arn:aws:sts::111122223333:assumed-role/dev/s", session: bare, removed: 2,
		},
		{
			name: "flow-style duplicates",
			data: map[string]string{KeyUsers: `[{"userarn": "` + bob + `"}, {"userarn": "arn:aws:iam::111122223333:user/alice"}, {"userarn": "arn:aws:iam::111122223333:user/Bob"}]`},
			op:   "remove " + bob, session: bob, removed: 2,
		},
		{
			name: "account listed twice",
			data: map[string]string{KeyAccounts: "- \"111122223333\"\n- \"444455556666\"\n- 111122223333\n"},
			op:   "remove --account 111122223333", removed: 2,
		},
		{
			name: "user removed but the account still admits it",
			data: map[string]string{KeyUsers: "- userarn: " + bob + "\n", KeyAccounts: accounts},
			op:   "remove " + bob, session: bob, removed: 1, admitted: 1,
		},
		{
			name: "not mapped but the account admits it",
			data: map[string]string{KeyRoles: node, KeyAccounts: accounts},
			op:   "remove " + bob,
			err:  "is not mapped in aws-auth by mapRoles or mapUsers: nothing to remove, but mapAccounts line 1 still admits every principal of account 111122223333: revoke that with 'kubectl eksaccess remove --account 111122223333'",
		},
		{
			name: "not mapped",
			data: map[string]string{KeyRoles: node},
			op:   "remove " + bob,
			err:  bob + " is not mapped in aws-auth: nothing to remove",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _, err := editOp(tt.op)
			if err != nil {
				t.Fatal(err)
			}
			res, err := Apply(tt.data, c)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			editCheckMinimal(t, tt.data, res)
			if err := CheckNotWorse(tt.data, res.Data, c); err != nil {
				t.Errorf("CheckNotWorse: %v", err)
			}
			before, after := Parse(tt.data), Parse(res.Data)
			if got := len(before.Entries) - len(after.Entries); got != tt.removed {
				t.Errorf("removed %d entries, want %d\n%q", got, tt.removed, res.Data)
			}
			if len(res.StillAdmittedBy) != tt.admitted {
				t.Errorf("StillAdmittedBy = %d entries, want %d", len(res.StillAdmittedBy), tt.admitted)
			}
			if tt.notice != "" && !strings.Contains(strings.Join(res.Notices, "\n"), tt.notice) {
				t.Errorf("notices %q lack %q", res.Notices, tt.notice)
			}
			if tt.session != "" {
				p, err := Canonicalize(tt.session)
				if err != nil {
					t.Fatal(err)
				}
				if m := after.Lookup(p, ""); m != nil && m.Entry.Kind != KindAccount {
					t.Errorf("%s is still mapped by %s", tt.session, m.Entry.Source())
				} else if (m != nil) != (tt.admitted > 0) {
					t.Errorf("account match = %v, want %v", m != nil, tt.admitted > 0)
				}
			}
		})
	}
}
