package sessionjob

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/flinkops/flink-operator/reconciler/flinkrest"
	"github.com/flinkops/flink-operator/reconciler/gate"
	"github.com/flinkops/flink-operator/reconciler/sessionjob/submission"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// Event reasons of savepoint upgrades and suspends, as for FlinkDeployments.
const (
	ReasonSavepoint      = "Savepoint"
	ReasonSavepointError = "SavepointError"
	ReasonSuspended      = "Suspended"
)

// The savepoint upgrade and the suspend, write-ahead as for a
// FlinkDeployment (reconciler/gate, savepoint.go):
//
//  1. the stop-with-savepoint's trigger id is recorded (status.upgrade,
//     phase Savepointing, jobId the deployed job) before it is sent, so a
//     restarted operator polls that savepoint, or sends the same trigger
//     id again, which Flink (1.15+) deduplicates: one upgrade, one
//     savepoint;
//  2. each pass reads the stop (stopFacts) and the gate's stop table
//     decides (gate.DecideSessionJobStop), with a FlinkDeployment's rules:
//     the poll read as the gate reads an upgrade's, a trigger Flink forgot
//     answered by a savepoint of the job completed since, failures and
//     attempts past the operator's --savepoint-timeout counted and retried
//     with back-off (gate.CountSavepointFailure) while the job runs, and a
//     stop whose job ended meanwhile planned again by the state table
//     (which restores the job's latest checkpoint or savepoint, never an
//     older one). Done: the location is recorded
//     (status.jobStatus.upgradeSavepointPath, status.upgrade.restorePath)
//     with the new job id and the spec to submit (phase TakingDown), in
//     one status write;
//  3. the take-down waits until the stopped job is globally terminal
//     (upgrade.go), then the submission runs the new id from restorePath
//     (submit.go), or, for a suspend, nothing is submitted and the
//     savepoint stays recorded for the resume.

// startSavepoint records the stop-with-savepoint before it is sent.
func (p *pass) startSavepoint(change string, suspend bool) (ctrl.Result, error) {
	st := &p.sj.Status
	trigger, err := flinkrest.NewTriggerID()
	if err != nil {
		return ctrl.Result{}, p.ref().Errorf("choose a savepoint trigger id: %w", err)
	}
	failures := int32(0)
	if st.Upgrade != nil {
		failures = st.Upgrade.Failures
	}
	st.Upgrade = &v1beta1.UpgradeProgress{Phase: v1beta1.PhaseSavepointing, Mode: v1beta1.UpgradeModeSavepoint,
		TargetGeneration: p.sj.Generation, JobID: st.DeployedWith.JobID, TriggerID: trigger, Suspend: suspend,
		TriggerTimestamp: v1beta1.NewTimestamp(p.r.now()), Failures: failures}
	st.ReconciliationStatus.State = v1beta1.ReconciliationUpgrading
	st.Error = ""
	p.r.event(p.sj, "Normal", ReasonSavepoint, fmt.Sprintf("%s; stopping job %s with a savepoint (trigger %s)", change, st.DeployedWith.JobID, trigger))
	return ctrl.Result{Requeue: true}, nil
}

// stopFacts reads what the stop table needs: the poll of the trigger in
// flight and, when Flink does not know it, the job and its newest
// savepoint; while an attempt failed, the job.
func (p *pass) stopFacts(ctx context.Context, sessionReady, deployed bool) gate.SessionJobStopFacts {
	up := p.sj.Status.Upgrade
	f := gate.SessionJobStopFacts{
		InFlight: up.TriggerID != "", SessionReady: sessionReady, TriggeredAt: up.TriggerTimestamp.Time(),
		Failures: up.Failures, RetryAfter: up.RetryAfter.Time(), NewGeneration: p.sj.Generation != up.TargetGeneration,
		Now: p.r.now(), Policy: p.r.SnapshotPolicy,
	}
	switch {
	case !sessionReady || p.rest == nil:
	case !deployed:
		// A stop recorded with nothing deployed (a status edited by
		// hand): there is no job to ask about.
		f.Poll, f.Job = gate.SavepointObservation{State: gate.SavepointUnknown}, gate.SessionJobRunMissing
	case f.InFlight:
		f.Poll = p.pollStop(ctx)
		if f.Poll.State == gate.SavepointUnknown {
			f.LatestSavepoint, f.LatestSavepointTime = p.latestSavepoint(ctx)
			f.Job = p.deployedRun(ctx)
		}
	case !f.NewGeneration:
		f.Job = p.deployedRun(ctx)
	}
	return f
}

