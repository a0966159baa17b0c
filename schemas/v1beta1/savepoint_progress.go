package v1beta1

// SavepointProgress is how far Flink is with the savepoint the operator
// waits for, as its checkpoint statistics report it (GET
// /jobs/:jobid/checkpoints, the newest savepoint IN_PROGRESS): so that
// "is it stuck?" has an answer without the Flink UI. It is informational:
// the gate never decides on it, and a read that fails or does not answer
// leaves the last reading as it is.
type SavepointProgress struct {
	// CheckpointID is Flink's id of the savepoint in progress.
	// +optional
	CheckpointID int64 `json:"checkpointId,omitempty"`
	// AcknowledgedSubtasks is how many subtasks have written their state.
	AcknowledgedSubtasks int32 `json:"acknowledgedSubtasks"`
	// TotalSubtasks is how many subtasks the savepoint waits for.
	TotalSubtasks int32 `json:"totalSubtasks"`
	// LastProgressTime is when the operator first read these counts: a
	// count that has not moved for long is a savepoint that does not
	// progress. Status is written only when the counts change.
	LastProgressTime Timestamp `json:"lastProgressTime"`
}
