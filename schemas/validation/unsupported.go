package validation

import (
	"fmt"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/flinkops/flink-operator/schemas/flinkconf"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// UnsupportedSetting is something a FlinkDeployment asks of the reference
// operator that this operator does not do, and what happens instead; or a
// key the spec overrules, which is not written (as the reference does).
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

// Unsupported lists the unsupported settings of a FlinkDeployment, given
// its flinkConfiguration as flinkconf read it. A setting that asks for the reference
// operator's default behaviour, where this operator behaves the same, is
// not listed.
func Unsupported(fd *v1beta1.FlinkDeployment, config *flinkconf.Settings) []UnsupportedSetting {
	var out []UnsupportedSetting
	op := config.Operator
	note := func(key, detail string) {
		out = append(out, UnsupportedSetting{Field: configPath(key), Detail: detail})
	}
	if op.AutoscalerEnabled {
		note(flinkconf.KeyAutoscalerEnabled, "the job autoscaler is not supported by this operator; the job keeps the parallelism the spec sets")
	}
	if op.RollbackEnabled {
		note(flinkconf.KeyRollbackEnabled, "automatic rollback is not supported by this operator; a failed upgrade is reported in status and waits for the next spec change")
	}
	if op.HealthCheckEnabled {
		note(flinkconf.KeyHealthCheckEnabled, "the cluster health check (restarting a job that restarts too often or stops checkpointing) is not supported by this operator")
	}
	if op.RestartFailed {
		note(flinkconf.KeyRestartFailed, "restarting FAILED jobs is not supported by this operator; a failed job stays failed until the spec changes")
	}
	if config.Has(flinkconf.KeyPeriodicCheckpoint) {
		note(flinkconf.KeyPeriodicCheckpoint, "periodic checkpoints triggered by the operator are not supported; Flink's own execution.checkpointing.interval is")
	}
	if op.SnapshotResource {
		note(flinkconf.KeySnapshotResource, "FlinkStateSnapshot resources are not supported; savepoints are recorded in status.jobStatus.savepointInfo")
	}
	for _, key := range []string{flinkconf.KeySavepointHistoryMax, flinkconf.KeySavepointHistoryAge} {
		if config.Has(key) {
			note(key, "this operator keeps the last 10 savepoints in status and never disposes of savepoints")
		}
	}
	// Only the spec's value is written; say so when the key said otherwise.
	for _, c := range config.IgnoreUnclaimedOverruled(fd.Spec.Job) {
		if c.Disagrees {
			note(c.Key, fmt.Sprintf("conflicts with spec.job.allowNonRestoredState (%t), which wins as in the reference operator; this key is not written",
				*fd.Spec.Job.AllowNonRestoredState))
		}
	}
	// REST over TLS is supported (reconciler/resttls) for JKS and PKCS12
	// stores; what its client cannot do is a warning, not an error: Flink
	// runs such a cluster, only the operator cannot reach it.
	if tls := config.RESTTLS; tls.Enabled {
		for _, st := range []flinkconf.Store{tls.Truststore, tls.Keystore} {
			if st.Unsupported {
				note(st.TypeKey, fmt.Sprintf("the operator's REST client reads only %s stores, not %s, so it cannot reach this JobManager's REST API; store the file as PKCS12", flinkconf.SupportedStoreTypes, st.Type))
			}
		}
		if tls.CertFingerprint != "" {
			note(flinkconf.KeyRESTCertFingerprint, "the operator's REST client does not pin the JobManager's certificate by fingerprint; it checks the certificate against "+flinkconf.KeyRESTTruststore+" only")
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
