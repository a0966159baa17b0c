package gate

import (
	"time"
)

// The stop-with-savepoint of a session job (an upgrade, a suspend, or its
// session's restart), once status.upgrade records it (phase Savepointing):
// the session-job rows of savepoint.go, as a table in the form of
// stateTable, and the table "A stop-with-savepoint in flight" of
// docs/design/sessionjob.md row for row, in the same order: the first row
// whose condition holds decides. TestSessionJobStopTableMatchesTheDesign
// keeps the two in step. The poll is read by pollSavepoint, the attempts
// are counted by CountSavepointFailure and bounded by the policy's
// savepoint timeout, as a FlinkDeployment's upgrade savepoint is.
var sessionJobStopTable = table[SessionJobStopFacts, SessionJobStopStep]{
	// A trigger in flight.
	{"in flight, the session missing or not READY", func(f SessionJobStopFacts) bool { return f.InFlight && !f.SessionReady }, SessionJobStopWaitForSession},
	{"in flight, Flink reports it completed", func(f SessionJobStopFacts) bool { return f.InFlight && f.Poll.State == SavepointSucceeded }, SessionJobStopDone},
	{"in flight, Flink failed or refused it", func(f SessionJobStopFacts) bool {
		return f.InFlight && (f.poll().outcome == savepointFailedAt || f.poll().outcome == savepointRefused)
	}, SessionJobStopFailed},
	{"in flight, unknown to Flink, a savepoint of the job completed since it was triggered", func(f SessionJobStopFacts) bool {
		return f.InFlight && f.Poll.State == SavepointUnknown && f.poll().outcome == savepointDone
	}, SessionJobStopDone},
	{"in flight, unknown to Flink, the job ended", func(f SessionJobStopFacts) bool {
		return f.InFlight && f.Poll.State == SavepointUnknown && f.Job == SessionJobRunEnded
	}, SessionJobStopReplan},
	{"in flight, unknown to Flink, the job unknown to the JobManager", func(f SessionJobStopFacts) bool {
		return f.InFlight && f.Poll.State == SavepointUnknown && f.Job == SessionJobRunMissing
	}, SessionJobStopLost},
	{"in flight past the savepoint timeout", func(f SessionJobStopFacts) bool { return f.InFlight && f.timedOut() }, SessionJobStopFailed},
	{"in flight, unknown to Flink, the job running", func(f SessionJobStopFacts) bool {
		return f.InFlight && f.Poll.State == SavepointUnknown && f.Job == SessionJobRunRunning
	}, SessionJobStopResend},
	{"in flight, anything else", func(f SessionJobStopFacts) bool { return f.InFlight }, SessionJobStopWait},
	// A failed attempt recorded, no trigger.
	{"failed, the spec changed since", func(f SessionJobStopFacts) bool { return f.NewGeneration }, SessionJobStopReplan},
	{"failed, the session missing or not READY", func(f SessionJobStopFacts) bool { return !f.SessionReady }, SessionJobStopWaitForSession},
	{"failed, the job ended or unknown to the JobManager", func(f SessionJobStopFacts) bool {
		return f.Job == SessionJobRunEnded || f.Job == SessionJobRunMissing
	}, SessionJobStopReplan},
	{"failed, the attempts spent", func(f SessionJobStopFacts) bool { return f.Failures >= f.Policy.WithDefaults().MaxSavepointAttempts }, SessionJobStopHold},
	{"failed, the back-off not over", func(f SessionJobStopFacts) bool { return f.Now.Before(f.RetryAfter) }, SessionJobStopWaitRetry},
	{"failed, the job running", func(f SessionJobStopFacts) bool { return f.Job == SessionJobRunRunning }, SessionJobStopRetry},
	{"failed, anything else", func(SessionJobStopFacts) bool { return true }, SessionJobStopWait},
}

// SessionJobStopFacts is what a pass knows of a session job's recorded
// stop-with-savepoint.
type SessionJobStopFacts struct {
	// InFlight: status.upgrade records a trigger id; otherwise it records
	// a failed attempt (Failures, RetryAfter) and no trigger.
	InFlight bool
	// SessionReady: the session is a READY session cluster.
	SessionReady bool
	// Poll is what polling the trigger showed; asked while InFlight and
	// SessionReady.
	Poll SavepointObservation
	// LatestSavepoint is the job's newest restorable savepoint that REST
	// reports, completed at LatestSavepointTime (epoch ms); asked when
	// Flink does not know the trigger.
	LatestSavepoint     string
	LatestSavepointTime int64
	// Job is what the JobManager said of the deployed job; asked when
	// Flink does not know the trigger, and while an attempt failed (a job
	// that ended meanwhile is planned again: a stop that completed after
	// its attempt was counted as failed left its savepoint).
	Job SessionJobRun
	// TriggeredAt is when the trigger in flight was recorded.
	TriggeredAt time.Time
	// Failures and RetryAfter count the attempts that failed
	// (status.upgrade).
	Failures   int32
	RetryAfter time.Time
	// NewGeneration: the spec changed since the stop was planned.
	NewGeneration bool
	Now           time.Time
	Policy        Policy
}

