package sessionjob_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/utils/ptr"

	"github.com/flinkops/flink-operator/internal/testing/fakejm"
	"github.com/flinkops/flink-operator/reconciler/flinkrest"
	"github.com/flinkops/flink-operator/reconciler/sessionjob"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// savepointOps is the savepoints taken without stopping the job.
func savepointOps(cluster *fakejm.Cluster) []fakejm.Operation {
	var out []fakejm.Operation
	for _, op := range cluster.Operations() {
		if !op.Stop {
			out = append(out, op)
		}
	}
	return out
}

// servedNonce is the savepointTriggerNonce recorded as served.
func servedNonce(t *testing.T, sj *v1beta1.FlinkSessionJob) *int64 {
	t.Helper()
	var rec v1beta1.FlinkSessionJobSpec
	require.NoError(t, jsonUnmarshal(sj.Status.ReconciliationStatus.LastReconciledSpec, &rec))
	return rec.Job.SavepointTriggerNonce
}

// TestManualSavepoint: a new savepointTriggerNonce takes one savepoint of
// the running job, recorded before it is sent; its location lands in
// status and the nonce is served once. The job keeps running, and the
// operator is restarted before every pass.
func TestManualSavepoint(t *testing.T) {
	ns := newNamespace(t)
	cluster, jobID := runningJob(t, ns, "")
	editSJ(t, ns, func(sj *v1beta1.FlinkSessionJob) { sj.Spec.Job.SavepointTriggerNonce = ptr.To[int64](1) })

	r, _ := newReconciler(k8s, nil)
	_, err := reconcileOnce(t, r, ns)
	require.NoError(t, err)
	sj := getSJ(t, ns)
	require.NotNil(t, sj.Status.SavepointTrigger, "recorded")
	require.NotNil(t, sj.Status.JobStatus.SavepointInfo)
	trigger := sj.Status.JobStatus.SavepointInfo.TriggerID
	require.True(t, flinkrest.IsFlinkID(trigger))

	restartedUntil(t, ns, 10, "savepoint recorded", func(sj *v1beta1.FlinkSessionJob) bool {
		return sj.Status.SavepointTrigger == nil && sj.Status.JobStatus.SavepointInfo != nil && sj.Status.JobStatus.SavepointInfo.LastSavepoint != nil
	})
	for range 3 {
		r, _ := newReconciler(k8s, nil)
		_, _ = reconcileOnce(t, r, ns)
	}
	sj = getSJ(t, ns)
	ops := savepointOps(cluster)
	require.Len(t, ops, 1, "one savepoint for one nonce")
	assert.Equal(t, trigger, ops[0].RequestID, "the recorded trigger id was sent")
	assert.Equal(t, "s3://flink/savepoints", ops[0].TargetDirectory, "the session's savepoint directory")
	last := sj.Status.JobStatus.SavepointInfo.LastSavepoint
	assert.Equal(t, ops[0].Location, last.Location)
	assert.Equal(t, "MANUAL", last.TriggerType)
	assert.Equal(t, ptr.To[int64](1), servedNonce(t, sj))
	assert.Empty(t, stopOps(cluster))
	state, _ := cluster.JobState(jobID)
	assert.Equal(t, flinkrest.JobRunning, state, "the job keeps running")
	assert.Equal(t, sj.Generation, sj.Status.ObservedGeneration)
	assert.Equal(t, 1, cluster.Counters().JarRuns, "no restart")
}

// TestManualSavepointCrashAfterTheTrigger: the operator dies after the
// trigger was sent and before it saw the answer; the restarted one polls
// the same trigger, and one savepoint is taken.
func TestManualSavepointCrashAfterTheTrigger(t *testing.T) {
	ns := newNamespace(t)
	cluster, _ := runningJob(t, ns, "")
	cluster.SetOperationBehavior(fakejm.OperationBehavior{PendingPolls: 2})
	editSJ(t, ns, func(sj *v1beta1.FlinkSessionJob) { sj.Spec.Job.SavepointTriggerNonce = ptr.To[int64](5) })
	r, _ := newReconciler(k8s, stopAt(sessionjob.HookSnapshotSent))
	driveUntil(t, r, ns, 4, "trigger sent", func(*v1beta1.FlinkSessionJob) bool { return len(savepointOps(cluster)) == 1 })
	restartedUntil(t, ns, 20, "savepoint recorded", func(sj *v1beta1.FlinkSessionJob) bool {
		return sj.Status.SavepointTrigger == nil && sj.Status.JobStatus.SavepointInfo != nil && sj.Status.JobStatus.SavepointInfo.LastSavepoint != nil
	})
	assert.Len(t, savepointOps(cluster), 1)
	assert.Equal(t, ptr.To[int64](5), servedNonce(t, getSJ(t, ns)))
}

