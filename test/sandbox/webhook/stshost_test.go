package webhook

import (
	"context"
	"encoding/base64"
	"io"
	"log"
	"net/url"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/eksaccess/kubectl-eksaccess/test/sandbox/awstoken"
	"github.com/eksaccess/kubectl-eksaccess/test/sandbox/fakeaws"
)

// The allow-list as read in aws-iam-authenticator v0.7.13 pkg/token
// (verifySTSHostnameFormat): "" is accepted, anything else is the start of
// the refusal after "input token was not properly formatted: ".
var hostCases = []struct{ partition, host, refusal string }{
	{"aws", "sts.amazonaws.com", ""},
	{"aws", "sts.us-east-1.amazonaws.com", ""},
	{"aws", "sts.eu-west-1.amazonaws.com", ""},
	{"aws", "sts-fips.us-east-1.amazonaws.com", ""},
	{"aws", "sts.us-east-1.api.aws", ""},
	{"aws", "sts-fips.us-east-1.api.aws", ""},
	// GovCloud shares the amazonaws.com domain, so the aws partition takes it.
	{"aws", "sts.us-gov-west-1.amazonaws.com", ""},
	// The SDK's FIPS host in GovCloud is sts.us-gov-west-1.amazonaws.com.
	{"aws", "sts-fips.us-gov-west-1.amazonaws.com", `unexpected hostname "sts-fips.us-gov-west-1.amazonaws.com"`},
	// No region validation: "Does not run any validation" (its comment).
	{"aws", "sts.not-a-region.amazonaws.com", ""},
	{"aws", "sts.cn-north-1.amazonaws.com.cn", "partition {aws} does not support hostname sts.cn-north-1.amazonaws.com.cn"},
	{"aws", "sts.example.com", `unexpected hostname "sts.example.com"`},
	{"aws", "sts.amazonaws.com.evil.com", `unexpected hostname "sts.amazonaws.com.evil.com"`},
	{"aws", "sts.amazonaws.com:443", `unexpected hostname "sts.amazonaws.com:443"`},
	{"aws", "STS.AMAZONAWS.COM", `unexpected hostname "STS.AMAZONAWS.COM"`},
	{"aws", "127.0.0.1:8443", `unexpected hostname "127.0.0.1:8443"`},
	{"aws", "localhost", "could not parse region for pre-signed URL localhost"},
	{"aws-cn", "sts.cn-north-1.amazonaws.com.cn", ""},
	{"aws-cn", "sts.cn-northwest-1.amazonaws.com.cn", ""},
	{"aws-cn", "sts.cn-north-1.api.amazonwebservices.com.cn", ""},
	{"aws-cn", "sts.amazonaws.com", "global endpoint unsupported in partition aws-cn"},
	{"aws-cn", "sts.us-east-1.amazonaws.com", "partition {aws-cn} does not support hostname sts.us-east-1.amazonaws.com"},
	{"aws-us-gov", "sts.us-gov-west-1.amazonaws.com", ""},
	{"aws-us-gov", "sts.us-gov-east-1.amazonaws.com", ""},
	{"aws-us-gov", "sts.us-gov-west-1.api.aws", ""},
	{"aws-us-gov", "sts.amazonaws.com", "global endpoint unsupported in partition aws-us-gov"},
	{"aws-us-gov", "sts.cn-north-1.amazonaws.com.cn", "partition {aws-us-gov} does not support hostname"},
}

func TestSTSHostsAsAuthenticator(t *testing.T) {
	regions := map[string]string{"aws": "us-east-1", "aws-cn": "cn-north-1", "aws-us-gov": "us-gov-west-1"}
	for _, tc := range hostCases {
		err := newSTSHosts("demo", tc.partition, regions[tc.partition]).check(tc.host)
		switch {
		case tc.refusal == "" && err != nil:
			t.Errorf("%s %s: refused (%v), the authenticator accepts it", tc.partition, tc.host, err)
		case tc.refusal != "" && (err == nil || !strings.HasPrefix(err.Error(), "input token was not properly formatted: "+tc.refusal)):
			t.Errorf("%s %s: %v, want the refusal %q", tc.partition, tc.host, err, tc.refusal)
		}
	}
}

// hostEnv is the local STS and a webhook handler of one partition.
func hostEnv(t *testing.T, partition string) (*Handler, fakeaws.Principal) {
	t.Helper()
	seed, err := fakeaws.ParseSeed([]byte("users: [{name: alice}]\nclusters: [{name: demo, creator: arn:aws:iam::111122223333:user/alice}]\n"))
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
	u, _ := url.Parse(srv.STSURL)
	return &Handler{Cluster: "demo", State: st, STSHost: u.Host, Partition: partition, HTTP: ca.Client(), Log: log.New(io.Discard, "", 0)}, st.Users()[0]
}

