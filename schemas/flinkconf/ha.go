package flinkconf

import "strings"

// HighAvailability is the JobManager high availability setting.
type HighAvailability struct {
	// Type is "kubernetes", "zookeeper", another factory class name, or ""
	// when high availability is off.
	Type string
	// Key is the key that sets the type: high-availability.type when
	// given, else the legacy high-availability. Text is its value as
	// written. Both are for messages.
	Key, Text string
	// StorageDir is high-availability.storageDir, trimmed; "" when unset.
	StorageDir string
}

// Enabled reports whether high availability (any kind) is on.
func (h HighAvailability) Enabled() bool { return h.Type != "" }

// Kubernetes reports Kubernetes high availability.
func (h HighAvailability) Kubernetes() bool { return h.Type == HAKubernetes }

// High availability types the operator tells apart.
const (
	HAKubernetes = "kubernetes"
	HAZooKeeper  = "zookeeper"
)

// kubernetesHAFactory is the factory class name of Kubernetes high
// availability, which every Flink version accepts as the type.
const kubernetesHAFactory = "org.apache.flink.kubernetes.highavailability.KubernetesHaServicesFactory"

func readHighAvailability(raw map[string]string) HighAvailability {
	h := HighAvailability{Key: KeyHALegacyType, StorageDir: strings.TrimSpace(raw[KeyHAStorageDir])}
	if _, ok := raw[KeyHAType]; ok {
		h.Key = KeyHAType
	}
	h.Text = raw[h.Key]
	switch t := strings.TrimSpace(h.Text); {
	case t == "" || strings.EqualFold(t, "none"):
	case strings.EqualFold(t, HAKubernetes) || t == kubernetesHAFactory:
		h.Type = HAKubernetes
	case strings.EqualFold(t, HAZooKeeper):
		h.Type = HAZooKeeper
	default:
		h.Type = t
	}
	return h
}

// stateBackend names the state backend the configuration selects, so that
// two configurations can be compared: lower case, with Flink's legacy names
// "filesystem" and "jobmanager" (both the heap backend since Flink 1.13) and
// an unset key read as "hashmap", Flink's default. A factory class name
// stays as it is. A backend chosen in the job's code is not visible here.
func stateBackend(raw map[string]string) string {
	v := strings.TrimSpace(raw[KeyStateBackendType])
	if v == "" {
		v = strings.TrimSpace(raw[KeyStateBackendLegacy])
	}
	switch lower := strings.ToLower(v); lower {
	case "", "hashmap", "filesystem", "jobmanager":
		return "hashmap"
	case "rocksdb", "forst":
		return lower
	}
	return v
}
