package awsauth

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// One item of mapRoles or mapUsers becomes an Entry in two steps: its fields
// are decoded as encoding/json decodes them into the authenticator's struct
// (decodeJSON on the reference path, which calls encoding/json itself;
// decodeNode on the fast path, which applies the same rules to a ynode),
// then Entry.load applies the authenticator's Validate and inspects the
// item for what the authenticator tolerates silently.

// mapping is what the authenticator's config.RoleMapping or
// config.UserMapping holds after the decode (SSO is nil for mapUsers).
type mapping struct {
	ARN      string
	SSO      *SSO
	Username string
	Groups   []string
}

// load fills e from its decoded fields and the item they came from: the
// authenticator's Validate decides whether it loads; the inspection
// records what it reads differently than written.
func (e *Entry) load(key string, item *ynode, m mapping) {
	e.ARN, e.SSO, e.Username, e.Groups = m.ARN, m.SSO, m.Username, m.Groups
	if key == KeyRoles {
		e.Dropped = validateRole(m)
	} else if m.ARN == "" {
		e.Dropped = "no userarn"
	}
	e.Loaded = e.Dropped == ""
	inspect(key, item, e)
	if !e.Loaded {
		e.Dropped = explainDrop(key, item.kind == yNull, e)
	}
}

// roleMapping and userMapping have the JSON shape of the authenticator's
// config.RoleMapping and config.UserMapping: the reference path decodes
// each item into one of them with encoding/json.
type roleMapping struct {
	RoleARN  string   `json:"rolearn,omitempty"`
	SSO      *SSO     `json:"sso,omitempty"`
	Username string   `json:"username"`
	Groups   []string `json:"groups"`
	UserID   string   `json:"userid,omitempty"`
}

type userMapping struct {
	UserARN  string   `json:"userarn"`
	Username string   `json:"username"`
	Groups   []string `json:"groups"`
	UserID   string   `json:"userid,omitempty"`
}

// decodeJSON decodes one item exactly as json.Unmarshal into the
// authenticator's struct does; type errors leave fields empty, as for the
// authenticator.
func decodeJSON(key string, item json.RawMessage) mapping {
	if key == KeyRoles {
		var rm roleMapping
		_ = json.Unmarshal(item, &rm)
		return mapping{ARN: rm.RoleARN, SSO: rm.SSO, Username: rm.Username, Groups: rm.Groups}
	}
	var um userMapping
	_ = json.Unmarshal(item, &um)
	return mapping{ARN: um.UserARN, Username: um.Username, Groups: um.Groups}
}

// decodeNode decodes one item as decodeJSON would from its JSON:
// encoding/json's rules for a struct target (keys matched by folding, in
// the sorted order of the converted document, the later one winning).
func decodeNode(key string, item *ynode) mapping {
	var m mapping
	if item.kind != yMap {
		return m
	}
	roles := key == KeyRoles
	arnField := "USERARN"
	if roles {
		arnField = "ROLEARN"
	}
	for i := range item.keys {
		kv := &item.keys[i]
		switch {
		case foldEq(kv.key, arnField):
			setString(&m.ARN, &kv.val)
		case roles && foldEq(kv.key, "SSO"):
			setSSO(&m.SSO, &kv.val)
		case foldEq(kv.key, "USERNAME"):
			setString(&m.Username, &kv.val)
		case foldEq(kv.key, "GROUPS"):
			setGroups(&m.Groups, &kv.val)
		}
	}
	return m
}

// foldEq reports whether encoding/json matches the object key to the field
// whose name folds to upper (foldName: ASCII upper case, other runes to
// the smallest of their simple folds, so "ſso" is "SSO").
func foldEq(key, upper string) bool {
	j := 0
	for i := 0; i < len(key); j++ {
		var r rune
		if c := key[i]; c < utf8.RuneSelf {
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			r = rune(c)
			i++
		} else {
			rr, n := utf8.DecodeRuneInString(key[i:])
			r = foldRune(rr)
			i += n
		}
		if j >= len(upper) || r != rune(upper[j]) {
			return false
		}
	}
	return j == len(upper)
}

