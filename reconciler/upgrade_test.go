package reconciler_test

import (
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	crmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/flinkops/flink-operator/internal/testing/fakejm"
	"github.com/flinkops/flink-operator/reconciler/flinkrest"
	"github.com/flinkops/flink-operator/reconciler/gate"
	"github.com/flinkops/flink-operator/reconciler/health"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// statefulSpec is a v1_20 application with checkpoint and savepoint
// directories; upgradeMode and extra configuration are filled in.
func statefulSpec(name, mode, extraConfig string) string {
	return fmt.Sprintf(`
apiVersion: flink.apache.org/v1beta1
kind: FlinkDeployment
metadata:
  name: %s
  labels: {%s: "true"}
spec:
  image: flink:1.20
  flinkVersion: v1_20
  serviceAccount: flink
  flinkConfiguration:
    taskmanager.numberOfTaskSlots: 2
    state.checkpoints.dir: s3://bucket/checkpoints
    state.savepoints.dir: s3://bucket/savepoints
%s
  jobManager:
    resources: {requests: {memory: "2048m", cpu: "1"}}
  taskManager:
    resources: {requests: {memory: "2048m", cpu: "1"}}
  job:
    jarURI: local:///opt/flink/examples/streaming/StateMachineExample.jar
    parallelism: 2
    upgradeMode: %s
`, name, directLabel, extraConfig, mode)
}

const haConfig = `    high-availability.type: kubernetes
    high-availability.storageDir: s3://bucket/ha`

// deployRunning creates the CR and drives it to a RUNNING job.
func deployRunning(t *testing.T, name, version, doc string) *driver {
	t.Helper()
	ns := newNamespace(t)
	createFlinkDeployment(t, ns, doc)
	d := &driver{t: t, sim: newSim(t, ns, name, version), r: newDirectReconciler(nil)}
	d.until("job running", 30, running)
	return d
}

func newImage(fd *v1beta1.FlinkDeployment) { fd.Spec.Image = "flink:1.20.1" }

func jmImage(t *testing.T, ns, name string) string {
	t.Helper()
	dep := &appsv1.Deployment{}
	require.NoError(t, k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, dep))
	return dep.Spec.Template.Spec.Containers[0].Image
}

func TestSavepointUpgradeRestoresFromTheRecordedSavepoint(t *testing.T) {
	d := deployRunning(t, "sp", "v1_20", statefulSpec("sp", "savepoint", ""))
	first := d.sim.starts[0]
	assert.NotEmpty(t, first.JobID, "the operator fixes the job id")
	assert.Empty(t, first.RestorePath)

	updateFD(t, d.sim.ns, "sp", newImage)
	fd := d.until("upgraded job running", 40, running)

	require.Equal(t, 1, d.sim.stopTriggers(), "exactly one savepoint")
	location := fd.Status.JobStatus.UpgradeSavepointPath
	require.NotEmpty(t, location)
	require.NotNil(t, fd.Status.JobStatus.SavepointInfo.LastSavepoint)
	assert.Equal(t, location, fd.Status.JobStatus.SavepointInfo.LastSavepoint.Location)
	assert.Equal(t, "UPGRADE", fd.Status.JobStatus.SavepointInfo.LastSavepoint.TriggerType)
	assert.Len(t, fd.Status.JobStatus.SavepointInfo.SavepointHistory, 1)
	require.Len(t, d.sim.starts, 2, "one new job submission")
	assert.Equal(t, location, d.sim.starts[1].RestorePath, "the new JobManager restores from the savepoint")
	assert.NotEqual(t, first.JobID, d.sim.starts[1].JobID)
	assert.Equal(t, location, d.sim.flinkConfig()["execution.state-recovery.path"])
	assert.Equal(t, "flink:1.20.1", jmImage(t, d.sim.ns, "sp"))
	assert.Equal(t, location, fd.Status.DeployedWith.RestorePath)

	// The next passes keep it as it is: no further savepoint or restart.
	fd = d.until("stable", 5, func(fd *v1beta1.FlinkDeployment) bool { return fd.Status.LifecycleState == v1beta1.LifecycleStable })
	assert.Empty(t, fd.Status.Error)
	assert.Equal(t, 1, d.sim.stopTriggers())
	assert.Len(t, d.sim.starts, 2)
}

