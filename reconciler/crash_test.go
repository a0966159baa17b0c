package reconciler_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flinkops/flink-operator/internal/testing/fakejm"
	"github.com/flinkops/flink-operator/reconciler"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// crashPath is one lifecycle path the crash test walks.
type crashPath struct {
	name, mode, extraConfig string
	// prepare runs (without crashes) after the job is running.
	prepare func(d *driver)
	// change starts the path.
	change func(t *testing.T, ns, name string)
	// done says the path has converged; doneWith, when set, is used
	// instead, for paths whose end shows only in the fake world.
	done     func(fd *v1beta1.FlinkDeployment) bool
	doneWith func(d *driver, fd *v1beta1.FlinkDeployment) bool
	// check asserts the path's invariants after convergence.
	check func(t *testing.T, d *driver, fd *v1beta1.FlinkDeployment)
}

func suspend(t *testing.T, ns, name string) {
	updateFD(t, ns, name, func(fd *v1beta1.FlinkDeployment) { fd.Spec.Job.State = v1beta1.JobStateSuspended })
}

func resume(t *testing.T, ns, name string) {
	updateFD(t, ns, name, func(fd *v1beta1.FlinkDeployment) { fd.Spec.Job.State = v1beta1.JobStateRunning })
}

func upgradeImage(t *testing.T, ns, name string) { updateFD(t, ns, name, newImage) }

// restoredFromSavepoint checks that exactly one savepoint was taken and the
// one new job restored from it.
func restoredFromSavepoint(t *testing.T, d *driver, fd *v1beta1.FlinkDeployment) {
	assert.Equal(t, 1, d.sim.stopTriggers(), "exactly one savepoint per upgrade")
	require.Len(t, d.sim.starts, 2, "exactly one new job submission")
	location := fd.Status.JobStatus.UpgradeSavepointPath
	assert.NotEmpty(t, location)
	assert.Equal(t, location, d.sim.starts[1].RestorePath, "the new JobManager restores from the recorded savepoint")
	assert.Equal(t, location, fd.Status.JobStatus.SavepointInfo.LastSavepoint.Location)
}

