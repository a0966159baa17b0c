package sessionjob_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/flinkops/flink-operator/internal/testing/fakejm"
	"github.com/flinkops/flink-operator/reconciler/flinkrest"
	"github.com/flinkops/flink-operator/reconciler/sessionjob"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// retained is the job-level configuration that keeps a job's checkpoints
// when it is cancelled; the run passes it with the job.
const retained = "  flinkConfiguration:\n    execution.checkpointing.externalized-checkpoint-retention: RETAIN_ON_CANCELLATION\n"

// lastStateJob submits a last-state session job with the given extra spec
// and returns its session and job id.
func lastStateJob(t *testing.T, ns, extra string) (*fakejm.Cluster, string) {
	t.Helper()
	cluster := createSession(t, ns, readySession)
	doc := strings.Replace(sessionJobDoc(extra), "upgradeMode: savepoint", "upgradeMode: last-state", 1)
	createSessionJob(t, ns, doc)
	r, _ := newReconciler(k8s, nil)
	driveUntil(t, r, ns, 10, "RUNNING", running)
	return cluster, getSJ(t, ns).Status.JobStatus.JobID
}

func checkpointPath(t *testing.T, cluster *fakejm.Cluster, jobID string) string {
	t.Helper()
	id, err := cluster.AddCheckpoint(jobID, fakejm.CheckpointSpec{})
	require.NoError(t, err)
	return "file:/flink-data/checkpoints/" + jobID + "/chk-" + strconv.FormatInt(id, 10)
}

// TestLastStateUpgradeRestoresTheLatestCheckpoint: a change of a
// last-state job whose checkpoints are retained on cancellation records
// the upgrade before anything is sent, cancels the job (no savepoint), and
// submits the new spec from the newest checkpoint at the time the job
// ended, not the one seen when the upgrade started. The operator is
// restarted before every pass.
func TestLastStateUpgradeRestoresTheLatestCheckpoint(t *testing.T) {
	ns := newNamespace(t)
	cluster, oldID := lastStateJob(t, ns, retained)
	first := checkpointPath(t, cluster, oldID)
	editSJ(t, ns, func(sj *v1beta1.FlinkSessionJob) { sj.Spec.Job.Parallelism = 3 })

	r, rec := newReconciler(k8s, nil)
	_, err := reconcileOnce(t, r, ns)
	require.NoError(t, err)
	sj := getSJ(t, ns)
	require.NotNil(t, sj.Status.Upgrade)
	assert.Equal(t, v1beta1.PhaseTakingDown, sj.Status.Upgrade.Phase)
	assert.Equal(t, v1beta1.UpgradeModeLastState, sj.Status.Upgrade.Mode)
	assert.True(t, flinkrest.IsFlinkID(sj.Status.Upgrade.JobID), "the new job id is recorded first")
	assert.Empty(t, sj.Status.Upgrade.RestorePath, "the checkpoint is read once the job ended")
	assert.Zero(t, cluster.Counters().Cancels, "recorded before anything is sent")
	require.NotEmpty(t, rec.byReason("CheckpointRestore"))
	assert.Contains(t, rec.byReason("CheckpointRestore")[0].Note, first)

	// A newer checkpoint completes before the cancel reaches the job.
	latest := checkpointPath(t, cluster, oldID)
	restartedUntil(t, ns, 20, "the new job RUNNING", func(sj *v1beta1.FlinkSessionJob) bool {
		return running(sj) && sj.Status.JobStatus.JobID != oldID
	})
	sj = getSJ(t, ns)
	assert.Equal(t, 1, cluster.Counters().Cancels, "one cancel")
	assert.Empty(t, stopOps(cluster), "no savepoint")
	old, _ := cluster.JobState(oldID)
	assert.Equal(t, flinkrest.JobCanceled, old)
	body := runBody(t, cluster, 1)
	assert.Equal(t, latest, body["savepointPath"], "the newest checkpoint, not %s", first)
	assert.EqualValues(t, 3, body["parallelism"])
	assert.Equal(t, latest, sj.Status.DeployedWith.RestorePath)
	assert.Equal(t, sj.Generation, sj.Status.ObservedGeneration)
	assert.Empty(t, sj.Status.Error)
}

