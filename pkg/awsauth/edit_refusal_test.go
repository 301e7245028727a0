package awsauth

import (
	"encoding/json"
	"strings"
	"testing"

	yamlv2 "go.yaml.in/yaml/v2"
	yamlv3 "go.yaml.in/yaml/v3"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"

	"github.com/eksaccess/kubectl-eksaccess/pkg/awsauth/internal/yamltext"
)

// TestEditScalarRoundTrip checks that every scalar the engine writes reads
// back as the intended string in yaml.v2 (mapAccounts, and the first step
// of the authenticator's ToJSON), yaml.v3 (our own edit analysis) and the
// authenticator's JSON path (utilyaml.ToJSON then encoding/json), in every
// quoting the engine may pick, and through a whole Apply.
func TestEditScalarRoundTrip(t *testing.T) {
	values := []string{
		"plain", "dev:{{SessionName}}", "it's", `a"b\c`, "yes", "012", "a: b", "#x", "- x", " lead", "trail ",
		"x\U0001F600y",             // emoji, outside the BMP
		"x\U000E0041y",             // a tag character: outside the BMP and not printable
		"\U000F0000", "\U0010FFFD", // private use planes
		"\u00a0nbsp", "c1\u0080", "\ufffe", "tab\there", "é", "日本",
	}
	for _, v := range values {
		for _, q := range []yamltext.Quote{yamltext.Plain, yamltext.Single, yamltext.Double} {
			text := "k: " + yamltext.Scalar(v, q) + "\n"
			var m2 map[string]string
			if err := yamlv2.Unmarshal([]byte(text), &m2); err != nil || m2["k"] != v {
				t.Errorf("yaml.v2 reads %q as %q (err %v), want %q", text, m2["k"], err, v)
			}
			var m3 map[string]string
			if err := yamlv3.Unmarshal([]byte(text), &m3); err != nil || m3["k"] != v {
				t.Errorf("yaml.v3 reads %q as %q (err %v), want %q", text, m3["k"], err, v)
			}
			js, err := utilyaml.ToJSON([]byte(text))
			var mj map[string]string
			if err == nil {
				err = json.Unmarshal(js, &mj)
			}
			if err != nil || mj["k"] != v {
				t.Errorf("the authenticator's JSON path reads %q as %q (err %v), want %q", text, mj["k"], err, v)
			}
		}
		if !oneLine(v) {
			continue
		}
		for _, doc := range []string{"- userarn: arn:aws:iam::111122223333:user/a\n", "- userarn: arn:aws:iam::111122223333:user/a\n  username: 'q'\n", `[{"userarn": "arn:aws:iam::111122223333:user/a"}]`} {
			for _, target := range []string{"a", "b"} {
				c := Change{Op: OpAdd, Kind: KindUser, ARN: "arn:aws:iam::111122223333:user/" + target, Username: v, Groups: []string{v}}
				res, err := Apply(map[string]string{KeyUsers: doc}, c)
				if err != nil {
					t.Errorf("add user/%s --username %q to %q: %v", target, v, doc, err)
					continue
				}
				p, _ := Canonicalize(c.ARN)
				if m := Parse(res.Data).Lookup(p, ""); m == nil || m.Entry.Username != v || len(m.Entry.Groups) != 1 || m.Entry.Groups[0] != v {
					t.Errorf("add user/%s --username %q to %q: loads as %+v\n%q", target, v, doc, m, res.Data[KeyUsers])
				}
			}
		}
	}
}

