package fakeaws_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/eksaccess/kubectl-eksaccess/test/sandbox/fakeaws"
)

func TestPolicyEvaluate(t *testing.T) {
	var p fakeaws.Policy
	doc := `{"Version":"2012-10-17","Statement":[
	  {"Effect":"Allow","Action":["eks:Describe*","eks:List?ccessEntries"],"Resource":"arn:aws:eks:*:111122223333:cluster/demo"},
	  {"Effect":"Allow","Action":"EKS:CreateAccessEntry","Resource":["*"]},
	  {"Effect":"Deny","Action":"eks:CreateAccessEntry","Resource":"arn:aws:eks:eu-west-1:111122223333:cluster/prod*"}]}`
	if err := json.Unmarshal([]byte(doc), &p); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		action, resource string
		want             fakeaws.Decision
	}{
		{"eks:DescribeCluster", "arn:aws:eks:eu-west-1:111122223333:cluster/demo", fakeaws.Allowed},
		{"eks:describecluster", "arn:aws:eks:eu-west-1:111122223333:cluster/demo", fakeaws.Allowed},
		{"eks:DescribeCluster", "arn:aws:eks:eu-west-1:111122223333:cluster/Demo", fakeaws.ImplicitDeny},
		{"eks:DescribeCluster", "arn:aws:eks:eu-west-1:111122223333:cluster/demo2", fakeaws.ImplicitDeny},
		{"eks:ListAccessEntries", "arn:aws:eks:eu-west-1:111122223333:cluster/demo", fakeaws.Allowed},
		{"eks:ListAAccessEntries", "arn:aws:eks:eu-west-1:111122223333:cluster/demo", fakeaws.ImplicitDeny},
		{"eks:UpdateClusterConfig", "arn:aws:eks:eu-west-1:111122223333:cluster/demo", fakeaws.ImplicitDeny},
		{"eks:CreateAccessEntry", "arn:aws:eks:eu-west-1:111122223333:cluster/demo", fakeaws.Allowed},
		{"eks:CreateAccessEntry", "arn:aws:eks:eu-west-1:111122223333:cluster/prod-1", fakeaws.ExplicitDeny},
	} {
		if got := p.Evaluate(tc.action, tc.resource); got != tc.want {
			t.Errorf("%s on %s: got %v, want %v", tc.action, tc.resource, got, tc.want)
		}
	}
	var none *fakeaws.Policy
	if none.Evaluate("iam:DeleteRole", "*") != fakeaws.Allowed {
		t.Error("no policy must allow everything")
	}
	if err := (&fakeaws.Policy{Statement: []fakeaws.Statement{{Effect: "allow"}}}).Validate(); err == nil {
		t.Error("Effect allow (lower case) must be refused")
	}
}