// TestLastStateJobsRunWithRetainedCheckpoints: a stateful job is run with
// its checkpoints retained on cancellation, unless its configuration sets
// the retention itself, so that a last-state upgrade, or the restore of a
// job that failed, finds the latest checkpoint without the user setting
// anything; a stateless job runs with its configuration as written.
func TestLastStateJobsRunWithRetainedCheckpoints(t *testing.T) {
	const key = "execution.checkpointing.externalized-checkpoint-retention"
	configOf := func(cluster *fakejm.Cluster) map[string]any {
		c, _ := runBody(t, cluster, 0)["flinkConfiguration"].(map[string]any)
		return c
	}
	t.Run("last-state", func(t *testing.T) {
		ns := newNamespace(t)
		cluster, oldID := lastStateJob(t, ns, "")
		assert.Equal(t, "RETAIN_ON_CANCELLATION", configOf(cluster)[key])
		latest := checkpointPath(t, cluster, oldID)
		editSJ(t, ns, func(sj *v1beta1.FlinkSessionJob) { sj.Spec.Job.Parallelism = 3 })
		restartedUntil(t, ns, 20, "the new job RUNNING", func(sj *v1beta1.FlinkSessionJob) bool {
			return running(sj) && sj.Status.JobStatus.JobID != oldID
		})
		assert.Equal(t, 1, cluster.Counters().Cancels)
		assert.Empty(t, stopOps(cluster))
		assert.Equal(t, latest, runBody(t, cluster, 1)["savepointPath"])
	})
	t.Run("the user's retention wins", func(t *testing.T) {
		ns := newNamespace(t)
		cluster, _ := lastStateJob(t, ns, "  flinkConfiguration:\n    "+key+": DELETE_ON_CANCELLATION\n")
		assert.Equal(t, "DELETE_ON_CANCELLATION", configOf(cluster)[key])
	})
	t.Run("savepoint", func(t *testing.T) {
		ns := newNamespace(t)
		cluster, _ := runningJob(t, ns, "")
		assert.Equal(t, "RETAIN_ON_CANCELLATION", configOf(cluster)[key])
	})
	t.Run("stateless", func(t *testing.T) {
		ns := newNamespace(t)
		cluster := createSession(t, ns, readySession)
		createSessionJob(t, ns, strings.Replace(sessionJobDoc(""), "upgradeMode: savepoint", "upgradeMode: stateless", 1))
		r, _ := newReconciler(k8s, nil)
		driveUntil(t, r, ns, 10, "RUNNING", running)
		assert.NotContains(t, configOf(cluster), key)
	})
}

// TestLastStateTakesASavepointWhenACancelWouldLoseTheState: without
// checkpoints that survive a cancel (the retention is not
// RETAIN_ON_CANCELLATION, or none completed yet), the job is stopped with a
// savepoint instead, and the event says why. It is never cancelled.
func TestLastStateTakesASavepointWhenACancelWouldLoseTheState(t *testing.T) {
	for _, tc := range []struct {
		name, extra string
		checkpoint  bool
		why         string
	}{
		{"deleted on cancellation", "  flinkConfiguration:\n    execution.checkpointing.externalized-checkpoint-retention: DELETE_ON_CANCELLATION\n", true, "deleted when it is cancelled"},
		{"no checkpoint completed", retained, false, "no checkpoint of it has completed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ns := newNamespace(t)
			cluster, oldID := lastStateJob(t, ns, tc.extra)
			if tc.checkpoint {
				checkpointPath(t, cluster, oldID)
			}
			editSJ(t, ns, func(sj *v1beta1.FlinkSessionJob) { sj.Spec.Job.Parallelism = 3 })
			r, rec := newReconciler(k8s, nil)
			driveUntil(t, r, ns, 20, "the new job RUNNING", func(sj *v1beta1.FlinkSessionJob) bool {
				return running(sj) && sj.Status.JobStatus.JobID != oldID
			})
			assert.Zero(t, cluster.Counters().Cancels, "never cancelled")
			ops := stopOps(cluster)
			require.Len(t, ops, 1, "stopped with a savepoint")
			assert.Equal(t, ops[0].Location, runBody(t, cluster, 1)["savepointPath"])
			require.NotEmpty(t, rec.byReason("Savepoint"))
			assert.Contains(t, rec.byReason("Savepoint")[0].Note, tc.why)
		})
	}
}

