package sessionjob_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/api/meta"

	"github.com/flinkops/flink-operator/internal/testing/fakejm"
	"github.com/flinkops/flink-operator/reconciler/flinkrest"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// runBody is the body of the i-th run request.
func runBody(t *testing.T, cluster *fakejm.Cluster, i int) map[string]any {
	t.Helper()
	runs := cluster.RequestsTo("POST /jars/:jarid/run")
	require.Greater(t, len(runs), i, "run %d was not sent", i)
	var body map[string]any
	require.NoError(t, json.Unmarshal(runs[i].Body, &body))
	return body
}

// stopOps is the stop-with-savepoint operations the cluster created.
func stopOps(cluster *fakejm.Cluster) []fakejm.Operation {
	var out []fakejm.Operation
	for _, op := range cluster.Operations() {
		if op.Stop {
			out = append(out, op)
		}
	}
	return out
}

func editSJ(t *testing.T, ns string, edit func(*v1beta1.FlinkSessionJob)) {
	t.Helper()
	sj := getSJ(t, ns)
	edit(sj)
	require.NoError(t, k8s.Update(context.Background(), sj))
}

// restartedUntil runs passes, each by a new reconciler (an operator
// restarted with no memory), until done holds, at most n.
func restartedUntil(t *testing.T, ns string, n int, what string, done func(*v1beta1.FlinkSessionJob) bool) {
	t.Helper()
	for range n {
		if done(getSJ(t, ns)) {
			return
		}
		r, _ := newReconciler(k8s, nil)
		_, _ = reconcileOnce(t, r, ns)
	}
	require.True(t, done(getSJ(t, ns)), "%s: not reached after %d restarts; status: %+v", what, n, getSJ(t, ns).Status)
}

// TestSavepointUpgrade: a job change with upgradeMode savepoint stops the
// job with one savepoint, whose trigger id was recorded before the stop
// was sent, and submits the new spec from it under a new id. The operator
// is restarted before each pass.
func TestSavepointUpgrade(t *testing.T) {
	ns := newNamespace(t)
	cluster, oldID := runningJob(t, ns, "")
	editSJ(t, ns, func(sj *v1beta1.FlinkSessionJob) { sj.Spec.Job.Parallelism = 3 })

	r, rec := newReconciler(k8s, nil)
	_, err := reconcileOnce(t, r, ns)
	require.NoError(t, err)
	sj := getSJ(t, ns)
	require.NotNil(t, sj.Status.Upgrade)
	assert.Equal(t, v1beta1.PhaseSavepointing, sj.Status.Upgrade.Phase)
	require.True(t, flinkrest.IsFlinkID(sj.Status.Upgrade.TriggerID), "the trigger id is recorded")
	trigger := sj.Status.Upgrade.TriggerID
	assert.Empty(t, cluster.Operations(), "recorded before anything is sent")
	assert.NotEmpty(t, rec.byReason("Savepoint"))

	restartedUntil(t, ns, 20, "the new job RUNNING", func(sj *v1beta1.FlinkSessionJob) bool {
		return running(sj) && sj.Status.JobStatus.JobID != oldID
	})
	sj = getSJ(t, ns)
	ops := stopOps(cluster)
	require.Len(t, ops, 1, "one stop-with-savepoint for one upgrade")
	assert.Equal(t, trigger, ops[0].RequestID, "the recorded trigger id was sent")
	assert.Equal(t, "s3://flink/savepoints", ops[0].TargetDirectory, "the session's savepoint directory")
	location := ops[0].Location
	require.NotEmpty(t, location)
	assert.Equal(t, location, sj.Status.JobStatus.UpgradeSavepointPath, "the location is recorded")
	assert.Equal(t, location, sj.Status.DeployedWith.RestorePath)
	require.NotNil(t, sj.Status.JobStatus.SavepointInfo)
	require.NotNil(t, sj.Status.JobStatus.SavepointInfo.LastSavepoint)
	assert.Equal(t, location, sj.Status.JobStatus.SavepointInfo.LastSavepoint.Location)

	body := runBody(t, cluster, 1)
	assert.Equal(t, location, body["savepointPath"], "the new job is restored from the savepoint")
	assert.EqualValues(t, 3, body["parallelism"])
	assert.Equal(t, sj.Status.JobStatus.JobID, body["jobId"])
	old, _ := cluster.JobState(oldID)
	assert.Equal(t, flinkrest.JobFinished, old, "stopped, not cancelled")
	assert.Zero(t, cluster.Counters().Cancels)
	assert.Empty(t, sj.Status.Error)
	assert.Equal(t, sj.Generation, sj.Status.ObservedGeneration)
}

