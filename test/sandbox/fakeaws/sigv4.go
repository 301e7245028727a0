package fakeaws

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// SigV4 verification, following "Create a signed AWS API request"
// (docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html) and
// the aws-sdk-go-v2 signer (aws/signer/v4), which the clients use.

const (
	amzDateFormat = "20060102T150405Z"
	// maxSkew is how far X-Amz-Date may be from the clock; a presigned STS
	// URL is valid this long after X-Amz-Date whatever X-Amz-Expires says
	// (STS ignores it: aws/aws-sdk-go#2167, aws-iam-authenticator PR #160).
	maxSkew = 15 * time.Minute
)

// apiError is an AWS error as a service returns it.
type apiError struct {
	Status  int
	Code    string
	Message string
	// Fields are extra members of a REST-JSON error body (clusterName...).
	Fields map[string]string
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func errf(status int, code, format string, a ...any) *apiError {
	return &apiError{Status: status, Code: code, Message: fmt.Sprintf(format, a...)}
}

const sigMismatch = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."

// verify checks the SigV4 signature of r (header or presigned query) for
// service and returns the credential that signed it.
func (s *State) verify(r *http.Request, body []byte, service string) (*Credential, *apiError) {
	q := r.URL.Query()
	presigned := q.Get("X-Amz-Algorithm") != "" || q.Get("X-Amz-Signature") != ""
	var algorithm, credential, signedHeaders, signature, amzDate, token string
	if presigned {
		algorithm, credential, signedHeaders, signature = q.Get("X-Amz-Algorithm"), q.Get("X-Amz-Credential"), q.Get("X-Amz-SignedHeaders"), q.Get("X-Amz-Signature")
		amzDate, token = q.Get("X-Amz-Date"), q.Get("X-Amz-Security-Token")
		if algorithm == "" || credential == "" || signedHeaders == "" || signature == "" || amzDate == "" {
			return nil, errf(400, "AuthorizationQueryParametersError", "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.")
		}
		if e := q.Get("X-Amz-Expires"); e != "" {
			if n, err := strconv.Atoi(e); err != nil || n < 1 || n > 604800 {
				return nil, errf(400, "AuthorizationQueryParametersError", "X-Amz-Expires must be a number between 1 and 604800 seconds")
			}
		}
	} else {
		auth := r.Header.Get("Authorization")
		if auth == "" {
			return nil, errf(403, "MissingAuthenticationToken", "Request is missing Authentication Token")
		}
		var ok bool
		algorithm, auth, ok = strings.Cut(auth, " ")
		if !ok {
			return nil, errf(400, "IncompleteSignature", "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters.")
		}
		for _, part := range strings.Split(auth, ",") {
			k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
			switch k {
			case "Credential":
				credential = v
			case "SignedHeaders":
				signedHeaders = v
			case "Signature":
				signature = v
			}
		}
		if credential == "" || signedHeaders == "" || signature == "" {
			return nil, errf(400, "IncompleteSignature", "Authorization header requires 'Credential', 'Signature' and 'SignedHeaders' parameters.")
		}
		amzDate, token = r.Header.Get("X-Amz-Date"), r.Header.Get("X-Amz-Security-Token")
	}
	if algorithm != "AWS4-HMAC-SHA256" {
		return nil, errf(400, "IncompleteSignature", "Unsupported AWS 'algorithm': %q", algorithm)
	}
	scope := strings.Split(credential, "/")
	if len(scope) != 5 || scope[4] != "aws4_request" {
		return nil, errf(400, "IncompleteSignature", "Credential should be scoped to a valid region and service, not %q.", strings.Join(scope[1:], "/"))
	}
	akid, day, region, svc := scope[0], scope[1], scope[2], scope[3]
	if svc != service {
		return nil, errf(403, "SignatureDoesNotMatch", "Credential should be scoped to correct service: '%s'.", service)
	}
	if want := stsHostRegion(r.Host); service == "sts" && want != "" {
		// A real STS host (a token replayed with the Host it was signed
		// for): the global endpoint takes us-east-1, a regional one its
		// own region.
		if region != want {
			return nil, errf(403, "SignatureDoesNotMatch", "Credential should be scoped to a valid region. ")
		}
	} else if region != s.Region && !(service == "iam" && region == iamRegion(s.Partition)) && !(service == "sts" && region == "us-east-1") {
		return nil, errf(403, "SignatureDoesNotMatch", "Credential should be scoped to a valid region.")
	}
	date, err := time.Parse(amzDateFormat, amzDate)
	if err != nil {
		return nil, errf(400, "IncompleteSignature", "Date must be in ISO-8601 'basic format'. Got '%s'.", amzDate)
	}
	if !strings.HasPrefix(amzDate, day) {
		return nil, errf(403, "SignatureDoesNotMatch", "Credential should be scoped to a valid date: the scope date %s is not the date of X-Amz-Date %s.", day, amzDate)
	}

	s.mu.Lock()
	cred := s.creds[akid]
	now := s.now().UTC()
	s.mu.Unlock()
	if cred == nil {
		if service == "eks" {
			return nil, errf(403, "UnrecognizedClientException", "The security token included in the request is invalid.")
		}
		return nil, errf(403, "InvalidClientTokenId", "The security token included in the request is invalid.")
	}

	// Check the signature before anything that depends on the key, as AWS does.
	canonical := canonicalRequest(r, body, signedHeaders, presigned)
	if canonical == "" {
		return nil, errf(403, "SignatureDoesNotMatch", "%s", sigMismatch)
	}
	sts := "AWS4-HMAC-SHA256\n" + amzDate + "\n" + strings.Join(scope[1:], "/") + "\n" + hexSHA256([]byte(canonical))
	key := signingKey(cred.Secret, day, region, svc)
	want := hex.EncodeToString(hmacSHA256(key, sts))
	if !hmac.Equal([]byte(want), []byte(signature)) {
		return nil, errf(403, "SignatureDoesNotMatch", "%s", sigMismatch)
	}
	if cred.SessionToken != "" && token != cred.SessionToken {
		if service == "eks" {
			return nil, errf(403, "UnrecognizedClientException", "The security token included in the request is invalid.")
		}
		return nil, errf(403, "InvalidClientTokenId", "The security token included in the request is invalid.")
	}
	if !cred.Expires.IsZero() && now.After(cred.Expires) {
		return nil, errf(403, "ExpiredToken", "The security token included in the request is expired")
	}
	switch {
	case presigned && now.After(date.Add(maxSkew)):
		return nil, errf(403, "ExpiredToken", "Request has expired. X-Amz-Date %s is more than %v before the current time %s.", amzDate, maxSkew, now.Format(amzDateFormat))
	case !presigned && now.After(date.Add(maxSkew)):
		return nil, errf(403, "SignatureDoesNotMatch", "Signature expired: %s is now earlier than %s (%s - 15 min.)", amzDate, now.Add(-maxSkew).Format(amzDateFormat), now.Format(amzDateFormat))
	case date.After(now.Add(maxSkew)):
		return nil, errf(403, "SignatureDoesNotMatch", "Signature not yet current: %s is still later than %s (%s + 15 min.)", amzDate, now.Add(maxSkew).Format(amzDateFormat), now.Format(amzDateFormat))
	}
	return cred, nil
}

// stsHostRegion is the signing region a real STS host takes:
// sts.amazonaws.com us-east-1, sts[-fips].REGION.DOMAIN its REGION; "" for
// any other host (the sandbox's own loopback address).
func stsHostRegion(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if host == "sts.amazonaws.com" {
		return "us-east-1"
	}
	parts := strings.Split(host, ".")
	if len(parts) >= 4 && (parts[0] == "sts" || parts[0] == "sts-fips") {
		return parts[1]
	}
	return ""
}

// canonicalRequest builds the SigV4 canonical request; "" when a signed
// header is missing.
func canonicalRequest(r *http.Request, body []byte, signedHeaders string, presigned bool) string {
	var b strings.Builder
	b.WriteString(r.Method + "\n")
	path := r.URL.EscapedPath()
	if path == "" {
		path = "/"
	}
	b.WriteString(escapePath(path) + "\n")

	q := r.URL.Query()
	if presigned {
		q.Del("X-Amz-Signature")
	}
	b.WriteString(encodeQuery(q) + "\n")

	for _, h := range strings.Split(signedHeaders, ";") {
		var vals []string
		if h == "host" {
			vals = []string{r.Host}
		} else if h == "content-length" {
			vals = []string{strconv.FormatInt(int64(len(body)), 10)}
		} else {
			vals = r.Header.Values(h)
		}
		if len(vals) == 0 {
			return ""
		}
		for i, v := range vals {
			vals[i] = strings.Join(strings.Fields(v), " ")
		}
		b.WriteString(h + ":" + strings.Join(vals, ",") + "\n")
	}
	b.WriteString("\n" + signedHeaders + "\n")
	payload := r.Header.Get("X-Amz-Content-Sha256")
	if payload == "" {
		payload = hexSHA256(body)
	}
	b.WriteString(payload)
	return b.String()
}

// encodeQuery is the canonical query string: each name and value
// URI-encoded, pairs sorted after encoding.
func encodeQuery(q url.Values) string {
	var pairs []string
	for k, vs := range q {
		for _, v := range vs {
			pairs = append(pairs, uriEncode(k, true)+"="+uriEncode(v, true))
		}
	}
	sort.Strings(pairs)
	return strings.Join(pairs, "&")
}

// escapePath re-escapes an escaped path as the signer does for every
// service but S3 (httpbinding.EscapePath(path, false)): "%" becomes "%25".
func escapePath(p string) string { return uriEncode(p, false) }

func uriEncode(s string, encodeSlash bool) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~' || (c == '/' && !encodeSlash) {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

func hexSHA256(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func hmacSHA256(key []byte, data string) []byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte(data))
	return m.Sum(nil)
}

func signingKey(secret, day, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), day)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	return hmacSHA256(k, "aws4_request")
}