// pollStop polls the recorded trigger.
func (p *pass) pollStop(ctx context.Context) gate.SavepointObservation {
	st := &p.sj.Status
	up := st.Upgrade
	status, err := p.rest.GetSavepointStatus(ctx, st.DeployedWith.JobID, up.TriggerID)
	if err != nil && !flinkrest.IsNotFound(err) {
		st.Error = p.ref().Errorf("poll the savepoint of job %s (trigger %s); the job keeps running: %w", st.DeployedWith.JobID, up.TriggerID, err).Error()
	}
	return gate.ObserveSavepoint(status, err)
}

// deployedRun is what the JobManager says of the deployed job, in the
// stop table's terms.
func (p *pass) deployedRun(ctx context.Context) gate.SessionJobRun {
	presence, running, ended := p.deployedJobState(ctx)
	switch {
	case presence == JobUnknown:
		return gate.SessionJobRunNoAnswer
	case presence == JobNotFound:
		return gate.SessionJobRunMissing
	case running:
		return gate.SessionJobRunRunning
	case ended:
		return gate.SessionJobRunEnded
	}
	return gate.SessionJobRunOther
}

// savepointResult is what the stop table found this pass: the savepoint's
// location, or the failure's cause, and the row that decided.
type savepointResult struct{ location, cause, row string }

// deployedJobState asks whether the deployed job runs (a stop needs a
// RUNNING job) or has ended (a restore of its latest checkpoint needs no
// cancel); it records the state the JobManager reports.
func (p *pass) deployedJobState(ctx context.Context) (presence JobPresence, running, ended bool) {
	job, err := p.rest.GetJob(ctx, p.sj.Status.DeployedWith.JobID)
	switch {
	case flinkrest.IsNotFound(err):
		return JobNotFound, false, false
	case err != nil:
		p.sj.Status.Error = p.ref().Errorf("read job %s before taking it down for the change: %w", p.sj.Status.DeployedWith.JobID, err).Error()
		return JobUnknown, false, false
	}
	p.setState(string(job.State))
	return JobFound, job.State == flinkrest.JobRunning, job.State.IsGloballyTerminal()
}

// triggerStop sends the recorded stop-with-savepoint. A lost answer is
// harmless: the next pass polls the same trigger id.
func (p *pass) triggerStop(ctx context.Context) (ctrl.Result, error) {
	st := &p.sj.Status
	if err := p.fence(ctx); err != nil {
		return ctrl.Result{}, err
	}
	_, err := p.rest.StopWithSavepoint(ctx, st.DeployedWith.JobID, flinkrest.StopRequest{TriggerID: st.Upgrade.TriggerID, TargetDirectory: p.savepointDir()})
	if herr := p.r.hook(HookStopSent); herr != nil {
		return ctrl.Result{}, herr
	}
	if flinkrest.IsBadRequest(err) {
		// Refused outright (no savepoint directory, say): no operation
		// exists, the job runs; an attempt that failed.
		p.savepoint.cause = "Flink refused the stop-with-savepoint: " + err.Error()
		return p.savepointFailed(), nil
	}
	if err != nil {
		return ctrl.Result{}, p.ref().Errorf("stop job %s with a savepoint (trigger %s) on session %s; the job keeps running: %w",
			st.DeployedWith.JobID, st.Upgrade.TriggerID, p.sj.Spec.DeploymentName, err)
	}
	return ctrl.Result{RequeueAfter: p.r.progressInterval()}, nil
}

// savepointDirKeys name the savepoint directory, newest first (Flink 1.20
// renamed it).
var savepointDirKeys = []string{"execution.checkpointing.savepoint-dir", "state.savepoints.dir"}

