package webhook

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"sigs.k8s.io/aws-iam-authenticator/pkg/token"
)

// stsHosts decides which STS hosts a token may point at with the
// authenticator's own code (pkg/token verifyHost, v0.7.13): the global
// sts.amazonaws.com in the aws partition, and every sts.REGION /
// sts-fips.REGION host, dual-stack included, whose domain is the
// partition's (amazonaws.com, amazonaws.com.cn, api.aws...).
//
// verifyHost is not exported, but Verify runs it before anything that needs
// the network: a probe token for https://HOST/x passes the host check when
// Verify goes on to refuse the path. The answer is the authenticator's,
// error message included.
type stsHosts struct {
	verifier token.Verifier
}

const probePathError = "unexpected path in pre-signed URL"

func newSTSHosts(cluster, partition, region string) *stsHosts {
	return &stsHosts{verifier: token.NewVerifier(cluster, partition, region)}
}

// check returns the authenticator's error for a host it refuses.
func (s *stsHosts) check(host string) error {
	probe := v1Prefix + base64.RawURLEncoding.EncodeToString([]byte("https://"+host+"/x"))
	_, err := s.verifier.Verify(probe)
	if err == nil {
		return errors.New("sandbox: the host probe passed every check")
	}
	if strings.HasSuffix(err.Error(), probePathError) {
		return nil
	}
	return err
}

// replay is the request the authenticator sends for a presigned URL, sent
// to the local STS at stsHost but with the Host the URL was signed for, so
// that the signature still holds: a token made by the AWS CLI for
// sts.amazonaws.com or sts.eu-west-1.amazonaws.com verifies in the sandbox.
func replay(u *url.URL, stsHost string) (*http.Request, error) {
	local := *u
	local.Host = stsHost
	req, err := http.NewRequest(http.MethodGet, local.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Host = u.Host
	return req, nil
}
