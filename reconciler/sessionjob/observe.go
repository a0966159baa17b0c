package sessionjob

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/flinkops/flink-operator/reconciler/flinkrest"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// stateUnseen is jobStatus.state while the job cannot be seen (the
// session is not ready, or REST does not answer), as the FlinkDeployment
// controller writes it, rather than keep a stale RUNNING.
const stateUnseen = "RECONCILING"

// observe reads the submitted job by its id and reports it. It only
// reads: a pass that finds nothing new writes nothing.
func (p *pass) observe(ctx context.Context) ctrl.Result {
	st := &p.sj.Status
	if st.DeployedWith == nil {
		return ctrl.Result{RequeueAfter: p.r.resyncInterval()}
	}
	if p.rest == nil {
		st.Error = p.session.why
		p.setState(stateUnseen)
		return ctrl.Result{RequeueAfter: p.r.progressInterval()}
	}
	job, err := p.rest.GetJob(ctx, st.DeployedWith.JobID)
	switch {
	case flinkrest.IsNotFound(err):
		// Not resubmitted in this slice: the id stays recorded, and the
		// user decides (the session lost the job without HA, or someone
		// cancelled it by hand and the JobManager forgot it).
		st.Error = fmt.Sprintf(lostPrefix+"%s is not on session %s's JobManager (it lost the job, or the job ended long ago); resubmission is not implemented yet: delete and re-create the FlinkSessionJob",
			st.DeployedWith.JobID, p.sj.Spec.DeploymentName)
		p.setState(stateUnseen)
		return ctrl.Result{RequeueAfter: p.r.resyncInterval()}
	case err != nil:
		st.Error = p.ref().Errorf("read job %s on session %s: %v", st.DeployedWith.JobID, p.sj.Spec.DeploymentName, err).Error()
		p.setState(stateUnseen)
		return ctrl.Result{RequeueAfter: p.r.progressInterval()}
	}
	if isLostMessage(st.Error) || strings.HasPrefix(st.Error, Kind+"/") || isWaitingMessage(st.Error) || isHeldMessage(st.Error) {
		st.Error = ""
	}
	p.setState(string(job.State))
	st.JobStatus.JobID = job.ID
	st.JobStatus.JobName = job.Name
	st.JobStatus.StartTime = fmt.Sprint(job.StartTime)
	if job.State == flinkrest.JobRunning || job.State.IsGloballyTerminal() {
		return ctrl.Result{RequeueAfter: p.r.resyncInterval()}
	}
	return ctrl.Result{RequeueAfter: p.r.progressInterval()}
}

// Prefixes of the status messages this file writes, by which a later pass
// (and conditions.go) tells them apart.
const (
	heldPrefix = "spec change held: "
	lostPrefix = "job lost: "
)

func isHeldMessage(s string) bool { return strings.HasPrefix(s, heldPrefix) }
func isLostMessage(s string) bool { return strings.HasPrefix(s, lostPrefix) }

// setState records the job's state, with an event when it changed.
func (p *pass) setState(state string) {
	st := &p.sj.Status.JobStatus
	if st.State == state {
		return
	}
	p.r.event(p.sj, "Normal", ReasonJobStatus, fmt.Sprintf("Job status changed from %s to %s", orUnknown(st.State), state))
	st.State = state
}

// hold says which spec change waits, with a Warning event naming what the
// operator would have done, once per message. The job keeps running: a
// stateful job is never cancelled by a change this release cannot carry
// out. status.observedGeneration advances (as for a FlinkDeployment held
// by the gate, health.Apply): the generation was seen, and Stalled says
// that nothing happens without the user.
func (p *pass) hold(change, prevError string) {
	st := &p.sj.Status
	msg := fmt.Sprintf(heldPrefix+"%s; job %s, submitted before the change, keeps running. "+
		"To apply the change, delete and re-create the FlinkSessionJob, or undo the edit", change, st.JobStatus.JobID)
	if prevError != msg {
		p.r.event(p.sj, "Warning", ReasonSpecChangeHeld, msg)
	}
	st.Error = msg
	st.ObservedGeneration = p.sj.Generation
}

