package flinkrest_test

import (
	"context"
	"net/http"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flinkops/flink-operator/internal/testing/fakejm"
	"github.com/flinkops/flink-operator/reconciler/flinkrest"
)

func savepointPattern(dir, jobID string) *regexp.Regexp {
	return regexp.MustCompile("^" + regexp.QuoteMeta(dir+"/savepoint-"+jobID[:6]+"-") + "[0-9a-f]{12}$")
}

func TestSavepointFlowPerVersion(t *testing.T) {
	for _, v := range testedVersions {
		t.Run(v, func(t *testing.T) {
			e := newEnv(t, v)
			ctx := context.Background()
			reqID, err := e.client.TriggerSavepoint(ctx, e.jobID, flinkrest.SavepointRequest{TargetDirectory: savepointDir})
			require.NoError(t, err)
			assert.True(t, flinkrest.IsFlinkID(reqID), reqID)

			st, err := e.client.GetSavepointStatus(ctx, e.jobID, reqID)
			require.NoError(t, err)
			assert.Equal(t, flinkrest.OperationInProgress, st.State)
			assert.False(t, st.Completed())

			st, err = e.client.GetSavepointStatus(ctx, e.jobID, reqID)
			require.NoError(t, err)
			require.True(t, st.Succeeded(), "%+v", st)
			assert.Regexp(t, savepointPattern(savepointDir, e.jobID), st.Location)
			assert.Nil(t, st.FailureCause)

			job, err := e.client.GetJob(ctx, e.jobID)
			require.NoError(t, err)
			assert.Equal(t, flinkrest.JobRunning, job.State, "a plain savepoint leaves the job running")

			// The request shape matches the version.
			reqs := e.fake.RequestsTo("POST /jobs/:jobid/savepoints")
			require.Len(t, reqs, 1)
			body := decodeBody(t, reqs[0].Body)
			assert.Equal(t, savepointDir, body["target-directory"])
			assert.Equal(t, false, body["cancel-job"])
			if e.client.Version().SupportsTriggerID() {
				assert.Equal(t, "CANONICAL", body["formatType"])
				assert.Equal(t, reqID, body["triggerId"], "Flink answers with the client's trigger id")
			} else {
				assert.NotContains(t, body, "formatType")
				assert.NotContains(t, body, "triggerId")
			}
		})
	}
}

func TestSavepointWithCancelJobEndsCanceled(t *testing.T) {
	for _, v := range testedVersions {
		t.Run(v, func(t *testing.T) {
			e := newEnv(t, v)
			e.fake.SetOperationBehavior(fakejm.OperationBehavior{PendingPolls: 0})
			ctx := context.Background()
			reqID, err := e.client.TriggerSavepoint(ctx, e.jobID, flinkrest.SavepointRequest{TargetDirectory: savepointDir, CancelJob: true})
			require.NoError(t, err)
			st, err := e.client.GetSavepointStatus(ctx, e.jobID, reqID)
			require.NoError(t, err)
			require.True(t, st.Succeeded())
			job, err := e.client.GetJob(ctx, e.jobID)
			require.NoError(t, err)
			assert.Equal(t, flinkrest.JobCanceled, job.State)
			assert.NotEqual(t, int64(-1), job.EndTime)
		})
	}
}

func TestStopWithSavepointPerVersion(t *testing.T) {
	for _, v := range testedVersions {
		t.Run(v, func(t *testing.T) {
			e := newEnv(t, v, fakejm.WithDefaultSavepointDir("file:/flink-data/savepoints"))
			ctx := context.Background()
			reqID, err := e.client.StopWithSavepoint(ctx, e.jobID, flinkrest.StopRequest{Drain: true})
			require.NoError(t, err)

			st, err := e.client.GetSavepointStatus(ctx, e.jobID, reqID)
			require.NoError(t, err)
			assert.Equal(t, flinkrest.OperationInProgress, st.State)
			st, err = e.client.GetSavepointStatus(ctx, e.jobID, reqID)
			require.NoError(t, err)
			require.True(t, st.Succeeded())
			assert.Regexp(t, savepointPattern("file:/flink-data/savepoints", e.jobID), st.Location)

			job, err := e.client.GetJob(ctx, e.jobID)
			require.NoError(t, err)
			assert.Equal(t, flinkrest.JobFinished, job.State)

			body := decodeBody(t, e.fake.RequestsTo("POST /jobs/:jobid/stop")[0].Body)
			assert.Equal(t, true, body["drain"])
			assert.NotContains(t, body, "targetDirectory", "empty directory means the cluster default")
			assert.Equal(t, e.client.Version().SupportsTriggerID(), body["triggerId"] != nil)
			assert.Equal(t, 1, e.fake.Counters().StopTriggers)
		})
	}
}

