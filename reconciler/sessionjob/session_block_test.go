package sessionjob_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/flinkops/flink-operator/internal/testing/fakejm"
	"github.com/flinkops/flink-operator/reconciler"
	"github.com/flinkops/flink-operator/reconciler/flinkrest"
	"github.com/flinkops/flink-operator/reconciler/sessionjob"
	"github.com/flinkops/flink-operator/schemas/flinkconf"
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

	r, rec := sessionReconciler()
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

// TestSessionUpgradeKeepsItsSessionJobsState: a change of the session
// FlinkDeployment that restarts its JobManager waits while a
// FlinkSessionJob's job runs there (status.sessionUpgrade); the session job
// stops its job with a savepoint and waits, without being suspended in its
// spec; the session then restarts, and once it runs its new spec the job
// is submitted again from its own savepoint. For upgradeMode stateless the
// job is cancelled and submitted again empty.
func TestSessionUpgradeKeepsItsSessionJobsState(t *testing.T) {
	for _, mode := range []v1beta1.UpgradeMode{v1beta1.UpgradeModeSavepoint, v1beta1.UpgradeModeStateless} {
		t.Run(string(mode), func(t *testing.T) {
			ctx := context.Background()
			ns := newNamespace(t)
			cluster, jobID := runningJob(t, ns, "")
			if mode == v1beta1.UpgradeModeStateless {
				// upgradeMode alone restarts nothing.
				editSJ(t, ns, func(sj *v1beta1.FlinkSessionJob) { sj.Spec.Job.UpgradeMode = mode })
			}
			key := client.ObjectKey{Namespace: ns, Name: "session"}
			deployedSession(t, ns)
			fd := getFD(t, ns)
			fd.Spec.Image = "flink:1.20.1"
			require.NoError(t, k8s.Update(ctx, fd))

			r, _ := sessionReconciler()
			sessionPass := func() {
				t.Helper()
				_, err := r.Reconcile(ctx, ctrl.Request{NamespacedName: key})
				require.NoError(t, err)
			}
			sessionPass()
			fd = getFD(t, ns)
			assert.Nil(t, fd.Status.Upgrade, "the session is not taken down yet")
			require.NotNil(t, fd.Status.SessionUpgrade, "its session jobs are told")
			assert.Contains(t, fd.Status.Error, "FlinkSessionJobs "+ns+"/orders run on this session")
			state, _ := cluster.JobState(jobID)
			assert.Equal(t, flinkrest.JobRunning, state)

			// envtest runs no kubelet: the JobManager is READY by hand,
			// as the session's old one is while it waits.
			setSessionStatus(t, ns, v1beta1.JMReady)
			restartedUntil(t, ns, 20, "parked", func(sj *v1beta1.FlinkSessionJob) bool {
				return sj.Status.DeployedWith == nil && sj.Status.Upgrade == nil && sj.Status.JobStatus.State == "SUSPENDED"
			})
			sj := getSJ(t, ns)
			assert.NotEqual(t, v1beta1.JobStateSuspended, sj.Spec.Job.State, "the user's spec is left alone")
			assert.False(t, meta.IsStatusConditionTrue(sj.Status.Conditions, "Ready"), "not ready while the session restarts")
			location := ""
			if mode == v1beta1.UpgradeModeSavepoint {
				require.Len(t, stopOps(cluster), 1)
				location = stopOps(cluster)[0].Location
				assert.Equal(t, location, sj.Status.JobStatus.UpgradeSavepointPath)
			} else {
				assert.Equal(t, 1, cluster.Counters().Cancels)
			}
			// Nothing is submitted while the session restarts.
			r2, _ := newReconciler(k8s, nil)
			_, err := reconcileOnce(t, r2, ns)
			require.NoError(t, err)
			assert.Equal(t, 1, cluster.Counters().JarRuns)
			assert.Contains(t, getSJ(t, ns).Status.Error, "restarts to run its new spec")

			// The session restarts and runs its new spec.
			for range 6 {
				sessionPass()
			}
			fd = getFD(t, ns)
			upgraded, _, err := v1beta1.DecodeReconciledSpec(fd.Status.ReconciliationStatus.LastReconciledSpec)
			require.NoError(t, err)
			assert.Equal(t, "flink:1.20.1", upgraded.Image, "the session's upgrade went on")
			assert.Nil(t, fd.Status.SessionUpgrade, "over")
			setSessionStatus(t, ns, v1beta1.JMReady)

			restartedUntil(t, ns, 20, "resumed", func(sj *v1beta1.FlinkSessionJob) bool {
				return running(sj) && sj.Status.JobStatus.JobID != jobID
			})
			body := runBody(t, cluster, 1)
			if location != "" {
				assert.Equal(t, location, body["savepointPath"], "from its own savepoint")
			} else {
				assert.Nil(t, body["savepointPath"], "a stateless job starts empty")
			}
			assert.Equal(t, 2, cluster.Counters().JarRuns)
		})
	}
}

// deployedSession gives the session FlinkDeployment the status the
// FlinkDeployment controller leaves on a deployed session, with its
// finalizer.
func deployedSession(t *testing.T, ns string) {
	t.Helper()
	ctx := context.Background()
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
	require.NoError(t, k8s.Update(ctx, fd))
}

