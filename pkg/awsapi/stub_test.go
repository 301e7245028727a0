package awsapi

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// eksStub speaks the EKS REST-JSON protocol for access entries and access
// policies, paging every list by pageSize, so that the functions are tested
// through the real SDK client. It records each call as "METHOD path".
type eksStub struct {
	mu       sync.Mutex
	pageSize int
	entries  map[string]*stubEntry // by principal ARN
	policies []string              // ListAccessPolicies names
	// denyPolicies answers ListAccessPolicies with AccessDeniedException.
	denyPolicies bool
	calls        []string
}

type stubEntry struct {
	Type, Username string
	Groups         []string
	Policies       map[string]stubScope // by policy ARN
}

type stubScope struct {
	Type       string   `json:"type"`
	Namespaces []string `json:"namespaces,omitempty"`
}

func newEKSStub(t *testing.T, s *eksStub) *eks.Client {
	if s.entries == nil {
		s.entries = map[string]*stubEntry{}
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	cfg := aws.Config{Region: "eu-west-1", Credentials: credentials.NewStaticCredentialsProvider(testKeyID, testSecret, "")}
	return eks.NewFromConfig(cfg, func(o *eks.Options) { o.BaseEndpoint = aws.String(srv.URL) })
}

func (s *eksStub) fail(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("X-Amzn-ErrorType", code)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"message": msg})
}

// page returns the items of the page a nextToken asks for, and the next token.
func (s *eksStub) page(r *http.Request, items []string) ([]string, any) {
	start, _ := strconv.Atoi(r.URL.Query().Get("nextToken"))
	size := s.pageSize
	if size <= 0 {
		size = 100
	}
	end := min(start+size, len(items))
	if end < len(items) {
		return items[start:end], strconv.Itoa(end)
	}
	return items[start:end], nil
}

func (s *eksStub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	// Path segments, each unescaped (principal ARNs hold slashes).
	var segs []string
	for _, p := range strings.Split(strings.Trim(r.URL.EscapedPath(), "/"), "/") {
		u, _ := url.PathUnescape(p)
		segs = append(segs, u)
	}
	s.calls = append(s.calls, r.Method+" /"+strings.Join(segs, "/"))
	var body map[string]json.RawMessage
	if b, _ := io.ReadAll(r.Body); len(b) > 0 {
		_ = json.Unmarshal(b, &body)
	}
	str := func(k string) string {
		var v string
		_ = json.Unmarshal(body[k], &v)
		return v
	}
	reply := func(v any) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(v)
	}
	switch {
	case len(segs) == 1 && segs[0] == "access-policies" && s.denyPolicies:
		s.fail(w, 403, "AccessDeniedException", "User: arn:aws:iam::111122223333:user/u is not authorized to perform: eks:ListAccessPolicies")
		return
	case len(segs) == 1 && segs[0] == "access-policies" && r.Method == http.MethodGet:
		names, next := s.page(r, s.policies)
		var out []map[string]string
		for _, n := range names {
			out = append(out, map[string]string{"name": n, "arn": "arn:aws:eks::aws:cluster-access-policy/" + n})
		}
		reply(map[string]any{"accessPolicies": out, "nextToken": next})
		return
	case len(segs) < 3 || segs[0] != "clusters" || segs[2] != "access-entries":
		s.fail(w, 404, "ResourceNotFoundException", "No such route")
		return
	}
	if len(segs) == 3 {
		switch r.Method {
		case http.MethodGet:
			var arns []string
			for a := range s.entries {
				arns = append(arns, a)
			}
			sort.Strings(arns)
			page, next := s.page(r, arns)
			reply(map[string]any{"accessEntries": page, "nextToken": next})
		case http.MethodPost:
			arn := str("principalArn")
			if s.entries[arn] != nil {
				s.fail(w, 409, "ResourceInUseException", "The specified access entry resource is already in use on this cluster.")
				return
			}
			e := &stubEntry{Type: str("type"), Username: str("username"), Policies: map[string]stubScope{}}
			_ = json.Unmarshal(body["kubernetesGroups"], &e.Groups)
			if e.Type == "" {
				e.Type = "STANDARD"
			}
			s.entries[arn] = e
			reply(map[string]any{"accessEntry": s.entryJSON(segs[1], arn, e)})
		}
		return
	}
	arn := segs[3]
	e := s.entries[arn]
	if e == nil {
		s.fail(w, 404, "ResourceNotFoundException", fmt.Sprintf("The specified principalArn could not be found. You can view your available access entries with 'list-access-entries'."))
		return
	}
	switch {
	case len(segs) == 4 && r.Method == http.MethodGet:
		reply(map[string]any{"accessEntry": s.entryJSON(segs[1], arn, e)})
	case len(segs) == 4 && r.Method == http.MethodPost: // UpdateAccessEntry
		if u := str("username"); u != "" {
			e.Username = u
		}
		if g, ok := body["kubernetesGroups"]; ok {
			e.Groups = nil
			_ = json.Unmarshal(g, &e.Groups)
		}
		reply(map[string]any{"accessEntry": s.entryJSON(segs[1], arn, e)})
	case len(segs) == 4 && r.Method == http.MethodDelete:
		delete(s.entries, arn)
		reply(map[string]any{})
	case len(segs) == 5 && r.Method == http.MethodGet:
		var arns []string
		for p := range e.Policies {
			arns = append(arns, p)
		}
		sort.Strings(arns)
		page, next := s.page(r, arns)
		var out []map[string]any
		for _, p := range page {
			out = append(out, map[string]any{"policyArn": p, "accessScope": e.Policies[p], "associatedAt": 1.7e9, "modifiedAt": 1.7e9})
		}
		reply(map[string]any{"clusterName": segs[1], "principalArn": arn, "associatedAccessPolicies": out, "nextToken": next})
	case len(segs) == 5 && r.Method == http.MethodPost:
		var sc stubScope
		_ = json.Unmarshal(body["accessScope"], &sc)
		e.Policies[str("policyArn")] = sc
		reply(map[string]any{"clusterName": segs[1], "principalArn": arn, "associatedAccessPolicy": map[string]any{"policyArn": str("policyArn"), "accessScope": sc}})
	case len(segs) == 6 && r.Method == http.MethodDelete:
		delete(e.Policies, segs[5])
		reply(map[string]any{})
	default:
		s.fail(w, 400, "InvalidRequestException", "unexpected "+r.Method)
	}
}

