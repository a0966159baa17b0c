package gate

import (
	"fmt"
	"time"

	"github.com/flinkops/flink-operator/reconciler/flinkrest"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// The stop-with-savepoint of an upgrade or suspend: trigger, poll, retry.

// savepointing drives the stop-with-savepoint of an upgrade or suspend.
func (g *gate) savepointing() phase {
	in, st := g.in, g.st()
	up := st.Upgrade
	now := in.Now.UnixMilli()
	inFlight := up.TriggerID != "" || !up.TriggerTimestamp.IsZero()
	if !inFlight && in.Generation != up.TargetGeneration {
		// The spec changed while no savepoint is in flight (a revert, a
		// new savepointRedeployNonce, another fix): plan again for the
		// spec as it is now rather than keep waiting for the old plan.
		// A savepoint in flight is seen through first: it may stop the
		// job.
		st.Upgrade = nil
		st.ReconciliationStatus.State = v1beta1.ReconciliationDeployed
		return g.phase()
	}
	if up.Failures >= in.Policy.MaxSavepointAttempts {
		// Abandoned; a new spec edit starts over (above). The old job
		// keeps running: its savepoints go on.
		g.hold(abandonedMessage(up, in.Policy.MaxSavepointAttempts))
		g.d.RequeueAfter = 0
		g.snapshotsWhileHeld()
		return phaseDone
	}
	if !inFlight {
		return g.trigger(up, now)
	}
	_, _, backendChanged := g.stateBackendChange()
	poll := pollSavepoint(g.in, up.TriggerTimestamp.UnixMilli(), !backendChanged)
	switch poll.outcome {
	case savepointRefused:
		g.savepointFailed(up, now, "Flink refused the stop-with-savepoint: "+poll.cause)
		return phaseDone
	case savepointDone:
		return g.savepointDone(up, poll.location)
	case savepointFailedAt:
		g.savepointFailed(up, now, poll.cause)
		return phaseDone
	case savepointLost:
		if g.savepointTimedOut(up, now) {
			// Re-sending the same trigger is bounded like waiting for it.
			return phaseDone
		}
		if in.Obs.JobManager == v1beta1.JMReady && in.Obs.Job != nil && in.Obs.Job.State == flinkrest.JobRunning {
			g.savepoint(SavepointStep{Stop: true, JobID: in.Obs.Job.ID, TriggerID: up.TriggerID,
				Dir: g.upgradeSavepointDir(), FormatType: g.formatToSend(g.requestedFormat(st.JobStatus.SavepointInfo))})
			g.d.RequeueAfter = in.Policy.SavepointPollInterval
			return phaseDone
		}
		g.savepointFailed(up, now, fmt.Sprintf("the job stopped (%s) without the requested savepoint", jobStateOf(in.Obs)))
		return phaseDone
	}
	// In progress, or the REST API did not answer.
	if g.savepointTimedOut(up, now) {
		return phaseDone
	}
	g.applyDeployed()
	g.d.RequeueAfter = in.Policy.SavepointPollInterval
	return phaseDone
}

// savepointTimedOut fails the attempt in flight once the operator's
// --savepoint-timeout has passed since it was triggered. The message names
// that flag: it is the limit that fired, not Flink's checkpoint timeout.
func (g *gate) savepointTimedOut(up *v1beta1.UpgradeProgress, now int64) bool {
	limit := g.in.Policy.SavepointTimeout
	if g.in.Now.Sub(time.UnixMilli(up.TriggerTimestamp.UnixMilli())) <= limit {
		return false
	}
	g.savepointFailed(up, now, savepointTimeoutCause(limit))
	return true
}

// savepointTimeoutCause is the failure of an attempt that outlived the
// operator's --savepoint-timeout. It names that flag: it is the limit that
// fired, not Flink's checkpoint timeout.
func savepointTimeoutCause(limit time.Duration) string {
	return fmt.Sprintf("the savepoint did not complete within the operator's --savepoint-timeout (%s); raise that flag if savepoints of this job take longer", limit)
}

func jobStateOf(obs Observation) string {
	if obs.Job == nil {
		return "job unknown, JobManager " + string(obs.JobManager)
	}
	return string(obs.Job.State)
}

func abandonedMessage(up *v1beta1.UpgradeProgress, attempts int32) string {
	return fmt.Sprintf("upgrade to generation %d abandoned after %d failed savepoints (the operator's --max-savepoint-attempts; last: %s); the job keeps running the previous spec. Fix the cause and edit the spec (for example change spec.restartNonce) to try again", up.TargetGeneration, attempts, up.LastFailure)
}

// trigger records a new savepoint trigger; the call follows once it is
// recorded. A job that stopped running meanwhile is planned for again.
func (g *gate) trigger(up *v1beta1.UpgradeProgress, now int64) phase {
	in, st := g.in, g.st()
	if now < up.RetryAfter.UnixMilli() {
		g.hold(fmt.Sprintf("savepoint attempt %d failed: %s; retrying at %s", up.Failures, up.LastFailure, time.UnixMilli(up.RetryAfter.UnixMilli()).UTC().Format(time.RFC3339)))
		g.d.RequeueAfter = time.UnixMilli(up.RetryAfter.UnixMilli()).Sub(in.Now)
		return phaseDone
	}
	if in.Obs.JobManager != v1beta1.JMReady || in.Obs.Job == nil || in.Obs.Job.State != flinkrest.JobRunning {
		// The job stopped running meanwhile: choose again how to keep
		// its state (HA, its last checkpoint), or wait.
		failures, lastFailure := up.Failures, up.LastFailure
		st.Upgrade = nil
		next := &v1beta1.UpgradeProgress{TargetGeneration: up.TargetGeneration, Suspend: up.Suspend, Failures: failures, LastFailure: lastFailure}
		return g.takeDownRunningJobNotRunning(next)
	}
	up.TriggerTimestamp = v1beta1.UnixMilliTimestamp(now)
	if in.TriggerIDs {
		up.TriggerID = in.NewTriggerID
	}
	ts := now
	if st.JobStatus.SavepointInfo == nil {
		st.JobStatus.SavepointInfo = &v1beta1.SavepointInfo{}
	}
	info := st.JobStatus.SavepointInfo
	format := g.upgradeSavepointFormat()
	info.TriggerID, info.TriggerTimestamp, info.TriggerType, info.FormatType = up.TriggerID, &ts, "UPGRADE", string(format)
	why := ""
	if from, to, changed := g.stateBackendChange(); changed {
		why = fmt.Sprintf(" (the state backend changes from %s to %s)", from, to)
	}
	g.event(false, ReasonSavepoint, "Stopping job %s with a %s savepoint before the %s%s", in.Obs.Job.ID, format, upgradeOrSuspend(up), why)
	g.savepoint(SavepointStep{Stop: true, JobID: in.Obs.Job.ID, TriggerID: up.TriggerID,
		Dir: g.upgradeSavepointDir(), FormatType: g.formatToSend(format)})
	g.d.RequeueAfter = in.Policy.SavepointPollInterval
	return phaseDone
}

// takeDownRunningJobNotRunning re-plans a savepoint upgrade whose job
// stopped running before the savepoint could be taken. A hold here is the
// table's: a row that holds starts no phase.
func (g *gate) takeDownRunningJobNotRunning(up *v1beta1.UpgradeProgress) phase {
	next := g.takeDownRunningJob(up)
	if next == phaseDone && g.d.Hold != "" {
		// Keep waiting in the savepoint phase so the attempt count holds.
		st := g.st()
		up.Phase = v1beta1.PhaseSavepointing
		up.Mode = v1beta1.UpgradeModeSavepoint
		st.Upgrade = up
		st.ReconciliationStatus.State = v1beta1.ReconciliationUpgrading
		g.apply(ApplyStep{Target: g.in.Deployed, Context: DeployedContext(st)})
	}
	return next
}

func upgradeOrSuspend(up *v1beta1.UpgradeProgress) string {
	if up.Suspend {
		return "suspend"
	}
	return "upgrade"
}

// savepointDone records a completed savepoint and moves on to the
// take-down: the state is safe now.
func (g *gate) savepointDone(up *v1beta1.UpgradeProgress, location string) phase {
	st, now := g.st(), g.in.Now.UnixMilli()
	st.JobStatus.UpgradeSavepointPath = location
	if st.JobStatus.SavepointInfo == nil {
		st.JobStatus.SavepointInfo = &v1beta1.SavepointInfo{}
	}
	info := st.JobStatus.SavepointInfo
	sp := v1beta1.Savepoint{TimeStamp: now, Location: location, TriggerType: "UPGRADE", FormatType: string(g.requestedFormat(info))}
	recordSavepoint(info, sp)
	up.RestorePath = location
	up.JobID = g.in.NewJobID
	up.TriggerID, up.TriggerTimestamp, up.LastFailure = "", v1beta1.Timestamp{}, ""
	up.Phase = v1beta1.PhaseTakingDown
	g.event(false, ReasonSavepoint, "Savepoint completed at %s", location)
	return phaseTakingDown
}

// savepointFailed records a failed attempt; the job keeps running and the
// attempt is retried with a growing delay, up to the policy's limit.
func (g *gate) savepointFailed(up *v1beta1.UpgradeProgress, now int64, cause string) {
	st, p := g.st(), g.in.Policy
	if info := st.JobStatus.SavepointInfo; info != nil {
		info.TriggerID, info.TriggerTimestamp, info.TriggerType, info.FormatType = "", nil, "", ""
	}
	backoff, spent := CountSavepointFailure(up, p, time.UnixMilli(now), cause)
	if spent {
		st.ReconciliationStatus.State = v1beta1.ReconciliationDeployed
		g.event(true, ReasonUpgradeFailed, "%s", abandonedMessage(up, p.MaxSavepointAttempts))
		g.hold(abandonedMessage(up, p.MaxSavepointAttempts))
		g.d.RequeueAfter = 0
		return
	}
	msg := fmt.Sprintf("savepoint for the %s failed (attempt %d of %d), retrying in %s; the job keeps running: %s", upgradeOrSuspend(up), up.Failures, p.MaxSavepointAttempts, backoff, cause)
	g.event(true, ReasonSavepointError, "%s", msg)
	g.hold(msg)
	g.d.RequeueAfter = backoff
}

// CountSavepointFailure records a failed stop-with-savepoint on up (the
// attempt's trigger is dropped; Flink keeps the job running) and returns
// the wait before the next attempt: the policy's RetryBackoff, doubling
// with each failure. spent: the policy's attempts are used up, and the
// change waits for a new generation. FlinkDeployments' upgrades and
// session jobs' stops count their attempts with it.
func CountSavepointFailure(up *v1beta1.UpgradeProgress, p Policy, now time.Time, cause string) (backoff time.Duration, spent bool) {
	p = p.WithDefaults()
	up.Failures++
	up.LastFailure = cause
	up.TriggerID, up.TriggerTimestamp = "", v1beta1.Timestamp{}
	if up.Failures >= p.MaxSavepointAttempts {
		return 0, true
	}
	backoff = p.RetryBackoff << (up.Failures - 1)
	up.RetryAfter = v1beta1.UnixMilliTimestamp(now.UnixMilli() + backoff.Milliseconds())
	return backoff, false
}
