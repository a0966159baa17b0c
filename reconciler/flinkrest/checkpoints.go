package flinkrest

import (
	"context"
	"encoding/json"
	"net/http"
)

// NotExternallyAddressable is the external_path Flink reports for a
// checkpoint whose metadata was not persisted (e.g. JobManager checkpoint
// storage). Such a checkpoint cannot be restored from.
const NotExternallyAddressable = "<checkpoint-not-externally-addressable>"

// CheckpointKind is the discriminator of a checkpoint statistics entry.
type CheckpointKind string

// CheckpointKind values, the same under "@class" (<= 1.14) and "className"
// (1.15+).
const (
	CheckpointKindCompleted  CheckpointKind = "completed"
	CheckpointKindFailed     CheckpointKind = "failed"
	CheckpointKindInProgress CheckpointKind = "in_progress"
)

// CheckpointStats is GET /jobs/:jobid/checkpoints, reduced to what restore
// decisions need (the size summaries are dropped).
type CheckpointStats struct {
	Counts CheckpointCounts  `json:"counts"`
	Latest LatestCheckpoints `json:"latest"`
	// History is newest first.
	History []Checkpoint `json:"history"`
}

// CheckpointCounts are the checkpoint counters of a job.
type CheckpointCounts struct {
	Restored   int `json:"restored"`
	Total      int `json:"total"`
	InProgress int `json:"in_progress"`
	Completed  int `json:"completed"`
	Failed     int `json:"failed"`
}

// LatestCheckpoints holds the latest entry of each kind; each may be null.
type LatestCheckpoints struct {
	Completed *Checkpoint         `json:"completed"`
	Savepoint *Checkpoint         `json:"savepoint"`
	Failed    *Checkpoint         `json:"failed"`
	Restored  *RestoredCheckpoint `json:"restored"`
}

// Checkpoint is one checkpoint statistics entry.
type Checkpoint struct {
	// Kind comes from "className" (1.15+) or "@class" (<= 1.14); both are
	// read so one client serves every version.
	Kind                    CheckpointKind `json:"-"`
	ID                      int64          `json:"id"`
	Status                  string         `json:"status"`
	IsSavepoint             bool           `json:"is_savepoint"`
	CheckpointType          string         `json:"checkpoint_type"`
	TriggerTimestamp        int64          `json:"trigger_timestamp"`
	LatestAckTimestamp      int64          `json:"latest_ack_timestamp"`
	StateSize               int64          `json:"state_size"`
	CheckpointedSize        int64          `json:"checkpointed_size"`
	EndToEndDuration        int64          `json:"end_to_end_duration"`
	NumSubtasks             int            `json:"num_subtasks"`
	NumAcknowledgedSubtasks int            `json:"num_acknowledged_subtasks"`
	ExternalPath            string         `json:"external_path"`
	Discarded               bool           `json:"discarded"`
	FailureTimestamp        int64          `json:"failure_timestamp"`
	FailureMessage          string         `json:"failure_message"`
}

// UnmarshalJSON reads the version-dependent discriminator into Kind.
func (c *Checkpoint) UnmarshalJSON(data []byte) error {
	type plain Checkpoint // no methods, so no recursion
	var wire struct {
		plain
		ClassName string `json:"className"`
		AtClass   string `json:"@class"`
	}
	if err := json.Unmarshal(data, &wire); err != nil {
		return err
	}
	*c = Checkpoint(wire.plain)
	c.Kind = CheckpointKind(wire.ClassName)
	if c.Kind == "" {
		c.Kind = CheckpointKind(wire.AtClass)
	}
	return nil
}

// RestoredCheckpoint is latest.restored: what the job was started from. It
// has no discriminator.
type RestoredCheckpoint struct {
	ID               int64  `json:"id"`
	RestoreTimestamp int64  `json:"restore_timestamp"`
	IsSavepoint      bool   `json:"is_savepoint"`
	ExternalPath     string `json:"external_path"`
}