// TestSuspendThenResume: a suspend stops the job with a savepoint and
// records it; nothing runs and the job is Ready as suspended; the resume
// submits from that savepoint.
func TestSuspendThenResume(t *testing.T) {
	ns := newNamespace(t)
	cluster, oldID := runningJob(t, ns, "")
	editSJ(t, ns, func(sj *v1beta1.FlinkSessionJob) { sj.Spec.Job.State = v1beta1.JobStateSuspended })
	restartedUntil(t, ns, 20, "suspended", func(sj *v1beta1.FlinkSessionJob) bool {
		return sj.Status.LifecycleState == v1beta1.LifecycleSuspended
	})
	sj := getSJ(t, ns)
	ops := stopOps(cluster)
	require.Len(t, ops, 1)
	location := ops[0].Location
	assert.Equal(t, location, sj.Status.JobStatus.UpgradeSavepointPath, "where to resume is recorded")
	assert.Nil(t, sj.Status.DeployedWith)
	assert.True(t, meta.IsStatusConditionTrue(sj.Status.Conditions, "Ready"), "suspended as asked")
	old, _ := cluster.JobState(oldID)
	assert.Equal(t, flinkrest.JobFinished, old)
	assert.Equal(t, 1, cluster.Counters().JarRuns, "nothing submitted while suspended")
	// A resync changes nothing.
	r, _ := newReconciler(k8s, nil)
	_, err := reconcileOnce(t, r, ns)
	require.NoError(t, err)
	assert.Equal(t, 1, cluster.Counters().JarRuns)

	editSJ(t, ns, func(sj *v1beta1.FlinkSessionJob) { sj.Spec.Job.State = v1beta1.JobStateRunning })
	restartedUntil(t, ns, 20, "resumed", running)
	sj = getSJ(t, ns)
	assert.NotEqual(t, oldID, sj.Status.JobStatus.JobID)
	assert.Equal(t, location, runBody(t, cluster, 1)["savepointPath"], "the resume restores the suspend's savepoint")
	assert.Len(t, stopOps(cluster), 1)
}

// TestStatelessSuspendCancels: upgradeMode stateless suspends by
// cancelling, and the resume starts empty.
func TestStatelessSuspendCancels(t *testing.T) {
	ns := newNamespace(t)
	cluster, _ := runningJob(t, ns, "")
	editSJ(t, ns, func(sj *v1beta1.FlinkSessionJob) {
		sj.Spec.Job.State = v1beta1.JobStateSuspended
		sj.Spec.Job.UpgradeMode = v1beta1.UpgradeModeStateless
	})
	restartedUntil(t, ns, 20, "suspended", func(sj *v1beta1.FlinkSessionJob) bool {
		return sj.Status.LifecycleState == v1beta1.LifecycleSuspended
	})
	assert.Equal(t, 1, cluster.Counters().Cancels)
	assert.Empty(t, cluster.Operations())
	editSJ(t, ns, func(sj *v1beta1.FlinkSessionJob) { sj.Spec.Job.State = v1beta1.JobStateRunning })
	restartedUntil(t, ns, 20, "resumed", running)
	assert.Nil(t, runBody(t, cluster, 1)["savepointPath"])
}

// TestSuspendedFromTheStartSubmitsNothing: a session job created
// suspended runs nothing until resumed.
func TestSuspendedFromTheStartSubmitsNothing(t *testing.T) {
	ns := newNamespace(t)
	cluster := createSession(t, ns, readySession)
	createSessionJob(t, ns, sessionJobDoc("    state: suspended\n"))
	restartedUntil(t, ns, 5, "suspended", func(sj *v1beta1.FlinkSessionJob) bool {
		return sj.Status.LifecycleState == v1beta1.LifecycleSuspended
	})
	assert.Zero(t, restWrites(cluster))
	editSJ(t, ns, func(sj *v1beta1.FlinkSessionJob) { sj.Spec.Job.State = v1beta1.JobStateRunning })
	restartedUntil(t, ns, 20, "running", running)
	assert.Equal(t, 1, cluster.Counters().JarRuns)
}