// TestLastStateWaitsWhenTheCheckpointsDoNotAnswer: the JobManager does not
// answer about the job's checkpoints (a call that never answers): the
// change waits; the job is neither cancelled nor stopped.
func TestLastStateWaitsWhenTheCheckpointsDoNotAnswer(t *testing.T) {
	ns := newNamespace(t)
	cluster, oldID := lastStateJob(t, ns, retained)
	checkpointPath(t, cluster, oldID)
	cluster.InjectFault(fakejm.Fault{Route: "GET /jobs/:jobid/checkpoints/config", Latency: 5 * time.Second})
	editSJ(t, ns, func(sj *v1beta1.FlinkSessionJob) { sj.Spec.Job.Parallelism = 3 })
	for range 4 {
		r, _ := newReconciler(k8s, nil)
		r.RESTTimeout = 200 * time.Millisecond
		_, _ = reconcileOnce(t, r, ns)
	}
	sj := getSJ(t, ns)
	assert.Nil(t, sj.Status.Upgrade, "nothing recorded")
	assert.Contains(t, sj.Status.Error, "checkpoints")
	assert.Zero(t, cluster.Counters().Cancels)
	assert.Empty(t, stopOps(cluster))
	state, _ := cluster.JobState(oldID)
	assert.Equal(t, flinkrest.JobRunning, state)

	cluster.ClearFaults()
	restartedUntil(t, ns, 20, "upgraded once it answers", func(sj *v1beta1.FlinkSessionJob) bool {
		return running(sj) && sj.Status.JobStatus.JobID != oldID
	})
	assert.Equal(t, 1, cluster.Counters().Cancels)
}

// TestJobManagerForgetsTheCancelledJob: after the cancel, the session's
// JobManager no longer knows the job (it restarted without HA), so its
// latest checkpoint cannot be read. Nothing is submitted: Manual restore
// required, Stalled.
func TestJobManagerForgetsTheCancelledJob(t *testing.T) {
	ns := newNamespace(t)
	cluster, oldID := lastStateJob(t, ns, retained)
	checkpointPath(t, cluster, oldID)
	editSJ(t, ns, func(sj *v1beta1.FlinkSessionJob) { sj.Spec.Job.Parallelism = 3 })
	restartedUntil(t, ns, 10, "cancel sent", func(*v1beta1.FlinkSessionJob) bool { return cluster.Counters().Cancels == 1 })
	cluster.InjectFault(fakejm.Fault{Route: "GET /jobs/:jobid", Status: http.StatusNotFound, Errors: []string{"Job " + oldID + " not found"}})
	for range 4 {
		r, _ := newReconciler(k8s, nil)
		_, _ = reconcileOnce(t, r, ns)
	}
	sj := getSJ(t, ns)
	assert.True(t, strings.HasPrefix(sj.Status.Error, "Manual restore required: "), sj.Status.Error)
	assert.Contains(t, sj.Status.Error, "no longer knows it")
	assert.Equal(t, 1, cluster.Counters().JarRuns, "nothing submitted without the state")
	stalled := meta.FindStatusCondition(sj.Status.Conditions, "Stalled")
	require.NotNil(t, stalled)
	assert.Equal(t, metav1.ConditionTrue, stalled.Status)
	assert.Equal(t, "ManualRestoreRequired", stalled.Reason)
}

// TestFailedJobRestoresFromItsLatestCheckpoint: a job that FAILED says how
// to restart it; a restartNonce then submits it from its latest
// checkpoint, without a cancel or a savepoint.
func TestFailedJobRestoresFromItsLatestCheckpoint(t *testing.T) {
	ns := newNamespace(t)
	cluster, oldID := runningJob(t, ns, retained)
	latest := checkpointPath(t, cluster, oldID)
	require.NoError(t, cluster.FailJob(oldID, "java.lang.IllegalStateException", "bad record"))
	r, _ := newReconciler(k8s, nil)
	_, err := reconcileOnce(t, r, ns)
	require.NoError(t, err)
	sj := getSJ(t, ns)
	assert.Equal(t, "FAILED", sj.Status.JobStatus.State)
	stalled := meta.FindStatusCondition(sj.Status.Conditions, "Stalled")
	require.NotNil(t, stalled)
	assert.Contains(t, stalled.Message, "spec.restartNonce")

	editSJ(t, ns, func(sj *v1beta1.FlinkSessionJob) { sj.Spec.RestartNonce = ptr.To[int64](1) })
	restartedUntil(t, ns, 20, "the new job RUNNING", func(sj *v1beta1.FlinkSessionJob) bool {
		return running(sj) && sj.Status.JobStatus.JobID != oldID
	})
	assert.Equal(t, latest, runBody(t, cluster, 1)["savepointPath"])
	assert.Zero(t, cluster.Counters().Cancels)
	assert.Empty(t, stopOps(cluster))
}

