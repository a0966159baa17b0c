package reconciler_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flinkops/flink-operator/reconciler"
	"github.com/flinkops/flink-operator/reconciler/flinkrest"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// staleClient reads one FlinkDeployment as an informer that has fallen
// behind does: Get returns a copy saved earlier while one is set. Every
// other read, and every write, goes to the API server.
type staleClient struct {
	client.Client
	key client.ObjectKey

	mu    sync.Mutex
	stale *v1beta1.FlinkDeployment
}

func newStaleClient(key client.ObjectKey) *staleClient {
	return &staleClient{Client: k8s, key: key}
}

// serve makes reads return fd (nil: fresh reads again).
func (c *staleClient) serve(fd *v1beta1.FlinkDeployment) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stale = fd.DeepCopy()
}

func (c *staleClient) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	c.mu.Lock()
	stale := c.stale
	c.mu.Unlock()
	if fd, ok := obj.(*v1beta1.FlinkDeployment); ok && key == c.key && stale != nil {
		stale.DeepCopyInto(fd)
		return nil
	}
	return c.Client.Get(ctx, key, obj, opts...)
}

// stopAfter returns a step hook that stops the pass at the first boundary
// at which stop says so, given the steps seen so far, and reports through
// stopped whether it did.
func stopAfter(stop func(seen []reconciler.Step) bool) (func(reconciler.Step) bool, *bool) {
	var seen []reconciler.Step
	stopped := new(bool)
	return func(s reconciler.Step) bool {
		if *stopped {
			return false
		}
		seen = append(seen, s)
		*stopped = stop(seen)
		return *stopped
	}, stopped
}

func last(seen []reconciler.Step) reconciler.Step { return seen[len(seen)-1] }

// atTakeDown stops once the old Deployments are deleted (status.upgrade is
// TakingDown); atDeploying once the Deploying phase is recorded, before the
// new cluster is applied.
func atTakeDown(seen []reconciler.Step) bool { return last(seen) == reconciler.StepClusterDeleted }

func atDeploying(seen []reconciler.Step) bool {
	for i, s := range seen {
		if s == reconciler.StepClusterDeleted {
			return len(seen) > i+1 && last(seen) == reconciler.StepStatusRecorded
		}
	}
	return false
}

func atSavepointSent(seen []reconciler.Step) bool { return last(seen) == reconciler.StepSavepointSent }

// runUntilStopped runs passes until the driver's step hook stopped one.
func runUntilStopped(t *testing.T, d *driver, stopped *bool) {
	t.Helper()
	for i := 0; i < 20 && !*stopped; i++ {
		_ = d.pass()
	}
	require.True(t, *stopped, "the upgrade never reached the step boundary")
}

// assertNoOldJobManager checks that the JobManager Deployment, if there is
// one, runs the new image, and that every job started after the first
// restored from the upgrade savepoint.
func assertNoOldJobManager(t *testing.T, d *driver) {
	t.Helper()
	dep := &appsv1.Deployment{}
	err := k8s.Get(ctx, client.ObjectKey{Namespace: d.sim.ns, Name: d.sim.name}, dep)
	if !apierrors.IsNotFound(err) {
		require.NoError(t, err)
		assert.Equal(t, "flink:1.20.1", dep.Spec.Template.Spec.Containers[0].Image, "the old JobManager was re-created")
	}
	fd := getFD(t, d.sim.ns, d.sim.name)
	for _, start := range d.sim.starts[1:] {
		assert.NotEqual(t, d.sim.starts[0].JobID, start.JobID, "the old job was submitted again")
		assert.NotEmpty(t, start.RestorePath, "a job was started empty")
		assert.Equal(t, fd.Status.JobStatus.UpgradeSavepointPath, start.RestorePath)
	}
	assert.Equal(t, 1, d.sim.stopTriggers(), "exactly one stop-with-savepoint")
}

