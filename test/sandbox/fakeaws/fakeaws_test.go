package fakeaws_test

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/eksaccess/kubectl-eksaccess/test/sandbox/awstoken"
	"github.com/eksaccess/kubectl-eksaccess/test/sandbox/fakeaws"
)

const seedYAML = `
account: "111122223333"
region: eu-west-1
users:
  - name: alice
  - name: bob
  - name: mallory
roles:
  - name: admin
    path: /platform/
    assumableBy: ["arn:aws:iam::111122223333:user/bob"]
clusters:
  - name: demo
    creator: arn:aws:iam::111122223333:user/alice
    authenticationMode: API_AND_CONFIG_MAP
  - name: legacy
    creator: arn:aws:iam::111122223333:user/alice
`

type env struct {
	srv   *fakeaws.Servers
	state *fakeaws.State
	dir   string
}

func start(t *testing.T) *env { t.Helper(); return startSeed(t, seedYAML) }

// startSeed serves the sandbox seeded with seedText, its CA in dir/ca.pem.
func startSeed(t *testing.T, seedText string) *env {
	t.Helper()
	seed, err := fakeaws.ParseSeed([]byte(seedText))
	if err != nil {
		t.Fatal(err)
	}
	st, err := fakeaws.NewState(seed)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := fakeaws.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := fakeaws.Start(st, ca, fakeaws.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close(context.Background()) })
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "ca.pem"), ca.PEM, 0o600); err != nil {
		t.Fatal(err)
	}
	return &env{srv: srv, state: st, dir: dir}
}

// cfg is an SDK config for the named user, pointed at the sandbox only
// through the environment, as a user would.
func (e *env) cfg(t *testing.T, user string) aws.Config {
	t.Helper()
	return e.cfgIn(t, user, "eu-west-1")
}

// cfgIn is cfg in another region.
func (e *env) cfgIn(t *testing.T, user, region string) aws.Config {
	t.Helper()
	t.Setenv("AWS_ENDPOINT_URL_STS", e.srv.STSURL)
	t.Setenv("AWS_ENDPOINT_URL_EKS", e.srv.EKSURL)
	t.Setenv("AWS_ENDPOINT_URL_IAM", e.srv.IAMURL)
	t.Setenv("AWS_CA_BUNDLE", filepath.Join(e.dir, "ca.pem"))
	t.Setenv("AWS_REGION", region)
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(e.dir, "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(e.dir, "none"))
	var p fakeaws.Principal
	for _, u := range e.state.Users() {
		if u.Name == user {
			p = u
		}
	}
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(p.AccessKeyID, p.Secret, "")))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func code(t *testing.T, err error) string {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want an AWS API error, got %v", err)
	}
	return ae.ErrorCode()
}

func TestSTSGetCallerIdentitySigned(t *testing.T) {
	e := start(t)
	out, err := sts.NewFromConfig(e.cfg(t, "alice")).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(out.Arn); got != "arn:aws:iam::111122223333:user/alice" {
		t.Errorf("Arn = %s", got)
	}
	if got := aws.ToString(out.Account); got != "111122223333" {
		t.Errorf("Account = %s", got)
	}
	if !strings.HasPrefix(aws.ToString(out.UserId), "AIDA") {
		t.Errorf("UserId = %s", aws.ToString(out.UserId))
	}
}

func TestSTSWrongSecret(t *testing.T) {
	e := start(t)
	cfg := e.cfg(t, "alice")
	c, _ := cfg.Credentials.Retrieve(context.Background())
	cfg.Credentials = credentials.NewStaticCredentialsProvider(c.AccessKeyID, "wrong"+c.SecretAccessKey, "")
	_, err := sts.NewFromConfig(cfg).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if got := code(t, err); got != "SignatureDoesNotMatch" {
		t.Errorf("code = %s, want SignatureDoesNotMatch", got)
	}
	cfg.Credentials = credentials.NewStaticCredentialsProvider("AKIANOTKNOWN00000000", "x", "")
	_, err = sts.NewFromConfig(cfg).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if got := code(t, err); got != "InvalidClientTokenId" {
		t.Errorf("code = %s, want InvalidClientTokenId", got)
	}
}

// replay does what the authenticator does with a token: GET the presigned
// URL with x-k8s-aws-id set to its own cluster name.
func (e *env) replay(t *testing.T, token, cluster string) (int, string) {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(token, awstoken.Prefix))
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, string(b), nil)
	req.Header.Set(awstoken.ClusterIDHeader, cluster)
	req.Header.Set("Accept", "application/json")
	resp, err := e.srv.CA.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var sb strings.Builder
	_, _ = io.Copy(&sb, resp.Body)
	return resp.StatusCode, sb.String()
}

