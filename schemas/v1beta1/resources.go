package v1beta1

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// ResourceRequirements is Kubernetes' container resource requirements, with
// amounts kept exactly as written. Kubernetes' own Quantity would turn a
// memory of "1000m" into "1"; Flink reads "1000m" as 1000 MiB, and so do we
// (see schemas/memsize).
type ResourceRequirements struct {
	// Limits of the main container.
	// +optional
	Limits ResourceList `json:"limits,omitempty"`
	// Requests of the main container.
	// +optional
	Requests ResourceList `json:"requests,omitempty"`
	// Claims of dynamic resources, copied to the main container.
	// +optional
	// +listType=map
	// +listMapKey=name
	Claims []corev1.ResourceClaim `json:"claims,omitempty"`
}

// ResourceList maps a resource name (cpu, memory, ephemeral-storage, ...)
// to an amount as written: a number or a string.
type ResourceList map[corev1.ResourceName]intstr.IntOrString
