package fakejm

import (
	"net/http"
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
		return errorResponse(http.StatusNotFound, "Checkpointing has not been enabled.")
	}
	return reply(http.StatusOK, c.checkpointStats(j))
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
