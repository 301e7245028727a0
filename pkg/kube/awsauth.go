// Package kube reads and writes kube-system/aws-auth and asks the cluster
// about the caller. It knows nothing of cobra or printing.
package kube

import (
	"context"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Where aws-auth always lives.
const (
	Namespace     = "kube-system"
	ConfigMapName = "aws-auth"
)

// GetAWSAuth reads the live aws-auth ConfigMap. API errors (NotFound,
// Forbidden...) are returned unchanged for the caller to translate.
func GetAWSAuth(ctx context.Context, c ConfigMapsGetter) (*ConfigMap, error) {
	return c.ConfigMaps(Namespace).Get(ctx, ConfigMapName, metav1.GetOptions{})
}
