package kube

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// coreV1GV is the core group's version, where ConfigMap is.
var (
	coreV1GV      = schema.GroupVersion{Version: "v1"}
	configMapType = metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"}
)

// ConfigMap is core/v1 ConfigMap, field for field and tag for tag
// (TestConfigMapIsCoreV1 holds it to k8s.io/api's): the one kind the plugin
// reads and writes back whole. k8s.io/api/core/v1 would bring every core
// type with it: 1.7 MB of the binary and their registration at start.
type ConfigMap struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`
	Immutable         *bool             `json:"immutable,omitempty"`
	Data              map[string]string `json:"data,omitempty"`
	BinaryData        map[string][]byte `json:"binaryData,omitempty"`
}

// DeepCopy copies cm and everything it points to.
func (cm *ConfigMap) DeepCopy() *ConfigMap {
	if cm == nil {
		return nil
	}
	out := &ConfigMap{TypeMeta: cm.TypeMeta}
	cm.ObjectMeta.DeepCopyInto(&out.ObjectMeta)
	if cm.Immutable != nil {
		v := *cm.Immutable
		out.Immutable = &v
	}
	if cm.Data != nil {
		out.Data = make(map[string]string, len(cm.Data))
		for k, v := range cm.Data {
			out.Data[k] = v
		}
	}
	if cm.BinaryData != nil {
		out.BinaryData = make(map[string][]byte, len(cm.BinaryData))
		for k, v := range cm.BinaryData {
			out.BinaryData[k] = append([]byte(nil), v...)
		}
	}
	return out
}

// DeepCopyObject makes ConfigMap a runtime.Object.
func (cm *ConfigMap) DeepCopyObject() runtime.Object { return cm.DeepCopy() }