// One stale read of the FlinkDeployment in the middle of a savepoint
// upgrade, after the old JobManager was taken down: the read shows the CR
// as it was before the upgrade (old spec, no status.upgrade). The pass must
// not act on it; the old JobManager is never re-created, and once reads
// are fresh the upgrade completes from its one savepoint. Both the operator
// that recorded the take-down (it knows what it wrote last) and a restarted
// one (it knows nothing) are checked.
func TestStaleReadDuringUpgradeAppliesNothing(t *testing.T) {
	boundaries := []struct {
		name  string
		stop  func([]reconciler.Step) bool
		phase v1beta1.UpgradePhase
	}{
		{"taking down", atTakeDown, v1beta1.PhaseTakingDown},
		{"deploying", atDeploying, v1beta1.PhaseDeploying},
	}
	for _, b := range boundaries {
		for _, restarted := range []bool{false, true} {
			name := b.name + "/same operator"
			if restarted {
				name = b.name + "/restarted operator"
			}
			t.Run(name, func(t *testing.T) {
				d := deployRunning(t, "stale", "v1_20", statefulSpec("stale", "savepoint", ""))
				beforeUpgrade := getFD(t, d.sim.ns, "stale")
				require.Nil(t, beforeUpgrade.Status.Upgrade)

				updateFD(t, d.sim.ns, "stale", newImage)
				hook, stopped := stopAfter(b.stop)
				d.r.StepHook = hook
				runUntilStopped(t, d, stopped)
				fd := getFD(t, d.sim.ns, "stale")
				require.NotNil(t, fd.Status.Upgrade)
				require.Equal(t, b.phase, fd.Status.Upgrade.Phase)
				require.Equal(t, 1, d.sim.stopTriggers())
				require.Len(t, d.sim.starts, 1)

				if restarted {
					d.r = newDirectReconciler(nil)
				}
				d.r.StepHook = nil
				stale := newStaleClient(client.ObjectKeyFromObject(fd))
				d.r.Client = stale
				stale.serve(beforeUpgrade)
				for range 3 {
					_ = d.pass()
				}
				assertNoOldJobManager(t, d)

				stale.serve(nil)
				fd = d.until("upgraded job running", 40, running)
				restoredFromSavepoint(t, d, fd)
				assert.Equal(t, "flink:1.20.1", jmImage(t, d.sim.ns, "stale"))
				state, _ := d.sim.cluster.JobState(d.sim.starts[1].JobID)
				assert.Equal(t, flinkrest.JobRunning, state)
			})
		}
	}
}

// A deposed leader (operator A) wakes up with the FlinkDeployment as its
// informer last showed it, after a new leader (operator B, separate
// memory) carried a savepoint upgrade through. Whatever A saw, it must not
// stop the new job, delete the new cluster or roll the JobManager back to
// the old spec; the new job keeps running from its one savepoint.
func TestDeposedLeaderLeavesTheNewJobAlone(t *testing.T) {
	cases := []struct {
		name string
		// stop is where A was deposed in the upgrade; nil: before it.
		stop func([]reconciler.Step) bool
	}{
		{"before the upgrade", nil},
		{"savepoint sent", atSavepointSent},
		{"taking down", atTakeDown},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := deployRunning(t, "deposed", "v1_20", statefulSpec("deposed", "savepoint", ""))
			a := d.r
			d.until("stable", 10, func(fd *v1beta1.FlinkDeployment) bool { return fd.Status.LifecycleState == v1beta1.LifecycleStable })
			seenByA := getFD(t, d.sim.ns, "deposed")

			updateFD(t, d.sim.ns, "deposed", newImage)
			if c.stop != nil {
				hook, stopped := stopAfter(c.stop)
				a.StepHook = hook
				runUntilStopped(t, d, stopped)
				seenByA = getFD(t, d.sim.ns, "deposed")
			}

			// B takes over and finishes the upgrade.
			d.r = newDirectReconciler(nil)
			d.until("upgraded job running", 40, running)
			require.Len(t, d.sim.starts, 2)
			newJob := d.sim.starts[1].JobID
			require.Equal(t, 1, d.sim.stopTriggers())

			// A acts on what it last saw.
			a.StepHook = nil
			stale := newStaleClient(client.ObjectKeyFromObject(seenByA))
			a.Client = stale
			stale.serve(seenByA)
			d.r = a
			for range 3 {
				_ = d.pass()
			}
			assert.Equal(t, 1, d.sim.stopTriggers(), "the new job was stopped")
			assert.Len(t, d.sim.starts, 2, "the JobManager was restarted")
			assert.Equal(t, "flink:1.20.1", jmImage(t, d.sim.ns, "deposed"), "rolled back to the old spec")
			state, _ := d.sim.cluster.JobState(newJob)
			assert.Equal(t, flinkrest.JobRunning, state, "the new job keeps running")

			// With fresh reads both operators agree: nothing more happens.
			stale.serve(nil)
			for _, r := range []*reconciler.Reconciler{a, newDirectReconciler(nil), a} {
				d.r = r
				require.NoError(t, d.pass())
			}
			fd := getFD(t, d.sim.ns, "deposed")
			assert.True(t, running(fd), "status: %+v", fd.Status)
			restoredFromSavepoint(t, d, fd)
			assert.Equal(t, newJob, fd.Status.JobStatus.JobID)
		})
	}
}

// countingClient counts the requests that change something, status
// writes included, and the reads that bypass the cache (APIReader): what a
// pass costs the API server beyond the operator's informer caches.
type countingClient struct {
	client.Client
	writes []string
	reads  int
}

func (c *countingClient) note(verb string, obj client.Object) {
	c.writes = append(c.writes, fmt.Sprintf("%s %T %s", verb, obj, obj.GetName()))
}

