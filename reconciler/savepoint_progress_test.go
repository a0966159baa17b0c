package reconciler_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"k8s.io/apimachinery/pkg/api/meta"

	"github.com/flinkops/flink-operator/internal/testing/fakejm"
	"github.com/flinkops/flink-operator/reconciler/health"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// A long upgrade savepoint shows its progress: acknowledged/total subtasks
// in status.upgrade.savepointProgress, in the Upgrade column kubectl
// prints, and in the Reconciling message. A JobManager whose statistics do
// not answer leaves the last reading, and the upgrade goes on regardless.
func TestUpgradeSavepointShowsProgress(t *testing.T) {
	d := deployRunning(t, "prog", "v1_20", statefulSpec("prog", "savepoint", ""))
	d.r.GatePolicy.SavepointTimeout = time.Minute
	d.sim.cluster.SetOperationBehavior(fakejm.OperationBehavior{PendingPolls: fakejm.Forever})
	updateFD(t, d.sim.ns, "prog", newImage)
	fd := d.until("savepoint in flight", 20, func(fd *v1beta1.FlinkDeployment) bool {
		up := fd.Status.Upgrade
		return up != nil && up.Phase == v1beta1.PhaseSavepointing && up.TriggerID != ""
	})
	trigger := fd.Status.Upgrade.TriggerID

	// The sim's jobs run one subtask; the fake reports the job's parallelism
	// as the savepoint's total.
	for _, acked := range []int{0, 1} {
		require.NoError(t, d.sim.cluster.AcknowledgeSubtasks(trigger, acked))
		require.NoError(t, d.pass())
		fd = getFD(t, d.sim.ns, "prog")
		pr := fd.Status.Upgrade.SavepointProgress
		require.NotNil(t, pr, "after %d acknowledgements", acked)
		assert.Equal(t, int32(acked), pr.AcknowledgedSubtasks)
		assert.Equal(t, int32(1), pr.TotalSubtasks, "the job's parallelism")
		assert.False(t, pr.LastProgressTime.IsZero())
		want := map[int]string{0: "Savepointing 0/1", 1: "Savepointing 1/1"}[acked]
		assert.Equal(t, want, printedColumns(t, d.sim.ns, "prog")["Upgrade"], "kubectl get")
		rec := meta.FindStatusCondition(fd.Status.Conditions, health.Reconciling)
		require.NotNil(t, rec)
		assert.Contains(t, rec.Message, "subtasks acknowledged")
	}

	// Unchanged counts write nothing.
	rv := fd.ResourceVersion
	require.NoError(t, d.pass())
	assert.Equal(t, rv, getFD(t, d.sim.ns, "prog").ResourceVersion, "no status write while nothing moves")

	// The statistics stop answering: the pass is not held up beyond one
	// client timeout, the last reading stays, the savepoint is still
	// polled, and its completion finishes the upgrade.
	d.sim.cluster.InjectFault(fakejm.Fault{Route: "GET /jobs/:jobid/checkpoints", Status: 500})
	require.NoError(t, d.pass())
	fd = getFD(t, d.sim.ns, "prog")
	require.NotNil(t, fd.Status.Upgrade.SavepointProgress)
	assert.Equal(t, int32(1), fd.Status.Upgrade.SavepointProgress.AcknowledgedSubtasks)
	require.NoError(t, d.sim.cluster.CompleteOperation(trigger))
	fd = d.until("upgraded job running", 40, running)
	assert.Equal(t, 1, d.sim.stopTriggers())
	assert.Empty(t, printedColumns(t, d.sim.ns, "prog")["Upgrade"], "no upgrade in progress")
}

// A savepoint that never answers its statistics read does not block the
// gate: the pass finishes within the client's timeout.
func TestSavepointProgressReadThatNeverAnswers(t *testing.T) {
	d := deployRunning(t, "hang", "v1_20", statefulSpec("hang", "savepoint", ""))
	d.r.GatePolicy.SavepointTimeout = time.Minute
	d.sim.cluster.SetOperationBehavior(fakejm.OperationBehavior{PendingPolls: fakejm.Forever})
	updateFD(t, d.sim.ns, "hang", newImage)
	fd := d.until("progress read", 20, func(fd *v1beta1.FlinkDeployment) bool {
		up := fd.Status.Upgrade
		return up != nil && up.Phase == v1beta1.PhaseSavepointing && up.SavepointProgress != nil
	})
	d.sim.cluster.InjectFault(fakejm.Fault{Route: "GET /jobs/:jobid/checkpoints", Latency: time.Hour})
	require.NoError(t, d.sim.cluster.AcknowledgeSubtasks(fd.Status.Upgrade.TriggerID, 1))
	start := time.Now()
	require.NoError(t, d.pass())
	assert.Less(t, time.Since(start), 15*time.Second, "one client timeout (5s) at most")
	after := getFD(t, d.sim.ns, "hang")
	assert.Equal(t, fd.Status.Upgrade.SavepointProgress, after.Status.Upgrade.SavepointProgress, "the last reading stays, with its time")
	assert.Equal(t, "Savepointing 0/1", printedColumns(t, d.sim.ns, "hang")["Upgrade"])
	assert.Equal(t, fd.Status.Upgrade.TriggerID, after.Status.Upgrade.TriggerID)
	fd = after

	d.sim.cluster.ClearFaults()
	require.NoError(t, d.sim.cluster.CompleteOperation(fd.Status.Upgrade.TriggerID))
	d.until("upgraded job running", 40, running)
}

// A manual savepoint shows its progress in status.savepointTrigger.
func TestManualSavepointShowsProgress(t *testing.T) {
	d := deployRunning(t, "manprog", "v1_20", statefulSpec("manprog", "savepoint", ""))
	d.r.GatePolicy.SavepointTimeout = time.Minute
	d.sim.cluster.SetOperationBehavior(fakejm.OperationBehavior{PendingPolls: fakejm.Forever})
	updateFD(t, d.sim.ns, "manprog", setNonce(1))
	fd := d.until("savepoint in flight", 20, func(fd *v1beta1.FlinkDeployment) bool {
		info := fd.Status.JobStatus.SavepointInfo
		return fd.Status.SavepointTrigger != nil && info != nil && info.TriggerID != ""
	})
	trigger := fd.Status.JobStatus.SavepointInfo.TriggerID
	require.NoError(t, d.sim.cluster.AcknowledgeSubtasks(trigger, 1))
	require.NoError(t, d.pass())
	fd = getFD(t, d.sim.ns, "manprog")
	require.NotNil(t, fd.Status.SavepointTrigger)
	pr := fd.Status.SavepointTrigger.SavepointProgress
	require.NotNil(t, pr)
	assert.Equal(t, int32(1), pr.AcknowledgedSubtasks)
	assert.Equal(t, int32(1), pr.TotalSubtasks)

	require.NoError(t, d.sim.cluster.CompleteOperation(trigger))
	d.until("served", 20, served(1))
}
