package fakejm

import (
	"fmt"
	"math"
	"net/http"

	"github.com/flinkops/flink-operator/reconciler/flinkrest"
)

// handleCheckpoints answers GET /jobs/:jobid/checkpoints.
func (c *Cluster) handleCheckpoints(req *request) response {
	id, j, bad := c.jobParam(req)
	if bad != nil {
		return *bad
	}
	switch {
	case j == nil:
		return jobNotFound(id)
	case !j.checkpointing:
		return c.handlerError(http.StatusNotFound, "Checkpointing has not been enabled.")
	}
	return reply(http.StatusOK, c.checkpointStats(j))
}

// handleCheckpointConfig answers GET /jobs/:jobid/checkpoints/config as real
// 1.20.5, 2.2.1 and 2.3.0 did (testdata/real/*/checkpoint-config.json):
// the same keys in all three, each job's own interval and retention, the
// rest at Flink's defaults with a file system checkpoint storage. A job
// without periodic checkpoints still answers, with interval Long.MAX_VALUE
// and mode at_least_once; only a job without a checkpoint coordinator gets
// the 404. Before 1.20 the keys are unverified: the fake leaves out those
// of features that came later (unaligned-checkpoint timeouts in 1.14 with
// checkpoints after tasks finish, the changelog in 1.15).
func (c *Cluster) handleCheckpointConfig(req *request) response {
	id, j, bad := c.jobParam(req)
	if bad != nil {
		return *bad
	}
	switch {
	case j == nil:
		return jobNotFound(id)
	case !j.checkpointing:
		return c.handlerError(http.StatusNotFound, fmt.Sprintf("Checkpointing is not enabled for this job (%s).", id))
	}
	mode := "exactly_once"
	if j.interval == math.MaxInt64 {
		// Flink turns a job without periodic checkpoints to
		// at-least-once: it has no alignment to do.
		mode = "at_least_once"
	}
	out := map[string]any{
		"mode":           mode,
		"interval":       j.interval,
		"timeout":        600000,
		"min_pause":      0,
		"max_concurrent": 1,
		"externalization": map[string]any{
			"enabled":                j.retention != flinkrest.NoExternalizedCheckpoints,
			"delete_on_cancellation": j.retention != flinkrest.RetainOnCancellation,
		},
		"state_backend":                "HashMapStateBackend",
		"checkpoint_storage":           "FileSystemCheckpointStorage",
		"unaligned_checkpoints":        false,
		"tolerable_failed_checkpoints": 0,
	}
	if c.version.AtLeast(1, 14) {
		out["aligned_checkpoint_timeout"] = 0
		out["checkpoints_after_tasks_finish"] = true
	}
	if c.version.AtLeast(1, 15) {
		out["state_changelog_enabled"] = false
		out["changelog_periodic_materialization_interval"] = 600000
		out["changelog_storage"] = "memory"
	}
	return reply(http.StatusOK, out)
}

// handleExceptions answers GET /jobs/:jobid/exceptions.
func (c *Cluster) handleExceptions(req *request) response {
	id, j, bad := c.jobParam(req)
	if bad != nil {
		return *bad
	}
	if j == nil {
		return jobNotFound(id)
	}
	out, err := c.exceptionsJSON(j, req.query)
	if err != nil {
		return errorResponse(http.StatusBadRequest, "Bad request, could not parse parameters: "+err.Error())
	}
	return reply(http.StatusOK, out)
}
