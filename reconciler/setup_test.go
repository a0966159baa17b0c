package reconciler

import (
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// objectMeta is what every object the API server returns carries.
func objectMeta() metav1.ObjectMeta {
	return metav1.ObjectMeta{
		Namespace: "ns", Name: "basic", UID: "uid-1", ResourceVersion: "42", Generation: 3,
		Labels:          map[string]string{labelApp: "basic", labelManagedBy: managedByOperator},
		Annotations:     map[string]string{"team": "data"},
		OwnerReferences: []metav1.OwnerReference{{Kind: "FlinkDeployment", Name: "basic", UID: "owner-uid"}},
		Finalizers:      []string{Finalizer},
		ManagedFields:   []metav1.ManagedFieldsEntry{{Manager: FieldManager, Operation: metav1.ManagedFieldsOperationApply, FieldsV1: &metav1.FieldsV1{Raw: []byte(`{"f:spec":{}}`)}}},
	}
}

func TestSlimFlinkDeploymentKeepsWhatTheReconcilerReads(t *testing.T) {
	fd := &v1beta1.FlinkDeployment{ObjectMeta: objectMeta()}
	fd.Annotations[corev1.LastAppliedConfigAnnotation] = `{"apiVersion":"flink.apache.org/v1beta1","kind":"FlinkDeployment"}`
	fd.Spec = v1beta1.FlinkDeploymentSpec{Image: "flink:1.20", FlinkVersion: "v1_20"}
	fd.Status = v1beta1.FlinkDeploymentStatus{LifecycleState: v1beta1.LifecycleStable, ObservedGeneration: 3}
	// Two equal strings, as JSON decoding produces them: separate copies.
	fd.Status.ReconciliationStatus.LastReconciledSpec = `{"spec":{}}`
	fd.Status.ReconciliationStatus.LastStableSpec = strings.Clone(`{"spec":{}}`)

	out, err := slimFlinkDeployment(fd)
	require.NoError(t, err)
	got := out.(*v1beta1.FlinkDeployment)

	assert.Nil(t, got.ManagedFields)
	assert.NotContains(t, got.Annotations, corev1.LastAppliedConfigAnnotation)
	want := objectMeta()
	want.ManagedFields = nil
	assert.Equal(t, want, got.ObjectMeta, "everything else in metadata stays, other annotations included")
	assert.Equal(t, v1beta1.FlinkDeploymentSpec{Image: "flink:1.20", FlinkVersion: "v1_20"}, got.Spec)
	assert.Equal(t, v1beta1.LifecycleStable, got.Status.LifecycleState)
	rs := got.Status.ReconciliationStatus
	assert.Equal(t, `{"spec":{}}`, rs.LastReconciledSpec)
	assert.Equal(t, `{"spec":{}}`, rs.LastStableSpec)
	assert.Same(t, unsafe.StringData(rs.LastReconciledSpec), unsafe.StringData(rs.LastStableSpec), "equal specs share one string")

	// Different specs stay different.
	fd.Status.ReconciliationStatus.LastStableSpec = `{"spec":{"image":"flink:1.19"}}`
	out, err = slimFlinkDeployment(fd)
	require.NoError(t, err)
	assert.Equal(t, `{"spec":{"image":"flink:1.19"}}`, out.(*v1beta1.FlinkDeployment).Status.ReconciliationStatus.LastStableSpec)
}

func TestSlimDeploymentKeepsMetadataAndStatus(t *testing.T) {
	dep := &appsv1.Deployment{ObjectMeta: objectMeta()}
	dep.Spec.Template.Spec.Containers = []corev1.Container{{Name: "flink-main-container", Image: "flink:1.20"}}
	dep.Status = appsv1.DeploymentStatus{ObservedGeneration: 3, AvailableReplicas: 1, Conditions: []appsv1.DeploymentCondition{
		{Type: appsv1.DeploymentReplicaFailure, Status: corev1.ConditionTrue, Reason: "FailedCreate", Message: "quota"},
	}}
	status := *dep.Status.DeepCopy()

	out, err := slimDeployment(dep)
	require.NoError(t, err)
	got := out.(*appsv1.Deployment)

	assert.Empty(t, got.Spec.Template.Spec.Containers)
	assert.Nil(t, got.ManagedFields)
	assert.Nil(t, got.Annotations)
	// observe reads generation and status; the apply memo, prune and
	// ownership read resourceVersion, labels and owner references.
	assert.Equal(t, int64(3), got.Generation)
	assert.Equal(t, "42", got.ResourceVersion)
	assert.Equal(t, objectMeta().Labels, got.Labels)
	assert.Equal(t, objectMeta().OwnerReferences, got.OwnerReferences)
	assert.Equal(t, status, got.Status)
	assert.Contains(t, deploymentProblem(got), "FailedCreate: quota")
}

func TestSlimPodKeepsContainerStatuses(t *testing.T) {
	pod := &corev1.Pod{ObjectMeta: objectMeta()}
	pod.Spec.Containers = []corev1.Container{{Name: "flink-main-container", Image: "flink:1.20"}}
	pod.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "flink-main-container",
		State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff", Message: "back-off"}}}}

	out, err := slimPod(pod)
	require.NoError(t, err)
	got := out.(*corev1.Pod)

	assert.Empty(t, got.Spec.Containers)
	assert.Nil(t, got.ManagedFields)
	assert.Equal(t, objectMeta().Labels, got.Labels)
	require.Len(t, got.Status.ContainerStatuses, 1)
	assert.Equal(t, "CrashLoopBackOff", got.Status.ContainerStatuses[0].State.Waiting.Reason)
}

func TestSlimChildMetadataKeepsIdentityAndOwnership(t *testing.T) {
	m := &metav1.PartialObjectMetadata{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "ConfigMap"}, ObjectMeta: objectMeta()}

	out, err := slimChildMetadata(m)
	require.NoError(t, err)
	got := out.(*metav1.PartialObjectMetadata)

	want := objectMeta()
	want.ManagedFields, want.Annotations = nil, nil
	assert.Equal(t, want, got.ObjectMeta)
	assert.Equal(t, "ConfigMap", got.Kind)
}

// Every kind the operator caches is trimmed; a kind added to the caches
// without a transform would silently keep everything.
func TestEveryCachedKindHasATransform(t *testing.T) {
	opts := CacheOptions([]string{"team-a"}, labels.Everything())
	require.NotEmpty(t, opts.ByObject)
	for obj, byObject := range opts.ByObject {
		assert.NotNil(t, byObject.Transform, "%T", obj)
	}
	assert.NotNil(t, opts.DefaultTransform)
	assert.Contains(t, opts.DefaultNamespaces, "team-a")
}
