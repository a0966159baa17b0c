package fakejm_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flinkops/flink-operator/internal/testing/fakejm"
	"github.com/flinkops/flink-operator/reconciler/flinkrest"
)

func TestSavepointCompletesAfterConfiguredPolls(t *testing.T) {
	c, r, id := start(t, "v1_15")
	c.SetOperationBehavior(fakejm.OperationBehavior{PendingPolls: 2})
	code, body := r.do(http.MethodPost, "/jobs/"+id+"/savepoints", `{"target-directory":"s3://b/sp/","cancel-job":true}`)
	require.Equal(t, http.StatusAccepted, code)
	reqID := body["request-id"].(string)

	for range 2 {
		code, body = r.get("/jobs/" + id + "/savepoints/" + reqID)
		require.Equal(t, http.StatusOK, code)
		assert.Equal(t, map[string]any{"status": map[string]any{"id": "IN_PROGRESS"}, "operation": nil}, body)
	}
	_, body = r.get("/jobs/" + id + "/savepoints/" + reqID)
	assert.Equal(t, map[string]any{"id": "COMPLETED"}, body["status"])
	op := body["operation"].(map[string]any)
	assert.Equal(t, []string{"location"}, keys(op), "exactly one of location / failure-cause")
	assert.Regexp(t, "^s3://b/sp/savepoint-"+id[:6]+"-[0-9a-f]{12}$", op["location"])

	st, _ := c.JobState(id)
	assert.Equal(t, flinkrest.JobCanceled, st)
	cnt := c.Counters()
	assert.Equal(t, 1, cnt.SavepointTriggers)
	assert.Equal(t, 1, cnt.SavepointsCompleted)
	assert.Equal(t, 3, cnt.Requests["GET /jobs/:jobid/savepoints/:triggerid"])
}

func TestFailedOperationShape(t *testing.T) {
	c, r, id := start(t, "v1_20", fakejm.WithDefaultSavepointDir("/sp"))
	c.SetOperationBehavior(fakejm.OperationBehavior{PendingPolls: fakejm.Forever})
	_, body := r.do(http.MethodPost, "/jobs/"+id+"/stop", `{}`)
	reqID := body["request-id"].(string)
	require.NoError(t, c.FailOperation(reqID, "declined"))
	assert.Error(t, c.FailOperation(reqID, "again"), "already completed")

	_, body = r.get("/jobs/" + id + "/savepoints/" + reqID)
	cause := body["operation"].(map[string]any)["failure-cause"].(map[string]any)
	assert.Equal(t, []string{"class", "serialized-throwable", "stack-trace"}, keys(cause))
	assert.Contains(t, cause["stack-trace"], "CheckpointException: declined")
	st, _ := c.JobState(id)
	assert.Equal(t, flinkrest.JobRunning, st)
}

func TestClientTriggerIDDeduplicates(t *testing.T) {
	const tid = "0123456789abcdef0123456789abcdef"
	c, r, id := start(t, "v1_15")
	for range 3 {
		code, body := r.do(http.MethodPost, "/jobs/"+id+"/savepoints", `{"target-directory":"/sp","triggerId":"`+tid+`"}`)
		require.Equal(t, http.StatusAccepted, code)
		assert.Equal(t, tid, body["request-id"])
	}
	assert.Equal(t, 1, c.Counters().SavepointTriggers)
	assert.Equal(t, []string{tid}, c.PendingOperations())

	// Without a trigger id every POST is a new savepoint.
	for range 2 {
		r.do(http.MethodPost, "/jobs/"+id+"/savepoints", `{"target-directory":"/sp"}`)
	}
	assert.Equal(t, 3, c.Counters().SavepointTriggers)
}

func TestCancelTransitionsAndTerminalAnswers(t *testing.T) {
	c, r, id := start(t, "v1_15")
	c.SetCancelReads(2)
	code, _ := r.do(http.MethodPatch, "/jobs/"+id+"?mode=cancel", "")
	require.Equal(t, http.StatusAccepted, code)
	for _, want := range []string{"CANCELLING", "CANCELLING", "CANCELED", "CANCELED"} {
		_, body := r.get("/jobs/" + id)
		assert.Equal(t, want, body["state"])
	}
	code, _ = r.do(http.MethodPatch, "/jobs/"+id+"?mode=cancel", "")
	assert.Equal(t, http.StatusAccepted, code, "1.15+: cancelling a cancelled job is idempotent")

	require.NoError(t, c.SetJobState(id, flinkrest.JobFailed))
	code, body := r.do(http.MethodPatch, "/jobs/"+id+"?mode=cancel", "")
	assert.Equal(t, http.StatusConflict, code)
	assert.NotEmpty(t, errorsOf(body))
	assert.Equal(t, 1, c.Counters().Cancels)

	c13, r13, id13 := start(t, "v1_13")
	require.NoError(t, c13.SetJobState(id13, flinkrest.JobFinished))
	code, body = r13.do(http.MethodPatch, "/jobs/"+id13, "")
	assert.Equal(t, http.StatusNotFound, code)
	assert.Equal(t, []any{"Job could not be found."}, errorsOf(body))
}

