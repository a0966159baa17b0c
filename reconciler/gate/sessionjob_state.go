package gate

// How a session job's state is kept when a change of its spec (or its
// suspend) takes its job down: the session-job rows of the gate, in the
// same form as stateTable, and the table "The gate's table gains" of
// docs/design/sessionjob.md row for row, in the same order: the first row
// whose condition holds decides. TestSessionJobStateTableMatchesTheDesign
// keeps the two in step. A session job has no HA metadata of its own, so
// the HA rows are replaced by what its JobManager's REST API reports of
// the job's checkpoints.
var sessionJobStateTable = table[SessionJobChange, SessionJobKeep]{
	{"the change is not carried out", func(f SessionJobChange) bool { return f.Held }, SessionJobHold},
	{"session missing, an application cluster, or not READY", func(f SessionJobChange) bool { return !f.SessionReady }, SessionJobWaitForSession},
	{"a manual or periodic savepoint in flight", func(f SessionJobChange) bool { return f.SnapshotInFlight }, SessionJobSettleSnapshot},
	{"upgradeMode stateless, or a savepoint redeploy", func(f SessionJobChange) bool { return f.CancelOnly }, SessionJobCancel},
	{"REST API not answering, or the job unknown to it", func(f SessionJobChange) bool { return !f.JobKnown }, SessionJobHold},
	{"running, last-state, its checkpoints retained on cancellation and one restorable", func(f SessionJobChange) bool {
		return f.Running && f.LastState && f.Checkpoint == SessionJobCheckpointRestorable
	}, SessionJobRestoreCheckpoint},
	{"running, last-state, its checkpoints not answered for", func(f SessionJobChange) bool {
		return f.Running && f.LastState && f.Checkpoint == SessionJobCheckpointUnknown
	}, SessionJobHold},
	{"running", func(f SessionJobChange) bool { return f.Running }, SessionJobStopWithSavepoint},
	{"failed or finished, with a checkpoint", func(f SessionJobChange) bool {
		return f.Ended && f.Resubmits && f.Checkpoint == SessionJobCheckpointRestorable
	}, SessionJobRestoreCheckpoint},
	{"anything else", func(SessionJobChange) bool { return true }, SessionJobHold},
}

// SessionJobChange are the facts the table decides on: a session job whose
// submitted job is recorded (status.deployedWith), whose spec asks for a
// change that restarts or stops that job, and whose session's state and
// job the pass has read.
type SessionJobChange struct {
	// Held: the change is one this release does not carry out; the job
	// keeps running.
	Held bool
	// SessionReady: the session is a READY session cluster, not
	// restarting.
	SessionReady bool
	// SnapshotInFlight: status.savepointTrigger records a manual or
	// periodic savepoint, which the change settles first.
	SnapshotInFlight bool
	// CancelOnly: the change keeps none of the deployed job's state
	// (upgradeMode stateless, a suspend of a stateless job, or a
	// savepointRedeployNonce, which restores initialSavepointPath).
	CancelOnly bool
	// Resubmits: the change submits a new job that keeps the state
	// (upgradeMode savepoint or last-state; a suspend submits none);
	// LastState: with upgradeMode last-state.
	Resubmits, LastState bool
	// JobKnown: the JobManager answered and knows the deployed job.
	JobKnown bool
	// Running: the job is RUNNING; Ended: globally terminal.
	Running, Ended bool
	// Checkpoint is what REST reports of the job's latest checkpoint.
	Checkpoint SessionJobCheckpoint
}

// SessionJobKeep is what the table decides.
type SessionJobKeep int

// SessionJobKeep values.
const (
	// SessionJobHold: nothing is done, and status says why; the job keeps
	// running (or stays as it is).
	SessionJobHold SessionJobKeep = iota
	// SessionJobWaitForSession: nothing is sent until the session is a
	// READY session cluster again.
	SessionJobWaitForSession
	// SessionJobSettleSnapshot: the manual or periodic savepoint in
	// flight is ended (recorded, or dropped) first.
	SessionJobSettleSnapshot
	// SessionJobCancel: the job is cancelled; the new one starts empty,
	// or from initialSavepointPath for a redeploy.
	SessionJobCancel
	// SessionJobStopWithSavepoint: the job is stopped with a savepoint
	// recorded write-ahead; the new job starts from it. For last-state,
	// when a cancel would delete the checkpoints.
	SessionJobStopWithSavepoint
	// SessionJobRestoreCheckpoint: a running job is cancelled; the new
	// job restores the latest checkpoint, read once the job ended.
	SessionJobRestoreCheckpoint
)

// SessionJobCheckpoint is what the JobManager reports of a session job's
// latest checkpoint.
type SessionJobCheckpoint int

// SessionJobCheckpoint values.
const (
	// SessionJobCheckpointNotAsked: the pass did not ask.
	SessionJobCheckpointNotAsked SessionJobCheckpoint = iota
	// SessionJobCheckpointRestorable: the newest completed checkpoint or
	// savepoint has a path to restore from and, for a running job, the
	// job's checkpoints are retained on cancellation.
	SessionJobCheckpointRestorable
	// SessionJobCheckpointNotRetained: the job runs, but a cancel would
	// delete its checkpoints (DELETE_ON_CANCELLATION, or not
	// externalized).
	SessionJobCheckpointNotRetained
	// SessionJobCheckpointNone: nothing to restore from: checkpointing is
	// off, none completed, or the newest is not restorable. An older one
	// is never used instead: it would silently lose the state written
	// since.
	SessionJobCheckpointNone
	// SessionJobCheckpointUnknown: the REST API did not answer.
	SessionJobCheckpointUnknown
)

// KeepSessionJobState goes down the table and returns the first row that
// holds, by name, and what it decides.
func KeepSessionJobState(f SessionJobChange) (row string, keep SessionJobKeep) {
	row, keep, _ = sessionJobStateTable.decide(f) // the last row holds for anything
	return row, keep
}

// SessionJobStateRules names the rows of the session-job table, in order.
func SessionJobStateRules() []string { return sessionJobStateTable.names() }
