package reconciler_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// These tests edit a suspended job in the order users do, then resume it:
// what the suspension recorded (its upgrade mode, where the job resumes
// from) must survive every edit made in between.

const externalSavepoint = "s3://bucket/savepoints/savepoint-from-elsewhere"

// createdSuspended creates a job that starts suspended, with
// initialSavepointPath set, and drives it to SUSPENDED.
func createdSuspended(t *testing.T, name, mode string) *driver {
	t.Helper()
	doc := statefulSpec(name, mode, "") +
		"    state: suspended\n    initialSavepointPath: " + externalSavepoint + "\n"
	ns := newNamespace(t)
	createFlinkDeployment(t, ns, doc)
	d := &driver{t: t, sim: newSim(t, ns, name, "v1_20"), r: newDirectReconciler(nil)}
	d.until("created suspended", 30, suspendedDone)
	require.Empty(t, d.sim.starts, "a job created suspended starts nothing")
	return d
}

func TestEditWhileCreatedSuspendedKeepsInitialSavepointPath(t *testing.T) {
	for _, mode := range []string{"savepoint", "stateless"} {
		t.Run(mode, func(t *testing.T) {
			d := createdSuspended(t, "susp-edit", mode)
			updateFD(t, d.sim.ns, d.sim.name, newImage)
			d.until("edit recorded", 30, suspendedDone)

			resume(t, d.sim.ns, d.sim.name)
			fd := d.until("resumed", 40, running)
			require.Len(t, d.sim.starts, 1)
			assert.Equal(t, externalSavepoint, d.sim.starts[0].RestorePath, "the first start restores initialSavepointPath")
			assert.Equal(t, "flink:1.20.1", jmImage(t, d.sim.ns, d.sim.name))
			assert.Empty(t, fd.Status.Error)
		})
	}
}

func TestEditWhileSuspendedKeepsTheSuspendedUpgradeMode(t *testing.T) {
	d := deployRunning(t, "susp-mode", "v1_20", statefulSpec("susp-mode", "savepoint", haConfig))
	suspend(t, d.sim.ns, d.sim.name)
	fd := d.until("suspended", 40, suspendedDone)
	savepoint := fd.Status.JobStatus.UpgradeSavepointPath
	require.NotEmpty(t, savepoint)

	// Two edits while suspended: the upgrade mode (an "ignore" change on
	// its own), then the image.
	updateFD(t, d.sim.ns, d.sim.name, func(fd *v1beta1.FlinkDeployment) { fd.Spec.Job.UpgradeMode = v1beta1.UpgradeModeLastState })
	d.until("mode edit recorded", 30, suspendedDone)
	updateFD(t, d.sim.ns, d.sim.name, newImage)
	d.until("image edit recorded", 30, suspendedDone)

	resume(t, d.sim.ns, d.sim.name)
	fd = d.until("resumed", 40, running)
	require.Len(t, d.sim.starts, 2)
	assert.Equal(t, savepoint, d.sim.starts[1].RestorePath, "resumed from the suspend's savepoint, not from an older checkpoint in HA")
	assert.Zero(t, d.sim.starts[1].FromHA)
	assert.Equal(t, 1, d.sim.stopTriggers())
	assert.Empty(t, fd.Status.Error)
}

func TestRedeployNonceWhileSuspendedResumesFromTheNewSavepoint(t *testing.T) {
	d := deployRunning(t, "susp-redeploy", "v1_20", statefulSpec("susp-redeploy", "savepoint", haConfig))
	suspend(t, d.sim.ns, d.sim.name)
	d.until("suspended", 40, suspendedDone)
	haBefore := haConfigMapNames(t, d.sim.ns)
	require.NotEmpty(t, haBefore)

	// The order a user follows: point at another savepoint, redeploy,
	// and only then resume.
	updateFD(t, d.sim.ns, d.sim.name, func(fd *v1beta1.FlinkDeployment) {
		fd.Spec.Job.InitialSavepointPath = externalSavepoint
		fd.Spec.Job.SavepointRedeployNonce = ptr.To[int64](1)
	})
	fd := d.until("redeploy recorded", 30, suspendedDone)
	assert.Equal(t, externalSavepoint, fd.Status.JobStatus.UpgradeSavepointPath)
	assert.Equal(t, haBefore, haConfigMapNames(t, d.sim.ns), "HA data is kept until a deploy happens")

	resume(t, d.sim.ns, d.sim.name)
	fd = d.until("resumed", 40, running)
	require.Len(t, d.sim.starts, 2)
	assert.Equal(t, externalSavepoint, d.sim.starts[1].RestorePath, "the job resumes from the redeploy's savepoint, never empty")
	assert.NotEqual(t, d.sim.starts[0].JobID, d.sim.starts[1].JobID)
	assert.Empty(t, fd.Status.Error)
}

