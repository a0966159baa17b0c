package reconciler_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flinkops/flink-operator/internal/testing/fakejm"
	"github.com/flinkops/flink-operator/reconciler"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// A savepoint upgrade whose job stops running before the savepoint is
// recorded must finish from what Flink kept, not wait for ever.

// savepointingStarted upgrades the image of a running savepoint-mode job
// whose savepoints never finish by themselves, and returns the pending
// stop-with-savepoint's request id once it was sent.
func savepointingStarted(t *testing.T, d *driver) string {
	t.Helper()
	d.sim.cluster.SetOperationBehavior(fakejm.OperationBehavior{PendingPolls: fakejm.Forever})
	upgradeImage(t, d.sim.ns, d.sim.name)
	var pending []string
	d.until("stop-with-savepoint sent", 20, func(fd *v1beta1.FlinkDeployment) bool {
		pending = d.sim.cluster.PendingOperations()
		return len(pending) == 1
	})
	return pending[0]
}

func TestJobFailingDuringSavepointUpgradeFinishesFromItsLatestCheckpoint(t *testing.T) {
	d := deployRunning(t, "fails-mid-sp", "v1_20", statefulSpec("fails-mid-sp", "savepoint", ""))
	jobID := d.sim.starts[0].JobID
	_, err := d.sim.cluster.AddCheckpoint(jobID, fakejm.CheckpointSpec{Directory: "s3://bucket/checkpoints"})
	require.NoError(t, err)
	request := savepointingStarted(t, d)

	// The job fails for good while the savepoint is under way; Flink then
	// fails the savepoint too.
	require.NoError(t, d.sim.cluster.FailJob(jobID, "java.lang.RuntimeException", "boom"))
	require.NoError(t, d.sim.cluster.FailOperation(request, "Job failed"))

	fd := d.until("upgraded from the latest checkpoint", 60, running)
	require.Len(t, d.sim.starts, 2)
	assert.Equal(t, "s3://bucket/checkpoints/"+jobID+"/chk-1", d.sim.starts[1].RestorePath)
	assert.Equal(t, "flink:1.20.1", jmImage(t, d.sim.ns, d.sim.name))
	assert.Empty(t, fd.Status.Error)
}

func TestSavepointCompletingAfterTheTimeoutIsWhatTheUpgradeRestores(t *testing.T) {
	d := deployRunning(t, "late-sp", "v1_20", statefulSpec("late-sp", "savepoint", ""))
	request := savepointingStarted(t, d)

	// The operator's --savepoint-timeout (1 s in tests) passes first.
	fd := d.until("attempt timed out", 200, func(fd *v1beta1.FlinkDeployment) bool {
		return fd.Status.Upgrade != nil && fd.Status.Upgrade.Failures == 1
	})
	assert.Contains(t, fd.Status.Upgrade.LastFailure, "--savepoint-timeout", "the message names the limit that fired")
	assert.NotContains(t, fd.Status.Upgrade.LastFailure, "execution.checkpointing.timeout")

	// Then Flink finishes the stop-with-savepoint: the job is FINISHED.
	require.NoError(t, d.sim.cluster.CompleteOperation(request))
	location := d.sim.cluster.Operations()[0].Location
	require.NotEmpty(t, location)

	fd = d.until("upgraded from the late savepoint", 200, running)
	require.Len(t, d.sim.starts, 2)
	assert.Equal(t, location, d.sim.starts[1].RestorePath)
	assert.Equal(t, 1, d.sim.stopTriggers(), "no second stop-with-savepoint of a finished job")
	assert.Empty(t, fd.Status.Error)
}