// TestUpgradeModeEditedMidUpgradeKeepsTheState: the user starts a
// last-state upgrade, then, while the job is being cancelled, switches
// upgradeMode to stateless. upgradeMode alone is no change (as in the
// reference), and the upgrade in flight restores the checkpoint it
// cancelled the job for.
func TestUpgradeModeEditedMidUpgradeKeepsTheState(t *testing.T) {
	ns := newNamespace(t)
	cluster, oldID := lastStateJob(t, ns, retained)
	latest := checkpointPath(t, cluster, oldID)
	cluster.SetCancelReads(3)
	editSJ(t, ns, func(sj *v1beta1.FlinkSessionJob) { sj.Spec.Job.Parallelism = 3 })
	restartedUntil(t, ns, 10, "cancel sent", func(*v1beta1.FlinkSessionJob) bool { return cluster.Counters().Cancels == 1 })
	editSJ(t, ns, func(sj *v1beta1.FlinkSessionJob) { sj.Spec.Job.UpgradeMode = v1beta1.UpgradeModeStateless })
	restartedUntil(t, ns, 20, "the new job RUNNING, at the latest generation", func(sj *v1beta1.FlinkSessionJob) bool {
		return running(sj) && sj.Status.JobStatus.JobID != oldID && sj.Status.ObservedGeneration == sj.Generation
	})
	assert.Equal(t, latest, runBody(t, cluster, 1)["savepointPath"])
	assert.Equal(t, 2, cluster.Counters().JarRuns, "the upgradeMode edit restarts nothing")
}

// TestSavepointRedeploy: a new savepointRedeployNonce cancels the job and
// submits it from spec.job.initialSavepointPath.
func TestSavepointRedeploy(t *testing.T) {
	ns := newNamespace(t)
	cluster, oldID := runningJob(t, ns, "")
	editSJ(t, ns, func(sj *v1beta1.FlinkSessionJob) {
		sj.Spec.Job.SavepointRedeployNonce = ptr.To[int64](1)
		sj.Spec.Job.InitialSavepointPath = "s3://flink/savepoints/savepoint-7"
	})
	restartedUntil(t, ns, 20, "redeployed", func(sj *v1beta1.FlinkSessionJob) bool {
		return running(sj) && sj.Status.JobStatus.JobID != oldID
	})
	assert.Equal(t, "s3://flink/savepoints/savepoint-7", runBody(t, cluster, 1)["savepointPath"])
	assert.Equal(t, 1, cluster.Counters().Cancels)
	assert.Empty(t, stopOps(cluster))
}

// TestCrashDuringLastStateUpgrade kills the operator at each boundary of a
// last-state upgrade and restarts it with no memory: after the record,
// before the cancel; after the cancel, before its status write (the job
// then ends while no operator runs). Whatever happens: one cancel, no
// savepoint, the new job restored from the newest checkpoint.
func TestCrashDuringLastStateUpgrade(t *testing.T) {
	for _, tc := range []struct {
		name  string
		crash func(t *testing.T, ns string, cluster *fakejm.Cluster)
	}{
		{"after the record, before the cancel", func(t *testing.T, ns string, cluster *fakejm.Cluster) {
			r, _ := newReconciler(k8s, nil)
			_, err := reconcileOnce(t, r, ns)
			require.NoError(t, err)
			require.Equal(t, v1beta1.PhaseTakingDown, getSJ(t, ns).Status.Upgrade.Phase)
			require.Zero(t, cluster.Counters().Cancels)
		}},
		{"after the cancel, before its status write", func(t *testing.T, ns string, cluster *fakejm.Cluster) {
			r, _ := newReconciler(k8s, stopAt(sessionjob.HookCancelSent))
			driveUntil(t, r, ns, 4, "cancel sent", func(*v1beta1.FlinkSessionJob) bool { return cluster.Counters().Cancels == 1 })
			cluster.SettleJobs()
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ns := newNamespace(t)
			cluster, oldID := lastStateJob(t, ns, retained)
			latest := checkpointPath(t, cluster, oldID)
			editSJ(t, ns, func(sj *v1beta1.FlinkSessionJob) { sj.Spec.Job.Parallelism = 3 })
			tc.crash(t, ns, cluster)
			if state, _ := cluster.JobState(oldID); state == flinkrest.JobRunning {
				latest = checkpointPath(t, cluster, oldID) // one more before the cancel
			}
			restartedUntil(t, ns, 20, "the new job RUNNING", func(sj *v1beta1.FlinkSessionJob) bool {
				return running(sj) && sj.Status.JobStatus.JobID != oldID
			})
			assert.Equal(t, 1, cluster.Counters().Cancels)
			assert.Empty(t, stopOps(cluster))
			assert.Equal(t, 2, cluster.Counters().JarRuns)
			assert.Equal(t, latest, runBody(t, cluster, 1)["savepointPath"])
		})
	}
}