// specChange names a change of spec since the submission, and how it is
// carried out (plan); "" when the spec is the one submitted. The nonces
// of savepoints and checkpoints are compared on their own: they ask for a
// snapshot, not an upgrade, and are held.
//
// A change of the job, its configuration or restartNonce is carried out
// by the new spec's upgradeMode: stateless cancels, savepoint stops with a
// savepoint; last-state is held (it needs checkpoints retained on
// cancellation, which the run does not set yet). A suspend stops with a
// savepoint, or cancels when upgradeMode is stateless.
func specChange(recorded, current *v1beta1.FlinkSessionJobSpec) (change string, plan Plan) {
	if recorded.Job == nil || current.Job == nil {
		return "", PlanHold
	}
	mode := current.Job.UpgradeMode
	if mode == "" {
		mode = v1beta1.DefaultUpgradeMode
	}
	switch {
	case current.Job.State == v1beta1.JobStateSuspended && recorded.Job.State != v1beta1.JobStateSuspended:
		if mode == v1beta1.UpgradeModeStateless {
			return "spec.job.state suspended: cancelling the job", PlanSuspendCancel
		}
		return "spec.job.state suspended: stopping the job with a savepoint", PlanSuspendSavepoint
	case !sameJSON(withoutSnapshotNonces(recorded), withoutSnapshotNonces(withRestartNonce(current, recorded))):
		what := "the job's spec changed"
		if current.RestartNonce != nil && !equalPtr(recorded.RestartNonce, current.RestartNonce) {
			what = "spec.restartNonce changed"
		}
		switch mode {
		case v1beta1.UpgradeModeStateless:
			return what + ": cancelling the job and submitting the new spec without state", PlanStateless
		case v1beta1.UpgradeModeSavepoint:
			return what + ": stopping the job with a savepoint and submitting the new spec from it", PlanSavepoint
		}
		return fmt.Sprintf("%s: the upgrade is held; with upgradeMode %s the operator would have cancelled the job and submitted the new spec from its latest completed checkpoint", what, mode), PlanHold
	case !equalPtr(recorded.Job.SavepointTriggerNonce, current.Job.SavepointTriggerNonce):
		return "spec.job.savepointTriggerNonce changed: the savepoint is held; the operator would have triggered a savepoint of the running job", PlanHold
	case !equalPtr(recorded.Job.CheckpointTriggerNonce, current.Job.CheckpointTriggerNonce):
		return "spec.job.checkpointTriggerNonce changed: the checkpoint is held; the operator would have triggered a checkpoint of the running job", PlanHold
	}
	return "", PlanHold
}

func withoutSnapshotNonces(s *v1beta1.FlinkSessionJobSpec) *v1beta1.FlinkSessionJobSpec {
	c := s.DeepCopy()
	c.Job.SavepointTriggerNonce = nil
	c.Job.CheckpointTriggerNonce = nil
	if c.Job.UpgradeMode == "" {
		c.Job.UpgradeMode = v1beta1.DefaultUpgradeMode
	}
	if c.Job.State == "" {
		c.Job.State = v1beta1.JobStateRunning
	}
	return c
}

// withRestartNonce is current, whose restartNonce removed counts as
// unchanged: only a new non-null value asks for a restart.
func withRestartNonce(current, recorded *v1beta1.FlinkSessionJobSpec) *v1beta1.FlinkSessionJobSpec {
	if current.RestartNonce != nil {
		return current
	}
	c := current.DeepCopy()
	c.RestartNonce = recorded.RestartNonce
	return c
}

func sameJSON(a, b any) bool {
	ja, errA := json.Marshal(a)
	jb, errB := json.Marshal(b)
	return errA == nil && errB == nil && string(ja) == string(jb)
}

func equalPtr[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}
