package health

import (
	"strings"

	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// Reasons of the Stalled condition: the operator will do nothing more
// until the user changes something.
const (
	// ReasonValidationError: the current spec was refused; the last valid
	// spec keeps running.
	ReasonValidationError = "ValidationError"
	// ReasonUpgradeHeld: the upgrade cannot start (or finish) without
	// losing state, or the old cluster does not go away.
	ReasonUpgradeHeld = "UpgradeHeld"
	// ReasonUpgradeFailed: the upgrade was abandoned after its savepoint
	// attempts failed; the previous spec keeps running.
	ReasonUpgradeFailed = "UpgradeFailed"
	// ReasonManualRestoreRequired: the job cannot be (re)started without
	// losing its state; the user must say where to restore it from.
	ReasonManualRestoreRequired = "ManualRestoreRequired"
	// ReasonJobFailed: the job failed for good (Flink's restart strategy
	// gave up).
	ReasonJobFailed = "JobFailed"
	// ReasonDeploymentFailed: the JobManager does not start (its pod
	// crash-loops or its image cannot be pulled).
	ReasonDeploymentFailed = "DeploymentFailed"
)

// stallMarkers tells a status.error that waits for the user from one the
// operator retries by itself. The gate and the controller say why they
// hold in status.error only; these are the stable phrases of those
// messages (reconciler/gate: plan.go, strategy.go, savepoint.go,
// rollout.go, recover.go, adopt.go; reconciler/controller.go), checked in order.
// An error none of them matches is a wait the operator retries
// (REST unreachable, savepoint retry backoff, a job that is starting).
var stallMarkers = []struct {
	match  func(msg string) bool
	reason string
}{
	{func(m string) bool { return strings.HasPrefix(m, "invalid spec") }, ReasonValidationError},
	{func(m string) bool { return strings.Contains(m, "abandoned after") }, ReasonUpgradeFailed},
	{func(m string) bool {
		return strings.Contains(m, "Manual restore required") || strings.Contains(m, "is not re-created")
	}, ReasonManualRestoreRequired},
	{func(m string) bool { return strings.Contains(m, " held: ") || strings.HasPrefix(m, "cannot resume") }, ReasonUpgradeHeld},
}

// stalled returns the reason the resource waits for the user, or "".
func stalled(st *v1beta1.FlinkDeploymentStatus) string {
	for _, m := range stallMarkers {
		if st.Error != "" && m.match(st.Error) {
			return m.reason
		}
	}
	if st.JobStatus.State == "FAILED" {
		return ReasonJobFailed
	}
	if st.JobManagerDeploymentStatus == v1beta1.JMError {
		return ReasonDeploymentFailed
	}
	return ""
}
