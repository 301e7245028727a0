package fakeaws

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// EKS speaks REST-JSON: the operation is the method and path, errors carry
// their code in X-Amzn-Errortype and a JSON body with "message".

// AccessPolicies are the policies ListAccessPolicies returns.
var AccessPolicies = []string{
	"AmazonEKSAdminPolicy",
	"AmazonEKSAdminViewPolicy",
	"AmazonEKSClusterAdminPolicy",
	"AmazonEKSEditPolicy",
	"AmazonEKSViewPolicy",
}

const policyPrefix = "arn:aws:eks::aws:cluster-access-policy/"

// ReservedUsernamePrefixes are refused in access-entry usernames.
var ReservedUsernamePrefixes = []string{"system:", "eks:", "aws:", "amazon:", "iam:"}

var entryTypes = map[string]bool{"STANDARD": true, "EC2_LINUX": true, "EC2_WINDOWS": true, "FARGATE_LINUX": true, "EC2": true, "HYBRID_LINUX": true, "HYPERPOD_LINUX": true}

type eksReq struct {
	w       http.ResponseWriter
	r       *http.Request
	body    []byte
	cred    *Credential
	cluster string
}

func (s *Servers) serveEKS(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(r)
	if err != nil {
		eksError(w, errf(400, "BadRequestException", "could not read the request body"))
		return
	}
	cred, aerr := s.State.verify(r, body, "eks")
	if aerr != nil {
		s.opts.Log.Printf("eks %s %s refused: %s", r.Method, r.URL.Path, aerr)
		eksError(w, aerr)
		return
	}
	var segs []string
	for _, p := range strings.Split(strings.Trim(r.URL.EscapedPath(), "/"), "/") {
		u, err := url.PathUnescape(p)
		if err != nil {
			eksError(w, errf(400, "BadRequestException", "bad path"))
			return
		}
		segs = append(segs, u)
	}
	q := &eksReq{w: w, r: r, body: body, cred: cred}
	st := s.State
	st.mu.Lock()
	defer st.mu.Unlock()
	m := r.Method
	if action, resource := st.eksAction(m, segs); action != "" {
		if aerr = authorize(cred, st.Account, "AccessDeniedException", action, resource); aerr != nil {
			s.opts.Log.Printf("eks %s %s refused: %s", m, r.URL.Path, aerr)
			eksError(w, aerr)
			return
		}
	}
	var out any
	switch {
	case len(segs) == 1 && segs[0] == "access-policies" && m == http.MethodGet:
		out, aerr = st.listAccessPolicies(q)
	case len(segs) == 1 && segs[0] == "clusters" && m == http.MethodGet:
		// ListClusters: one page holds them all.
		names := []string{}
		for n := range st.clusters {
			names = append(names, n)
		}
		sort.Strings(names)
		out = map[string]any{"clusters": names}
	case len(segs) >= 2 && segs[0] == "clusters":
		q.cluster = segs[1]
		cl := st.clusters[q.cluster]
		if cl == nil {
			aerr = &apiError{Status: 404, Code: "ResourceNotFoundException", Message: fmt.Sprintf("No cluster found for name: %s.", q.cluster), Fields: map[string]string{"clusterName": q.cluster}}
			break
		}
		st.settle(cl)
		rest := segs[2:]
		switch {
		case len(rest) == 1 && rest[0] == "updates" && m == http.MethodGet:
			out, aerr = st.listUpdates(q, cl)
		case len(rest) == 2 && rest[0] == "updates" && m == http.MethodGet:
			out, aerr = st.describeUpdate(cl, rest[1])
		case len(rest) == 0 && m == http.MethodGet:
			out, aerr = st.describeCluster(cl)
		case len(rest) == 1 && rest[0] == "update-config" && m == http.MethodPost:
			out, aerr = st.updateClusterConfig(q, cl)
		case len(rest) >= 1 && rest[0] == "access-entries":
			if cl.Mode == ModeConfigMap {
				aerr = errf(400, "InvalidRequestException", "The cluster's authentication mode must be set to one of [API, API_AND_CONFIG_MAP] to perform this operation.")
				break
			}
			switch {
			case len(rest) == 1 && m == http.MethodPost:
				out, aerr = st.createAccessEntry(q, cl)
			case len(rest) == 1 && m == http.MethodGet:
				out, aerr = st.listAccessEntries(q, cl)
			case len(rest) == 2 && m == http.MethodGet:
				out, aerr = st.withEntry(cl, rest[1], func(e *AccessEntry) (any, *apiError) { return map[string]any{"accessEntry": st.entryJSON(cl, e)}, nil })
			case len(rest) == 2 && m == http.MethodPost:
				out, aerr = st.withEntry(cl, rest[1], func(e *AccessEntry) (any, *apiError) { return st.updateAccessEntry(q, cl, e) })
			case len(rest) == 2 && m == http.MethodDelete:
				out, aerr = st.withEntry(cl, rest[1], func(e *AccessEntry) (any, *apiError) {
					delete(cl.Entries, e.PrincipalARN)
					return map[string]any{}, nil
				})
			case len(rest) == 3 && rest[2] == "access-policies" && m == http.MethodPost:
				out, aerr = st.withEntry(cl, rest[1], func(e *AccessEntry) (any, *apiError) { return st.associate(q, cl, e) })
			case len(rest) == 3 && rest[2] == "access-policies" && m == http.MethodGet:
				out, aerr = st.withEntry(cl, rest[1], func(e *AccessEntry) (any, *apiError) { return st.listAssociated(q, cl, e) })
			case len(rest) == 4 && rest[2] == "access-policies" && m == http.MethodDelete:
				out, aerr = st.withEntry(cl, rest[1], func(e *AccessEntry) (any, *apiError) {
					if e.Policies[rest[3]] == nil {
						return nil, errf(404, "ResourceNotFoundException", "The specified policy %s is not associated with the access entry %s.", rest[3], e.PrincipalARN)
					}
					delete(e.Policies, rest[3])
					return map[string]any{}, nil
				})
			default:
				aerr = errf(404, "NotFoundException", "no such operation: %s %s", m, r.URL.Path)
			}
		default:
			aerr = errf(404, "NotFoundException", "no such operation: %s %s", m, r.URL.Path)
		}
	default:
		aerr = errf(404, "NotFoundException", "no such operation: %s %s", m, r.URL.Path)
	}
	if aerr != nil {
		if aerr.Fields == nil && q.cluster != "" {
			aerr.Fields = map[string]string{"clusterName": q.cluster}
		}
		s.opts.Log.Printf("eks %s %s: %s", m, r.URL.Path, aerr)
		eksError(w, aerr)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Requestid", requestID())
	_ = json.NewEncoder(w).Encode(out)
}

func eksError(w http.ResponseWriter, e *apiError) {
	body := map[string]any{"message": e.Message}
	for k, v := range e.Fields {
		body[k] = v
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Errortype", e.Code)
	w.Header().Set("X-Amzn-Requestid", requestID())
	w.WriteHeader(e.Status)
	_ = json.NewEncoder(w).Encode(body)
}

func epoch(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }

func (st *State) describeCluster(cl *Cluster) (any, *apiError) {
	c := map[string]any{
		"name": cl.Name, "arn": cl.ARN, "createdAt": epoch(cl.Created), "version": cl.Version,
		"endpoint": cl.Endpoint, "roleArn": fmt.Sprintf("arn:aws:iam::%s:role/eksClusterRole", st.Account),
		"status": "ACTIVE", "platformVersion": "eks.1",
		"certificateAuthority":    map[string]any{"data": cl.CAData},
		"accessConfig":            map[string]any{"authenticationMode": cl.Mode, "bootstrapClusterCreatorAdminPermissions": cl.BootstrapCreator},
		"kubernetesNetworkConfig": map[string]any{"serviceIpv4Cidr": "10.0.0.0/24", "ipFamily": "ipv4"},
		"tags":                    map[string]string{},
	}
	return map[string]any{"cluster": c}, nil
}

func decode(q *eksReq, v any) *apiError {
	if len(q.body) == 0 {
		return nil
	}
	if err := json.Unmarshal(q.body, v); err != nil {
		return errf(400, "InvalidParameterException", "malformed request body: %v", err)
	}
	return nil
}

func (st *State) updateClusterConfig(q *eksReq, cl *Cluster) (any, *apiError) {
	var in struct {
		AccessConfig *struct {
			AuthenticationMode                      string `json:"authenticationMode"`
			BootstrapClusterCreatorAdminPermissions *bool  `json:"bootstrapClusterCreatorAdminPermissions"`
		} `json:"accessConfig"`
	}
	if err := decode(q, &in); err != nil {
		return nil, err
	}
	if in.AccessConfig == nil || in.AccessConfig.AuthenticationMode == "" {
		return nil, errf(400, "InvalidParameterException", "The sandbox only updates accessConfig.authenticationMode.")
	}
	if in.AccessConfig.BootstrapClusterCreatorAdminPermissions != nil {
		return nil, errf(400, "InvalidParameterException", "bootstrapClusterCreatorAdminPermissions can only be set when the cluster is created.")
	}
	to := in.AccessConfig.AuthenticationMode
	if modeRank(to) < 0 {
		return nil, errf(400, "InvalidParameterException", "1 validation error detected: Value '%s' at 'accessConfig.authenticationMode' failed to satisfy constraint: Member must satisfy enum value set: [API, API_AND_CONFIG_MAP, CONFIG_MAP]", to)
	}
	if u := st.inProgress(cl); u != nil {
		return nil, errf(409, "ResourceInUseException", "Cannot update cluster %s: update %s is in progress.", cl.Name, u.ID)
	}
	if modeRank(to) <= modeRank(cl.Mode) {
		// The mode only moves forward: CONFIG_MAP -> API_AND_CONFIG_MAP -> API.
		return nil, errf(400, "InvalidParameterException", "Unsupported authentication mode update from %s to %s", cl.Mode, to)
	}
	return map[string]any{"update": updateJSON(st.startUpdate(cl, to))}, nil
}

var principalARNRE = regexp.MustCompile(`^arn:aws:iam::(\d{12}):(user|role)(/.*)?/([\w+=,.@-]+)$`)

func (st *State) entryJSON(cl *Cluster, e *AccessEntry) map[string]any {
	kind := "user"
	if strings.Contains(e.PrincipalARN, ":role/") {
		kind = "role"
	}
	name := e.PrincipalARN[strings.LastIndex(e.PrincipalARN, "/")+1:]
	groups := e.Groups
	if groups == nil {
		groups = []string{}
	}
	return map[string]any{
		"clusterName": cl.Name, "principalArn": e.PrincipalARN, "kubernetesGroups": groups,
		"accessEntryArn": fmt.Sprintf("arn:aws:eks:%s:%s:access-entry/%s/%s/%s/%s/%s", st.Region, st.Account, cl.Name, kind, st.Account, name, strings.ToLower(e.PrincipalID)),
		"createdAt":      epoch(e.Created), "modifiedAt": epoch(e.Modified), "tags": e.Tags, "username": e.Username, "type": e.Type,
	}
}

func validateUsernameGroups(username string, groups []string) *apiError {
	for _, p := range ReservedUsernamePrefixes {
		if strings.HasPrefix(username, p) {
			return errf(400, "InvalidParameterException", "The username %s is invalid: a username cannot start with a reserved prefix (%s).", username, strings.Join(ReservedUsernamePrefixes, ", "))
		}
	}
	for _, g := range groups {
		if strings.HasPrefix(g, "system:") {
			return errf(400, "InvalidParameterException", "The kubernetesGroup %s is invalid: a group cannot start with system:.", g)
		}
		if g == "" {
			return errf(400, "InvalidParameterException", "A kubernetesGroup cannot be empty.")
		}
	}
	return nil
}

func (st *State) createAccessEntry(q *eksReq, cl *Cluster) (any, *apiError) {
	var in struct {
		PrincipalARN     string            `json:"principalArn"`
		KubernetesGroups []string          `json:"kubernetesGroups"`
		Username         *string           `json:"username"`
		Type             string            `json:"type"`
		Tags             map[string]string `json:"tags"`
	}
	if err := decode(q, &in); err != nil {
		return nil, err
	}
	if in.PrincipalARN == "" {
		return nil, errf(400, "InvalidParameterException", "principalArn is required.")
	}
	m := principalARNRE.FindStringSubmatch(in.PrincipalARN)
	if m == nil {
		return nil, errf(400, "InvalidParameterException", "The specified principalArn %s is invalid: it must be the ARN of an IAM user or role (not an STS assumed-role ARN).", in.PrincipalARN)
	}
	p := st.principals[strings.ToLower(in.PrincipalARN)]
	if p == nil || p.ARN != in.PrincipalARN {
		return nil, errf(400, "InvalidParameterException", "The specified principalArn %s does not exist. Check the ARN, including the role path.", in.PrincipalARN)
	}
	if in.Type == "" {
		in.Type = "STANDARD"
	}
	if !entryTypes[in.Type] {
		return nil, errf(400, "InvalidParameterException", "The access entry type %s is invalid.", in.Type)
	}
	if _, dup := cl.Entries[p.ARN]; dup {
		return nil, errf(409, "ResourceInUseException", "The specified access entry resource is already in use on this cluster.")
	}
	username := defaultUsername(st.Account, p)
	if in.Type != "STANDARD" {
		if in.Username != nil || len(in.KubernetesGroups) > 0 {
			return nil, errf(400, "InvalidParameterException", "username and kubernetesGroups cannot be specified for an access entry of type %s.", in.Type)
		}
		if p.Kind != "role" {
			return nil, errf(400, "InvalidParameterException", "An access entry of type %s needs an IAM role.", in.Type)
		}
		username = "system:node:{{EC2PrivateDNSName}}"
	} else if in.Username != nil {
		username = *in.Username
	}
	if in.Type == "STANDARD" {
		if err := validateUsernameGroups(username, in.KubernetesGroups); err != nil {
			return nil, err
		}
	}
	if in.Tags == nil {
		in.Tags = map[string]string{}
	}
	now := st.now()
	e := &AccessEntry{PrincipalARN: p.ARN, PrincipalID: p.ID, Type: in.Type, Username: username, Groups: in.KubernetesGroups, Created: now, Modified: now, Policies: map[string]*PolicyAssociation{}, Tags: in.Tags}
	cl.Entries[p.ARN] = e
	return map[string]any{"accessEntry": st.entryJSON(cl, e)}, nil
}

func (st *State) withEntry(cl *Cluster, arn string, f func(*AccessEntry) (any, *apiError)) (any, *apiError) {
	e := cl.Entries[arn]
	if e == nil {
		return nil, &apiError{Status: 404, Code: "ResourceNotFoundException", Message: fmt.Sprintf("The specified access entry resource %s is not found on cluster %s.", arn, cl.Name), Fields: map[string]string{"clusterName": cl.Name}}
	}
	return f(e)
}

func (st *State) updateAccessEntry(q *eksReq, cl *Cluster, e *AccessEntry) (any, *apiError) {
	var in struct {
		KubernetesGroups *[]string `json:"kubernetesGroups"`
		Username         *string   `json:"username"`
	}
	if err := decode(q, &in); err != nil {
		return nil, err
	}
	if e.Type != "STANDARD" && (in.KubernetesGroups != nil || in.Username != nil) {
		return nil, errf(400, "InvalidParameterException", "username and kubernetesGroups cannot be updated for an access entry of type %s.", e.Type)
	}
	username, groups := e.Username, e.Groups
	if in.Username != nil {
		username = *in.Username
	}
	if in.KubernetesGroups != nil {
		groups = *in.KubernetesGroups
	}
	if err := validateUsernameGroups(username, groups); err != nil {
		return nil, err
	}
	e.Username, e.Groups, e.Modified = username, groups, st.now()
	return map[string]any{"accessEntry": st.entryJSON(cl, e)}, nil
}

func policyJSON(p *PolicyAssociation) map[string]any {
	ns := p.Namespaces
	if ns == nil {
		ns = []string{}
	}
	return map[string]any{"policyArn": p.PolicyARN, "accessScope": map[string]any{"type": p.ScopeType, "namespaces": ns}, "associatedAt": epoch(p.Associated), "modifiedAt": epoch(p.Modified)}
}

func (st *State) associate(q *eksReq, cl *Cluster, e *AccessEntry) (any, *apiError) {
	var in struct {
		PolicyARN   string `json:"policyArn"`
		AccessScope *struct {
			Type       string   `json:"type"`
			Namespaces []string `json:"namespaces"`
		} `json:"accessScope"`
	}
	if err := decode(q, &in); err != nil {
		return nil, err
	}
	if in.PolicyARN == "" || in.AccessScope == nil {
		return nil, errf(400, "InvalidParameterException", "policyArn and accessScope are required.")
	}
	if !strings.HasPrefix(in.PolicyARN, policyPrefix) {
		return nil, errf(400, "InvalidParameterException", "The specified policyArn %s is invalid: it must start with %s.", in.PolicyARN, policyPrefix)
	}
	known := false
	for _, n := range AccessPolicies {
		known = known || policyPrefix+n == in.PolicyARN
	}
	if !known {
		return nil, errf(404, "ResourceNotFoundException", "The specified policy %s could not be found. List them with 'aws eks list-access-policies'.", in.PolicyARN)
	}
	if e.Type != "STANDARD" {
		return nil, errf(400, "InvalidParameterException", "Access policies can only be associated with access entries of type STANDARD, not %s.", e.Type)
	}
	switch in.AccessScope.Type {
	case "cluster":
		if len(in.AccessScope.Namespaces) > 0 {
			return nil, errf(400, "InvalidParameterException", "namespaces cannot be specified for an access scope of type cluster.")
		}
	case "namespace":
		if len(in.AccessScope.Namespaces) == 0 {
			return nil, errf(400, "InvalidParameterException", "At least one namespace is required for an access scope of type namespace.")
		}
	default:
		return nil, errf(400, "InvalidParameterException", "1 validation error detected: Value '%s' at 'accessScope.type' failed to satisfy constraint: Member must satisfy enum value set: [cluster, namespace]", in.AccessScope.Type)
	}
	now := st.now()
	p := e.Policies[in.PolicyARN]
	if p == nil {
		p = &PolicyAssociation{PolicyARN: in.PolicyARN, Associated: now}
		e.Policies[in.PolicyARN] = p
	}
	p.ScopeType, p.Namespaces, p.Modified = in.AccessScope.Type, in.AccessScope.Namespaces, now
	return map[string]any{"clusterName": cl.Name, "principalArn": e.PrincipalARN, "associatedAccessPolicy": policyJSON(p)}, nil
}

// page cuts items by the maxResults and nextToken query parameters.
func page[T any](q *eksReq, items []T) ([]T, string, *apiError) {
	start := 0
	if t := q.r.URL.Query().Get("nextToken"); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil || n < 0 || n > len(items) {
			return nil, "", errf(400, "InvalidParameterException", "The nextToken is invalid.")
		}
		start = n
	}
	max := 100
	if m := q.r.URL.Query().Get("maxResults"); m != "" {
		n, err := strconv.Atoi(m)
		if err != nil || n < 1 || n > 100 {
			return nil, "", errf(400, "InvalidParameterException", "1 validation error detected: Value '%s' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and 100", m)
		}
		max = n
	}
	end := min(start+max, len(items))
	next := ""
	if end < len(items) {
		next = strconv.Itoa(end)
	}
	return items[start:end], next, nil
}

func withNext(m map[string]any, next string) map[string]any {
	if next != "" {
		m["nextToken"] = next
	}
	return m
}

func (st *State) listAssociated(q *eksReq, cl *Cluster, e *AccessEntry) (any, *apiError) {
	var keys []string
	for k := range e.Policies {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	keys, next, err := page(q, keys)
	if err != nil {
		return nil, err
	}
	list := []any{}
	for _, k := range keys {
		list = append(list, policyJSON(e.Policies[k]))
	}
	return withNext(map[string]any{"clusterName": cl.Name, "principalArn": e.PrincipalARN, "associatedAccessPolicies": list}, next), nil
}

func (st *State) listAccessEntries(q *eksReq, cl *Cluster) (any, *apiError) {
	filter := q.r.URL.Query().Get("associatedPolicyArn")
	arns := []string{}
	for arn, e := range cl.Entries {
		if filter == "" || e.Policies[filter] != nil {
			arns = append(arns, arn)
		}
	}
	sort.Strings(arns)
	arns, next, err := page(q, arns)
	if err != nil {
		return nil, err
	}
	return withNext(map[string]any{"accessEntries": arns}, next), nil
}

func (st *State) listAccessPolicies(q *eksReq) (any, *apiError) {
	names, next, err := page(q, AccessPolicies)
	if err != nil {
		return nil, err
	}
	list := []any{}
	for _, n := range names {
		list = append(list, map[string]string{"name": n, "arn": policyPrefix + n})
	}
	return withNext(map[string]any{"accessPolicies": list}, next), nil
}

// eksAction names the IAM action of an EKS request and the resource it is
// authorized on, as the EKS service authorization reference lists them:
// the cluster, the access entry, or * for account-wide lists. An unknown
// route has no action (it answers NotFound). st.mu held.
func (st *State) eksAction(m string, segs []string) (action, resource string) {
	if len(segs) == 1 && m == http.MethodGet {
		switch segs[0] {
		case "clusters":
			return "eks:ListClusters", "*"
		case "access-policies":
			return "eks:ListAccessPolicies", "*"
		}
	}
	if len(segs) < 2 || segs[0] != "clusters" {
		return "", ""
	}
	cluster := fmt.Sprintf("arn:aws:eks:%s:%s:cluster/%s", st.Region, st.Account, segs[1])
	rest := segs[2:]
	switch {
	case len(rest) == 0 && m == http.MethodGet:
		return "eks:DescribeCluster", cluster
	case len(rest) == 1 && rest[0] == "update-config" && m == http.MethodPost:
		return "eks:UpdateClusterConfig", cluster
	case len(rest) == 1 && rest[0] == "updates" && m == http.MethodGet:
		return "eks:ListUpdates", cluster
	case len(rest) == 2 && rest[0] == "updates" && m == http.MethodGet:
		return "eks:DescribeUpdate", cluster
	case len(rest) == 1 && rest[0] == "access-entries":
		switch m {
		case http.MethodPost:
			return "eks:CreateAccessEntry", cluster
		case http.MethodGet:
			return "eks:ListAccessEntries", cluster
		}
	case len(rest) >= 2 && rest[0] == "access-entries":
		entry := st.accessEntryARN(segs[1], rest[1])
		switch {
		case len(rest) == 2 && m == http.MethodGet:
			return "eks:DescribeAccessEntry", entry
		case len(rest) == 2 && m == http.MethodPost:
			return "eks:UpdateAccessEntry", entry
		case len(rest) == 2 && m == http.MethodDelete:
			return "eks:DeleteAccessEntry", entry
		case len(rest) == 3 && rest[2] == "access-policies" && m == http.MethodPost:
			return "eks:AssociateAccessPolicy", entry
		case len(rest) == 3 && rest[2] == "access-policies" && m == http.MethodGet:
			return "eks:ListAssociatedAccessPolicies", entry
		case len(rest) == 4 && rest[2] == "access-policies" && m == http.MethodDelete:
			return "eks:DisassociateAccessPolicy", entry
		}
	}
	return "", ""
}

// accessEntryARN is the ARN of the access entry of principal on cluster
// (arn:aws:eks:R:A:access-entry/CLUSTER/KIND/ACCOUNT/NAME/ID), with the
// principal's ID when IAM knows it and * in its place otherwise. st.mu held.
func (st *State) accessEntryARN(cluster, principal string) string {
	kind := "user"
	if strings.Contains(principal, ":role/") {
		kind = "role"
	}
	name := principal[strings.LastIndex(principal, "/")+1:]
	id := "*"
	if cl := st.clusters[cluster]; cl != nil && cl.Entries[principal] != nil {
		id = strings.ToLower(cl.Entries[principal].PrincipalID)
	} else if p := st.principals[strings.ToLower(principal)]; p != nil && p.ARN == principal {
		id = strings.ToLower(p.ID)
	}
	return fmt.Sprintf("arn:aws:eks:%s:%s:access-entry/%s/%s/%s/%s/%s", st.Region, st.Account, cluster, kind, st.Account, name, id)
}
