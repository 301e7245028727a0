package awsauth

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
)

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

// canonicalizeRef is Canonicalize as first written (strings.Split), the
// reference for the allocation-free version.
func canonicalizeRef(s string) (Principal, error) {
	if !strings.HasPrefix(s, "arn:") {
		return Principal{}, fmt.Errorf("arn %q is invalid: it must start with 'arn:'", s)
	}
	sections := strings.SplitN(s, ":", 6)
	if len(sections) != 6 {
		return Principal{}, fmt.Errorf("arn %q is invalid: it needs 6 sections separated by ':' (arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE)", s)
	}
	a := ARN{Partition: sections[1], Service: sections[2], Region: sections[3], AccountID: sections[4], Resource: sections[5]}
	if !slices.Contains(Partitions, a.Partition) {
		return Principal{}, fmt.Errorf("arn %q does not have a recognized partition %q (known: %s)", s, a.Partition, strings.Join(Partitions, ", "))
	}
	parts := strings.Split(a.Resource, "/")
	p := Principal{ARN: s, Canonical: s, Partition: a.Partition, AccountID: a.AccountID, Path: "/"}
	switch a.Service {
	case "sts":
		switch parts[0] {
		case "federated-user":
			p.Type = PrincipalFederatedUser
			p.Name = parts[len(parts)-1]
			return p, nil
		case "assumed-role":
			if len(parts) < 3 {
				return Principal{}, fmt.Errorf("assumed-role arn %q does not have a role and a session name (assumed-role/ROLE/SESSION)", s)
			}
			role := strings.Join(parts[1:len(parts)-1], "/")
			p.Type = PrincipalAssumedRole
			p.Canonical = fmt.Sprintf("arn:%s:iam::%s:role/%s", a.Partition, a.AccountID, role)
			p.Name = role
			p.SessionName = parts[len(parts)-1]
			return p, nil
		default:
			return Principal{}, fmt.Errorf("arn %q: unrecognized resource %q for service sts (expected assumed-role or federated-user)", s, a.Resource)
		}
	case "iam":
		switch parts[0] {
		case "role":
			p.Type = PrincipalRole
		case "user":
			p.Type = PrincipalUser
		case "root":
			p.Type = PrincipalRoot
			return p, nil
		default:
			return Principal{}, fmt.Errorf("arn %q: unrecognized resource %q for service iam (expected user, role or root)", s, a.Resource)
		}
		if len(parts) < 2 || parts[len(parts)-1] == "" {
			return p, nil
		}
		p.Name = parts[len(parts)-1]
		if len(parts) > 2 {
			p.Path = "/" + strings.Join(parts[1:len(parts)-1], "/") + "/"
		}
		return p, nil
	}
	return Principal{}, fmt.Errorf("arn %q: service %q is not a valid service for identities (expected iam or sts)", s, a.Service)
}

var canonicalizeCases = []string{
	"", "arn:", "arn:aws", "arn:aws:iam::1:role", "arn:aws:iam::1:role/", "arn:aws:iam::1:role//", "arn:aws:iam::1:role/a/b/c/",
	"arn:aws:iam::111122223333:role/x", "arn:aws:iam::111122223333:role/p/q/x", "arn:aws:iam::111122223333:user/x",
	"arn:aws:iam::111122223333:root", "arn:aws:iam::111122223333:root/x", "arn:aws:sts::111122223333:assumed-role/R/s",
	"arn:aws:sts::111122223333:assumed-role/p/R/s", "arn:aws:sts::111122223333:assumed-role/R", "arn:aws:sts::1:assumed-role//",
	"arn:aws:sts::111122223333:federated-user/bob", "arn:aws:sts::1:federated-user", "arn:aws:sts::1:other/x",
	"arn:aws:s3:::b", "arn:foo:iam::1:role/x", "arn:aws-cn:iam::1:role/x:y:z", "arn:aws:iam::1:group/x", "arn:aws:iam:us-east-1:1:role/x",
}

func checkCanonicalize(t *testing.T, s string) {
	got, err := Canonicalize(s)
	want, werr := canonicalizeRef(s)
	if got != want || fmt.Sprint(err) != fmt.Sprint(werr) {
		t.Errorf("Canonicalize(%q) = %+v, %v; want %+v, %v", s, got, err, want, werr)
	}
	for _, id := range []string{s, strings.TrimPrefix(s, "arn:")} {
		if ValidAccountID(id) != regexp.MustCompile(`^[0-9]{12}$`).MatchString(id) {
			t.Errorf("ValidAccountID(%q) is wrong", id)
		}
	}
}

func TestCanonicalizeAgrees(t *testing.T) {
	for _, s := range append(canonicalizeCases, "111122223333", "11112222333", "1111222233334", "11112222333x") {
		checkCanonicalize(t, s)
	}
}

func FuzzCanonicalize(f *testing.F) {
	for _, s := range canonicalizeCases {
		f.Add(s)
	}
	f.Fuzz(checkCanonicalize)
}
