package sessionjob

import (
	"context"
	"errors"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/flinkops/flink-operator/reconciler/flinkrest"
	"github.com/flinkops/flink-operator/reconciler/sessionjob/submission"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// SavepointOnDeletionKey in a session job's spec.flinkConfiguration makes
// deletion stop the job with a savepoint instead of cancelling it.
const SavepointOnDeletionKey = submission.SavepointOnDeletionKey

// finalize ends the job and deletes the jar, then releases the finalizer,
// one request per pass:
//
//  1. the job (status.deployedWith.jobId, else a write-ahead
//     status.upgrade.jobId whose run may have been sent) is cancelled, or
//     stopped with a savepoint when SavepointOnDeletionKey is true; the
//     pass then waits until Flink reports it globally terminal;
//  2. a recorded jar is deleted (one the JobManager lacks counts as
//     deleted);
//  3. the finalizer is released.
//
// Deletion never wedges:
//   - a job id the JobManager does not know (it lost the job, or the run
//     was never sent) has nothing to cancel;
//   - a missing session, or one that became an application cluster, has
//     no JobManager that could run the job: the finalizer is released at
//     once, with a Normal event saying so;
//   - a session that exists but does not answer (not READY, REST down), or
//     a savepoint that does not complete, is retried until CleanupTimeout
//     after the deletion began; then the finalizer is released with a
//     Warning event naming the job, which may still run and which the
//     user then cancels by hand. A stateful job is not cancelled in place
//     of a savepoint that failed: leaving it running keeps its state.
func (r *Reconciler) finalize(ctx context.Context, sj *v1beta1.FlinkSessionJob) (ctrl.Result, error) {
	if !controllerutil.ContainsFinalizer(sj, Finalizer) {
		return ctrl.Result{}, nil
	}
	p := &pass{r: r, sj: sj, persisted: sj.DeepCopy()}
	st := &sj.Status
	if st.LifecycleState != v1beta1.LifecycleDeleting {
		r.event(sj, "Normal", ReasonCleanup, "Cleaning up FlinkSessionJob")
	}
	waiting, err := p.cleanup(ctx)
	if errors.Is(err, errStopped) || isStale(err) {
		if isStale(err) {
			return ctrl.Result{Requeue: true}, nil
		}
		return ctrl.Result{}, err
	}
	if err != nil || waiting != "" {
		why := waiting
		if err != nil {
			why = err.Error()
		}
		if elapsed := r.now().Sub(sj.DeletionTimestamp.Time); elapsed < r.cleanupTimeout() {
			if st.Error != why {
				r.event(sj, "Normal", ReasonCleanup, why)
			}
			st.Error = why
			if err := r.writeStatus(ctx, p.persisted, sj); err != nil && !apierrors.IsNotFound(err) && !isStale(err) {
				return ctrl.Result{}, err
			}
			return ctrl.Result{RequeueAfter: r.progressInterval()}, nil
		}
		r.event(sj, "Warning", ReasonCleanupFailed, fmt.Sprintf("giving up cleanup after %s: %s. Job %s may still run on session %s; cancel it there if so",
			r.cleanupTimeout(), why, orUnknown(p.jobID()), sj.Spec.DeploymentName))
	}
	patch := client.MergeFromWithOptions(sj.DeepCopy(), client.MergeFromWithOptimisticLock{})
	controllerutil.RemoveFinalizer(sj, Finalizer)
	if err := r.Client.Patch(ctx, sj, patch); err != nil && !apierrors.IsNotFound(err) {
		if apierrors.IsConflict(err) {
			r.outdated(p.persisted)
			return ctrl.Result{Requeue: true}, nil
		}
		return ctrl.Result{}, p.ref().Errorf("remove finalizer: %w", err)
	}
	r.fresh.Delete(client.ObjectKeyFromObject(sj))
	return ctrl.Result{}, nil
}

// jobID is the job deletion must end: the submitted one, or the
// write-ahead one once its jar is recorded (a run may have been sent).
func (p *pass) jobID() string {
	st := &p.sj.Status
	switch {
	case st.DeployedWith != nil && st.DeployedWith.JobID != "":
		return st.DeployedWith.JobID
	case st.Upgrade != nil && st.Upgrade.Phase == v1beta1.PhaseDeploying && st.Jar != nil:
		return st.Upgrade.JobID
	}
	return ""
}

// cleanup does one deletion step; it returns what it waits for, or "" when
// the finalizer may go.
func (p *pass) cleanup(ctx context.Context) (string, error) {
	st := &p.sj.Status
	sess, err := p.r.findSession(ctx, p.sj)
	if err != nil {
		return "", err
	}
	p.session = sess
	switch sess.state {
	case SessionMissing, SessionApplication:
		p.r.event(p.sj, "Normal", ReasonCleanup, fmt.Sprintf("session %s is gone (%s): no JobManager runs job %s or holds its jar; releasing the finalizer",
			p.sj.Spec.DeploymentName, sess.why, orUnknown(p.jobID())))
		return "", nil
	case SessionNotReady:
		// A session whose deletion waits for its session jobs still runs
		// them: end the job there, or the two would wait for each other.
		if !sess.deletingButRunning {
			return "waiting for session " + p.sj.Spec.DeploymentName + " to be READY to end the job: " + sess.why, nil
		}
	}
	p.rest = p.r.restClient(sess.fd, p.r.restTimeout())
	if id := p.jobID(); id != "" {
		job, err := p.rest.GetJob(ctx, id)
		switch {
		case flinkrest.IsNotFound(err):
			// Nothing to end: the JobManager never ran it, or forgot it.
		case err != nil:
			return "", p.ref().Errorf("read job %s on session %s before ending it: %w", id, p.sj.Spec.DeploymentName, err)
		case !job.State.IsGloballyTerminal():
			if savepointOnDeletion(p.sj) {
				return p.stopWithSavepoint(ctx, id)
			}
			if job.State != flinkrest.JobCancelling {
				if err := p.rest.CancelJob(ctx, id); err != nil && !flinkrest.IsConflict(err) {
					return "", p.ref().Errorf("cancel job %s on session %s: %w", id, p.sj.Spec.DeploymentName, err)
				}
				p.setState(string(flinkrest.JobCancelling))
			}
			return fmt.Sprintf("waiting for job %s to be cancelled", id), nil
		default:
			p.setState(string(job.State))
			p.recordDeletionSavepoint(ctx, id)
		}
	}
	if st.Jar != nil {
		if err := p.rest.DeleteJar(ctx, st.Jar.ID); err != nil && !flinkrest.IsJarNotFound(err) {
			return "", p.ref().Errorf("delete jar %s from session %s: %w", st.Jar.ID, p.sj.Spec.DeploymentName, err)
		}
		st.Jar = nil
	}
	// And the jars a crash left before their record (jarsweep.go):
	// nothing will submit this session job again to sweep them later.
	// A pod that fetches its jar must be gone first.
	if p.r.FetcherImage != "" {
		if waiting, err := p.endFetchPods(ctx); waiting != "" || err != nil {
			return waiting, err
		}
	}
	p.sweepJars(ctx, "")
	return "", nil
}

// stopWithSavepoint stops the job with a savepoint, its trigger id
// recorded first (status.upgrade, phase Savepointing) so that a restarted
// operator polls the same savepoint rather than trigger a second.
func (p *pass) stopWithSavepoint(ctx context.Context, jobID string) (string, error) {
	st := &p.sj.Status
	up := st.Upgrade
	if up == nil || up.Phase != v1beta1.PhaseSavepointing || up.JobID != jobID {
		trigger, err := flinkrest.NewTriggerID()
		if err != nil {
			return "", p.ref().Errorf("choose a savepoint trigger id: %w", err)
		}
		st.Upgrade = &v1beta1.UpgradeProgress{Phase: v1beta1.PhaseSavepointing, Mode: v1beta1.UpgradeModeSavepoint,
			TargetGeneration: p.sj.Generation, JobID: jobID, TriggerID: trigger, Suspend: true,
			TriggerTimestamp: v1beta1.NewTimestamp(p.r.now())}
		if err := p.persist(ctx); err != nil {
			return "", err
		}
		up = st.Upgrade
	}
	status, err := p.rest.GetSavepointStatus(ctx, jobID, up.TriggerID)
	switch {
	case flinkrest.IsNotFound(err):
		// Not triggered yet (or the JobManager forgot it): trigger it.
		// With a client-chosen trigger id a repeated trigger is the
		// same savepoint.
		if _, err := p.rest.StopWithSavepoint(ctx, jobID, flinkrest.StopRequest{TriggerID: up.TriggerID}); err != nil {
			return "", p.ref().Errorf("stop job %s with a savepoint on session %s: %w", jobID, p.sj.Spec.DeploymentName, err)
		}
		return fmt.Sprintf("waiting for the savepoint of job %s (savepoint on deletion)", jobID), nil
	case err != nil:
		return "", p.ref().Errorf("read the savepoint of job %s: %w", jobID, err)
	case !status.Completed():
		return fmt.Sprintf("waiting for the savepoint of job %s (savepoint on deletion)", jobID), nil
	case !status.Succeeded():
		cause := "no location"
		if status.FailureCause != nil {
			cause = status.FailureCause.Summary()
		}
		// A new trigger next pass; the job keeps running meanwhile.
		st.Upgrade = nil
		return "", p.ref().Errorf("stop job %s with a savepoint (savepoint on deletion): %s; retrying", jobID, cause)
	}
	if st.JobStatus.UpgradeSavepointPath != status.Location {
		p.r.event(p.sj, "Normal", ReasonCleanup, fmt.Sprintf("Stopped job %s with savepoint %s", jobID, status.Location))
	}
	st.JobStatus.UpgradeSavepointPath = status.Location
	return fmt.Sprintf("waiting for job %s to stop after its savepoint", jobID), nil
}

// recordDeletionSavepoint says where the savepoint of a stop on deletion
// went when the job ended before its poll answered and Flink no longer
// knows the trigger (an operator down longer than Flink keeps finished
// operations): the job's newest savepoint, when it completed after the
// trigger was recorded, is the stop's, as the gate's stop table reads it.
// Without this, the only record of where the job's state went would be
// the savepoint folder.
func (p *pass) recordDeletionSavepoint(ctx context.Context, jobID string) {
	st := &p.sj.Status
	up := st.Upgrade
	if !savepointOnDeletion(p.sj) || up == nil || up.Phase != v1beta1.PhaseSavepointing || up.JobID != jobID || up.TriggerID == "" ||
		st.DeployedWith == nil || st.DeployedWith.JobID != jobID {
		return
	}
	location, at := p.latestSavepoint(ctx)
	if location == "" || at < up.TriggerTimestamp.UnixMilli() || location == st.JobStatus.UpgradeSavepointPath {
		return
	}
	st.JobStatus.UpgradeSavepointPath = location
	p.r.event(p.sj, "Normal", ReasonCleanup, fmt.Sprintf("Stopped job %s with savepoint %s", jobID, location))
}

// savepointOnDeletion reads SavepointOnDeletionKey from the session job's
// own configuration (submission.SavepointOnDeletion).
func savepointOnDeletion(sj *v1beta1.FlinkSessionJob) bool {
	return submission.SavepointOnDeletion(&sj.Spec)
}

func (r *Reconciler) cleanupTimeout() time.Duration {
	return orDefault(r.CleanupTimeout, DefaultCleanupTimeout)
}
