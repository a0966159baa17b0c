package sessionjob

import (
	"context"
	"fmt"

	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/flinkops/flink-operator/reconciler/flinkrest"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// ReasonCheckpointRestore: an upgrade that restores the latest checkpoint
// started, or found its checkpoint.
const ReasonCheckpointRestore = "CheckpointRestore"

// Restores from the latest checkpoint: the last-state upgrade of a session
// job, and the stateful upgrade of a job that has ended (FAILED, say). A
// session job has no HA metadata of its own to restore from, so, as the
// reference operator does for session jobs, the job is cancelled and the
// new spec submitted from its latest completed checkpoint.
//
//  1. Before anything is recorded, the JobManager must show a checkpoint
//     to restore from and, for a job still to be cancelled, that the
//     job's checkpoints survive a cancel (GET /jobs/:id/checkpoints/config,
//     the job's own configuration, whichever level set it). Otherwise a
//     running job is stopped with a savepoint instead (savepoint.go), and
//     an ended one is held: its state is not given up.
//  2. The upgrade is recorded (status.upgrade: phase TakingDown, mode
//     last-state, the new job id and the spec to submit) before the cancel
//     is sent (upgrade.go's cancel, the stateless upgrade's).
//  3. Only once the job is globally terminal is its latest checkpoint
//     read: none can complete after that, so the one read is the newest.
//     It is recorded as the restore path with the move to the submission
//     (phase Deploying), in one status write.
//  4. If the JobManager no longer knows the job, or its newest checkpoint
//     cannot be restored, nothing is submitted: Manual restore required.
//     An older checkpoint is never used instead.

// checkpointRead is what this pass read of the deployed job's latest
// checkpoint: its path, or why there is none.
type checkpointRead struct{ path, why string }

// latestCheckpoint asks the JobManager about the deployed job's latest
// checkpoint, for a job in the given state: a RUNNING job is to be
// cancelled, so its checkpoints must be retained on cancellation; so must
// a CANCELED or FINISHED job's; a FAILED job's are kept whenever they are
// externalized.
func (p *pass) latestCheckpoint(ctx context.Context, state flinkrest.JobStatus) CheckpointState {
	st := &p.sj.Status
	id := st.DeployedWith.JobID
	cfg, err := p.rest.GetCheckpointConfig(ctx, id)
	switch {
	case flinkrest.IsCheckpointingDisabled(err):
		p.checkpoint.why = "checkpointing is off for it"
		return CheckpointNone
	case err != nil:
		st.Error = p.ref().Errorf("read the checkpoint configuration of job %s to restore its latest checkpoint: %w", id, err).Error()
		p.checkpoint.why = err.Error()
		return CheckpointUnknown
	}
	kept := cfg.RetainedOnCancellation()
	if state == flinkrest.JobFailed {
		kept = cfg.Externalization.Enabled
	}
	if !kept {
		p.checkpoint.why = "its checkpoints are deleted when it is cancelled or ends " +
			"(set execution.checkpointing.externalized-checkpoint-retention: RETAIN_ON_CANCELLATION in spec.flinkConfiguration)"
		if state == flinkrest.JobRunning {
			return CheckpointNotRetained
		}
		return CheckpointNone
	}
	stats, err := p.rest.GetCheckpoints(ctx, id)
	switch {
	case flinkrest.IsCheckpointingDisabled(err):
		p.checkpoint.why = "checkpointing is off for it"
		return CheckpointNone
	case err != nil:
		st.Error = p.ref().Errorf("read the checkpoints of job %s to restore the latest: %w", id, err).Error()
		p.checkpoint.why = err.Error()
		return CheckpointUnknown
	}
	ref, found := stats.LatestCompleted()
	switch {
	case !found && !cfg.CheckpointingEnabled():
		// A streaming job without execution.checkpointing.interval: Flink
		// answers both calls, with no checkpoint (real 1.20, 2.2, 2.3).
		p.checkpoint.why = "it takes no checkpoints (execution.checkpointing.interval is not set)"
		return CheckpointNone
	case !found:
		p.checkpoint.why = "no checkpoint of it has completed"
		return CheckpointNone
	case !ref.Restorable():
		p.checkpoint.why = fmt.Sprintf("its latest checkpoint (%s %d) cannot be restored from (path %q, discarded %t)", ref.Source, ref.ID, ref.ExternalPath, ref.Discarded)
		return CheckpointNone
	}
	p.checkpoint.path = ref.ExternalPath
	return CheckpointRestorable
}

// startCheckpointUpgrade records the upgrade before the job is cancelled
// (or, for a job that ended, before its checkpoint is read once more).
func (p *pass) startCheckpointUpgrade(change string, jobEnded bool) (ctrl.Result, error) {
	st := &p.sj.Status
	up, err := p.recordUpgrade(v1beta1.UpgradeProgress{Phase: v1beta1.PhaseTakingDown, Mode: v1beta1.UpgradeModeLastState})
	if err != nil {
		return ctrl.Result{}, err
	}
	jobID := up.JobID
	old := st.DeployedWith.JobID
	msg := fmt.Sprintf("%s; cancelling job %s, whose checkpoints are retained on cancellation (latest now: %s), then submitting generation %d as job %s from its latest checkpoint",
		change, old, p.checkpoint.path, p.sj.Generation, jobID)
	if jobEnded {
		msg = fmt.Sprintf("%s; job %s is %s: submitting generation %d as job %s from its latest checkpoint (now: %s)",
			change, old, orUnknown(st.JobStatus.State), p.sj.Generation, jobID, p.checkpoint.path)
	}
	p.r.event(p.sj, "Normal", ReasonCheckpointRestore, msg)
	return ctrl.Result{Requeue: true}, nil
}

// restoreCheckpoint records the ended job's latest checkpoint as what the
// new job restores from, with the move to the submission.
func (p *pass) restoreCheckpoint() {
	st := &p.sj.Status
	up := st.Upgrade
	p.r.event(p.sj, "Normal", ReasonCheckpointRestore, fmt.Sprintf("Job %s is %s; submitting generation %d as job %s from its latest checkpoint %s",
		st.DeployedWith.JobID, orUnknown(st.JobStatus.State), up.TargetGeneration, up.JobID, p.checkpoint.path))
	up.RestorePath = p.checkpoint.path
	st.Error = ""
	p.deployUpgrade()
}

// checkpointLost holds: the job ended and where its state is cannot be
// read. Submitting without it would lose the state.
func (p *pass) checkpointLost(jobKnown bool) {
	st := &p.sj.Status
	why := p.checkpoint.why
	if !jobKnown {
		why = fmt.Sprintf("session %s's JobManager no longer knows it, so its latest checkpoint cannot be read", p.sj.Spec.DeploymentName)
	}
	msg := fmt.Sprintf(ManualRestorePrefix+"job %s was taken down to restore generation %d from its latest checkpoint, but %s; nothing is submitted. "+
		"Find the job's latest retained checkpoint in its checkpoint directory and re-create the FlinkSessionJob with spec.job.initialSavepointPath",
		st.DeployedWith.JobID, st.Upgrade.TargetGeneration, why)
	if st.Error != msg {
		p.r.event(p.sj, "Warning", ReasonSavepointError, msg)
	}
	st.Error = msg
	st.ObservedGeneration = p.sj.Generation
}