func TestFailedSavepointAppliesNothingAndRetriesBounded(t *testing.T) {
	d := deployRunning(t, "spfail", "v1_20", statefulSpec("spfail", "savepoint", ""))
	failures := metricValue(t, "flink_operator_upgrade_savepoint_failures_total", map[string]string{"operation": "upgrade"})
	abandoned := metricValue(t, "flink_operator_upgrades_abandoned_total", map[string]string{"operation": "upgrade"})
	d.sim.cluster.SetOperationBehavior(fakejm.OperationBehavior{Fail: true, FailureMessage: "Checkpoint was declined (tasks not ready)"})

	updateFD(t, d.sim.ns, "spfail", newImage)
	fd := d.until("first failure reported", 20, func(fd *v1beta1.FlinkDeployment) bool {
		return strings.Contains(fd.Status.Error, "savepoint for the upgrade failed (attempt 1 of 3)")
	})
	assert.Contains(t, fd.Status.Error, "Checkpoint was declined")
	assert.Equal(t, "flink:1.20", jmImage(t, d.sim.ns, "spfail"), "nothing restarting was applied")
	state, _ := d.sim.cluster.JobState(d.sim.starts[0].JobID)
	assert.Equal(t, flinkrest.JobRunning, state, "the job keeps running")

	fd = d.until("upgrade abandoned", 200, func(fd *v1beta1.FlinkDeployment) bool {
		return strings.Contains(fd.Status.Error, "abandoned after 3 failed savepoints")
	})
	assert.Equal(t, 3, d.sim.stopTriggers(), "bounded retries")
	assert.Len(t, d.sim.starts, 1, "no restart")
	assert.Equal(t, failures+3, metricValue(t, "flink_operator_upgrade_savepoint_failures_total", map[string]string{"operation": "upgrade"}))
	assert.Equal(t, abandoned+1, metricValue(t, "flink_operator_upgrades_abandoned_total", map[string]string{"operation": "upgrade"}))
	assert.Equal(t, "flink:1.20", jmImage(t, d.sim.ns, "spfail"))
	// Abandoned is Stalled, the generation's outcome (health.Apply).
	assert.Equal(t, int64(2), fd.Status.ObservedGeneration)
	assert.True(t, meta.IsStatusConditionTrue(fd.Status.Conditions, health.Stalled))
	// Abandoned means abandoned: more passes trigger nothing.
	for i := 0; i < 5; i++ {
		_ = d.pass()
	}
	assert.Equal(t, 3, d.sim.stopTriggers())

	// Fixed, a new spec edit retries and goes through.
	d.sim.cluster.SetOperationBehavior(fakejm.OperationBehavior{})
	updateFD(t, d.sim.ns, "spfail", func(fd *v1beta1.FlinkDeployment) { fd.Spec.RestartNonce = ptr.To[int64](1) })
	fd = d.until("upgraded after the fix", 40, running)
	assert.Equal(t, 4, d.sim.stopTriggers())
	require.Len(t, d.sim.starts, 2)
	assert.Equal(t, fd.Status.JobStatus.UpgradeSavepointPath, d.sim.starts[1].RestorePath)
}

func TestSavepointThatNeverCompletesTimesOutWithoutRestart(t *testing.T) {
	d := deployRunning(t, "sphang", "v1_20", statefulSpec("sphang", "savepoint", ""))
	d.sim.cluster.SetOperationBehavior(fakejm.OperationBehavior{PendingPolls: fakejm.Forever})
	updateFD(t, d.sim.ns, "sphang", newImage)
	fd := d.until("timeout reported", 400, func(fd *v1beta1.FlinkDeployment) bool {
		return strings.Contains(fd.Status.Error, "did not complete within")
	})
	assert.Equal(t, v1beta1.LifecycleUpgrading, fd.Status.LifecycleState)
	assert.Equal(t, "flink:1.20", jmImage(t, d.sim.ns, "sphang"), "nothing restarting was applied")
	assert.Len(t, d.sim.starts, 1)
}

