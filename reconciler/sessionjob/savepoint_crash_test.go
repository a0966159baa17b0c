package sessionjob_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/api/meta"

	"github.com/flinkops/flink-operator/internal/testing/fakejm"
	"github.com/flinkops/flink-operator/reconciler/flinkrest"
	"github.com/flinkops/flink-operator/reconciler/sessionjob"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// TestCrashDuringSavepointUpgrade kills the operator at each boundary of a
// savepoint upgrade and restarts it with no memory. Whatever happens: one
// stop-with-savepoint, the new job restored from its location, the
// location never lost.
func TestCrashDuringSavepointUpgrade(t *testing.T) {
	for _, tc := range []struct {
		name  string
		crash func(t *testing.T, ns string, cluster *fakejm.Cluster)
	}{
		{
			name: "after the trigger is recorded, before it is sent",
			crash: func(t *testing.T, ns string, cluster *fakejm.Cluster) {
				r, _ := newReconciler(k8s, nil)
				_, err := reconcileOnce(t, r, ns)
				require.NoError(t, err)
				require.Equal(t, v1beta1.PhaseSavepointing, getSJ(t, ns).Status.Upgrade.Phase)
				require.Empty(t, cluster.Operations())
			},
		},
		{
			name: "after the stop is sent, before its answer",
			crash: func(t *testing.T, ns string, cluster *fakejm.Cluster) {
				cluster.SetOperationBehavior(fakejm.OperationBehavior{PendingPolls: 2})
				r, _ := newReconciler(k8s, stopAt(sessionjob.HookStopSent))
				driveUntil(t, r, ns, 4, "stop sent", func(*v1beta1.FlinkSessionJob) bool { return len(stopOps(cluster)) == 1 })
			},
		},
		{
			name: "a stop whose answer is lost on the way back",
			crash: func(t *testing.T, ns string, cluster *fakejm.Cluster) {
				cluster.InjectFault(fakejm.Fault{Route: "POST /jobs/:jobid/stop", DropResponse: true, Times: 1})
				r, _ := newReconciler(k8s, nil)
				driveUntil(t, r, ns, 4, "stop sent", func(*v1beta1.FlinkSessionJob) bool { return len(stopOps(cluster)) == 1 })
			},
		},
		{
			name: "after the savepoint completed, before its location is written",
			crash: func(t *testing.T, ns string, cluster *fakejm.Cluster) {
				r, _ := newReconciler(k8s, stopAt(sessionjob.HookSavepointDone))
				driveUntil(t, r, ns, 6, "savepoint completed", func(*v1beta1.FlinkSessionJob) bool {
					ops := stopOps(cluster)
					return len(ops) == 1 && ops[0].Done
				})
				require.Empty(t, getSJ(t, ns).Status.JobStatus.UpgradeSavepointPath, "the crash came before the location was written")
			},
		},
		{
			name: "after the location is written, before the submit",
			crash: func(t *testing.T, ns string, _ *fakejm.Cluster) {
				r, _ := newReconciler(k8s, stopAt(sessionjob.HookUploaded))
				driveUntil(t, r, ns, 8, "location recorded", func(sj *v1beta1.FlinkSessionJob) bool {
					return sj.Status.JobStatus.UpgradeSavepointPath != ""
				})
				up := getSJ(t, ns).Status.Upgrade
				require.NotNil(t, up)
				require.Equal(t, getSJ(t, ns).Status.JobStatus.UpgradeSavepointPath, up.RestorePath)
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ns := newNamespace(t)
			cluster, oldID := runningJob(t, ns, "")
			editSJ(t, ns, func(sj *v1beta1.FlinkSessionJob) { sj.Spec.Job.Parallelism = 3 })
			tc.crash(t, ns, cluster)
			trigger := getSJ(t, ns).Status.Upgrade.TriggerID

			restartedUntil(t, ns, 25, "the new job RUNNING", func(sj *v1beta1.FlinkSessionJob) bool {
				return running(sj) && sj.Status.JobStatus.JobID != oldID
			})
			sj := getSJ(t, ns)
			ops := stopOps(cluster)
			require.Len(t, ops, 1, "never two savepoint triggers for one upgrade")
			if trigger != "" {
				assert.Equal(t, trigger, ops[0].RequestID)
			}
			require.NotEmpty(t, ops[0].Location)
			assert.Equal(t, ops[0].Location, sj.Status.JobStatus.UpgradeSavepointPath, "the savepoint path is never lost")
			assert.Equal(t, 2, cluster.Counters().JarRuns, "one submission of the new spec")
			assert.Equal(t, ops[0].Location, runBody(t, cluster, 1)["savepointPath"], "never a submit without the savepoint path")
			assert.Zero(t, cluster.Counters().Cancels)
		})
	}
}