func TestSavepointFailureIsStatusNotError(t *testing.T) {
	for _, v := range testedVersions {
		t.Run(v, func(t *testing.T) {
			e := newEnv(t, v)
			e.fake.SetOperationBehavior(fakejm.OperationBehavior{PendingPolls: 0, Fail: true, FailureMessage: "Checkpoint was declined (tasks not ready)."})
			ctx := context.Background()
			reqID, err := e.client.StopWithSavepoint(ctx, e.jobID, flinkrest.StopRequest{TargetDirectory: savepointDir})
			require.NoError(t, err)
			st, err := e.client.GetSavepointStatus(ctx, e.jobID, reqID)
			require.NoError(t, err)
			assert.True(t, st.Completed())
			assert.False(t, st.Succeeded())
			require.NotNil(t, st.FailureCause)
			assert.Empty(t, st.Location)
			assert.Equal(t, "java.util.concurrent.CompletionException", st.FailureCause.Class)
			assert.Contains(t, st.FailureCause.Summary(), "Checkpoint was declined (tasks not ready).")
			assert.NotEmpty(t, st.FailureCause.SerializedThrowable)

			job, err := e.client.GetJob(ctx, e.jobID)
			require.NoError(t, err)
			assert.Equal(t, flinkrest.JobRunning, job.State, "a failed stop leaves the job running")
			assert.Equal(t, 1, e.fake.Counters().SavepointsFailed)
		})
	}
}

func TestSavepointThatNeverCompletes(t *testing.T) {
	e := newEnv(t, "v1_20")
	e.fake.SetOperationBehavior(fakejm.OperationBehavior{PendingPolls: fakejm.Forever})
	ctx := context.Background()
	reqID, err := e.client.TriggerSavepoint(ctx, e.jobID, flinkrest.SavepointRequest{TargetDirectory: savepointDir})
	require.NoError(t, err)
	for range 20 {
		st, err := e.client.GetSavepointStatus(ctx, e.jobID, reqID)
		require.NoError(t, err)
		require.Equal(t, flinkrest.OperationInProgress, st.State)
	}
	assert.Equal(t, []string{reqID}, e.fake.PendingOperations())

	require.NoError(t, e.fake.CompleteOperation(reqID))
	st, err := e.client.GetSavepointStatus(ctx, e.jobID, reqID)
	require.NoError(t, err)
	assert.True(t, st.Succeeded())
	assert.Empty(t, e.fake.PendingOperations())
}

func TestUnknownTriggerIsNotFound(t *testing.T) {
	e := newEnv(t, "v1_20")
	_, err := e.client.GetSavepointStatus(context.Background(), e.jobID, "0123456789abcdef0123456789abcdef")
	assert.True(t, flinkrest.IsNotFound(err))
}

func TestTriggerIDMakesTriggerIdempotent(t *testing.T) {
	for _, v := range []string{"v1_15", "v1_20", "v2_1"} {
		t.Run(v, func(t *testing.T) {
			e := newEnv(t, v)
			ctx := context.Background()
			tid, err := flinkrest.NewTriggerID()
			require.NoError(t, err)
			req := flinkrest.SavepointRequest{TargetDirectory: savepointDir, TriggerID: tid, FormatType: flinkrest.SavepointFormatNative}
			first, err := e.client.TriggerSavepoint(ctx, e.jobID, req)
			require.NoError(t, err)
			second, err := e.client.TriggerSavepoint(ctx, e.jobID, req)
			require.NoError(t, err)
			assert.Equal(t, tid, first)
			assert.Equal(t, first, second)
			assert.Equal(t, 1, e.fake.Counters().SavepointTriggers)
			assert.Equal(t, "NATIVE", decodeBody(t, e.fake.RequestsTo("POST /jobs/:jobid/savepoints")[0].Body)["formatType"])
		})
	}
}

func TestTriggerRetriedAfterLostResponseTakesOneSavepoint(t *testing.T) {
	e := newEnv(t, "v1_20")
	e.fake.InjectFault(fakejm.Fault{Route: "POST /jobs/:jobid/stop", DropResponse: true, Times: 1})
	ctx := context.Background()
	reqID, err := e.client.StopWithSavepoint(ctx, e.jobID, flinkrest.StopRequest{TargetDirectory: savepointDir})
	require.NoError(t, err)
	c := e.fake.Counters()
	assert.Equal(t, 2, c.Requests["POST /jobs/:jobid/stop"])
	assert.Equal(t, 1, c.StopTriggers, "the retry hit the same operation")
	assert.Equal(t, []string{reqID}, e.fake.PendingOperations())
}