var crashPaths = []crashPath{
	{
		name: "savepoint upgrade", mode: "savepoint",
		change: upgradeImage, done: running, check: restoredFromSavepoint,
	},
	{
		name: "last-state upgrade", mode: "last-state", extraConfig: haConfig,
		change: upgradeImage, done: running,
		check: func(t *testing.T, d *driver, fd *v1beta1.FlinkDeployment) {
			assert.Equal(t, 0, d.sim.stopTriggers())
			require.Len(t, d.sim.starts, 2, "exactly one new job submission")
			assert.Equal(t, d.sim.starts[0].JobID, d.sim.starts[1].JobID)
			assert.Equal(t, int64(42), d.sim.starts[1].FromHA, "restored from HA, never empty")
			assert.False(t, d.sim.starts[1].JobGraphInHA)
		},
	},
	{
		name: "stateless upgrade", mode: "stateless",
		change: upgradeImage, done: running,
		check: func(t *testing.T, d *driver, fd *v1beta1.FlinkDeployment) {
			require.Len(t, d.sim.starts, 2, "exactly one new job submission")
			assert.Empty(t, d.sim.starts[1].RestorePath)
		},
	},
	{
		name: "suspend", mode: "savepoint",
		change: suspend, done: suspendedDone,
		check: func(t *testing.T, d *driver, fd *v1beta1.FlinkDeployment) {
			assert.Equal(t, 1, d.sim.stopTriggers(), "exactly one savepoint")
			assert.Len(t, d.sim.starts, 1)
			assert.NotEmpty(t, fd.Status.JobStatus.UpgradeSavepointPath)
			assert.Empty(t, clusterObjects(t, d.sim.ns, d.sim.name))
		},
	},
	{
		name: "resume", mode: "savepoint",
		prepare: func(d *driver) {
			suspend(d.t, d.sim.ns, d.sim.name)
			d.until("suspended", 40, suspendedDone)
		},
		change: resume, done: running, check: restoredFromSavepoint,
	},
	{
		name: "manual savepoint", mode: "savepoint",
		change: func(t *testing.T, ns, name string) { updateFD(t, ns, name, setNonce(1)) },
		done:   func(fd *v1beta1.FlinkDeployment) bool { return fd != nil && served(1)(fd) && running(fd) },
		check: func(t *testing.T, d *driver, fd *v1beta1.FlinkDeployment) {
			assert.Equal(t, 1, d.sim.savepointTriggers(), "exactly one savepoint for the nonce")
			assertJobKeptRunning(t, d)
			info := fd.Status.JobStatus.SavepointInfo
			require.Len(t, info.SavepointHistory, 1, "recorded once")
			assert.Equal(t, info.LastSavepoint.Location, info.SavepointHistory[0].Location)
			assert.NotEmpty(t, info.LastSavepoint.Location)
			assert.Nil(t, fd.Status.SavepointTrigger)
		},
	},
	{
		name: "resume after a redeploy while suspended", mode: "savepoint", extraConfig: haConfig,
		prepare: func(d *driver) {
			suspend(d.t, d.sim.ns, d.sim.name)
			d.until("suspended", 40, suspendedDone)
			updateFD(d.t, d.sim.ns, d.sim.name, func(fd *v1beta1.FlinkDeployment) {
				fd.Spec.Job.InitialSavepointPath = externalSavepoint
				fd.Spec.Job.SavepointRedeployNonce = ptr.To[int64](1)
			})
			d.until("redeploy recorded", 30, suspendedDone)
		},
		change: resume, done: running,
		check: func(t *testing.T, d *driver, fd *v1beta1.FlinkDeployment) {
			require.Len(t, d.sim.starts, 2, "exactly one new job submission")
			assert.Equal(t, externalSavepoint, d.sim.starts[1].RestorePath)
			assert.False(t, d.sim.starts[1].JobGraphInHA, "no job graph of the old job left in HA")
		},
	},
	{
		name: "stateless resume after a last-state suspend", mode: "last-state", extraConfig: haConfig,
		prepare: func(d *driver) {
			suspend(d.t, d.sim.ns, d.sim.name)
			d.until("suspended", 40, suspendedDone)
			updateFD(d.t, d.sim.ns, d.sim.name, func(fd *v1beta1.FlinkDeployment) { fd.Spec.Job.UpgradeMode = v1beta1.UpgradeModeStateless })
			d.until("mode recorded", 30, suspendedDone)
		},
		change: resume, done: running,
		check: func(t *testing.T, d *driver, fd *v1beta1.FlinkDeployment) {
			require.Len(t, d.sim.starts, 2, "exactly one new job submission")
			assert.Empty(t, d.sim.starts[1].RestorePath)
			assert.Zero(t, d.sim.starts[1].FromHA, "no checkpoint of the old job recovered")
			assert.False(t, d.sim.starts[1].JobGraphInHA, "no zombie job graph")
		},
	},
	{
		name: "lost JobManager with HA", mode: "last-state", extraConfig: haConfig,
		change: func(t *testing.T, ns, name string) {
			dep := &appsv1.Deployment{}
			require.NoError(t, k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, dep))
			require.NoError(t, k8s.Delete(ctx, dep))
		},
		doneWith: func(d *driver, fd *v1beta1.FlinkDeployment) bool { return running(fd) && len(d.sim.starts) == 2 },
		check: func(t *testing.T, d *driver, fd *v1beta1.FlinkDeployment) {
			require.Len(t, d.sim.starts, 2, "re-created exactly once")
			assert.Equal(t, d.sim.starts[0].JobID, d.sim.starts[1].JobID)
			assert.Equal(t, int64(42), d.sim.starts[1].FromHA, "Flink recovers the latest checkpoint from HA")
			assert.False(t, d.sim.starts[1].JobGraphInHA)
			assert.Equal(t, 0, d.sim.stopTriggers())
		},
	},
	{
		name: "job fails during a savepoint upgrade", mode: "savepoint",
		prepare: func(d *driver) {
			d.sim.cluster.SetOperationBehavior(fakejm.OperationBehavior{PendingPolls: fakejm.Forever})
			_, err := d.sim.cluster.AddCheckpoint(d.sim.starts[0].JobID, fakejm.CheckpointSpec{Directory: "s3://bucket/checkpoints"})
			require.NoError(d.t, err)
			d.sim.failJobOnStop = true
		},
		change:   upgradeImage,
		doneWith: func(d *driver, fd *v1beta1.FlinkDeployment) bool { return running(fd) && len(d.sim.starts) == 2 },
		check: func(t *testing.T, d *driver, fd *v1beta1.FlinkDeployment) {
			require.Len(t, d.sim.starts, 2, "exactly one new job submission")
			assert.Equal(t, "s3://bucket/checkpoints/"+d.sim.starts[0].JobID+"/chk-1", d.sim.starts[1].RestorePath, "from the failed job's latest checkpoint")
			assert.Equal(t, 1, d.sim.stopTriggers())
		},
	},
	{
		name: "pod template edited outside the operator", mode: "savepoint",
		change: func(t *testing.T, ns, name string) { setImage(t, ns, name, "evil:latest") },
		doneWith: func(d *driver, fd *v1beta1.FlinkDeployment) bool {
			return running(fd) && len(d.sim.starts) == 3 && jmImage(d.t, d.sim.ns, d.sim.name) == "flink:1.20"
		},
		check: func(t *testing.T, d *driver, fd *v1beta1.FlinkDeployment) {
			assert.Equal(t, 1, d.sim.stopTriggers(), "a savepoint before the operator restarts the JobManager")
			require.Len(t, d.sim.starts, 3)
			assert.Equal(t, fd.Status.JobStatus.UpgradeSavepointPath, d.sim.starts[2].RestorePath)
			assert.NotEmpty(t, d.sim.starts[2].RestorePath)
		},
	},
	{
		name: "take-down stuck on a lost node", mode: "savepoint",
		prepare: func(d *driver) {
			d.sim.lingering = terminatingPod(d.t, d.sim.ns, d.sim.name, d.sim.name+"-tm-lost", "node-lost-1")
		},
		change: upgradeImage, done: running,
		check: func(t *testing.T, d *driver, fd *v1beta1.FlinkDeployment) {
			assert.Nil(t, d.sim.lingering, "the operator reported the take-down overdue before the pod went")
			assert.Equal(t, 1, d.sim.stopTriggers(), "exactly one savepoint")
			require.Len(t, d.sim.starts, 2, "the new JobManager started once the old pods were gone")
			assert.Equal(t, fd.Status.JobStatus.UpgradeSavepointPath, d.sim.starts[1].RestorePath)
			assert.Empty(t, fd.Status.Error)
		},
	},
	{
		name: "delete", mode: "last-state", extraConfig: haConfig,
		change: func(t *testing.T, ns, name string) {
			fd := &v1beta1.FlinkDeployment{}
			require.NoError(t, k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, fd))
			require.NoError(t, k8s.Delete(ctx, fd))
		},
		done: func(fd *v1beta1.FlinkDeployment) bool { return fd == nil },
		check: func(t *testing.T, d *driver, _ *v1beta1.FlinkDeployment) {
			assert.Empty(t, clusterObjects(t, d.sim.ns, d.sim.name), "no orphaned objects")
			ha := &corev1.ConfigMapList{}
			require.NoError(t, k8s.List(ctx, ha, client.InNamespace(d.sim.ns), client.MatchingLabels{simHALabel: "true"}))
			assert.Empty(t, ha.Items, "HA data deleted with the FlinkDeployment")
		},
	},
}