func (s *eksStub) entryJSON(cluster, arn string, e *stubEntry) map[string]any {
	return map[string]any{"clusterName": cluster, "principalArn": arn, "type": e.Type, "username": e.Username,
		"kubernetesGroups": e.Groups, "createdAt": 1.7e9, "modifiedAt": 1.7e9,
		"accessEntryArn": "arn:aws:eks:eu-west-1:111122223333:access-entry/" + cluster + "/x"}
}

// iamStub speaks the IAM query protocol (XML answers) for ListRoles with
// PathPrefix and Marker paging.
type iamStub struct {
	mu       sync.Mutex
	pageSize int
	roles    []string // ARNs
	calls    []url.Values
}

func newIAMStub(t *testing.T, s *iamStub) *iam.Client {
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	cfg := aws.Config{Region: "us-east-1", Credentials: credentials.NewStaticCredentialsProvider(testKeyID, testSecret, "")}
	return iam.NewFromConfig(cfg, func(o *iam.Options) { o.BaseEndpoint = aws.String(srv.URL) })
}

type xmlRole struct {
	Path       string `xml:"Path"`
	RoleName   string `xml:"RoleName"`
	RoleID     string `xml:"RoleId"`
	Arn        string `xml:"Arn"`
	CreateDate string `xml:"CreateDate"`
}

func (s *iamStub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_ = r.ParseForm()
	s.calls = append(s.calls, r.PostForm)
	w.Header().Set("Content-Type", "text/xml")
	if r.PostForm.Get("Action") != "ListRoles" {
		w.WriteHeader(400)
		_, _ = w.Write([]byte(`<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>InvalidAction</Code><Message>no</Message></Error><RequestId>1</RequestId></ErrorResponse>`))
		return
	}
	prefix := r.PostForm.Get("PathPrefix")
	var match []xmlRole
	for _, arn := range s.roles {
		res := arn[strings.Index(arn, ":role/")+len(":role/"):]
		i := strings.LastIndexByte(res, '/')
		path, name := "/"+res[:i+1], res[i+1:]
		if i < 0 {
			path = "/"
		}
		if strings.HasPrefix(path, prefix) {
			match = append(match, xmlRole{Path: path, RoleName: name, RoleID: "AROAEXAMPLE", Arn: arn, CreateDate: "2026-01-02T03:04:05Z"})
		}
	}
	start, _ := strconv.Atoi(r.PostForm.Get("Marker"))
	size := s.pageSize
	if size <= 0 {
		size = 100
	}
	end := min(start+size, len(match))
	type result struct {
		Roles       []xmlRole `xml:"Roles>member"`
		IsTruncated bool      `xml:"IsTruncated"`
		Marker      string    `xml:"Marker,omitempty"`
	}
	res := result{Roles: match[start:end], IsTruncated: end < len(match)}
	if res.IsTruncated {
		res.Marker = strconv.Itoa(end)
	}
	out := struct {
		XMLName xml.Name `xml:"https://iam.amazonaws.com/doc/2010-05-08/ ListRolesResponse"`
		Result  result   `xml:"ListRolesResult"`
		Meta    string   `xml:"ResponseMetadata>RequestId"`
	}{Result: res, Meta: "1"}
	_ = xml.NewEncoder(w).Encode(out)
}