func (c *countingClient) Create(ctx context.Context, obj client.Object, opts ...client.CreateOption) error {
	c.note("create", obj)
	return c.Client.Create(ctx, obj, opts...)
}

func (c *countingClient) Update(ctx context.Context, obj client.Object, opts ...client.UpdateOption) error {
	c.note("update", obj)
	return c.Client.Update(ctx, obj, opts...)
}

func (c *countingClient) Patch(ctx context.Context, obj client.Object, patch client.Patch, opts ...client.PatchOption) error {
	c.note("patch", obj)
	return c.Client.Patch(ctx, obj, patch, opts...)
}

func (c *countingClient) Delete(ctx context.Context, obj client.Object, opts ...client.DeleteOption) error {
	c.note("delete", obj)
	return c.Client.Delete(ctx, obj, opts...)
}

func (c *countingClient) Apply(ctx context.Context, obj runtime.ApplyConfiguration, opts ...client.ApplyOption) error {
	c.writes = append(c.writes, "apply")
	return c.Client.Apply(ctx, obj, opts...)
}

func (c *countingClient) Status() client.SubResourceWriter {
	return &countingStatus{SubResourceWriter: c.Client.Status(), c: c}
}

type countingStatus struct {
	client.SubResourceWriter
	c *countingClient
}

func (s *countingStatus) Patch(ctx context.Context, obj client.Object, patch client.Patch, opts ...client.SubResourcePatchOption) error {
	s.c.note("status patch", obj)
	return s.SubResourceWriter.Patch(ctx, obj, patch, opts...)
}

func (s *countingStatus) Update(ctx context.Context, obj client.Object, opts ...client.SubResourceUpdateOption) error {
	s.c.note("status update", obj)
	return s.SubResourceWriter.Update(ctx, obj, opts...)
}

type countingReader struct {
	client.Reader
	c *countingClient
}

func (r countingReader) Get(ctx context.Context, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
	r.c.reads++
	return r.Reader.Get(ctx, key, obj, opts...)
}

func (r countingReader) List(ctx context.Context, list client.ObjectList, opts ...client.ListOption) error {
	r.c.reads++
	return r.Reader.List(ctx, list, opts...)
}

// The guards cost nothing when nothing happens: a settled FlinkDeployment
// read at the version last written is not read again, and a pass that
// changes nothing sends no fence. A cache that lags the operator's own
// last write costs one read from the API server, and a side effect whose
// decision wrote no status one fence, which writes nothing either.
func TestStaleReadGuardsCostNothingWhenNothingHappens(t *testing.T) {
	d := deployRunning(t, "cost", "v1_20", statefulSpec("cost", "savepoint", ""))
	d.until("stable", 10, func(fd *v1beta1.FlinkDeployment) bool { return fd.Status.LifecycleState == v1beta1.LifecycleStable })
	key := client.ObjectKey{Namespace: d.sim.ns, Name: "cost"}
	settled := getFD(t, d.sim.ns, "cost")

	stale := newStaleClient(key)
	counting := &countingClient{Client: stale}
	d.r.Client, d.r.APIReader = counting, countingReader{Reader: k8s, c: counting}
	for range 3 {
		require.NoError(t, d.pass())
	}
	assert.Empty(t, counting.writes, "a no-op pass writes nothing")
	assert.Zero(t, counting.reads, "a no-op pass reads nothing past the cache")

	// The cache still shows the version before the operator's last write:
	// one read from the API server, nothing written.
	updateFD(t, d.sim.ns, "cost", func(fd *v1beta1.FlinkDeployment) { fd.Labels["team"] = "data" })
	require.NoError(t, d.pass()) // sees the edit: one read, then it is the version known
	require.Equal(t, 1, counting.reads)
	older := settled.DeepCopy()
	stale.serve(older)
	require.NoError(t, d.pass())
	assert.Equal(t, 2, counting.reads, "an outdated copy is read again from the API server")
	assert.Empty(t, counting.writes)
	stale.serve(nil)

	// Drift: a deleted Service is put back behind one fence, which leaves
	// the FlinkDeployment's resourceVersion as it was.
	before := getFD(t, d.sim.ns, "cost").ResourceVersion
	require.NoError(t, k8s.Delete(ctx, &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: d.sim.ns, Name: "cost-rest"}}))
	require.NoError(t, d.pass())
	require.NoError(t, k8s.Get(ctx, client.ObjectKey{Namespace: d.sim.ns, Name: "cost-rest"}, &corev1.Service{}), "the Service is back")
	require.NotEmpty(t, counting.writes)
	assert.Equal(t, "status patch *v1beta1.FlinkDeployment cost", counting.writes[0], "the fence comes first")
	assert.Equal(t, before, getFD(t, d.sim.ns, "cost").ResourceVersion, "the fence wrote nothing")
}
