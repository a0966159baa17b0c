package v1beta1

import "strings"

// FlinkVersion names a Flink minor version, e.g. v1_20 or v2_1.
// +kubebuilder:validation:Enum=v1_13;v1_14;v1_15;v1_16;v1_17;v1_18;v1_19;v1_20;v2_0;v2_1;v2_2
type FlinkVersion string

// SupportedFlinkVersions lists every accepted flinkVersion, oldest first. It
// must match the enum marker on FlinkVersion and the templates' version table;
// tests keep the three in step.
var SupportedFlinkVersions = []FlinkVersion{
	"v1_13", "v1_14", "v1_15", "v1_16", "v1_17", "v1_18", "v1_19", "v1_20",
	"v2_0", "v2_1", "v2_2",
}

// IsSupported reports whether v is one of SupportedFlinkVersions.
func (v FlinkVersion) IsSupported() bool {
	for _, s := range SupportedFlinkVersions {
		if s == v {
			return true
		}
	}
	return false
}

// AllowedFlinkVersions is the comma-separated list used in error messages.
func AllowedFlinkVersions() string {
	names := make([]string, len(SupportedFlinkVersions))
	for i, v := range SupportedFlinkVersions {
		names[i] = string(v)
	}
	return strings.Join(names, ", ")
}