func TestSettleJobsAndZeroCancelReads(t *testing.T) {
	c, r, id := start(t, "v1_20")
	r.do(http.MethodPatch, "/jobs/"+id, "")
	c.SettleJobs()
	st, _ := c.JobState(id)
	assert.Equal(t, flinkrest.JobCanceled, st)

	id2, err := c.AddJob(fakejm.JobSpec{})
	require.NoError(t, err)
	c.SetCancelReads(0)
	r.do(http.MethodPatch, "/jobs/"+id2, "")
	st, _ = c.JobState(id2)
	assert.Equal(t, flinkrest.JobCanceled, st)
}

func TestAddJobValidation(t *testing.T) {
	c, err := fakejm.NewCluster("v1_20")
	require.NoError(t, err)
	_, err = c.AddJob(fakejm.JobSpec{ID: "XYZ"})
	assert.Error(t, err)
	id, err := c.AddJob(fakejm.JobSpec{})
	require.NoError(t, err)
	_, err = c.AddJob(fakejm.JobSpec{ID: id})
	assert.Error(t, err)
	_, err = c.AddJob(fakejm.JobSpec{State: "RUNNIN"})
	assert.Error(t, err)
	_, err = fakejm.NewCluster("v1_12")
	assert.ErrorIs(t, err, flinkrest.ErrUnsupported)
}

func TestSeedMakesIDsDeterministic(t *testing.T) {
	a, _ := fakejm.NewCluster("v1_20", fakejm.WithSeed(7))
	b, _ := fakejm.NewCluster("v1_20", fakejm.WithSeed(7))
	ida, _ := a.AddJob(fakejm.JobSpec{})
	idb, _ := b.AddJob(fakejm.JobSpec{})
	assert.Equal(t, ida, idb)
	assert.Regexp(t, "^[0-9a-f]{32}$", ida)
}

func TestOperationsRecordTheRequestedFormat(t *testing.T) {
	const tid = "0123456789abcdef0123456789abcdef"
	c, r, id := start(t, "v1_15", fakejm.WithDefaultSavepointDir("/sp"))
	c.SetOperationBehavior(fakejm.OperationBehavior{PendingPolls: fakejm.Forever})
	for range 2 { // the repeated trigger id is the same operation
		code, _ := r.do(http.MethodPost, "/jobs/"+id+"/savepoints", `{"target-directory":"/other","formatType":"NATIVE","triggerId":"`+tid+`"}`)
		require.Equal(t, http.StatusAccepted, code)
	}
	code, body := r.do(http.MethodPost, "/jobs/"+id+"/stop", `{"drain":false}`)
	require.Equal(t, http.StatusAccepted, code)
	stopID := body["request-id"].(string)
	code, _ = r.do(http.MethodPost, "/jobs/"+id+"/savepoints", `{"formatType":"native"}`)
	assert.Equal(t, http.StatusBadRequest, code, "Flink's enum is upper case on the wire")
	require.NoError(t, c.CompleteOperation(stopID))

	ops := c.Operations()
	require.Len(t, ops, 2)
	assert.Equal(t, fakejm.Operation{RequestID: tid, JobID: id, TargetDirectory: "/other", FormatType: "NATIVE"}, ops[0])
	assert.True(t, ops[1].Stop)
	assert.Empty(t, ops[1].FormatType, "none sent: Flink takes CANONICAL")
	assert.Equal(t, "/sp", ops[1].TargetDirectory)
	assert.True(t, ops[1].Done)
	assert.Regexp(t, "^/sp/savepoint-", ops[1].Location)

	c14, r14, id14 := start(t, "v1_14", fakejm.WithDefaultSavepointDir("/sp"))
	code, _ = r14.do(http.MethodPost, "/jobs/"+id14+"/savepoints", `{"formatType":"CANONICAL"}`)
	assert.Equal(t, http.StatusBadRequest, code, "unknown before 1.15")
	code, _ = r14.do(http.MethodPost, "/jobs/"+id14+"/savepoints", `{}`)
	require.Equal(t, http.StatusAccepted, code)
	require.Len(t, c14.Operations(), 1)
	assert.Empty(t, c14.Operations()[0].FormatType)
}
