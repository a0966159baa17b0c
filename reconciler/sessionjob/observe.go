package sessionjob

import (
	"context"
	"fmt"
	"strings"

	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/flinkops/flink-operator/reconciler/flinkrest"
	"github.com/flinkops/flink-operator/reconciler/sessionjob/submission"
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
		// Lost (lost.go): the caller resubmits a stateless job, or holds.
		p.lost = true
		p.setState(stateUnseen)
		return ctrl.Result{RequeueAfter: p.r.resyncInterval()}
	case err != nil:
		st.Error = p.ref().Errorf("read job %s on session %s: %v", st.DeployedWith.JobID, p.sj.Spec.DeploymentName, err).Error()
		p.setState(stateUnseen)
		return ctrl.Result{RequeueAfter: p.r.progressInterval()}
	}
	if isLostMessage(st.Error) || strings.HasPrefix(st.Error, Kind+"/") || isWaitingMessage(st.Error) || isHeldMessage(st.Error) {
		// A job found again (a session's JobManager that recovered it)
		// clears what a pass wrote while it was not there.
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
	// lostPrefix starts the Manual restore required of a lost stateful
	// job (lost.go).
	lostPrefix = ManualRestorePrefix + "job lost: "
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
// carried out (plan): submission.SpecChange, which flink-render plan reads
// too.
func specChange(recorded, current *v1beta1.FlinkSessionJobSpec) (change string, plan Plan) {
	return submission.SpecChange(recorded, current)
}

// defaulted spells out the defaults of upgradeMode and state
// (submission.Defaulted).
func defaulted(s *v1beta1.FlinkSessionJobSpec) *v1beta1.FlinkSessionJobSpec {
	return submission.Defaulted(s)
}
