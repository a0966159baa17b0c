package fakejm

import (
	"fmt"
	"strings"
)

// CheckpointStatus is the status of a checkpoint statistics entry.
type CheckpointStatus string

// CheckpointStatus values as Flink reports them.
const (
	CheckpointCompleted  CheckpointStatus = "COMPLETED"
	CheckpointInProgress CheckpointStatus = "IN_PROGRESS"
	CheckpointFailed     CheckpointStatus = "FAILED"
)

// CheckpointSpec describes a checkpoint to record for a job.
type CheckpointSpec struct {
	// Status defaults to COMPLETED.
	Status CheckpointStatus
	// ExternalPath defaults to <Directory>/<jobid>/chk-<id> for completed
	// checkpoints. Use flinkrest.NotExternallyAddressable to simulate
	// JobManager checkpoint storage.
	ExternalPath string
	// Directory is the checkpoint directory (state.checkpoints.dir) the
	// default ExternalPath is under; default file:/flink-data/checkpoints.
	Directory string
	// FailureMessage is reported for FAILED checkpoints.
	FailureMessage string
}

// maxHistory matches Flink's default web.checkpoints.history.
const maxHistory = 10

// checkpointState is the checkpoint bookkeeping of one job.
type checkpointState struct {
	lastID                                          int64
	restoredN, total, inProgress, completedN, nFail int
	completed, savepoint, failed                    *cpEntry
	restored                                        *restoredEntry
	history                                         []cpEntry // newest first
}

type cpEntry struct {
	id          int64
	status      CheckpointStatus
	isSavepoint bool
	cpType      string
	trigger     int64
	ack         int64
	size        int64
	path        string
	failTS      int64
	failMsg     string
	format      string // savepoints: CANONICAL or NATIVE
	// partial: in progress with acked of the job's subtasks acknowledged;
	// otherwise every subtask counts as acknowledged.
	partial bool
	acked   int
	// discarded: Flink deleted the checkpoint's files, because a newer one
	// subsumed it or the job ended (discardOnEnd).
	discarded bool
}

type restoredEntry struct {
	id          int64
	ts          int64
	isSavepoint bool
	path        string
}

func (s *checkpointState) restore(id int64, path string, isSavepoint bool, now int64) {
	s.restored = &restoredEntry{id: id, ts: now, isSavepoint: isSavepoint, path: path}
	s.restoredN = 1
	s.lastID = id
}

// add records a new checkpoint with the next id and returns it.
func (s *checkpointState) add(e cpEntry) int64 {
	s.lastID++
	e.id = s.lastID
	s.total++
	switch e.status {
	case CheckpointInProgress:
		s.inProgress++
	case CheckpointFailed:
		s.nFail++
		cp := e
		s.failed = &cp
	default:
		s.completedN++
		cp := e
		if e.isSavepoint {
			s.savepoint = &cp
		} else {
			// Flink keeps one completed checkpoint by default
			// (state.checkpoints.num-retained): real 1.20.5, 2.2.1 and
			// 2.3.0 list the older ones in history as discarded.
			for i := range s.history {
				if h := &s.history[i]; h.status == CheckpointCompleted && !h.isSavepoint {
					h.discarded = true
				}
			}
			s.completed = &cp
		}
	}
	s.history = append([]cpEntry{e}, s.history...)
	if len(s.history) > maxHistory {
		s.history = s.history[:maxHistory]
	}
	return e.id
}

// discardCheckpoints marks the job's completed checkpoints (not its
// savepoints) discarded, as Flink reports them once it deleted their files.
func (s *checkpointState) discardCheckpoints() {
	if s.completed != nil {
		s.completed.discarded = true
	}
	for i := range s.history {
		if h := &s.history[i]; h.status == CheckpointCompleted && !h.isSavepoint {
			h.discarded = true
		}
	}
}

// AddCheckpoint records a checkpoint for the job and returns its id.
func (c *Cluster) AddCheckpoint(jobID string, spec CheckpointSpec) (int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	j, ok := c.jobs[jobID]
	if !ok {
		return 0, fmt.Errorf("fakejm: no job %s", jobID)
	}
	if !j.checkpointing {
		return 0, fmt.Errorf("fakejm: job %s has checkpointing disabled", jobID)
	}
	status := spec.Status
	if status == "" {
		status = CheckpointCompleted
	}
	switch status {
	case CheckpointCompleted, CheckpointInProgress, CheckpointFailed:
	default:
		return 0, fmt.Errorf("fakejm: checkpoint status %q", status)
	}
	now := c.nowMillis()
	e := cpEntry{status: status, cpType: "CHECKPOINT", trigger: now, size: 1024, path: spec.ExternalPath}
	if status == CheckpointCompleted {
		e.ack = now
		if e.path == "" {
			dir := strings.TrimSuffix(spec.Directory, "/")
			if dir == "" {
				dir = "file:/flink-data/checkpoints"
			}
			e.path = fmt.Sprintf("%s/%s/chk-%d", dir, jobID, j.cps.lastID+1)
		}
	}
	if status == CheckpointFailed {
		e.failTS = now
		e.failMsg = spec.FailureMessage
	}
	return j.cps.add(e), nil
}

