package fakejm

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/flinkops/flink-operator/reconciler/flinkrest"
)

// JobSpec describes a job to start on the fake cluster.
type JobSpec struct {
	// ID is the 32-hex JobID; empty picks a random one.
	ID string
	// Name defaults to "job-<first 6 hex of id>".
	Name string
	// State defaults to RUNNING.
	State flinkrest.JobStatus
	// Parallelism of the job's single vertex; defaults to 1.
	Parallelism int
	// RestoredFrom is the savepoint or checkpoint path the job was started
	// from; it is reported as latest.restored in checkpoint statistics.
	RestoredFrom string
	// RestoredCheckpointID is the id reported for RestoredFrom (default 1).
	// Checkpoints taken afterwards continue from it.
	RestoredCheckpointID int64
	// RestoredFromCheckpoint reports RestoredFrom as a retained checkpoint
	// (is_savepoint false), as after a recovery from HA metadata, instead
	// of a savepoint.
	RestoredFromCheckpoint bool
	// CheckpointingDisabled gives the job no checkpoint coordinator, as
	// Flink does for a batch job: its checkpoint statistics and
	// configuration answer Flink's 404s. A streaming job without periodic
	// checkpoints has one: see PeriodicCheckpointsOff.
	CheckpointingDisabled bool
	// CheckpointInterval is the job's execution.checkpointing.interval, as
	// GET /jobs/:jobid/checkpoints/config reports it; 0 means 10s (the
	// project's test job's default). PeriodicCheckpointsOff is a streaming
	// job that takes none: real Flink still answers its checkpoint
	// statistics (empty) and configuration (interval Long.MAX_VALUE,
	// mode at_least_once), and still takes savepoints.
	CheckpointInterval time.Duration
	// CheckpointRetention is the job's
	// execution.checkpointing.externalized-checkpoint-retention:
	// flinkrest.RetainOnCancellation, DeleteOnCancellation or
	// NoExternalizedCheckpoints (any case). Empty takes the cluster's
	// (WithCheckpointRetention), else Flink's default,
	// NO_EXTERNALIZED_CHECKPOINTS (real 1.20.5, 2.2.1 and 2.3.0). It decides
	// which completed checkpoints the job's end discards (discardOnEnd).
	CheckpointRetention string
}

// PeriodicCheckpointsOff is JobSpec.CheckpointInterval for a streaming job
// without periodic checkpoints.
const PeriodicCheckpointsOff time.Duration = -1

// parseRetention returns the retention's canonical (upper-case) name, as
// Flink reads it (case-insensitively); false for any other value.
func parseRetention(s string) (string, bool) {
	u := strings.ToUpper(s)
	switch u {
	case flinkrest.RetainOnCancellation, flinkrest.DeleteOnCancellation, flinkrest.NoExternalizedCheckpoints:
		return u, true
	}
	return "", false
}

// job is the fake's state of one job. Fields are guarded by Cluster.mu.
type job struct {
	id, name      string
	state         flinkrest.JobStatus
	parallelism   int
	start, end    int64
	lastMod       int64
	timestamps    map[flinkrest.JobStatus]int64
	checkpointing bool
	// interval is the checkpoint interval in milliseconds, math.MaxInt64
	// without periodic checkpoints; retention is the canonical
	// CheckpointRetention.
	interval  int64
	retention string
	// pending is a state change that becomes visible after readsLeft more
	// reads of the job (cancellation: CANCELLING -> CANCELED).
	pending *transition
	cps     checkpointState
	exc     []failure // newest first
}

type transition struct {
	to        flinkrest.JobStatus
	readsLeft int
}

// allJobStatuses lists the enum in Flink's declaration order; timestamps
// carry one entry per value.
var allJobStatuses = []flinkrest.JobStatus{
	flinkrest.JobInitializing, flinkrest.JobCreated, flinkrest.JobRunning, flinkrest.JobFailing,
	flinkrest.JobFailed, flinkrest.JobCancelling, flinkrest.JobCanceled, flinkrest.JobFinished,
	flinkrest.JobRestarting, flinkrest.JobSuspended, flinkrest.JobReconciling,
}

func validJobStatus(s flinkrest.JobStatus) bool {
	for _, v := range allJobStatuses {
		if v == s {
			return true
		}
	}
	return false
}

// AddJob starts a job and returns its id.
func (c *Cluster) AddJob(spec JobSpec) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.addJob(spec)
}