func (f SessionJobStopFacts) poll() savepointPoll {
	return pollSavepoint(Input{Savepoint: f.Poll, LatestCheckpoint: f.LatestSavepoint, LatestCheckpointTime: f.LatestSavepointTime},
		f.TriggeredAt.UnixMilli(), f.LatestSavepoint != "")
}

func (f SessionJobStopFacts) timedOut() bool {
	return f.Now.Sub(f.TriggeredAt) > f.Policy.WithDefaults().SavepointTimeout
}

// SessionJobRun is what the JobManager said of a session job's deployed
// job.
type SessionJobRun int

// SessionJobRun values.
const (
	// SessionJobRunNotAsked: the pass did not ask.
	SessionJobRunNotAsked SessionJobRun = iota
	// SessionJobRunNoAnswer: the REST API did not answer.
	SessionJobRunNoAnswer
	// SessionJobRunMissing: the JobManager does not know the job.
	SessionJobRunMissing
	SessionJobRunRunning
	// SessionJobRunEnded: globally terminal (FINISHED, CANCELED, FAILED).
	SessionJobRunEnded
	// SessionJobRunOther: known, neither running nor ended (RESTARTING,
	// CANCELLING, ...).
	SessionJobRunOther
)

// SessionJobStopStep is what the table decides.
type SessionJobStopStep int

// SessionJobStopStep values.
const (
	// SessionJobStopWait: the savepoint is in progress, or REST did not
	// answer; the job runs.
	SessionJobStopWait SessionJobStopStep = iota
	// SessionJobStopWaitForSession: nothing is sent until the session is
	// a READY session cluster again.
	SessionJobStopWaitForSession
	// SessionJobStopDone: the savepoint completed at Location; the job is
	// taken down and the new one starts from it.
	SessionJobStopDone
	// SessionJobStopFailed: the attempt failed (Cause); it is counted
	// (CountSavepointFailure) and the job keeps running.
	SessionJobStopFailed
	// SessionJobStopResend: the same trigger id is sent again (a crash
	// after it was recorded); Flink 1.15+ deduplicates it.
	SessionJobStopResend
	// SessionJobStopReplan: the recorded stop no longer applies (the job
	// ended, or the spec changed): the record is dropped and the state
	// table decides again how the job's state is kept.
	SessionJobStopReplan
	// SessionJobStopLost: the JobManager no longer knows the job nor the
	// trigger: where its state went is unknown, and nothing is submitted
	// (Manual restore required).
	SessionJobStopLost
	// SessionJobStopWaitRetry: the back-off of a failed attempt runs; the
	// job runs.
	SessionJobStopWaitRetry
	// SessionJobStopRetry: a new trigger id is recorded, then sent.
	SessionJobStopRetry
	// SessionJobStopHold: the attempts are spent; the change waits for a
	// new generation, and the job keeps running.
	SessionJobStopHold
)

// SessionJobStopDecision is the row that decided and what it found.
type SessionJobStopDecision struct {
	Row  string
	Step SessionJobStopStep
	// Location of the savepoint, for SessionJobStopDone.
	Location string
	// Cause of the failure, for SessionJobStopFailed.
	Cause string
}

// DecideSessionJobStop goes down the table and returns the first row that
// holds, with the savepoint's location or the failure's cause.
func DecideSessionJobStop(f SessionJobStopFacts) SessionJobStopDecision {
	name, step, _ := sessionJobStopTable.decide(f) // the last row holds for anything
	d := SessionJobStopDecision{Row: name, Step: step}
	switch p := f.poll(); {
	case step == SessionJobStopDone:
		d.Location = p.location
	case step == SessionJobStopFailed && p.outcome == savepointRefused:
		d.Cause = "Flink refused the stop-with-savepoint: " + p.cause
	case step == SessionJobStopFailed && p.outcome == savepointFailedAt:
		d.Cause = p.cause
	case step == SessionJobStopFailed:
		d.Cause = savepointTimeoutCause(f.Policy.WithDefaults().SavepointTimeout)
	}
	return d
}

// SessionJobStopRules names the rows of the stop table, in order.
func SessionJobStopRules() []string { return sessionJobStopTable.names() }