// TestFailedStopWithSavepointIsRetriedThenHeld: Flink fails the savepoint;
// the job keeps running, and the stop is tried again with a new trigger
// after the gate's back-off (10 s, then 20 s), as a FlinkDeployment's
// upgrade savepoint is; never before it. After the third failure (the
// operator's --max-savepoint-attempts) the change is held (Stalled, a
// Warning), and a new edit tries again.
func TestFailedStopWithSavepointIsRetriedThenHeld(t *testing.T) {
	ns := newNamespace(t)
	cluster, oldID := runningJob(t, ns, "")
	cluster.SetOperationBehavior(fakejm.OperationBehavior{Fail: true, FailureMessage: "Checkpoint was declined (tasks not ready)"})
	editSJ(t, ns, func(sj *v1beta1.FlinkSessionJob) { sj.Spec.Job.Parallelism = 3 })
	now := time.Now()
	r, rec := newReconciler(k8s, nil)
	r.Now = func() time.Time { return now }
	passes := func(n int) {
		for range n {
			_, _ = reconcileOnce(t, r, ns)
		}
	}
	passes(8)
	assert.Len(t, stopOps(cluster), 1, "no retry before the back-off")
	sj := getSJ(t, ns)
	assert.Contains(t, sj.Status.Error, "failed (attempt 1 of 3")
	assert.Contains(t, sj.Status.Error, "Checkpoint was declined")
	assert.Contains(t, sj.Status.Error, "keeps running")
	assert.False(t, meta.IsStatusConditionTrue(sj.Status.Conditions, "Stalled"), "retrying is not stalled")

	now = now.Add(11 * time.Second)
	passes(8)
	assert.Len(t, stopOps(cluster), 2, "a second attempt after 10 s")
	now = now.Add(11 * time.Second)
	passes(8)
	assert.Len(t, stopOps(cluster), 2, "the back-off doubles: not yet after 11 s more")
	now = now.Add(10 * time.Second)
	passes(8)
	ops := stopOps(cluster)
	require.Len(t, ops, 3, "a third attempt after 20 s")
	assert.NotEqual(t, ops[0].RequestID, ops[1].RequestID, "each attempt its own trigger")

	now = now.Add(time.Hour)
	passes(8)
	assert.Len(t, stopOps(cluster), 3, "held after the third failure")
	sj = getSJ(t, ns)
	assert.Contains(t, sj.Status.Error, "failed 3 times (the operator's --max-savepoint-attempts")
	assert.True(t, meta.IsStatusConditionTrue(sj.Status.Conditions, "Stalled"))
	assert.NotEmpty(t, rec.byReason("SavepointError"))
	state, _ := cluster.JobState(oldID)
	assert.Equal(t, flinkrest.JobRunning, state, "the old job keeps running")
	assert.Equal(t, 1, cluster.Counters().JarRuns, "nothing submitted")
	assert.Equal(t, oldID, sj.Status.DeployedWith.JobID)

	// A new edit tries again, and succeeds.
	cluster.SetOperationBehavior(fakejm.OperationBehavior{})
	editSJ(t, ns, func(sj *v1beta1.FlinkSessionJob) { sj.Spec.Job.Parallelism = 4 })
	restartedUntil(t, ns, 20, "upgraded", func(sj *v1beta1.FlinkSessionJob) bool {
		return running(sj) && sj.Status.JobStatus.JobID != oldID
	})
	ops = stopOps(cluster)
	require.Len(t, ops, 4)
	assert.EqualValues(t, 4, runBody(t, cluster, 1)["parallelism"])
	assert.Equal(t, ops[3].Location, runBody(t, cluster, 1)["savepointPath"])
}

// TestStopThatNeverAnswersHolds: the stop's poll times out (the REST call
// never answers) or stays in progress: within the operator's
// --savepoint-timeout the operator waits, sends no second trigger, submits
// nothing, and the job keeps running (past it: stop_outcomes_test.go).
func TestStopThatNeverAnswersHolds(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(*fakejm.Cluster)
	}{
		{"the poll never answers", func(c *fakejm.Cluster) {
			c.InjectFault(fakejm.Fault{Route: "GET /jobs/:jobid/savepoints/:triggerid", Latency: 5 * time.Second})
		}},
		{"the stop never answers", func(c *fakejm.Cluster) {
			c.InjectFault(fakejm.Fault{Route: "POST /jobs/:jobid/stop", Latency: 5 * time.Second})
		}},
		{"the savepoint stays in progress", func(c *fakejm.Cluster) {
			c.SetOperationBehavior(fakejm.OperationBehavior{PendingPolls: fakejm.Forever})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ns := newNamespace(t)
			cluster, oldID := runningJob(t, ns, "")
			tc.setup(cluster)
			editSJ(t, ns, func(sj *v1beta1.FlinkSessionJob) { sj.Spec.Job.Parallelism = 3 })
			for range 6 {
				r, _ := newReconciler(k8s, nil)
				r.RESTTimeout = 200 * time.Millisecond
				_, _ = reconcileOnce(t, r, ns)
			}
			sj := getSJ(t, ns)
			require.NotNil(t, sj.Status.Upgrade)
			assert.Equal(t, v1beta1.PhaseSavepointing, sj.Status.Upgrade.Phase, "still waiting for the same savepoint")
			assert.LessOrEqual(t, len(stopOps(cluster)), 1, "never a second trigger")
			assert.Contains(t, sj.Status.Error, "keeps running")
			state, _ := cluster.JobState(oldID)
			assert.Equal(t, flinkrest.JobRunning, state)
			assert.Equal(t, 1, cluster.Counters().JarRuns, "nothing submitted")
		})
	}
}