func TestSavepointRefusedByFlinkIsReported(t *testing.T) {
	// No savepoint directory: Flink refuses the stop-with-savepoint.
	doc := strings.Replace(statefulSpec("spdir", "savepoint", ""), "    state.savepoints.dir: s3://bucket/savepoints\n", "", 1)
	ns := newNamespace(t)
	createFlinkDeployment(t, ns, doc)
	d := &driver{t: t, sim: newSim(t, ns, "spdir", "v1_20"), r: newDirectReconciler(nil)}
	fd := d.until("deployed or refused", 30, func(fd *v1beta1.FlinkDeployment) bool {
		return running(fd) || strings.Contains(fd.Status.Error, "savepoint")
	})
	if !running(fd) {
		// Validation refused the spec already: that is an answer too.
		assert.Contains(t, fd.Status.Error, "savepoint")
		return
	}
	updateFD(t, ns, "spdir", newImage)
	fd = d.until("refusal reported", 20, func(fd *v1beta1.FlinkDeployment) bool {
		return strings.Contains(fd.Status.Error, "Flink refused the stop-with-savepoint")
	})
	assert.Equal(t, "flink:1.20", jmImage(t, ns, "spdir"))
}

func TestLastStateUpgradeKeepsHAAndJobID(t *testing.T) {
	d := deployRunning(t, "ls", "v1_20", statefulSpec("ls", "last-state", haConfig))
	fd := d.until("HA observed", 3, func(fd *v1beta1.FlinkDeployment) bool {
		return fd.Status.HighAvailability != nil && fd.Status.HighAvailability.LatestCheckpointID == 42
	})
	assert.True(t, fd.Status.HighAvailability.MetadataAvailable)
	first := d.sim.starts[0]

	updateFD(t, d.sim.ns, "ls", newImage)
	d.until("upgraded job running", 40, running)

	assert.Equal(t, 0, d.sim.stopTriggers(), "no savepoint for last-state")
	require.Len(t, d.sim.starts, 2)
	next := d.sim.starts[1]
	assert.Equal(t, first.JobID, next.JobID, "same job id, so Flink finds its HA data")
	assert.Equal(t, gate.LastStateRestorePath, next.RestorePath)
	assert.Equal(t, int64(42), next.FromHA, "restored from the HA checkpoint")
	assert.False(t, next.JobGraphInHA, "the old job graph was removed before the new JobManager started")
	cm := &corev1.ConfigMap{}
	assert.NoError(t, k8s.Get(ctx, client.ObjectKey{Namespace: d.sim.ns, Name: "ls-" + first.JobID + "-config-map"}, cm), "HA data kept")
}

func TestLastStateWithoutHAMetadataHolds(t *testing.T) {
	d := deployRunning(t, "lsgone", "v1_20", statefulSpec("lsgone", "last-state", haConfig))
	require.NoError(t, k8s.DeleteAllOf(ctx, &corev1.ConfigMap{}, client.InNamespace(d.sim.ns), client.MatchingLabels{simHALabel: "true"}))

	updateFD(t, d.sim.ns, "lsgone", newImage)
	fd := d.until("held", 10, func(fd *v1beta1.FlinkDeployment) bool {
		return strings.Contains(fd.Status.Error, "HA metadata is not available")
	})
	// Held for the user is Stalled, the generation's outcome (health.Apply).
	assert.Equal(t, int64(2), fd.Status.ObservedGeneration)
	assert.True(t, meta.IsStatusConditionTrue(fd.Status.Conditions, health.Stalled))
	assert.Equal(t, "flink:1.20", jmImage(t, d.sim.ns, "lsgone"), "never restarted without its state")
	assert.Len(t, d.sim.starts, 1)
}

