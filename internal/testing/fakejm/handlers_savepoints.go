package fakejm

import (
	"fmt"
	"net/http"

	"github.com/flinkops/flink-operator/reconciler/flinkrest"
)

// asyncFields are the 1.15+ fields shared by savepoint and stop bodies.
type asyncFields struct {
	format  *string
	trigger *string
}

// add registers the version's optional fields; up to 1.14 they are unknown
// and therefore refused (see decodeBody).
func (a *asyncFields) add(c *Cluster, fields map[string]any) {
	if c.version.SupportsTriggerID() {
		fields["formatType"] = &a.format
		fields["triggerId"] = &a.trigger
	}
}

func (a *asyncFields) valid() bool {
	if a.format != nil && *a.format != string(flinkrest.SavepointFormatCanonical) && *a.format != string(flinkrest.SavepointFormatNative) {
		return false
	}
	return a.trigger == nil || flinkrest.IsFlinkID(*a.trigger)
}

// targetDir picks the requested or default directory, or the 400 Flink
// gives when neither exists; property is the body's field name.
func (c *Cluster) targetDir(requested *string, property string) (string, *response) {
	if dir := deref(requested); dir != "" {
		return dir, nil
	}
	if c.savepointDir != "" {
		return c.savepointDir, nil
	}
	r := c.handlerError(http.StatusBadRequest, fmt.Sprintf(
		"Config key [%s] is not set. Property [%s] must be provided.", c.version.SavepointDirKey(), property))
	return "", &r
}

// handleSavepoint answers POST /jobs/:jobid/savepoints.
func (c *Cluster) handleSavepoint(req *request) response {
	id, _, bad := c.jobParam(req)
	if bad != nil {
		return *bad
	}
	var dir *string
	var cancelJob *bool
	var async asyncFields
	fields := map[string]any{"target-directory": &dir, "cancel-job": &cancelJob}
	async.add(c, fields)
	if c.decodeBody(req, fields) != nil || !async.valid() {
		return c.badFormat("SavepointTriggerRequestBody")
	}
	target, bad := c.targetDir(dir, "target-directory")
	if bad != nil {
		return *bad
	}
	op := &operation{kind: opSavepoint, jobID: id, dir: target, cancelJob: deref(cancelJob), format: deref(async.format)}
	return reply(http.StatusAccepted, map[string]any{"request-id": c.startOperation(op, deref(async.trigger))})
}

// handleStop answers POST /jobs/:jobid/stop. Note the camelCase
// targetDirectory, unlike the savepoint body.
func (c *Cluster) handleStop(req *request) response {
	id, _, bad := c.jobParam(req)
	if bad != nil {
		return *bad
	}
	var dir *string
	var drain *bool
	var async asyncFields
	fields := map[string]any{"targetDirectory": &dir, "drain": &drain}
	async.add(c, fields)
	if c.decodeBody(req, fields) != nil || !async.valid() {
		return c.badFormat("StopWithSavepointRequestBody")
	}
	target, bad := c.targetDir(dir, "targetDirectory")
	if bad != nil {
		return *bad
	}
	op := &operation{kind: opStop, jobID: id, dir: target, format: deref(async.format)}
	return reply(http.StatusAccepted, map[string]any{"request-id": c.startOperation(op, deref(async.trigger))})
}

// handleSavepointStatus answers GET /jobs/:jobid/savepoints/:triggerid for
// savepoints and stops alike.
func (c *Cluster) handleSavepointStatus(req *request) response {
	id, _, bad := c.jobParam(req)
	if bad != nil {
		return *bad
	}
	tid := req.params["triggerid"]
	if !flinkrest.IsFlinkID(tid) {
		return errorResponse(http.StatusBadRequest,
			fmt.Sprintf("Bad request, could not parse parameters: Cannot resolve path parameter (triggerid) from value %q.", tid))
	}
	op, found := c.ops[opKey{id, tid}]
	if !found {
		// As real Flink 1.20, 2.2 and 2.3 answer an unknown trigger id.
		return errorResponse(http.StatusNotFound, stackTrace("org.apache.flink.runtime.rest.handler.RestHandlerException",
			fmt.Sprintf("There is no savepoint operation with triggerId=%s for job %s.", tid, id)))
	}
	return reply(http.StatusOK, c.poll(op))
}