// savepointDir is where the stop writes: the session job's configuration,
// else the session's; "" leaves it to the JobManager's default.
func (p *pass) savepointDir() string {
	configs := []*v1beta1.ConfigObject{p.sj.Spec.FlinkConfiguration}
	if p.session != nil && p.session.fd != nil {
		configs = append(configs, p.session.fd.Spec.FlinkConfiguration)
	}
	for _, c := range configs {
		entries, err := c.Flatten()
		if err != nil {
			continue
		}
		for _, key := range savepointDirKeys {
			for _, e := range entries {
				if e.Key == key && fmt.Sprint(e.Value) != "" {
					return fmt.Sprint(e.Value)
				}
			}
		}
	}
	return ""
}

// waitSavepoint holds while the savepoint is in progress or its poll did
// not answer; the job keeps running meanwhile.
func (p *pass) waitSavepoint() ctrl.Result {
	st := &p.sj.Status
	if st.Error == "" {
		st.Error = fmt.Sprintf("waiting for the savepoint of job %s (trigger %s); the job keeps running", st.DeployedWith.JobID, st.Upgrade.TriggerID)
	}
	return ctrl.Result{RequeueAfter: p.r.progressInterval()}
}

// savepointDone records the location, the new job id and the spec to
// submit, in one status write. The spec is the current one: an edit made
// while the savepoint was in flight (another change, or a suspend) is
// what the saved state goes on with.
func (p *pass) savepointDone() (ctrl.Result, error) {
	st := &p.sj.Status
	up := st.Upgrade
	location := p.savepoint.location
	if err := p.r.hook(HookSavepointDone); err != nil {
		return ctrl.Result{}, err
	}
	jobID, err := flinkrest.NewTriggerID()
	if err != nil {
		return ctrl.Result{}, p.ref().Errorf("choose a job id: %w", err)
	}
	if p.sj.Spec.Job != nil {
		spec, err := json.Marshal(p.recordableSpec())
		if err != nil {
			return ctrl.Result{}, p.ref().Errorf("record the spec to submit: %w", err)
		}
		st.ReconciliationStatus.LastReconciledSpec = string(spec)
		up.TargetGeneration = p.sj.Generation
		// A suspend asked meanwhile, or the session's restart (park.go):
		// nothing is submitted after the take-down.
		up.Suspend = p.sj.Spec.Job.State == v1beta1.JobStateSuspended || p.session.restarting
	}
	st.JobStatus.UpgradeSavepointPath = location
	if st.JobStatus.SavepointInfo == nil {
		st.JobStatus.SavepointInfo = &v1beta1.SavepointInfo{}
	}
	gate.RecordSavepoint(st.JobStatus.SavepointInfo, v1beta1.Savepoint{TimeStamp: p.r.now().UnixMilli(), Location: location, TriggerType: "UPGRADE"})
	up.Phase, up.JobID, up.RestorePath = v1beta1.PhaseTakingDown, jobID, location
	up.TriggerID, up.TriggerTimestamp, up.LastFailure = "", v1beta1.Timestamp{}, ""
	st.Error = ""
	next := "submitting generation " + fmt.Sprint(up.TargetGeneration) + " from it as job " + jobID
	if up.Suspend {
		next = "the job stays suspended; a resume restores from it"
	}
	p.r.event(p.sj, "Normal", ReasonSavepoint, fmt.Sprintf("Savepoint of job %s completed at %s; %s", st.DeployedWith.JobID, location, next))
	return ctrl.Result{Requeue: true}, nil
}

// savepointFailed drops the trigger of a stop-with-savepoint Flink failed
// or refused (Flink keeps the job running) and counts the attempt: the
// next goes out after the gate's back-off (the policy's RetryBackoff,
// doubling), as for a FlinkDeployment's upgrade savepoint; once the
// policy's attempts are spent the change is held until the spec changes
// again (a new restartNonce, say).
func (p *pass) savepointFailed() ctrl.Result {
	st := &p.sj.Status
	backoff, spent := gate.CountSavepointFailure(st.Upgrade, p.r.SnapshotPolicy, p.r.now(), p.savepoint.cause)
	if spent {
		// Spent: held until the spec changes again.
		st.ReconciliationStatus.State = v1beta1.ReconciliationDeployed
		msg := p.savepointHeldMessage()
		p.r.event(p.sj, "Warning", ReasonSavepointError, msg)
		st.Error = msg
		st.ObservedGeneration = p.sj.Generation
		return ctrl.Result{RequeueAfter: p.r.resyncInterval()}
	}
	msg := p.savepointRetryMessage()
	p.r.event(p.sj, "Warning", ReasonSavepointError, msg)
	st.Error = msg
	return ctrl.Result{RequeueAfter: backoff}
}

