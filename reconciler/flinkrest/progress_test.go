package flinkrest_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/flinkops/flink-operator/internal/testing/fakejm"
	"github.com/flinkops/flink-operator/reconciler/flinkrest"
)

// A stop-with-savepoint in flight reports its acknowledged subtasks, on
// every version the client serves; none is reported before or after it.
func TestSavepointProgressWhileStopping(t *testing.T) {
	for _, version := range testedVersions {
		t.Run(version, func(t *testing.T) {
			e := newEnv(t, version)
			ctx := context.Background()
			cp, err := e.client.GetSavepointProgress(ctx, e.jobID)
			require.NoError(t, err)
			assert.Nil(t, cp, "nothing in flight")

			e.fake.SetOperationBehavior(fakejm.OperationBehavior{PendingPolls: fakejm.Forever})
			id, err := e.client.StopWithSavepoint(ctx, e.jobID, flinkrest.StopRequest{TargetDirectory: savepointDir})
			require.NoError(t, err)
			for _, acked := range []int{0, 1} {
				require.NoError(t, e.fake.AcknowledgeSubtasks(id, acked))
				cp, err = e.client.GetSavepointProgress(ctx, e.jobID)
				require.NoError(t, err)
				require.NotNil(t, cp)
				assert.Equal(t, acked, cp.NumAcknowledgedSubtasks)
				assert.Equal(t, 1, cp.NumSubtasks, "the job's parallelism")
				assert.True(t, cp.IsSavepoint)
			}

			require.NoError(t, e.fake.CompleteOperation(id))
			cp, err = e.client.GetSavepointProgress(ctx, e.jobID)
			require.NoError(t, err)
			assert.Nil(t, cp, "completed")
		})
	}
}

// A JobManager that does not answer costs one client timeout: the read is
// not retried, since progress is only shown.
func TestSavepointProgressGivesUpAfterOneTimeout(t *testing.T) {
	fake, ep := fakejm.Start(t, "v1_20")
	jobID, err := fake.AddJob(fakejm.JobSpec{Name: "orders"})
	require.NoError(t, err)
	fake.InjectFault(fakejm.Fault{Route: "GET /jobs/:jobid/checkpoints", Latency: time.Minute})
	c := flinkrest.New(ep.URL, "v1_20", flinkrest.WithTimeout(200*time.Millisecond), flinkrest.WithRetry(3, time.Millisecond))

	start := time.Now()
	_, err = c.GetSavepointProgress(context.Background(), jobID)
	require.Error(t, err)
	assert.Less(t, time.Since(start), 2*time.Second)
	assert.Len(t, fake.RequestsTo("GET /jobs/:jobid/checkpoints"), 1, "not retried")
}
