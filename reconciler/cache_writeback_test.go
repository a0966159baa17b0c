package reconciler_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	"github.com/flinkops/flink-operator/reconciler"
	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// The caches drop managedFields, the kubectl last-applied annotation and
// the Deployment's pod template (see CacheOptions). The operator writes a
// FlinkDeployment's finalizer and status from those trimmed copies; this
// checks on a real API server that what the caches dropped is never
// written back as removed.
func TestCacheTransformsAreNeverWrittenBack(t *testing.T) {
	ns := newNamespace(t)
	const lastApplied = `{"apiVersion":"flink.apache.org/v1beta1","kind":"FlinkDeployment","metadata":{"name":"basic"}}`
	fd := &v1beta1.FlinkDeployment{}
	require.NoError(t, yaml.UnmarshalStrict([]byte(basicSpec), fd))
	fd.Namespace = ns
	fd.Annotations = map[string]string{corev1.LastAppliedConfigAnnotation: lastApplied, "team": "data"}
	require.NoError(t, k8s.Create(ctx, fd, client.FieldOwner("kubectl-client-side-apply")))
	waitForChildren(t, ns, "basic")
	markAvailable(t, ns, "basic") // one more status write: JobManager deploying -> deployed

	eventually(t, 10*time.Second, "finalizer and status written", func() error {
		got := getFD(t, ns, "basic")
		if got.Status.ObservedGeneration != got.Generation || len(got.Finalizers) == 0 ||
			got.Status.JobManagerDeploymentStatus != v1beta1.JMDeployedNotReady {
			return fmt.Errorf("observedGeneration %d of %d, finalizers %v, JobManager %s",
				got.Status.ObservedGeneration, got.Generation, got.Finalizers, got.Status.JobManagerDeploymentStatus)
		}
		return nil
	})

	got := getFD(t, ns, "basic")
	assert.Equal(t, lastApplied, got.Annotations[corev1.LastAppliedConfigAnnotation])
	assert.Equal(t, "data", got.Annotations["team"])
	var creator, status bool
	for _, mf := range got.ManagedFields {
		creator = creator || mf.Manager == "kubectl-client-side-apply"
		status = status || mf.Subresource == "status"
	}
	assert.True(t, creator, "the creator's managedFields entry is kept: %v", got.ManagedFields)
	assert.True(t, status, "the operator's status writes own fields: %v", got.ManagedFields)

	// The Deployment on the server keeps its pod template: the trimmed
	// cached copy is only read.
	dep := &appsv1.Deployment{}
	require.NoError(t, k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "basic"}, dep))
	require.NotEmpty(t, dep.Spec.Template.Spec.Containers)
	assert.Equal(t, "flink:1.20", dep.Spec.Template.Spec.Containers[0].Image)
	assert.NotEmpty(t, dep.ManagedFields)
	for _, mf := range dep.ManagedFields {
		if mf.Manager == reconciler.FieldManager {
			return
		}
	}
	t.Errorf("Deployment lost the operator's managedFields entry: %v", dep.ManagedFields)
}