func TestStuckUpgradeIsReplannedByARedeployNonce(t *testing.T) {
	d := deployRunning(t, "stuck-sp", "v1_20", statefulSpec("stuck-sp", "savepoint", ""))
	jobID := d.sim.starts[0].JobID
	request := savepointingStarted(t, d)
	// No checkpoint exists: nothing to restore from.
	require.NoError(t, d.sim.cluster.FailJob(jobID, "java.lang.RuntimeException", "boom"))
	require.NoError(t, d.sim.cluster.FailOperation(request, "Job failed"))
	fd := d.until("held for a manual restore", 60, func(fd *v1beta1.FlinkDeployment) bool {
		return fd.Status.Upgrade != nil && strings.Contains(fd.Status.Error, "Manual restore required")
	})
	assert.Len(t, d.sim.starts, 1, "never started empty")

	// What the message says to do.
	updateFD(t, d.sim.ns, d.sim.name, func(fd *v1beta1.FlinkDeployment) {
		fd.Spec.Job.InitialSavepointPath = externalSavepoint
		fd.Spec.Job.SavepointRedeployNonce = ptr.To[int64](1)
	})
	fd = d.until("redeployed", 60, running)
	require.Len(t, d.sim.starts, 2)
	assert.Equal(t, externalSavepoint, d.sim.starts[1].RestorePath)
	assert.Equal(t, "flink:1.20.1", jmImage(t, d.sim.ns, d.sim.name))
	assert.Empty(t, fd.Status.Error)
}

// TestVersionEditDuringLastStateUpgradeIsHeldBeforeDeploying: the user
// changes flinkVersion while a last-state upgrade is taking the cluster
// down. HA data cannot be restored across versions, so nothing is deployed
// until the version is put back.
func TestVersionEditDuringLastStateUpgradeIsHeldBeforeDeploying(t *testing.T) {
	d := deployRunning(t, "ls-edit", "v1_20", statefulSpec("ls-edit", "last-state", haConfig))
	upgradeImage(t, d.sim.ns, d.sim.name)
	stopped := false
	d.r = newDirectReconciler(func(s reconciler.Step) bool {
		if s == reconciler.StepClusterDeleted {
			stopped = true
		}
		return stopped
	})
	d.until("taking down", 20, func(*v1beta1.FlinkDeployment) bool { return stopped })
	updateFD(t, d.sim.ns, d.sim.name, func(fd *v1beta1.FlinkDeployment) { fd.Spec.FlinkVersion = "v2_0" })

	d.r = newDirectReconciler(nil)
	fd := d.until("held before deploying", 40, func(fd *v1beta1.FlinkDeployment) bool {
		return strings.Contains(fd.Status.Error, "spec.flinkVersion changed")
	})
	assert.Len(t, d.sim.starts, 1, "nothing deployed from HA data of another version")
	require.NotNil(t, fd.Status.Upgrade)

	updateFD(t, d.sim.ns, d.sim.name, func(fd *v1beta1.FlinkDeployment) { fd.Spec.FlinkVersion = "v1_20" })
	d.until("upgraded", 40, running)
	require.Len(t, d.sim.starts, 2)
	assert.Equal(t, int64(42), d.sim.starts[1].FromHA, "restored from HA on the same version")
	assert.Equal(t, d.sim.starts[0].JobID, d.sim.starts[1].JobID)
}

// TestLastStateUpgradeWithoutACheckpointInHATakesASavepoint: a last-state
// job whose HA data holds no checkpoint yet (checkpointing off, or none
// completed) would restart from where it last started; the upgrade stops it
// with a savepoint instead.
func TestLastStateUpgradeWithoutACheckpointInHATakesASavepoint(t *testing.T) {
	d := deployRunning(t, "ls-nocp", "v1_20", statefulSpec("ls-nocp", "last-state", haConfig))
	cm := &corev1.ConfigMap{}
	key := client.ObjectKey{Namespace: d.sim.ns, Name: d.sim.name + "-" + d.sim.starts[0].JobID + "-config-map"}
	require.NoError(t, k8s.Get(ctx, key, cm))
	for k := range cm.Data {
		if strings.HasPrefix(k, "checkpointID-") {
			delete(cm.Data, k)
		}
	}
	require.NoError(t, k8s.Update(ctx, cm))

	upgradeImage(t, d.sim.ns, d.sim.name)
	fd := d.until("upgraded", 40, running)
	require.Len(t, d.sim.starts, 2)
	assert.Equal(t, 1, d.sim.stopTriggers(), "the state is kept in a savepoint")
	assert.Equal(t, fd.Status.JobStatus.UpgradeSavepointPath, d.sim.starts[1].RestorePath)
	assert.NotEmpty(t, d.sim.starts[1].RestorePath)
}
