package reconciler_test

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flinkops/flink-operator/metrics"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// lostNodeFinalizer keeps a deleted pod Terminating, as a pod on a lost
// node stays: envtest has no kubelet, and nothing removes it until the
// test does (as force-deleting the pod would).
const lostNodeFinalizer = "flinkops.test/node-lost"

// terminatingPod creates a TaskManager pod of the cluster bound to node
// and deletes it, so that it stays Terminating.
func terminatingPod(t *testing.T, ns, cluster, name, node string) *corev1.Pod {
	t.Helper()
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: ns, Name: name, Finalizers: []string{lostNodeFinalizer},
			Labels: map[string]string{"app": cluster, "component": "taskmanager", "type": "flink-native-kubernetes"},
		},
		Spec: corev1.PodSpec{NodeName: node, Containers: []corev1.Container{{Name: "flink-main-container", Image: "flink:1.20"}}},
	}
	require.NoError(t, k8s.Create(ctx, pod))
	require.NoError(t, k8s.Delete(ctx, pod))
	require.NoError(t, k8s.Get(ctx, client.ObjectKeyFromObject(pod), pod))
	require.NotNil(t, pod.DeletionTimestamp, "the pod is Terminating")
	return pod
}

// takeDownStuckGauge reads flink_operator_flinkdeployments_take_down_stuck
// for ns, as the leader's fleet collector reports it from the API server.
func takeDownStuckGauge(t *testing.T, ns string) float64 {
	t.Helper()
	active := make(chan struct{})
	close(active)
	reg := prometheus.NewPedanticRegistry()
	require.NoError(t, reg.Register(metrics.NewFleetCollector(k8s, active)))
	families, err := reg.Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() != "flink_operator_flinkdeployments_take_down_stuck" {
			continue
		}
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "namespace" && l.GetValue() == ns {
					return m.GetGauge().GetValue()
				}
			}
		}
	}
	t.Fatalf("no take_down_stuck series for namespace %s", ns)
	return 0
}

// TestTakeDownStuckOnALostNodeIsReportedAndResumes: a pod of the old
// cluster stays Terminating (its node is lost). The upgrade never starts a
// new JobManager while it is there; after the take-down timeout it says so
// in status, once in a Warning event and in a metric, and when the pod
// finally goes the upgrade completes from its savepoint by itself.
func TestTakeDownStuckOnALostNodeIsReportedAndResumes(t *testing.T) {
	d := deployRunning(t, "stuck", "v1_20", statefulSpec("stuck", "savepoint", ""))
	ns := d.sim.ns
	// The operator's clock, moved forward by the test instead of waiting.
	var skew atomic.Int64
	clock := func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }
	policy := fastGatePolicy
	policy.TakeDownTimeout = 30 * time.Second
	d.r.GatePolicy, d.r.Now = policy, clock
	events := recordEvents(d)
	pod := terminatingPod(t, ns, "stuck", "stuck-taskmanager-1-1", "node-lost-1")

	updateFD(t, ns, "stuck", newImage)
	fd := d.until("taking down", 40, func(fd *v1beta1.FlinkDeployment) bool {
		return fd.Status.Upgrade != nil && fd.Status.Upgrade.Phase == v1beta1.PhaseTakingDown
	})
	savepoint := fd.Status.JobStatus.UpgradeSavepointPath
	require.NotEmpty(t, savepoint, "the state is safe before the take-down")
	assert.Equal(t, savepoint, fd.Status.Upgrade.RestorePath)
	started := fd.Status.Upgrade.TakeDownTimestamp
	assert.Positive(t, started.UnixMilli(), "the take-down's start is recorded in status")

	// Within the timeout: waiting, silently, and nothing new deployed.
	for i := 0; i < 10; i++ {
		require.NoError(t, d.pass())
	}
	fd = getFD(t, ns, "stuck")
	require.NotNil(t, fd.Status.Upgrade)
	assert.Equal(t, v1beta1.PhaseTakingDown, fd.Status.Upgrade.Phase)
	assert.False(t, fd.Status.Upgrade.TakeDownOverdue)
	assert.Equal(t, started, fd.Status.Upgrade.TakeDownTimestamp, "recorded once")
	assert.Empty(t, fd.Status.Error)
	assertNoNewJobManager(t, d)

	// A restarted operator past the timeout: the timeout counts from the
	// recorded start, not from the new process's.
	skew.Store(int64(time.Minute))
	d.r = newDirectReconciler(nil)
	d.r.GatePolicy, d.r.Now = policy, clock
	events = recordEvents(d)
	fd = d.until("take-down reported", 5, func(fd *v1beta1.FlinkDeployment) bool {
		return fd.Status.Upgrade != nil && fd.Status.Upgrade.TakeDownOverdue
	})
	for _, want := range []string{"upgrade held", "take-down timeout 30s", "--take-down-timeout",
		"pod stuck-taskmanager-1-1 on node node-lost-1 (Terminating)", "node node-lost-1",
		"kubectl delete pod -n " + ns + " stuck-taskmanager-1-1 --force --grace-period=0"} {
		assert.Contains(t, fd.Status.Error, want)
	}
	for i := 0; i < 10; i++ {
		require.NoError(t, d.pass())
	}
	fd = getFD(t, ns, "stuck")
	assert.Equal(t, v1beta1.PhaseTakingDown, fd.Status.Upgrade.Phase, "still waiting")
	assert.Contains(t, fd.Status.Error, "node-lost-1")
	assert.Len(t, events.matching("Warning TakeDownStuck", "stuck-taskmanager-1-1 on node node-lost-1"), 1, "one event, not one per pass")
	assert.Equal(t, 1.0, takeDownStuckGauge(t, ns))
	assertNoNewJobManager(t, d)

	// The user force-deletes the pod, as the message says (a pod bound to
	// a node also waits for its kubelet, which this test's finalizer
	// stands in for): the upgrade continues by itself.
	pod.Finalizers = nil
	require.NoError(t, k8s.Update(ctx, pod))
	require.NoError(t, client.IgnoreNotFound(k8s.Delete(ctx, pod, client.GracePeriodSeconds(0))))
	fd = d.until("upgraded", 40, running)
	assert.Empty(t, fd.Status.Error)
	assert.Nil(t, fd.Status.Upgrade)
	require.Len(t, d.sim.starts, 2)
	assert.Equal(t, savepoint, d.sim.starts[1].RestorePath, "restored from the upgrade's savepoint")
	assert.Equal(t, 1, d.sim.stopTriggers())
	assert.Equal(t, "flink:1.20.1", jmImage(t, ns, "stuck"))
	assert.Equal(t, 0.0, takeDownStuckGauge(t, ns))
	assert.Len(t, events.matching("Normal Upgrade", "The old cluster is gone after"), 1)
}

func assertNoNewJobManager(t *testing.T, d *driver) {
	t.Helper()
	dep := &appsv1.Deployment{}
	err := k8s.Get(ctx, client.ObjectKey{Namespace: d.sim.ns, Name: d.sim.name}, dep)
	assert.True(t, apierrors.IsNotFound(err), "no JobManager Deployment while the old pods remain (got %v)", err)
	assert.Len(t, d.sim.starts, 1, "no new job submission")
	assert.False(t, strings.Contains(d.sim.flinkConfig()["execution.state-recovery.path"], "savepoint-"), "the new configuration is not applied")
}
