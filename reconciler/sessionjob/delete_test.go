package sessionjob_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flinkops/flink-operator/internal/testing/fakejm"
	"github.com/flinkops/flink-operator/reconciler/flinkrest"
	"github.com/flinkops/flink-operator/reconciler/sessionjob"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// runningJob creates a session and a session job and drives it to
// RUNNING; it returns the job id.
func runningJob(t *testing.T, ns, extra string, opts ...fakejm.Option) (*fakejm.Cluster, string) {
	t.Helper()
	cluster := createSession(t, ns, readySession, opts...)
	createSessionJob(t, ns, sessionJobDoc(extra))
	r, _ := newReconciler(k8s, nil)
	driveUntil(t, r, ns, 10, "RUNNING", running)
	return cluster, getSJ(t, ns).Status.JobStatus.JobID
}

func deleteSJ(t *testing.T, ns string) {
	t.Helper()
	sj := &v1beta1.FlinkSessionJob{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "orders"}}
	require.NoError(t, k8s.Delete(context.Background(), sj))
}

// gone drives passes until the FlinkSessionJob is deleted, at most n.
func gone(t *testing.T, r *sessionjob.Reconciler, ns string, n int) {
	t.Helper()
	for range n {
		_, _ = reconcileOnce(t, r, ns)
		err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "orders"}, &v1beta1.FlinkSessionJob{})
		if apierrors.IsNotFound(err) {
			return
		}
	}
	t.Fatalf("FlinkSessionJob not deleted after %d passes; status: %+v", n, getSJ(t, ns).Status)
}

func TestDeleteCancelsTheJob(t *testing.T) {
	ns := newNamespace(t)
	cluster, jobID := runningJob(t, ns, "")
	cluster.SetCancelReads(2) // CANCELLING for two reads, as a real cancel takes time
	deleteSJ(t, ns)
	r, _ := newReconciler(k8s, nil)
	_, err := reconcileOnce(t, r, ns)
	require.NoError(t, err)
	sj := getSJ(t, ns)
	assert.Equal(t, v1beta1.LifecycleDeleting, sj.Status.LifecycleState)
	assert.Contains(t, sj.Status.Error, "waiting for job "+jobID+" to be cancelled")
	assert.Contains(t, sj.Finalizers, sessionjob.Finalizer, "held until the job is terminal")

	gone(t, r, ns, 10)
	assert.Equal(t, 1, cluster.Counters().Cancels, "cancelled once")
	state, _ := cluster.JobState(jobID)
	assert.Equal(t, flinkrest.JobCanceled, state)
	assert.Zero(t, cluster.Counters().StopTriggers)
}

func TestDeleteWithSavepointOnDeletionStopsWithASavepoint(t *testing.T) {
	ns := newNamespace(t)
	cluster, jobID := runningJob(t, ns, `  flinkConfiguration:
    kubernetes.operator.job.savepoint-on-deletion: "true"
`, fakejm.WithDefaultSavepointDir("s3://bucket/savepoints"))
	cluster.SetOperationBehavior(fakejm.OperationBehavior{PendingPolls: 1})
	deleteSJ(t, ns)
	r, rec := newReconciler(k8s, nil)
	_, err := reconcileOnce(t, r, ns)
	require.NoError(t, err)
	sj := getSJ(t, ns)
	require.NotNil(t, sj.Status.Upgrade, "the trigger id is recorded")
	assert.Equal(t, v1beta1.PhaseSavepointing, sj.Status.Upgrade.Phase)
	trigger := sj.Status.Upgrade.TriggerID

	// A restart in the middle polls the same savepoint.
	restarted, rec2 := newReconciler(k8s, nil)
	gone(t, restarted, ns, 10)
	c := cluster.Counters()
	assert.Equal(t, 1, c.StopTriggers, "one stop-with-savepoint")
	assert.Zero(t, c.Cancels, "not cancelled: the savepoint stopped it")
	state, _ := cluster.JobState(jobID)
	assert.True(t, state.IsGloballyTerminal(), "job %s is %s", jobID, state)
	ops := cluster.Operations()
	require.Len(t, ops, 1)
	assert.Equal(t, trigger, ops[0].RequestID)
	var stopped bool
	for _, e := range append(rec.byReason("Cleanup"), rec2.byReason("Cleanup")...) {
		stopped = stopped || strings.Contains(e.Note, "Stopped job "+jobID+" with savepoint s3://bucket/savepoints")
	}
	assert.True(t, stopped, "an event names the savepoint")
}

