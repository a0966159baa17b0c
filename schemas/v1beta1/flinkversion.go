package v1beta1

import "slices"

// FlinkVersion names a Flink minor version, e.g. v1_20 or v2_1.
// +kubebuilder:validation:Enum=v1_11;v1_12;v1_13;v1_14;v1_15;v1_16;v1_17;v1_18;v1_19;v1_20;v2_0;v2_1;v2_2;v2_3;v2_4
type FlinkVersion string

// SupportedFlinkVersions lists every accepted flinkVersion, oldest first. It
// must match the enum marker on FlinkVersion and the templates' version table;
// tests keep the three in step. What each version can do is a fact of that
// table (schemas/versions), never a comparison here.
var SupportedFlinkVersions = []FlinkVersion{
	"v1_11", "v1_12",
	"v1_13", "v1_14", "v1_15", "v1_16", "v1_17", "v1_18", "v1_19", "v1_20",
	"v2_0", "v2_1", "v2_2", "v2_3", "v2_4",
}

// IsSupported reports whether v is one of SupportedFlinkVersions.
func (v FlinkVersion) IsSupported() bool {
	return slices.Contains(SupportedFlinkVersions, v)
}
