package gate

import "github.com/flinkops/flink-operator/schemas/v1beta1"

// What the FlinkSessionJob controller (reconciler/sessionjob) shares with
// the gate until its rows move into Decide (docs/design/sessionjob.md):
// the reading of a savepoint poll and the savepoint history, so that a
// session job's stop-with-savepoint means what a FlinkDeployment's does.

// SavepointOutcome is what polling a savepoint in flight showed.
type SavepointOutcome = savepointOutcome

// SavepointOutcome values; see outcome.go.
const (
	SavepointOutcomePending = savepointPending
	SavepointOutcomeDone    = savepointDone
	SavepointOutcomeRefused = savepointRefused
	SavepointOutcomeFailed  = savepointFailedAt
	SavepointOutcomeLost    = savepointLost
)

// ReadSavepointPoll reads one poll of the savepoint triggered at
// triggeredAt (epoch ms), as the gate reads an upgrade's: latest is the
// newest restorable savepoint REST reports (taken as the result of a
// trigger Flink forgot when it completed since), "" when none was asked.
// It returns the outcome, the location when done, and the cause when
// refused or failed.
func ReadSavepointPoll(sp SavepointObservation, latest string, latestTime, triggeredAt int64) (SavepointOutcome, string, string) {
	p := pollSavepoint(Input{Savepoint: sp, LatestCheckpoint: latest, LatestCheckpointTime: latestTime}, triggeredAt, latest != "")
	return p.outcome, p.location, p.cause
}

// RecordSavepoint adds a completed savepoint to the status's history, as
// the gate records an upgrade's, and clears the trigger.
func RecordSavepoint(info *v1beta1.SavepointInfo, sp v1beta1.Savepoint) { recordSavepoint(info, sp) }
