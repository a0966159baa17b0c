package fakejm

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/flinkops/flink-operator/reconciler/flinkrest"
)

// executionStates in Flink's order; task counts have one key per value.
var executionStates = []string{
	"CREATED", "SCHEDULED", "DEPLOYING", "RUNNING", "FINISHED",
	"CANCELING", "CANCELED", "FAILED", "RECONCILING", "INITIALIZING",
}

// taskState maps a job state to the state its tasks are shown in.
func taskState(s flinkrest.JobStatus) string {
	switch s {
	case flinkrest.JobRunning:
		return "RUNNING"
	case flinkrest.JobFinished:
		return "FINISHED"
	case flinkrest.JobCanceled:
		return "CANCELED"
	case flinkrest.JobFailed:
		return "FAILED"
	case flinkrest.JobCancelling, flinkrest.JobFailing, flinkrest.JobRestarting:
		return "CANCELING"
	case flinkrest.JobReconciling:
		return "RECONCILING"
	case flinkrest.JobInitializing:
		return "INITIALIZING"
	}
	return "CREATED"
}

// taskCounts has one key per ExecutionState, upper- or lower-case as the
// endpoint wants, plus "total" when total is set.
func taskCounts(j *job, lower, total bool) map[string]int {
	m := map[string]int{}
	cur := taskState(j.state)
	for _, s := range executionStates {
		n := 0
		if s == cur {
			n = j.parallelism
		}
		if lower {
			s = strings.ToLower(s)
		}
		m[s] = n
	}
	if total {
		m["total"] = j.parallelism
	}
	return m
}

// jobParam resolves :jobid. A malformed id is a 400 (Flink cannot parse the
// path parameter; message unverified), an unknown one a 404.
func (c *Cluster) jobParam(req *request) (string, *job, *response) {
	id := req.params["jobid"]
	if !flinkrest.IsFlinkID(id) {
		cannot := fmt.Sprintf("Cannot resolve path parameter (jobid) from value %q.", id)
		r := errorResponse(http.StatusBadRequest, "Bad request, could not parse parameters: "+cannot)
		if c.version.AtLeast(1, 20) {
			// As real 1.20.5, 2.2.1 and 2.3.0 answered.
			r = errorResponse(http.StatusBadRequest, restHandlerError("Bad request, could not parse parameters: "+cannot,
				"org.apache.flink.runtime.rest.handler.HandlerRequestException: "+cannot))
		}
		return id, nil, &r
	}
	return id, c.jobs[id], nil
}

// jobNotFound is the 404 for an unknown job id. Real Flink sends the
// exception's stack trace as the one error string; the fake sends its
// first line and one frame, and its cause (seen on real 1.20.5, 2.2.1 and
// 2.3.0; unverified before).
func jobNotFound(id string) response {
	return errorResponse(http.StatusNotFound, stackTrace("org.apache.flink.runtime.rest.NotFoundException",
		fmt.Sprintf("Job %s not found", id))+
		fmt.Sprintf("Caused by: org.apache.flink.runtime.messages.FlinkJobNotFoundException: Could not find Flink job (%s)\n\tat org.apache.flink.fakejm(fakejm.java:1)\n", id))
}

func (c *Cluster) duration(j *job) int64 {
	if j.end >= 0 {
		return j.end - j.start
	}
	return c.nowMillis() - j.start
}

// handleJobs answers GET /jobs.
func (c *Cluster) handleJobs(*request) response {
	list := []any{}
	for _, id := range c.jobOrder {
		j := c.jobs[id]
		c.observe(j)
		list = append(list, map[string]any{"id": j.id, "status": j.state})
	}
	return reply(http.StatusOK, map[string]any{"jobs": list})
}

// handleJobsOverview answers GET /jobs/overview with JobDetails' custom wire
// format; 2.x adds pending-operators, and 2.3 jobType and schedulerType
// (seen on real 2.3.0).
func (c *Cluster) handleJobsOverview(*request) response {
	list := []any{}
	for _, id := range c.jobOrder {
		j := c.jobs[id]
		c.observe(j)
		e := map[string]any{
			"jid": j.id, "name": j.name, "state": j.state,
			"start-time": j.start, "end-time": j.end, "duration": c.duration(j),
			"last-modification": j.lastMod, "tasks": taskCounts(j, true, true),
		}
		if c.version.AtLeast(2, 0) {
			e["pending-operators"] = 0
		}
		if c.version.AtLeast(2, 3) {
			e["jobType"], e["schedulerType"] = "STREAMING", "Default"
		}
		list = append(list, e)
	}
	return reply(http.StatusOK, map[string]any{"jobs": list})
}

