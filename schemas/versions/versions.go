// Package versions gives Go the Flink version table of the CUE module
// (templates/versions), the one place that knows how Flink versions
// differ. Go code asks it for a fact instead of comparing version strings,
// so that adding a Flink version is an edit of the table alone (and
// `make generate`).
//
// The table is read from zz_generated.table.go, which schemas/versions/gen
// writes from the CUE and a test checks against it: compiling the CUE at
// run time cost every process 6–8 ms at start, a fifth of a flink-render
// run.
package versions

import "github.com/flinkops/flink-operator/schemas/v1beta1"

// Facts are one version's entry (#Version in the table).
type Facts struct {
	ConfigFile             string   `json:"configFile"`
	ConfigFormat           string   `json:"configFormat"`
	Keys                   Keys     `json:"keys"`
	NativeMode             bool     `json:"nativeMode"`
	KubernetesHA           bool     `json:"kubernetesHA"`
	SubmitFailedJobOption  bool     `json:"submitFailedJobOption"`
	JobResultStore         bool     `json:"jobResultStore"`
	HAJobConfigMapSuffix   string   `json:"haJobConfigMapSuffix"`
	HAJobGraphKeyPrefixes  []string `json:"haJobGraphKeyPrefixes"`
	SavepointFormatType    bool     `json:"savepointFormatType"`
	SessionAddressArgument string   `json:"sessionAddressArgument"`
}

// ConfigFormatYAML is the configFormat of the versions whose config file is
// standard YAML (Flink 2.x); the other is "legacy", flat key: value lines.
const ConfigFormatYAML = "yaml"

// YAMLFirst reports whether the version reads structured values (lists,
// maps) as YAML first, as Flink does with a standard YAML config file,
// before its own value syntax.
func (f Facts) YAMLFirst() bool { return f.ConfigFormat == ConfigFormatYAML }

// Keys are configuration key names that differ between versions.
type Keys struct {
	// JobManagerCPU and TaskManagerCPU are the keys of a process's cpu
	// cores (renamed .cpu.amount in 1.17).
	JobManagerCPU   string `json:"jobManagerCPU"`
	TaskManagerCPU  string `json:"taskManagerCPU"`
	RestorePath     string `json:"restorePath"`
	IgnoreUnclaimed string `json:"ignoreUnclaimed"`
	CheckpointsDir  string `json:"checkpointsDir"`
	SavepointsDir   string `json:"savepointsDir"`
	// CheckpointRetention keeps (or deletes) a job's checkpoints when it
	// is cancelled; session jobs pass it with the run.
	CheckpointRetention string `json:"checkpointRetention"`
}

// For returns the facts of version v; false when the table has no entry
// for it (an unsupported version, which validation reports).
func For(v v1beta1.FlinkVersion) (Facts, bool) {
	f, ok := table[v]
	return f, ok
}

// All lists every version's facts, oldest version first.
func All() []Facts {
	out := make([]Facts, 0, len(v1beta1.SupportedFlinkVersions))
	for _, v := range v1beta1.SupportedFlinkVersions {
		if f, ok := For(v); ok {
			out = append(out, f)
		}
	}
	return out
}

// ForMode lists the versions a deployment mode runs, oldest first: every
// supported version in standalone mode, those with nativeMode in native
// mode.
func ForMode(mode v1beta1.DeploymentMode) []v1beta1.FlinkVersion {
	var out []v1beta1.FlinkVersion
	for _, v := range v1beta1.SupportedFlinkVersions {
		if f, ok := For(v); ok && (mode == v1beta1.ModeStandalone || f.NativeMode) {
			out = append(out, v)
		}
	}
	return out
}
