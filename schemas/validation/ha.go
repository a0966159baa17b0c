package validation

import (
	"strings"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// The high availability keys. high-availability.type replaced
// high-availability; Flink reads both, and so does the operator.
const (
	keyHAType       = "high-availability.type"
	keyHALegacyType = "high-availability"
	keyHAStorageDir = "high-availability.storageDir"
)

// KeyHAStorageDir is where Flink keeps high availability data, which the
// renderer puts the job result store under.
const KeyHAStorageDir = keyHAStorageDir

// kubernetesHAFactory is the factory class name of Kubernetes high
// availability, which every Flink version accepts as the type.
const kubernetesHAFactory = "org.apache.flink.kubernetes.highavailability.KubernetesHaServicesFactory"

// HighAvailabilityEnabled reports whether the configuration turns on
// JobManager high availability (any kind).
func HighAvailabilityEnabled(config map[string]string) bool {
	return HighAvailabilityType(config) != ""
}

// HighAvailabilityType is "kubernetes", "zookeeper", another factory class
// name, or "" when high availability is off.
func HighAvailabilityType(config map[string]string) string {
	switch t := strings.TrimSpace(config[haTypeKey(config)]); {
	case t == "" || strings.EqualFold(t, "none"):
		return ""
	case strings.EqualFold(t, "kubernetes") || t == kubernetesHAFactory:
		return "kubernetes"
	case strings.EqualFold(t, "zookeeper"):
		return "zookeeper"
	default:
		return t
	}
}

// haTypeKey is the key that sets the high availability type: the current
// one when given, else the legacy one.
func haTypeKey(config map[string]string) string {
	if _, ok := config[keyHAType]; ok {
		return keyHAType
	}
	return keyHALegacyType
}

// validateHighAvailability checks what Flink needs to start with high
// availability on: a storage directory for the JobManager metadata.
func validateHighAvailability(fd *v1beta1.FlinkDeployment, config map[string]string) field.ErrorList {
	haType := HighAvailabilityType(config)
	if haType == "" || strings.TrimSpace(config[keyHAStorageDir]) != "" {
		return nil
	}
	return field.ErrorList{field.Required(configPath(keyHAStorageDir),
		"high availability ("+haTypeKey(config)+": "+config[haTypeKey(config)]+") keeps JobManager metadata in this directory and Flink does not start without it; for example s3://bucket/flink/ha")}
}
