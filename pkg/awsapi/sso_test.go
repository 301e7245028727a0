package awsapi

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

const (
	ssoAdmins   = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Admins_0123456789abcdef"
	ssoReadOnly = "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/AWSReservedSSO_Read_Only_fedcba9876543210"
)

// The resolver through the real IAM client against an IAM query-protocol
// endpoint: every page of ListRoles under the SSO path, with and without
// the region segment; one match, several, none.
func TestResolvePermissionSet(t *testing.T) {
	var filler []string
	for i := range 7 {
		filler = append(filler, fmt.Sprintf("arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Set%d_%016x", i, i))
	}
	roles := append(filler, ssoAdmins, ssoReadOnly,
		"arn:aws:iam::111122223333:role/AWSReservedSSO_Admins_1111111111111111", // not under the SSO path: not one
		"arn:aws:iam::111122223333:role/team/Dev")
	for _, tc := range []struct {
		name, set, account string
		roles              []string
		arn, pathless      string // "" for an error
		err                string
	}{
		{"with region segment", "Admins", "", roles, ssoAdmins, "arn:aws:iam::111122223333:role/AWSReservedSSO_Admins_0123456789abcdef", ""},
		{"without region segment, underscore in the name", "Read_Only", "", roles, ssoReadOnly, "arn:aws:iam::111122223333:role/AWSReservedSSO_Read_Only_fedcba9876543210", ""},
		{"account given and matching", "Admins", "111122223333", roles, ssoAdmins, "arn:aws:iam::111122223333:role/AWSReservedSSO_Admins_0123456789abcdef", ""},
		{"account given, roles of another", "Admins", "444455556666", roles, "", "", `the IAM Identity Center role of permission set "Admins" found is in account 111122223333, not 444455556666: IAM lists the roles of the account your credentials are in; use a --profile of account 444455556666`},
		{"none, candidates listed", "Developers", "", roles, "", "", `no IAM Identity Center role for permission set "Developers" in this account: the permission sets provisioned here are Admins, Read_Only, Set0, Set1, Set2, Set3, Set4, Set5, Set6; check the name, or assign the permission set to this account in IAM Identity Center`},
		{"none in another case", "admins", "", roles, "", "", `but there is one for "Admins": permission set names are case-sensitive, use --sso-permission-set Admins`},
		{"no SSO roles at all", "Admins", "", []string{"arn:aws:iam::111122223333:role/team/Dev"}, "", "", "IAM has no role under /aws-reserved/sso.amazonaws.com/; assign the permission set to this account in IAM Identity Center, or check --profile"},
		{"several", "Admins", "", append(roles, "arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/us-east-1/AWSReservedSSO_Admins_aaaaaaaaaaaaaaaa"), "", "",
			"2 IAM roles match permission set \"Admins\": " + ssoAdmins + ", arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/us-east-1/AWSReservedSSO_Admins_aaaaaaaaaaaaaaaa; give the role ARN you mean instead of --sso-permission-set"},
		{"bad name", "a/b", "", roles, "", "", `permission set name "a/b" is not valid`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &iamStub{pageSize: 3, roles: tc.roles}
			r, err := ResolvePermissionSet(context.Background(), newIAMStub(t, s), tc.set, tc.account)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || strings.Contains(err.Error(), "\n") {
					t.Fatalf("got %v, %v\nwant error %s", r, err, tc.err)
				}
				return
			}
			if err != nil || r.ARN != tc.arn || r.PathlessARN != tc.pathless || r.PermissionSet != tc.set || r.AccountID != "111122223333" {
				t.Fatalf("got %+v, %v", r, err)
			}
			if want := "permission set " + tc.set + " is IAM role " + tc.arn; r.Found() != want {
				t.Errorf("Found() = %q", r.Found())
			}
			// Every page was read, each with the SSO path prefix.
			if len(s.calls) < 2 {
				t.Errorf("%d ListRoles calls: the pages were not followed", len(s.calls))
			}
			for _, c := range s.calls {
				if c.Get("PathPrefix") != SSORolePathPrefix {
					t.Errorf("PathPrefix %q", c.Get("PathPrefix"))
				}
			}
		})
	}
}

func TestPermissionSetOf(t *testing.T) {
	for name, want := range map[string]string{
		"AWSReservedSSO_Admins_0123456789abcdef":    "Admins",
		"AWSReservedSSO_Read_Only_0123456789abcdef": "Read_Only",
		"AWSReservedSSO_Admins_":                    "",
		"AWSReservedSSO__x":                         "",
		"AWSReservedSSO_Admins":                     "",
		"Admins_0123":                               "",
	} {
		if got := permissionSetOf(name); got != want {
			t.Errorf("permissionSetOf(%s) = %q, want %q", name, got, want)
		}
	}
}
