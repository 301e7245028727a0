package kube

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	sigsjson "sigs.k8s.io/json"

	"github.com/eksaccess/kubectl-eksaccess/pkg/awsauth"
)

// MaxManifestSize is the largest file read with -f: a ConfigMap holds at
// most 1 MiB of data, so a manifest over 2 MiB is not an aws-auth.
const MaxManifestSize = 2 << 20

// ReadManifest reads the aws-auth ConfigMap from a manifest: a single
// ConfigMap, a multi-document YAML stream (as kept in GitOps repositories),
// or a v1 List. With several ConfigMaps it takes the one named aws-auth.
func ReadManifest(r io.Reader) (*ConfigMap, error) {
	b, err := io.ReadAll(io.LimitReader(r, MaxManifestSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxManifestSize {
		return nil, fmt.Errorf("it is larger than %d MiB, and a ConfigMap holds at most 1 MiB: pass the aws-auth manifest ('kubectl get configmap aws-auth -n kube-system -o yaml')", MaxManifestSize>>20)
	}
	if bytes.IndexByte(b, 0) >= 0 || !utf8.Valid(b) {
		return nil, errors.New("it is not text (binary content): pass a YAML or JSON ConfigMap manifest")
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, errors.New("it is empty: pass a YAML or JSON ConfigMap manifest")
	}
	var found []*ConfigMap
	var kinds []string
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(b), 4096)
	for doc := 1; ; doc++ {
		var raw map[string]any
		if err := dec.Decode(&raw); err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return nil, fmt.Errorf("document %d is not valid YAML: %v: fix the syntax, or export the object again with 'kubectl get configmap aws-auth -n kube-system -o yaml'", doc, strings.TrimPrefix(err.Error(), "error converting YAML to JSON: "))
		}
		if raw == nil {
			continue
		}
		cms, k, err := configMapsIn(raw)
		if err != nil {
			return nil, fmt.Errorf("document %d: %w", doc, err)
		}
		found = append(found, cms...)
		kinds = append(kinds, k...)
	}
	switch {
	case len(found) == 1:
		return found[0], nil
	case len(found) > 1:
		for _, cm := range found {
			if cm.Name == ConfigMapName {
				return cm, nil
			}
		}
		return nil, fmt.Errorf("it has %d ConfigMaps and none is named %s: pass the aws-auth manifest", len(found), ConfigMapName)
	case len(kinds) > 0:
		return nil, fmt.Errorf("it has no ConfigMap (found %s): pass the aws-auth ConfigMap manifest", strings.Join(kinds, ", "))
	}
	return nil, errors.New("it has no Kubernetes object (no apiVersion/kind): pass a ConfigMap manifest ('kubectl get configmap aws-auth -n kube-system -o yaml')")
}

func configMapsIn(raw map[string]any) ([]*ConfigMap, []string, error) {
	kind, _ := raw["kind"].(string)
	apiVersion, _ := raw["apiVersion"].(string)
	switch {
	case kind == "List" || strings.HasSuffix(kind, "List") && apiVersion == "v1":
		items, _ := raw["items"].([]any)
		var cms []*ConfigMap
		var kinds []string
		for i, it := range items {
			m, ok := it.(map[string]any)
			if !ok {
				return nil, nil, fmt.Errorf("list item %d is not an object", i+1)
			}
			c, k, err := configMapsIn(m)
			if err != nil {
				return nil, nil, fmt.Errorf("list item %d: %w", i+1, err)
			}
			cms, kinds = append(cms, c...), append(kinds, k...)
		}
		return cms, kinds, nil
	case kind == "ConfigMap" && apiVersion == "v1":
		// raw came from one YAML (or JSON) parse; from here it is JSON,
		// decoded as strictly as the API server would: field names are
		// case-sensitive (a "Data:" key is unknown, as kubectl apply says).
		js, err := json.Marshal(raw)
		if err != nil {
			return nil, nil, err
		}
		var cm ConfigMap
		strict, err := sigsjson.UnmarshalStrict(js, &cm, sigsjson.DisallowUnknownFields)
		if err == nil && len(strict) > 0 {
			err = strict[0]
		}
		if err != nil {
			fix := "every value under data must be a string (use a '|' block for mapRoles, mapUsers and mapAccounts)"
			if _, field, ok := strings.Cut(err.Error(), "unknown field "); ok {
				fix = unknownFieldFix(strings.Trim(field, `"`))
			}
			return nil, nil, fmt.Errorf("ConfigMap %q is malformed: %v: %s", nameOf(raw), err, fix)
		}
		return []*ConfigMap{&cm}, nil, nil
	case kind == "":
		return nil, []string{"an object without kind"}, nil
	}
	return nil, []string{kind + "/" + nameOf(raw)}, nil
}

// configMapFields are the fields of a ConfigMap, as the API server spells
// them.
var configMapFields = []string{"apiVersion", "kind", "metadata", "immutable", "data", "binaryData"}

// unknownFieldFix says what to do with a field a ConfigMap does not have.
func unknownFieldFix(f string) string {
	if slices.Contains(awsauth.DataKeys, f) {
		return fmt.Sprintf("indent %s under data:", f)
	}
	for _, known := range configMapFields {
		if strings.EqualFold(f, known) {
			return fmt.Sprintf("spell it %s (field names are case-sensitive)", known)
		}
	}
	return "remove it: a ConfigMap has " + strings.Join(configMapFields, ", ")
}

func nameOf(raw map[string]any) string {
	md, _ := raw["metadata"].(map[string]any)
	name, _ := md["name"].(string)
	return name
}