// TestCrashAtEveryStep stops the operator at each step boundary of each
// path, then lets a new operator, which knows nothing but what the API
// server holds, finish the work. Whatever the stop, the invariants hold:
// exactly one savepoint per upgrade, the new JobManager restores from it, a
// stateful job never restarts empty, no job is submitted twice and no
// object is left behind.
func TestCrashAtEveryStep(t *testing.T) {
	for _, path := range crashPaths {
		t.Run(path.name, func(t *testing.T) {
			for stopAt := 1; ; stopAt++ {
				more := false
				t.Run(fmt.Sprintf("stop at step %d", stopAt), func(t *testing.T) {
					more = crashOnce(t, path, stopAt)
				})
				if !more || t.Failed() {
					return
				}
			}
		})
	}
}

// crashOnce walks path, stopping at the stopAt-th step boundary, and
// checks the invariants. It reports false when the path converged before
// reaching that boundary (then it was walked without a stop, and checked
// too): there are no more boundaries to try.
func crashOnce(t *testing.T, path crashPath, stopAt int) bool {
	name := "crash"
	d := deployRunning(t, name, "v1_20", statefulSpec(name, path.mode, path.extraConfig))
	if path.prepare != nil {
		path.prepare(d)
	}
	isDone := path.done
	if path.doneWith != nil {
		isDone = func(fd *v1beta1.FlinkDeployment) bool { return path.doneWith(d, fd) }
	}
	before := clusterObjects(t, d.sim.ns, name)
	path.change(t, d.sim.ns, name)

	hits := 0
	var stoppedAt reconciler.Step
	d.r = newDirectReconciler(func(s reconciler.Step) bool {
		hits++
		if hits == stopAt {
			stoppedAt = s
			return true
		}
		return false
	})
	converged := false
	for i := 0; i < 60 && stoppedAt == ""; i++ {
		_ = d.pass()
		fd := &v1beta1.FlinkDeployment{}
		if err := k8s.Get(ctx, client.ObjectKey{Namespace: d.sim.ns, Name: name}, fd); err != nil {
			fd = nil
		}
		if isDone(fd) {
			converged = true
			break
		}
	}
	if stoppedAt == "" {
		require.True(t, converged, "path did not converge")
		t.Logf("the path has %d step boundaries; walked without a stop", hits)
	} else {
		t.Logf("stopped at %s", stoppedAt)
	}

	// A new operator: no memory of the old one.
	d.r = newDirectReconciler(nil)
	fd := d.until("converged after restart", 80, isDone)
	path.check(t, d, fd)
	if fd != nil && fd.Spec.Job.State == v1beta1.JobStateRunning && path.prepare == nil {
		assert.Equal(t, before, clusterObjects(t, d.sim.ns, name), "the same objects, none orphaned")
	}
	return stoppedAt != ""
}