// presign makes alice's token for the STS host the SDK resolves.
func presign(t *testing.T, alice fakeaws.Principal, region string, opt func(*sts.Options)) string {
	t.Helper()
	cfg := aws.Config{Region: region, Credentials: credentials.NewStaticCredentialsProvider(alice.AccessKeyID, alice.Secret, "")}
	tok, err := awstoken.New(context.Background(), sts.NewFromConfig(cfg, func(o *sts.Options) {
		if opt != nil {
			opt(o)
		}
	}), "demo")
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func tokenHost(t *testing.T, tok string) string {
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(tok, awstoken.Prefix))
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(string(raw))
	return u.Host
}

// Tokens presigned for real STS hosts verify against the local STS, which
// checks the signature over the Host they were signed for.
func TestVerifyRealSTSHosts(t *testing.T) {
	fips := func(o *sts.Options) { o.EndpointOptions.UseFIPSEndpoint = aws.FIPSEndpointStateEnabled }
	dual := func(o *sts.Options) { o.EndpointOptions.UseDualStackEndpoint = aws.DualStackEndpointStateEnabled }
	for _, tc := range []struct {
		partition, region string
		opt               func(*sts.Options)
		host, refusal     string
	}{
		{"aws", "aws-global", nil, "sts.amazonaws.com", ""},
		{"aws", "us-east-1", nil, "sts.us-east-1.amazonaws.com", ""},
		{"aws", "eu-west-1", nil, "sts.eu-west-1.amazonaws.com", ""},
		{"aws", "us-east-1", fips, "sts-fips.us-east-1.amazonaws.com", ""},
		{"aws", "us-east-1", dual, "sts.us-east-1.api.aws", ""},
		{"aws", "us-gov-west-1", nil, "sts.us-gov-west-1.amazonaws.com", ""},
		{"aws", "cn-north-1", nil, "sts.cn-north-1.amazonaws.com.cn", "partition {aws} does not support hostname"},
		{"aws", "us-east-1", func(o *sts.Options) { o.BaseEndpoint = aws.String("https://sts.example.com") }, "sts.example.com", `unexpected hostname "sts.example.com"`},
		{"aws-cn", "cn-north-1", nil, "sts.cn-north-1.amazonaws.com.cn", ""},
		{"aws-cn", "aws-global", nil, "sts.amazonaws.com", "global endpoint unsupported in partition aws-cn"},
		{"aws-us-gov", "us-gov-east-1", nil, "sts.us-gov-east-1.amazonaws.com", ""},
	} {
		t.Run(tc.partition+" "+tc.host, func(t *testing.T) {
			h, alice := hostEnv(t, tc.partition)
			tok := presign(t, alice, tc.region, tc.opt)
			if got := tokenHost(t, tok); got != tc.host {
				t.Fatalf("the SDK signed for %s, want %s", got, tc.host)
			}
			id, err := h.Verify(context.Background(), tok)
			if tc.refusal != "" {
				if err == nil || !strings.Contains(err.Error(), tc.refusal) {
					t.Errorf("err = %v, want the authenticator's refusal %q", err, tc.refusal)
				}
				return
			}
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			if id.ARN != alice.ARN {
				t.Errorf("ARN %s, want %s", id.ARN, alice.ARN)
			}
		})
	}
	t.Run("host is signed", func(t *testing.T) {
		// Pointed at another accepted host, the same signature fails: the
		// replay keeps the Host, and STS checks the signature over it.
		h, alice := hostEnv(t, "aws")
		tok := presign(t, alice, "aws-global", nil)
		raw, _ := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(tok, awstoken.Prefix))
		moved := strings.Replace(string(raw), "https://sts.amazonaws.com/", "https://sts.us-east-1.amazonaws.com/", 1)
		_, err := h.Verify(context.Background(), awstoken.Prefix+base64.RawURLEncoding.EncodeToString([]byte(moved)))
		if err == nil || !strings.Contains(err.Error(), "SignatureDoesNotMatch") {
			t.Errorf("err = %v, want SignatureDoesNotMatch", err)
		}
		// Signed for eu-west-1 but sent to eu-west-2: wrong region scope.
		tok = presign(t, alice, "eu-west-1", nil)
		raw, _ = base64.RawURLEncoding.DecodeString(strings.TrimPrefix(tok, awstoken.Prefix))
		moved = strings.Replace(string(raw), "sts.eu-west-1.", "sts.eu-west-2.", 1)
		_, err = h.Verify(context.Background(), awstoken.Prefix+base64.RawURLEncoding.EncodeToString([]byte(moved)))
		if err == nil || !strings.Contains(err.Error(), "Credential should be scoped to a valid region") {
			t.Errorf("err = %v, want a region-scope refusal", err)
		}
	})
}
