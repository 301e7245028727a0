package webhook

import "testing"

// The sandbox's renderTemplate must render as the authenticator does
// (server.go renderTemplate): the demo and the e2e tests rely on it.
func TestRender(t *testing.T) {
	session := &Identity{AccountID: "111122223333", SessionName: "alice@example.com", AccessKeyID: "ASIAEXAMPLE"}
	instance := &Identity{AccountID: "111122223333", SessionName: "i-0123456789abcdef0"}
	for _, tc := range []struct {
		name, tmpl string
		id         *Identity
		want       string
		wantErr    bool
	}{
		{"session name: @ becomes -", "dev:{{SessionName}}", session, "dev:alice-example.com", false},
		{"raw session name", "{{SessionNameRaw}}", session, "alice@example.com", false},
		{"account and key", "{{AccountID}}/{{AccessKeyID}}", session, "111122223333/ASIAEXAMPLE", false},
		{"no template", "plain", session, "plain", false},
		{"node of an instance session", "system:node:{{EC2PrivateDNSName}}", instance, "system:node:ip-10-0-0-1.0123456789abcdef0.ec2.internal", false},
		{"node template for a person", "system:node:{{EC2PrivateDNSName}}", session, "", true},
		{"node template, 8-character instance ID", "{{EC2PrivateDNSName}}", &Identity{SessionName: "i-01234567"}, "ip-10-0-0-1.01234567.ec2.internal", false},
		{"node template, malformed instance ID", "{{EC2PrivateDNSName}}", &Identity{SessionName: "i-012345"}, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := render(tc.tmpl, tc.id)
			if (err != nil) != tc.wantErr || got != tc.want {
				t.Errorf("render(%q) = %q, %v; want %q, error %v", tc.tmpl, got, err, tc.want, tc.wantErr)
			}
		})
	}
}
