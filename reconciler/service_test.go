package reconciler_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/flinkops/flink-operator/schemas/v1beta1"
)

// A Service's cluster IP cannot change in place, so switching the rest
// Service to Headless_ClusterIP and back recreates it; the upgrade still
// completes and the job runs again, instead of failing every apply.
func TestRestServiceTypeChangeRecreatesTheService(t *testing.T) {
	d := deployRunning(t, "svc", "v1_20", statefulSpec("svc", "stateless", ""))
	restService := func() *corev1.Service {
		svc := &corev1.Service{}
		require.NoError(t, k8s.Get(ctx, client.ObjectKey{Namespace: d.sim.ns, Name: "svc-rest"}, svc))
		return svc
	}
	allocated := restService()
	require.NotEqual(t, corev1.ClusterIPNone, allocated.Spec.ClusterIP)

	setType := func(serviceType string) func(*v1beta1.FlinkDeployment) {
		return func(fd *v1beta1.FlinkDeployment) {
			fd.Spec.FlinkConfiguration = v1beta1.NewConfigObject(map[string]any{
				"taskmanager.numberOfTaskSlots":        2,
				"state.checkpoints.dir":                "s3://bucket/checkpoints",
				"state.savepoints.dir":                 "s3://bucket/savepoints",
				"kubernetes.rest-service.exposed.type": serviceType,
			})
		}
	}
	updateFD(t, d.sim.ns, "svc", setType("Headless_ClusterIP"))
	d.until("running headless", 40, func(fd *v1beta1.FlinkDeployment) bool {
		return running(fd) && fd.Status.ObservedGeneration == fd.Generation && fd.Status.Error == ""
	})
	headless := restService()
	assert.Equal(t, corev1.ClusterIPNone, headless.Spec.ClusterIP)
	assert.NotEqual(t, allocated.UID, headless.UID, "recreated")

	updateFD(t, d.sim.ns, "svc", setType("NodePort"))
	d.until("running with a node port", 40, func(fd *v1beta1.FlinkDeployment) bool {
		return running(fd) && fd.Status.ObservedGeneration == fd.Generation && fd.Status.Error == ""
	})
	nodePort := restService()
	assert.Equal(t, corev1.ServiceTypeNodePort, nodePort.Spec.Type)
	assert.NotEqual(t, corev1.ClusterIPNone, nodePort.Spec.ClusterIP)
}