// TestAccessDeniedShapes checks every service's refusal on the wire and
// through the SDK: EKS REST-JSON AccessDeniedException, IAM and STS query
// XML AccessDenied, each 403 naming the caller, action and resource.
func TestAccessDeniedShapes(t *testing.T) {
	e := start(t)
	ctx := context.Background()
	const mallory = "arn:aws:iam::111122223333:user/mallory"
	if err := e.state.SetPolicy(mallory, fakeaws.Allow("eks:DescribeCluster")); err != nil {
		t.Fatal(err)
	}
	cfg := e.cfg(t, "mallory")
	ec := eks.NewFromConfig(cfg)
	if _, err := ec.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String("demo")}); err != nil {
		t.Fatalf("allowed DescribeCluster: %v", err)
	}
	denied := func(err error, code, msg string) {
		t.Helper()
		var api smithy.APIError
		if !errors.As(err, &api) {
			t.Fatalf("want %s, got %v", code, err)
		}
		if api.ErrorCode() != code || api.ErrorMessage() != msg {
			t.Errorf("got %s: %s\nwant %s: %s", api.ErrorCode(), api.ErrorMessage(), code, msg)
		}
	}
	_, err := ec.CreateAccessEntry(ctx, &eks.CreateAccessEntryInput{ClusterName: aws.String("demo"), PrincipalArn: aws.String(mallory)})
	denied(err, "AccessDeniedException", "User: "+mallory+" is not authorized to perform: eks:CreateAccessEntry on resource: arn:aws:eks:eu-west-1:111122223333:cluster/demo")
	if v, _ := e.state.Cluster("demo"); len(v.Entries) != 1 {
		t.Errorf("a refused create changed the cluster: %d entries", len(v.Entries))
	}
	_, err = iam.NewFromConfig(cfg).GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("admin")})
	denied(err, "AccessDenied", "User: "+mallory+" is not authorized to perform: iam:GetRole on resource: arn:aws:iam::111122223333:role/platform/admin")
	// GetCallerIdentity needs no permission, as on AWS.
	if _, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Errorf("GetCallerIdentity: %v", err)
	}

	// The raw responses.
	creds, _ := cfg.Credentials.Retrieve(ctx)
	signed := func(service, method, url, body string) *http.Response {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, method, url, strings.NewReader(body))
		if body != "" && service != "eks" {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		sum := sha256.Sum256([]byte(body))
		if err := v4.NewSigner().SignHTTP(ctx, creds, req, hex.EncodeToString(sum[:]), service, "eu-west-1", time.Now()); err != nil {
			t.Fatal(err)
		}
		resp, err := e.srv.CA.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	resp := signed("eks", http.MethodPost, e.srv.EKSURL+"/clusters/demo/access-entries", `{"principalArn":"`+mallory+`"}`)
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 403 || resp.Header.Get("X-Amzn-Errortype") != "AccessDeniedException" {
		t.Errorf("EKS: %d %q", resp.StatusCode, resp.Header.Get("X-Amzn-Errortype"))
	}
	var body map[string]string
	if err := json.Unmarshal(b, &body); err != nil || !strings.HasPrefix(body["message"], "User: "+mallory+" is not authorized to perform: eks:CreateAccessEntry on resource: arn:aws:eks:") {
		t.Errorf("EKS body: %s", b)
	}
	resp = signed("iam", http.MethodPost, e.srv.IAMURL+"/", "Action=GetUser&UserName=alice&Version=2010-05-08")
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	var x struct {
		XMLName xml.Name `xml:"ErrorResponse"`
		Error   struct{ Type, Code, Message string }
		ReqID   string `xml:"RequestId"`
	}
	if err := xml.Unmarshal(b, &x); err != nil || resp.StatusCode != 403 || x.Error.Type != "Sender" || x.Error.Code != "AccessDenied" || x.ReqID == "" ||
		x.Error.Message != "User: "+mallory+" is not authorized to perform: iam:GetUser on resource: arn:aws:iam::111122223333:user/alice" {
		t.Errorf("IAM: %d %s", resp.StatusCode, b)
	}

	// An explicit deny wins over an allow, and says so.
	if err := e.state.SetPolicy(mallory, &fakeaws.Policy{Statement: []fakeaws.Statement{
		{Effect: "Allow", Action: []string{"eks:*"}, Resource: []string{"*"}},
		{Effect: "Deny", Action: []string{"eks:DescribeCluster"}, Resource: []string{"*"}},
	}}); err != nil {
		t.Fatal(err)
	}
	_, err = ec.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String("demo")})
	denied(err, "AccessDeniedException", "User: "+mallory+" is not authorized to perform: eks:DescribeCluster on resource: arn:aws:eks:eu-west-1:111122223333:cluster/demo with an explicit deny in an identity-based policy")
	if _, err := ec.ListClusters(ctx, &eks.ListClustersInput{}); err != nil {
		t.Errorf("eks:* allows ListClusters: %v", err)
	}
}

// TestAssumeRolePolicy: a trust policy naming the caller suffices; an
// explicit deny of sts:AssumeRole in the caller's policy refuses it.
func TestAssumeRolePolicy(t *testing.T) {
	e := start(t)
	ctx := context.Background()
	const bob, role = "arn:aws:iam::111122223333:user/bob", "arn:aws:iam::111122223333:role/platform/admin"
	if err := e.state.SetPolicy(bob, fakeaws.Allow("eks:ListClusters")); err != nil {
		t.Fatal(err)
	}
	c := sts.NewFromConfig(e.cfg(t, "bob"))
	if _, err := c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(role), RoleSessionName: aws.String("s1")}); err != nil {
		t.Fatalf("trusted by name: %v", err)
	}
	if err := e.state.SetPolicy(bob, &fakeaws.Policy{Statement: []fakeaws.Statement{{Effect: "Deny", Action: []string{"sts:AssumeRole"}, Resource: []string{"*"}}}}); err != nil {
		t.Fatal(err)
	}
	_, err := c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(role), RoleSessionName: aws.String("s1")})
	if code(t, err) != "AccessDenied" {
		t.Errorf("explicit deny: %v", err)
	}
}