func TestTriggerWithoutTriggerIDIsNotRetried(t *testing.T) {
	e := newEnv(t, "v1_13")
	e.fake.InjectFault(fakejm.Fault{Route: "POST /jobs/:jobid/savepoints", Status: http.StatusServiceUnavailable, Times: 1})
	_, err := e.client.TriggerSavepoint(context.Background(), e.jobID, flinkrest.SavepointRequest{TargetDirectory: savepointDir})
	require.Error(t, err)
	assert.True(t, flinkrest.IsUnavailable(err))
	assert.Equal(t, 1, e.fake.Counters().Requests["POST /jobs/:jobid/savepoints"])
	assert.Equal(t, 0, e.fake.Counters().SavepointTriggers)
}

func TestTriggerIDRefusedBefore115(t *testing.T) {
	e := newEnv(t, "v1_13")
	ctx := context.Background()
	_, err := e.client.TriggerSavepoint(ctx, e.jobID, flinkrest.SavepointRequest{TargetDirectory: savepointDir, TriggerID: "0123456789abcdef0123456789abcdef"})
	assert.ErrorIs(t, err, flinkrest.ErrUnsupported)
	_, err = e.client.StopWithSavepoint(ctx, e.jobID, flinkrest.StopRequest{TargetDirectory: savepointDir, FormatType: flinkrest.SavepointFormatNative})
	assert.ErrorIs(t, err, flinkrest.ErrUnsupported)
	assert.Empty(t, e.fake.Requests(), "nothing was sent")
}

func TestMalformedTriggerOptionsAreRefusedLocally(t *testing.T) {
	e := newEnv(t, "v1_20")
	ctx := context.Background()
	_, err := e.client.TriggerSavepoint(ctx, e.jobID, flinkrest.SavepointRequest{TriggerID: "not-hex"})
	assert.ErrorContains(t, err, `triggerId "not-hex"`)
	_, err = e.client.TriggerSavepoint(ctx, e.jobID, flinkrest.SavepointRequest{FormatType: "FAST"})
	assert.ErrorContains(t, err, `formatType "FAST"`)
	assert.Empty(t, e.fake.Requests())
}

func TestStrictParsingRejectsNewerShape(t *testing.T) {
	// A client that believes the cluster is 1.15 talks to a 1.13 cluster:
	// Flink's strict parser rejects formatType/triggerId.
	fake, ep := fakejm.Start(t, "v1_13")
	jobID, err := fake.AddJob(fakejm.JobSpec{})
	require.NoError(t, err)
	client := flinkrest.New(ep.URL, "v1_15")

	_, err = client.TriggerSavepoint(context.Background(), jobID, flinkrest.SavepointRequest{TargetDirectory: savepointDir})
	require.Error(t, err)
	assert.True(t, flinkrest.IsBadRequest(err))
	assert.Equal(t, "flink REST POST /jobs/"+jobID+"/savepoints: 400: Request did not match expected format SavepointTriggerRequestBody.", err.Error())
	assert.Equal(t, 1, fake.Counters().Requests["POST /jobs/:jobid/savepoints"], "400 is not retried")

	_, err = client.StopWithSavepoint(context.Background(), jobID, flinkrest.StopRequest{TargetDirectory: savepointDir})
	assert.Equal(t, "flink REST POST /jobs/"+jobID+"/stop: 400: Request did not match expected format StopWithSavepointRequestBody.", err.Error())
	assert.Equal(t, 0, fake.Counters().SavepointTriggers+fake.Counters().StopTriggers)
}

func TestMissingTargetDirectoryNamesVersionKey(t *testing.T) {
	for v, key := range map[string]string{
		"v1_13": "state.savepoints.dir",
		"v1_15": "state.savepoints.dir",
		"v1_20": "execution.checkpointing.savepoint-dir",
		"v2_1":  "execution.checkpointing.savepoint-dir",
	} {
		t.Run(v, func(t *testing.T) {
			e := newEnv(t, v)
			_, err := e.client.TriggerSavepoint(context.Background(), e.jobID, flinkrest.SavepointRequest{})
			require.Error(t, err)
			assert.True(t, flinkrest.IsBadRequest(err))
			assert.Contains(t, err.Error(), "Config key ["+key+"] is not set. Property [target-directory] must be provided.")
		})
	}
}