// checkpointStats renders GET /jobs/:jobid/checkpoints for this version.
// Callers hold mu.
func (c *Cluster) checkpointStats(j *job) map[string]any {
	s := &j.cps
	latest := map[string]any{
		"completed": c.cpJSON(j, s.completed),
		"savepoint": c.cpJSON(j, s.savepoint),
		"failed":    c.cpJSON(j, s.failed),
		"restored":  nil,
	}
	if r := s.restored; r != nil {
		latest["restored"] = map[string]any{
			"id": r.id, "restore_timestamp": r.ts, "is_savepoint": r.isSavepoint, "external_path": r.path,
		}
	}
	pending := c.pendingSavepoints(j)
	history := make([]any, 0, len(pending)+len(s.history))
	for i := range pending {
		history = append(history, c.cpJSON(j, &pending[i]))
	}
	for i := range s.history {
		history = append(history, c.cpJSON(j, &s.history[i]))
	}
	stat := map[string]any{"min": 0, "max": 0, "avg": 0, "p50": 0.0, "p90": 0.0, "p95": 0.0, "p99": 0.0, "p999": 0.0}
	sized := stat
	if s.completedN == 0 && c.version.AtLeast(1, 20) {
		// With nothing completed, real 1.20.5, 2.2.1 and 2.3.0 write the
		// percentiles as the string "NaN", except alignment_buffered's.
		// Unverified before 1.20.
		nan := "NaN"
		sized = map[string]any{"min": 0, "max": 0, "avg": 0, "p50": nan, "p90": nan, "p95": nan, "p99": nan, "p999": nan}
	}
	summary := map[string]any{"state_size": sized, "end_to_end_duration": sized, "alignment_buffered": stat}
	if c.version.AtLeast(1, 15) {
		summary["checkpointed_size"] = sized
		summary["processed_data"] = sized
		summary["persisted_data"] = sized
	}
	return map[string]any{
		"counts": map[string]any{
			"restored": s.restoredN, "total": s.total + len(pending), "in_progress": s.inProgress + len(pending),
			"completed": s.completedN, "failed": s.nFail,
		},
		"summary": summary,
		"latest":  latest,
		"history": history,
	}
}

// cpJSON renders one entry with the version's discriminator key ("@class"
// up to 1.14, "className" from 1.15). A nil entry renders as JSON null, as
// Flink serializes nulls here.
func (c *Cluster) cpJSON(j *job, e *cpEntry) any {
	if e == nil {
		return nil
	}
	kind := map[CheckpointStatus]string{
		CheckpointCompleted: "completed", CheckpointInProgress: "in_progress", CheckpointFailed: "failed",
	}[e.status]
	disc := "@class"
	if c.version.UsesClassNameDiscriminator() {
		disc = "className"
	}
	acked := j.parallelism
	if e.partial {
		acked = min(e.acked, j.parallelism)
	}
	m := map[string]any{
		disc:                        kind,
		"id":                        e.id,
		"status":                    string(e.status),
		"is_savepoint":              e.isSavepoint,
		"trigger_timestamp":         e.trigger,
		"latest_ack_timestamp":      e.ack,
		"state_size":                e.size,
		"end_to_end_duration":       e.ack - e.trigger,
		"alignment_buffered":        0,
		"processed_data":            0,
		"persisted_data":            0,
		"num_subtasks":              j.parallelism,
		"num_acknowledged_subtasks": acked,
		"checkpoint_type":           e.cpType,
		"tasks":                     map[string]any{},
	}
	if c.version.AtLeast(1, 15) {
		m["checkpointed_size"] = e.size
	}
	// Seen on real 1.20, 2.2 and 2.3: null for checkpoints, the format for
	// savepoints. That it came with savepoint formats (1.15, FLIP-203) is
	// unverified, so the fake starts it where it was seen.
	if c.version.AtLeast(1, 20) {
		m["savepointFormat"] = nil
		if e.isSavepoint {
			m["savepointFormat"] = e.format
		}
	}
	switch e.status {
	case CheckpointCompleted:
		m["external_path"] = e.path
		m["discarded"] = e.discarded
	case CheckpointFailed:
		m["failure_timestamp"] = e.failTS
		m["failure_message"] = e.failMsg
	}
	return m
}

// pendingSavepoints are the job's savepoints in progress, newest first, as
// Flink lists them at the head of history: one per running savepoint or
// stop-with-savepoint operation, with the subtasks acknowledged so far
// (Cluster.AcknowledgeSubtasks). Callers hold mu.
func (c *Cluster) pendingSavepoints(j *job) []cpEntry {
	var out []cpEntry
	next := j.cps.lastID
	for _, op := range c.opLog {
		if op.done || c.jobs[op.jobID] != j {
			continue
		}
		next++
		cpType := "SAVEPOINT"
		if op.kind == opStop && c.version.AtLeast(1, 15) {
			cpType = "SYNC_SAVEPOINT"
		}
		format := op.format
		if format == "" {
			format = "CANONICAL"
		}
		e := cpEntry{id: next, status: CheckpointInProgress, isSavepoint: true, cpType: cpType, trigger: op.triggered,
			ack: op.triggered, format: format, partial: true, acked: op.acked}
		out = append([]cpEntry{e}, out...)
	}
	return out
}