// TestSavepointNonceWithAnUpgrade: a nonce changed in the same edit as the
// job is not counted as served by the upgrade's stop-with-savepoint: the
// new job runs, then the manual savepoint is taken of it.
func TestSavepointNonceWithAnUpgrade(t *testing.T) {
	ns := newNamespace(t)
	cluster, oldID := runningJob(t, ns, "")
	editSJ(t, ns, func(sj *v1beta1.FlinkSessionJob) {
		sj.Spec.Job.Parallelism = 3
		sj.Spec.Job.SavepointTriggerNonce = ptr.To[int64](2)
	})
	restartedUntil(t, ns, 30, "upgraded, then the manual savepoint served", func(sj *v1beta1.FlinkSessionJob) bool {
		n := servedNonce(t, sj)
		return running(sj) && sj.Status.JobStatus.JobID != oldID && n != nil && *n == 2 && sj.Status.SavepointTrigger == nil
	})
	sj := getSJ(t, ns)
	require.Len(t, stopOps(cluster), 1)
	ops := savepointOps(cluster)
	require.Len(t, ops, 1)
	assert.Equal(t, sj.Status.JobStatus.JobID, ops[0].JobID, "of the new job")
}

// TestUpgradeWaitsForTheSavepointInFlight: the job is changed while a
// manual savepoint is in progress; the upgrade waits for it, records it,
// and then stops the job with its own savepoint.
func TestUpgradeWaitsForTheSavepointInFlight(t *testing.T) {
	ns := newNamespace(t)
	cluster, oldID := runningJob(t, ns, "")
	cluster.SetOperationBehavior(fakejm.OperationBehavior{PendingPolls: 3})
	editSJ(t, ns, func(sj *v1beta1.FlinkSessionJob) { sj.Spec.Job.SavepointTriggerNonce = ptr.To[int64](1) })
	r, _ := newReconciler(k8s, nil)
	driveUntil(t, r, ns, 4, "trigger sent", func(*v1beta1.FlinkSessionJob) bool { return len(savepointOps(cluster)) == 1 })
	editSJ(t, ns, func(sj *v1beta1.FlinkSessionJob) { sj.Spec.Job.Parallelism = 3 })
	_, err := reconcileOnce(t, r, ns)
	require.NoError(t, err)
	assert.Empty(t, stopOps(cluster), "the upgrade waits")
	assert.Contains(t, getSJ(t, ns).Status.Error, "waits for the MANUAL savepoint in progress")

	restartedUntil(t, ns, 30, "upgraded", func(sj *v1beta1.FlinkSessionJob) bool {
		return running(sj) && sj.Status.JobStatus.JobID != oldID
	})
	sj := getSJ(t, ns)
	manual := savepointOps(cluster)
	require.Len(t, manual, 1)
	history := sj.Status.JobStatus.SavepointInfo.SavepointHistory
	require.Len(t, history, 2, "the manual savepoint, then the upgrade's")
	assert.Equal(t, manual[0].Location, history[0].Location)
	assert.Equal(t, "UPGRADE", history[1].TriggerType)
	assert.Len(t, stopOps(cluster), 1)
}

// TestPeriodicSavepoint: with kubernetes.operator.periodic.savepoint.interval
// in the job's configuration, a savepoint is taken once the interval has
// passed since the FlinkSessionJob was created, and not again before the
// next one.
func TestPeriodicSavepoint(t *testing.T) {
	ns := newNamespace(t)
	cluster, _ := runningJob(t, ns, "  flinkConfiguration:\n    kubernetes.operator.periodic.savepoint.interval: 1h\n")
	created := getSJ(t, ns).CreationTimestamp.Time
	at := func(d time.Duration) *sessionjob.Reconciler {
		r, _ := newReconciler(k8s, nil)
		r.Now = func() time.Time { return created.Add(d) }
		return r
	}
	_, err := reconcileOnce(t, at(30*time.Minute), ns)
	require.NoError(t, err)
	assert.Empty(t, savepointOps(cluster), "not due")
	for range 4 {
		_, _ = reconcileOnce(t, at(61*time.Minute), ns)
	}
	require.Len(t, savepointOps(cluster), 1, "due")
	sj := getSJ(t, ns)
	require.NotNil(t, sj.Status.JobStatus.SavepointInfo.LastSavepoint)
	assert.Equal(t, "PERIODIC", sj.Status.JobStatus.SavepointInfo.LastSavepoint.TriggerType)
	for range 3 {
		_, _ = reconcileOnce(t, at(90*time.Minute), ns)
	}
	assert.Len(t, savepointOps(cluster), 1, "not again within the interval")
}

func jsonUnmarshal(s string, v any) error { return json.Unmarshal([]byte(s), v) }
