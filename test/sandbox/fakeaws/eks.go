package fakeaws

import (
	"encoding/json"
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

// EKS speaks REST-JSON: the operation is the method and path, errors carry
// their code in X-Amzn-Errortype and a JSON body with "message".

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
		"endpoint": cl.Endpoint, "roleArn": fmt.Sprintf("arn:%s:iam::%s:role/eksClusterRole", st.Partition, st.Account),
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

// principalARNRE is an IAM user or role ARN: partition, account, kind,
// path ("/" or "/a/b/") and name.
var principalARNRE = regexp.MustCompile(`^arn:(aws|aws-cn|aws-us-gov):iam::(\d{12}):(user|role)(/|/.*/)([\w+=,.@-]+)$`)

func (st *State) entryJSON(cl *Cluster, e *AccessEntry) map[string]any {
	groups := e.Groups
	if groups == nil {
		groups = []string{}
	}
	return map[string]any{
		"clusterName": cl.Name, "principalArn": e.PrincipalARN, "kubernetesGroups": groups,
		"accessEntryArn": st.accessEntryARN(cl.Name, e.PrincipalARN),
		"createdAt":      epoch(e.Created), "modifiedAt": epoch(e.Modified), "tags": e.Tags, "username": e.Username, "type": e.Type,
	}
}

func (st *State) createAccessEntry(q *eksReq, cl *Cluster) (any, *apiError) {
	var in struct {
		PrincipalARN     string            `json:"principalArn"`
		KubernetesGroups []string          `json:"kubernetesGroups"`
		Username         *string           `json:"username"`
		Type             *string           `json:"type"`
		Tags             map[string]string `json:"tags"`
	}
	if err := decode(q, &in); err != nil {
		return nil, err
	}
	if in.PrincipalARN == "" {
		return nil, errf(400, "InvalidParameterException", "principalArn is required.")
	}
	account, kind, aerr := st.checkPrincipal(in.PrincipalARN)
	if aerr != nil {
		return nil, aerr
	}
	typ := TypeStandard
	if in.Type != nil {
		typ = *in.Type
	}
	if aerr := checkType(typ); aerr != nil {
		return nil, aerr
	}
	// The reserved names are checked before the type's own rules: a node
	// role written as in aws-auth (system:node:... with system: groups)
	// meets the reserved-name refusal, as it does on EKS.
	if in.Username != nil {
		if aerr := reservedUsername(*in.Username); aerr != nil {
			return nil, aerr
		}
	}
	if aerr := reservedGroups(in.KubernetesGroups); aerr != nil {
		return nil, aerr
	}
	if typ != TypeStandard {
		if aerr := st.checkNodeType(typ, account, kind, in.Username, in.KubernetesGroups); aerr != nil {
			return nil, aerr
		}
	}
	// EKS resolves the ARN to the principal's ID: one IAM does not have
	// (a role written without its path, a deleted one) is invalid.
	p := st.principals[strings.ToLower(in.PrincipalARN)]
	if p == nil || p.ARN != in.PrincipalARN {
		return nil, errf(400, "InvalidParameterException", "%s", msgInvalidPrincipal)
	}
	if _, dup := cl.Entries[p.ARN]; dup {
		return nil, errf(409, "ResourceInUseException", "%s", msgEntryInUse)
	}
	username := defaultUsername(typ, p)
	if in.Username != nil {
		username = *in.Username
	}
	groups := in.KubernetesGroups
	if typ != TypeStandard {
		groups = nodeGroups(typ)
	}
	if in.Tags == nil {
		in.Tags = map[string]string{}
	}
	now := st.now()
	e := &AccessEntry{PrincipalARN: p.ARN, PrincipalID: p.ID, Type: typ, Username: username, Groups: groups, Created: now, Modified: now, Policies: map[string]*PolicyAssociation{}, Tags: in.Tags}
	cl.Entries[p.ARN] = e
	return map[string]any{"accessEntry": st.entryJSON(cl, e)}, nil
}

func (st *State) withEntry(cl *Cluster, arn string, f func(*AccessEntry) (any, *apiError)) (any, *apiError) {
	e := cl.Entries[arn]
	if e == nil {
		return nil, &apiError{Status: 404, Code: "ResourceNotFoundException", Message: msgNoEntry, Fields: map[string]string{"clusterName": cl.Name}}
	}
	return f(e)
}

// updateAccessEntry changes a STANDARD entry's username and groups. The
// API has no type member: the type cannot change (a "type" in the body is
// ignored, as AWS ignores members an operation does not have).
func (st *State) updateAccessEntry(q *eksReq, cl *Cluster, e *AccessEntry) (any, *apiError) {
	var in struct {
		KubernetesGroups *[]string `json:"kubernetesGroups"`
		Username         *string   `json:"username"`
	}
	if err := decode(q, &in); err != nil {
		return nil, err
	}
	if in.Username != nil {
		if aerr := reservedUsername(*in.Username); aerr != nil {
			return nil, aerr
		}
	}
	if in.KubernetesGroups != nil {
		if aerr := reservedGroups(*in.KubernetesGroups); aerr != nil {
			return nil, aerr
		}
	}
	if e.Type != TypeStandard && (in.Username != nil || (in.KubernetesGroups != nil && len(*in.KubernetesGroups) > 0)) {
		return nil, errf(400, "InvalidParameterException", "%s", msgStandardOnly)
	}
	if in.Username != nil {
		e.Username = *in.Username
	}
	if in.KubernetesGroups != nil && e.Type == TypeStandard {
		e.Groups = *in.KubernetesGroups
	}
	e.Modified = st.now()
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
	// Not found verbatim: the words for a policy ARN of another partition
	// and for an unknown policy are the sandbox's.
	prefix := st.policyPrefix()
	if !strings.HasPrefix(in.PolicyARN, prefix) {
		return nil, errf(400, "InvalidParameterException", "The specified policyArn %s is invalid: it must start with %s.", in.PolicyARN, prefix)
	}
	if !slices.Contains(st.policies, strings.TrimPrefix(in.PolicyARN, prefix)) {
		return nil, errf(404, "ResourceNotFoundException", "The specified policy %s could not be found. List them with 'aws eks list-access-policies'.", in.PolicyARN)
	}
	if !takesPolicies(e.Type) {
		return nil, errf(400, "InvalidParameterException", "%s", msgStandardOnly)
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

// page cuts items by the maxResults and nextToken query parameters (and
// the state's page limit, see SetPageLimit).
func page[T any](q *eksReq, items []T, limit int) ([]T, string, *apiError) {
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
	if limit > 0 {
		max = min(max, limit)
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
	keys, next, err := page(q, keys, st.pageLimit)
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
	arns, next, err := page(q, arns, st.pageLimit)
	if err != nil {
		return nil, err
	}
	return withNext(map[string]any{"accessEntries": arns}, next), nil
}

func (st *State) listAccessPolicies(q *eksReq) (any, *apiError) {
	names, next, err := page(q, st.policies, st.pageLimit)
	if err != nil {
		return nil, err
	}
	list := []any{}
	for _, n := range names {
		list = append(list, map[string]string{"name": n, "arn": PolicyARN(st.Partition, n)})
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
	cluster := fmt.Sprintf("arn:%s:eks:%s:%s:cluster/%s", st.Partition, st.Region, st.Account, segs[1])
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
// (arn:P:eks:R:A:access-entry/CLUSTER/KIND/ACCOUNT/NAME/ID, ACCOUNT the
// principal's), with the principal's ID when IAM knows it and * in its
// place otherwise. st.mu held.
func (st *State) accessEntryARN(cluster, principal string) string {
	kind := "user"
	if strings.Contains(principal, ":role/") {
		kind = "role"
	}
	name := principal[strings.LastIndex(principal, "/")+1:]
	account := st.Account
	if m := principalARNRE.FindStringSubmatch(principal); m != nil {
		account = m[2]
	}
	id := "*"
	if cl := st.clusters[cluster]; cl != nil && cl.Entries[principal] != nil {
		id = strings.ToLower(cl.Entries[principal].PrincipalID)
	} else if p := st.principals[strings.ToLower(principal)]; p != nil && p.ARN == principal {
		id = strings.ToLower(p.ID)
	}
	return fmt.Sprintf("arn:%s:eks:%s:%s:access-entry/%s/%s/%s/%s/%s", st.Partition, st.Region, st.Account, cluster, kind, account, name, id)
}
