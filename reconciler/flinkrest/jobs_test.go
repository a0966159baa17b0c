package flinkrest_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flinkops/flink-operator/reconciler/flinkrest"
)

func TestCancelGoesThroughCancelling(t *testing.T) {
	for _, v := range testedVersions {
		t.Run(v, func(t *testing.T) {
			e := newEnv(t, v)
			ctx := context.Background()
			require.NoError(t, e.client.CancelJob(ctx, e.jobID))
			assert.Equal(t, "cancel", e.fake.RequestsTo("PATCH /jobs/:jobid")[0].Query.Get("mode"))

			job, err := e.client.GetJob(ctx, e.jobID)
			require.NoError(t, err)
			assert.Equal(t, flinkrest.JobCancelling, job.State)
			assert.False(t, job.State.IsGloballyTerminal())

			job, err = e.client.GetJob(ctx, e.jobID)
			require.NoError(t, err)
			assert.Equal(t, flinkrest.JobCanceled, job.State)
			assert.True(t, job.State.IsGloballyTerminal())
		})
	}
}

func TestCancelTerminalJobPerVersion(t *testing.T) {
	for v, conflict := range map[string]bool{"v1_13": false, "v1_15": true, "v2_1": true} {
		t.Run(v, func(t *testing.T) {
			e := newEnv(t, v)
			require.NoError(t, e.fake.SetJobState(e.jobID, flinkrest.JobFinished))
			err := e.client.CancelJob(context.Background(), e.jobID)
			require.Error(t, err)
			assert.Equal(t, conflict, flinkrest.IsConflict(err), err.Error())
			assert.Equal(t, !conflict, flinkrest.IsNotFound(err), err.Error())
		})
	}
}

func TestJobTransitionsToFailed(t *testing.T) {
	e := newEnv(t, "v1_20")
	ctx := context.Background()
	require.NoError(t, e.fake.FailJob(e.jobID, "java.lang.IllegalStateException", "boom"))
	job, err := e.client.GetJob(ctx, e.jobID)
	require.NoError(t, err)
	assert.Equal(t, flinkrest.JobFailed, job.State)
	assert.NotZero(t, job.Timestamps[flinkrest.JobFailed])

	// A savepoint on a failed job is accepted and reported as failed: the
	// dispatcher no longer knows the job (as real Flink answers).
	reqID, err := e.client.TriggerSavepoint(ctx, e.jobID, flinkrest.SavepointRequest{TargetDirectory: savepointDir})
	require.NoError(t, err)
	st, err := e.client.GetSavepointStatus(ctx, e.jobID, reqID)
	require.NoError(t, err)
	require.NotNil(t, st.FailureCause)
	assert.Contains(t, st.FailureCause.Summary(), "FlinkJobNotFoundException")
}
