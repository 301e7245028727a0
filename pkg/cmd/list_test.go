package cmd

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestListARNIdentity: list --arn -o json carries the identity after the
// authenticator's templates are rendered, next to the raw entry.
func TestListARNIdentity(t *testing.T) {
	doc := `apiVersion: v1
kind: ConfigMap
metadata: {name: aws-auth, namespace: kube-system}
data:
  mapRoles: |
    - rolearn: arn:aws:iam::111122223333:role/Dev
      username: "dev:{{SessionName}}"
      groups: ["team-{{AccountID}}", "raw-{{SessionNameRaw}}"]
    - rolearn: arn:aws:iam::111122223333:role/eks-node
      username: system:node:{{EC2PrivateDNSName}}
      groups: [system:bootstrappers, system:nodes]
  mapAccounts: |
    - "444455556666"
`
	path := filepath.Join(t.TempDir(), "aws-auth.yaml")
	if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	type identity struct {
		ARN           string   `json:"arn"`
		CanonicalARN  string   `json:"canonicalARN"`
		Authenticated bool     `json:"authenticated"`
		Username      string   `json:"username"`
		Groups        []string `json:"groups"`
		Via           string   `json:"via"`
		Reason        string   `json:"reason"`
	}
	tests := []struct {
		name string
		arn  string
		want identity
		// rawUsername is the entry's username as written, kept in items.
		rawUsername string
	}{
		{"templates in username and groups", "arn:aws:sts::111122223333:assumed-role/Dev/jane@example.com", identity{
			CanonicalARN: "arn:aws:iam::111122223333:role/Dev", Authenticated: true,
			Username: "dev:jane-example.com", Groups: []string{"team-111122223333", "raw-jane@example.com"}, Via: "mapRoles line 1",
		}, "dev:{{SessionName}}"},
		{"node template for a non-instance session", "arn:aws:sts::111122223333:assumed-role/eks-node/alice", identity{
			CanonicalARN: "arn:aws:iam::111122223333:role/eks-node", Groups: []string{}, Via: "mapRoles line 4",
			Reason: `the entry matches, but the authenticator refuses the caller: username "system:node:{{EC2PrivateDNSName}}": SessionName did not contain an instance id: {{EC2PrivateDNSName}} renders only for EC2 instance sessions`,
		}, "system:node:{{EC2PrivateDNSName}}"},
		{"mapAccounts: the canonical ARN, no groups", "arn:aws:sts::444455556666:assumed-role/Any/bob", identity{
			CanonicalARN: "arn:aws:iam::444455556666:role/Any", Authenticated: true,
			Username: "arn:aws:iam::444455556666:role/Any", Groups: []string{}, Via: "mapAccounts line 1",
		}, ""},
		{"not mapped", "arn:aws:iam::111122223333:user/nobody", identity{
			CanonicalARN: "arn:aws:iam::111122223333:user/nobody", Groups: []string{}, Reason: "no entry of aws-auth maps it",
		}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, "", "list", "-f", path, "--arn", tc.arn, "-o", "json")
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			var l struct {
				Identity *identity `json:"identity"`
				Items    []struct {
					Username string `json:"username"`
				} `json:"items"`
			}
			if err := json.Unmarshal([]byte(r.stdout), &l); err != nil {
				t.Fatalf("not JSON: %v\n%s", err, r.stdout)
			}
			tc.want.ARN = tc.arn
			if l.Identity == nil || !reflect.DeepEqual(*l.Identity, tc.want) {
				t.Errorf("identity:\n got %+v\nwant %+v", l.Identity, tc.want)
			}
			if tc.rawUsername != "" && (len(l.Items) != 1 || l.Items[0].Username != tc.rawUsername) {
				t.Errorf("items must keep the entry as written (%q): %+v", tc.rawUsername, l.Items)
			}
		})
	}
	// Without --arn there is no identity.
	r := run(t, "", "list", "-f", path, "-o", "json")
	var l map[string]any
	if err := json.Unmarshal([]byte(r.stdout), &l); err != nil {
		t.Fatal(err)
	}
	if _, ok := l["identity"]; ok {
		t.Errorf("identity without --arn: %v", l["identity"])
	}
}