// TestEditRefusals checks edits the engine used to refuse wrongly, and
// that every refusal is one line naming the cause.
func TestEditRefusals(t *testing.T) {
	const admin = "- rolearn: arn:aws:iam::111122223333:role/Admin\n  username: admin\n  groups:\n    - system:masters\n"
	tests := []struct {
		name string
		data map[string]string
		op   string
		want map[string]string // result data; nil when err is set
		err  string
	}{
		{
			name: "BOM: remove the first entry",
			data: map[string]string{KeyRoles: "\ufeff" + admin + "- rolearn: arn:aws:iam::111122223333:role/b\n"},
			op:   "remove arn:aws:iam::111122223333:role/Admin",
			want: map[string]string{KeyRoles: "\ufeff- rolearn: arn:aws:iam::111122223333:role/b\n"},
		},
		{
			name: "BOM: update the first entry",
			data: map[string]string{KeyRoles: "\ufeff" + admin},
			op:   "add arn:aws:iam::111122223333:role/Admin --group devs",
			want: map[string]string{KeyRoles: "\ufeff" + strings.Replace(admin, "system:masters", "devs", 1)},
		},
		{
			name: "BOM: add to a key holding only a comment",
			data: map[string]string{KeyUsers: "\ufeff# none yet\n"},
			op:   "add arn:aws:iam::111122223333:user/u --group g",
			want: map[string]string{KeyUsers: "\ufeff# none yet\n- userarn: arn:aws:iam::111122223333:user/u\n  username: u\n  groups:\n    - g\n"},
		},
		{
			name: "BOM: JSON value, remove",
			data: map[string]string{KeyUsers: "\ufeff[{\"userarn\": \"arn:aws:iam::111122223333:user/alice\", \"username\": \"alice\"}, {\"userarn\": \"arn:aws:iam::111122223333:user/bob\"}]\n"},
			op:   "remove arn:aws:iam::111122223333:user/alice",
			want: map[string]string{KeyUsers: "\ufeff[{\"userarn\": \"arn:aws:iam::111122223333:user/bob\"}]\n"},
		},
		{
			name: "BOM: JSON value, update",
			data: map[string]string{KeyUsers: "\ufeff[{\"userarn\": \"arn:aws:iam::111122223333:user/alice\", \"username\": \"alice\"}]\n"},
			op:   "add arn:aws:iam::111122223333:user/alice --group devs",
			want: map[string]string{KeyUsers: "\ufeff[{\"userarn\": \"arn:aws:iam::111122223333:user/alice\", \"username\": \"alice\", \"groups\": [\"devs\"]}]\n"},
		},
		{
			name: "the only entry of the first of two documents",
			data: map[string]string{KeyRoles: admin + "---\n- rolearn: arn:aws:iam::111122223333:role/Ignored\n"},
			op:   "remove arn:aws:iam::111122223333:role/Admin",
			want: map[string]string{KeyRoles: "[]\n---\n- rolearn: arn:aws:iam::111122223333:role/Ignored\n"},
		},
		{
			name: "a numeric username stays while the groups change",
			data: map[string]string{KeyRoles: "- rolearn: arn:aws:iam::111122223333:role/Admin\n  username: 12345\n  groups: [system:masters]\n"},
			op:   "add arn:aws:iam::111122223333:role/Admin --group devs",
			want: map[string]string{KeyRoles: "- rolearn: arn:aws:iam::111122223333:role/Admin\n  username: 12345\n  groups: [devs]\n"},
		},
		{
			name: "mapAccounts `` is skipped by the authenticator: replaced",
			data: map[string]string{KeyAccounts: "``"},
			op:   "add --account 999988887777",
			want: map[string]string{KeyAccounts: "- \"999988887777\"\n"},
		},
		{
			name: "a broken key's multi-line YAML error is one line",
			data: map[string]string{KeyAccounts: "111122223333"},
			op:   "add --account 999988887777",
			err:  "aws-auth mapAccounts: line 1: yaml: unmarshal errors: line 1: cannot unmarshal",
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
				if err == nil || !strings.Contains(err.Error(), tt.err) || strings.ContainsAny(err.Error(), "\r\n") {
					t.Fatalf("err = %q, want one line with %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tt.want {
				if res.Data[k] != v {
					t.Errorf("%s = %q\nwant %q", k, res.Data[k], v)
				}
			}
			editCheckMinimal(t, tt.data, res)
			if err := CheckNotWorse(tt.data, res.Data, c); err != nil {
				t.Errorf("CheckNotWorse: %v", err)
			}
		})
	}
}