// CheckpointRef points at a completed checkpoint or savepoint.
type CheckpointRef struct {
	ID           int64
	ExternalPath string
	IsSavepoint  bool
	// Source says which latest.* entry it came from: "completed",
	// "savepoint" or "restored".
	Source string
	// Discarded is true when Flink already deleted the checkpoint's files.
	Discarded bool
}

// Restorable reports whether a job can be started from r: it must have a
// real external path and its files must not have been discarded.
func (r CheckpointRef) Restorable() bool {
	return r.ExternalPath != "" && r.ExternalPath != NotExternallyAddressable && !r.Discarded
}

// LatestCompleted returns the newest (by id) of latest.completed,
// latest.savepoint and latest.restored. It does not skip entries that are not
// restorable: falling back to an older one would silently lose the state
// written since, so the caller must see that the newest is unusable
// (CheckpointRef.Restorable) and decide.
func (s *CheckpointStats) LatestCompleted() (CheckpointRef, bool) {
	var best CheckpointRef
	found := false
	consider := func(r CheckpointRef) {
		if !found || r.ID > best.ID {
			best, found = r, true
		}
	}
	if cp := s.Latest.Completed; cp != nil {
		consider(CheckpointRef{ID: cp.ID, ExternalPath: cp.ExternalPath, IsSavepoint: cp.IsSavepoint, Source: "completed", Discarded: cp.Discarded})
	}
	if cp := s.Latest.Savepoint; cp != nil {
		consider(CheckpointRef{ID: cp.ID, ExternalPath: cp.ExternalPath, IsSavepoint: true, Source: "savepoint", Discarded: cp.Discarded})
	}
	if cp := s.Latest.Restored; cp != nil {
		consider(CheckpointRef{ID: cp.ID, ExternalPath: cp.ExternalPath, IsSavepoint: cp.IsSavepoint, Source: "restored"})
	}
	return best, found
}

// LatestRestorablePath returns the external path of LatestCompleted when it
// is restorable, and false otherwise.
func (s *CheckpointStats) LatestRestorablePath() (string, bool) {
	ref, ok := s.LatestCompleted()
	if !ok || !ref.Restorable() {
		return "", false
	}
	return ref.ExternalPath, true
}

// Pending reports whether the most recent checkpoint is still in progress,
// in which case a restore pointer read now may be superseded shortly.
func (s *CheckpointStats) Pending() bool {
	return len(s.History) > 0 && s.History[0].Status == "IN_PROGRESS"
}

// InProgressSavepoint returns the newest savepoint Flink reports in
// progress (history is newest first), with its acknowledged and total
// subtasks; nil when none is. An in-progress entry appears only in history:
// latest.* holds completed, failed and restored ones.
func (s *CheckpointStats) InProgressSavepoint() *Checkpoint {
	for i := range s.History {
		cp := &s.History[i]
		inProgress := cp.Status == "IN_PROGRESS" || cp.Kind == CheckpointKindInProgress
		if inProgress && cp.IsSavepoint {
			return cp
		}
	}
	return nil
}

// GetSavepointProgress reads GET /jobs/:jobid/checkpoints for the savepoint
// in progress (InProgressSavepoint); nil when none is. It is not retried:
// progress is only shown, so a JobManager that does not answer costs one
// timeout of the client, not several.
func (c *Client) GetSavepointProgress(ctx context.Context, jobID string) (*Checkpoint, error) {
	var out CheckpointStats
	if err := c.do(ctx, call{method: http.MethodGet, path: jobPath(jobID, "checkpoints")}, &out); err != nil {
		return nil, err
	}
	return out.InProgressSavepoint(), nil
}

// GetCheckpoints fetches GET /jobs/:jobid/checkpoints. For a job without
// checkpointing Flink answers 404; IsCheckpointingDisabled tells that apart
// from an unknown job.
func (c *Client) GetCheckpoints(ctx context.Context, jobID string) (*CheckpointStats, error) {
	var out CheckpointStats
	if err := c.do(ctx, call{method: http.MethodGet, path: jobPath(jobID, "checkpoints"), retry: true}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
