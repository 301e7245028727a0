package awsauth

import "testing"

func TestCanonicalize(t *testing.T) {
	tests := []struct {
		name, arn string
		want      Principal
		wantErr   bool
	}{
		{name: "assumed role", arn: "arn:aws:sts::111122223333:assumed-role/Admin/alice@example.com",
			want: Principal{Canonical: "arn:aws:iam::111122223333:role/Admin", Type: PrincipalAssumedRole, Partition: "aws", AccountID: "111122223333", Name: "Admin", Path: "/", SessionName: "alice@example.com"}},
		{name: "instance session", arn: "arn:aws:sts::111122223333:assumed-role/Node/i-0123456789abcdef0",
			want: Principal{Canonical: "arn:aws:iam::111122223333:role/Node", Type: PrincipalAssumedRole, Partition: "aws", AccountID: "111122223333", Name: "Node", Path: "/", SessionName: "i-0123456789abcdef0"}},
		{name: "sso session has no path", arn: "arn:aws:sts::111122223333:assumed-role/AWSReservedSSO_Admin_0123456789abcdef/bob",
			want: Principal{Canonical: "arn:aws:iam::111122223333:role/AWSReservedSSO_Admin_0123456789abcdef", Type: PrincipalAssumedRole, Partition: "aws", AccountID: "111122223333", Name: "AWSReservedSSO_Admin_0123456789abcdef", Path: "/", SessionName: "bob"}},
		{name: "china partition", arn: "arn:aws-cn:sts::111122223333:assumed-role/Admin/x",
			want: Principal{Canonical: "arn:aws-cn:iam::111122223333:role/Admin", Type: PrincipalAssumedRole, Partition: "aws-cn", AccountID: "111122223333", Name: "Admin", Path: "/", SessionName: "x"}},
		{name: "user kept", arn: "arn:aws:iam::111122223333:user/bob",
			want: Principal{Canonical: "arn:aws:iam::111122223333:user/bob", Type: PrincipalUser, Partition: "aws", AccountID: "111122223333", Name: "bob", Path: "/"}},
		{name: "user with path", arn: "arn:aws-us-gov:iam::111122223333:user/ops/bob",
			want: Principal{Canonical: "arn:aws-us-gov:iam::111122223333:user/ops/bob", Type: PrincipalUser, Partition: "aws-us-gov", AccountID: "111122223333", Name: "bob", Path: "/ops/"}},
		{name: "role with path kept", arn: "arn:aws:iam::111122223333:role/teams/Admin",
			want: Principal{Canonical: "arn:aws:iam::111122223333:role/teams/Admin", Type: PrincipalRole, Partition: "aws", AccountID: "111122223333", Name: "Admin", Path: "/teams/"}},
		{name: "root", arn: "arn:aws:iam::111122223333:root",
			want: Principal{Canonical: "arn:aws:iam::111122223333:root", Type: PrincipalRoot, Partition: "aws", AccountID: "111122223333", Path: "/"}},
		{name: "federated user", arn: "arn:aws:sts::111122223333:federated-user/bob",
			want: Principal{Canonical: "arn:aws:sts::111122223333:federated-user/bob", Type: PrincipalFederatedUser, Partition: "aws", AccountID: "111122223333", Name: "bob", Path: "/"}},
		{name: "unknown partition", arn: "arn:aws-moon:iam::111122223333:user/bob", wantErr: true},
		{name: "other service", arn: "arn:aws:s3:::bucket", wantErr: true},
		{name: "assumed role without session", arn: "arn:aws:sts::111122223333:assumed-role/Admin", wantErr: true},
		{name: "unknown sts resource", arn: "arn:aws:sts::111122223333:session/x", wantErr: true},
		{name: "unknown iam resource", arn: "arn:aws:iam::111122223333:group/devs", wantErr: true},
		{name: "not an arn", arn: "111122223333", wantErr: true},
		{name: "too few sections", arn: "arn:aws:iam::111122223333", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Canonicalize(tt.arn)
			if (err != nil) != tt.wantErr {
				t.Fatalf("Canonicalize(%q) error = %v, want error %v", tt.arn, err, tt.wantErr)
			}
			if tt.wantErr {
				return
			}
			tt.want.ARN = tt.arn
			if got != tt.want {
				t.Errorf("Canonicalize(%q)\n got  %+v\n want %+v", tt.arn, got, tt.want)
			}
		})
	}
}

func TestIsInstanceSession(t *testing.T) {
	for s, want := range map[string]bool{
		"i-0123456789abcdef0": true, "i-01234567": true, "i-0123": false,
		"alice": false, "i-0123456789abcdef0x": false, "": false,
	} {
		if got := IsInstanceSession(s); got != want {
			t.Errorf("IsInstanceSession(%q) = %v, want %v", s, got, want)
		}
	}
}