// handleJob answers GET /jobs/:jobid with JobDetailsInfo.
func (c *Cluster) handleJob(req *request) response {
	id, j, bad := c.jobParam(req)
	if bad != nil {
		return *bad
	}
	if j == nil {
		return jobNotFound(id)
	}
	c.observe(j)
	ts := map[string]int64{}
	for _, s := range allJobStatuses {
		ts[string(s)] = j.timestamps[s]
	}
	vertexID := j.id[16:] + j.id[:16] // any stable 32-hex id will do
	vertex := map[string]any{
		"id": vertexID, "name": "Source: " + j.name, "parallelism": j.parallelism,
		"status": taskState(j.state), "start-time": j.start, "end-time": j.end,
		"duration": c.duration(j), "tasks": taskCounts(j, false, false),
		"metrics": map[string]any{
			"read-bytes": 0, "read-bytes-complete": true, "write-bytes": 0, "write-bytes-complete": true,
			"read-records": 0, "read-records-complete": true, "write-records": 0, "write-records-complete": true,
		},
	}
	statusCounts := map[string]int{}
	for _, s := range executionStates {
		statusCounts[s] = 0
	}
	statusCounts[taskState(j.state)] = 1
	out := map[string]any{
		"jid": j.id, "name": j.name, "isStoppable": false, "state": j.state,
		"start-time": j.start, "end-time": j.end, "duration": c.duration(j), "now": c.nowMillis(),
		"timestamps": ts, "vertices": []any{vertex}, "status-counts": statusCounts,
		"plan": map[string]any{"jid": j.id, "name": j.name, "type": "STREAMING", "nodes": []any{
			map[string]any{"id": vertexID, "parallelism": j.parallelism, "operator": "", "description": j.name},
		}},
	}
	if c.version.AtLeast(1, 15) {
		out["maxParallelism"] = -1
		vertex["maxParallelism"] = 128
	}
	// The fields below were seen on real Flink 1.20.5, 2.2.1 and 2.3.0
	// (testdata/real); where they first appeared before that is unverified.
	if c.version.AtLeast(1, 20) {
		vertex["slotSharingGroupId"] = fmt.Sprintf("%032x", 1)
		out["job-type"] = "STREAMING"
		metrics := vertex["metrics"].(map[string]any)
		for _, k := range []string{"accumulated-backpressured-time", "accumulated-idle-time", "accumulated-busy-time"} {
			metrics[k] = 0
		}
	}
	if c.version.AtLeast(2, 2) {
		out["pending-operators"] = 0
	}
	if c.version.AtLeast(2, 3) {
		// 2.3 runs every job inside an application; one submitted alone
		// gets an application id equal to its job id.
		out["application-id"] = j.id
		out["schedulerType"] = "Default"
	}
	return reply(http.StatusOK, out)
}

// handleCancel answers PATCH /jobs/:jobid?mode=cancel.
func (c *Cluster) handleCancel(req *request) response {
	switch mode := req.query.Get("mode"); mode {
	case "", "cancel":
	case "stop":
		return errorResponse(http.StatusPermanentRedirect,
			`The termination mode "stop" has been removed. For an ungraceful shutdown, please use "cancel" instead. For a graceful shutdown, please use "jobs/:jobId/stop" instead.`)
	default:
		return errorResponse(http.StatusBadRequest, fmt.Sprintf("Bad request, could not parse parameters: invalid termination mode %q.", mode))
	}
	if c.decodeBody(req, nil) != nil {
		return c.badFormat("EmptyRequestBody")
	}
	id, j, bad := c.jobParam(req)
	if bad != nil {
		return *bad
	}
	const notFound = "Job could not be found."
	switch {
	case j == nil:
		return errorResponse(http.StatusNotFound, notFound)
	case j.state == flinkrest.JobCancelling:
		return reply(http.StatusAccepted, map[string]any{})
	case j.state.IsGloballyTerminal() && !c.version.CancelTerminalIsConflict():
		// Up to 1.14 only running jobs could be found for cancellation.
		return errorResponse(http.StatusNotFound, notFound)
	case j.state == flinkrest.JobCanceled:
		// 1.15+ (FLINK-24275): cancelling a cancelled job is idempotent.
		return reply(http.StatusAccepted, map[string]any{})
	case j.state.IsGloballyTerminal():
		return errorResponse(http.StatusConflict,
			fmt.Sprintf("Flink job (%s) was not canceled, but instead %s.", id, j.state))
	}
	c.cancel(j)
	return reply(http.StatusAccepted, map[string]any{})
}
