package sessionjob

import (
	"context"

	"k8s.io/apimachinery/pkg/util/validation/field"

	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/flinkops/flink-operator/internal/objref"
	"github.com/flinkops/flink-operator/reconciler/flinkrest"
	"github.com/flinkops/flink-operator/reconciler/gate"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
	"github.com/flinkops/flink-operator/schemas/validation"
)

// pass carries one reconcile pass of one FlinkSessionJob.
type pass struct {
	r  *Reconciler
	sj *v1beta1.FlinkSessionJob
	// persisted is sj as last written to (or read from) the API server;
	// status patches are computed against it.
	persisted *v1beta1.FlinkSessionJob
	session   *session
	rest      *flinkrest.Client
	// savepoint is what this pass's poll of a stop-with-savepoint showed.
	savepoint savepointResult
	// checkpoint is what this pass read of the deployed job's latest
	// checkpoint (lastcheckpoint.go).
	checkpoint checkpointRead
	// job is the submitted job as observe read it; nil when it could not.
	job *flinkrest.JobDetails
	// lost: observe found the submitted job unknown to the JobManager
	// (lost.go).
	lost bool
}

func (p *pass) ref() objref.Ref { return objref.Of(Kind, p.sj) }

// run gathers the facts, decides one step and carries it out.
func (p *pass) run(ctx context.Context) (ctrl.Result, error) {
	st := &p.sj.Status
	var err error
	if p.session, err = p.r.findSession(ctx, p.sj); err != nil {
		return ctrl.Result{}, err
	}
	if p.session.state == SessionReady {
		p.rest = p.r.restClient(p.session.fd, p.r.restTimeout())
	}
	if st.Upgrade == nil {
		// A step in flight goes on with the spec it recorded; a new one
		// starts only from a valid spec, webhook or not.
		if errs := validation.ValidateSessionJob(p.sj, validation.Options{AllowHTTPArtifacts: p.r.AllowHTTPArtifacts, Schemes: p.r.ArtifactSchemes}); len(errs) > 0 {
			return p.invalid(ctx, errs), nil
		}
	}
	f := Facts{
		Session:           p.session.state,
		SessionRestarting: p.session.restarting,
		SnapshotRequested: st.SavepointTrigger != nil,
		Submitting:        st.Upgrade != nil && st.Upgrade.Phase == v1beta1.PhaseDeploying,
		JarRecorded:       st.Jar != nil,
		Deployed:          st.DeployedWith != nil && st.DeployedWith.JobID != "",
	}
	if f.Submitting && f.JarRecorded {
		// A run may have been sent: ask before anything else.
		f.SubmittingJob = p.presence(ctx, st.Upgrade.JobID)
	}
	if f.TakingDown = st.Upgrade != nil && st.Upgrade.Phase == v1beta1.PhaseTakingDown; f.TakingDown {
		f.TakeDown = p.takeDownFacts(ctx, f.Session == SessionReady, f.Deployed)
	}
	if st.Upgrade != nil && st.Upgrade.Phase == v1beta1.PhaseSavepointing {
		f.Stopping = true
		f.Stop = p.stopFacts(ctx, f.Session == SessionReady, f.Deployed)
		stop := gate.DecideSessionJobStop(f.Stop)
		p.savepoint = savepointResult{location: stop.Location, cause: stop.Cause, row: stop.Row}
	}
	if f.Deployed && st.Upgrade == nil {
		recorded, err := recordedSpec(st)
		if err != nil {
			return ctrl.Result{}, p.ref().Errorf("read status.reconciliationStatus.lastReconciledSpec: %w", err)
		}
		f.SpecChange, f.Plan = specChange(recorded, &p.sj.Spec)
		if f.SessionRestarting {
			// The session's restart comes first: the job stops as for a
			// suspend, but its spec stays running, and it resumes (with
			// any change made meanwhile) once the session runs.
			f.SpecChange, f.Plan = parkPlan(p.session.fd, &p.sj.Spec)
		}
		stateful := f.Plan == PlanSavepoint || f.Plan == PlanSuspendSavepoint || f.Plan == PlanLastState
		if f.SpecChange != "" && stateful && p.rest != nil {
			f.DeployedJob, f.JobRunning, f.JobEnded = p.deployedJobState(ctx)
			restores := f.Plan == PlanLastState && f.JobRunning || f.JobEnded && f.Plan != PlanSuspendSavepoint
			if f.DeployedJob == JobFound && restores {
				f.Checkpoint = p.latestCheckpoint(ctx, flinkrest.JobStatus(st.JobStatus.State))
			}
		}
	}
	if !f.Deployed && st.Upgrade == nil {
		if recorded, err := recordedSpec(st); err == nil && recorded.Job.State == v1beta1.JobStateSuspended {
			f.Suspended = true
		}
		current := p.sj.Spec.Job
		f.Resume = current != nil && current.State != v1beta1.JobStateSuspended
		f.SuspendOnly = current != nil && current.State == v1beta1.JobStateSuspended
		f.Parked = !f.Suspended && f.Resume && parked(st)
	}
	step := Decide(f)
	if step != StepWaitSession && isWaitingMessage(st.Error) {
		st.Error = ""
	}
	switch step {
	case StepWaitSession:
		st.Error = p.session.why
		if st.Error == "" {
			st.Error = restartingMessage(p.session.fd)
		}
		return ctrl.Result{RequeueAfter: p.r.progressInterval()}, nil
	case StepWriteAhead:
		if p.sj.Spec.Job == nil {
			// The CRD requires spec.job; a CRD without that rule does not.
			st.Error = "spec.job is required: a FlinkSessionJob submits a job"
			return ctrl.Result{}, nil
		}
		return p.writeAhead()
	case StepUpload:
		return p.upload(ctx)
	case StepRun:
		return p.runJar(ctx)
	case StepRecord:
		p.record()
		return ctrl.Result{Requeue: true}, nil
	case StepStartUpgrade:
		from := ""
		if f.Plan == PlanRedeploy {
			from = p.sj.Spec.Job.InitialSavepointPath
		}
		return p.startUpgrade(f.SpecChange, f.Plan == PlanSuspendCancel, from)
	case StepStartSavepoint:
		change := f.SpecChange
		if f.Plan == PlanLastState {
			change += "; instead, stopping it with a savepoint: " + p.checkpoint.why
		}
		return p.startSavepoint(change, f.Plan == PlanSuspendSavepoint)
	case StepStartCheckpointUpgrade:
		return p.startCheckpointUpgrade(f.SpecChange, f.JobEnded)
	case StepRestoreCheckpoint:
		p.restoreCheckpoint()
		return ctrl.Result{Requeue: true}, nil
	case StepCheckpointLost:
		p.checkpointLost(f.TakeDown.Job != gate.SessionJobRunMissing)
		return ctrl.Result{RequeueAfter: p.r.resyncInterval()}, nil
	case StepTriggerStop:
		return p.triggerStop(ctx)
	case StepWaitSavepoint:
		return p.waitSavepoint(), nil
	case StepSavepointDone:
		return p.savepointDone()
	case StepSavepointFailed:
		return p.savepointFailed(), nil
	case StepRetrySavepoint:
		return p.retrySavepoint(ctx)
	case StepWaitSavepointRetry:
		st.Error = p.savepointRetryMessage()
		return ctrl.Result{RequeueAfter: max(st.Upgrade.RetryAfter.Time().Sub(p.r.now()), p.r.progressInterval())}, nil
	case StepSavepointLost:
		p.savepointLost()
		return ctrl.Result{RequeueAfter: p.r.resyncInterval()}, nil
	case StepSuspended:
		p.suspended()
		return ctrl.Result{RequeueAfter: p.r.resyncInterval()}, nil
	case StepResume:
		return p.resume()
	case StepCancel:
		return p.cancel(ctx)
	case StepDeployUpgrade:
		if st.Upgrade.Suspend {
			p.suspended()
			return ctrl.Result{RequeueAfter: p.r.resyncInterval()}, nil
		}
		p.deployUpgrade()
		return ctrl.Result{Requeue: true}, nil
	case StepSettleSnapshot:
		return p.settleSnapshot(ctx)
	case StepWaitREST:
		return ctrl.Result{RequeueAfter: p.r.progressInterval()}, nil
	case StepDeleteJar:
		return p.deleteJar(ctx)
	case StepHoldChange:
		// What the last pass wrote: this pass may have replaced it with
		// a REST error already.
		prev := p.persisted.Status.Error
		var res ctrl.Result
		if st.Upgrade == nil {
			// The submitted job runs on: its savepoints are served.
			var err error
			if res, err = p.snapshots(ctx); err != nil {
				return res, err
			}
		} else {
			res = p.observe(ctx)
		}
		if f.Stopping {
			// The stop's attempts are spent.
			st.Error = p.savepointHeldMessage()
			st.ObservedGeneration = p.sj.Generation
			return res, nil
		}
		p.hold(p.holdReason(f), prev)
		return res, nil
	case StepReplanStop:
		p.replanStop(f.Stop.NewGeneration && !f.Stop.InFlight)
		return ctrl.Result{Requeue: true}, nil
	default: // StepObserve
		// The spec is the one submitted (an edit undone, say): this
		// generation runs, and tools waiting for it must see so.
		st.ObservedGeneration = p.sj.Generation
		return p.snapshots(ctx)
	}
}

