package fakeaws

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The AWS query protocol (STS, IAM): form-encoded parameters in the body of
// a POST, or in the URL of a (presigned) GET; XML answers, or JSON when the
// caller asks for it (the authenticator replays tokens with
// "accept: application/json").

const (
	stsNS = "https://sts.amazonaws.com/doc/2011-06-15/"
	iamNS = "https://iam.amazonaws.com/doc/2010-05-08/"
)

type queryReq struct {
	params url.Values
	cred   *Credential
	json   bool
	id     string
}

func (s *Servers) parseQuery(w http.ResponseWriter, r *http.Request, service, ns string) (*queryReq, bool) {
	q := &queryReq{id: requestID(), json: strings.Contains(r.Header.Get("Accept"), "application/json")}
	body, err := readBody(r)
	if err != nil {
		s.queryError(w, q, ns, errf(400, "MalformedInput", "could not read the request body"))
		return nil, false
	}
	q.params = r.URL.Query()
	if r.Method == http.MethodPost {
		form, err := url.ParseQuery(string(body))
		if err != nil {
			s.queryError(w, q, ns, errf(400, "MalformedQueryString", "could not parse the form body"))
			return nil, false
		}
		for k, v := range form {
			q.params[k] = v
		}
	}
	cred, aerr := s.State.verify(r, body, service)
	if aerr != nil {
		s.opts.Log.Printf("%s %s refused: %s", service, q.params.Get("Action"), aerr)
		s.queryError(w, q, ns, aerr)
		return nil, false
	}
	q.cred = cred
	return q, true
}

func (s *Servers) queryError(w http.ResponseWriter, q *queryReq, ns string, e *apiError) {
	typ := "Sender"
	if e.Status >= 500 {
		typ = "Receiver"
	}
	if q.json {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(e.Status)
		_ = json.NewEncoder(w).Encode(map[string]any{"Error": map[string]string{"Code": e.Code, "Message": e.Message, "Type": typ}, "RequestId": q.id})
		return
	}
	type xmlErr struct {
		Type    string
		Code    string
		Message string
	}
	v := struct {
		XMLName   xml.Name `xml:"ErrorResponse"`
		NS        string   `xml:"xmlns,attr"`
		Error     xmlErr
		RequestID string `xml:"RequestId"`
	}{NS: ns, Error: xmlErr{typ, e.Code, e.Message}, RequestID: q.id}
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("X-Amzn-Requestid", q.id)
	w.WriteHeader(e.Status)
	_, _ = w.Write([]byte(xml.Header))
	_ = xml.NewEncoder(w).Encode(v)
}

// queryResult writes <ActionResponse><ActionResult>result</ActionResult>...
func (s *Servers) queryResult(w http.ResponseWriter, q *queryReq, ns, action string, result any, jsonResult any) {
	if q.json {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{action + "Response": map[string]any{action + "Result": jsonResult, "ResponseMetadata": map[string]string{"RequestId": q.id}}})
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "<%sResponse xmlns=%q><%sResult>", action, ns, action)
	out, err := xml.Marshal(result)
	if err != nil {
		s.queryError(w, q, ns, errf(500, "InternalFailure", "%v", err))
		return
	}
	// result is a struct whose own element is dropped: keep its children.
	inner := string(out)
	if i := strings.Index(inner, ">"); i >= 0 {
		inner = inner[i+1 : strings.LastIndex(inner, "</")]
	}
	b.WriteString(inner)
	fmt.Fprintf(&b, "</%sResult><ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata></%sResponse>", action, q.id, action)
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("X-Amzn-Requestid", q.id)
	_, _ = w.Write([]byte(b.String()))
}

// ---- STS ----

func (s *Servers) serveSTS(w http.ResponseWriter, r *http.Request) {
	q, ok := s.parseQuery(w, r, "sts", stsNS)
	if !ok {
		return
	}
	if r.URL.Path != "/" {
		s.queryError(w, q, stsNS, errf(404, "UnknownOperationException", "unknown path %s", r.URL.Path))
		return
	}
	switch q.params.Get("Action") {
	case "GetCallerIdentity":
		type result struct {
			Arn     string
			UserId  string
			Account string
		}
		res := result{Arn: q.cred.CallerARN(s.State.Account), UserId: q.cred.UserID(), Account: s.State.Account}
		s.queryResult(w, q, stsNS, "GetCallerIdentity", res, res)
	case "AssumeRole":
		s.assumeRole(w, q)
	default:
		s.queryError(w, q, stsNS, errf(400, "InvalidAction", "Could not find operation %s for version 2011-06-15", q.params.Get("Action")))
	}
}