func TestStatelessUpgradeStartsEmptyAndDropsHA(t *testing.T) {
	d := deployRunning(t, "sl", "v1_20", statefulSpec("sl", "stateless", haConfig))
	first := d.sim.starts[0]
	updateFD(t, d.sim.ns, "sl", newImage)
	d.until("upgraded job running", 40, running)
	require.Len(t, d.sim.starts, 2)
	assert.Empty(t, d.sim.starts[1].RestorePath)
	assert.Zero(t, d.sim.starts[1].FromHA, "the old HA data was deleted, so nothing was recovered")
	assert.NotEqual(t, first.JobID, d.sim.starts[1].JobID)
	err := k8s.Get(ctx, client.ObjectKey{Namespace: d.sim.ns, Name: "sl-" + first.JobID + "-config-map"}, &corev1.ConfigMap{})
	assert.True(t, apierrors.IsNotFound(err), "old HA data deleted: %v", err)
}

func TestSuspendAndResumeWithSavepoint(t *testing.T) {
	d := deployRunning(t, "sus", "v1_20", statefulSpec("sus", "savepoint", ""))
	updateFD(t, d.sim.ns, "sus", func(fd *v1beta1.FlinkDeployment) { fd.Spec.Job.State = v1beta1.JobStateSuspended })
	fd := d.until("suspended", 40, suspendedDone)
	assert.Equal(t, 1, d.sim.stopTriggers())
	location := fd.Status.JobStatus.UpgradeSavepointPath
	require.NotEmpty(t, location)
	assert.Equal(t, "SUSPENDED", fd.Status.JobStatus.State)
	assert.Empty(t, clusterObjects(t, d.sim.ns, "sus"), "the cluster's resources are freed")

	updateFD(t, d.sim.ns, "sus", func(fd *v1beta1.FlinkDeployment) { fd.Spec.Job.State = v1beta1.JobStateRunning })
	d.until("resumed", 40, running)
	require.Len(t, d.sim.starts, 2)
	assert.Equal(t, location, d.sim.starts[1].RestorePath, "resumed from the suspend savepoint")
	assert.Equal(t, 1, d.sim.stopTriggers())
}

func TestNewSuspendedCRDeploysNothingAndStartsFromInitialSavepointOnResume(t *testing.T) {
	doc := strings.Replace(statefulSpec("fresh", "savepoint", ""), "    upgradeMode: savepoint", "    upgradeMode: savepoint\n    state: suspended\n    initialSavepointPath: s3://bucket/savepoints/initial", 1)
	ns := newNamespace(t)
	createFlinkDeployment(t, ns, doc)
	d := &driver{t: t, sim: newSim(t, ns, "fresh", "v1_20"), r: newDirectReconciler(nil)}
	d.until("suspended", 10, suspendedDone)
	assert.Empty(t, clusterObjects(t, ns, "fresh"))
	updateFD(t, ns, "fresh", func(fd *v1beta1.FlinkDeployment) { fd.Spec.Job.State = v1beta1.JobStateRunning })
	d.until("running", 20, running)
	require.Len(t, d.sim.starts, 1)
	assert.Equal(t, "s3://bucket/savepoints/initial", d.sim.starts[0].RestorePath)
}

// clusterObjects lists the operator's objects of a cluster as Kind/name.
func clusterObjects(t *testing.T, ns, name string) []string {
	t.Helper()
	var out []string
	sel := client.MatchingLabels{"app": name, "app.kubernetes.io/managed-by": "flink-operator"}
	deps := &appsv1.DeploymentList{}
	require.NoError(t, k8s.List(ctx, deps, client.InNamespace(ns), sel))
	for _, o := range deps.Items {
		out = append(out, "Deployment/"+o.Name)
	}
	svcs := &corev1.ServiceList{}
	require.NoError(t, k8s.List(ctx, svcs, client.InNamespace(ns), sel))
	for _, o := range svcs.Items {
		out = append(out, "Service/"+o.Name)
	}
	cms := &corev1.ConfigMapList{}
	require.NoError(t, k8s.List(ctx, cms, client.InNamespace(ns), sel))
	for _, o := range cms.Items {
		out = append(out, "ConfigMap/"+o.Name)
	}
	sort.Strings(out)
	return out
}