// savepointRetryMessage is status.error while a failed stop waits for its
// next attempt.
func (p *pass) savepointRetryMessage() string {
	up := p.sj.Status.Upgrade
	return fmt.Sprintf("the stop-with-savepoint of job %s for generation %d failed (attempt %d of %d, the operator's --max-savepoint-attempts): %s; retrying at %s; the job keeps running",
		p.sj.Status.DeployedWith.JobID, up.TargetGeneration, up.Failures, p.r.SnapshotPolicy.WithDefaults().MaxSavepointAttempts, up.LastFailure,
		up.RetryAfter.Time().UTC().Format(time.RFC3339))
}

// retrySavepoint records the next attempt's trigger id once the back-off
// has passed and the job runs; the next pass sends it (triggerStop), and a
// crash between the two sends the same id.
func (p *pass) retrySavepoint(ctx context.Context) (ctrl.Result, error) {
	st := &p.sj.Status
	up := st.Upgrade
	trigger, err := flinkrest.NewTriggerID()
	if err != nil {
		return ctrl.Result{}, p.ref().Errorf("choose a savepoint trigger id: %w", err)
	}
	up.TriggerID, up.TriggerTimestamp, up.RetryAfter = trigger, v1beta1.NewTimestamp(p.r.now()), v1beta1.Timestamp{}
	st.Error = ""
	p.r.event(p.sj, "Normal", ReasonSavepoint, fmt.Sprintf("retrying the stop-with-savepoint of job %s (attempt %d of %d, trigger %s)",
		st.DeployedWith.JobID, up.Failures+1, p.r.SnapshotPolicy.WithDefaults().MaxSavepointAttempts, trigger))
	if err := p.persist(ctx); err != nil {
		return ctrl.Result{}, err
	}
	return ctrl.Result{Requeue: true}, nil
}

// replanStop drops a recorded stop that no longer applies, saying why
// when the job ended under it: the next pass plans the change again by
// the state table, which restores the ended job's latest checkpoint or
// savepoint (the stop's own, when it completed unseen), or holds.
func (p *pass) replanStop(specChanged bool) {
	st := &p.sj.Status
	up := st.Upgrade
	if !specChanged {
		p.r.event(p.sj, "Warning", ReasonSavepointError, fmt.Sprintf("job %s is %s, so its stop-with-savepoint is not waited for or retried (%s); planning generation %d again from its latest checkpoint",
			st.DeployedWith.JobID, orUnknown(st.JobStatus.State), p.savepoint.row, up.TargetGeneration))
	}
	st.Upgrade = nil
	st.ReconciliationStatus.State = v1beta1.ReconciliationDeployed
	st.Error = ""
}

// savepointHeldMessage is status.error while a failed stop holds the
// change, once its attempts are spent.
func (p *pass) savepointHeldMessage() string {
	st := &p.sj.Status
	return fmt.Sprintf(heldPrefix+"the stop-with-savepoint of job %s for generation %d failed %d times (the operator's --max-savepoint-attempts; last: %s); the job keeps running the previous spec. "+
		"Fix the cause and edit the spec (for example change spec.restartNonce) to try again", st.DeployedWith.JobID, st.Upgrade.TargetGeneration, st.Upgrade.Failures, st.Upgrade.LastFailure)
}

// ManualRestorePrefix starts status.error when the job stopped and the
// location of its savepoint is not known: nothing is submitted.
const ManualRestorePrefix = "Manual restore required: "

// savepointLost holds: Flink no longer knows the trigger and the job is
// not running. Submitting without the savepoint would lose its state.
func (p *pass) savepointLost() {
	st := &p.sj.Status
	msg := fmt.Sprintf(ManualRestorePrefix+"job %s is %s and the JobManager does not know its stop-with-savepoint (trigger %s), so where its state was saved is unknown; "+
		"nothing is submitted. Find the savepoint (or the latest checkpoint) and re-create the FlinkSessionJob with spec.job.initialSavepointPath",
		st.DeployedWith.JobID, orUnknown(st.JobStatus.State), st.Upgrade.TriggerID)
	if st.Error != msg {
		p.r.event(p.sj, "Warning", ReasonSavepointError, msg)
	}
	st.Error = msg
	st.ObservedGeneration = p.sj.Generation
}

