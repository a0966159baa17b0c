package flinkrest_test

import (
	"context"
	"math"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flinkops/flink-operator/internal/testing/fakejm"
	"github.com/flinkops/flink-operator/reconciler/flinkrest"
)

func TestGetCheckpointConfigRetention(t *testing.T) {
	cases := map[string]struct {
		retention        string
		enabled, deleted bool
	}{
		"retain":  {flinkrest.RetainOnCancellation, true, false},
		"delete":  {flinkrest.DeleteOnCancellation, true, true},
		"none":    {flinkrest.NoExternalizedCheckpoints, false, true},
		"default": {"", false, true}, // Flink's default: NO_EXTERNALIZED_CHECKPOINTS
	}
	for _, v := range testedVersions {
		for name, tc := range cases {
			t.Run(v+"/"+name, func(t *testing.T) {
				e := newEnv(t, v)
				id, err := e.fake.AddJob(fakejm.JobSpec{CheckpointRetention: tc.retention})
				require.NoError(t, err)
				cfg, err := e.client.GetCheckpointConfig(context.Background(), id)
				require.NoError(t, err)
				assert.Equal(t, flinkrest.ExternalizedCheckpoints{Enabled: tc.enabled, DeleteOnCancellation: tc.deleted}, cfg.Externalization)
				assert.Equal(t, tc.retention == flinkrest.RetainOnCancellation, cfg.RetainedOnCancellation())
				assert.True(t, cfg.CheckpointingEnabled())
				assert.Equal(t, "exactly_once", cfg.Mode)
				assert.Equal(t, int64(10_000), cfg.Interval)
			})
		}
	}
}

func TestRetainedOnCancellation(t *testing.T) {
	// The three answers of real Flink 1.20.5, 2.2.1 and 2.3.0.
	assert.True(t, flinkrest.CheckpointConfig{Externalization: flinkrest.ExternalizedCheckpoints{Enabled: true}}.RetainedOnCancellation())
	assert.False(t, flinkrest.CheckpointConfig{Externalization: flinkrest.ExternalizedCheckpoints{Enabled: true, DeleteOnCancellation: true}}.RetainedOnCancellation())
	assert.False(t, flinkrest.CheckpointConfig{Externalization: flinkrest.ExternalizedCheckpoints{DeleteOnCancellation: true}}.RetainedOnCancellation())
}

// A streaming job without periodic checkpoints answers 200 (real Flink
// gives it a coordinator for savepoints); only a job without one (batch)
// answers the 404 IsCheckpointingDisabled recognises.
func TestGetCheckpointConfigWithoutCheckpointing(t *testing.T) {
	for _, v := range testedVersions {
		t.Run(v, func(t *testing.T) {
			e := newEnv(t, v)
			ctx := context.Background()
			off, err := e.fake.AddJob(fakejm.JobSpec{CheckpointInterval: fakejm.PeriodicCheckpointsOff})
			require.NoError(t, err)
			cfg, err := e.client.GetCheckpointConfig(ctx, off)
			require.NoError(t, err)
			assert.False(t, cfg.CheckpointingEnabled())
			assert.Equal(t, int64(math.MaxInt64), cfg.Interval)
			assert.Equal(t, "at_least_once", cfg.Mode)

			batch, err := e.fake.AddJob(fakejm.JobSpec{CheckpointingDisabled: true})
			require.NoError(t, err)
			_, err = e.client.GetCheckpointConfig(ctx, batch)
			require.Error(t, err)
			assert.True(t, flinkrest.IsNotFound(err))
			assert.True(t, flinkrest.IsCheckpointingDisabled(err))

			_, err = e.client.GetCheckpointConfig(ctx, "0123456789abcdef0123456789abcdef")
			require.Error(t, err)
			assert.True(t, flinkrest.IsNotFound(err))
			assert.False(t, flinkrest.IsCheckpointingDisabled(err))
		})
	}
}

func TestGetCheckpointConfigRetries(t *testing.T) {
	e := newEnv(t, "v2_2")
	e.fake.InjectFault(fakejm.Fault{Route: "GET /jobs/:jobid/checkpoints/config", Status: http.StatusServiceUnavailable, Times: 2})
	cfg, err := e.client.GetCheckpointConfig(context.Background(), e.jobID)
	require.NoError(t, err)
	assert.False(t, cfg.RetainedOnCancellation())
	assert.Len(t, e.fake.RequestsTo("GET /jobs/:jobid/checkpoints/config"), 3)
}

// The restore decision end to end: after a cancel only a job that retains
// its checkpoints on cancellation still has a restorable one.
func TestCancelDiscardsUnlessRetained(t *testing.T) {
	for _, retention := range []string{flinkrest.RetainOnCancellation, flinkrest.DeleteOnCancellation, flinkrest.NoExternalizedCheckpoints} {
		t.Run(retention, func(t *testing.T) {
			e := newEnv(t, "v2_2")
			ctx := context.Background()
			id, err := e.fake.AddJob(fakejm.JobSpec{CheckpointRetention: retention})
			require.NoError(t, err)
			_, err = e.fake.AddCheckpoint(id, fakejm.CheckpointSpec{})
			require.NoError(t, err)
			cfg, err := e.client.GetCheckpointConfig(ctx, id)
			require.NoError(t, err)
			require.NoError(t, e.client.CancelJob(ctx, id))
			e.fake.SettleJobs()
			stats, err := e.client.GetCheckpoints(ctx, id)
			require.NoError(t, err)
			_, restorable := stats.LatestRestorablePath()
			assert.Equal(t, cfg.RetainedOnCancellation(), restorable)
		})
	}
}

// A session job run with the retention in its flinkConfiguration keeps it
// (real 1.20.5, 2.2.1 and 2.3.0), and sends no field Flink would ignore.
func TestRunJarRetentionReachesCheckpointConfig(t *testing.T) {
	for _, v := range []string{"v1_20", "v2_3"} {
		t.Run(v, func(t *testing.T) {
			e := newEnv(t, v)
			ctx := context.Background()
			jarID, err := e.client.UploadJar(ctx, "keyed-counter.jar", strings.NewReader("PK"))
			require.NoError(t, err)
			id, err := e.client.RunJar(ctx, jarID, flinkrest.RunJarRequest{
				JobID:              strings.Repeat("b", 32),
				FlinkConfiguration: map[string]string{flinkrest.CheckpointRetentionOption: flinkrest.RetainOnCancellation},
			})
			require.NoError(t, err)
			cfg, err := e.client.GetCheckpointConfig(ctx, id)
			require.NoError(t, err)
			assert.True(t, cfg.RetainedOnCancellation())

			_, err = e.client.RunJar(ctx, jarID, flinkrest.RunJarRequest{
				JobID:              strings.Repeat("c", 32),
				FlinkConfiguration: map[string]string{flinkrest.CheckpointRetentionOption: "KEEP"},
			})
			require.Error(t, err)
			assert.True(t, flinkrest.IsBadRequest(err))
			assert.ErrorContains(t, err, "Could not execute application.")
		})
	}
}