// foldRune is encoding/json's.
func foldRune(r rune) rune {
	for {
		r2 := unicode.SimpleFold(r)
		if r2 <= r {
			return r2
		}
		r = r2
	}
}

// setString decodes into a string field: only a string sets it; null and
// values of another type leave it as it was.
func setString(dst *string, v *ynode) {
	if v.kind == yStr {
		*dst = v.str
	}
}

// setGroups decodes into a []string field as encoding/json does: null
// clears it, a list is decoded into the existing backing array (an item
// of the wrong type or null keeps what was there), other types leave it.
func setGroups(dst *[]string, v *ynode) {
	switch v.kind {
	case yNull:
		*dst = nil
	case yList:
		s := *dst
		for i := range v.list {
			if i < cap(s) {
				s = s[:i+1]
			} else {
				s = append(s[:i], "")
			}
			if v.list[i].kind == yStr {
				s[i] = v.list[i].str
			}
		}
		s = s[:len(v.list)]
		if len(v.list) == 0 {
			s = []string{}
		}
		*dst = s
	}
}

// setSSO decodes into the *SSO field: null clears it; any other value
// allocates it (encoding/json's indirect), and a mapping sets its fields.
func setSSO(dst **SSO, v *ynode) {
	if v.kind == yNull {
		*dst = nil
		return
	}
	if *dst == nil {
		*dst = &SSO{}
	}
	if v.kind != yMap {
		return
	}
	s := *dst
	for i := range v.keys {
		kv := &v.keys[i]
		switch {
		case foldEq(kv.key, "PERMISSIONSETNAME"):
			setString(&s.PermissionSetName, &kv.val)
		case foldEq(kv.key, "ACCOUNTID"):
			setString(&s.AccountID, &kv.val)
		case foldEq(kv.key, "PARTITION"):
			setString(&s.Partition, &kv.val)
		}
	}
}

var (
	ssoAccountPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-9]{12}$`) })
	permissionSetName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[\w+=,.@-]{1,32}$`) })
)

// validateRole mirrors config.RoleMapping.Validate.
func validateRole(m mapping) string {
	switch {
	case m.ARN == "" && m.SSO == nil:
		return "no rolearn"
	case m.ARN != "" && m.SSO != nil:
		return "both rolearn and sso"
	case m.SSO != nil:
		if !ssoAccountPattern().MatchString(m.SSO.AccountID) {
			return fmt.Sprintf("sso accountID %q is not a 12-digit account ID", m.SSO.AccountID)
		}
		if !permissionSetName().MatchString(m.SSO.PermissionSetName) {
			return fmt.Sprintf("sso permissionSetName %q is not a valid permission set name", m.SSO.PermissionSetName)
		}
		if m.SSO.Partition != "" && !slices.Contains(Partitions, m.SSO.Partition) {
			return fmt.Sprintf("sso partition %q is not a valid AWS partition", m.SSO.Partition)
		}
		if ok, err := arnLike(ssoArnLike(m.SSO), "arn:*:iam:*:*:role/*"); err != nil || !ok {
			return fmt.Sprintf("sso matcher %q is not a role ARN pattern", ssoArnLike(m.SSO))
		}
	}
	return ""
}

// ssoArnLike mirrors config.RoleMapping.SSOArnLike, including its bug: an
// explicit partition is dropped, so the pattern starts "arn::" and never
// matches a caller.
func ssoArnLike(s *SSO) string {
	partition := ""
	if s.Partition == "" {
		partition = "aws"
	}
	return strings.ToLower(fmt.Sprintf("arn:%s:iam::%s:role/AWSReservedSSO_%s_*", partition, s.AccountID, s.PermissionSetName))
}
