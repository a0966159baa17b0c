package reconciler_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flinkops/flink-operator/internal/testing/fakejm"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

const periodicEvery400ms = "    kubernetes.operator.periodic.savepoint.interval: 400 ms"

// periodicSavepoints counts the PERIODIC savepoints recorded in status.
func periodicSavepoints(fd *v1beta1.FlinkDeployment) int {
	info := fd.Status.JobStatus.SavepointInfo
	if info == nil {
		return 0
	}
	n := 0
	for _, sp := range info.SavepointHistory {
		if sp.TriggerType == "PERIODIC" {
			n++
		}
	}
	return n
}

// TestPeriodicSavepointsContinueWhileAnUpgradeIsAbandoned: an upgrade
// abandoned after its stop-with-savepoint failed leaves the old job
// running; its periodic savepoints go on being taken and recorded, and
// the upgrade stays abandoned.
func TestPeriodicSavepointsContinueWhileAnUpgradeIsAbandoned(t *testing.T) {
	d := deployRunning(t, "spabandon", "v1_20", statefulSpec("spabandon", "savepoint", periodicEvery400ms))
	ns := d.sim.ns
	d.sim.cluster.SetOperationBehavior(fakejm.OperationBehavior{Fail: true, FailureMessage: "Checkpoint was declined (tasks not ready)"})
	updateFD(t, ns, "spabandon", newImage)
	fd := d.until("upgrade abandoned", 300, func(fd *v1beta1.FlinkDeployment) bool {
		return strings.Contains(fd.Status.Error, "abandoned after 3 failed savepoints") && fd.Status.SavepointTrigger == nil
	})
	before := periodicSavepoints(fd)
	stops := d.sim.stopTriggers()
	require.Equal(t, 3, stops)

	// Savepoints work again, but the upgrade stays abandoned until the
	// spec changes; the running job keeps getting its periodic savepoints.
	d.sim.cluster.SetOperationBehavior(fakejm.OperationBehavior{PendingPolls: 1})
	fd = d.until("two more periodic savepoints", 300, func(fd *v1beta1.FlinkDeployment) bool {
		return periodicSavepoints(fd) >= before+2 && fd.Status.SavepointTrigger == nil
	})
	info := fd.Status.JobStatus.SavepointInfo
	last := info.SavepointHistory[len(info.SavepointHistory)-1]
	assert.Equal(t, "PERIODIC", last.TriggerType)
	assert.True(t, strings.HasPrefix(last.Location, "s3://bucket/savepoints/"), last.Location)
	assert.Equal(t, *info.LastSavepoint, last)
	assert.Empty(t, fd.Status.JobStatus.UpgradeSavepointPath, "not an upgrade's restore path")
	assert.Contains(t, fd.Status.Error, "abandoned after 3 failed savepoints", "the upgrade stays abandoned")
	require.NotNil(t, fd.Status.Upgrade)
	assert.Equal(t, int32(3), fd.Status.Upgrade.Failures)
	assert.Equal(t, stops, d.sim.stopTriggers(), "no further stop-with-savepoint")
	assert.Len(t, d.sim.starts, 1, "no restart")
	assert.Equal(t, "flink:1.20", jmImage(t, ns, "spabandon"))
	assert.Equal(t, int64(2), fd.Status.ObservedGeneration, "abandoned is Stalled, the generation's outcome")

	// A spec edit retries the upgrade, which comes first.
	updateFD(t, ns, "spabandon", func(fd *v1beta1.FlinkDeployment) { fd.Spec.Image = "flink:1.20.2" })
	fd = d.until("upgraded", 60, running)
	require.Len(t, d.sim.starts, 2)
	assert.Equal(t, fd.Status.JobStatus.UpgradeSavepointPath, d.sim.starts[1].RestorePath)
	assert.Equal(t, stops+1, d.sim.stopTriggers())
}

// TestSavepointsContinueWhileAnUpgradeIsHeldBeforeItStarts: a last-state
// upgrade held because the HA metadata is gone leaves the old job running;
// its periodic savepoints and a new manual nonce are served meanwhile.
func TestSavepointsContinueWhileAnUpgradeIsHeldBeforeItStarts(t *testing.T) {
	d := deployRunning(t, "lsheld", "v1_20", statefulSpec("lsheld", "last-state", haConfig+"\n"+periodicEvery400ms))
	ns := d.sim.ns
	require.NoError(t, k8s.DeleteAllOf(ctx, &corev1.ConfigMap{}, client.InNamespace(ns), client.MatchingLabels{simHALabel: "true"}))
	updateFD(t, ns, "lsheld", func(fd *v1beta1.FlinkDeployment) {
		newImage(fd)
		fd.Spec.Job.SavepointTriggerNonce = ptrTo(int64(5))
	})
	fd := d.until("held, with savepoints taken meanwhile", 300, func(fd *v1beta1.FlinkDeployment) bool {
		return strings.Contains(fd.Status.Error, "last-state upgrade held") && nonceConsumed(t, fd, 5) && periodicSavepoints(fd) >= 2
	})
	manual := 0
	for _, sp := range fd.Status.JobStatus.SavepointInfo.SavepointHistory {
		if sp.TriggerType == "MANUAL" {
			manual++
			assert.Equal(t, int64(5), *sp.TriggerNonce)
		}
	}
	assert.Equal(t, 1, manual, "the nonce's savepoint is recorded once")
	assert.Nil(t, fd.Status.Upgrade, "the upgrade has not started")
	assert.Equal(t, 0, d.sim.stopTriggers())
	assert.Len(t, d.sim.starts, 1, "no restart")
	assert.Equal(t, "flink:1.20", jmImage(t, ns, "lsheld"))
	// Held for the user is Stalled, the generation's outcome (health.Apply);
	// the image and status.upgrade above show it is not rolled out.
	assert.Equal(t, int64(2), fd.Status.ObservedGeneration)
}

func nonceConsumed(t *testing.T, fd *v1beta1.FlinkDeployment, n int64) bool {
	nonce := consumedNonceOf(t, fd)
	return nonce != nil && *nonce == n
}

func ptrTo[T any](v T) *T { return &v }
