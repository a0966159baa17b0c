package reconciler_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// standaloneSpec is statefulSpec in standalone mode.
func standaloneSpec(name, mode string) string {
	return strings.Replace(statefulSpec(name, mode, ""), "\nspec:\n", "\nspec:\n  mode: standalone\n", 1)
}

// jmArgs is the JobManager container's arguments.
func jmArgs(t *testing.T, ns, name string) []string {
	t.Helper()
	dep := &appsv1.Deployment{}
	require.NoError(t, k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, dep))
	return dep.Spec.Template.Spec.Containers[0].Args
}

// Issue 15, story 6: spec.job.allowNonRestoredState is classed IGNORE by
// the reference's field table, but in standalone mode it is a JobManager
// argument: applying it in place restarted the JobManager without a
// savepoint. It must go through the upgrade path.
func TestStandaloneAllowNonRestoredStateTakesASavepointBeforeRestarting(t *testing.T) {
	d := deployRunning(t, "anrs", "v1_20", standaloneSpec("anrs", "savepoint"))
	require.Len(t, d.sim.starts, 1)
	assert.NotContains(t, jmArgs(t, d.sim.ns, "anrs"), "--allowNonRestoredState")
	events := recordEvents(d)

	updateFD(t, d.sim.ns, "anrs", func(fd *v1beta1.FlinkDeployment) { fd.Spec.Job.AllowNonRestoredState = ptr.To(true) })
	fd := d.until("upgraded job running", 40, running)

	require.Equal(t, 1, d.sim.stopTriggers(), "exactly one stop-with-savepoint before the JobManager restarted")
	location := fd.Status.JobStatus.UpgradeSavepointPath
	require.NotEmpty(t, location)
	require.Len(t, d.sim.starts, 2, "one new job submission")
	assert.Equal(t, location, d.sim.starts[1].RestorePath, "the new JobManager restores from the savepoint")
	args := jmArgs(t, d.sim.ns, "anrs")
	assert.Contains(t, args, "--allowNonRestoredState")
	assert.Equal(t, location, argAfter(args, "--fromSavepoint"), "the JobManager's arguments name the savepoint")
	changed := events.matching("Normal SpecChanged", "spec.job.allowNonRestoredState: UPGRADE")
	require.Len(t, changed, 1, "the SpecChanged event names the field: %v", events.events)
	assert.Contains(t, changed[0], "the JobManager Deployment anrs")

	// And back: again a savepoint, not an in-place restart.
	updateFD(t, d.sim.ns, "anrs", func(fd *v1beta1.FlinkDeployment) { fd.Spec.Job.AllowNonRestoredState = nil })
	fd = d.until("reverted job running", 40, func(fd *v1beta1.FlinkDeployment) bool { return running(fd) && len(d.sim.starts) == 3 })
	assert.Equal(t, 2, d.sim.stopTriggers())
	assert.Equal(t, fd.Status.JobStatus.UpgradeSavepointPath, d.sim.starts[2].RestorePath)
	assert.NotContains(t, jmArgs(t, d.sim.ns, "anrs"), "--allowNonRestoredState")
}

func argAfter(args []string, flag string) string {
	for i, a := range args {
		if a == flag && i+1 < len(args) {
			return args[i+1]
		}
	}
	return ""
}

// A change the field table calls IGNORE that reaches no pod stays IGNORE:
// applied in place, no savepoint, no restart; and once recorded, the
// passes after it render nothing (rendermemo.go).
func TestOperatorOnlyChangeStaysInPlace(t *testing.T) {
	d := deployRunning(t, "opkey", "v1_20", standaloneSpec("opkey", "savepoint"))
	d.until("stable", 10, func(fd *v1beta1.FlinkDeployment) bool { return fd.Status.LifecycleState == v1beta1.LifecycleStable })
	events := recordEvents(d)
	updateFD(t, d.sim.ns, "opkey", func(fd *v1beta1.FlinkDeployment) {
		fd.Spec.FlinkConfiguration = v1beta1.NewConfigObject(map[string]any{
			"taskmanager.numberOfTaskSlots": 2, "state.checkpoints.dir": "s3://bucket/checkpoints",
			"state.savepoints.dir": "s3://bucket/savepoints", "kubernetes.operator.savepoint.history.max.count": 5,
		})
		fd.Spec.Job.UpgradeMode = v1beta1.UpgradeModeStateless
	})
	d.until("recorded", 5, running)
	assert.Len(t, events.matching("Normal SpecChanged", "IGNORE change(s) detected"), 1, "%v", events.events)
	assert.Zero(t, d.sim.stopTriggers())
	assert.Len(t, d.sim.starts, 1, "no restart")

	renders := countRenders(d)
	for range 3 {
		require.NoError(t, d.pass())
	}
	assert.Zero(t, *renders, "no-op passes render nothing")
}