// presence asks the JobManager whether it knows jobID.
func (p *pass) presence(ctx context.Context, jobID string) JobPresence {
	if p.rest == nil {
		return JobUnknown
	}
	_, err := p.rest.GetJob(ctx, jobID)
	switch {
	case err == nil:
		return JobFound
	case flinkrest.IsNotFound(err):
		return JobNotFound
	default:
		p.sj.Status.Error = p.ref().Errorf("ask the session's JobManager for job %s before running it: %w", jobID, err).Error()
		return JobUnknown
	}
}

// invalidPrefix starts status.error while the spec is invalid.
const invalidPrefix = "invalid spec: "

// invalid says what is wrong with the spec, once as a Warning, and sends
// nothing: the job submitted from the last valid spec, if any, runs on.
func (p *pass) invalid(ctx context.Context, errs field.ErrorList) ctrl.Result {
	st := &p.sj.Status
	res := ctrl.Result{RequeueAfter: p.r.resyncInterval()}
	then := "nothing is submitted until it is fixed"
	if st.DeployedWith != nil {
		res = p.observe(ctx)
		then = "job " + st.DeployedWith.JobID + ", submitted from the last valid spec, keeps running"
	}
	msg := invalidPrefix + validation.Describe(errs) + "; " + then
	if p.persisted.Status.Error != msg {
		p.r.event(p.sj, "Warning", ReasonValidationError, msg)
	}
	st.Error = msg
	st.ObservedGeneration = p.sj.Generation
	return res
}