// TestNothingIsSubmittedWhileTheSessionRestarts: a FlinkSessionJob created
// while its session restarts (status.sessionUpgrade, then status.upgrade)
// submits nothing until the session runs its new spec.
func TestNothingIsSubmittedWhileTheSessionRestarts(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	cluster := createSession(t, ns, readySession)
	fd := getFD(t, ns)
	fd.Status.SessionUpgrade = &v1beta1.SessionUpgrade{TargetGeneration: 2}
	require.NoError(t, k8s.Status().Update(ctx, fd))
	createSessionJob(t, ns, sessionJobDoc(""))
	for range 3 {
		r, _ := newReconciler(k8s, nil)
		_, err := reconcileOnce(t, r, ns)
		require.NoError(t, err)
	}
	assert.Zero(t, cluster.Counters().JarUploads, "nothing sent")
	assert.Contains(t, getSJ(t, ns).Status.Error, "restarts to run its new spec")

	fd = getFD(t, ns)
	fd.Status.SessionUpgrade = nil
	fd.Status.Upgrade = &v1beta1.UpgradeProgress{Phase: v1beta1.PhaseDeploying, Mode: v1beta1.UpgradeModeStateless}
	require.NoError(t, k8s.Status().Update(ctx, fd))
	r, _ := newReconciler(k8s, nil)
	_, err := reconcileOnce(t, r, ns)
	require.NoError(t, err)
	assert.Zero(t, cluster.Counters().JarUploads, "nor while it is deployed")

	fd = getFD(t, ns)
	fd.Status.Upgrade = nil
	require.NoError(t, k8s.Status().Update(ctx, fd))
	restartedUntil(t, ns, 10, "RUNNING", running)
}

// sessionReconciler is the FlinkDeployment reconciler as flink-operator
// --session-jobs wires it, for the session FlinkDeployments of these tests.
func sessionReconciler() (*reconciler.Reconciler, *recorder) {
	rec := &recorder{}
	return &reconciler.Reconciler{
		Client: k8s, APIReader: k8s, Scheme: k8s.Scheme(), Recorder: rec,
		RESTURLTemplate:  jmServer.URL + "/{{namespace}}/{{name}}",
		ProgressInterval: 100 * time.Millisecond, ResyncInterval: time.Second,
		SessionJobsOf: func(ctx context.Context, fd *v1beta1.FlinkDeployment) ([]string, error) {
			return sessionjob.ReferencingJobs(ctx, k8s, fd)
		},
		SessionJobsRunningOn: func(ctx context.Context, fd *v1beta1.FlinkDeployment) ([]string, error) {
			return sessionjob.RunningJobs(ctx, k8s, fd)
		},
	}, rec
}

// TestSessionJobIsEndedOnASessionBeingDeleted: the user deletes the
// session first, and then its session jobs, as `kubectl delete -f` of a
// file with both does. The session's deletion waits for the session jobs
// (its JobManager stays READY), so a session job's finalizer must end its
// job there, with the savepoint it asks for, instead of waiting for a
// session that is not coming back: the two would wait for each other.
func TestSessionJobIsEndedOnASessionBeingDeleted(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	cluster, jobID := runningJob(t, ns, `  flinkConfiguration:
    kubernetes.operator.job.savepoint-on-deletion: "true"
`, fakejm.WithDefaultSavepointDir("s3://bucket/savepoints"))
	fd := getFD(t, ns)
	controllerutil.AddFinalizer(fd, reconciler.Finalizer)
	require.NoError(t, k8s.Update(ctx, fd))
	require.NoError(t, k8s.Delete(ctx, fd))
	require.False(t, getFD(t, ns).DeletionTimestamp.IsZero(), "the session is being deleted")

	deleteSJ(t, ns)
	r, _ := newReconciler(k8s, nil)
	gone(t, r, ns, 10)
	assert.Equal(t, 1, cluster.Counters().StopTriggers, "stopped with a savepoint on the session being deleted")
	state, _ := cluster.JobState(jobID)
	assert.True(t, state.IsGloballyTerminal(), "job %s is %s", jobID, state)
}

// TestSessionDeletionBlockCanBeTurnedOff: with the reference's
// kubernetes.operator.session.deletion.block-on-session-jobs: false in the
// session's configuration, its deletion goes on although a session job
// names it, with a Warning naming the session job; a value that is not a
// boolean is refused by validation, naming the key.
func TestSessionDeletionBlockCanBeTurnedOff(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t)
	createSession(t, ns, readySession)
	key := client.ObjectKey{Namespace: ns, Name: "session"}
	fd := getFD(t, ns)
	controllerutil.AddFinalizer(fd, reconciler.Finalizer)
	fd.Spec.FlinkConfiguration = v1beta1.NewConfigObject(map[string]any{flinkconf.KeyBlockOnSessionJobs: "false"})
	require.NoError(t, k8s.Update(ctx, fd))
	createSessionJob(t, ns, sessionJobDoc(""))
	require.NoError(t, k8s.Delete(ctx, fd))

	r, rec := sessionReconciler()
	for i := 0; i < 10; i++ {
		if _, err := r.Reconcile(ctx, ctrl.Request{NamespacedName: key}); err != nil {
			t.Logf("pass %d: %v", i, err)
		}
		if err := k8s.Get(ctx, key, &v1beta1.FlinkDeployment{}); apierrors.IsNotFound(err) {
			break
		}
	}
	require.True(t, apierrors.IsNotFound(k8s.Get(ctx, key, &v1beta1.FlinkDeployment{})), "the session is deleted")
	assert.Empty(t, rec.byReason(reconciler.ReasonDeletionBlocked))
	notBlocked := rec.byReason(reconciler.ReasonDeletionNotBlocked)
	require.NotEmpty(t, notBlocked)
	assert.Contains(t, notBlocked[0].Note, ns+"/orders")

	spec := fd.Spec.DeepCopy()
	spec.FlinkConfiguration = v1beta1.NewConfigObject(map[string]any{flinkconf.KeyBlockOnSessionJobs: "sometimes"})
	_, errs := flinkconf.Parse(spec)
	require.NotEmpty(t, errs)
	assert.Contains(t, errs.ToAggregate().Error(), flinkconf.KeyBlockOnSessionJobs)
}