var sessionNameRE = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)
var roleARNRE = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}):role/(.+)$`)

func (s *Servers) assumeRole(w http.ResponseWriter, q *queryReq) {
	roleARN, session := q.params.Get("RoleArn"), q.params.Get("RoleSessionName")
	if roleARN == "" || session == "" {
		s.queryError(w, q, stsNS, errf(400, "ValidationError", "2 validation errors detected: RoleArn and RoleSessionName must not be null"))
		return
	}
	if !sessionNameRE.MatchString(session) {
		s.queryError(w, q, stsNS, errf(400, "ValidationError", "1 validation error detected: Value '%s' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*", session))
		return
	}
	if !roleARNRE.MatchString(roleARN) {
		s.queryError(w, q, stsNS, errf(400, "ValidationError", "%s is invalid", roleARN))
		return
	}
	duration := 3600
	if d := q.params.Get("DurationSeconds"); d != "" {
		n, err := strconv.Atoi(d)
		if err != nil || n < 900 || n > 43200 {
			s.queryError(w, q, stsNS, errf(400, "ValidationError", "1 validation error detected: Value '%s' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900", d))
			return
		}
		if n > 3600 {
			s.queryError(w, q, stsNS, errf(400, "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."))
			return
		}
		duration = n
	}
	st := s.State
	st.mu.Lock()
	defer st.mu.Unlock()
	caller := q.cred.Principal
	callerARN := q.cred.CallerARN(st.Account)
	role := st.principals[strings.ToLower(roleARN)]
	allowed := false
	if role != nil && role.Kind == "role" && role.ARN == roleARN {
		for _, p := range role.AssumableBy {
			if p == caller.ARN || p == fmt.Sprintf("arn:%s:iam::%s:root", st.Partition, st.Account) {
				allowed = true
			}
		}
	}
	// In one account, a trust policy that names the caller is enough; one
	// that names the account (root) also needs the caller's own policy to
	// allow sts:AssumeRole. An explicit deny in the caller's policy always
	// wins.
	switch q.cred.Principal.Policy.Evaluate("sts:AssumeRole", roleARN) {
	case ExplicitDeny:
		allowed = false
	case ImplicitDeny:
		allowed = allowed && role != nil && slices.Contains(role.AssumableBy, caller.ARN)
	}
	if !allowed {
		s.opts.Log.Printf("sts AssumeRole refused: %s may not assume %s", callerARN, roleARN)
		s.queryError(w, q, stsNS, errf(403, "AccessDenied", "User: %s is not authorized to perform: sts:AssumeRole on resource: %s", callerARN, roleARN))
		return
	}
	c := &Credential{AccessKeyID: "ASIA" + randID(16), Secret: randSecret(), SessionToken: "FwoGZXIvYXdzE" + randID(40) + randSecret(), Expires: st.now().Add(time.Duration(duration) * time.Second).UTC().Truncate(time.Second), Principal: role, SessionName: session}
	st.creds[c.AccessKeyID] = c
	type creds struct {
		AccessKeyId     string
		SecretAccessKey string
		SessionToken    string
		Expiration      string
	}
	type assumed struct {
		AssumedRoleId string
		Arn           string
	}
	type result struct {
		Credentials     creds
		AssumedRoleUser assumed
	}
	res := result{creds{c.AccessKeyID, c.Secret, c.SessionToken, c.Expires.Format(time.RFC3339)}, assumed{c.UserID(), c.CallerARN(st.Account)}}
	s.queryResult(w, q, stsNS, "AssumeRole", res, res)
}

// ---- IAM ----

func (s *Servers) serveIAM(w http.ResponseWriter, r *http.Request) {
	q, ok := s.parseQuery(w, r, "iam", iamNS)
	if !ok {
		return
	}
	st := s.State
	st.mu.Lock()
	defer st.mu.Unlock()
	created := func(p *Principal) string { return p.Created.UTC().Format(time.RFC3339) }
	if aerr := authorize(q.cred, st.Account, "AccessDenied", "iam:"+q.params.Get("Action"), st.iamResource(q)); aerr != nil {
		s.opts.Log.Printf("iam %s refused: %s", q.params.Get("Action"), aerr)
		s.queryError(w, q, iamNS, aerr)
		return
	}
	switch q.params.Get("Action") {
	case "GetUser":
		name := q.params.Get("UserName")
		var p *Principal
		if name == "" {
			if q.cred.Principal.Kind != "user" {
				s.queryError(w, q, iamNS, errf(400, "ValidationError", "Must specify userName when calling with non-User credentials"))
				return
			}
			p = q.cred.Principal
		} else {
			p = st.byName("user", name)
		}
		if p == nil {
			s.queryError(w, q, iamNS, errf(404, "NoSuchEntity", "The user with name %s cannot be found.", name))
			return
		}
		type user struct {
			Path, UserName, UserId, Arn, CreateDate string
		}
		type result struct{ User user }
		res := result{user{p.Path, p.Name, p.ID, p.ARN, created(p)}}
		s.queryResult(w, q, iamNS, "GetUser", res, res)
	case "GetRole":
		name := q.params.Get("RoleName")
		p := st.byName("role", name)
		if p == nil {
			s.queryError(w, q, iamNS, errf(404, "NoSuchEntity", "The role with name %s cannot be found.", name))
			return
		}
		type role struct {
			Path, RoleName, RoleId, Arn, CreateDate string
			AssumeRolePolicyDocument                string
			MaxSessionDuration                      int
		}
		type result struct{ Role role }
		res := result{role{p.Path, p.Name, p.ID, p.ARN, created(p), url.QueryEscape(trustPolicy(p)), 3600}}
		s.queryResult(w, q, iamNS, "GetRole", res, res)
	case "ListUsers", "ListRoles":
		s.listPrincipals(w, q)
	default:
		s.queryError(w, q, iamNS, errf(400, "InvalidAction", "Could not find operation %s for version 2010-05-08", q.params.Get("Action")))
	}
}

// listPrincipals answers ListUsers and ListRoles: PathPrefix, MaxItems and
// Marker as IAM takes them, sorted by name (st.mu held).
func (s *Servers) listPrincipals(w http.ResponseWriter, q *queryReq) {
	st := s.State
	action := q.params.Get("Action")
	kind := "user"
	if action == "ListRoles" {
		kind = "role"
	}
	prefix := q.params.Get("PathPrefix")
	if prefix == "" {
		prefix = "/"
	}
	if !strings.HasPrefix(prefix, "/") || len(prefix) > 512 {
		s.queryError(w, q, iamNS, errf(400, "ValidationError", "1 validation error detected: Value '%s' at 'pathPrefix' failed to satisfy constraint: Member must satisfy regular expression pattern: \\u002F[\\u0021-\\u007F]*", prefix))
		return
	}
	// The prefix is a plain string prefix of the path: /aws-reserved/sso.amazonaws.com/
	// lists the SSO roles with and without a region segment. IAM lists the
	// caller's account only.
	var ps []*Principal
	for _, p := range st.principals {
		if p.Kind == kind && p.Account == st.Account && strings.HasPrefix(p.Path, prefix) {
			ps = append(ps, p)
		}
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].Name < ps[j].Name })
	start, max := 0, 100
	if m := q.params.Get("Marker"); m != "" {
		n, err := strconv.Atoi(m)
		if err != nil || n < 0 || n > len(ps) {
			s.queryError(w, q, iamNS, errf(400, "ValidationError", "Invalid Marker."))
			return
		}
		start = n
	}
	if m := q.params.Get("MaxItems"); m != "" {
		n, err := strconv.Atoi(m)
		if err != nil || n < 1 || n > 1000 {
			s.queryError(w, q, iamNS, errf(400, "ValidationError", "1 validation error detected: Value '%s' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 1000", m))
			return
		}
		max = n
	}
	if st.pageLimit > 0 {
		max = min(max, st.pageLimit)
	}
	end := min(start+max, len(ps))
	type member struct {
		Path       string
		Name       string `xml:",omitempty"`
		UserName   string `xml:",omitempty"`
		RoleName   string `xml:",omitempty"`
		UserId     string `xml:",omitempty"`
		RoleId     string `xml:",omitempty"`
		Arn        string
		CreateDate string
	}
	type result struct {
		Users       *[]member `xml:"Users>member,omitempty"`
		Roles       *[]member `xml:"Roles>member,omitempty"`
		IsTruncated bool
		Marker      string `xml:",omitempty"`
	}
	list := []member{}
	for _, p := range ps[start:end] {
		m := member{Path: p.Path, Arn: p.ARN, CreateDate: p.Created.UTC().Format(time.RFC3339)}
		if kind == "user" {
			m.UserName, m.UserId = p.Name, p.ID
		} else {
			m.RoleName, m.RoleId = p.Name, p.ID
		}
		list = append(list, m)
	}
	res := result{IsTruncated: end < len(ps)}
	if res.IsTruncated {
		res.Marker = strconv.Itoa(end)
	}
	if kind == "user" {
		res.Users = &list
	} else {
		res.Roles = &list
	}
	s.queryResult(w, q, iamNS, action, res, res)
}

func (st *State) byName(kind, name string) *Principal {
	for _, p := range st.principals {
		if p.Kind == kind && p.Name == name && p.Account == st.Account {
			return p
		}
	}
	return nil
}

func trustPolicy(p *Principal) string {
	doc := map[string]any{"Version": "2012-10-17", "Statement": []any{map[string]any{
		"Effect": "Allow", "Principal": map[string]any{"AWS": p.AssumableBy}, "Action": "sts:AssumeRole"}}}
	b, _ := json.Marshal(doc)
	return string(b)
}

// iamResource is the resource an IAM request is authorized on: the user's
// or role's ARN (with its path when IAM knows the name), * for the lists.
// st.mu held.
func (st *State) iamResource(q *queryReq) string {
	kind, name := "", ""
	switch q.params.Get("Action") {
	case "GetUser":
		kind, name = "user", q.params.Get("UserName")
		if name == "" {
			return q.cred.Principal.ARN
		}
	case "GetRole":
		kind, name = "role", q.params.Get("RoleName")
	default:
		return "*"
	}
	if p := st.byName(kind, name); p != nil {
		return p.ARN
	}
	return fmt.Sprintf("arn:%s:iam::%s:%s/%s", st.Partition, st.Account, kind, name)
}
