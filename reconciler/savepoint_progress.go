package reconciler

import (
	"context"
	"fmt"

	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// Savepoint progress: while the operator waits for a savepoint (an upgrade
// or suspend's stop-with-savepoint, a manual or periodic one), it reads how
// many subtasks have acknowledged it and shows that in status and in the
// Upgrade printer column, so that "is it stuck?" has an answer. The gate
// never decides on it: a read that fails or does not answer (one client
// timeout, no retry) leaves the last reading in place, and nothing else.

// readSavepointProgress returns the savepoint in progress as Flink reports
// it, or prev when it is unknown (no answer, or no savepoint in progress
// yet) or unchanged, so that status is written only when the counts move.
func (r *Reconciler) readSavepointProgress(ctx context.Context, p *gatePass, prev *v1beta1.SavepointProgress) *v1beta1.SavepointProgress {
	cp, err := r.runningRESTClient(p).GetSavepointProgress(ctx, runningJobID(p))
	if err != nil {
		log.FromContext(ctx).V(1).Info("savepoint progress unavailable", "error", err.Error())
		return prev
	}
	if cp == nil {
		return prev
	}
	next := &v1beta1.SavepointProgress{CheckpointID: cp.ID, AcknowledgedSubtasks: int32(cp.NumAcknowledgedSubtasks),
		TotalSubtasks: int32(cp.NumSubtasks), LastProgressTime: v1beta1.NewTimestamp(r.now())}
	if prev != nil && prev.CheckpointID == next.CheckpointID && prev.AcknowledgedSubtasks == next.AcknowledgedSubtasks &&
		prev.TotalSubtasks == next.TotalSubtasks {
		return prev
	}
	return next
}

// settleProgress keeps each progress reading only while its savepoint is
// awaited, and derives the Upgrade column (status.upgrade.summary). It runs
// on every status write, like the health conditions.
func settleProgress(st *v1beta1.FlinkDeploymentStatus) {
	if up := st.Upgrade; up != nil {
		if up.Phase != v1beta1.PhaseSavepointing || (up.TriggerID == "" && up.TriggerTimestamp.IsZero()) {
			up.SavepointProgress = nil
		}
		up.Summary = upgradeSummary(up)
	}
	if tr := st.SavepointTrigger; tr != nil {
		if info := st.JobStatus.SavepointInfo; info == nil || info.TriggerTimestamp == nil {
			tr.SavepointProgress = nil
		}
	}
}

// upgradeSummary is the phase, with the savepoint's acknowledged/total
// subtasks once Flink reported them: "Savepointing 3/8".
func upgradeSummary(up *v1beta1.UpgradeProgress) string {
	if pr := up.SavepointProgress; pr != nil && pr.TotalSubtasks > 0 {
		return fmt.Sprintf("%s %d/%d", up.Phase, pr.AcknowledgedSubtasks, pr.TotalSubtasks)
	}
	return string(up.Phase)
}
