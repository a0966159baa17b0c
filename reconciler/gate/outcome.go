package gate

// savepointOutcome is what polling a savepoint in flight showed, read the
// same way for an upgrade's stop-with-savepoint and for manual and
// periodic savepoints; each caller then decides what the outcome means for
// it.
type savepointOutcome int

const (
	// savepointPending: in progress, or the REST API did not answer.
	savepointPending savepointOutcome = iota
	// savepointDone: completed; location is where it is.
	savepointDone
	// savepointRefused: Flink refused the trigger itself; cause says why.
	savepointRefused
	// savepointFailedAt: Flink reports the savepoint failed; cause says why.
	savepointFailedAt
	// savepointLost: Flink does not know the trigger (never sent, the
	// JobManager restarted, or before 1.15 its id was never learnt), and
	// no savepoint completed since it was triggered.
	savepointLost
)

// savepointPoll is one savepoint's outcome.
type savepointPoll struct {
	outcome  savepointOutcome
	location string
	cause    string
}

// pollSavepoint reads in's observation of the savepoint triggered at
// triggeredAt (epoch ms). When Flink does not know the trigger, a
// savepoint or checkpoint the REST API reports as completed since then is
// taken as its result, if acceptLatest allows (an upgrade that changes the
// state backend cannot use a checkpoint).
func pollSavepoint(in Input, triggeredAt int64, acceptLatest bool) savepointPoll {
	sp := in.Savepoint
	switch {
	case sp.TriggerError != "":
		return savepointPoll{outcome: savepointRefused, cause: sp.TriggerError}
	case sp.State == SavepointSucceeded:
		return savepointPoll{outcome: savepointDone, location: sp.Location}
	case sp.State == SavepointFailed:
		return savepointPoll{outcome: savepointFailedAt, cause: sp.Failure}
	case sp.State == SavepointUnknown:
		if acceptLatest && in.LatestCheckpoint != "" && in.LatestCheckpointTime >= triggeredAt {
			return savepointPoll{outcome: savepointDone, location: in.LatestCheckpoint}
		}
		return savepointPoll{outcome: savepointLost}
	}
	return savepointPoll{outcome: savepointPending}
}
