package validation

import (
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// UnsupportedSetting is something a FlinkDeployment asks of the reference
// operator that this operator does not do, and what happens instead.
//
// These are not errors: manifests written for the reference operator must
// keep working (its examples use the autoscaler, for instance). But nothing
// may be ignored silently, so the operator reports each as a Warning event
// and flink-render on standard error.
type UnsupportedSetting struct {
	Field  *field.Path
	Detail string
}

func (u UnsupportedSetting) String() string { return u.Field.String() + ": " + u.Detail }

// Keys of reference operator features this operator does not implement
// (apache-operator.md §8), beyond those validated in operatorconfig.go.
const (
	keyRestartFailed       = "kubernetes.operator.job.restart.failed"
	keyPeriodicCheckpoint  = "kubernetes.operator.periodic.checkpoint.interval"
	keySnapshotResource    = "kubernetes.operator.snapshot.resource.enabled"
	keySavepointHistoryMax = "kubernetes.operator.savepoint.history.max.count"
	keySavepointHistoryAge = "kubernetes.operator.savepoint.history.max.age"
)

// Unsupported lists the unsupported settings of a FlinkDeployment, given
// its flattened flinkConfiguration. A setting that asks for the reference
// operator's default behaviour, where this operator behaves the same, is
// not listed.
func Unsupported(fd *v1beta1.FlinkDeployment, config map[string]string) []UnsupportedSetting {
	var out []UnsupportedSetting
	enabled := func(key string) bool {
		b, err := parseFlinkBool(config[key])
		return err == nil && b
	}
	note := func(key, detail string) {
		out = append(out, UnsupportedSetting{Field: configPath(key), Detail: detail})
	}
	if enabled(keyAutoscalerEnabled) {
		note(keyAutoscalerEnabled, "the job autoscaler is not supported by this operator; the job keeps the parallelism the spec sets")
	}
	if enabled(keyRollbackEnabled) {
		note(keyRollbackEnabled, "automatic rollback is not supported by this operator; a failed upgrade is reported in status and waits for the next spec change")
	}
	if enabled(keyHealthCheckEnabled) {
		note(keyHealthCheckEnabled, "the cluster health check (restarting a job that restarts too often or stops checkpointing) is not supported by this operator")
	}
	if enabled(keyRestartFailed) {
		note(keyRestartFailed, "restarting FAILED jobs is not supported by this operator; a failed job stays failed until the spec changes")
	}
	if _, set := config[keyPeriodicCheckpoint]; set {
		note(keyPeriodicCheckpoint, "periodic checkpoints triggered by the operator are not supported; Flink's own execution.checkpointing.interval is")
	}
	if enabled(keySnapshotResource) {
		note(keySnapshotResource, "FlinkStateSnapshot resources are not supported; savepoints are recorded in status.jobStatus.savepointInfo")
	}
	for _, key := range []string{keySavepointHistoryMax, keySavepointHistoryAge} {
		if _, set := config[key]; set {
			note(key, "this operator keeps the last 10 savepoints in status and never disposes of savepoints")
		}
	}
	if fd.Spec.Job != nil && fd.Spec.Job.CheckpointTriggerNonce != nil {
		out = append(out, UnsupportedSetting{
			Field:  field.NewPath("spec", "job", "checkpointTriggerNonce"),
			Detail: "manual checkpoints are not supported by this operator; spec.job.savepointTriggerNonce takes a savepoint",
		})
	}
	return out
}
