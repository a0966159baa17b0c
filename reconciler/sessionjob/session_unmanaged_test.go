package sessionjob_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/flinkops/flink-operator/internal/testing/fakejm"
	"github.com/flinkops/flink-operator/reconciler"
	"github.com/flinkops/flink-operator/reconciler/flinkrest"
	"github.com/flinkops/flink-operator/schemas/flinkconf"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// deletingSession creates a READY session whose deletion the operator's
// finalizer holds, with the given configuration, and deletes it.
func deletingSession(t *testing.T, ns string, conf map[string]any) (*fakejm.Cluster, client.ObjectKey) {
	t.Helper()
	cluster := createSession(t, ns, readySession)
	fd := getFD(t, ns)
	controllerutil.AddFinalizer(fd, reconciler.Finalizer)
	if conf != nil {
		fd.Spec.FlinkConfiguration = v1beta1.NewConfigObject(conf)
	}
	require.NoError(t, k8s.Update(context.Background(), fd))
	require.NoError(t, k8s.Delete(context.Background(), fd))
	return cluster, client.ObjectKeyFromObject(fd)
}

// deleteUntilGone runs the FlinkDeployment controller until the session is
// gone, at most n passes; it reports whether it went.
func deleteUntilGone(t *testing.T, r *reconciler.Reconciler, key client.ObjectKey, n int) bool {
	t.Helper()
	for range n {
		_, _ = r.Reconcile(context.Background(), ctrl.Request{NamespacedName: key})
		if apierrors.IsNotFound(k8s.Get(context.Background(), key, &v1beta1.FlinkDeployment{})) {
			return true
		}
	}
	return false
}

// TestSessionDeletionWaitsForUnmanagedJobs: a job submitted to the session
// with the Flink CLI (no FlinkSessionJob manages it) keeps the session's
// deletion waiting, as in the reference, since the cluster's end would end
// it without a savepoint; the status and a Warning name the job and say
// how to go on. Once the job is stopped the deletion goes on.
func TestSessionDeletionWaitsForUnmanagedJobs(t *testing.T) {
	ns := newNamespace(t)
	cluster, key := deletingSession(t, ns, nil)
	jobID, err := cluster.AddJob(fakejm.JobSpec{Name: "adhoc-cli-job"})
	require.NoError(t, err)

	r, rec := sessionReconciler()
	require.False(t, deleteUntilGone(t, r, key, 3), "the session is kept while a job runs on it")
	fd := getFD(t, ns)
	assert.Contains(t, fd.Status.Error, "deletion blocked: jobs "+jobID+` ("adhoc-cli-job", RUNNING) run on session session and no FlinkSessionJob manages them`)
	assert.Contains(t, fd.Status.Error, flinkconf.KeyBlockOnUnmanagedJobs)
	require.Len(t, rec.byReason(reconciler.ReasonDeletionBlocked), 1, "one Warning while nothing changes")
	state, _ := cluster.JobState(jobID)
	assert.Equal(t, flinkrest.JobRunning, state, "the job is left running")

	require.NoError(t, flinkrest.New(jmServer.URL+"/"+ns+"/session", "v1_20").CancelJob(context.Background(), jobID))
	assert.True(t, deleteUntilGone(t, r, key, 10), "deleted once no job runs")
}

// TestSessionDeletionNotBlockedByUnmanagedJobsWhenTurnedOff: with the
// reference's block-on-unmanaged-jobs: false the session goes at once,
// job and all.
func TestSessionDeletionNotBlockedByUnmanagedJobsWhenTurnedOff(t *testing.T) {
	ns := newNamespace(t)
	cluster, key := deletingSession(t, ns, map[string]any{flinkconf.KeyBlockOnUnmanagedJobs: "false"})
	_, err := cluster.AddJob(fakejm.JobSpec{Name: "adhoc-cli-job"})
	require.NoError(t, err)
	r, rec := sessionReconciler()
	assert.True(t, deleteUntilGone(t, r, key, 10))
	assert.Empty(t, rec.byReason(reconciler.ReasonDeletionBlocked))
}

// TestSessionDeletionAsksASilentJobManagerUntilTheCleanupTimeout: a READY
// session whose REST API does not answer cannot say whether a job runs on
// it. Its deletion waits, saying so, and after the cleanup timeout goes on
// with a Warning: a broken cluster is not kept for ever.
func TestSessionDeletionAsksASilentJobManagerUntilTheCleanupTimeout(t *testing.T) {
	ns := newNamespace(t)
	_, key := deletingSession(t, ns, nil)
	jobs.Remove("/" + ns + "/session") // the JobManager stops answering

	r, rec := sessionReconciler()
	require.False(t, deleteUntilGone(t, r, key, 2))
	assert.Contains(t, getFD(t, ns).Status.Error, "deletion blocked: cannot list the jobs of session session")

	r.Now = func() time.Time { return time.Now().Add(reconciler.DefaultCleanupTimeout + time.Minute) }
	assert.True(t, deleteUntilGone(t, r, key, 10), "deleted after the cleanup timeout")
	var gaveUp bool
	for _, e := range rec.byReason(reconciler.ReasonCleanupFailed) {
		gaveUp = gaveUp || contains(e.Note, "giving up asking session session for jobs no FlinkSessionJob manages")
	}
	assert.True(t, gaveUp, "a Warning says the deletion went on unchecked")
}