func TestSTSPresignedToken(t *testing.T) {
	e := start(t)
	tok, err := awstoken.New(context.Background(), sts.NewFromConfig(e.cfg(t, "alice")), "demo")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(tok, awstoken.Prefix))
	pu, _ := url.Parse(string(u))
	if pu.Query().Get("X-Amz-Expires") != "60" || !strings.Contains(pu.Query().Get("X-Amz-SignedHeaders"), "x-k8s-aws-id") {
		t.Errorf("presigned URL lacks X-Amz-Expires=60 or a signed x-k8s-aws-id: %s", pu.Query().Get("X-Amz-SignedHeaders"))
	}
	if code, body := e.replay(t, tok, "demo"); code != 200 || !strings.Contains(body, `"Arn":"arn:aws:iam::111122223333:user/alice"`) {
		t.Errorf("replay for the right cluster: %d %s", code, body)
	}
	if code, body := e.replay(t, tok, "other"); code != 403 || !strings.Contains(body, "SignatureDoesNotMatch") {
		t.Errorf("replay for another cluster: %d %s", code, body)
	}
	e.state.SetNow(func() time.Time { return time.Now().Add(16 * time.Minute) })
	if code, body := e.replay(t, tok, "demo"); code != 403 || !strings.Contains(body, "ExpiredToken") || !strings.Contains(body, "Request has expired") {
		t.Errorf("replay after 16 minutes: %d %s", code, body)
	}
}

func TestSTSAssumeRole(t *testing.T) {
	e := start(t)
	ctx := context.Background()
	role := "arn:aws:iam::111122223333:role/platform/admin"
	out, err := sts.NewFromConfig(e.cfg(t, "bob")).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(role), RoleSessionName: aws.String("bob@example.com")})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(out.AssumedRoleUser.Arn); got != "arn:aws:sts::111122223333:assumed-role/admin/bob@example.com" {
		t.Errorf("assumed-role ARN = %s", got)
	}
	cfg := e.cfg(t, "bob")
	cfg.Credentials = credentials.NewStaticCredentialsProvider(aws.ToString(out.Credentials.AccessKeyId), aws.ToString(out.Credentials.SecretAccessKey), aws.ToString(out.Credentials.SessionToken))
	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(aws.ToString(id.UserId), ":bob@example.com") {
		t.Errorf("UserId = %s", aws.ToString(id.UserId))
	}
	// Without the session token the session's key is unknown.
	cfg.Credentials = credentials.NewStaticCredentialsProvider(aws.ToString(out.Credentials.AccessKeyId), aws.ToString(out.Credentials.SecretAccessKey), "")
	_, err = sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if got := code(t, err); got != "InvalidClientTokenId" {
		t.Errorf("without session token: %s", got)
	}
	_, err = sts.NewFromConfig(e.cfg(t, "mallory")).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(role), RoleSessionName: aws.String("x1")})
	if got := code(t, err); got != "AccessDenied" || !strings.Contains(err.Error(), "user/mallory is not authorized to perform: sts:AssumeRole") {
		t.Errorf("mallory: %v", err)
	}
	// The trust policy names the role with its path; without it, no role.
	_, err = sts.NewFromConfig(e.cfg(t, "bob")).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::111122223333:role/admin"), RoleSessionName: aws.String("x1")})
	if got := code(t, err); got != "AccessDenied" {
		t.Errorf("role without its path: %v", err)
	}
}

