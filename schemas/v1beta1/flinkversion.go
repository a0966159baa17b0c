package v1beta1

import "strings"

// FlinkVersion names a Flink minor version, e.g. v1_20 or v2_1.
// +kubebuilder:validation:Enum=v1_11;v1_12;v1_13;v1_14;v1_15;v1_16;v1_17;v1_18;v1_19;v1_20;v2_0;v2_1;v2_2;v2_3;v2_4
type FlinkVersion string

// SupportedFlinkVersions lists every accepted flinkVersion, oldest first. It
// must match the enum marker on FlinkVersion and the templates' version table;
// tests keep the three in step.
var SupportedFlinkVersions = []FlinkVersion{
	"v1_11", "v1_12",
	"v1_13", "v1_14", "v1_15", "v1_16", "v1_17", "v1_18", "v1_19", "v1_20",
	"v2_0", "v2_1", "v2_2", "v2_3", "v2_4",
}

// MinNativeFlinkVersion is the oldest version native mode renders. Native
// mode hands Flink a TaskManager pod template (kubernetes.pod-template-file,
// FLINK-15656), which arrived in Flink 1.13; older versions run in
// standalone mode only, as in FLIP-225.
const MinNativeFlinkVersion FlinkVersion = "v1_13"

// IsSupported reports whether v is one of SupportedFlinkVersions.
func (v FlinkVersion) IsSupported() bool {
	return v.index() >= 0
}

// AtLeast reports whether v is min or newer. Both must be supported.
func (v FlinkVersion) AtLeast(min FlinkVersion) bool {
	i, m := v.index(), min.index()
	return i >= 0 && m >= 0 && i >= m
}

func (v FlinkVersion) index() int {
	for i, s := range SupportedFlinkVersions {
		if s == v {
			return i
		}
	}
	return -1
}

// FlinkVersionsFor lists the versions a deployment mode accepts, oldest
// first: every supported version in standalone mode, MinNativeFlinkVersion
// and newer in native mode.
func FlinkVersionsFor(mode DeploymentMode) []FlinkVersion {
	if mode == ModeStandalone {
		return SupportedFlinkVersions
	}
	return SupportedFlinkVersions[MinNativeFlinkVersion.index():]
}

// AllowedFlinkVersions is the comma-separated list used in error messages.
func AllowedFlinkVersions() string {
	return joinVersions(SupportedFlinkVersions)
}

// AllowedFlinkVersionsFor is AllowedFlinkVersions for one deployment mode.
func AllowedFlinkVersionsFor(mode DeploymentMode) string {
	return joinVersions(FlinkVersionsFor(mode))
}

func joinVersions(versions []FlinkVersion) string {
	names := make([]string, len(versions))
	for i, v := range versions {
		names[i] = string(v)
	}
	return strings.Join(names, ", ")
}