// suspended records that nothing runs: the suspend's take-down is over
// (its savepoint, if any, stays in status.jobStatus.upgradeSavepointPath
// for the resume), or the spec was suspended before any submission.
func (p *pass) suspended() {
	st := &p.sj.Status
	if up := st.Upgrade; up != nil {
		if up.Mode == v1beta1.UpgradeModeStateless {
			// Cancelled: a stateless resume starts empty.
			st.JobStatus.UpgradeSavepointPath = ""
		}
		p.r.event(p.sj, "Normal", ReasonSuspended, fmt.Sprintf("Job %s suspended; resume from %s", orUnknown(st.JobStatus.JobID), orNothing(st.JobStatus.UpgradeSavepointPath)))
		st.Upgrade = nil
		st.DeployedWith = nil
		st.JobStatus.JobID = ""
	}
	if p.sj.Spec.Job != nil && p.sj.Spec.Job.State == v1beta1.JobStateSuspended {
		if spec, err := json.Marshal(p.recordableSpec()); err == nil {
			st.ReconciliationStatus.LastReconciledSpec = string(spec)
		}
	}
	p.setState("SUSPENDED")
	st.ReconciliationStatus.State = v1beta1.ReconciliationDeployed
	st.ObservedGeneration = p.sj.Generation
	st.Error = ""
}

// resume records the submission of a suspended (or parked) job from
// where its take-down saved it, by a FlinkDeployment's rules (the gate's
// resume): a job that never ran starts from spec.job.initialSavepointPath,
// a stateless one empty, a stateful one from its savepoint, and one whose
// savepoint is not recorded is held (Manual restore required) rather than
// started empty. The submission then runs as any other (submit.go).
func (p *pass) resume() (ctrl.Result, error) {
	st := &p.sj.Status
	from, ok := submission.ResumeRestorePath(&p.sj.Spec, st.JobStatus.StartTime == "", st.JobStatus.UpgradeSavepointPath)
	if !ok {
		msg := ManualRestorePrefix + "the job was stopped without a savepoint (upgradeMode stateless then), and now resumes with upgradeMode " +
			string(defaulted(&p.sj.Spec).Job.UpgradeMode) + ": nothing is submitted. Set spec.job.upgradeMode: stateless to start it empty, " +
			"or re-create the FlinkSessionJob with spec.job.initialSavepointPath"
		if st.Error != msg {
			p.r.event(p.sj, "Warning", ReasonSavepointError, msg)
		}
		st.Error = msg
		st.ObservedGeneration = p.sj.Generation
		return ctrl.Result{RequeueAfter: p.r.resyncInterval()}, nil
	}
	res, err := p.writeAhead()
	if err != nil || st.Upgrade == nil {
		return res, err
	}
	st.Upgrade.RestorePath = from
	return res, nil
}

// holdReason is the status message of a held change.
func (p *pass) holdReason(f Facts) string {
	st := &p.sj.Status
	job, state := st.DeployedWith.JobID, orUnknown(st.JobStatus.State)
	switch {
	case f.Plan == PlanHold:
		return f.SpecChange
	case f.DeployedJob != JobFound:
		return fmt.Sprintf("%s: held, the session's JobManager did not say whether job %s runs", f.SpecChange, job)
	case f.Checkpoint == CheckpointUnknown:
		return fmt.Sprintf("%s: held, the session's JobManager did not answer about job %s's checkpoints (%s)", f.SpecChange, job, p.checkpoint.why)
	case f.JobEnded && f.Plan != PlanSuspendSavepoint:
		return fmt.Sprintf("%s: held, job %s is %s, so it cannot take a savepoint, and it has no checkpoint to restore from: %s", f.SpecChange, job, state, p.checkpoint.why)
	case f.Plan == PlanLastState:
		return fmt.Sprintf("%s: held, job %s is %s; cancelling it for its checkpoint, or a savepoint, needs it RUNNING", f.SpecChange, job, state)
	}
	return fmt.Sprintf("%s: held, job %s is %s and a savepoint needs a RUNNING job", f.SpecChange, job, state)
}

func orNothing(s string) string {
	if s == "" {
		return "nothing (no savepoint)"
	}
	return s
}