// A stop on deletion that completes while the operator is down longer
// than Flink keeps finished operations: Flink no longer knows the trigger
// and the job is FINISHED. The deletion goes on, and an event still names
// the savepoint, read from the job's statistics as the stop's.
func TestDeleteWithSavepointOnDeletionWhoseTriggerFlinkForgot(t *testing.T) {
	ns := newNamespace(t)
	cluster, jobID := runningJob(t, ns, `  flinkConfiguration:
    kubernetes.operator.job.savepoint-on-deletion: "true"
`, fakejm.WithDefaultSavepointDir("s3://bucket/savepoints"))
	cluster.SetOperationBehavior(fakejm.OperationBehavior{PendingPolls: fakejm.Forever})
	deleteSJ(t, ns)
	r, _ := newReconciler(k8s, nil)
	for range 3 {
		_, _ = reconcileOnce(t, r, ns)
	}
	ops := cluster.Operations()
	require.Len(t, ops, 1, "the stop was sent")
	// The operator is down; the stop completes and Flink forgets it.
	require.NoError(t, cluster.CompleteOperation(ops[0].RequestID))
	cluster.InjectFault(fakejm.Fault{Route: "GET /jobs/:jobid/savepoints/:triggerid", Status: http.StatusNotFound})
	location := cluster.Operations()[0].Location
	require.NotEmpty(t, location)

	restarted, rec := newReconciler(k8s, nil)
	gone(t, restarted, ns, 10)
	assert.Equal(t, 1, cluster.Counters().StopTriggers, "no second stop")
	var named bool
	for _, e := range rec.byReason("Cleanup") {
		named = named || strings.Contains(e.Note, "Stopped job "+jobID+" with savepoint "+location)
	}
	assert.True(t, named, "an event names the stop's savepoint")
}

func TestDeleteWhenTheSessionIsGone(t *testing.T) {
	ns := newNamespace(t)
	runningJob(t, ns, "")
	require.NoError(t, k8s.Delete(context.Background(), &v1beta1.FlinkDeployment{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "session"}}))
	jobs.Remove("/" + ns + "/session")
	deleteSJ(t, ns)
	r, rec := newReconciler(k8s, nil)
	gone(t, r, ns, 1) // at once: no JobManager could run the job
	cleanup := rec.byReason("Cleanup")
	require.NotEmpty(t, cleanup)
	assert.Contains(t, cleanup[len(cleanup)-1].Note, "does not exist")
}

func TestDeleteWhenTheJobManagerForgotTheJob(t *testing.T) {
	ns := newNamespace(t)
	runningJob(t, ns, "")
	// The session's JobManager restarted without HA: a new cluster at the
	// same address, which has never heard of the job.
	jobs.Remove("/" + ns + "/session")
	fresh, err := fakejm.NewCluster("v1_20")
	require.NoError(t, err)
	require.NoError(t, jobs.Add("/"+ns+"/session", fresh))
	deleteSJ(t, ns)
	r, _ := newReconciler(k8s, nil)
	gone(t, r, ns, 2)
	assert.Zero(t, fresh.Counters().Cancels, "nothing to cancel")
}

func TestDeleteGivesUpOnAJobManagerThatNeverAnswers(t *testing.T) {
	ns := newNamespace(t)
	cluster, jobID := runningJob(t, ns, "")
	cluster.InjectFault(fakejm.Fault{DropConnection: true})
	deleteSJ(t, ns)
	r, rec := newReconciler(k8s, nil)
	r.CleanupTimeout = time.Minute
	for range 3 {
		_, _ = reconcileOnce(t, r, ns)
	}
	sj := getSJ(t, ns)
	assert.Contains(t, sj.Finalizers, sessionjob.Finalizer, "retried within the cleanup timeout")
	assert.Contains(t, sj.Status.Error, "read job "+jobID)

	r.Now = func() time.Time { return time.Now().Add(2 * time.Minute) }
	gone(t, r, ns, 1)
	failed := rec.byReason("CleanupFailed")
	require.Len(t, failed, 1)
	assert.Equal(t, "Warning", failed[0].Type)
	assert.Contains(t, failed[0].Note, "Job "+jobID+" may still run")
}

// A deletion while a run may have been sent (its status write lost) ends
// the job under the write-ahead id: it is never left running unseen.
func TestDeleteDuringSubmissionCancelsTheWriteAheadJob(t *testing.T) {
	ns := newNamespace(t)
	cluster := createSession(t, ns, readySession)
	createSessionJob(t, ns, sessionJobDoc(""))
	r, _ := newReconciler(k8s, stopAt(sessionjob.HookRun))
	driveUntil(t, r, ns, 6, "run", func(*v1beta1.FlinkSessionJob) bool { return cluster.Counters().JarRuns == 1 })
	sj := getSJ(t, ns)
	require.Nil(t, sj.Status.DeployedWith)
	jobID := sj.Status.Upgrade.JobID

	deleteSJ(t, ns)
	restarted, _ := newReconciler(k8s, nil)
	gone(t, restarted, ns, 10)
	state, _ := cluster.JobState(jobID)
	assert.Equal(t, flinkrest.JobCanceled, state)
	assert.Empty(t, cluster.Jars(), "the recorded jar is deleted")
}
