package flinkrest_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flinkops/flink-operator/internal/testing/fakejm"
	"github.com/flinkops/flink-operator/reconciler/flinkrest"
)

func TestCheckpointsAgainstFake(t *testing.T) {
	const restoredFrom = "s3://bucket/savepoints/savepoint-aaaaaa-111111111111"
	for _, v := range append([]string{"v1_14"}, testedVersions...) {
		t.Run(v, func(t *testing.T) {
			fake, ep := fakejm.Start(t, v)
			jobID, err := fake.AddJob(fakejm.JobSpec{RestoredFrom: restoredFrom, RestoredCheckpointID: 7})
			require.NoError(t, err)
			client := flinkrest.New(ep.URL, v)
			ctx := context.Background()

			stats, err := client.GetCheckpoints(ctx, jobID)
			require.NoError(t, err)
			ref, ok := stats.LatestCompleted()
			require.True(t, ok)
			assert.Equal(t, flinkrest.CheckpointRef{ID: 7, ExternalPath: restoredFrom, IsSavepoint: true, Source: "restored"}, ref)

			cpID, err := fake.AddCheckpoint(jobID, fakejm.CheckpointSpec{})
			require.NoError(t, err)
			assert.Equal(t, int64(8), cpID, "ids continue after the restored one")
			stats, err = client.GetCheckpoints(ctx, jobID)
			require.NoError(t, err)
			require.NotNil(t, stats.Latest.Completed)
			assert.Equal(t, flinkrest.CheckpointKindCompleted, stats.Latest.Completed.Kind, "discriminator decoded")
			path, ok := stats.LatestRestorablePath()
			require.True(t, ok)
			assert.Equal(t, "file:/flink-data/checkpoints/"+jobID+"/chk-8", path)

			fake.SetOperationBehavior(fakejm.OperationBehavior{PendingPolls: 0})
			reqID, err := client.TriggerSavepoint(ctx, jobID, flinkrest.SavepointRequest{TargetDirectory: savepointDir})
			require.NoError(t, err)
			st, err := client.GetSavepointStatus(ctx, jobID, reqID)
			require.NoError(t, err)
			stats, err = client.GetCheckpoints(ctx, jobID)
			require.NoError(t, err)
			ref, _ = stats.LatestCompleted()
			assert.Equal(t, "savepoint", ref.Source)
			assert.Equal(t, st.Location, ref.ExternalPath)
			assert.Equal(t, 3, stats.Counts.Completed+stats.Counts.Restored)

			_, err = fake.AddCheckpoint(jobID, fakejm.CheckpointSpec{Status: fakejm.CheckpointInProgress})
			require.NoError(t, err)
			stats, err = client.GetCheckpoints(ctx, jobID)
			require.NoError(t, err)
			assert.True(t, stats.Pending())
			assert.Equal(t, flinkrest.CheckpointKindInProgress, stats.History[0].Kind)
		})
	}
}

func TestCheckpointNotExternallyAddressable(t *testing.T) {
	e := newEnv(t, "v1_20")
	_, err := e.fake.AddCheckpoint(e.jobID, fakejm.CheckpointSpec{ExternalPath: flinkrest.NotExternallyAddressable})
	require.NoError(t, err)
	stats, err := e.client.GetCheckpoints(context.Background(), e.jobID)
	require.NoError(t, err)
	ref, ok := stats.LatestCompleted()
	require.True(t, ok)
	assert.False(t, ref.Restorable())
	_, ok = stats.LatestRestorablePath()
	assert.False(t, ok)
}

func TestCheckpointingDisabled(t *testing.T) {
	fake, ep := fakejm.Start(t, "v1_15")
	jobID, err := fake.AddJob(fakejm.JobSpec{CheckpointingDisabled: true})
	require.NoError(t, err)
	_, err = flinkrest.New(ep.URL, "v1_15").GetCheckpoints(context.Background(), jobID)
	require.Error(t, err)
	assert.True(t, flinkrest.IsNotFound(err))
	assert.True(t, flinkrest.IsCheckpointingDisabled(err))
}

func TestExceptionsBothShapes(t *testing.T) {
	for _, v := range []string{"v1_13", "v1_18", "v1_20", "v2_1"} {
		t.Run(v, func(t *testing.T) {
			e := newEnv(t, v)
			ctx := context.Background()
			none, err := e.client.GetExceptions(ctx, e.jobID, 0)
			require.NoError(t, err)
			assert.Nil(t, none.Latest())
			assert.Empty(t, none.RootException)

			require.NoError(t, e.fake.FailJob(e.jobID, "java.lang.RuntimeException", "first"))
			require.NoError(t, e.fake.FailJob(e.jobID, "java.io.IOException", "second"))
			ex, err := e.client.GetExceptions(ctx, e.jobID, 1)
			require.NoError(t, err)
			assert.Equal(t, "1", e.fake.RequestsTo("GET /jobs/:jobid/exceptions")[1].Query.Get("maxExceptions"))
			require.Len(t, ex.History.Entries, 1)
			assert.True(t, ex.History.Truncated)
			latest := ex.Latest()
			assert.Equal(t, "java.io.IOException", latest.ExceptionName)
			assert.Contains(t, latest.Stacktrace, "java.io.IOException: second")
			assert.Equal(t, "10.0.0.7:6122", latest.Endpoint, "endpoint normalised from location or endpoint")
			assert.NotZero(t, latest.Timestamp)

			ver := e.client.Version()
			if ver.HasLegacyExceptionFields() {
				assert.Contains(t, ex.RootException, "java.io.IOException: second")
				require.Len(t, ex.AllExceptions, 1)
				assert.Equal(t, "10.0.0.7:6122", ex.AllExceptions[0].Endpoint)
				assert.Equal(t, "10.0.0.7:6122", latest.LegacyLocation)
			} else {
				assert.Empty(t, ex.RootException)
				assert.Empty(t, ex.AllExceptions)
				assert.Empty(t, latest.LegacyLocation, "2.x has no location")
			}
			assert.Equal(t, ver.AtLeast(1, 18), latest.FailureLabels != nil)
		})
	}
}