func TestSavepointUpgradeSurvivesLostAnswersAndErrors(t *testing.T) {
	d := deployRunning(t, "spflaky", "v1_20", statefulSpec("spflaky", "savepoint", ""))
	c := d.sim.cluster
	// The trigger reaches Flink but its answer is lost; then the status
	// polls fail for a while.
	c.InjectFault(fakejm.Fault{Route: "POST /jobs/:jobid/stop", DropResponse: true, Times: 1})
	c.InjectFault(fakejm.Fault{Route: "GET /jobs/:jobid/savepoints/:triggerid", Status: 503, Times: 2})
	c.InjectFault(fakejm.Fault{Route: "GET /jobs/:jobid/savepoints/:triggerid", DropConnection: true, Times: 1})

	updateFD(t, d.sim.ns, "spflaky", newImage)
	fd := d.until("upgraded job running", 80, running)
	assert.Equal(t, 1, d.sim.stopTriggers(), "the retried trigger is the same savepoint")
	require.Len(t, d.sim.starts, 2)
	assert.Equal(t, fd.Status.JobStatus.UpgradeSavepointPath, d.sim.starts[1].RestorePath)
}

func TestFailedJobUpgradesFromItsLatestCheckpoint(t *testing.T) {
	d := deployRunning(t, "spfailed", "v1_20", statefulSpec("spfailed", "savepoint", ""))
	jobID := d.sim.starts[0].JobID
	_, err := d.sim.cluster.AddCheckpoint(jobID, fakejm.CheckpointSpec{ExternalPath: "s3://bucket/checkpoints/" + jobID + "/chk-5"})
	require.NoError(t, err)
	require.NoError(t, d.sim.cluster.FailJob(jobID, "java.lang.RuntimeException", "boom"))
	d.until("failure observed", 5, func(fd *v1beta1.FlinkDeployment) bool { return fd.Status.JobStatus.State == "FAILED" })

	updateFD(t, d.sim.ns, "spfailed", newImage)
	d.until("upgraded job running", 40, running)
	assert.Equal(t, 0, d.sim.stopTriggers(), "no savepoint from a failed job")
	require.Len(t, d.sim.starts, 2)
	assert.Equal(t, "s3://bucket/checkpoints/"+jobID+"/chk-5", d.sim.starts[1].RestorePath)
}

func TestSavepointUpgradeAcrossVersions(t *testing.T) {
	for _, tc := range []struct{ version, image, restoreKey string }{
		{"v1_14", "flink:1.14", "execution.savepoint.path"}, // Flink chooses the trigger id
		{"v1_18", "flink:1.18", "execution.savepoint.path"},
		{"v2_0", "flink:2.0", "execution.state-recovery.path"}, // config.yaml
	} {
		t.Run(tc.version, func(t *testing.T) {
			doc := strings.NewReplacer("flinkVersion: v1_20", "flinkVersion: "+tc.version, "image: flink:1.20", "image: "+tc.image).
				Replace(statefulSpec("spv", "savepoint", ""))
			d := deployRunning(t, "spv", tc.version, doc)
			updateFD(t, d.sim.ns, "spv", func(fd *v1beta1.FlinkDeployment) { fd.Spec.Image = tc.image + ".1" })
			fd := d.until("upgraded job running", 40, running)
			assert.Equal(t, 1, d.sim.stopTriggers())
			require.Len(t, d.sim.starts, 2)
			location := fd.Status.JobStatus.UpgradeSavepointPath
			require.NotEmpty(t, location)
			assert.Equal(t, location, d.sim.starts[1].RestorePath)
			assert.Equal(t, location, d.sim.flinkConfig()[tc.restoreKey])
		})
	}
}

