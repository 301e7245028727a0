package awsapi

import (
	"context"
	"encoding/base64"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

const (
	testKeyID  = "AKIAIOSFODNN7EXAMPLE"
	testSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

func testClient(endpoint string) *sts.Client {
	cfg := aws.Config{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider(testKeyID, testSecret, "")}
	return sts.NewFromConfig(cfg, func(o *sts.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	})
}

func TestNewTokenRoundTrip(t *testing.T) {
	now := time.Now()
	tok, err := NewToken(context.Background(), testClient(""), "demo", now)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(tok.Value, TokenPrefix) {
		t.Fatalf("token %q lacks the prefix", tok.Value[:20])
	}
	if want := now.Add(14 * time.Minute); !tok.Expiration.Equal(want) {
		t.Errorf("expiration %v, want %v", tok.Expiration, want)
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(tok.Value, TokenPrefix))
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(string(raw))
	if err != nil {
		t.Fatal(err)
	}
	if u.Host != "sts.eu-west-1.amazonaws.com" || u.Query().Get("X-Amz-Expires") != "60" {
		t.Errorf("unexpected URL %s", u.Redacted())
	}
	if strings.Contains(tok.Value, testSecret) || strings.Contains(string(raw), testSecret) {
		t.Fatal("the secret key is in the token")
	}
	info, err := DecodeToken(tok.Value, now)
	if err != nil {
		t.Fatalf("our own token does not decode: %v", err)
	}
	if info.AccessKeyID != testKeyID || info.Region != "eu-west-1" || !info.HasClusterHeader || info.Expires != 60 || info.HasSessionToken {
		t.Errorf("decoded %+v", info)
	}
	if got := MaskAccessKeyID(info.AccessKeyID); got != "AKIA************MPLE" {
		t.Errorf("masked %q", got)
	}
	if _, err := NewToken(context.Background(), testClient(""), "", now); err == nil || !strings.Contains(err.Error(), "--cluster-name") {
		t.Errorf("empty cluster name: %v", err)
	}
}

func TestNewTokenCustomEndpoint(t *testing.T) {
	tok, err := NewToken(context.Background(), testClient("https://127.0.0.1:8443"), "demo", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	info, err := DecodeToken(tok.Value, time.Now())
	if err != nil || info.Host != "127.0.0.1:8443" {
		t.Errorf("host %q, err %v", info.Host, err)
	}
}

func TestDecodeTokenRejects(t *testing.T) {
	now := time.Now()
	good, err := NewToken(context.Background(), testClient(""), "demo", now)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.RawURLEncoding.DecodeString(strings.TrimPrefix(good.Value, TokenPrefix))
	rewrite := func(f func(u *url.URL)) string {
		u, _ := url.Parse(string(raw))
		f(u)
		return TokenPrefix + base64.RawURLEncoding.EncodeToString([]byte(u.String()))
	}
	setQuery := func(k, v string) string {
		return rewrite(func(u *url.URL) { q := u.Query(); q.Set(k, v); u.RawQuery = q.Encode() })
	}
	for _, tc := range []struct {
		name, token string
		now         time.Time
		want        string
	}{
		{"no prefix", strings.TrimPrefix(good.Value, TokenPrefix), now, "not an EKS token"},
		{"not base64", TokenPrefix + "%%%", now, "not base64url"},
		{"too long", good.Value + strings.Repeat("A", MaxTokenSize), now, "more than the 4096"},
		{"http", rewrite(func(u *url.URL) { u.Scheme = "http" }), now, "not https"},
		{"path", rewrite(func(u *url.URL) { u.Path = "/x" }), now, "not /"},
		{"action", setQuery("Action", "AssumeRole"), now, "not GetCallerIdentity"},
		{"no cluster header", setQuery("X-Amz-SignedHeaders", "host"), now, "x-k8s-aws-id"},
		{"expires", setQuery("X-Amz-Expires", "901"), now, "0..900"},
		{"bad date", setQuery("X-Amz-Date", "yesterday"), now, "not a date"},
		{"expired", good.Value, now.Add(16 * time.Minute), "expired"},
		{"clock behind", good.Value, now.Add(-16 * time.Minute), "in the future"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := DecodeToken(tc.token, tc.now); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err %v, want it to contain %q", err, tc.want)
			}
		})
	}
}
