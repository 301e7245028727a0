package kube

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestConfigMapIsCoreV1 holds ConfigMap to k8s.io/api's:
// the same fields, types and JSON tags in the same order (a field added
// upstream fails it), and a fully set object goes through ours unchanged.
func TestConfigMapIsCoreV1(t *testing.T) {
	for _, c := range []struct{ ours, theirs any }{{ConfigMap{}, corev1.ConfigMap{}}} {
		ours, theirs := fields(reflect.TypeOf(c.ours)), fields(reflect.TypeOf(c.theirs))
		if !reflect.DeepEqual(ours, theirs) {
			t.Errorf("%T fields %q, want core/v1's %q", c.ours, ours, theirs)
		}
	}
	yes := true
	full := corev1.ConfigMap{
		TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"},
		ObjectMeta: metav1.ObjectMeta{Name: ConfigMapName, Namespace: Namespace, UID: "u-1", ResourceVersion: "42",
			Labels: map[string]string{"a": "b"}, Annotations: map[string]string{"c": "d"}, Finalizers: []string{"f"},
			ManagedFields: []metav1.ManagedFieldsEntry{{Manager: "kubectl", Operation: metav1.ManagedFieldsOperationUpdate}}},
		Immutable:  &yes,
		Data:       map[string]string{"mapRoles": "- rolearn: x\n"},
		BinaryData: map[string][]byte{"bin": {0, 1, 2}},
	}
	want, err := json.Marshal(full)
	if err != nil {
		t.Fatal(err)
	}
	var cm ConfigMap
	if err := json.Unmarshal(want, &cm); err != nil {
		t.Fatal(err)
	}
	cp := cm.DeepCopy()
	got, err := json.Marshal(cp)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("through kube.ConfigMap and DeepCopy:\n%s\nwant\n%s", got, want)
	}
	cp.Data["mapRoles"], cp.BinaryData["bin"][0], *cp.Immutable, cp.Labels["a"] = "changed", 9, false, "changed"
	if again, _ := json.Marshal(cm); string(again) != string(want) {
		t.Errorf("changing the copy changed the original:\n%s", again)
	}
}

// fields lists a struct's fields as "name type json:tag", embedded ones too.
func fields(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		typ := f.Type.String()
		tag := strings.TrimSuffix(f.Tag.Get("json"), ",inline") // embedded: inline either way
		out = append(out, f.Name+" "+typ+" json:"+tag)
	}
	return out
}