func TestImmutableTransitionIsRefusedAndNothingChanges(t *testing.T) {
	// The CRD's transition rules refuse this at the API server once status
	// records a deployment. The operator checks again against the spec it
	// deployed, for CRs written past those rules (an older CRD, or status
	// cleared by hand), which this test forges.
	ns := newNamespace(t)
	createFlinkDeployment(t, ns, statefulSpec("mode", "savepoint", ""))
	d := &driver{t: t, sim: newSim(t, ns, "mode", "v1_20"), r: newDirectReconciler(nil)}
	require.NoError(t, d.pass()) // deploy; status now records the spec
	fd := &v1beta1.FlinkDeployment{}
	require.NoError(t, k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "mode"}, fd))
	deployedWith := fd.Status.ReconciliationStatus.LastReconciledSpec

	// Forge what an old API server (without the CEL rules) would have
	// let through: clear status, edit mode, restore status.
	standalone := v1beta1.ModeStandalone
	fd.Spec.Mode = &standalone
	saved := fd.Status.DeepCopy()
	fd.Status = v1beta1.FlinkDeploymentStatus{}
	require.NoError(t, k8s.Status().Update(ctx, fd))
	require.NoError(t, k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "mode"}, fd))
	fd.Spec.Mode = &standalone
	require.NoError(t, k8s.Update(ctx, fd))
	require.NoError(t, k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "mode"}, fd))
	fd.Status = *saved
	require.NoError(t, k8s.Status().Update(ctx, fd))

	fd = d.until("transition refused", 5, func(fd *v1beta1.FlinkDeployment) bool {
		return strings.Contains(fd.Status.Error, "spec.mode")
	})
	assert.Contains(t, fd.Status.Error, "cannot change from native")
	assert.Equal(t, deployedWith, fd.Status.ReconciliationStatus.LastReconciledSpec, "the deployed spec stays")
	assert.Equal(t, 0, d.sim.stopTriggers())
	assert.Len(t, d.sim.starts, 1)
}

// metricValue reads a counter's value, or a histogram's sample count, from
// the operator's metrics registry.
func metricValue(t *testing.T, name string, labels map[string]string) float64 {
	t.Helper()
	families, err := crmetrics.Registry.Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	next:
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if want, ok := labels[l.GetName()]; ok && want != l.GetValue() {
					continue next
				}
			}
			if h := m.GetHistogram(); h != nil {
				return float64(h.GetSampleCount())
			}
			return m.GetCounter().GetValue()
		}
	}
	return 0
}

func TestUpgradeMetrics(t *testing.T) {
	upgrades := metricValue(t, "flink_operator_upgrades_total", map[string]string{"mode": "savepoint"})
	savepoints := metricValue(t, "flink_operator_savepoint_duration_seconds", nil)
	d := deployRunning(t, "metrics", "v1_20", statefulSpec("metrics", "savepoint", ""))
	d.until("stable", 10, func(fd *v1beta1.FlinkDeployment) bool { return fd.Status.LifecycleState == v1beta1.LifecycleStable })
	rollouts := metricValue(t, "flink_operator_rollout_duration_seconds", map[string]string{"kind": "change"})
	updateFD(t, d.sim.ns, "metrics", newImage)
	d.until("upgraded", 40, running)
	d.until("stable again", 10, func(fd *v1beta1.FlinkDeployment) bool { return fd.Status.LifecycleState == v1beta1.LifecycleStable })
	assert.Equal(t, rollouts+1, metricValue(t, "flink_operator_rollout_duration_seconds", map[string]string{"kind": "change"}), "the change's rollout is timed once")
	assert.Equal(t, upgrades+1, metricValue(t, "flink_operator_upgrades_total", map[string]string{"mode": "savepoint"}))
	assert.Equal(t, savepoints+1, metricValue(t, "flink_operator_savepoint_duration_seconds", nil))
	assert.Positive(t, metricValue(t, "flink_operator_render_duration_seconds", nil))
}

