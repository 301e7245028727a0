package awsapi

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// stsStub speaks the STS query protocol for GetCallerIdentity: it answers
// with the XML STS sends, and refuses a request whose x-k8s-aws-id is not
// the one it was told (as the real signature check would).
func stsStub(t *testing.T, cluster string) *httptest.Server {
	return httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("Action") != "GetCallerIdentity" {
			http.Error(w, "bad action", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "text/xml")
		if r.Header.Get(ClusterIDHeader) != cluster {
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided.</Message></Error><RequestId>1</RequestId></ErrorResponse>`))
			return
		}
		_, _ = w.Write([]byte(`<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:iam::111122223333:user/designated_user</Arn><UserId>AIDAEXAMPLE</UserId><Account>111122223333</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>`))
	}))
}

func TestReplayToken(t *testing.T) {
	srv := stsStub(t, "demo")
	defer srv.Close()
	tok, err := NewToken(context.Background(), testClient(srv.URL), "demo", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	id, err := ReplayToken(context.Background(), srv.Client(), tok.Value, "demo")
	if err != nil {
		t.Fatal(err)
	}
	if id.ARN != "arn:aws:iam::111122223333:user/designated_user" || id.Account != "111122223333" {
		t.Errorf("identity %+v", id)
	}
	_, err = ReplayToken(context.Background(), srv.Client(), tok.Value, "other")
	var se *STSError
	if !errors.As(err, &se) || se.Code != "SignatureDoesNotMatch" || se.Status != http.StatusForbidden {
		t.Errorf("replay for another cluster: %v", err)
	}
	// An unreachable STS gives an error without the presigned URL in it.
	srv.Close()
	_, err = ReplayToken(context.Background(), srv.Client(), tok.Value, "demo")
	if err == nil || strings.Contains(err.Error(), "X-Amz-Signature") {
		t.Errorf("error leaks the URL or is nil: %v", err)
	}
}
