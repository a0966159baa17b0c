package objref_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/flinkops/flink-operator/internal/objref"
)

func TestErrorfNamesTheObjectFirstAndWraps(t *testing.T) {
	cause := errors.New("connection refused")
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: "prod", Name: "orders-config-map"}}

	err := objref.Of("ConfigMap", cm).Errorf("delete HA data: %w", cause)

	assert.EqualError(t, err, "ConfigMap/prod/orders-config-map: delete HA data: connection refused")
	assert.ErrorIs(t, err, cause)
}

func TestClusterScopedObjectHasNoNamespace(t *testing.T) {
	assert.Equal(t, "ValidatingWebhookConfiguration/flink-operator",
		objref.Ref{Kind: "ValidatingWebhookConfiguration", Name: "flink-operator"}.String())
}