func TestSavepointCounts(t *testing.T) {
	count := func(trigger, result string) float64 {
		return metricValue(t, "flink_operator_savepoints_total", map[string]string{"trigger": trigger, "result": result})
	}
	upgrade, manual, abandoned := count("upgrade", "completed"), count("manual", "completed"), count("manual", "abandoned")
	d := deployRunning(t, "spcount", "v1_20", statefulSpec("spcount", "savepoint", "    kubernetes.operator.savepoint.trigger.grace-period: 300 ms"))

	updateFD(t, d.sim.ns, "spcount", setNonce(1))
	d.until("manual savepoint recorded", 20, served(1))
	assert.Equal(t, manual+1, count("manual", "completed"))

	updateFD(t, d.sim.ns, "spcount", newImage)
	d.until("upgraded", 40, func(fd *v1beta1.FlinkDeployment) bool { return running(fd) && len(d.sim.starts) == 2 })
	assert.Equal(t, upgrade+1, count("upgrade", "completed"))

	// A manual request whose savepoints keep failing is given up.
	d.sim.cluster.SetOperationBehavior(fakejm.OperationBehavior{Fail: true, FailureMessage: "Checkpoint was declined"})
	updateFD(t, d.sim.ns, "spcount", setNonce(2))
	d.until("manual request given up", 200, settled)
	assert.Equal(t, abandoned+1, count("manual", "abandoned"))
	assert.Equal(t, manual+1, count("manual", "completed"))
}

func TestUnreachableJobManagerDuringUpgradeAppliesNothing(t *testing.T) {
	d := deployRunning(t, "spdown", "v1_20", statefulSpec("spdown", "savepoint", ""))
	// The JobManager stops answering before the upgrade begins.
	d.sim.cluster.InjectFault(fakejm.Fault{DropConnection: true})
	updateFD(t, d.sim.ns, "spdown", newImage)
	fd := d.until("held", 10, func(fd *v1beta1.FlinkDeployment) bool {
		return strings.Contains(fd.Status.Error, "/spdown does not answer")
	})
	assert.NotContains(t, fd.Status.Error, "Manual restore", "a JobManager that does not answer is waited for")
	assert.Equal(t, int64(1), fd.Status.ObservedGeneration)
	for i := 0; i < 10; i++ {
		_ = d.pass()
	}
	assert.Equal(t, "flink:1.20", jmImage(t, d.sim.ns, "spdown"), "no restart without a savepoint")
	assert.Len(t, d.sim.starts, 1)
	assert.Equal(t, 0, d.sim.stopTriggers())

	// Back again, the upgrade goes through with a savepoint.
	d.sim.cluster.ClearFaults()
	fd = d.until("upgraded", 40, running)
	assert.Equal(t, 1, d.sim.stopTriggers())
	require.Len(t, d.sim.starts, 2)
	assert.Equal(t, fd.Status.JobStatus.UpgradeSavepointPath, d.sim.starts[1].RestorePath)
}

func TestFailedJobWithoutCheckpointNeedsManualRestore(t *testing.T) {
	d := deployRunning(t, "spnocp", "v1_20", statefulSpec("spnocp", "savepoint", ""))
	require.NoError(t, d.sim.cluster.FailJob(d.sim.starts[0].JobID, "java.lang.RuntimeException", "boom"))
	updateFD(t, d.sim.ns, "spnocp", newImage)
	fd := d.until("held", 10, func(fd *v1beta1.FlinkDeployment) bool {
		return strings.Contains(fd.Status.Error, "Manual restore required")
	})
	assert.Contains(t, fd.Status.Error, "the job is FAILED")
	assert.Equal(t, "flink:1.20", jmImage(t, d.sim.ns, "spnocp"))
	assert.Len(t, d.sim.starts, 1, "never restarted empty")
}
