package sessionjob_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// staleReads is a client whose reads of FlinkSessionJobs return a copy
// taken earlier, as a lagging informer cache does; its writes go to the
// API server.
func staleReads(stale *v1beta1.FlinkSessionJob, reads *atomic.Int64) client.WithWatch {
	return interceptor.NewClient(k8s, interceptor.Funcs{
		Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
			if sj, ok := obj.(*v1beta1.FlinkSessionJob); ok && key == client.ObjectKeyFromObject(stale) {
				reads.Add(1)
				stale.DeepCopyInto(sj)
				return nil
			}
			return c.Get(ctx, key, obj, opts...)
		},
	})
}

// TestStaleCacheReadNeverRedoesAStep: the cache still shows the session
// job as it was before the upload was recorded. The reconciler that wrote
// the newer version reads the API server again; a restarted one, with no
// memory, decides on the stale copy, and its fence makes the API server
// refuse it before anything is sent.
func TestStaleCacheReadNeverRedoesAStep(t *testing.T) {
	ns := newNamespace(t)
	cluster := createSession(t, ns, readySession)
	createSessionJob(t, ns, sessionJobDoc(""))
	writer, _ := newReconciler(k8s, nil)
	driveUntil(t, writer, ns, 3, "id recorded", func(sj *v1beta1.FlinkSessionJob) bool { return sj.Status.Upgrade != nil })
	stale := getSJ(t, ns) // id recorded, no jar
	driveUntil(t, writer, ns, 3, "jar recorded", func(sj *v1beta1.FlinkSessionJob) bool { return sj.Status.Jar != nil })
	require.Equal(t, 1, cluster.Counters().JarUploads)
	jobID := getSJ(t, ns).Status.Upgrade.JobID

	t.Run("the reconciler that wrote reads the API server again", func(t *testing.T) {
		var reads atomic.Int64
		// Same memory as writer (it wrote the newer version), a lagging cache.
		cached := writer.Client
		writer.Client = staleReads(stale.DeepCopy(), &reads)
		defer func() { writer.Client = cached }()
		_, err := writer.Reconcile(context.Background(), reqFor(ns))
		require.NoError(t, err)
		assert.Positive(t, reads.Load(), "the stale copy was read")
		assert.Equal(t, 1, cluster.Counters().JarUploads, "no second upload from the stale copy")
		assert.Equal(t, 1, cluster.Counters().JarRuns, "the run used the recorded jar")
		assert.Equal(t, jobID, getSJ(t, ns).Status.DeployedWith.JobID)
	})

	t.Run("a restarted reconciler is fenced", func(t *testing.T) {
		var reads atomic.Int64
		r, _ := newReconciler(staleReads(stale.DeepCopy(), &reads), nil)
		res, err := r.Reconcile(context.Background(), reqFor(ns))
		require.NoError(t, err)
		assert.True(t, res.Requeue, "a fenced pass starts over")
		assert.Equal(t, 1, cluster.Counters().JarUploads, "the fence stopped the upload")
		sj := getSJ(t, ns)
		assert.Equal(t, jobID, sj.Status.JobStatus.JobID, "the recorded job is untouched")
		assert.NotNil(t, sj.Status.DeployedWith)
	})
}