func TestIAMGetRolePath(t *testing.T) {
	e := start(t)
	c := iam.NewFromConfig(e.cfg(t, "alice"))
	out, err := c.GetRole(context.Background(), &iam.GetRoleInput{RoleName: aws.String("admin")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Role.Path) != "/platform/" || aws.ToString(out.Role.Arn) != "arn:aws:iam::111122223333:role/platform/admin" {
		t.Errorf("role = %s %s", aws.ToString(out.Role.Path), aws.ToString(out.Role.Arn))
	}
	u, err := c.GetUser(context.Background(), &iam.GetUserInput{})
	if err != nil || aws.ToString(u.User.UserName) != "alice" {
		t.Errorf("GetUser = %v, %v", u, err)
	}
	_, err = c.GetRole(context.Background(), &iam.GetRoleInput{RoleName: aws.String("nope")})
	if got := code(t, err); got != "NoSuchEntity" {
		t.Errorf("missing role: %s", got)
	}
}

func TestEKSDescribeAndMode(t *testing.T) {
	e := start(t)
	ctx := context.Background()
	c := eks.NewFromConfig(e.cfg(t, "alice"))
	if err := e.state.SetClusterEndpoint("legacy", "https://127.0.0.1:6443", "Q0E="); err != nil {
		t.Fatal(err)
	}
	out, err := c.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String("legacy")})
	if err != nil {
		t.Fatal(err)
	}
	cl := out.Cluster
	if aws.ToString(cl.Endpoint) != "https://127.0.0.1:6443" || aws.ToString(cl.CertificateAuthority.Data) != "Q0E=" ||
		cl.AccessConfig.AuthenticationMode != ekstypes.AuthenticationModeConfigMap || !aws.ToBool(cl.AccessConfig.BootstrapClusterCreatorAdminPermissions) {
		t.Errorf("cluster = %+v %+v", cl, cl.AccessConfig)
	}
	_, err = c.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String("nope")})
	if got := code(t, err); got != "ResourceNotFoundException" {
		t.Errorf("missing cluster: %s", got)
	}
	// Access entries need an API mode.
	_, err = c.ListAccessEntries(ctx, &eks.ListAccessEntriesInput{ClusterName: aws.String("legacy")})
	if got := code(t, err); got != "InvalidRequestException" {
		t.Errorf("entries in CONFIG_MAP mode: %s", got)
	}
	mode := func(m ekstypes.AuthenticationMode) error {
		_, err := c.UpdateClusterConfig(ctx, &eks.UpdateClusterConfigInput{Name: aws.String("legacy"), AccessConfig: &ekstypes.UpdateAccessConfigRequest{AuthenticationMode: m}})
		return err
	}
	if err := mode(ekstypes.AuthenticationModeApiAndConfigMap); err != nil {
		t.Fatal(err)
	}
	// The creator's entry appears with the mode.
	l, err := c.ListAccessEntries(ctx, &eks.ListAccessEntriesInput{ClusterName: aws.String("legacy")})
	if err != nil || len(l.AccessEntries) != 1 || l.AccessEntries[0] != "arn:aws:iam::111122223333:user/alice" {
		t.Errorf("entries after the switch: %v %v", l, err)
	}
	if got := code(t, mode(ekstypes.AuthenticationModeConfigMap)); got != "InvalidParameterException" {
		t.Errorf("back to CONFIG_MAP: %s", got)
	}
	if err := mode(ekstypes.AuthenticationModeApi); err != nil {
		t.Fatal(err)
	}
	if got := code(t, mode(ekstypes.AuthenticationModeApiAndConfigMap)); got != "InvalidParameterException" {
		t.Errorf("back from API: %s", got)
	}
}

