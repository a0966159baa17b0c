package reconciler_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flinkops/flink-operator/reconciler/gate"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// deleteJobManager plays `kubectl delete deployment <name>` (or a lost
// Deployment) and the Deployment controller taking its pods down.
func deleteJobManager(t *testing.T, d *driver) {
	t.Helper()
	dep := &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: d.sim.ns, Name: d.sim.name}}
	require.NoError(t, k8s.Delete(ctx, dep))
	d.sim.sync()
}

func jobManagerExists(t *testing.T, ns, name string) bool {
	t.Helper()
	err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, &appsv1.Deployment{})
	if apierrors.IsNotFound(err) {
		return false
	}
	require.NoError(t, err)
	return true
}

func missingAndHeld(text string) func(*v1beta1.FlinkDeployment) bool {
	return func(fd *v1beta1.FlinkDeployment) bool {
		return fd.Status.JobManagerDeploymentStatus == v1beta1.JMMissing && strings.Contains(fd.Status.Error, text)
	}
}

func TestLostJobManagerOfStatefulJobWithoutHAWaitsForManualRestore(t *testing.T) {
	d := deployRunning(t, "jmlost", "v1_20", statefulSpec("jmlost", "savepoint", ""))
	events := recordEvents(d)
	deleteJobManager(t, d)

	fd := d.until("missing JobManager reported", 10, missingAndHeld("Manual restore required"))
	for i := 0; i < 5; i++ {
		_ = d.pass()
	}
	assert.False(t, jobManagerExists(t, d.sim.ns, "jmlost"), "re-creating it would restart the job without its state")
	assert.Len(t, d.sim.starts, 1)
	fd = getFD(t, d.sim.ns, "jmlost")
	assert.Equal(t, v1beta1.JMMissing, fd.Status.JobManagerDeploymentStatus)
	assert.Contains(t, fd.Status.Error, "Kubernetes HA is off")
	assert.Contains(t, fd.Status.Error, "spec.job.savepointRedeployNonce")
	assert.Equal(t, v1beta1.LifecycleFailed, fd.Status.LifecycleState)
	assert.Len(t, events.matching("Warning "+gate.ReasonMissing, "Manual restore required"), 1, "one warning, not one per pass")

	// The way out the message names: restore from a savepoint the user picks.
	updateFD(t, d.sim.ns, "jmlost", func(fd *v1beta1.FlinkDeployment) {
		fd.Spec.Job.InitialSavepointPath = "s3://bucket/savepoints/savepoint-7"
		fd.Spec.Job.SavepointRedeployNonce = ptr.To[int64](1)
	})
	fd = d.until("redeployed from the chosen savepoint", 30, running)
	require.Len(t, d.sim.starts, 2)
	assert.Equal(t, "s3://bucket/savepoints/savepoint-7", d.sim.starts[1].RestorePath)
	assert.Empty(t, fd.Status.Error)
}

func TestLostJobManagerWithHAMetadataIsRecreatedAndRecoversFromHA(t *testing.T) {
	d := deployRunning(t, "jmha", "v1_20", statefulSpec("jmha", "savepoint", haConfig))
	events := recordEvents(d)
	d.until("HA observed", 3, func(fd *v1beta1.FlinkDeployment) bool {
		return fd.Status.HighAvailability != nil && fd.Status.HighAvailability.MetadataAvailable
	})
	deleteJobManager(t, d)

	d.until("re-created and running", 20, func(fd *v1beta1.FlinkDeployment) bool { return running(fd) && len(d.sim.starts) == 2 })
	first, next := d.sim.starts[0], d.sim.starts[1]
	assert.Equal(t, first.JobID, next.JobID, "same job id, so Flink finds its HA data")
	assert.Equal(t, int64(42), next.FromHA, "restored from the latest checkpoint in HA")
	assert.False(t, next.JobGraphInHA, "job graphs are removed before every application deploy")
	assert.Equal(t, 0, d.sim.stopTriggers())
	assert.NotEmpty(t, events.matching("Warning "+gate.ReasonRecoverDeployment, "Kubernetes HA"))
}