// addJob is AddJob for callers that hold mu.
func (c *Cluster) addJob(spec JobSpec) (string, error) {
	id := spec.ID
	if id == "" {
		id = c.hexID(32)
	}
	if !flinkrest.IsFlinkID(id) {
		return "", fmt.Errorf("fakejm: job id %q: want 32 lower-case hex characters", id)
	}
	if _, dup := c.jobs[id]; dup {
		return "", fmt.Errorf("fakejm: job %s already exists", id)
	}
	state := spec.State
	if state == "" {
		state = flinkrest.JobRunning
	}
	if !validJobStatus(state) {
		return "", fmt.Errorf("fakejm: job state %q is not a Flink JobStatus", state)
	}
	name := spec.Name
	if name == "" {
		name = "job-" + id[:6]
	}
	par := spec.Parallelism
	if par <= 0 {
		par = 1
	}
	retention := spec.CheckpointRetention
	if retention == "" {
		retention = c.retention
	}
	retention, ok := parseRetention(retention)
	if !ok {
		return "", fmt.Errorf("fakejm: checkpoint retention %q: want %s, %s or %s", spec.CheckpointRetention,
			flinkrest.RetainOnCancellation, flinkrest.DeleteOnCancellation, flinkrest.NoExternalizedCheckpoints)
	}
	interval := spec.CheckpointInterval.Milliseconds()
	switch {
	case spec.CheckpointInterval == PeriodicCheckpointsOff:
		interval = math.MaxInt64
	case spec.CheckpointInterval < 0:
		return "", fmt.Errorf("fakejm: checkpoint interval %s: want a positive one, 0 or PeriodicCheckpointsOff", spec.CheckpointInterval)
	case interval == 0:
		interval = 10_000
	}
	now := c.nowMillis()
	j := &job{
		id: id, name: name, parallelism: par,
		start: now, end: -1, lastMod: now,
		timestamps:    map[flinkrest.JobStatus]int64{},
		checkpointing: !spec.CheckpointingDisabled,
		interval:      interval,
		retention:     retention,
	}
	j.timestamps[flinkrest.JobCreated] = now
	c.setState(j, state)
	if spec.RestoredFrom != "" {
		cid := spec.RestoredCheckpointID
		if cid <= 0 {
			cid = 1
		}
		j.cps.restore(cid, spec.RestoredFrom, !spec.RestoredFromCheckpoint, now)
	}
	c.jobs[id] = j
	c.jobOrder = append(c.jobOrder, id)
	return id, nil
}

// JobState returns the job's current state as a client would see it next,
// without counting as a read.
func (c *Cluster) JobState(jobID string) (flinkrest.JobStatus, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	j, ok := c.jobs[jobID]
	if !ok {
		return "", false
	}
	return j.state, true
}

// SetJobState forces a job into state, e.g. RESTARTING or SUSPENDED, and
// drops any pending transition.
func (c *Cluster) SetJobState(jobID string, state flinkrest.JobStatus) error {
	if !validJobStatus(state) {
		return fmt.Errorf("fakejm: job state %q is not a Flink JobStatus", state)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	j, ok := c.jobs[jobID]
	if !ok {
		return fmt.Errorf("fakejm: no job %s", jobID)
	}
	j.pending = nil
	c.setState(j, state)
	return nil
}

// FailJob makes the job FAILED with a root cause that the exceptions
// endpoint reports, as when a job exhausts its restart strategy.
func (c *Cluster) FailJob(jobID, exceptionClass, message string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	j, ok := c.jobs[jobID]
	if !ok {
		return fmt.Errorf("fakejm: no job %s", jobID)
	}
	j.exc = append([]failure{c.newFailure(j, exceptionClass, message)}, j.exc...)
	j.pending = nil
	c.setState(j, flinkrest.JobFailed)
	return nil
}

// SetCancelReads sets how many reads of a cancelled job (GET /jobs/:jobid,
// /jobs/overview, /jobs) still see CANCELLING before it turns CANCELED.
// 0 cancels immediately; the default is 1.
func (c *Cluster) SetCancelReads(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cancelReads = max(n, 0)
}

// SettleJobs applies every pending job transition now.
func (c *Cluster) SettleJobs() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, j := range c.jobs {
		if j.pending != nil {
			to := j.pending.to
			j.pending = nil
			c.setState(j, to)
		}
	}
}

// setState moves j to s, maintaining timestamps and end time. Callers
// hold mu.
func (c *Cluster) setState(j *job, s flinkrest.JobStatus) {
	now := c.nowMillis()
	j.state = s
	j.lastMod = now
	j.timestamps[s] = now
	if s.IsGloballyTerminal() {
		j.end = now
	} else {
		j.end = -1
	}
	if discardOnEnd(j.retention, s) {
		j.cps.discardCheckpoints()
	}
}

// discardOnEnd reports whether Flink deletes a job's retained checkpoint
// when the job ends in state s, by its retention. Seen on real Flink:
// cancelling keeps it only with RETAIN_ON_CANCELLATION (1.20.5, 2.2.1,
// 2.3.0); finishing (stop-with-savepoint) discards it with every retention
// (2.2.1, and the default's on all three). It is Flink's
// CheckpointProperties for the three retentions.
//
// Not modelled: failing for good discards it with
// NO_EXTERNALIZED_CHECKPOINTS (2.2.1; the other two keep it), but the
// fake does not read the cluster configuration a FlinkDeployment's
// JobManager runs with, so its jobs take Flink's default and would lose
// the checkpoint that the reconciler's tests of recovery from a failed
// job restore from. SUSPENDED is unverified.
func discardOnEnd(retention string, s flinkrest.JobStatus) bool {
	switch s {
	case flinkrest.JobCanceled:
		return retention != flinkrest.RetainOnCancellation
	case flinkrest.JobFinished:
		return true
	}
	return false
}

// observe is called before a client read of j is answered: the first
// readsLeft reads still see the old state, the next one the new state.
// Callers hold mu.
func (c *Cluster) observe(j *job) {
	if j.pending == nil {
		return
	}
	if j.pending.readsLeft > 0 {
		j.pending.readsLeft--
		return
	}
	to := j.pending.to
	j.pending = nil
	c.setState(j, to)
}

// cancel applies PATCH /jobs/:jobid?mode=cancel to j. Callers hold mu.
func (c *Cluster) cancel(j *job) {
	c.counters.Cancels++
	if c.cancelReads == 0 {
		c.setState(j, flinkrest.JobCanceled)
		return
	}
	c.setState(j, flinkrest.JobCancelling)
	j.pending = &transition{to: flinkrest.JobCanceled, readsLeft: c.cancelReads}
}
