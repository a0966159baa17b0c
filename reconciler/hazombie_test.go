package reconciler_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

func suspendJob(fd *v1beta1.FlinkDeployment) { fd.Spec.Job.State = v1beta1.JobStateSuspended }

func haConfigMaps(t *testing.T, ns, name string) []string {
	t.Helper()
	list := &corev1.ConfigMapList{}
	require.NoError(t, k8s.List(ctx, list, client.InNamespace(ns), client.MatchingLabels{"app": name, simHALabel: "true"}))
	var out []string
	for _, cm := range list.Items {
		out = append(out, cm.Name)
	}
	return out
}

func TestLastStateSuspendResumedStatelessStartsWithoutOldHAData(t *testing.T) {
	d := deployRunning(t, "zsl", "v1_20", statefulSpec("zsl", "last-state", haConfig))
	first := d.sim.starts[0]
	updateFD(t, d.sim.ns, "zsl", suspendJob)
	d.until("suspended", 40, suspendedDone)
	require.NotEmpty(t, haConfigMaps(t, d.sim.ns, "zsl"), "a last-state suspend keeps the HA data")

	updateFD(t, d.sim.ns, "zsl", func(fd *v1beta1.FlinkDeployment) {
		fd.Spec.Job.State = v1beta1.JobStateRunning
		fd.Spec.Job.UpgradeMode = v1beta1.UpgradeModeStateless
	})
	d.until("resumed", 40, running)
	require.Len(t, d.sim.starts, 2)
	next := d.sim.starts[1]
	assert.False(t, next.JobGraphInHA, "no old job graph for Flink to recover next to the new job")
	assert.Zero(t, next.FromHA)
	assert.Empty(t, next.RestorePath)
	assert.NotEqual(t, first.JobID, next.JobID)
	err := k8s.Get(ctx, client.ObjectKey{Namespace: d.sim.ns, Name: "zsl-" + first.JobID + "-config-map"}, &corev1.ConfigMap{})
	assert.True(t, apierrors.IsNotFound(err), "the old job's checkpoints are gone from HA: %v", err)
}

func TestLastStateSuspendResumedAsSavepointLeavesNoOldJobGraph(t *testing.T) {
	d := deployRunning(t, "zsp", "v1_20", statefulSpec("zsp", "last-state", haConfig))
	updateFD(t, d.sim.ns, "zsp", suspendJob)
	d.until("suspended", 40, suspendedDone)
	// Another upgradeMode while suspended, then resume.
	updateFD(t, d.sim.ns, "zsp", func(fd *v1beta1.FlinkDeployment) { fd.Spec.Job.UpgradeMode = v1beta1.UpgradeModeSavepoint })
	d.until("edit recorded", 10, func(fd *v1beta1.FlinkDeployment) bool { return fd.Status.ObservedGeneration == fd.Generation })
	updateFD(t, d.sim.ns, "zsp", func(fd *v1beta1.FlinkDeployment) { fd.Spec.Job.State = v1beta1.JobStateRunning })
	d.until("resumed", 40, running)
	require.Len(t, d.sim.starts, 2)
	assert.False(t, d.sim.starts[1].JobGraphInHA, "the old job graph was removed before the JobManager started")
	// The suspend recorded last-state: the resume restores the latest
	// checkpoint from HA under the same job id, never an empty start.
	assert.Equal(t, d.sim.starts[0].JobID, d.sim.starts[1].JobID)
	assert.Equal(t, int64(42), d.sim.starts[1].FromHA)
}

func TestNewFlinkDeploymentDoesNotRecoverTheJobOfADeletedOneWithTheSameName(t *testing.T) {
	d := deployRunning(t, "zdel", "v1_20", statefulSpec("zdel", "last-state", haConfig))
	old := d.sim.starts[0]
	fd := getFD(t, d.sim.ns, "zdel")
	require.NoError(t, k8s.Delete(ctx, fd))
	d.until("deleted", 10, func(fd *v1beta1.FlinkDeployment) bool { return fd == nil })
	// The HA ConfigMaps survived (the cleanup timed out, or the operator
	// was not running when the finalizer was removed).
	d.sim.writeHA(old.JobID)

	createFlinkDeployment(t, d.sim.ns, statefulSpec("zdel", "stateless", haConfig))
	d.until("new job running", 30, running)
	require.Len(t, d.sim.starts, 2)
	next := d.sim.starts[1]
	assert.False(t, next.JobGraphInHA, "the deleted FlinkDeployment's job is not recovered next to the new one")
	assert.Zero(t, next.FromHA)
	assert.NotEqual(t, old.JobID, next.JobID)
	err := k8s.Get(ctx, client.ObjectKey{Namespace: d.sim.ns, Name: "zdel-" + old.JobID + "-config-map"}, &corev1.ConfigMap{})
	assert.True(t, apierrors.IsNotFound(err), "a stateless deploy starts from no HA data: %v", err)
}

func TestDeleteRemovesHADataOnlyAfterTheJobManagerIsGone(t *testing.T) {
	d := deployRunning(t, "zord", "v1_20", statefulSpec("zord", "last-state", haConfig))
	ns := d.sim.ns
	// A JobManager pod still shutting down (envtest runs no kubelet or
	// garbage collector, so it stays until the test deletes it).
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "zord-jobmanager-0",
			Labels: map[string]string{"app": "zord", "component": "jobmanager", "type": "flink-native-kubernetes"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "flink-main-container", Image: "flink:1.20"}}},
	}
	require.NoError(t, k8s.Create(ctx, pod))
	require.NoError(t, k8s.Delete(ctx, getFD(t, ns, "zord")))

	for i := 0; i < 5; i++ {
		_ = d.pass()
	}
	fd := getFD(t, ns, "zord")
	assert.Contains(t, fd.Finalizers, "flink.apache.org/finalizer", "deletion waits")
	assert.Contains(t, fd.Status.Error, "waiting for the JobManager pods")
	assert.Len(t, haConfigMaps(t, ns, "zord"), 2, "HA data kept while a JobManager could still write it")
	assert.False(t, jobManagerExists(t, ns, "zord"), "the cluster itself is deleted at once")

	require.NoError(t, k8s.Delete(ctx, pod))
	d.until("deleted", 10, func(fd *v1beta1.FlinkDeployment) bool { return fd == nil })
	assert.Empty(t, haConfigMaps(t, ns, "zord"))
}
