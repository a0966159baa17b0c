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

	"github.com/flinkops/flink-operator/reconciler"
	"github.com/flinkops/flink-operator/reconciler/flinkrest"
	"github.com/flinkops/flink-operator/reconciler/sessionjob"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// TestSessionDeletionWaitsForItsSessionJobs: deleting a session
// FlinkDeployment while a FlinkSessionJob names it keeps the cluster, with
// a Warning event and a status message listing the session jobs; once
// they are gone the deletion goes on.
func TestSessionDeletionWaitsForItsSessionJobs(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	createSession(t, ns, readySession)
	key := client.ObjectKey{Namespace: ns, Name: "session"}
	fd := &v1beta1.FlinkDeployment{}
	require.NoError(t, k8s.Get(ctx, key, fd))
	controllerutil.AddFinalizer(fd, reconciler.Finalizer)
	require.NoError(t, k8s.Update(ctx, fd))
	createSessionJob(t, ns, sessionJobDoc(""))
	require.NoError(t, k8s.Delete(ctx, fd))

	rec := &recorder{}
	r := &reconciler.Reconciler{
		Client: k8s, APIReader: k8s, Scheme: k8s.Scheme(), Recorder: rec,
		RESTURLTemplate:  jmServer.URL + "/{{namespace}}/{{name}}",
		ProgressInterval: 100 * time.Millisecond, ResyncInterval: time.Second,
		SessionJobsOf: func(ctx context.Context, fd *v1beta1.FlinkDeployment) ([]string, error) {
			return sessionjob.ReferencingJobs(ctx, k8s, fd)
		},
	}
	for range 2 {
		res, err := r.Reconcile(ctx, ctrl.Request{NamespacedName: key})
		require.NoError(t, err)
		assert.NotZero(t, res.RequeueAfter, "checked again")
	}
	require.NoError(t, k8s.Get(ctx, key, fd), "the session is kept")
	assert.Contains(t, fd.Status.Error, "deletion blocked: FlinkSessionJobs "+ns+"/orders reference session session")
	blocked := rec.byReason(reconciler.ReasonDeletionBlocked)
	require.Len(t, blocked, 1, "one Warning, not one per pass")
	assert.Equal(t, "Warning", blocked[0].Type)
	assert.Contains(t, fd.Finalizers, reconciler.Finalizer)

	deleteSJ(t, ns)
	for i := 0; i < 10; i++ {
		if _, err := r.Reconcile(ctx, ctrl.Request{NamespacedName: key}); err != nil {
			t.Logf("pass %d: %v", i, err)
		}
		if err := k8s.Get(ctx, key, &v1beta1.FlinkDeployment{}); apierrors.IsNotFound(err) {
			return
		}
	}
	t.Fatalf("the session was not deleted once its session jobs were gone; status: %+v", getFD(t, ns).Status)
}

func getFD(t *testing.T, ns string) *v1beta1.FlinkDeployment {
	t.Helper()
	fd := &v1beta1.FlinkDeployment{}
	require.NoError(t, k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "session"}, fd))
	return fd
}

// TestSessionUpgradeWaitsForItsRunningSessionJobs: a change of the session
// FlinkDeployment that restarts its JobManager is held while a
// FlinkSessionJob's job runs on it (the restart would end the job without
// a savepoint), with one Warning naming the session job. Suspending the
// session job takes its savepoint, and then the session's upgrade starts.
func TestSessionUpgradeWaitsForItsRunningSessionJobs(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	cluster, jobID := runningJob(t, ns, "")
	key := client.ObjectKey{Namespace: ns, Name: "session"}

	// The session as the FlinkDeployment controller leaves a deployed one.
	fd := getFD(t, ns)
	deployed := fd.DeepCopy()
	deployed.Default()
	enc, err := v1beta1.EncodeReconciledSpec(deployed.Spec, false)
	require.NoError(t, err)
	fd.Status.ReconciliationStatus = v1beta1.ReconciliationStatus{LastReconciledSpec: enc, State: v1beta1.ReconciliationDeployed}
	fd.Status.ObservedGeneration = fd.Generation
	require.NoError(t, k8s.Status().Update(ctx, fd))
	fd = getFD(t, ns)
	controllerutil.AddFinalizer(fd, reconciler.Finalizer)
	fd.Spec.Image = "flink:1.20.1"
	require.NoError(t, k8s.Update(ctx, fd))

	rec := &recorder{}
	r := &reconciler.Reconciler{
		Client: k8s, APIReader: k8s, Scheme: k8s.Scheme(), Recorder: rec,
		RESTURLTemplate:  jmServer.URL + "/{{namespace}}/{{name}}",
		ProgressInterval: 100 * time.Millisecond, ResyncInterval: time.Second,
		SessionJobsRunningOn: func(ctx context.Context, fd *v1beta1.FlinkDeployment) ([]string, error) {
			return sessionjob.RunningJobs(ctx, k8s, fd)
		},
	}
	for range 2 {
		_, err := r.Reconcile(ctx, ctrl.Request{NamespacedName: key})
		require.NoError(t, err)
	}
	fd = getFD(t, ns)
	assert.Nil(t, fd.Status.Upgrade, "the session is not taken down")
	assert.Contains(t, fd.Status.Error, "upgrade held: FlinkSessionJobs "+ns+"/orders run on this session")
	held := rec.byReason("UpgradeHeld")
	require.Len(t, held, 1, "one Warning, not one per pass")
	state, _ := cluster.JobState(jobID)
	assert.Equal(t, flinkrest.JobRunning, state)

	// The user suspends the session job: a savepoint, then nothing runs.
	// (envtest runs no kubelet: the JobManager is made READY by hand, as
	// the one the session runs is.)
	setSessionStatus(t, ns, v1beta1.JMReady)
	editSJ(t, ns, func(sj *v1beta1.FlinkSessionJob) { sj.Spec.Job.State = v1beta1.JobStateSuspended })
	restartedUntil(t, ns, 20, "suspended", func(sj *v1beta1.FlinkSessionJob) bool {
		return sj.Status.LifecycleState == v1beta1.LifecycleSuspended
	})
	require.Len(t, stopOps(cluster), 1)
	for range 2 {
		_, err := r.Reconcile(ctx, ctrl.Request{NamespacedName: key})
		require.NoError(t, err)
	}
	fd = getFD(t, ns)
	upgraded, _, err := v1beta1.DecodeReconciledSpec(fd.Status.ReconciliationStatus.LastReconciledSpec)
	require.NoError(t, err)
	assert.Equal(t, "flink:1.20.1", upgraded.Image, "the session's upgrade went on")
	assert.NotContains(t, fd.Status.Error, "upgrade held")
}