func haConfigMapNames(t *testing.T, ns string) []string {
	t.Helper()
	list := &corev1.ConfigMapList{}
	require.NoError(t, k8s.List(ctx, list, client.InNamespace(ns), client.MatchingLabels{simHALabel: "true"}))
	var names []string
	for _, cm := range list.Items {
		names = append(names, cm.Name)
	}
	return names
}

// TestNeverStartedIsDecidedFromTheCluster: a JobManager whose REST API the
// operator cannot reach still runs the job, so a change waits for a
// savepoint instead of redeploying from the previous restore point. Only a
// JobManager the cluster shows never ran is redeployed without one.
func TestNeverStartedIsDecidedFromTheCluster(t *testing.T) {
	t.Run("REST unreachable since the deploy", func(t *testing.T) {
		d := deployRunning(t, "rest-down", "v1_20", statefulSpec("rest-down", "savepoint", ""))
		d.sim.restDown = true
		upgradeImage(t, d.sim.ns, d.sim.name)
		d.until("upgraded", 40, func(fd *v1beta1.FlinkDeployment) bool {
			return fd.Status.Upgrade == nil && fd.Status.ObservedGeneration == fd.Generation && len(d.sim.starts) == 2
		})
		restorePath := d.sim.starts[1].RestorePath
		require.NotEmpty(t, restorePath)

		updateFD(t, d.sim.ns, d.sim.name, func(fd *v1beta1.FlinkDeployment) { fd.Spec.Image = "flink:1.20.2" })
		var fd *v1beta1.FlinkDeployment
		for range 15 {
			require.NoError(t, d.pass())
			fd = getFD(t, d.sim.ns, d.sim.name)
		}
		assert.Len(t, d.sim.starts, 2, "the running JobManager is not replaced")
		assert.Equal(t, "flink:1.20.1", jmImage(t, d.sim.ns, d.sim.name))
		assert.Regexp(t, `REST API at http://\S+ does not answer`, fd.Status.Error)
		assert.True(t, fd.Status.DeployedWith.JobManagerStarted, "the cluster showed the JobManager ran")

		d.sim.restUp()
		d.until("upgraded once REST answers", 40, running)
		require.Len(t, d.sim.starts, 3)
		assert.Equal(t, 2, d.sim.stopTriggers(), "the second upgrade took its own savepoint")
		assert.NotEqual(t, restorePath, d.sim.starts[2].RestorePath)
	})

	t.Run("JobManager never ran", func(t *testing.T) {
		ns := newNamespace(t)
		name := "never-ran"
		createFlinkDeployment(t, ns, statefulSpec(name, "savepoint", "")+"    initialSavepointPath: "+externalSavepoint+"\n")
		d := &driver{t: t, sim: newSim(t, ns, name, "v1_20"), r: newDirectReconciler(nil)}
		d.sim.neverStarts = true
		d.until("image pull failing", 30, func(fd *v1beta1.FlinkDeployment) bool {
			return fd.Status.JobManagerDeploymentStatus == v1beta1.JMError
		})

		d.sim.neverStarts = false
		upgradeImage(t, d.sim.ns, d.sim.name)
		d.until("redeployed", 40, running)
		require.Len(t, d.sim.starts, 1)
		assert.Equal(t, externalSavepoint, d.sim.starts[0].RestorePath, "the job that never ran starts from where it was to start")
		assert.Equal(t, 0, d.sim.stopTriggers())
	})
}
