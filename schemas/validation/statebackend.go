package validation

import "strings"

// Flink's state backend keys: state.backend.type, and before it (and still
// read as its deprecated alias) state.backend.
const (
	keyStateBackendType   = "state.backend.type"
	keyStateBackendLegacy = "state.backend"
)

// StateBackend names the state backend the configuration selects, so that
// two configurations can be compared: lower case, with Flink's legacy names
// "filesystem" and "jobmanager" (both the heap backend since Flink 1.13) and
// an unset key read as "hashmap", Flink's default. A factory class name
// stays as it is. A backend chosen in the job's code is not visible here.
func StateBackend(config map[string]string) string {
	v := strings.TrimSpace(config[keyStateBackendType])
	if v == "" {
		v = strings.TrimSpace(config[keyStateBackendLegacy])
	}
	switch lower := strings.ToLower(v); lower {
	case "", "hashmap", "filesystem", "jobmanager":
		return "hashmap"
	case "rocksdb", "forst":
		return lower
	}
	return v
}
