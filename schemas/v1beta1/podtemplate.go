package v1beta1

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// PodTemplate is a pod as users write it in spec.podTemplate,
// spec.jobManager.podTemplate and spec.taskManager.podTemplate. Like the
// reference operator it accepts a whole Pod (apiVersion, kind, metadata, spec).
// The main Flink container is named flink-main-container.
type PodTemplate struct {
	// APIVersion is accepted for compatibility and ignored (always v1).
	// +optional
	APIVersion string `json:"apiVersion,omitempty"`
	// Kind is accepted for compatibility and ignored (always Pod).
	// +optional
	Kind string `json:"kind,omitempty"`
	// Metadata: labels and annotations are added to the generated pods.
	// +optional
	Metadata metav1.ObjectMeta `json:"metadata,omitempty"`
	// Spec is merged into the generated pod spec.
	// +optional
	Spec corev1.PodSpec `json:"spec,omitempty"`
}
