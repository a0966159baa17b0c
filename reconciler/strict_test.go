package reconciler_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/util/retry"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// updateRaw changes the FlinkDeployment as stored, field by field, the way
// kubectl sends it: unlike updateFD it keeps fields the typed client would
// drop, such as typos inside a pod template.
func updateRaw(t *testing.T, ns, name string, change func(spec map[string]any)) {
	t.Helper()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		u := &unstructured.Unstructured{}
		u.SetGroupVersionKind(v1beta1.GroupVersion.WithKind(v1beta1.KindFlinkDeployment))
		if err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, u); err != nil {
			return err
		}
		change(u.Object["spec"].(map[string]any))
		return k8s.Update(ctx, u)
	})
	require.NoError(t, err)
}

// yamlValue reads a YAML snippet as an unstructured value.
func yamlValue(t *testing.T, doc string) map[string]any {
	t.Helper()
	var v map[string]any
	require.NoError(t, yaml.Unmarshal([]byte(doc), &v))
	return v
}

const mountTypo = `
spec:
  containers:
  - name: flink-main-container
    volumeMount: [{name: data, mountPath: /data}]
  volumes: [{name: data, emptyDir: {}}]
`

const mountFixed = `
spec:
  containers:
  - name: flink-main-container
    volumeMounts: [{name: data, mountPath: /data}]
  volumes: [{name: data, emptyDir: {}}]
`

func jmDeployment(t *testing.T, ns, name string) *appsv1.Deployment {
	t.Helper()
	dep := &appsv1.Deployment{}
	require.NoError(t, k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: name}, dep))
	return dep
}

func TestPodTemplateTypoIsRefusedAndTheRunningJobIsUntouched(t *testing.T) {
	d := deployRunning(t, "typo", "v1_20", statefulSpec("typo", "savepoint", ""))
	events := recordEvents(d)
	ns := d.sim.ns
	before := jmDeployment(t, ns, "typo")
	deployedWith := getFD(t, ns, "typo").Status.ReconciliationStatus.LastReconciledSpec

	// The volume is a change the typed client sees; the mount, misspelt,
	// it would drop, and the job would restart without it.
	updateRaw(t, ns, "typo", func(spec map[string]any) { spec["podTemplate"] = yamlValue(t, mountTypo) })
	const want = `spec.podTemplate.spec.containers[0].volumeMount: unknown field; did you mean "volumeMounts"?`
	fd := d.until("typo refused", 5, func(fd *v1beta1.FlinkDeployment) bool { return strings.Contains(fd.Status.Error, want) })
	assert.True(t, strings.HasPrefix(fd.Status.Error, "invalid spec, the last valid spec keeps running: "), fd.Status.Error)
	assert.NotEmpty(t, events.matching("Warning ValidationError", want))
	for i := 0; i < 5; i++ {
		_ = d.pass()
	}
	fd = getFD(t, ns, "typo")
	assert.Contains(t, fd.Status.Error, want, "still refused")
	assert.Equal(t, deployedWith, fd.Status.ReconciliationStatus.LastReconciledSpec, "nothing recorded as deployed")
	assert.Nil(t, fd.Status.Upgrade, "no upgrade started")
	assert.Equal(t, 0, d.sim.stopTriggers(), "no stop-with-savepoint")
	assert.Len(t, d.sim.starts, 1, "no restart")
	assert.Equal(t, before.Generation, jmDeployment(t, ns, "typo").Generation, "the JobManager Deployment is unchanged")

	// A typo at another level the CRD keeps (a role's pod template) is
	// refused too, even when it is all that changed.
	updateRaw(t, ns, "typo", func(spec map[string]any) {
		spec["podTemplate"] = yamlValue(t, mountFixed)
		spec["taskManager"].(map[string]any)["podTemplate"] = yamlValue(t, "metadata: {labes: {team: data}}")
	})
	fd = d.until("role template typo refused", 5, func(fd *v1beta1.FlinkDeployment) bool {
		return strings.Contains(fd.Status.Error, `spec.taskManager.podTemplate.metadata.labes: unknown field; did you mean "labels"?`)
	})
	assert.NotContains(t, fd.Status.Error, "volumeMount")
	assert.Equal(t, 0, d.sim.stopTriggers())
	assert.Len(t, d.sim.starts, 1)

	// Fixed, the change goes through as a normal savepoint upgrade.
	updateRaw(t, ns, "typo", func(spec map[string]any) {
		spec["taskManager"].(map[string]any)["podTemplate"] = yamlValue(t, "metadata: {labels: {team: data}}")
	})
	fd = d.until("upgraded", 40, func(fd *v1beta1.FlinkDeployment) bool { return running(fd) && len(d.sim.starts) == 2 })
	assert.Empty(t, fd.Status.Error)
	assert.Equal(t, 1, d.sim.stopTriggers())
	assert.Equal(t, fd.Status.JobStatus.UpgradeSavepointPath, d.sim.starts[1].RestorePath)
	mounts := jmDeployment(t, ns, "typo").Spec.Template.Spec.Containers[0].VolumeMounts
	assert.Contains(t, mounts, mountOf("data", "/data"))
}

func TestNewCRWithPodTemplateTypoDeploysNothing(t *testing.T) {
	ns := newNamespace(t)
	fd := &v1beta1.FlinkDeployment{}
	require.NoError(t, yaml.UnmarshalStrict([]byte(statefulSpec("typo", "savepoint", "")), fd))
	obj, err := toUnstructured(fd)
	require.NoError(t, err)
	obj.SetNamespace(ns)
	spec := obj.Object["spec"].(map[string]any)
	spec["jobManager"].(map[string]any)["podTemplate"] = yamlValue(t, `
spec:
  containers:
  - name: flink-main-container
    envv: [{name: A, value: b}]
`)
	require.NoError(t, k8s.Create(ctx, obj))
	d := &driver{t: t, sim: newSim(t, ns, "typo", "v1_20"), r: newDirectReconciler(nil)}
	events := recordEvents(d)
	const want = `spec.jobManager.podTemplate.spec.containers[0].envv: unknown field; did you mean "env"?`
	got := d.until("refused", 5, func(fd *v1beta1.FlinkDeployment) bool { return strings.Contains(fd.Status.Error, want) })
	assert.Empty(t, got.Status.ReconciliationStatus.LastReconciledSpec, "nothing recorded as deployed")
	assert.NotEmpty(t, events.matching("Warning ValidationError", want))
	assert.Empty(t, clusterObjects(t, ns, "typo"), "nothing deployed")
	assert.Empty(t, d.sim.starts)
}

func toUnstructured(fd *v1beta1.FlinkDeployment) (*unstructured.Unstructured, error) {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(fd)
	if err != nil {
		return nil, err
	}
	u := &unstructured.Unstructured{Object: m}
	u.SetGroupVersionKind(v1beta1.GroupVersion.WithKind(v1beta1.KindFlinkDeployment))
	return u, nil
}

func mountOf(name, path string) corev1.VolumeMount {
	return corev1.VolumeMount{Name: name, MountPath: path}
}