func TestLostJobManagerIsNotRecreatedWhenRecoveryIsOff(t *testing.T) {
	doc := statefulSpec("jmoff", "stateless", haConfig+"\n    kubernetes.operator.jm-deployment-recovery.enabled: \"false\"")
	d := deployRunning(t, "jmoff", "v1_20", doc)
	deleteJobManager(t, d)

	fd := d.until("missing JobManager reported", 10, missingAndHeld("kubernetes.operator.jm-deployment-recovery.enabled"))
	for i := 0; i < 5; i++ {
		_ = d.pass()
	}
	assert.False(t, jobManagerExists(t, d.sim.ns, "jmoff"))
	assert.Len(t, d.sim.starts, 1)
	assert.Equal(t, v1beta1.JMMissing, fd.Status.JobManagerDeploymentStatus)

	// Turned on again, the stateless job is re-created.
	updateFD(t, d.sim.ns, "jmoff", func(fd *v1beta1.FlinkDeployment) {
		fd.Spec.FlinkConfiguration = v1beta1.NewConfigObject(map[string]any{
			"taskmanager.numberOfTaskSlots": 2, "state.checkpoints.dir": "s3://bucket/checkpoints", "state.savepoints.dir": "s3://bucket/savepoints",
			"high-availability.type": "kubernetes", "high-availability.storageDir": "s3://bucket/ha",
			"kubernetes.operator.jm-deployment-recovery.enabled": "true",
		})
	})
	d.until("re-created", 20, func(fd *v1beta1.FlinkDeployment) bool { return running(fd) && len(d.sim.starts) == 2 })
}

func TestLostJobManagerOfStatelessJobIsRecreated(t *testing.T) {
	d := deployRunning(t, "jmsl", "v1_20", statefulSpec("jmsl", "stateless", ""))
	events := recordEvents(d)
	deleteJobManager(t, d)
	fd := d.until("re-created and running", 20, func(fd *v1beta1.FlinkDeployment) bool { return running(fd) && len(d.sim.starts) == 2 })
	assert.Empty(t, fd.Status.Error)
	assert.Equal(t, d.sim.starts[0].JobID, d.sim.starts[1].JobID, "the same deploy, re-created")
	assert.NotEmpty(t, events.matching("Warning "+gate.ReasonRecoverDeployment, "without state"), "the re-creation is not silent")
}

func TestPodTemplateDriftOfStatefulJobIsPutBackThroughASavepoint(t *testing.T) {
	d := deployRunning(t, "jmdrift", "v1_20", statefulSpec("jmdrift", "savepoint", ""))
	ns := d.sim.ns

	// Drift that restarts nothing is put back in place, at once.
	require.NoError(t, k8s.Delete(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "flink-config-jmdrift"}}))
	require.NoError(t, d.pass())
	require.NoError(t, k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "flink-config-jmdrift"}, &corev1.ConfigMap{}))
	assert.Equal(t, 0, d.sim.stopTriggers())
	assert.Len(t, d.sim.starts, 1)

	// kubectl set image: the Deployment controller rolls the JobManager.
	setImage(t, ns, "jmdrift", "evil:latest")
	d.sim.sync()
	require.Len(t, d.sim.starts, 2)

	fd := d.until("template put back", 40, func(fd *v1beta1.FlinkDeployment) bool {
		return running(fd) && jmImage(t, ns, "jmdrift") == "flink:1.20"
	})
	assert.Equal(t, 1, d.sim.stopTriggers(), "a savepoint before the operator restarts the JobManager")
	require.Len(t, d.sim.starts, 3)
	location := fd.Status.JobStatus.UpgradeSavepointPath
	require.NotEmpty(t, location)
	assert.Equal(t, location, d.sim.starts[2].RestorePath, "the put-back JobManager restores from that savepoint")
	assert.Equal(t, location, fd.Status.DeployedWith.RestorePath)
	assert.Equal(t, int64(1), fd.Status.ObservedGeneration, "the spec did not change")
}
