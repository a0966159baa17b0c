package flinkrest

import (
	"context"
	"net/http"
	"net/url"
)

// JobStatus is Flink's JobStatus enum, identical from 1.13 to 2.2.
type JobStatus string

// JobStatus values.
const (
	JobInitializing JobStatus = "INITIALIZING"
	JobCreated      JobStatus = "CREATED"
	JobRunning      JobStatus = "RUNNING"
	JobFailing      JobStatus = "FAILING"
	JobFailed       JobStatus = "FAILED"
	JobCancelling   JobStatus = "CANCELLING"
	JobCanceled     JobStatus = "CANCELED"
	JobFinished     JobStatus = "FINISHED"
	JobRestarting   JobStatus = "RESTARTING"
	JobSuspended    JobStatus = "SUSPENDED"
	JobReconciling  JobStatus = "RECONCILING"
)

// IsGloballyTerminal reports FINISHED, CANCELED and FAILED: the job will
// never run again in this cluster. SUSPENDED is deliberately excluded; it is
// only locally terminal and an HA JobManager will recover the job.
func (s JobStatus) IsGloballyTerminal() bool {
	return s == JobFinished || s == JobCanceled || s == JobFailed
}

// JobOverview is one entry of GET /jobs/overview.
type JobOverview struct {
	ID    string    `json:"jid"`
	Name  string    `json:"name"`
	State JobStatus `json:"state"`
	// Times are epoch milliseconds; EndTime is -1 until the job is globally
	// terminal.
	StartTime        int64 `json:"start-time"`
	EndTime          int64 `json:"end-time"`
	Duration         int64 `json:"duration"`
	LastModification int64 `json:"last-modification"`
	// Tasks has "total" plus one lower-case key per ExecutionState.
	Tasks map[string]int `json:"tasks"`
}

// JobDetails is GET /jobs/:jobid, reduced to what lifecycle decisions need.
type JobDetails struct {
	ID          string    `json:"jid"`
	Name        string    `json:"name"`
	IsStoppable bool      `json:"isStoppable"`
	State       JobStatus `json:"state"`
	StartTime   int64     `json:"start-time"`
	EndTime     int64     `json:"end-time"`
	Duration    int64     `json:"duration"`
	Now         int64     `json:"now"`
	// MaxParallelism is absent before 1.15, hence a pointer.
	MaxParallelism *int `json:"maxParallelism,omitempty"`
	// Timestamps maps each JobStatus to when it was reached (0 if never).
	Timestamps map[JobStatus]int64 `json:"timestamps"`
	Vertices   []JobVertex         `json:"vertices"`
	// StatusCounts maps UPPER-CASE ExecutionState to the number of vertices.
	StatusCounts map[string]int `json:"status-counts"`
}

// JobVertex is one vertex of JobDetails.
type JobVertex struct {
	ID             string `json:"id"`
	Name           string `json:"name"`
	Parallelism    int    `json:"parallelism"`
	MaxParallelism *int   `json:"maxParallelism,omitempty"`
	// Status is an ExecutionState (CREATED, RUNNING, ...).
	Status    string         `json:"status"`
	StartTime int64          `json:"start-time"`
	EndTime   int64          `json:"end-time"`
	Duration  int64          `json:"duration"`
	Tasks     map[string]int `json:"tasks"`
}

// ListJobs fetches GET /jobs/overview.
func (c *Client) ListJobs(ctx context.Context) ([]JobOverview, error) {
	var out struct {
		Jobs []JobOverview `json:"jobs"`
	}
	if err := c.do(ctx, call{method: http.MethodGet, path: "/jobs/overview", retry: true}, &out); err != nil {
		return nil, err
	}
	return out.Jobs, nil
}

// GetJob fetches GET /jobs/:jobid. An unknown job is an *APIError for which
// IsNotFound is true.
func (c *Client) GetJob(ctx context.Context, jobID string) (*JobDetails, error) {
	var out JobDetails
	if err := c.do(ctx, call{method: http.MethodGet, path: jobPath(jobID), retry: true}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CancelJob sends PATCH /jobs/:jobid?mode=cancel; the job then moves through
// CANCELLING to CANCELED, which callers observe with GetJob. It is never
// retried: a lost response after a delivered cancel would turn the retry into
// a 404/409 that hides the success, so the caller decides (for 1.15+, a 409
// means the job was already terminal).
func (c *Client) CancelJob(ctx context.Context, jobID string) error {
	return c.do(ctx, call{
		method: http.MethodPatch,
		path:   jobPath(jobID),
		query:  url.Values{"mode": {"cancel"}},
	}, nil)
}