// TestSuspendWhileSavepointing: the job is changed (a savepoint upgrade
// starts), then suspended while the savepoint is in flight. The savepoint
// is seen through, nothing new is submitted, and the resume restores it.
func TestSuspendWhileSavepointing(t *testing.T) {
	ns := newNamespace(t)
	cluster, oldID := runningJob(t, ns, "")
	cluster.SetOperationBehavior(fakejm.OperationBehavior{PendingPolls: 2})
	editSJ(t, ns, func(sj *v1beta1.FlinkSessionJob) { sj.Spec.Job.Parallelism = 3 })
	r, _ := newReconciler(k8s, nil)
	driveUntil(t, r, ns, 4, "stop sent", func(*v1beta1.FlinkSessionJob) bool { return len(stopOps(cluster)) == 1 })
	editSJ(t, ns, func(sj *v1beta1.FlinkSessionJob) { sj.Spec.Job.State = v1beta1.JobStateSuspended })

	restartedUntil(t, ns, 20, "suspended", func(sj *v1beta1.FlinkSessionJob) bool {
		return sj.Status.LifecycleState == v1beta1.LifecycleSuspended
	})
	ops := stopOps(cluster)
	require.Len(t, ops, 1, "the savepoint in flight is the suspend's")
	assert.Equal(t, ops[0].Location, getSJ(t, ns).Status.JobStatus.UpgradeSavepointPath)
	assert.Equal(t, 1, cluster.Counters().JarRuns, "nothing submitted while suspended")
	old, _ := cluster.JobState(oldID)
	assert.Equal(t, flinkrest.JobFinished, old)

	editSJ(t, ns, func(sj *v1beta1.FlinkSessionJob) { sj.Spec.Job.State = v1beta1.JobStateRunning })
	restartedUntil(t, ns, 20, "resumed", running)
	body := runBody(t, cluster, 1)
	assert.Equal(t, ops[0].Location, body["savepointPath"])
	assert.EqualValues(t, 3, body["parallelism"], "the resume runs the latest spec")
	assert.Len(t, stopOps(cluster), 1)
}

// TestJobThatFailsBetweenSavepointAttemptsIsPlannedAgain: the stop fails,
// and before its retry the job fails for good. A stopped job cannot take
// a savepoint: no second stop is sent, the upgrade is planned again by
// the state table, and the new job restores the failed job's latest
// checkpoint instead of starting empty.
func TestJobThatFailsBetweenSavepointAttemptsIsPlannedAgain(t *testing.T) {
	ns := newNamespace(t)
	cluster, oldID := runningJob(t, ns, "")
	cluster.SetOperationBehavior(fakejm.OperationBehavior{Fail: true, FailureMessage: "Checkpoint was declined"})
	editSJ(t, ns, func(sj *v1beta1.FlinkSessionJob) { sj.Spec.Job.Parallelism = 3 })
	now := time.Now()
	r, _ := newReconciler(k8s, nil)
	r.Now = func() time.Time { return now }
	for range 4 {
		_, _ = reconcileOnce(t, r, ns)
	}
	require.Len(t, stopOps(cluster), 1)
	latest := checkpointPath(t, cluster, oldID)
	require.NoError(t, cluster.FailJob(oldID, "java.lang.RuntimeException", "boom"))

	now = now.Add(11 * time.Second)
	driveUntil(t, r, ns, 20, "the new job RUNNING", func(sj *v1beta1.FlinkSessionJob) bool {
		return running(sj) && sj.Status.JobStatus.JobID != oldID
	})
	assert.Len(t, stopOps(cluster), 1, "no stop of a job that no longer runs")
	assert.Equal(t, latest, runBody(t, cluster, 1)["savepointPath"], "restored from the failed job's latest checkpoint")
}
