package sessionjob

import (
	"context"
	"fmt"
	"strings"

	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/flinkops/flink-operator/reconciler/flinkrest"
	"github.com/flinkops/flink-operator/reconciler/gate"
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
	p.job = job
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
	left := "keeps running"
	if st.JobStatus.State != string(flinkrest.JobRunning) {
		left = "is left as it is (" + orUnknown(st.JobStatus.State) + ")"
	}
	msg := fmt.Sprintf(heldPrefix+"%s; job %s, submitted before the change, %s. "+
		"To apply the change, delete and re-create the FlinkSessionJob, or undo the edit", change, st.JobStatus.JobID, left)
	if prevError != msg {
		p.r.event(p.sj, "Warning", ReasonSpecChangeHeld, msg)
	}
	st.Error = msg
	st.ObservedGeneration = p.sj.Generation
}

// specChange names a change of spec since the submission, and how it is
// carried out (plan); "" when the spec is the one submitted, or the change
// needs no action (gate.ClassifySessionJob: the FlinkDeployment job's
// rules, so upgradeMode alone, say, restarts nothing). The savepoint nonce
// asks for a savepoint, not an upgrade (snapshots.go); the checkpoint
// nonce is held.
//
// An UPGRADE is carried out by the new spec's upgradeMode: stateless
// cancels, savepoint stops with a savepoint, last-state cancels and
// restores the latest checkpoint (lastcheckpoint.go says when it takes a
// savepoint instead). A suspend stops with a savepoint, or cancels when
// upgradeMode is stateless. A new savepointRedeployNonce cancels and
// submits from spec.job.initialSavepointPath, as the reference does.
func specChange(recorded, current *v1beta1.FlinkSessionJobSpec) (change string, plan Plan) {
	if recorded.Job == nil || current.Job == nil {
		return "", PlanHold
	}
	rec, cur := defaulted(recorded), defaulted(current)
	mode := cur.Job.UpgradeMode
	if cur.Job.State == v1beta1.JobStateSuspended && rec.Job.State != v1beta1.JobStateSuspended {
		if mode == v1beta1.UpgradeModeStateless {
			return "spec.job.state suspended: cancelling the job", PlanSuspendCancel
		}
		return "spec.job.state suspended: stopping the job with a savepoint", PlanSuspendSavepoint
	}
	diff := gate.ClassifySessionJob(rec, cur)
	what := "spec changed (" + strings.Join(diff.Fields, ", ") + ")"
	switch diff.Type {
	case gate.DiffSavepointRedeploy:
		if cur.Job.InitialSavepointPath == "" {
			return what + ": held, spec.job.initialSavepointPath is empty, so there is nothing to redeploy from; set it to the savepoint to start from", PlanHold
		}
		return what + ": cancelling the job and submitting the new spec from spec.job.initialSavepointPath " + cur.Job.InitialSavepointPath, PlanRedeploy
	case gate.DiffUpgrade, gate.DiffScale:
		switch mode {
		case v1beta1.UpgradeModeStateless:
			return what + ": cancelling the job and submitting the new spec without state", PlanStateless
		case v1beta1.UpgradeModeSavepoint:
			return what + ": stopping the job with a savepoint and submitting the new spec from it", PlanSavepoint
		}
		return what + ": cancelling the job and submitting the new spec from its latest checkpoint", PlanLastState
	}
	// savepointTriggerNonce is no spec change: snapshots.go serves it.
	if !equalPtr(rec.Job.CheckpointTriggerNonce, cur.Job.CheckpointTriggerNonce) {
		return "spec.job.checkpointTriggerNonce changed: the checkpoint is held; the operator would have triggered a checkpoint of the running job", PlanHold
	}
	return "", PlanHold
}

// defaulted spells out the defaults of upgradeMode and state, so a spec
// that writes them and one that leaves them out compare equal.
func defaulted(s *v1beta1.FlinkSessionJobSpec) *v1beta1.FlinkSessionJobSpec {
	c := s.DeepCopy()
	if c.Job.UpgradeMode == "" {
		c.Job.UpgradeMode = v1beta1.DefaultUpgradeMode
	}
	if c.Job.State == "" {
		c.Job.State = v1beta1.JobStateRunning
	}
	return c
}

func equalPtr[T comparable](a, b *T) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}