func TestEKSAccessEntries(t *testing.T) {
	e := start(t)
	ctx := context.Background()
	c := eks.NewFromConfig(e.cfg(t, "alice"))
	cluster := aws.String("demo")
	bob := "arn:aws:iam::111122223333:user/bob"
	role := "arn:aws:iam::111122223333:role/platform/admin"

	for _, tc := range []struct {
		name string
		in   eks.CreateAccessEntryInput
		code string
	}{
		{"reserved username", eks.CreateAccessEntryInput{PrincipalArn: aws.String(bob), Username: aws.String("system:bob")}, "InvalidParameterException"},
		{"eks: username", eks.CreateAccessEntryInput{PrincipalArn: aws.String(bob), Username: aws.String("eks:bob")}, "InvalidParameterException"},
		{"system group", eks.CreateAccessEntryInput{PrincipalArn: aws.String(bob), KubernetesGroups: []string{"system:masters"}}, "InvalidParameterException"},
		{"sts ARN", eks.CreateAccessEntryInput{PrincipalArn: aws.String("arn:aws:sts::111122223333:assumed-role/admin/s")}, "InvalidParameterException"},
		{"role without its path", eks.CreateAccessEntryInput{PrincipalArn: aws.String("arn:aws:iam::111122223333:role/admin")}, "InvalidParameterException"},
		{"node type with groups", eks.CreateAccessEntryInput{PrincipalArn: aws.String(role), Type: aws.String("EC2_LINUX"), KubernetesGroups: []string{"nodes"}}, "InvalidParameterException"},
		{"creator exists", eks.CreateAccessEntryInput{PrincipalArn: aws.String("arn:aws:iam::111122223333:user/alice")}, "ResourceInUseException"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			in.ClusterName = cluster
			_, err := c.CreateAccessEntry(ctx, &in)
			if got := code(t, err); got != tc.code {
				t.Errorf("code = %s, want %s (%v)", got, tc.code, err)
			}
		})
	}

	out, err := c.CreateAccessEntry(ctx, &eks.CreateAccessEntryInput{ClusterName: cluster, PrincipalArn: aws.String(role), KubernetesGroups: []string{"platform"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(out.AccessEntry.Username); got != "arn:aws:sts::111122223333:assumed-role/admin/{{SessionName}}" {
		t.Errorf("default role username = %s", got)
	}
	d, err := c.DescribeAccessEntry(ctx, &eks.DescribeAccessEntryInput{ClusterName: cluster, PrincipalArn: aws.String(role)})
	if err != nil || aws.ToString(d.AccessEntry.Type) != "STANDARD" || len(d.AccessEntry.KubernetesGroups) != 1 {
		t.Fatalf("describe = %+v, %v", d, err)
	}
	u, err := c.UpdateAccessEntry(ctx, &eks.UpdateAccessEntryInput{ClusterName: cluster, PrincipalArn: aws.String(role), Username: aws.String("platform-admin")})
	if err != nil || aws.ToString(u.AccessEntry.Username) != "platform-admin" {
		t.Fatalf("update = %+v, %v", u, err)
	}
	_, err = c.UpdateAccessEntry(ctx, &eks.UpdateAccessEntryInput{ClusterName: cluster, PrincipalArn: aws.String(role), KubernetesGroups: []string{"system:nodes"}})
	if got := code(t, err); got != "InvalidParameterException" {
		t.Errorf("update to a system group: %s", got)
	}

	view := "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"
	_, err = c.AssociateAccessPolicy(ctx, &eks.AssociateAccessPolicyInput{ClusterName: cluster, PrincipalArn: aws.String(role), PolicyArn: aws.String(view), AccessScope: &ekstypes.AccessScope{Type: ekstypes.AccessScopeTypeNamespace}})
	if got := code(t, err); got != "InvalidParameterException" {
		t.Errorf("namespace scope without namespaces: %s", got)
	}
	_, err = c.AssociateAccessPolicy(ctx, &eks.AssociateAccessPolicyInput{ClusterName: cluster, PrincipalArn: aws.String(role), PolicyArn: aws.String(view + "X"), AccessScope: &ekstypes.AccessScope{Type: ekstypes.AccessScopeTypeCluster}})
	if got := code(t, err); got != "ResourceNotFoundException" {
		t.Errorf("unknown policy: %s", got)
	}
	if _, err := c.AssociateAccessPolicy(ctx, &eks.AssociateAccessPolicyInput{ClusterName: cluster, PrincipalArn: aws.String(role), PolicyArn: aws.String(view), AccessScope: &ekstypes.AccessScope{Type: ekstypes.AccessScopeTypeNamespace, Namespaces: []string{"team-*"}}}); err != nil {
		t.Fatal(err)
	}
	lp, err := c.ListAssociatedAccessPolicies(ctx, &eks.ListAssociatedAccessPoliciesInput{ClusterName: cluster, PrincipalArn: aws.String(role)})
	if err != nil || len(lp.AssociatedAccessPolicies) != 1 || lp.AssociatedAccessPolicies[0].AccessScope.Namespaces[0] != "team-*" {
		t.Fatalf("associated = %+v, %v", lp, err)
	}
	le, err := c.ListAccessEntries(ctx, &eks.ListAccessEntriesInput{ClusterName: cluster, AssociatedPolicyArn: aws.String(view)})
	if err != nil || len(le.AccessEntries) != 1 || le.AccessEntries[0] != role {
		t.Fatalf("entries with the view policy = %+v, %v", le, err)
	}
	// Paginated through the SDK's paginator.
	var all []string
	pg := eks.NewListAccessEntriesPaginator(c, &eks.ListAccessEntriesInput{ClusterName: cluster, MaxResults: aws.Int32(1)})
	for pg.HasMorePages() {
		p, err := pg.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, p.AccessEntries...)
	}
	if len(all) != 2 {
		t.Errorf("paginated entries = %v", all)
	}
	pols, err := c.ListAccessPolicies(ctx, &eks.ListAccessPoliciesInput{})
	if err != nil || len(pols.AccessPolicies) < 4 {
		t.Errorf("access policies = %+v, %v", pols, err)
	}
	if _, err := c.DisassociateAccessPolicy(ctx, &eks.DisassociateAccessPolicyInput{ClusterName: cluster, PrincipalArn: aws.String(role), PolicyArn: aws.String(view)}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteAccessEntry(ctx, &eks.DeleteAccessEntryInput{ClusterName: cluster, PrincipalArn: aws.String(role)}); err != nil {
		t.Fatal(err)
	}
	_, err = c.DescribeAccessEntry(ctx, &eks.DescribeAccessEntryInput{ClusterName: cluster, PrincipalArn: aws.String(role)})
	if got := code(t, err); got != "ResourceNotFoundException" {
		t.Errorf("deleted entry: %s", got)
	}
}
