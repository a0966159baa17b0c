package gate

import (
	"fmt"
	"time"

	"github.com/flinkops/flink-operator/reconciler/flinkrest"
	"github.com/flinkops/flink-operator/schemas/flinkconf"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// Manual and periodic savepoints: the reference operator's legacy REST
// snapshot path (apache-operator.md §2.9, snapshot.resource.enabled=false).
// A savepoint is triggered through POST /jobs/:jobid/savepoints without
// stopping the job when spec.job.savepointTriggerNonce differs from the
// nonce last consumed (kept in lastReconciledSpec, as the reference keeps
// it) or when kubernetes.operator.periodic.savepoint.interval has elapsed.
// Like the upgrade path these are decisions of the pure gate; the executor
// (savepoint_trigger.go) only sends the trigger.
//
// Write-ahead: status.savepointTrigger records the request across its
// attempts and status.jobStatus.savepointInfo the attempt in flight (its
// client-chosen trigger id on Flink 1.15+) before the REST call, so a
// restarted operator polls the same savepoint instead of taking a second
// one, and a completed savepoint is recorded from Flink's answer, or from
// the job's checkpoint statistics when Flink no longer knows the trigger.
//
// Failed attempts are retried with a growing delay until the grace period
// (kubernetes.operator.savepoint.trigger.grace-period, 1 min) since the
// first attempt has passed; then the request is given up with a
// SavepointError event and its nonce is consumed. A request whose job
// stops running is dropped the same way.
//
// Upgrades come first. A spec change that needs an upgrade never starts a
// manual or periodic savepoint, and one that arrives while an attempt is in
// flight waits for that attempt only: until Flink reports it completed
// (it is then recorded) or failed, or SavepointTimeout after it was
// triggered, whichever comes first; no retry is started. Waiting rather
// than stopping the job at once is what keeps a completed savepoint from
// going unrecorded: its status lives in the JobManager the upgrade is about
// to delete, and a concurrent stop-with-savepoint would race it. The
// reference operator makes upgrades wait for a pending savepoint too
// (readyToReconcile). A nonce changed together with an upgrade is not
// consumed by the upgrade (markReconciled keeps the consumed nonce), so its
// savepoint is taken once the upgraded job runs.

// savepointFormat is the format of the savepoints the operator takes of the
// running job, upgrade and suspend stop-with-savepoints as well as manual
// and periodic savepoints: kubernetes.operator.savepoint.format.type
// (CANONICAL by default, or NATIVE) of the deployed spec, the one the
// running job was started with, not of the desired one.
//
// This matters for an upgrade whose spec change also changes the format
// key (alone the key is an operator setting that restarts nothing, and is
// recorded as deployed at once). The savepoint is taken by the running
// Flink, so its version decides whether a format can be asked for at all
// (an upgrade from 1.14 to 1.15 that turns NATIVE on must not send NATIVE
// to the 1.14 JobManager). The reference operator does the same: it reads
// the key from its observe configuration, built from the last reconciled
// spec, when it stops the job for an upgrade, records the upgrade
// savepoint, and triggers manual and periodic ones. The savepoint directory
// and the trigger id support come from the deployed spec for the same
// reason. The new setting applies from the next savepoint on. A NATIVE
// savepoint can only be restored by the state backend that wrote it, so an
// upgrade that switches the state backend takes a CANONICAL one
// (statebackend.go).
//
// Before Flink 1.15 (in.TriggerIDs false) no format can be sent and Flink
// writes CANONICAL savepoints, which is what status then records;
// validation rejects NATIVE for those versions.
func (g *gate) savepointFormat() flinkrest.SavepointFormat {
	if !g.in.TriggerIDs {
		return flinkrest.SavepointFormatCanonical
	}
	spec := g.in.Deployed
	if spec == nil {
		spec = g.in.Spec
	}
	// The spec is validated: an unreadable value cannot get here, and
	// would read as CANONICAL.
	return flinkrest.SavepointFormat(configOf(spec).Savepoints.Format)
}

// requestedFormat is the format of the attempt in flight as status records
// it (a re-sent trigger must ask for the same savepoint), else the one
// configured now.
func (g *gate) requestedFormat(info *v1beta1.SavepointInfo) flinkrest.SavepointFormat {
	if info != nil && info.FormatType != "" {
		return flinkrest.SavepointFormat(info.FormatType)
	}
	return g.savepointFormat()
}

// formatToSend is what goes into the request body: nothing before Flink
// 1.15, whose strict parsers reject the field.
func (g *gate) formatToSend(format flinkrest.SavepointFormat) flinkrest.SavepointFormat {
	if !g.in.TriggerIDs {
		return ""
	}
	return format
}

// snapshotSettings are the savepoint settings of the deployed spec, the
// one the running job was started with (the same as the desired one's
// unless an upgrade is held: kubernetes.operator.* keys are recorded as
// deployed at once).
type snapshotSettings struct {
	periodic flinkconf.SavepointSchedule
	grace    time.Duration
}

func (g *gate) snapshotSettings() snapshotSettings {
	spec := g.in.Deployed
	if spec == nil {
		spec = g.in.Spec
	}
	// The spec is validated: a value that does not parse cannot get here,
	// and would mean "off" / the default.
	sp := configOf(spec).Savepoints
	return snapshotSettings{periodic: sp.Periodic, grace: sp.TriggerGracePeriod}
}

// jobRunning: the job is observed RUNNING on a ready JobManager.
func jobRunning(obs Observation) bool {
	return obs.JobManager == v1beta1.JMReady && obs.Job != nil && obs.Job.State == flinkrest.JobRunning
}

// jobStopped: the observation shows the job is not running, as opposed to
// not knowing (the REST API did not answer).
func jobStopped(obs Observation) bool {
	switch obs.JobManager {
	case v1beta1.JMReady:
		return obs.Job == nil || obs.Job.State != flinkrest.JobRunning
	case v1beta1.JMDeployedNotReady:
		return false
	}
	return true
}

// pendingNonce is the savepoint trigger nonce of desired when it is not the
// one deployed (consumed) last.
func PendingNonce(deployed, desired *v1beta1.FlinkDeploymentSpec) (*int64, bool) {
	if deployed == nil || deployed.Job == nil || desired.Job == nil || desired.Job.SavepointTriggerNonce == nil {
		return nil, false
	}
	n := desired.Job.SavepointTriggerNonce
	if d := deployed.Job.SavepointTriggerNonce; d != nil && *d == *n {
		return nil, false
	}
	v := *n
	return &v, true
}

// SavepointInFlight: an attempt of a manual or periodic savepoint is
// recorded (and maybe sent). maxAttempts is the policy's
// MaxSavepointAttempts (see UpgradeAbandoned).
func SavepointInFlight(st *v1beta1.FlinkDeploymentStatus, maxAttempts int32) bool {
	info := st.JobStatus.SavepointInfo
	return (st.Upgrade == nil || UpgradeAbandoned(st, maxAttempts)) && st.SavepointTrigger != nil && info != nil && info.TriggerTimestamp != nil
}

// snapshots starts, follows or ends a manual or periodic savepoint of the
// deployed, running job. It runs when the spec is deployed as it is.
func (g *gate) snapshots() {
	in, st := g.in, g.st()
	if in.Deployed.Job == nil || in.Spec.Job == nil || Suspended(in.Deployed) {
		if st.SavepointTrigger != nil {
			g.dropTrigger("the job is not deployed to run")
		}
		return
	}
	if st.SavepointTrigger != nil {
		g.followTrigger()
		return
	}
	if !jobRunning(in.Obs) {
		return
	}
	if nonce, ok := PendingNonce(in.Deployed, in.Spec); ok {
		g.startTrigger(v1beta1.SavepointTriggerManual, nonce)
		return
	}
	set := g.snapshotSettings()
	if !set.periodic.Enabled() {
		return
	}
	last := in.Created.UnixMilli()
	if info := st.JobStatus.SavepointInfo; info != nil {
		last = max(last, info.LastPeriodicSavepointTimestamp)
	}
	next, ok := set.periodic.Next(time.UnixMilli(last))
	if !ok {
		return
	}
	if in.Now.Before(next) {
		g.d.RequeueAfter = next.Sub(in.Now)
		return
	}
	g.startTrigger(v1beta1.SavepointTriggerPeriodic, nil)
}

func (g *gate) savepointInfo() *v1beta1.SavepointInfo {
	st := g.st()
	if st.JobStatus.SavepointInfo == nil {
		st.JobStatus.SavepointInfo = &v1beta1.SavepointInfo{}
	}
	return st.JobStatus.SavepointInfo
}

// startTrigger records a new request and its first attempt.
func (g *gate) startTrigger(kind v1beta1.SavepointTriggerType, nonce *int64) {
	now := g.in.Now.UnixMilli()
	g.st().SavepointTrigger = &v1beta1.SavepointTrigger{TriggerType: kind, Nonce: nonce, FirstTriggerTimestamp: v1beta1.UnixMilliTimestamp(now)}
	if kind == v1beta1.SavepointTriggerPeriodic {
		// Counted from the trigger, so a failing periodic savepoint is
		// not triggered again before the next interval.
		g.savepointInfo().LastPeriodicSavepointTimestamp = now
	}
	g.sendAttempt("")
}

// sendAttempt records an attempt and triggers it. triggerID, when set,
// re-sends a recorded attempt Flink does not know (the operator stopped
// between recording and sending it); Flink 1.15+ deduplicates it.
func (g *gate) sendAttempt(triggerID string) {
	in, st := g.in, g.st()
	tr := st.SavepointTrigger
	info := g.savepointInfo()
	if triggerID == "" {
		if in.TriggerIDs {
			triggerID = in.NewTriggerID
		}
		ts := in.Now.UnixMilli()
		info.TriggerID, info.TriggerTimestamp = triggerID, &ts
		info.TriggerType, info.FormatType = string(tr.TriggerType), string(g.savepointFormat())
		tr.RetryAfter = v1beta1.Timestamp{}
		g.event(false, ReasonSavepoint, "Triggering a %s savepoint (%s) of job %s%s", tr.TriggerType, info.FormatType, in.Obs.Job.ID, describeTrigger(tr))
	}
	g.savepoint(SavepointStep{JobID: in.Obs.Job.ID, TriggerID: triggerID,
		Dir:        configOf(in.Deployed).SavepointDir.Dir,
		FormatType: g.formatToSend(g.requestedFormat(info))})
	g.d.RequeueAfter = in.Policy.SavepointPollInterval
}

func describeTrigger(tr *v1beta1.SavepointTrigger) string {
	if tr.Nonce != nil {
		return fmt.Sprintf(" (spec.job.savepointTriggerNonce %d)", *tr.Nonce)
	}
	return ""
}

// followTrigger polls the attempt in flight, or starts the next one.
func (g *gate) followTrigger() {
	in, st := g.in, g.st()
	tr := st.SavepointTrigger
	now := in.Now.UnixMilli()
	if !SavepointInFlight(st, in.Policy.MaxSavepointAttempts) {
		switch {
		case jobStopped(in.Obs):
			g.dropTrigger(fmt.Sprintf("the job stopped running (%s)", jobStateOf(in.Obs)))
		case now < tr.RetryAfter.UnixMilli():
			g.d.RequeueAfter = time.UnixMilli(tr.RetryAfter.UnixMilli()).Sub(in.Now)
		case !jobRunning(in.Obs):
			g.d.RequeueAfter = in.Policy.WaitInterval
		default:
			g.sendAttempt("")
		}
		return
	}
	info := st.JobStatus.SavepointInfo
	poll := pollSavepoint(g.in, *info.TriggerTimestamp, true)
	switch poll.outcome {
	case savepointRefused:
		g.attemptFailed("Flink refused the savepoint: " + poll.cause)
		return
	case savepointDone:
		g.triggerDone(poll.location)
		return
	case savepointFailedAt:
		g.attemptFailed(poll.cause)
		return
	case savepointLost:
		if jobRunning(in.Obs) {
			// Flink < 1.15 (no id known): a new attempt.
			g.sendAttempt(info.TriggerID)
			return
		}
		g.dropTrigger(fmt.Sprintf("the job stopped running (%s) before the savepoint completed", jobStateOf(in.Obs)))
		return
	}
	// In progress, or the REST API did not answer.
	if jobStopped(in.Obs) {
		g.dropTrigger(fmt.Sprintf("the job stopped running (%s) before the savepoint completed", jobStateOf(in.Obs)))
		return
	}
	if in.Now.Sub(time.UnixMilli(*info.TriggerTimestamp)) > in.Policy.SavepointTimeout {
		g.attemptFailed(fmt.Sprintf("the savepoint did not complete within %s", in.Policy.SavepointTimeout))
		return
	}
	g.d.RequeueAfter = in.Policy.SavepointPollInterval
}

// settleTriggerBeforeUpgrade ends a manual or periodic savepoint before an
// upgrade starts (see the comment at the top). It reports true while the
// upgrade must wait for the attempt in flight.
func (g *gate) settleTriggerBeforeUpgrade() bool {
	in, st := g.in, g.st()
	tr := st.SavepointTrigger
	if tr == nil {
		return false
	}
	if !SavepointInFlight(st, in.Policy.MaxSavepointAttempts) {
		g.dropTrigger("an upgrade of the job comes first")
		return false
	}
	info := st.JobStatus.SavepointInfo
	poll := pollSavepoint(g.in, *info.TriggerTimestamp, true)
	switch {
	case poll.outcome == savepointRefused:
		g.dropTrigger("Flink refused the savepoint (" + poll.cause + ") and an upgrade of the job comes first")
	case poll.outcome == savepointDone:
		g.triggerDone(poll.location)
	case poll.outcome == savepointFailedAt:
		g.dropTrigger("the savepoint failed (" + poll.cause + ") and an upgrade of the job comes first")
	case poll.outcome == savepointLost:
		g.dropTrigger("Flink does not know the savepoint and an upgrade of the job comes first")
	case jobStopped(in.Obs):
		g.dropTrigger(fmt.Sprintf("the job stopped running (%s) before the savepoint completed", jobStateOf(in.Obs)))
	default:
		deadline := time.UnixMilli(*info.TriggerTimestamp).Add(in.Policy.SavepointTimeout)
		if !in.Now.After(deadline) {
			g.hold(fmt.Sprintf("upgrade waiting for the %s savepoint in progress (trigger %s) to complete, at most until %s",
				tr.TriggerType, info.TriggerID, deadline.UTC().Format(time.RFC3339)))
			g.d.RequeueAfter = in.Policy.SavepointPollInterval
			return true
		}
		g.dropTrigger(fmt.Sprintf("the savepoint did not complete within %s and an upgrade of the job comes first", in.Policy.SavepointTimeout))
	}
	return false
}

// attemptFailed records a failed attempt: retried with a growing delay
// within the grace period, given up after it.
func (g *gate) attemptFailed(cause string) {
	in, st := g.in, g.st()
	tr := st.SavepointTrigger
	now := in.Now.UnixMilli()
	tr.Failures++
	tr.LastFailure = cause
	clearTrigger(st.JobStatus.SavepointInfo)
	grace := g.snapshotSettings().grace
	graceEnd := time.UnixMilli(tr.FirstTriggerTimestamp.UnixMilli()).Add(grace)
	if !in.Now.Before(graceEnd) {
		g.event(true, ReasonSavepointError, "%s savepoint%s failed %d time(s) and is given up: the grace period (%s, %s) is over. Last failure: %s",
			tr.TriggerType, describeTrigger(tr), tr.Failures, grace, flinkconf.KeySavepointTriggerGracePeriod, cause)
		g.endTrigger()
		return
	}
	backoff := in.Policy.RetryBackoff << min(tr.Failures-1, 16)
	retry := min(now+backoff.Milliseconds(), graceEnd.UnixMilli())
	tr.RetryAfter = v1beta1.UnixMilliTimestamp(retry)
	wait := time.UnixMilli(retry).Sub(in.Now)
	g.event(true, ReasonSavepointError, "%s savepoint%s attempt %d failed, retrying in %s (the job keeps running): %s",
		tr.TriggerType, describeTrigger(tr), tr.Failures, wait, cause)
	g.d.RequeueAfter = wait
	g.persist = true
}

// dropTrigger gives a request up without a savepoint.
func (g *gate) dropTrigger(reason string) {
	tr := g.st().SavepointTrigger
	g.event(true, ReasonSavepointError, "%s savepoint%s dropped: %s", tr.TriggerType, describeTrigger(tr), reason)
	g.endTrigger()
}

// triggerDone records a completed savepoint.
func (g *gate) triggerDone(location string) {
	st := g.st()
	tr := st.SavepointTrigger
	info := g.savepointInfo()
	format := string(g.requestedFormat(info))
	// Stamped with its trigger time: the point in time the state is of.
	ts := g.in.Now.UnixMilli()
	if info.TriggerTimestamp != nil {
		ts = *info.TriggerTimestamp
	}
	sp := v1beta1.Savepoint{TimeStamp: ts, Location: location, TriggerType: string(tr.TriggerType), FormatType: format}
	if tr.Nonce != nil {
		n := *tr.Nonce
		sp.TriggerNonce = &n
	}
	recordSavepoint(info, sp)
	g.event(false, ReasonSavepoint, "%s savepoint%s completed at %s", tr.TriggerType, describeTrigger(tr), location)
	g.endTrigger()
}

// Savepoint history entries kept in status.
const maxSavepointHistory = 10

// recordSavepoint makes sp the last savepoint and appends it to the
// bounded history.
func recordSavepoint(info *v1beta1.SavepointInfo, sp v1beta1.Savepoint) {
	info.LastSavepoint = &sp
	info.SavepointHistory = append(info.SavepointHistory, sp)
	if n := len(info.SavepointHistory); n > maxSavepointHistory {
		info.SavepointHistory = info.SavepointHistory[n-maxSavepointHistory:]
	}
	clearTrigger(info)
}

func clearTrigger(info *v1beta1.SavepointInfo) {
	if info != nil {
		info.TriggerID, info.TriggerTimestamp, info.TriggerType, info.FormatType = "", nil, "", ""
	}
}

// endTrigger ends the request: its nonce is consumed, so it is never
// served twice.
func (g *gate) endTrigger() {
	st := g.st()
	tr := st.SavepointTrigger
	if tr.TriggerType == v1beta1.SavepointTriggerManual && tr.Nonce != nil {
		g.consumeNonce(*tr.Nonce)
	}
	st.SavepointTrigger = nil
	clearTrigger(st.JobStatus.SavepointInfo)
	g.persist = true
}

// consumeNonce copies nonce into lastReconciledSpec, as the reference
// operator does (ReconciliationUtils#updateLastReconciledSnapshotTriggerNonce),
// so it no longer looks pending. When it is the spec's nonce and nothing
// else changed, the spec's generation is now reconciled.
func (g *gate) consumeNonce(nonce int64) {
	st := g.st()
	recorded, first, err := v1beta1.DecodeReconciledSpec(st.ReconciliationStatus.LastReconciledSpec)
	if err != nil || recorded.Job == nil {
		return // lastReconciled decoded it before the gate ran
	}
	recorded.Job.SavepointTriggerNonce = &nonce
	encoded, err := v1beta1.EncodeReconciledSpec(*recorded, first)
	if err != nil {
		return
	}
	st.ReconciliationStatus.LastReconciledSpec = encoded
	spec := g.in.Spec
	if spec.Job != nil && spec.Job.SavepointTriggerNonce != nil && *spec.Job.SavepointTriggerNonce == nonce &&
		Classify(g.in.Deployed, spec).Type == DiffNone {
		st.ObservedGeneration = max(st.ObservedGeneration, g.in.Generation)
	}
}

// withConsumedNonce returns spec with the nonce consumed last (deployed's):
// recording a spec as reconciled must not consume a nonce no savepoint
// served (the reference operator does the same, so a nonce changed during
// an upgrade is served after it).
func withConsumedNonce(deployed, spec *v1beta1.FlinkDeploymentSpec) *v1beta1.FlinkDeploymentSpec {
	if deployed == nil || deployed.Job == nil || spec.Job == nil {
		return spec
	}
	d, s := deployed.Job.SavepointTriggerNonce, spec.Job.SavepointTriggerNonce
	if (d == nil && s == nil) || (d != nil && s != nil && *d == *s) {
		return spec
	}
	out := spec.DeepCopy()
	out.Job.SavepointTriggerNonce = nil
	if d != nil {
		v := *d
		out.Job.SavepointTriggerNonce = &v
	}
	return out
}
