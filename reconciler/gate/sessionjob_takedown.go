package gate

// The take-down of a session job's deployed job, once status.upgrade
// records it (phase TakingDown): after a stateless change or a suspend
// (cancel), after a stop-with-savepoint (the job is stopping), or for a
// restore from the job's latest checkpoint (cancel, then read the
// checkpoint once the job has ended). The table "A take-down in progress"
// of docs/design/sessionjob.md row for row, in the same order: the first
// row whose condition holds decides. TestSessionJobTakeDownTableMatchesTheDesign
// keeps the two in step. Its rules are a FlinkDeployment's take-down
// (rollout.go): the new job starts only once the old one can no longer
// run, and never without the state it was promised.
var sessionJobTakeDownTable = table[SessionJobTakeDownFacts, SessionJobTakeDownStep]{
	{"from its latest checkpoint, the job unknown to the JobManager", func(f SessionJobTakeDownFacts) bool {
		return f.FromCheckpoint && f.Job == SessionJobRunMissing
	}, SessionJobTakeDownCheckpointLost},
	{"from its latest checkpoint, the job ended, the newest checkpoint restorable", func(f SessionJobTakeDownFacts) bool {
		return f.FromCheckpoint && f.Job == SessionJobRunEnded && f.Checkpoint == SessionJobCheckpointRestorable
	}, SessionJobTakeDownRestoreCheckpoint},
	{"from its latest checkpoint, the job ended, nothing restorable", func(f SessionJobTakeDownFacts) bool {
		return f.FromCheckpoint && f.Job == SessionJobRunEnded && (f.Checkpoint == SessionJobCheckpointNone || f.Checkpoint == SessionJobCheckpointNotRetained)
	}, SessionJobTakeDownCheckpointLost},
	{"from its latest checkpoint, the job ended, its checkpoints not answered for", func(f SessionJobTakeDownFacts) bool {
		return f.FromCheckpoint && f.Job == SessionJobRunEnded
	}, SessionJobTakeDownWait},
	{"the job ended or unknown to the JobManager", func(f SessionJobTakeDownFacts) bool {
		return f.Job == SessionJobRunEnded || f.Job == SessionJobRunMissing
	}, SessionJobTakeDownSubmit},
	{"the session missing or not READY", func(f SessionJobTakeDownFacts) bool { return !f.SessionReady }, SessionJobTakeDownWaitForSession},
	{"the job still there", func(f SessionJobTakeDownFacts) bool {
		return f.Job == SessionJobRunRunning || f.Job == SessionJobRunOther
	}, SessionJobTakeDownCancel},
	{"anything else", func(SessionJobTakeDownFacts) bool { return true }, SessionJobTakeDownWait},
}

// SessionJobTakeDownFacts is what a pass knows of a take-down in
// progress.
type SessionJobTakeDownFacts struct {
	// FromCheckpoint: the new job restores the deployed job's latest
	// checkpoint (status.upgrade mode last-state), read once the job has
	// ended, since none can complete after that.
	FromCheckpoint bool
	// SessionReady: the session is a READY session cluster.
	SessionReady bool
	// Job is what the JobManager said of the deployed job.
	Job SessionJobRun
	// Checkpoint is what it reports of the job's latest checkpoint; asked
	// FromCheckpoint once the job has ended.
	Checkpoint SessionJobCheckpoint
}

// SessionJobTakeDownStep is what the take-down table decides.
type SessionJobTakeDownStep int

// SessionJobTakeDownStep values.
const (
	// SessionJobTakeDownWait: REST did not answer; nothing is sent.
	SessionJobTakeDownWait SessionJobTakeDownStep = iota
	// SessionJobTakeDownWaitForSession: nothing is sent until the session
	// is a READY session cluster again.
	SessionJobTakeDownWaitForSession
	// SessionJobTakeDownCancel: the job is cancelled, or its cancellation
	// waited for.
	SessionJobTakeDownCancel
	// SessionJobTakeDownSubmit: the old job can no longer run; the new one
	// is submitted (phase Deploying) from what the upgrade recorded, or,
	// for a suspend, nothing is.
	SessionJobTakeDownSubmit
	// SessionJobTakeDownRestoreCheckpoint: the ended job's latest
	// checkpoint is recorded as the restore path, and the new job
	// submitted from it.
	SessionJobTakeDownRestoreCheckpoint
	// SessionJobTakeDownCheckpointLost: where the job's state is cannot be
	// read; nothing is submitted (Manual restore required).
	SessionJobTakeDownCheckpointLost
)

// DecideSessionJobTakeDown goes down the table and returns the first row
// that holds, by name, and its step.
func DecideSessionJobTakeDown(f SessionJobTakeDownFacts) (row string, step SessionJobTakeDownStep) {
	row, step, _ = sessionJobTakeDownTable.decide(f) // the last row holds for anything
	return row, step
}

// SessionJobTakeDownRules names the rows of the take-down table, in order.
func SessionJobTakeDownRules() []string { return sessionJobTakeDownTable.names() }
